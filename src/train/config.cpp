#include "train/config.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>

#include "core/error.h"
#include "core/file_read.h"
#include "core/host_port.h"
#include "core/schema.h"
#include "core/suggest.h"

namespace artic {
namespace {

using schema::bool_field;
using schema::enum_field;
using schema::Field;
using schema::float_field;
using schema::int_field;
using schema::kInf;
using schema::kMaxInt;
using schema::location;
using schema::Schema;
using schema::string_field;
constexpr uint64_t kMaxConfigBytes = 16ull << 20;

const std::vector<std::string>& section_names() {
  static const std::vector<std::string> names = {"run",     "data",      "batching", "model",
                                                 "optim",   "schedule",  "training", "dist",
                                                 "monitor", "checkpoint"};
  return names;
}

std::vector<Field> fields_of(Config& c) {
  auto& r = c.run;
  auto& d = c.data;
  auto& b = c.batching;
  auto& m = c.model;
  auto& o = c.optim;
  auto& s = c.schedule;
  auto& t = c.training;
  auto& x = c.dist;
  auto& mo = c.monitor;
  auto& ck = c.checkpoint;
  return {
      string_field("run", "name", &r.name, {}, true,
                   "run name; the run directory is output_dir/name"),
      string_field("run", "output_dir", &r.output_dir, {}, true,
                   "parent directory of run directories"),
      int_field("run", "seed", &r.seed, 0, kMaxInt,
                "seed for initialization, shuffling and dropout"),
      int_field("run", "log_every", &r.log_every, 1, kMaxInt, "optimizer steps between log lines"),

      string_field("data", "corpus", &d.corpus, {}, true,
                   "HDF5 corpus file (artic synth / artic prep)"),
      enum_field("data", "split_mode", &d.segments.mode,
                 "training segments: whole utterances, fixed-length chunks, or cut at silences"),
      int_field("data", "sequence_length", &d.segments.sequence_length, 2, kMaxInt,
                "frames per segment for split_mode fixed and silence"),
      int_field("data", "sequence_overlap", &d.segments.sequence_overlap, 0, kMaxInt,
                "frames shared by consecutive fixed segments"),
      int_field("data", "min_length", &d.segments.min_length, 1, kMaxInt,
                "shortest final piece kept when splitting, in frames"),
      float_field("data", "silence_fraction", &d.segments.silence_fraction, 0.0, 1.0, true, true,
                  "a frame is silent at most this far from its utterance's noise floor (5th "
                  "percentile energy) to its speech level (95th)"),
      int_field("data", "pause_frames", &d.segments.pause_frames, 1, kMaxInt,
                "silent frames in a row that make a pause (split_mode silence cuts in its middle)"),
      schema::retired_field("data", "silence_search",
                            "the silence split cuts in the middle of pauses (data.pause_frames)"),
      schema::retired_field("data", "silence_threshold_db",
                            "silence is decided by data.silence_fraction"),
      bool_field("data", "in_memory", &d.in_memory,
                 "load the corpus into memory (else read from HDF5)"),
      bool_field("data", "normalize_targets", &d.normalize_targets,
                 "z-score targets with train statistics (metrics are always in mm)"),

      enum_field("batching", "mode", &b.mode,
                 "length-bucketed batches, or shuffled utterances (for comparison)", 2),
      int_field("batching", "max_frames", &b.max_frames, 1, kMaxInt,
                "frame budget per micro-batch, counting padding"),
      int_field("batching", "max_utterances", &b.max_utterances, 0, kMaxInt,
                "most utterances per micro-batch (0 = no limit)"),
      float_field("batching", "bucket_width", &b.bucket_width, 0.0, 1.0, false, false,
                  "relative length spread of a bucket; utterances are shuffled within buckets"),
      int_field("batching", "quadratic_frames", &b.quadratic_frames, 0, kMaxInt,
                "attention cost term: a batch costs B*T*(1 + T/q) (0 = off)"),
      int_field("batching", "prefetch", &b.prefetch, 0, kMaxInt,
                "batches prepared ahead by the loader"),

      enum_field("model", "kind", &m.kind, "model architecture"),
      enum_field("model", "frontend", &m.frontend,
                 "input projection: linear, or a 1-D convolution over frames"),
      int_field("model", "conv_kernel", &m.conv_kernel, 1, 63,
                "frames seen by the conv front end (odd)"),
      int_field("model", "d_model", &m.d_model, 8, 16384, "transformer width"),
      int_field("model", "num_layers", &m.num_layers, 1, 256, "encoder layers"),
      int_field("model", "num_heads", &m.num_heads, 1, 256, "attention heads (divides d_model)"),
      int_field("model", "ff_dim", &m.ff_dim, 1, 1 << 20, "feed-forward width"),
      float_field("model", "dropout", &m.dropout, 0.0, 1.0, false, true, "dropout probability"),
      int_field("model", "attention_window", &m.attention_window, 0, kMaxInt,
                "attend only within +-window frames (0 = whole utterance)"),
      enum_field("model", "positional", &m.positional,
                 "positions: sinusoids added to the input, rotary on queries and keys "
                 "(relative), or none"),
      int_field("model", "lstm_hidden", &m.lstm_hidden, 1, 1 << 16,
                "BLSTM hidden size per direction"),
      int_field("model", "lstm_layers", &m.lstm_layers, 1, 64, "BLSTM layers"),

      float_field("optim", "learning_rate", &o.learning_rate, 0.0, kInf, true, false,
                  "peak learning rate"),
      float_field("optim", "weight_decay", &o.weight_decay, 0.0, kInf, false, false,
                  "AdamW weight decay"),
      float_field("optim", "beta1", &o.beta1, 0.0, 1.0, false, true, "AdamW beta1"),
      float_field("optim", "beta2", &o.beta2, 0.0, 1.0, false, true, "AdamW beta2"),
      float_field("optim", "eps", &o.eps, 0.0, kInf, true, false, "AdamW epsilon"),
      float_field("optim", "grad_clip", &o.grad_clip, 0.0, kInf, false, false,
                  "clip the global gradient norm to this (0 = off)"),

      enum_field("schedule", "kind", &s.kind, "learning-rate schedule"),
      int_field("schedule", "warmup_steps", &s.warmup_steps, 0, kMaxInt, "linear warmup steps"),
      float_field("schedule", "min_lr", &s.min_lr, 0.0, kInf, false, false,
                  "learning rate at the end of the cosine"),

      int_field("training", "max_epochs", &t.max_epochs, 1, kMaxInt, "epochs at most"),
      int_field("training", "max_steps", &t.max_steps, 0, kMaxInt,
                "optimizer steps at most (0 = no cap)"),
      int_field("training", "accumulate_grad_batches", &t.accumulate_grad_batches, 1, 1 << 20,
                "micro-batches per optimizer step on each rank"),
      enum_field("training", "precision", &t.precision, "compute precision"),
      enum_field("training", "device", &t.device, "auto = CUDA when available"),
      int_field("training", "threads", &t.threads, 0, 4096,
                "CPU threads per rank (0 = cores / local ranks)"),
      int_field("training", "eval_every", &t.eval_every, 0, kMaxInt,
                "validate every N steps (0 = at each epoch end)"),
      int_field("training", "eval_window", &t.eval_window, 0, kMaxInt,
                "validation and test predict in windows of N frames joined by a tapered "
                "overlap-add (0 = whole utterances; artic eval --window overrides)"),
      int_field("training", "eval_overlap", &t.eval_overlap, 0, kMaxInt,
                "frames shared by consecutive eval_window windows"),
      int_field("training", "patience", &t.patience, 0, kMaxInt,
                "validations without improvement before stopping (0 = never stop early)"),
      float_field("training", "min_delta", &t.min_delta, 0.0, kInf, false, false,
                  "smallest validation-loss decrease that counts as improvement"),
      int_field("training", "max_bad_steps", &t.max_bad_steps, 1, kMaxInt,
                "consecutive non-finite-loss steps before the run stops"),

      enum_field("dist", "backend", &x.backend, "communicator: auto = NCCL on CUDA, MPI on CPU"),
      enum_field("dist", "overlap", &x.overlap,
                 "start each gradient bucket's all-reduce during the last backward pass as "
                 "soon as its gradients are final: auto = with NCCL (asynchronous on its own "
                 "stream); on = also with MPI (MPI_Iallreduce)"),
      float_field("dist", "bucket_mb", &x.bucket_mb, 0.0, kInf, true, false,
                  "gradient all-reduce bucket size in MiB"),
      bool_field("dist", "check_consistency", &x.check_consistency,
                 "verify after every step that all ranks hold identical parameters"),
      float_field("dist", "timeout_s", &x.timeout_s, 0.0, kInf, true, false,
                  "abort a collective that has not finished after this many seconds"),
      bool_field("dist", "allow_shared_gpu", &x.allow_shared_gpu,
                 "removed (must be false): NCCL refuses two ranks on one GPU"),

      int_field("monitor", "port", &mo.port, 0, 65535,
                "Prometheus /metrics port of local rank 0; rank r uses port + r (0 = off)"),
      string_field("monitor", "bind", &mo.bind, {}, true, "address the metrics server listens on"),
      bool_field("monitor", "port_fallback", &mo.port_fallback, "use the next free port if taken"),
      string_field("monitor", "targets_dir", &mo.targets_dir, {}, false,
                   "also write the file_sd targets here (\"\" = run directory only)"),
      string_field("monitor", "pushgateway", &mo.pushgateway, {}, false,
                   "host:port of a push gateway for final metrics (\"\" = off)"),
      string_field("monitor", "job", &mo.job, {}, true, "Prometheus job label"),

      int_field("checkpoint", "every_steps", &ck.every_steps, 0, kMaxInt,
                "also checkpoint every N steps (0 = at epoch ends only)"),
      int_field("checkpoint", "keep_last", &ck.keep_last, 1, kMaxInt, "step checkpoints kept"),
      bool_field("checkpoint", "save_best", &ck.save_best, "keep the best-validation checkpoint"),
  };
}

Schema config_schema(Config& c) {
  return Schema(fields_of(c), section_names());
}

bool stage_may_set(const std::string& section, const std::string& key) {
  if (section == "data") return key != "corpus";
  if (section == "model") return key == "dropout";
  return section == "batching" || section == "optim" || section == "schedule" ||
         section == "training" || section == "checkpoint";
}

// A config holding a stage's typed values in the sections a stage may change.
Config with_stage_values(const Config& base, const StageConfig& stage) {
  Config c = base;
  c.data = stage.data;
  c.batching = stage.batching;
  c.model.dropout = stage.dropout;
  c.optim = stage.optim;
  c.schedule = stage.schedule;
  c.training = stage.training;
  c.checkpoint = stage.checkpoint;
  return c;
}

void keep_stage_values(StageConfig& stage, const Config& c) {
  stage.data = c.data;
  stage.batching = c.batching;
  stage.dropout = c.model.dropout;
  stage.optim = c.optim;
  stage.schedule = c.schedule;
  stage.training = c.training;
  stage.checkpoint = c.checkpoint;
}

// [[stage]] tables: each a name and section tables. Every key is checked against the schema and
// its value stored typed here, so errors name the line.
std::vector<StageConfig> read_stages(const toml::node& node, const std::string& where,
                                     const std::string& origin) {
  const toml::array* list = node.as_array();
  if (list == nullptr || !list->is_array_of_tables()) {
    throw ConfigError(where + ": 'stage' must be an array of tables ([[stage]])");
  }
  std::vector<StageConfig> stages;
  for (const auto& item : *list) {
    StageConfig stage;
    stage.name = "stage" + std::to_string(stages.size() + 1);
    Config values;
    const Schema schema = config_schema(values);
    for (auto&& [key, value] : *item.as_table()) {
      const std::string k(key.str());
      const std::string at = location(origin, key.source());
      if (k == "name") {
        const auto name = value.value_exact<std::string>();
        if (!name || name->empty()) throw ConfigError(at + ": stage name must be a string");
        stage.name = *name;
        continue;
      }
      const toml::table* table = value.as_table();
      if (table == nullptr) {
        throw ConfigError(at + ": in [[stage]], '" + k + "' must be a section table ([stage." + k +
                          "]) or name");
      }
      for (auto&& [field_key, field_value] : *table) {
        const std::string fk(field_key.str());
        const std::string fat = location(origin, field_key.source());
        const Field& f = schema.field_at(k, fk, fat);
        if (!stage_may_set(k, fk)) {
          throw ConfigError(fat + ": a stage cannot change " + k + "." + fk +
                            " (stages share the run, corpus, model architecture, dist and "
                            "monitor settings)");
        }
        schema::assign(f, field_value, fat);
        stage.keys.push_back(f.name());
      }
    }
    keep_stage_values(stage, values);
    for (const auto& other : stages) {
      if (other.name == stage.name) {
        throw ConfigError(location(origin, item.source()) + ": stage name '" + stage.name +
                          "' is used twice");
      }
    }
    stages.push_back(std::move(stage));
  }
  return stages;
}

// The fields of `schema` that a stage's keys name, in the stage's order.
std::vector<const Field*> stage_fields(const Schema& schema, const StageConfig& stage) {
  std::vector<const Field*> out;
  for (const auto& name : stage.keys) {
    const size_t dot = name.find('.');
    out.push_back(&schema.field_at(name.substr(0, dot), name.substr(dot + 1), stage.name));
  }
  return out;
}

void apply_table(Config& config, const toml::table& root, const std::string& origin,
                 const std::set<std::string>& overridden) {
  const Schema schema = config_schema(config);
  for (auto&& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    const std::string where = location(origin, section_key.source());
    if (section == "stage") {
      config.stages = read_stages(section_node, where, origin);
    } else {
      schema.read_section(section, section_node, where, origin, &overridden, &config.origins);
    }
  }
}

}  // namespace

void apply_override(Config& config, const std::string& assignment) {
  const Schema schema = config_schema(config);
  config.origins[schema.apply_override(assignment).name()] = "--set " + assignment;
}

namespace {

bool is_host_port(const std::string& text) {
  try {
    parse_host_port(text, "");
    return true;
  } catch (const ConfigError&) {
    return false;
  }
}

}  // namespace

namespace {

// "WHERE: " of the first of `keys` that a file or --set gave, and "; KEY set at WHERE" for each
// other key set elsewhere.
std::pair<std::string, std::string> where_set(const Config& c,
                                              const std::vector<std::string>& keys) {
  std::string prefix, others;
  for (const auto& key : keys) {
    const auto it = c.origins.find(key);
    if (it == c.origins.end()) continue;
    if (prefix.empty()) {
      prefix = it->second + ": ";
    } else if (prefix != it->second + ": ") {
      others += "; " + key + " set at " + it->second;
    }
  }
  return {prefix, others};
}

// The divisors of n: the head counts a model width allows.
std::string divisors_text(int64_t n) {
  std::vector<std::string> out;
  for (int64_t d = 1; d <= n && out.size() < 12; ++d) {
    if (n % d == 0) out.push_back(std::to_string(d));
  }
  return schema::join(out, ", ");
}

}  // namespace

void validate_config(const Config& c) {
  auto fail = [&c](const std::vector<std::string>& keys, const std::string& msg) {
    const auto [prefix, others] = where_set(c, keys);
    throw ConfigError(prefix + "invalid config: " + msg + others);
  };
  if (c.data.segments.mode == SplitMode::Fixed &&
      c.data.segments.sequence_overlap >= c.data.segments.sequence_length) {
    fail({"data.sequence_overlap", "data.sequence_length"},
         "data.sequence_overlap (" + std::to_string(c.data.segments.sequence_overlap) +
             ") must be smaller than data.sequence_length (" +
             std::to_string(c.data.segments.sequence_length) + ")");
  }
  if (c.dist.allow_shared_gpu) {
    fail({"dist.allow_shared_gpu"},
         "dist.allow_shared_gpu = true cannot work: NCCL refuses two ranks on one GPU and the MPI "
         "backend does not take CUDA tensors; remove the key and start one rank per GPU "
         "(launch/artic-run does)");
  }
  if (c.model.d_model % c.model.num_heads != 0) {
    fail({"model.num_heads", "model.d_model"},
         "model.d_model (" + std::to_string(c.model.d_model) +
             ") must be divisible by model.num_heads (" + std::to_string(c.model.num_heads) +
             "): with d_model = " + std::to_string(c.model.d_model) + ", num_heads may be " +
             divisors_text(c.model.d_model));
  }
  if (c.model.frontend == Frontend::Conv && c.model.conv_kernel % 2 == 0) {
    fail({"model.conv_kernel"}, "model.conv_kernel must be odd so frames stay centred, got " +
                                    std::to_string(c.model.conv_kernel) + " (e.g. " +
                                    std::to_string(c.model.conv_kernel + 1) + ")");
  }
  if (c.schedule.min_lr > c.optim.learning_rate) {
    fail({"schedule.min_lr", "optim.learning_rate"},
         "schedule.min_lr (" + schema::format_number(c.schedule.min_lr) +
             ") must not exceed optim.learning_rate (" +
             schema::format_number(c.optim.learning_rate) + ")");
  }
  if (!c.monitor.pushgateway.empty() && !is_host_port(c.monitor.pushgateway)) {
    fail({"monitor.pushgateway"},
         "monitor.pushgateway must be \"host:port\" (e.g. \"pushgw.example.org:9091\"), got \"" +
             c.monitor.pushgateway + "\"");
  }
  if (c.training.eval_window > 0 && c.training.eval_overlap >= c.training.eval_window) {
    fail({"training.eval_overlap", "training.eval_window"},
         "training.eval_overlap (" + std::to_string(c.training.eval_overlap) +
             ") must be smaller than training.eval_window (" +
             std::to_string(c.training.eval_window) + ")");
  }
  if (c.data.segments.mode != SplitMode::Full &&
      c.data.segments.min_length > c.data.segments.sequence_length) {
    fail({"data.min_length", "data.sequence_length"},
         "data.min_length (" + std::to_string(c.data.segments.min_length) +
             ") must not exceed data.sequence_length (" +
             std::to_string(c.data.segments.sequence_length) + ")");
  }
}

void check_corpus_exists(const Config& c) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(c.data.corpus, ec)) return;
  const auto it = c.origins.find("data.corpus");
  const std::string at = it == c.origins.end() ? "data.corpus" : it->second + ": data.corpus";
  const std::string why =
      std::filesystem::exists(c.data.corpus, ec) ? "is not a file" : "does not exist";
  throw ConfigError(at + " = \"" + c.data.corpus + "\" " + why + " (relative to " +
                    std::filesystem::current_path(ec).string() +
                    "); make a corpus with 'artic synth --out " + c.data.corpus +
                    "' or 'artic prep', or set data.corpus to an existing one");
}

