#include "train/checkpoint.h"

#include <map>
#include <memory>
#include <sstream>

#include "core/error.h"
#include "dist/grad_sync.h"
#include "train/checkpoint_file.h"
#include "train/optimizer_state.h"

namespace artic {
namespace {

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

std::string archive_bytes(torch::serialize::OutputArchive& a) {
  std::ostringstream out;
  a.save_to(out);
  return out.str();
}

}  // namespace

// The verified sections of a checkpoint file.
class CheckpointSections {
 public:
  explicit CheckpointSections(const std::string& path)
      : path_(path), contents_(read_checkpoint_file(path)) {
    torch::serialize::InputArchive meta = archive("meta");
    try {
      if (read_string(meta, "format") == "artic-checkpoint") {
        param_hash_ = static_cast<uint64_t>(read_int(meta, "param_hash"));
        return;
      }
    } catch (const std::exception&) {
      // An intact file whose 'meta' section lacks the keys: not one of ours either.
    }
    throw CheckpointDamaged(path +
                            ": not an artic checkpoint (its 'meta' section names no "
                            "artic-checkpoint format)");
  }
  std::string_view bytes(const std::string& name) const { return contents_.bytes(name, path_); }
  // Tensors come back on the CPU whatever device wrote them.
  torch::serialize::InputArchive archive(const std::string& name) const {
    const std::string_view b = bytes(name);
    torch::serialize::InputArchive a;
    try {
      a.load_from(b.data(), b.size(), torch::Device(torch::kCPU));
    } catch (const std::exception&) {
      throw CheckpointDamaged(path_ + ": the '" + name +
                              "' section of the checkpoint is not a LibTorch archive");
    }
    return a;
  }
  uint64_t param_hash() const { return param_hash_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  CheckpointContents contents_;
  uint64_t param_hash_ = 0;
};

namespace {

using Sections = CheckpointSections;

TrainProgress read_progress(torch::serialize::InputArchive& a) {
  TrainProgress p;
  p.step = read_int(a, "step");
  p.epoch = read_int(a, "epoch");
  p.sampler_position = read_int(a, "sampler_position");
  p.epoch_done = read_int(a, "epoch_done") != 0;
  p.bad_steps_total = read_int(a, "bad_steps_total");
  p.bad_steps_in_a_row = read_int(a, "bad_steps_in_a_row");
  p.best_val_loss = read_double(a, "best_val_loss");
  p.best_epoch = read_int(a, "best_epoch");
  p.best_step = read_int(a, "best_step");
  p.validations_without_improvement = read_int(a, "validations_without_improvement");
  p.total_steps = read_int(a, "total_steps");
  p.stage = read_int(a, "stage");
  p.stage_start_step = read_int(a, "stage_start_step");
  p.stage_done = read_int(a, "stage_done") != 0;
  p.stages = stages_from_text(read_string(a, "stages_json"), "checkpoint progress");
  return p;
}

void write_progress(torch::serialize::OutputArchive& a, const TrainProgress& p) {
  write_int(a, "step", p.step);
  write_int(a, "epoch", p.epoch);
  write_int(a, "sampler_position", p.sampler_position);
  write_int(a, "epoch_done", p.epoch_done ? 1 : 0);
  write_int(a, "bad_steps_total", p.bad_steps_total);
  write_int(a, "bad_steps_in_a_row", p.bad_steps_in_a_row);
  write_double(a, "best_val_loss", p.best_val_loss);
  write_int(a, "best_epoch", p.best_epoch);
  write_int(a, "best_step", p.best_step);
  write_int(a, "validations_without_improvement", p.validations_without_improvement);
  write_int(a, "total_steps", p.total_steps);
  write_int(a, "stage", p.stage);
  write_int(a, "stage_start_step", p.stage_start_step);
  write_int(a, "stage_done", p.stage_done ? 1 : 0);
  write_string(a, "stages_json", stages_text(p.stages));
}

Normalizer read_normalizer(torch::serialize::InputArchive& a) {
  Normalizer n;
  n.feature_names = split_lines(read_string(a, "feature_names"));
  n.articulator_names = split_lines(read_string(a, "articulator_names"));
  n.feature_mean = read_doubles(a, "feature_mean");
  n.feature_std = read_doubles(a, "feature_std");
  n.target_mean = read_doubles(a, "target_mean");
  n.target_std = read_doubles(a, "target_std");
  return n;
}

void write_normalizer(torch::serialize::OutputArchive& a, const Normalizer& n) {
  write_string(a, "feature_names", join_lines(n.feature_names));
  write_string(a, "articulator_names", join_lines(n.articulator_names));
  write_doubles(a, "feature_mean", n.feature_mean);
  write_doubles(a, "feature_std", n.feature_std);
  write_doubles(a, "target_mean", n.target_mean);
  write_doubles(a, "target_std", n.target_std);
}

// Module::load would set_data/set_ every parameter: on another device that moves the model (a
// CPU checkpoint pulls a GPU model back to the CPU, cuda:0's moves rank 1 onto cuda:0), and
// set_data replaces the autograd accumulators that the overlap reducer's hooks hang on. Each
// tensor is read into a CPU scratch tensor instead and copied into the existing one, which keeps
// its identity, device and hooks.
void copy_module_state(torch::nn::Module& module, torch::serialize::InputArchive& archive) {
  torch::NoGradGuard no_grad;
  auto copy_into = [&](const std::string& name, torch::Tensor& target, bool is_buffer) {
    torch::Tensor loaded;
    archive.read(name, loaded, is_buffer);
    if (!loaded.sizes().equals(target.sizes())) {
      throw std::runtime_error("'" + name + "' has shape " + c10::str(loaded.sizes()) +
                               " in the checkpoint and " + c10::str(target.sizes()) +
                               " in this model");
    }
    target.copy_(loaded);
  };
  for (auto& p : module.named_parameters(/*recurse=*/false)) copy_into(p.key(), p.value(), false);
  for (auto& b : module.named_buffers(/*recurse=*/false)) copy_into(b.key(), b.value(), true);
  for (auto& child : module.named_children()) {
    torch::serialize::InputArchive child_archive;
    archive.read(child.key(), child_archive);
    copy_module_state(*child.value(), child_archive);
  }
  if (auto* lstm = dynamic_cast<torch::nn::LSTMImpl*>(&module)) lstm->flatten_parameters();
}

// Reading a verified section can still fail when it does not fit this build (a key missing in a
// checkpoint of another version, a model of another shape).
template <typename F>
auto section_read(const std::string& path, const std::string& what, F&& f) {
  try {
    return f();
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    throw UserError(path + ": the checkpoint's " + what +
                    " does not match this build or model: " + std::string(e.what()).substr(0, 200));
  }
}

Normalizer checkpoint_normalizer(const Sections& sections, const std::string& path) {
  return section_read(path, "normalizer", [&] {
    auto a = sections.archive("normalizer");
    return read_normalizer(a);
  });
}

void load_optimizer(const Sections& sections, const std::string& path,
                    torch::optim::Optimizer& optimizer) {
  section_read(path, "optimizer state", [&] {
    auto a = sections.archive("optimizer");
    load_adamw_state(optimizer, a);
    return 0;
  });
}

}  // namespace

void save_checkpoint(const std::string& path, const SequenceRegressorImpl& model,
                     const torch::optim::Optimizer& optimizer, const CheckpointData& data) {
  torch::serialize::OutputArchive meta, model_archive, optimizer_archive, progress, normalizer;
  write_string(meta, "format", "artic-checkpoint");
  write_int(meta, "param_hash", static_cast<int64_t>(parameter_hash(state_tensors(model))));
  model.save(model_archive);
  save_adamw_state(optimizer, optimizer_archive);
  write_progress(progress, data.progress);
  write_normalizer(normalizer, data.normalizer);
  write_checkpoint_file(path, {{"meta", archive_bytes(meta)},
                               {"model", archive_bytes(model_archive)},
                               {"optimizer", archive_bytes(optimizer_archive)},
                               {"progress", archive_bytes(progress)},
                               {"normalizer", archive_bytes(normalizer)},
                               {"config", data.config_toml}});
}

CheckpointReader::CheckpointReader(const std::string& path)
    : sections_(std::make_unique<CheckpointSections>(path)) {}

CheckpointReader::~CheckpointReader() = default;

CheckpointData CheckpointReader::load(SequenceRegressorImpl& model,
                                      torch::optim::Optimizer* optimizer) const {
  const Sections& sections = *sections_;
  const std::string& path = sections.path();
  CheckpointData d;
  section_read(path, "model", [&] {
    auto a = sections.archive("model");
    copy_module_state(model, a);
    return 0;
  });
  if (optimizer) artic::load_optimizer(sections, path, *optimizer);
  if (parameter_hash(state_tensors(model)) != sections.param_hash()) {
    throw CheckpointDamaged(path +
                            ": checkpoint is damaged (the loaded parameters do not match "
                            "their checksum)");
  }
  d.progress = section_read(path, "progress", [&] {
    auto a = sections.archive("progress");
    return read_progress(a);
  });
  d.normalizer = checkpoint_normalizer(sections, path);
  d.config_toml = std::string(sections.bytes("config"));
  return d;
}

Normalizer CheckpointReader::normalizer() const {
  return checkpoint_normalizer(*sections_, sections_->path());
}

void CheckpointReader::load_optimizer(torch::optim::Optimizer& optimizer) const {
  artic::load_optimizer(*sections_, sections_->path(), optimizer);
}

CheckpointData load_checkpoint(const std::string& path, SequenceRegressorImpl& model,
                               torch::optim::Optimizer* optimizer) {
  return CheckpointReader(path).load(model, optimizer);
}

uint64_t checkpoint_param_hash(const std::string& path) {
  return Sections(path).param_hash();
}

Normalizer checkpoint_normalizer(const std::string& path) {
  return checkpoint_normalizer(Sections(path), path);
}

void load_optimizer_state(const std::string& path, torch::optim::Optimizer& optimizer) {
  load_optimizer(Sections(path), path, optimizer);
}

std::string checkpoint_config(const std::string& path) {
  return std::string(Sections(path).bytes("config"));
}

std::string checkpoint_problem(const std::string& path) {
  try {
    Sections{path};
  } catch (const UserError& e) {
    return e.what();
  }
  return {};
}

}  // namespace artic
