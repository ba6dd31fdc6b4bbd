// Typed records of a training run: what the loop hands its observers each step, validation and
// stage, and what metrics.jsonl, summary.json and eval.json hold (docs/run-directory.md). Every
// record is written and read here (to_json / from_json on nlohmann's ordered JSON), nowhere else.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace artic {

using Json = nlohmann::ordered_json;

// Seconds of one step (or of several, summed) by phase.
struct PhaseTimes {
  double data = 0, forward = 0, backward = 0, allreduce = 0, optimizer = 0;
  double total() const { return data + forward + backward + allreduce + optimizer; }
  PhaseTimes& operator+=(const PhaseTimes& t);
};

// One optimizer step, or one skipped because its loss or gradient norm was not finite, as one
// rank saw it. Epochs and stages are 0-based here.
struct StepRecord {
  int64_t step = 0;  // optimizer steps done in the run (a skipped step does not count)
  int64_t epoch = 0, stage = 0;
  std::string stage_name;     // empty without [[stage]] tables
  int64_t stage_steps = 0;    // optimizer steps done in the stage (its schedule position)
  int64_t planned_steps = 0;  // the stage's schedule horizon
  int64_t epoch_step = 0;     // steps taken in this epoch, skipped ones included
  int64_t epoch_steps = 0;    // steps an epoch has
  int64_t max_epochs = 0;
  double loss = 0;  // mean squared error per real frame and channel over all ranks (normalized)
  double learning_rate = 0, grad_norm = 0;
  bool bad_step = false;
  int64_t bad_steps_total = 0;
  int world_size = 1;
  int64_t real_frames = 0, padded_frames = 0;  // this rank's
  int64_t job_frames = 0, job_padded_frames = 0;
  double job_model_flops = 0;  // forward + backward matmul FLOPs of the job's real frames
  int64_t allreduce_bytes = 0;
  PhaseTimes times;
  double seconds = 0;                                             // wall time of the step
  int64_t device_memory_bytes = 0, device_memory_peak_bytes = 0;  // CUDA allocator, or RSS
};

// A metrics.jsonl "step" line: the steps since the previous line. Frames and FLOPs are the job's
// (all ranks), rank_* the writing rank's own.
struct StepLine {
  std::string stage;  // the stage's name; empty without [[stage]] tables
  int64_t step = 0, epoch = 0, bad_steps = 0;
  int world_size = 1;
  double loss = 0, lr = 0, grad_norm = 0;
  int64_t frames = 0, rank_frames = 0;
  double wall_seconds = 0;  // since the previous line
  double model_flops = 0;
  int64_t device_memory_peak_bytes = 0;  // CUDA only (0: not written)
  double frames_per_second = 0, rank_frames_per_second = 0, padding_efficiency = 1;
  PhaseTimes seconds;
};

// One validation pass on full utterances (metrics in millimetres).
struct ValidationRecord {
  std::string stage;
  int64_t step = 0, epoch = 0;
  double loss = 0, best_loss = 0;
  bool improved = false;
  double seconds = 0;
  EvalMetrics metrics;
};

struct StageStartRecord {
  std::string stage;
  int64_t index = 0, stages = 0;  // 1-based position, count
  int64_t step = 0, planned_steps = 0, train_segments = 0;
  std::string split_mode;
  double learning_rate = 0;
  std::vector<std::string> overrides;  // "section.key=value"
  std::string from;                    // checkpoint the stage's weights came from, if any
  std::string param_hash;
};

// A finished stage; summary.json lists them and checkpoints carry them to the next invocation.
struct StageEndRecord {
  std::string stage;
  int64_t index = 0, step = 0, steps = 0, epochs = 0, best_epoch = 0;  // 1-based index and epochs
  double best_val_loss = 0;
  std::string stopped, split_mode;
  int64_t sequence_length = 0;
  std::string best_param_hash, last_param_hash;
};

