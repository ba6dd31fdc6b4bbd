#include "train/run_files.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <regex>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json.h"
#include "eval/report.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string sci(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2e", v);
  return buf;
}

std::string percent(double part, double whole) {
  return fixed(whole > 0 ? 100.0 * part / whole : 0.0, 0) + "%";
}

void write_atomically(const std::string& path, const std::string& text) {
  write_file_atomically(path, {text});
}

json::Value times_json(const PhaseTimes& t) {
  json::Value v = json::Value::object();
  v.set("data", t.data);
  v.set("forward", t.forward);
  v.set("backward", t.backward);
  v.set("allreduce", t.allreduce);
  v.set("optimizer", t.optimizer);
  return v;
}

// Oldest first.
std::vector<fs::path> step_checkpoints(const fs::path& dir) {
  std::vector<fs::path> steps;
  static const std::regex pattern(R"(step-\d{8}\.pt)");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (std::regex_match(e.path().filename().string(), pattern)) steps.push_back(e.path());
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

// Refused at start rather than at the first checkpoint, possibly hours later.
void check_writable(const std::string& dir) {
  const fs::path checkpoints = fs::path(dir) / "checkpoints";
  std::error_code ec;
  fs::create_directories(checkpoints, ec);
  if (ec) {
    throw UserError("run directory " + dir + " cannot be created (" + ec.message() +
                    "); choose a writable run.output_dir");
  }
  const std::string probe = (checkpoints / ".write-probe").string();
  try {
    write_file_atomically(probe, {"artic\n"}, "probe file");
  } catch (const UserError& e) {
    throw UserError("run directory " + dir + " is not writable, so no checkpoint could be saved (" +
                    e.what() + "); choose a writable run.output_dir");
  }
  fs::remove(probe, ec);
}

}  // namespace

RunFiles::RunFiles(std::string dir, bool writer, bool bar)
    : dir_(std::move(dir)), writer_(writer), tty_(writer && bar) {}

void RunFiles::prepare(bool resuming, const Config& config) {
  if (!writer_) return;
  const fs::path latest = fs::path(dir_) / "checkpoints" / "latest";
  if (!resuming && fs::exists(latest)) {
    throw UserError("run directory " + dir_ +
                    " already holds checkpoints; pass --resume to "
                    "continue that run, or choose another run.name (--set run.name=...)");
  }
  check_writable(dir_);
  write_atomically((fs::path(dir_) / "config.toml").string(), config_to_toml(config, true));
  log_.open(fs::path(dir_) / "train.log", std::ios::app);
  metrics_.open(fs::path(dir_) / "metrics.jsonl", std::ios::app);
}

std::string RunFiles::step_checkpoint(int64_t step) const {
  char name[64];
  std::snprintf(name, sizeof name, "step-%08lld.pt", static_cast<long long>(step));
  return (fs::path(dir_) / "checkpoints" / name).string();
}

std::string RunFiles::best_checkpoint() const {
  return (fs::path(dir_) / "checkpoints" / "best.pt").string();
}

std::string RunFiles::latest_checkpoint() const {
  const fs::path pointer = fs::path(dir_) / "checkpoints" / "latest";
  std::ifstream in(pointer);
  std::string name;
  if (!in || !std::getline(in, name) || name.empty()) {
    throw UserError(dir_ + " has no checkpoint to resume from (" + pointer.string() +
                    " is missing); start the run without --resume");
  }
  return (fs::path(dir_) / "checkpoints" / name).string();
}

void RunFiles::set_latest(const std::string& path, int64_t keep_last) {
  if (!writer_) return;
  const fs::path dir = fs::path(dir_) / "checkpoints";
  write_atomically((dir / "latest").string(), fs::path(path).filename().string() + "\n");
  const std::vector<fs::path> steps = step_checkpoints(dir);
  for (size_t i = 0; i + static_cast<size_t>(keep_last) < steps.size(); ++i) {
    fs::remove(steps[i]);
  }
}

void RunFiles::log(const std::string& text) {
  if (!writer_) return;
  if (bar_shown_) std::cout << "\r\033[K";
  bar_shown_ = false;
  std::cout << text << std::endl;
  if (log_.is_open()) log_ << text << std::endl;
}

void RunFiles::append_metrics(const std::string& json_line) {
  if (writer_ && metrics_.is_open()) metrics_ << json_line << std::endl;
}

void RunFiles::log_event(const std::string& text, const json::Value& fields) {
  if (!writer_) return;
  log(text);
  json::Value v = fields;
  if (!stage_.empty() && !v.has("stage")) v.set("stage", stage_);
  append_metrics(json::to_json(v));
}

