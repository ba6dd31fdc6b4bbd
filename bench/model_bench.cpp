// Forward + backward throughput of the model configs on this machine: parameter counts, seconds
// per 10k real frames (fastest of N iterations) and achieved matmul GFLOP/s, on batches of
// ~600-frame utterances (540-660, so some padding).
// Usage: model_bench [iterations=3] [threads=2] [batch=16] [config names...]
// ARTIC_PROFILE=trace.json also writes a chrome://tracing file of the last iteration.
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/heap.h"
#include "model/flops.h"
#include "model/model.h"
#include "train/config.h"

namespace {

using artic::ModelConfig;

constexpr int64_t kFeatures = 60;
constexpr int64_t kArticulators = 12;

struct Named {
  std::string name;
  ModelConfig config;
};

ModelConfig transformer(int64_t d, int64_t layers, int64_t heads, int64_t ff) {
  ModelConfig c;
  c.d_model = d;
  c.num_layers = layers;
  c.num_heads = heads;
  c.ff_dim = ff;
  return c;
}

std::vector<Named> all_configs() {
  ModelConfig blstm;
  blstm.kind = artic::ModelKind::Blstm;
  ModelConfig windowed = transformer(256, 4, 4, 1024);
  windowed.attention_window = 50;
  ModelConfig conv = transformer(256, 4, 4, 1024);
  conv.frontend = artic::Frontend::Conv;
  return {{"default", ModelConfig{}},
          {"default.toml", artic::load_config(ARTIC_SOURCE_DIR "/configs/default.toml").model},
          {"large", transformer(512, 8, 8, 2048)},
          {"default-conv", conv},
          {"default-window50", windowed},
          {"blstm-default", blstm}};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void bench(const Named& named, int iterations, int64_t batch) {
  torch::manual_seed(0);
  const artic::ModelShape shape{kFeatures, kArticulators};
  artic::SequenceRegressor model = artic::make_model(named.config, shape);
  model->train();
  std::vector<int64_t> lengths;
  int64_t real = 0, max_len = 0;
  for (int64_t b = 0; b < batch; ++b) {
    lengths.push_back(540 + (b * 120) / std::max<int64_t>(1, batch - 1));
    real += lengths.back();
    max_len = std::max(max_len, lengths.back());
  }
  torch::Tensor x = torch::randn({batch, max_len, kFeatures});
  torch::Tensor y = torch::randn({batch, max_len, kArticulators});
  torch::Tensor mask = torch::ones({batch, max_len}, torch::kBool);
  for (int64_t b = 0; b < batch; ++b) mask[b].slice(0, 0, lengths[b]).fill_(false);
  const torch::Tensor keep = mask.logical_not().unsqueeze(-1).to(torch::kFloat);

  // The fastest iteration: other processes on a shared machine only ever add time.
  double forward_s = 1e30, total_s = 1e30;
  const char* trace = std::getenv("ARTIC_PROFILE");
  for (int it = -1; it < iterations; ++it) {  // iteration -1 warms up
    // ARTIC_PROFILE=FILE: a chrome://tracing file of the last iteration's operators.
    std::unique_ptr<torch::autograd::profiler::RecordProfile> profile;
    if (trace != nullptr && it == iterations - 1) {
      profile = std::make_unique<torch::autograd::profiler::RecordProfile>(std::string(trace));
    }
    model->zero_grad();
    const auto start = std::chrono::steady_clock::now();
    const torch::Tensor out = model->forward(x, mask);
    const torch::Tensor loss = ((out - y).pow(2) * keep).sum() / (real * kArticulators);
    const double f = seconds_since(start);
    loss.backward();
    if (it >= 0) {
      forward_s = std::min(forward_s, f);
      total_s = std::min(total_s, seconds_since(start));
    }
  }
  double flops = 0.0;
  for (int64_t len : lengths)
    flops += artic::forward_flops_per_frame(named.config, shape, len) * len;
  const double per_10k = 1e4 / static_cast<double>(real);
  std::printf(
      "%-17s params %10lld  fwd %6.2f MFLOP/frame  fwd+bwd %7.3f s/10k frames "
      "(fwd %6.3f)  ~%5.1f GFLOP/s (3x fwd)\n",
      named.name.c_str(), static_cast<long long>(artic::parameter_count(*model)),
      flops / static_cast<double>(real) / 1e6, total_s * per_10k, forward_s * per_10k,
      3.0 * flops / total_s / 1e9);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < std::min(argc, 4); ++i) {
    if (std::atoi(argv[i]) <= 0) {
      std::fprintf(stderr,
                   "usage: model_bench [iterations=3] [threads=2] [batch=16] [config names...]\n"
                   "configs: default, default.toml (configs/default.toml), large, default-conv, "
                   "default-window50, blstm-default\n");
      return std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h" ? 0 : 2;
    }
  }
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 3;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  const int64_t batch = argc > 3 ? std::atoll(argv[3]) : 16;
  std::vector<std::string> wanted(argv + std::min(argc, 4), argv + argc);
  torch::set_num_threads(threads);
  artic::keep_freed_memory_for_reuse();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("model_bench: %d iterations, %d threads, batch %lld x ~600 frames, F=%lld A=%lld\n",
              iterations, threads, static_cast<long long>(batch), static_cast<long long>(kFeatures),
              static_cast<long long>(kArticulators));
  for (const Named& named : all_configs()) {
    bool run = wanted.empty();
    for (const auto& w : wanted) run = run || w == named.name;
    if (run) bench(named, iterations, batch);
  }
  return 0;
}
