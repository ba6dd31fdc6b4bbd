#include "train/trained_model.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "train/checkpoint.h"
#include "train/checkpoint_file.h"
#include "train/run_files.h"

namespace artic {

namespace fs = std::filesystem;

std::string run_checkpoint(const std::string& run_dir) {
  const fs::path dir = fs::path(run_dir) / "checkpoints";
  if (fs::exists(dir / "best.pt")) return (dir / "best.pt").string();
  std::ifstream latest(dir / "latest");
  std::string name;
  if (latest && std::getline(latest, name) && !name.empty()) return (dir / name).string();
  throw UserError(run_dir + " has no checkpoint (expected " + (dir / "best.pt").string() +
                  "); train it first with 'artic train'");
}

TrainedModel load_trained_model(const std::string& run_dir, const std::string& checkpoint,
                                const std::vector<std::string>& overrides) {
  const std::string config_path = (fs::path(run_dir) / "config.toml").string();
  if (!fs::exists(config_path)) {
    throw UserError(run_dir + " is not an artic run directory (no config.toml)");
  }
  TrainedModel t;
  t.config = load_config(config_path, overrides);
  t.checkpoint = checkpoint.empty() ? run_checkpoint(run_dir) : checkpoint;
  try {
    const CheckpointReader reader(t.checkpoint);
    t.normalizer = reader.normalizer();
    const ModelShape shape{static_cast<int64_t>(t.normalizer.feature_names.size()),
                           static_cast<int64_t>(t.normalizer.articulator_names.size())};
    t.model = make_model(t.config.model, shape);
    reader.load(*t.model, nullptr);
  } catch (const CheckpointDamaged& e) {
    throw UserError(std::string(e.what()) + ". " +
                    intact_checkpoint_advice(t.checkpoint, "--checkpoint"));
  }
  t.model->eval();
  return t;
}

}  // namespace artic
