// Checkpoints move between LibTorch builds (tests/integration/checkpoint_portability_test.sh runs
// this program from the 1.13 build and the 2.x build against each other's files).
//   checkpoint_portability write DIR: a small transformer after 3 AdamW steps, saved as
//     DIR/checkpoint.pt, and every value it holds as raw bytes in DIR/expected.json;
//   checkpoint_portability read DIR: that checkpoint loaded into a fresh model and optimizer by
//     this build; exit 0 only if parameters, optimizer moments and steps, group options, the
//     training step and sampler position equal the saved ones bit for bit.
// The checkpoint holds no RNG state: dropout's stream is keyed by seed, rank and step.
#include <torch/torch.h>
#include <torch/version.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "train/checkpoint.h"
#include "train/optimizer_state.h"

namespace artic {
namespace {

ModelConfig tiny_model() {
  ModelConfig c;
  c.d_model = 16;
  c.num_layers = 2;
  c.num_heads = 2;
  c.ff_dim = 32;
  c.dropout = 0;
  return c;
}

const ModelShape kShape{6, 4};

std::string hex_bytes(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  const auto* p = static_cast<const unsigned char*>(c.data_ptr());
  const size_t n = static_cast<size_t>(c.numel()) * c.element_size();
  std::string out(2 * n, '0');
  const char* digits = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  return out;
}

nlohmann::json values(SequenceRegressorImpl& model, torch::optim::AdamW& optimizer,
                      const TrainProgress& progress) {
  nlohmann::json j;
  j["torch"] = TORCH_VERSION;
  j["step"] = progress.step;
  j["epoch"] = progress.epoch;
  j["sampler_position"] = progress.sampler_position;
  for (const auto& p : model.named_parameters()) j["param"][p.key()] = hex_bytes(p.value());
  for (const auto& b : model.named_buffers()) j["buffer"][b.key()] = hex_bytes(b.value());
  const auto& group = optimizer.param_groups().at(0);
  const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
  j["options"] = {o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()), o.eps(),
                  o.weight_decay()};
  const auto names = model.named_parameters();
  for (size_t i = 0; i < group.params().size(); ++i) {
    const auto* s = static_cast<const torch::optim::AdamWParamState*>(
        optimizer_state(optimizer, group.params()[i]));
    const std::string name = names[i].key();
    if (s == nullptr) {
      j["state"][name] = nullptr;
      continue;
    }
    j["state"][name] = {{"step", s->step()},
                        {"exp_avg", hex_bytes(s->exp_avg())},
                        {"exp_avg_sq", hex_bytes(s->exp_avg_sq())}};
  }
  return j;
}

int write(const std::string& dir) {
  torch::manual_seed(5);
  SequenceRegressor model = make_model(tiny_model(), kShape);
  torch::optim::AdamW optimizer(model->parameters(),
                                torch::optim::AdamWOptions(3e-3).weight_decay(0.05).eps(1e-7));
  for (int step = 0; step < 3; ++step) {
    optimizer.zero_grad();
    model->forward(torch::randn({2, 25, kShape.num_features}), torch::Tensor())
        .pow(2)
        .mean()
        .backward();
    optimizer.step();
  }
  CheckpointData data;
  data.progress.step = 3;
  data.progress.epoch = 2;
  data.progress.sampler_position = 11;
  data.normalizer.feature_names = {"f0", "f1", "f2", "f3", "f4", "f5"};
  data.normalizer.articulator_names = {"T1_x", "T1_y", "LL_x", "LL_y"};
  data.normalizer.feature_mean.assign(6, 0.5);
  data.normalizer.feature_std.assign(6, 2.0);
  data.normalizer.target_mean.assign(4, 1.5);
  data.normalizer.target_std.assign(4, 3.0);
  data.config_toml = "[run]\nname = \"portable\"\n";
  save_checkpoint(dir + "/checkpoint.pt", *model, optimizer, data);
  std::ofstream(dir + "/expected.json") << values(*model, optimizer, data.progress).dump(1);
  std::cout << "checkpoint_portability: LibTorch " << TORCH_VERSION << " wrote " << dir << "\n";
  return 0;
}

int read(const std::string& dir) {
  std::ifstream in(dir + "/expected.json");
  const nlohmann::json expected = nlohmann::json::parse(in);
  torch::manual_seed(99);
  SequenceRegressor model = make_model(tiny_model(), kShape);
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1.0));
  const CheckpointData data = CheckpointReader(dir + "/checkpoint.pt").load(*model, &optimizer);
  nlohmann::json got = values(*model, optimizer, data.progress);
  got["torch"] = expected["torch"];
  if (got != expected) {
    std::cerr << "checkpoint_portability: LibTorch " << TORCH_VERSION << " read the checkpoint of "
              << expected["torch"] << " with different values:\n";
    for (const auto& key : {"step", "epoch", "sampler_position", "param", "buffer", "options"}) {
      if (got[key] != expected[key]) std::cerr << "  " << key << " differs\n";
    }
    for (const auto& [name, state] : expected["state"].items()) {
      if (got["state"][name] != state) std::cerr << "  optimizer state of " << name << " differs\n";
    }
    return 1;
  }
  std::cout << "checkpoint_portability: LibTorch " << TORCH_VERSION << " read the checkpoint of "
            << expected["torch"].get<std::string>() << ": " << expected["param"].size()
            << " parameters, their AdamW moments and steps, options, step " << data.progress.step
            << ", sampler position " << data.progress.sampler_position << " equal bit for bit\n";
  return 0;
}

}  // namespace
}  // namespace artic

int main(int argc, char** argv) {
  const std::string mode = argc == 3 ? argv[1] : "";
  if (mode != "write" && mode != "read") {
    std::cerr << "usage: checkpoint_portability write|read DIR\n";
    return 2;
  }
  try {
    return mode == "write" ? artic::write(argv[2]) : artic::read(argv[2]);
  } catch (const std::exception& e) {
    std::cerr << "checkpoint_portability: " << e.what() << "\n";
    return 1;
  }
}
