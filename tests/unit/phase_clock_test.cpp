// Step phases are timed where the time goes (train/phase_clock.h): a communicator that blocks
// inside the all-reduce puts its wait in the all-reduce phase, not in forward or backward. On a
// CPU the clock is the host's; the CUDA events of a GPU build are checked by the bring-up.
#include "train/phase_clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "dist/communicator.h"
#include "model/model.h"
#include "train/accumulate.h"

namespace artic {
namespace {

TEST(PhaseClock, HostClockOnTheCpu) {
  PhaseClock clock(torch::kCPU);
  EXPECT_FALSE(clock.on_device());
  const size_t a = clock.mark();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const size_t b = clock.mark();
  EXPECT_GE(clock.seconds(a, b), 0.05);
  EXPECT_LT(clock.seconds(a, b), 1.0);
}

// One rank; every all-reduce blocks for `block` before it returns (a slow or stalled peer).
class BlockingCommunicator : public Communicator {
 public:
  explicit BlockingCommunicator(std::chrono::milliseconds block) : block_(block) {}
  std::string name() const override { return "blocking"; }
  void all_reduce_flat(torch::Tensor&) override { std::this_thread::sleep_for(block_); }
  void broadcast_flat(torch::Tensor&, int) override {}
  void barrier() override {}

 private:
  std::chrono::milliseconds block_;
};

TEST(PhaseClock, AWaitInsideTheAllReduceIsTimedAsAllReduce) {
  torch::manual_seed(1);
  ModelConfig c;
  c.d_model = 16;
  c.num_layers = 1;
  c.num_heads = 2;
  c.ff_dim = 32;
  c.dropout = 0;
  SequenceRegressor model = make_model(c, {6, 4});
  MicroBatch m;
  m.features = torch::randn({2, 20, 6});
  m.targets = torch::randn({2, 20, 4});
  m.real_frames = m.padded_frames = m.all_ranks_real_frames = m.all_ranks_padded_frames = 40;
  BlockingCommunicator comm(std::chrono::milliseconds(300));
  const AccumulateResult r = accumulate_gradients(*model, {m}, comm, int64_t{1} << 30);
  EXPECT_GE(r.allreduce_seconds, 0.3);
  EXPECT_LT(r.forward_seconds + r.backward_seconds, 0.3)
      << "the all-reduce's wait landed in forward/backward";
  EXPECT_GT(r.forward_seconds, 0);
  EXPECT_GT(r.backward_seconds, 0);
}

}  // namespace
}  // namespace artic
