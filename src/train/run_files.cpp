#include "train/run_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <regex>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/file_read.h"
#include "core/number_text.h"
#include "train/checkpoint.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

void write_atomically(const std::string& path, const std::string& text) {
  write_file_atomically(path, {text});
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

// Refused at start rather than at the first checkpoint, possibly hours later. Writes nothing
// that stays: a directory still to be made is judged by its nearest existing parent.
void check_writable(const std::string& dir) {
  const fs::path checkpoints = fs::path(dir) / "checkpoints";
  std::error_code ec;
  if (!fs::exists(checkpoints, ec)) {
    fs::path parent = fs::absolute(checkpoints, ec);
    while (!parent.empty() && !fs::exists(parent, ec) && parent != parent.parent_path()) {
      parent = parent.parent_path();
    }
    if (!fs::is_directory(parent, ec)) {
      throw UserError("run directory " + dir + " cannot be created: " + parent.string() +
                      " is not a directory; choose another run.output_dir");
    }
    if (access(parent.c_str(), W_OK | X_OK) != 0) {
      throw UserError("run directory " + dir + " cannot be created (" + std::strerror(errno) +
                      " at " + parent.string() + "); choose a writable run.output_dir");
    }
    return;
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

// What shows that a run directory holds a run's work: "checkpoints/latest", a checkpoint file or
// a final record; empty when none (a directory only created, or an attempt killed early).
std::string trained_record(const std::string& dir) {
  const fs::path d(dir);
  for (const char* name :
       {"checkpoints/latest", "checkpoints/best.pt", "summary.json", "eval.json"}) {
    if (fs::exists(d / name)) return name;
  }
  const std::vector<fs::path> steps = step_checkpoints(d / "checkpoints");
  return steps.empty() ? std::string() : "checkpoints/" + steps.back().filename().string();
}

}  // namespace

// An exclusive flock on RUN/.lock, held while this process writes the run; the kernel drops it
// when the process ends, however it ends.
struct RunLock {
  explicit RunLock(const std::string& path) {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw UserError("cannot open " + path + " (" + std::strerror(errno) +
                      "); choose a writable run.output_dir");
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      throw UserError("another artic train is writing " + fs::path(path).parent_path().string() +
                      " (it holds " + path +
                      "); wait for it to finish or stop it, then run this command again");
    }
  }
  ~RunLock() { ::close(fd); }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  int fd = -1;
};

RunFiles::~RunFiles() = default;
RunFiles::RunFiles(RunFiles&&) = default;

RunFiles::RunFiles(std::string dir, bool writer, bool bar)
    : dir_(std::move(dir)), writer_(writer), tty_(writer && bar) {}

void RunFiles::check(bool resuming) const {
  if (!writer_) return;
  const std::string held = trained_record(dir_);
  if (!resuming && !held.empty()) {
    throw UserError("run directory " + dir_ + " already holds " + held +
                    "; pass --resume to continue that run, or choose another run.name "
                    "(--set run.name=...)");
  }
  check_writable(dir_);
}

void RunFiles::open(const Config& config, int64_t resumed_step) {
  if (!writer_) return;
  const fs::path checkpoints = fs::path(dir_) / "checkpoints";
  std::error_code ec;
  fs::create_directories(checkpoints, ec);
  if (ec) {
    throw UserError("run directory " + dir_ + " cannot be created (" + ec.message() +
                    "); choose a writable run.output_dir");
  }
  lock_ = std::make_unique<RunLock>((fs::path(dir_) / ".lock").string());
  // What a killed writer left half-written (PATH.tmp beside PATH); the lock says none is writing.
  for (const auto& e : fs::directory_iterator(checkpoints, ec)) {
    if (e.path().extension() == ".tmp") fs::remove(e.path(), ec);
  }
  write_atomically((fs::path(dir_) / "config.toml").string(), config_to_toml(config, true));
  const std::string metrics = (fs::path(dir_) / "metrics.jsonl").string();
  if (fs::exists(metrics)) {
    const FileRead old = read_whole_file(metrics, uint64_t{1} << 34);
    if (!old.error.empty()) throw UserError(metrics + ": cannot read it (" + old.error + ")");
    const std::string kept = metrics_kept_at(old.bytes, resumed_step);
    if (kept != old.bytes) write_atomically(metrics, kept);
  }
  log_.open(fs::path(dir_) / "train.log", std::ios::app);
  metrics_.open(metrics, std::ios::app);
}

void RunFiles::write_corpus_recipe(const std::string& corpus, const CorpusMeta& meta) {
  if (!writer_ || meta.recipe.empty()) return;
  write_atomically((fs::path(dir_) / kCorpusRecipeFile).string(),
                   "# The recipe of " + corpus + " (" + meta.created_by +
                       "), copied when this run started training.\n" + meta.recipe);
}

std::string RunFiles::step_checkpoint(int64_t step) const {
  char name[64];
  std::snprintf(name, sizeof name, "step-%08lld.pt", static_cast<long long>(step));
  return (fs::path(dir_) / "checkpoints" / name).string();
}

std::string RunFiles::best_checkpoint() const {
  return (fs::path(dir_) / "checkpoints" / "best.pt").string();
}

std::string RunFiles::stage_best_checkpoint(const std::string& stage) const {
  return (fs::path(dir_) / "checkpoints" / ("best-" + stage + ".pt")).string();
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

void RunFiles::log_quietly(const std::string& text) {
  if (!writer_) return;
  if (tty_) {
    if (log_.is_open()) log_ << text << std::endl;
  } else {
    log(text);
  }
}

void RunFiles::append_metrics(const std::string& json_line) {
  if (writer_ && metrics_.is_open()) metrics_ << json_line << std::endl;
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
            << fixed_text(v.loss, 4) << " | " << fixed_text(v.frames_per_second, 0)
            << " frames/s | ETA " << eta / 60 << "m" << (eta % 60 < 10 ? "0" : "") << eta % 60
            << "s" << std::flush;
  bar_shown_ = true;
}

void RunFiles::write_summary(const RunSummary& summary) {
  if (writer_) write_record((fs::path(dir_) / "summary.json").string(), summary);
}

void RunFiles::write_eval(const EvalRecord& eval) {
  if (writer_) write_record((fs::path(dir_) / "eval.json").string(), eval);
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
         " rank(s) on " + device + " | " + name_of(c.model.kind) + " with " +
         std::to_string(parameters) + " parameters | " + std::to_string(train_segments) +
         " train segments (" + name_of(c.data.segments.mode) + "), " +
         std::to_string(valid_utterances) + " valid utterances | " +
         std::to_string(batches_per_epoch) + " micro-batches per rank per epoch x " +
         std::to_string(c.training.accumulate_grad_batches) + " accumulated | " +
         std::to_string(total_steps) + " steps planned";
}

}  // namespace artic
