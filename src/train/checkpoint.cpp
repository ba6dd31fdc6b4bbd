#include "train/checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "dist/grad_sync.h"

namespace artic {
namespace {

constexpr int64_t kCheckpointVersion = 1;

void write_int(torch::serialize::OutputArchive& a, const std::string& key, int64_t v) {
  a.write(key, torch::tensor(v, torch::kInt64));
}

int64_t read_int(torch::serialize::InputArchive& a, const std::string& key) {
  torch::Tensor t;
  a.read(key, t);
  return t.item<int64_t>();
}

void write_double(torch::serialize::OutputArchive& a, const std::string& key, double v) {
  a.write(key, torch::tensor(v, torch::kFloat64));
}

double read_double(torch::serialize::InputArchive& a, const std::string& key) {
  torch::Tensor t;
  a.read(key, t);
  return t.item<double>();
}

void write_string(torch::serialize::OutputArchive& a, const std::string& key,
                  const std::string& s) {
  a.write(key, c10::IValue(s));
}

std::string read_string(torch::serialize::InputArchive& a, const std::string& key) {
  c10::IValue v;
  a.read(key, v);
  return v.toStringRef();
}

void write_doubles(torch::serialize::OutputArchive& a, const std::string& key,
                   const std::vector<double>& v) {
  a.write(key, torch::tensor(v, torch::kFloat64));
}

std::vector<double> read_doubles(torch::serialize::InputArchive& a, const std::string& key) {
  torch::Tensor t;
  a.read(key, t);
  t = t.contiguous();
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::vector<torch::Tensor> state_tensors(const SequenceRegressorImpl& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model.parameters()) out.push_back(p);
  for (const auto& b : model.buffers()) out.push_back(b);
  return out;
}

torch::serialize::InputArchive open_archive(const std::string& path) {
  if (!std::filesystem::exists(path)) throw UserError(path + ": checkpoint not found");
  torch::serialize::InputArchive a;
  try {
    a.load_from(path);
  } catch (const std::exception& e) {
    throw UserError(path + ": checkpoint is unreadable (truncated or corrupt)");
  }
  return a;
}

}  // namespace

void save_checkpoint(const std::string& path, const SequenceRegressorImpl& model,
                     const torch::optim::Optimizer& optimizer, const CheckpointData& data) {
  torch::serialize::OutputArchive a;
  write_string(a, "format", "artic-checkpoint");
  write_int(a, "version", kCheckpointVersion);
  torch::serialize::OutputArchive model_archive, optimizer_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  a.write("model", model_archive);
  a.write("optimizer", optimizer_archive);
  write_int(a, "param_hash", static_cast<int64_t>(parameter_hash(state_tensors(model))));

  const TrainProgress& p = data.progress;
  write_int(a, "progress/step", p.step);
  write_int(a, "progress/epoch", p.epoch);
  write_int(a, "progress/sampler_position", p.sampler_position);
  write_int(a, "progress/epoch_done", p.epoch_done ? 1 : 0);
  write_int(a, "progress/bad_steps_total", p.bad_steps_total);
  write_int(a, "progress/bad_steps_in_a_row", p.bad_steps_in_a_row);
  write_double(a, "progress/best_val_loss", p.best_val_loss);
  write_int(a, "progress/best_epoch", p.best_epoch);
  write_int(a, "progress/best_step", p.best_step);
  write_int(a, "progress/validations_without_improvement", p.validations_without_improvement);
  write_int(a, "progress/total_steps", p.total_steps);
  write_int(a, "progress/stage", p.stage);
  write_int(a, "progress/stage_start_step", p.stage_start_step);
  write_int(a, "progress/stage_done", p.stage_done ? 1 : 0);
  write_string(a, "progress/stages_json", p.stages_json);

  const Normalizer& n = data.normalizer;
  write_string(a, "normalizer/feature_names", join_lines(n.feature_names));
  write_string(a, "normalizer/articulator_names", join_lines(n.articulator_names));
  write_doubles(a, "normalizer/feature_mean", n.feature_mean);
  write_doubles(a, "normalizer/feature_std", n.feature_std);
  write_doubles(a, "normalizer/target_mean", n.target_mean);
  write_doubles(a, "normalizer/target_std", n.target_std);
  write_string(a, "config", data.config_toml);

  const std::string tmp = path + ".tmp";
  try {
    a.save_to(tmp);
  } catch (const std::exception& e) {
    std::remove(tmp.c_str());
    throw UserError(path + ": cannot write checkpoint: " + e.what());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw UserError(path + ": cannot move checkpoint into place: " + ec.message());
}

CheckpointData load_checkpoint(const std::string& path, SequenceRegressorImpl& model,
                               torch::optim::Optimizer* optimizer) {
  auto a = open_archive(path);
  CheckpointData d;
  try {
    if (read_string(a, "format") != "artic-checkpoint") {
      throw UserError(path + ": not an artic checkpoint");
    }
    if (read_int(a, "version") != kCheckpointVersion) {
      throw UserError(path + ": checkpoint version " + std::to_string(read_int(a, "version")) +
                      " is not supported");
    }
    torch::serialize::InputArchive model_archive;
    a.read("model", model_archive);
    model.load(model_archive);
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      a.read("optimizer", optimizer_archive);
      optimizer->load(optimizer_archive);
    }
    const auto want = static_cast<uint64_t>(read_int(a, "param_hash"));
    if (parameter_hash(state_tensors(model)) != want) {
      throw UserError(path + ": checkpoint is corrupt (parameter checksum mismatch)");
    }
    TrainProgress& p = d.progress;
    p.step = read_int(a, "progress/step");
    p.epoch = read_int(a, "progress/epoch");
    p.sampler_position = read_int(a, "progress/sampler_position");
    p.epoch_done = read_int(a, "progress/epoch_done") != 0;
    p.bad_steps_total = read_int(a, "progress/bad_steps_total");
    p.bad_steps_in_a_row = read_int(a, "progress/bad_steps_in_a_row");
    p.best_val_loss = read_double(a, "progress/best_val_loss");
    p.best_epoch = read_int(a, "progress/best_epoch");
    p.best_step = read_int(a, "progress/best_step");
    p.validations_without_improvement = read_int(a, "progress/validations_without_improvement");
    p.total_steps = read_int(a, "progress/total_steps");
    torch::Tensor stage;
    if (a.try_read("progress/stage", stage)) {  // absent in checkpoints of unstaged versions
      p.stage = stage.item<int64_t>();
      p.stage_start_step = read_int(a, "progress/stage_start_step");
      p.stage_done = read_int(a, "progress/stage_done") != 0;
      p.stages_json = read_string(a, "progress/stages_json");
    }

    Normalizer& n = d.normalizer;
    n.feature_names = split_lines(read_string(a, "normalizer/feature_names"));
    n.articulator_names = split_lines(read_string(a, "normalizer/articulator_names"));
    n.feature_mean = read_doubles(a, "normalizer/feature_mean");
    n.feature_std = read_doubles(a, "normalizer/feature_std");
    n.target_mean = read_doubles(a, "normalizer/target_mean");
    n.target_std = read_doubles(a, "normalizer/target_std");
    d.config_toml = read_string(a, "config");
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    throw UserError(path + ": checkpoint does not match this model or is damaged: " +
                    std::string(e.what()).substr(0, 200));
  }
  return d;
}

uint64_t checkpoint_param_hash(const std::string& path) {
  auto a = open_archive(path);
  try {
    return static_cast<uint64_t>(read_int(a, "param_hash"));
  } catch (const std::exception&) {
    throw UserError(path + ": checkpoint holds no parameter checksum (not an artic checkpoint?)");
  }
}

Normalizer checkpoint_normalizer(const std::string& path) {
  auto a = open_archive(path);
  Normalizer n;
  try {
    n.feature_names = split_lines(read_string(a, "normalizer/feature_names"));
    n.articulator_names = split_lines(read_string(a, "normalizer/articulator_names"));
    n.feature_mean = read_doubles(a, "normalizer/feature_mean");
    n.feature_std = read_doubles(a, "normalizer/feature_std");
    n.target_mean = read_doubles(a, "normalizer/target_mean");
    n.target_std = read_doubles(a, "normalizer/target_std");
  } catch (const std::exception&) {
    throw UserError(path + ": checkpoint holds no normalizer (not an artic checkpoint?)");
  }
  return n;
}

void load_optimizer_state(const std::string& path, torch::optim::Optimizer& optimizer) {
  auto a = open_archive(path);
  try {
    torch::serialize::InputArchive optimizer_archive;
    a.read("optimizer", optimizer_archive);
    optimizer.load(optimizer_archive);
  } catch (const std::exception& e) {
    throw UserError(path + ": the optimizer state does not match this run: " +
                    std::string(e.what()).substr(0, 200));
  }
}

std::string checkpoint_config(const std::string& path) {
  auto a = open_archive(path);
  try {
    return read_string(a, "config");
  } catch (const std::exception&) {
    throw UserError(path + ": checkpoint holds no config (not an artic checkpoint?)");
  }
}

}  // namespace artic