void RunFiles::log_step(const StepLog& s) {
  if (!writer_) return;
  const PhaseTimes& t = s.times;
  const double total = t.data + t.forward + t.backward + t.allreduce + t.optimizer;
  const std::string text =
      (stage_.empty() ? "" : "[" + stage_ + "] ") + "step " + std::to_string(s.step) + " | epoch " +
      std::to_string(s.epoch + 1) + " | loss " + fixed(s.loss, 4) + " | lr " + sci(s.lr) +
      " | grad " + fixed(s.grad_norm, 3) + " | " + fixed(s.frames_per_second, 0) + " frames/s" +
      (s.world_size > 1 ? " (rank 0: " + fixed(s.rank_frames_per_second, 0) + ")" : "") +
      " | pad eff " + fixed(100 * s.padding_efficiency, 1) + "% | data " + percent(t.data, total) +
      " fwd " + percent(t.forward, total) + " bwd " + percent(t.backward, total) + " allreduce " +
      percent(t.allreduce, total) + " optim " + percent(t.optimizer, total);
  if (tty_) {
    if (log_.is_open()) log_ << text << std::endl;
  } else {
    log(text);
  }
  json::Value v = json::Value::object();
  v.set("type", "step");
  if (!stage_.empty()) v.set("stage", stage_);
  v.set("step", s.step);
  v.set("epoch", s.epoch + 1);
  v.set("loss", s.loss);
  v.set("lr", s.lr);
  v.set("grad_norm", s.grad_norm);
  v.set("world_size", static_cast<int64_t>(s.world_size));
  v.set("frames", s.frames);
  v.set("rank_frames", s.rank_frames);
  v.set("wall_seconds", s.wall_seconds);
  v.set("model_flops", s.model_flops);
  if (s.device_memory_peak_bytes > 0) v.set("device_memory_peak_bytes", s.device_memory_peak_bytes);
  v.set("frames_per_second", s.frames_per_second);
  v.set("rank_frames_per_second", s.rank_frames_per_second);
  v.set("padding_efficiency", s.padding_efficiency);
  v.set("bad_steps", s.bad_steps);
  v.set("seconds", times_json(t));
  append_metrics(json::to_json(v));
}

void RunFiles::show_progress(const ProgressView& v) {
  if (!tty_) return;
  constexpr int kWidth = 24;
  const int filled =
      v.epoch_steps > 0 ? static_cast<int>(kWidth * std::min<int64_t>(v.epoch_step, v.epoch_steps) /
                                           v.epoch_steps)
                        : 0;
  const auto eta = static_cast<int64_t>(v.eta_seconds);
  std::cout << "\r\033[Kepoch " << v.epoch + 1 << "/" << v.max_epochs << " ["
            << std::string(static_cast<size_t>(filled), '#')
            << std::string(static_cast<size_t>(kWidth - filled), '.') << "] " << v.epoch_step << "/"
            << v.epoch_steps << " | step " << v.step << "/" << v.total_steps << " | loss "
            << fixed(v.loss, 4) << " | " << fixed(v.frames_per_second, 0) << " frames/s | ETA "
            << eta / 60 << "m" << (eta % 60 < 10 ? "0" : "") << eta % 60 << "s" << std::flush;
  bar_shown_ = true;
}

void RunFiles::log_validation(const TrainProgress& p, const SplitResult& r, bool improved,
                              double seconds) {
  if (!writer_) return;
  log((stage_.empty() ? "" : "[" + stage_ + "] ") + "validation | epoch " +
      std::to_string(p.epoch + 1) + " | step " + std::to_string(p.step) + " | val loss " +
      fixed(r.loss, 4) + (improved ? " (best)" : "") + " | RMSE " +
      fixed(r.metrics.mean.rmse_mm, 3) + " mm | r " + fixed(r.metrics.mean.pearson_r, 3) +
      " | MAE " + fixed(r.metrics.mean.mae_mm, 3) + " mm | " + fixed(seconds, 1) + " s");
  json::Value v = json::Value::object();
  v.set("type", "validation");
  if (!stage_.empty()) v.set("stage", stage_);
  v.set("step", p.step);
  v.set("epoch", p.epoch + 1);
  v.set("val_loss", r.loss);
  v.set("val_rmse_mm", r.metrics.mean.rmse_mm);
  v.set("val_pearson_r", r.metrics.mean.pearson_r);
  v.set("val_mae_mm", r.metrics.mean.mae_mm);
  v.set("best", improved);
  v.set("seconds", seconds);
  v.set("articulators", metrics_to_json(r.metrics).at("articulators", "metrics"));
  append_metrics(json::to_json(v));
}