std::vector<std::string> changed_keys(const Config& a, const Config& b) {
  Config x = a, y = b;
  const Schema sx = config_schema(x), sy = config_schema(y);
  std::vector<std::string> out;
  for (size_t i = 0; i < sx.fields().size(); ++i) {
    const Field& f = sx.fields()[i];
    if (f.type == schema::Type::Retired) continue;
    if (schema::value_text(f) != schema::value_text(sy.fields()[i])) out.push_back(f.name());
  }
  Config stages_a, stages_b;
  stages_a.stages = a.stages;
  stages_b.stages = b.stages;
  if (config_to_toml(stages_a) != config_to_toml(stages_b)) out.push_back("stage");
  return out;
}

std::string value_of(const Config& config, const std::string& key) {
  Config copy = config;
  const size_t dot = key.find('.');
  if (dot == std::string::npos) return "(its [[stage]] tables)";
  return schema::value_text(
      config_schema(copy).field_at(key.substr(0, dot), key.substr(dot + 1), key));
}

Config parse_config(const std::string& toml_text, const std::string& origin,
                    const std::vector<std::string>& overrides) {
  Config config;
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    throw ConfigError(location(origin, e.source()) +
                      ": TOML syntax error: " + std::string(e.description()));
  }
  std::set<std::string> overridden;
  for (const auto& o : overrides) overridden.insert(schema::override_key(o));
  apply_table(config, root, origin, overridden);
  for (const auto& o : overrides) apply_override(config, o);
  validate_config(config);
  for (size_t i = 0; i < config.stages.size(); ++i) resolve_stage(config, i);
  return config;
}

