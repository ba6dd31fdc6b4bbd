#include "eval/run_records.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <type_traits>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/file_read.h"
#include "eval/record_fields.h"

namespace artic {
namespace {

using namespace record_fields;

// Files carry epochs 1-based; records hold them 0-based.
int64_t epoch_in_file(int64_t epoch) {
  return epoch + 1;
}

std::string line(Json v) {
  return v.dump();
}

std::string read_text(const std::string& path) {
  FileRead file = read_whole_file(path, 256ull << 20);
  if (!file.error.empty()) throw UserError(path + ": cannot be read (" + file.error + ")");
  return std::move(file.bytes);
}

template <typename Record>
Record read_json_file(const std::string& path, const char* what) {
  Json j;
  try {
    j = Json::parse(read_text(path));
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for 1e999
    throw UserError(path + ": not valid JSON: " + reason(e));
  }
  try {
    return j.get<Record>();
  } catch (const BadField& e) {
    throw UserError(path + ": " + e.what() + " (not " + what + " as artic writes it)");
  } catch (const Json::exception& e) {
    throw UserError(path + ": " + reason(e) + " (not " + what + " as artic writes it)");
  }
}

void write_json_file(const std::string& path, const Json& j) {
  write_file_atomically(path, {j.dump(2) + "\n"});
}

}  // namespace

PhaseTimes& PhaseTimes::operator+=(const PhaseTimes& t) {
  data += t.data;
  forward += t.forward;
  backward += t.backward;
  allreduce += t.allreduce;
  optimizer += t.optimizer;
  return *this;
}

void to_json(Json& j, const PhaseTimes& r) {
  j = {{"data", r.data},
       {"forward", r.forward},
       {"backward", r.backward},
       {"allreduce", r.allreduce},
       {"optimizer", r.optimizer}};
}

void from_json(const Json& j, PhaseTimes& r) {
  required(j, "data", r.data);
  required(j, "forward", r.forward);
  required(j, "backward", r.backward);
  required(j, "allreduce", r.allreduce);
  required(j, "optimizer", r.optimizer);
}

void to_json(Json& j, const StepLine& r) {
  j = {{"type", "step"}};
  if (!r.stage.empty()) j["stage"] = r.stage;
  j["step"] = r.step;
  j["epoch"] = epoch_in_file(r.epoch);
  j["loss"] = num(r.loss);
  j["lr"] = r.lr;
  j["grad_norm"] = num(r.grad_norm);
  j["world_size"] = r.world_size;
  j["frames"] = r.frames;
  j["rank_frames"] = r.rank_frames;
  j["wall_seconds"] = r.wall_seconds;
  j["model_flops"] = r.model_flops;
  if (r.device_memory_peak_bytes > 0) j["device_memory_peak_bytes"] = r.device_memory_peak_bytes;
  j["frames_per_second"] = r.frames_per_second;
  j["rank_frames_per_second"] = r.rank_frames_per_second;
  j["padding_efficiency"] = r.padding_efficiency;
  j["bad_steps"] = r.bad_steps;
  j["seconds"] = r.seconds;
}

void from_json(const Json& j, StepLine& r) {
  optional(j, "stage", r.stage);
  required(j, "step", r.step);
  required(j, "epoch", r.epoch);
  r.epoch -= 1;
  required(j, "loss", r.loss);
  required(j, "lr", r.lr);
  required(j, "grad_norm", r.grad_norm);
  optional(j, "world_size", r.world_size);
  optional(j, "frames", r.frames);
  optional(j, "rank_frames", r.rank_frames);
  optional(j, "wall_seconds", r.wall_seconds);
  optional(j, "model_flops", r.model_flops);
  optional(j, "device_memory_peak_bytes", r.device_memory_peak_bytes);
  optional(j, "frames_per_second", r.frames_per_second);
  optional(j, "rank_frames_per_second", r.rank_frames_per_second);
  optional(j, "padding_efficiency", r.padding_efficiency);
  optional(j, "bad_steps", r.bad_steps);
  optional(j, "seconds", r.seconds);
}

void to_json(Json& j, const ValidationRecord& r) {
  j = {{"type", "validation"}};
  if (!r.stage.empty()) j["stage"] = r.stage;
  j["step"] = r.step;
  j["epoch"] = epoch_in_file(r.epoch);
  j["val_loss"] = num(r.loss);
  j["val_rmse_mm"] = num(r.metrics.mean.rmse_mm);
  j["val_pearson_r"] = num(r.metrics.mean.pearson_r);
  j["val_mae_mm"] = num(r.metrics.mean.mae_mm);
  j["best"] = r.improved;
  j["seconds"] = r.seconds;
  j["articulators"] = Json(r.metrics).at("articulators");
}

void from_json(const Json& j, ValidationRecord& r) {
  optional(j, "stage", r.stage);
  required(j, "step", r.step);
  required(j, "epoch", r.epoch);
  r.epoch -= 1;
  required(j, "val_loss", r.loss);
  required(j, "best", r.improved);
  optional(j, "seconds", r.seconds);
  Json mean = Json::object();
  for (const char* key : {"rmse_mm", "mae_mm", "pearson_r"}) {
    required(j, (std::string("val_") + key).c_str(), mean[key]);
  }
  Json metrics = {{"mean", mean}, {"articulators", Json()}};
  required(j, "articulators", metrics["articulators"]);
  from_json(metrics, r.metrics);
}

void to_json(Json& j, const StageStartRecord& r) {
  j = {{"type", "stage_start"},
       {"stage", r.stage},
       {"index", r.index},
       {"stages", r.stages},
       {"step", r.step},
       {"planned_steps", r.planned_steps},
       {"train_segments", r.train_segments},
       {"split_mode", r.split_mode},
       {"learning_rate", r.learning_rate},
       {"overrides", r.overrides},
       {"from", r.from},
       {"param_hash", r.param_hash}};
}

void from_json(const Json& j, StageStartRecord& r) {
  required(j, "stage", r.stage);
  required(j, "index", r.index);
  required(j, "stages", r.stages);
  required(j, "step", r.step);
  required(j, "planned_steps", r.planned_steps);
  required(j, "train_segments", r.train_segments);
  required(j, "split_mode", r.split_mode);
  required(j, "learning_rate", r.learning_rate);
  required(j, "overrides", r.overrides);
  required(j, "from", r.from);
  required(j, "param_hash", r.param_hash);
}

void to_json(Json& j, const StageEndRecord& r) {
  j = {{"type", "stage_end"},
       {"stage", r.stage},
       {"index", r.index},
       {"step", r.step},
       {"steps", r.steps},
       {"epochs", r.epochs},
       {"best_epoch", r.best_epoch},
       {"best_val_loss", num(r.best_val_loss)},
       {"stopped", r.stopped},
       {"split_mode", r.split_mode},
       {"sequence_length", r.sequence_length},
       {"best_param_hash", r.best_param_hash},
       {"last_param_hash", r.last_param_hash}};
}

void from_json(const Json& j, StageEndRecord& r) {
  optional(j, "stage", r.stage);
  optional(j, "index", r.index);
  optional(j, "step", r.step);
  optional(j, "steps", r.steps);
  required(j, "epochs", r.epochs);
  required(j, "best_epoch", r.best_epoch);
  optional(j, "best_val_loss", r.best_val_loss);
  optional(j, "stopped", r.stopped);
  required(j, "split_mode", r.split_mode);
  required(j, "sequence_length", r.sequence_length);
  optional(j, "best_param_hash", r.best_param_hash);
  optional(j, "last_param_hash", r.last_param_hash);
}

void to_json(Json& j, const RunSummary& r) {
  const RunThroughput& t = r.throughput;
  j = {{"name", r.name},
       {"train_segments", r.train_segments},
       {"valid_segments", r.valid_segments},
       {"test_utterances", r.test_utterances},
       {"epochs", r.epochs},
       {"best_epoch", r.best_epoch},
       {"steps", r.steps},
       {"best_val_loss", num(r.best_val_loss)},
       {"split_mode", r.split_mode},
       {"sequence_length", r.sequence_length},
       {"stopped", r.stopped},
       {"bad_steps", r.bad_steps},
       {"param_hash", r.param_hash},
       {"throughput",
        {{"world_size", t.world_size},
         {"seconds", t.seconds},
         {"frames", t.frames},
         {"frames_per_second", t.frames_per_second()},
         {"rank_frames", t.rank_frames},
         {"rank_frames_per_second", t.rank_frames_per_second()}}},
       {"hosts", t.hosts},
       {"local_ranks", t.local_ranks}};
  if (!r.stages.empty()) j["stages"] = r.stages;
}

// Older runs lack the throughput, hosts and stages; they read as absent.
void from_json(const Json& j, RunSummary& r) {
  optional(j, "name", r.name);
  required(j, "train_segments", r.train_segments);
  required(j, "valid_segments", r.valid_segments);
  required(j, "test_utterances", r.test_utterances);
  required(j, "epochs", r.epochs);
  required(j, "best_epoch", r.best_epoch);
  required(j, "steps", r.steps);
  required(j, "best_val_loss", r.best_val_loss);
  required(j, "split_mode", r.split_mode);
  required(j, "sequence_length", r.sequence_length);
  optional(j, "stopped", r.stopped);
  optional(j, "bad_steps", r.bad_steps);
  optional(j, "param_hash", r.param_hash);
  Json t;
  optional(j, "throughput", t);
  if (!t.is_null()) {
    optional(t, "world_size", r.throughput.world_size);
    optional(t, "seconds", r.throughput.seconds);
    optional(t, "frames", r.throughput.frames);
    optional(t, "rank_frames", r.throughput.rank_frames);
  }
  optional(j, "hosts", r.throughput.hosts);
  optional(j, "local_ranks", r.throughput.local_ranks);
  optional(j, "stages", r.stages);
}

std::string metrics_line(const StepLine& r) {
  return line(r);
}
std::string metrics_line(const ValidationRecord& r) {
  return line(r);
}
std::string metrics_line(const StageStartRecord& r) {
  return line(r);
}
std::string metrics_line(const StageEndRecord& r) {
  return line(r);
}

std::string stages_text(const std::vector<StageEndRecord>& stages) {
  return Json(stages).dump();
}

std::vector<StageEndRecord> stages_from_text(const std::string& text, const std::string& origin) {
  try {
    return Json::parse(text).get<std::vector<StageEndRecord>>();
  } catch (const std::exception& e) {
    throw UserError(origin + ": its list of finished stages is not what artic writes (" +
                    reason(e) + ")");
  }
}

void write_record(const std::string& path, const RunSummary& r) {
  write_json_file(path, r);
}
void write_record(const std::string& path, const EvalRecord& r) {
  write_json_file(path, r);
}

RunSummary read_run_summary(const std::string& path) {
  return read_json_file<RunSummary>(path, "a run summary (summary.json)");
}
EvalRecord read_eval_record(const std::string& path) {
  return read_json_file<EvalRecord>(path, "an evaluation record (eval.json)");
}

std::string metrics_kept_at(const std::string& text, int64_t step) {
  std::string kept;
  if (step < 0) return kept;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) break;  // a last line without its newline was cut short
    const std::string_view line(text.data() + start, end - start);
    const Json j = Json::parse(line, nullptr, false);
    const bool keep = j.is_object() && (!j.contains("step") || !j["step"].is_number_integer() ||
                                        j["step"].get<int64_t>() <= step);
    if (keep) kept.append(line).push_back('\n');
    start = end + 1;
  }
  return kept;
}

}  // namespace artic