// Training throughput of one invocation (its start or resume to the end of training).
struct RunThroughput {
  int world_size = 1;
  double seconds = 0;
  int64_t frames = 0, rank_frames = 0;  // real frames of all ranks, of rank 0
  std::vector<std::string> hosts;       // every rank's host, by rank
  std::vector<int> local_ranks;
  double frames_per_second() const { return static_cast<double>(frames) / busy_seconds(); }
  double rank_frames_per_second() const {
    return static_cast<double>(rank_frames) / busy_seconds();
  }

 private:
  double busy_seconds() const { return seconds > 1e-9 ? seconds : 1e-9; }
};

// summary.json. Epochs are 1-based.
struct RunSummary {
  std::string name;
  int64_t train_segments = 0, valid_segments = 0, test_utterances = 0;
  int64_t epochs = 0, best_epoch = 0, steps = 0;
  double best_val_loss = 0;
  std::string split_mode;
  int64_t sequence_length = 0;
  std::string stopped;
  int64_t bad_steps = 0;
  std::string param_hash;
  RunThroughput throughput;
  std::vector<StageEndRecord> stages;  // staged runs only
};

// eval.json (and `artic eval --out`). Files from before per-utterance records read with no
// utterances and no speech metrics.
struct EvalRecord {
  std::string split, checkpoint;
  EvalMetrics metrics;
  double loss = std::numeric_limits<double>::quiet_NaN();  // normalized MSE; NaN: not recorded
  // On speech frames only (not silent at data.silence_fraction, as the silence split decides);
  // speech.utterances = 0 when not measured.
  EvalMetrics speech;
  double silence_fraction = std::numeric_limits<double>::quiet_NaN();
  std::vector<UtteranceMetrics> utterances;  // channels in metrics.articulators' order
  int64_t window = 0, overlap = 0;           // windowed inference (0: whole utterances)
};

void to_json(Json& j, const UtteranceMetrics& r);
void from_json(const Json& j, UtteranceMetrics& r);
void to_json(Json& j, const PhaseTimes& r);
void from_json(const Json& j, PhaseTimes& r);
void to_json(Json& j, const StepLine& r);
void from_json(const Json& j, StepLine& r);
void to_json(Json& j, const ValidationRecord& r);
void from_json(const Json& j, ValidationRecord& r);
void to_json(Json& j, const StageStartRecord& r);
void from_json(const Json& j, StageStartRecord& r);
void to_json(Json& j, const StageEndRecord& r);
void from_json(const Json& j, StageEndRecord& r);
void to_json(Json& j, const RunSummary& r);
void from_json(const Json& j, RunSummary& r);
void to_json(Json& j, const EvalRecord& r);
void from_json(const Json& j, EvalRecord& r);
void to_json(Json& j, const EvalMetrics& m);
void from_json(const Json& j, EvalMetrics& m);

// One line of metrics.jsonl (its "type" first; "stage" when the record has one).
std::string metrics_line(const StepLine& r);
std::string metrics_line(const ValidationRecord& r);
std::string metrics_line(const StageStartRecord& r);
std::string metrics_line(const StageEndRecord& r);

// The finished stages as checkpoints store them (a JSON array); origin names the checkpoint.
std::string stages_text(const std::vector<StageEndRecord>& stages);
std::vector<StageEndRecord> stages_from_text(const std::string& text, const std::string& origin);

// summary.json and eval.json: indented JSON, written atomically; read back with a UserError that
// names the file and the key that is missing or of the wrong type.
void write_record(const std::string& path, const RunSummary& r);
void write_record(const std::string& path, const EvalRecord& r);
RunSummary read_run_summary(const std::string& path);
EvalRecord read_eval_record(const std::string& path);

// metrics.jsonl text that a resume from `step` keeps: every line of a record at or before that
// step (and records without one); lines of steps the resumed run will take again, and a torn or
// unreadable line (a writer killed mid-line), are left out. step < 0: nothing is kept.
std::string metrics_kept_at(const std::string& text, int64_t step);

}  // namespace artic