size_t stage_count(const Config& config) {
  return std::max<size_t>(1, config.stages.size());
}

std::string stage_name(const Config& config, size_t index) {
  return config.stages.empty() ? "main" : config.stages.at(index).name;
}

Config resolve_stage(const Config& base, size_t index) {
  Config c = base;
  c.stages.clear();
  if (base.stages.empty()) return c;
  const StageConfig& stage = base.stages.at(index);
  Config values = with_stage_values(base, stage);
  const Schema from = config_schema(values), to = config_schema(c);
  const std::vector<const Field*> source = stage_fields(from, stage);
  const std::vector<const Field*> target = stage_fields(to, stage);
  for (size_t i = 0; i < source.size(); ++i) schema::copy_value(*source[i], *target[i]);
  try {
    validate_config(c);
  } catch (const ConfigError& e) {
    throw ConfigError("stage '" + stage.name + "': " + e.what());
  }
  return c;
}

std::vector<std::string> stage_settings(const StageConfig& stage) {
  Config values = with_stage_values(Config{}, stage);
  const Schema schema = config_schema(values);
  std::vector<std::string> out;
  for (const Field* f : stage_fields(schema, stage)) {
    out.push_back(f->name() + "=" + schema::value_text(*f));
  }
  return out;
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  const FileRead file = read_whole_file(path, kMaxConfigBytes);
  if (!file.error.empty())
    throw ConfigError(path + ": cannot open config file (" + file.error + ")");
  return parse_config(file.bytes, path, overrides);
}

Config config_from_overrides(const std::vector<std::string>& overrides) {
  return parse_config("", "<defaults>", overrides);
}

std::string config_to_toml(const Config& config, bool with_help) {
  Config copy = config;
  std::string out = config_schema(copy).to_toml(with_help);
  for (const auto& stage : config.stages) {
    out += "\n[[stage]]\nname = " + schema::quote_toml(stage.name) + "\n";
    std::string section;
    for (const auto& setting : stage_settings(stage)) {
      const size_t dot = setting.find('.'), eq = setting.find('=');
      if (setting.substr(0, dot) != section) {
        section = setting.substr(0, dot);
        out += "[stage." + section + "]\n";
      }
      out += setting.substr(dot + 1, eq - dot - 1) + " = " + setting.substr(eq + 1) + "\n";
    }
  }
  return out;
}

}  // namespace artic
