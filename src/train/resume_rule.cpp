#include "train/resume_rule.h"

namespace artic {
namespace {

bool may_change(const std::string& key) {
  for (const auto& k : resumable_keys()) {
    if (k == key) return true;
    if (k.size() > 2 && k.compare(k.size() - 2, 2, ".*") == 0 &&
        key.compare(0, k.size() - 1, k, 0, k.size() - 1) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

const std::vector<std::string>& resumable_keys() {
  static const std::vector<std::string> keys = {"run.name",
                                                "run.output_dir",
                                                "run.log_every",
                                                "batching.prefetch",
                                                "training.threads",
                                                "training.device",
                                                "dist.*",
                                                "monitor.*",
                                                "checkpoint.every_steps",
                                                "checkpoint.keep_last"};
  return keys;
}

std::string resume_problem(const Config& recorded, const Config& given, const std::string& run_dir,
                           const std::string& checkpoint) {
  for (const auto& key : changed_keys(recorded, given)) {
    if (may_change(key)) continue;
    const std::string values = key == "stage" ? "its [[stage]] tables differ"
                                              : value_of(recorded, key) + " in the run, " +
                                                    value_of(given, key) + " given";
    std::string advice =
        "; resume with the run's own settings (its config.toml), or start a new run from its "
        "weights with --init-from " +
        run_dir + " and --set run.name=NEW";
    if (key.rfind("model.", 0) == 0 && key != "model.dropout") {
      advice = "; another architecture is another run: start it under a new run.name";
    } else if (key == "training.max_epochs" || key == "training.max_steps") {
      advice = "; to train longer, start a new run from its weights: --init-from " + run_dir +
               " --set run.name=NEW (a fresh schedule over the new budget)";
    }
    return "--resume cannot change " + key + " (" + values + ", recorded in " + checkpoint +
           "): a resumed run continues the computation it started" + advice;
  }
  return {};
}

}  // namespace artic
