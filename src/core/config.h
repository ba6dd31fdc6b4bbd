// Typed run configuration (docs/training.md): sections run, data, batching, model, optim,
// schedule, training, dist, monitor, checkpoint. Loaded from TOML, overridden with
// `section.key=value`, validated once; every problem is a ConfigError naming the file, line, key
// and what was expected.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace artic {

struct RunConfig {
  std::string name = "artic";
  std::string output_dir = "runs";
  int64_t seed = 1234;
  int64_t log_every = 10;
};

struct DataConfig {
  std::string corpus = "data/synth.h5";
  std::string split_mode = "full";  // full | fixed | silence
  int64_t sequence_length = 500;
  int64_t sequence_overlap = 0;
  int64_t min_length = 10;
  int64_t silence_search = 100;
  double silence_threshold_db = -30.0;
  bool in_memory = true;
  bool normalize_targets = true;
};

struct BatchingConfig {
  std::string mode = "bucket";  // bucket | random
  int64_t max_frames = 12000;
  int64_t max_utterances = 0;
  double bucket_width = 0.03;
  int64_t quadratic_frames = 0;
  int64_t prefetch = 4;
};

struct ModelConfig {
  std::string kind = "transformer";  // transformer | blstm
  std::string frontend = "linear";   // linear | conv
  int64_t conv_kernel = 5;
  int64_t d_model = 256;
  int64_t num_layers = 4;
  int64_t num_heads = 4;
  int64_t ff_dim = 1024;
  double dropout = 0.1;
  int64_t attention_window = 0;
  int64_t lstm_hidden = 256;
  int64_t lstm_layers = 3;
};

struct OptimConfig {
  double learning_rate = 1e-3;
  double weight_decay = 0.01;
  double beta1 = 0.9;
  double beta2 = 0.98;
  double eps = 1e-8;
  double grad_clip = 1.0;
};

struct ScheduleConfig {
  std::string kind = "warmup_cosine";  // warmup_cosine | constant
  int64_t warmup_steps = 200;
  double min_lr = 1e-5;
};

struct TrainingConfig {
  int64_t max_epochs = 20;
  int64_t max_steps = 0;
  int64_t accumulate_grad_batches = 1;
  std::string precision = "fp32";  // fp32 | bf16
  std::string device = "auto";     // auto | cpu | cuda
  int64_t threads = 0;
  int64_t eval_every = 0;
  int64_t patience = 5;
  double min_delta = 0.0;
  int64_t max_bad_steps = 5;
};

struct DistConfig {
  std::string backend = "auto";  // auto | mpi | nccl
  double bucket_mb = 25.0;
  bool check_consistency = false;
  double timeout_s = 300.0;
  bool allow_shared_gpu = false;
  std::string overlap = "auto";  // auto (on with NCCL) | on | off
};

struct MonitorConfig {
  int64_t port = 0;
  std::string bind = "0.0.0.0";
  bool port_fallback = false;
  std::string targets_dir;
  std::string pushgateway;
  std::string job = "artic";
};

struct CheckpointConfig {
  int64_t every_steps = 0;
  int64_t keep_last = 2;
  bool save_best = true;
};

// One stage of a staged run ([[stage]] tables): its name and the `section.key=value` overrides
// (TOML values) it applies on top of the base config.
struct StageConfig {
  std::string name;
  std::vector<std::string> overrides;
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
};

// Defaults, then the file, then each `section.key=value` override in order; validated.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});
// Defaults plus overrides only (no file).
Config config_from_overrides(const std::vector<std::string>& overrides);
// Parses TOML text as if read from `origin` (used for files and tests).
Config parse_config(const std::string& toml_text, const std::string& origin,
                    const std::vector<std::string>& overrides = {});
void apply_override(Config& config, const std::string& assignment);
// Cross-field checks (e.g. overlap < sequence_length); per-field ranges are checked on load.
void validate_config(const Config& config);
// The effective config of stage `index` (base + the stage's overrides, validated, no stages);
// the base itself when it has no stages. Stages may change data (not the corpus), batching,
// optim, schedule, training, checkpoint and model.dropout.
Config resolve_stage(const Config& base, size_t index);
size_t stage_count(const Config& config);
std::string stage_name(const Config& config, size_t index);
// TOML that parse_config reads back to the same values; with_help adds a comment per key.
std::string config_to_toml(const Config& config, bool with_help = false);

}  // namespace artic
