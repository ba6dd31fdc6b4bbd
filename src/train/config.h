// Typed run configuration (docs/training.md): sections run, data, batching, model, optim,
// schedule, training, dist, monitor, checkpoint. Each module owns its section's struct (data,
// batching, model, dist, monitor); this file owns the training loop's and embeds the rest. Loaded
// from TOML, overridden with `section.key=value`, validated once; every problem is a ConfigError
// naming the file, line, key and what was expected.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/enum_names.h"
#include "data/data_config.h"
#include "data/sampler.h"
#include "dist/dist_config.h"
#include "model/model_config.h"
#include "monitor/monitor_config.h"

namespace artic {

struct RunConfig {
  std::string name = "artic";
  std::string output_dir = "runs";
  int64_t seed = 1234;
  int64_t log_every = 10;
};

struct OptimConfig {
  double learning_rate = 1e-3;
  double weight_decay = 0.01;
  double beta1 = 0.9;
  double beta2 = 0.98;
  double eps = 1e-8;
  double grad_clip = 1.0;
};

enum class ScheduleKind { WarmupCosine, Constant };
inline const std::vector<std::string>& names_of(ScheduleKind) {
  static const std::vector<std::string> names = {"warmup_cosine", "constant"};
  return names;
}

struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::WarmupCosine;
  int64_t warmup_steps = 200;
  double min_lr = 1e-5;
};

enum class Precision { Fp32, Bf16 };
inline const std::vector<std::string>& names_of(Precision) {
  static const std::vector<std::string> names = {"fp32", "bf16"};
  return names;
}

enum class DeviceChoice { Auto, Cpu, Cuda };  // auto: CUDA when available
inline const std::vector<std::string>& names_of(DeviceChoice) {
  static const std::vector<std::string> names = {"auto", "cpu", "cuda"};
  return names;
}

struct TrainingConfig {
  int64_t max_epochs = 20;
  int64_t max_steps = 0;
  int64_t accumulate_grad_batches = 1;
  Precision precision = Precision::Fp32;
  DeviceChoice device = DeviceChoice::Auto;
  int64_t threads = 0;
  int64_t eval_every = 0;
  // > 0: validation and the test evaluation predict in windows of this many frames sharing
  // eval_overlap frames (train/windowing.h), e.g. to select a chunk-trained model as it is used.
  int64_t eval_window = 0, eval_overlap = 0;
  int64_t patience = 5;
  double min_delta = 0.0;
  int64_t max_bad_steps = 5;
};

struct CheckpointConfig {
  int64_t every_steps = 0;
  int64_t keep_last = 2;
  bool save_best = true;
};

// One stage of a staged run ([[stage]] tables): its name and the values of the keys it sets
// (`keys`, as "section.key") on top of the base config; the sections a stage may change, typed.
// Its other values are unused.
struct StageConfig {
  std::string name;
  std::vector<std::string> keys;
  DataConfig data;
  BatchingConfig batching;
  double dropout = 0.1;
  OptimConfig optim;
  ScheduleConfig schedule;
  TrainingConfig training;
  CheckpointConfig checkpoint;
};

struct Config {
  RunConfig run;
  DataConfig data;
  BatchingConfig batching;
  ModelConfig model;
  OptimConfig optim;
  ScheduleConfig schedule;
  TrainingConfig training;
  DistConfig dist;
  MonitorConfig monitor;
  CheckpointConfig checkpoint;
  std::vector<StageConfig> stages;  // empty: one implicit stage, the config itself
  // Where each key that is not a default got its value: "FILE:LINE" or "--set section.key=value"
  // (for messages only; not part of the config's value).
  std::map<std::string, std::string> origins;
};

// Defaults, then the file, then each `section.key=value` override in order; the result is
// validated (a file value that an override replaces is not read, so --set can correct it).
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});
// Defaults plus overrides only (no file).
Config config_from_overrides(const std::vector<std::string>& overrides);
// Parses TOML text as if read from `origin` (used for files and tests).
Config parse_config(const std::string& toml_text, const std::string& origin,
                    const std::vector<std::string>& overrides = {});
void apply_override(Config& config, const std::string& assignment);
// Cross-field checks (e.g. overlap < sequence_length), naming where each key was set; per-field
// ranges are checked on load.
void validate_config(const Config& config);
// ConfigError naming data.corpus, where it was set and how to make a corpus, unless the corpus
// file exists.
void check_corpus_exists(const Config& config);
// "section.key" of every key whose value differs between a and b ("stage" when their [[stage]]
// tables differ), in schema order.
std::vector<std::string> changed_keys(const Config& a, const Config& b);
// A key's value as TOML text ("section.key" as changed_keys names it).
std::string value_of(const Config& config, const std::string& key);
// The effective config of stage `index` (base + the stage's overrides, validated, no stages);
// the base itself when it has no stages. Stages may change data (not the corpus), batching,
// optim, schedule, training, checkpoint and model.dropout.
Config resolve_stage(const Config& base, size_t index);
size_t stage_count(const Config& config);
std::string stage_name(const Config& config, size_t index);
// What a stage sets, as `section.key=value` lines (TOML values) for logs and run records.
std::vector<std::string> stage_settings(const StageConfig& stage);
// TOML that parse_config reads back to the same values; with_help adds a comment per key.
std::string config_to_toml(const Config& config, bool with_help = false);

}  // namespace artic