void RunFiles::write_summary(const Config& c, const TrainProgress& p, const std::string& stopped,
                             size_t train_segments, size_t valid_utterances, size_t test_utterances,
                             uint64_t param_hash, const RunThroughput& t,
                             const json::Value& stages) {
  if (!writer_) return;
  json::Value v = json::Value::object();
  v.set("name", c.run.name);
  v.set("train_segments", static_cast<int64_t>(train_segments));
  v.set("valid_segments", static_cast<int64_t>(valid_utterances));
  v.set("test_utterances", static_cast<int64_t>(test_utterances));
  v.set("epochs", p.epoch + 1);
  v.set("best_epoch", p.best_epoch + 1);
  v.set("steps", p.step);
  v.set("best_val_loss", p.best_val_loss);
  v.set("split_mode", c.data.split_mode);
  v.set("sequence_length", c.data.sequence_length);
  v.set("stopped", stopped);
  v.set("bad_steps", p.bad_steps_total);
  v.set("param_hash", hash_hex(param_hash));
  json::Value tv = json::Value::object();
  const double seconds = std::max(t.seconds, 1e-9);
  tv.set("world_size", static_cast<int64_t>(t.world_size));
  tv.set("seconds", t.seconds);
  tv.set("frames", t.frames);
  tv.set("frames_per_second", static_cast<double>(t.frames) / seconds);
  tv.set("rank_frames", t.rank_frames);
  tv.set("rank_frames_per_second", static_cast<double>(t.rank_frames) / seconds);
  v.set("throughput", tv);
  json::Value hosts = json::Value::array();
  for (const auto& h : t.hosts) hosts.push_back(h);
  v.set("hosts", hosts);
  json::Value local = json::Value::array();
  for (int l : t.local_ranks) local.push_back(static_cast<int64_t>(l));
  v.set("local_ranks", local);
  log("throughput: " + fixed(static_cast<double>(t.frames) / seconds, 0) + " frames/s (" +
      std::to_string(t.world_size) + (t.world_size == 1 ? " rank" : " ranks") + "), rank 0 " +
      fixed(static_cast<double>(t.rank_frames) / seconds, 0) + " frames/s, over " +
      fixed(t.seconds, 1) + " s of training");
  if (!stages.is_null()) v.set("stages", stages);
  write_atomically((fs::path(dir_) / "summary.json").string(), json::to_json(v, 2) + "\n");
}

void RunFiles::write_eval(const EvalMetrics& metrics, const std::string& split,
                          const std::string& checkpoint) {
  if (!writer_) return;
  json::Value v = eval_json(metrics, split);
  v.set("checkpoint", checkpoint);
  write_atomically((fs::path(dir_) / "eval.json").string(), json::to_json(v, 2) + "\n");
}

std::string newest_intact_checkpoint(const std::string& checkpoints_dir,
                                     const std::string& except) {
  const std::vector<fs::path> steps = step_checkpoints(checkpoints_dir);
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    std::error_code ec;
    if (fs::equivalent(*it, except, ec)) continue;
    if (checkpoint_problem(it->string()).empty()) return it->string();
  }
  return {};
}

std::string intact_checkpoint_advice(const std::string& damaged, const std::string& option) {
  const std::string intact = newest_intact_checkpoint(fs::path(damaged).parent_path(), damaged);
  if (intact.empty()) return "No intact step checkpoint is left beside it";
  return "The newest intact checkpoint is " + intact + ": use it with " + option + " " + intact;
}

std::string hash_hex(uint64_t hash) {
  char text[32];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

std::string describe_setup(const Config& c, const Topology& topo, const std::string& device,
                           int64_t parameters, size_t train_segments, size_t valid_utterances,
                           int64_t batches_per_epoch, int64_t total_steps) {
  return "artic train: run " + c.run.name + " | " + std::to_string(topo.world_size) +
         " rank(s) on " + device + " | " + c.model.kind + " with " + std::to_string(parameters) +
         " parameters | " + std::to_string(train_segments) + " train segments (" +
         c.data.split_mode + "), " + std::to_string(valid_utterances) + " valid utterances | " +
         std::to_string(batches_per_epoch) + " micro-batches per rank per epoch x " +
         std::to_string(c.training.accumulate_grad_batches) + " accumulated | " +
         std::to_string(total_steps) + " steps planned";
}

}  // namespace artic
