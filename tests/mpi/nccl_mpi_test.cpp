// The NCCL backend on CUDA tensors: bucketed all-reduce and broadcast for float32, float64 and
// bfloat16, the gradient reducer and the overlapped reducer (buckets started from backward
// hooks on the side stream), checked against sums computed on the host. Skipped, with the reason,
// when this build or machine has no CUDA device, or fewer GPUs than ranks on a host. ctest runs it
// on one rank and, as mpi.nccl_mpi_test_2gpu, on two (skipped below two GPUs).
#include <gtest/gtest.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dist/communicator.h"
#include "dist/grad_sync.h"
#include "dist/nccl_communicator.h"
#include "dist/overlap_reducer.h"
#include "dist/topology.h"

namespace artic {
namespace {

class Nccl : public testing::Test {
 protected:
  void SetUp() override {
    // Every rank must agree, or the ones that go on would wait in NCCL for the others.
    const int64_t have = torch::cuda::is_available() ? 1 : 0;
    if (host_all_reduce_max(1 - have) > 0) {
      GTEST_SKIP() << "no CUDA device on every rank (LibTorch " << TORCH_VERSION
                   << (torch::cuda::is_available() ? ", CUDA" : ", CPU-only build")
                   << "): the NCCL backend needs one GPU per rank";
    }
    const int count = static_cast<int>(torch::cuda::device_count());
    if (host_all_reduce_max(count < topology().local_size ? 1 : 0) > 0) {
      GTEST_SKIP() << topology().local_size << " ranks on " << topology().host << " but " << count
                   << " GPU(s): NCCL needs one GPU per rank";
    }
    device_ =
        torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(topology().local_rank % count));
    comm_ = make_nccl_communicator(device_.index(), 60.0);
  }
  torch::Device device_{torch::kCPU};
  std::unique_ptr<Communicator> comm_;
};

TEST_F(Nccl, AllReduceSumsEveryDtypeAndSize) {
  const int world = topology().world_size;
  const int rank = topology().rank;
  for (const auto dtype : {torch::kFloat32, torch::kFloat64, torch::kBFloat16}) {
    for (const int64_t n : {int64_t{1}, int64_t{1000}, int64_t{300000}}) {
      auto opts = torch::TensorOptions().dtype(torch::kFloat64);
      // Small integers stay exact in bfloat16 after summing over a few ranks.
      torch::Tensor base = torch::arange(n, opts).remainder(7);
      torch::Tensor mine = (base + rank).to(device_, dtype);
      // A non-contiguous view and a second tensor, with buckets far smaller than the data.
      torch::Tensor wide = (base.repeat({2}) * (rank + 1)).to(device_, dtype).view({2, n}).t();
      all_reduce_sum(*comm_, {mine, wide}, 64 * 1024);
      const torch::Tensor want = base * world + world * (world - 1) / 2.0;
      EXPECT_TRUE(torch::equal(mine.to(torch::kCPU, torch::kFloat64), want))
          << "dtype " << dtype << " n " << n;
      const torch::Tensor want_wide =
          (base.repeat({2}) * (world * (world + 1) / 2.0)).view({2, n}).t();
      EXPECT_TRUE(torch::equal(wide.to(torch::kCPU, torch::kFloat64), want_wide))
          << "dtype " << dtype << " n " << n;
    }
  }
}

TEST_F(Nccl, BroadcastCopiesRoot) {
  const int rank = topology().rank;
  torch::Tensor t = torch::full({12345}, static_cast<double>(rank + 3),
                                torch::TensorOptions().dtype(torch::kFloat32).device(device_));
  broadcast(*comm_, {t}, 0, 4096);
  EXPECT_TRUE(torch::all(t.cpu() == 3.0).item<bool>());
}

TEST_F(Nccl, GradientReducerMatchesHostSum) {
  const int rank = topology().rank;
  torch::manual_seed(42);
  torch::nn::Linear layer(16, 4);
  layer->to(device_);
  auto params = layer->parameters();
  broadcast_parameters(*comm_, params, 1 << 20);
  torch::manual_seed(100 + rank);
  const torch::Tensor x = torch::randn({32, 16}).to(device_);
  layer->forward(x).pow(2).sum().backward();
  std::vector<double> host;
  for (const auto& p : params) {
    const torch::Tensor g = p.grad().to(torch::kCPU, torch::kFloat64).flatten();
    host.insert(host.end(), g.data_ptr<double>(), g.data_ptr<double>() + g.numel());
  }
  host_all_reduce_sum(host);
  reduce_gradients(*comm_, params, 1024);
  size_t k = 0;
  double worst = 0;
  for (const auto& p : params) {
    const torch::Tensor g = p.grad().to(torch::kCPU, torch::kFloat64).flatten();
    for (int64_t i = 0; i < g.numel(); ++i, ++k) {
      worst = std::max(worst, std::abs(g[i].item<double>() - host[k]) / (std::abs(host[k]) + 1e-6));
    }
  }
  EXPECT_LT(worst, 1e-5);
  std::printf("[rank %d] NCCL gradient reducer vs host fp64 sum: max relative difference %.2e\n",
              rank, worst);
}

// The overlapped reducer on CUDA: hooks start buckets on NCCL's stream while backward still runs
// on the compute stream; the sums must equal reducing after backward, and buckets must start early.
TEST_F(Nccl, OverlappedReducerEqualsReduceAfterBackward) {
  const int rank = topology().rank;
  auto make = [&] {
    torch::manual_seed(7);
    torch::nn::Sequential net(torch::nn::Linear(64, 256), torch::nn::GELU(),
                              torch::nn::Linear(256, 256), torch::nn::GELU(),
                              torch::nn::Linear(256, 8));
    net->to(device_);
    return net;
  };
  auto plain = make();
  auto overlapped = make();
  OverlapReducer reducer(*comm_, overlapped->parameters(), 64 * 1024);
  torch::manual_seed(200 + rank);
  const torch::Tensor x = torch::randn({128, 64}).to(device_);
  plain->forward(x).pow(2).sum().backward();
  reduce_gradients(*comm_, plain->parameters(), 64 * 1024);
  reducer.arm();
  overlapped->forward(x).pow(2).sum().backward();
  reducer.finish();
  const auto a = plain->parameters(), b = overlapped->parameters();
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, (a[i].grad() - b[i].grad()).abs().max().item<double>() /
                                (a[i].grad().abs().max().item<double>() + 1e-12));
  }
  EXPECT_LT(worst, 1e-6);
  EXPECT_GT(reducer.started_early(), 1) << "no bucket started from a backward hook";
  std::printf(
      "[rank %d] overlapped reducer on CUDA: %lld buckets started during backward, max "
      "relative difference %.2e\n",
      rank, static_cast<long long>(reducer.started_early()), worst);
}

}  // namespace
}  // namespace artic
