#include "train/init_from.h"

#include <filesystem>
#include <map>

#include "core/error.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/trained_model.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

std::string shape_text(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + "]";
}

void check_channels(const std::vector<std::string>& theirs, const std::vector<std::string>& ours,
                    const std::string& kind, const std::string& path) {
  for (size_t i = 0; i < std::max(theirs.size(), ours.size()); ++i) {
    const std::string a = i < theirs.size() ? theirs[i] : "(none)";
    const std::string b = i < ours.size() ? ours[i] : "(none)";
    if (a != b) {
      throw ConfigError("--init-from " + path + ": " + kind + " channel " + std::to_string(i) +
                        " is '" + a + "' in the checkpoint but '" + b + "' in this corpus (" +
                        std::to_string(theirs.size()) + " vs " + std::to_string(ours.size()) + " " +
                        kind + " channels); the model cannot be reused on other channels");
    }
  }
}

// Every named tensor (parameters, then buffers) of a module.
std::vector<std::pair<std::string, torch::Tensor>> named_state(const torch::nn::Module& m) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : m.named_parameters()) out.emplace_back(p.key(), p.value());
  for (const auto& b : m.named_buffers()) out.emplace_back(b.key(), b.value());
  return out;
}

}  // namespace

std::string resolve_init_checkpoint(const std::string& run_or_checkpoint) {
  const fs::path p(run_or_checkpoint);
  if (!fs::is_directory(p)) {
    if (!fs::exists(p)) {
      throw ConfigError("--init-from " + run_or_checkpoint +
                        ": no such run directory or checkpoint file");
    }
    return p.string();
  }
  try {
    return run_checkpoint(p.string());
  } catch (const UserError& e) {
    throw ConfigError("--init-from " + run_or_checkpoint + ": " + e.what());
  }
}

Normalizer init_from_checkpoint(const std::string& path, SequenceRegressorImpl& model,
                                const CorpusMeta& meta) {
  const Normalizer theirs = checkpoint_normalizer(path);
  check_channels(theirs.feature_names, meta.feature_names, "feature", path);
  check_channels(theirs.articulator_names, meta.articulator_names, "articulator", path);
  const Config their_config = parse_config(checkpoint_config(path), path + " (config)");
  const ModelShape shape{static_cast<int64_t>(theirs.feature_names.size()),
                         static_cast<int64_t>(theirs.articulator_names.size())};
  const SequenceRegressor reference = make_model(their_config.model, shape);
  const auto want = named_state(*reference);
  const auto have = named_state(model);
  const std::string hint = " (checkpoint model: " + name_of(their_config.model.kind) +
                           ", d_model " + std::to_string(their_config.model.d_model) + ", " +
                           std::to_string(their_config.model.num_layers) + " layers)";
  std::map<std::string, torch::Tensor> theirs_by_name(want.begin(), want.end());
  std::map<std::string, torch::Tensor> ours_by_name(have.begin(), have.end());
  for (const auto& [name, tensor] : have) {
    const auto it = theirs_by_name.find(name);
    if (it == theirs_by_name.end()) {
      throw ConfigError("--init-from " + path + ": this model has parameter '" + name +
                        "' that the checkpoint lacks" + hint);
    }
    if (!it->second.sizes().equals(tensor.sizes())) {
      throw ConfigError("--init-from " + path + ": parameter '" + name + "' is " +
                        shape_text(it->second) + " in the checkpoint but " + shape_text(tensor) +
                        " in this model" + hint);
    }
  }
  for (const auto& [name, tensor] : want) {
    if (ours_by_name.count(name) == 0) {
      throw ConfigError("--init-from " + path + ": the checkpoint has parameter '" + name +
                        "' that this model lacks" + hint);
    }
  }
  return load_checkpoint(path, model, nullptr).normalizer;
}

}  // namespace artic
