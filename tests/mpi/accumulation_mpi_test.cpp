// The accumulation rule (docs/training.md) under mpirun -np 2: 2 ranks x 3 micro-batches of
// utterances of different lengths give the same gradients (fp64, <= 1e-10 relative) and the same
// parameters after an AdamW step as one process with all the utterances in one batch; the naive
// mean of micro-batch means does not.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>

#include "dist/communicator.h"
#include "dist/grad_sync.h"
#include "dist/overlap_reducer.h"
#include "dist/topology.h"
#include "train/accumulate.h"
#include "train/checkpoint.h"

namespace artic {
namespace {

constexpr int64_t kF = 6, kA = 4;
const std::vector<int64_t> kLengths = {37, 5, 80, 12, 61, 23, 9, 44};

ModelConfig small_transformer() {
  ModelConfig c;
  c.d_model = 16;
  c.num_layers = 2;
  c.num_heads = 2;
  c.ff_dim = 32;
  c.dropout = 0.0;
  return c;
}

// Utterance u's features and targets, identical on every rank.
std::pair<torch::Tensor, torch::Tensor> utterance(size_t u) {
  torch::manual_seed(1000 + u);
  return {torch::randn({kLengths[u], kF}, torch::kFloat64),
          torch::randn({kLengths[u], kA}, torch::kFloat64)};
}

MicroBatch batch_of(const std::vector<size_t>& utts) {
  int64_t t_max = 0;
  for (size_t u : utts) t_max = std::max(t_max, kLengths[u]);
  const int64_t b = static_cast<int64_t>(utts.size());
  MicroBatch m;
  m.features = torch::zeros({b, t_max, kF}, torch::kFloat64);
  m.targets = torch::zeros({b, t_max, kA}, torch::kFloat64);
  m.pad_mask = torch::ones({b, t_max}, torch::kBool);
  for (int64_t i = 0; i < b; ++i) {
    auto [x, y] = utterance(utts[i]);
    const int64_t len = kLengths[utts[i]];
    m.features[i].slice(0, 0, len).copy_(x);
    m.targets[i].slice(0, 0, len).copy_(y);
    m.pad_mask[i].slice(0, 0, len).fill_(false);
    m.real_frames += len;
  }
  m.padded_frames = b * t_max;
  return m;
}

// Rank 0 and 1 each get 3 micro-batches: {0},{1,2},{3} and {4,5},{6},{7}, with the totals over
// both ranks filled in as the sampler's plan does (rank 1 adds nothing when `rank1_empty`).
std::vector<MicroBatch> my_micro_batches(int rank, bool rank1_empty = false) {
  const std::vector<std::vector<std::vector<size_t>>> split = {{{0}, {1, 2}, {3}},
                                                               {{4, 5}, {6}, {7}}};
  std::vector<MicroBatch> out;
  for (size_t j = 0; j < 3; ++j) {
    MicroBatch m = batch_of(split.at(rank)[j]);
    for (int r = 0; r < 2; ++r) {
      if (r == 1 && rank1_empty) continue;
      const MicroBatch other = batch_of(split[r][j]);
      m.all_ranks_real_frames += other.real_frames;
      m.all_ranks_padded_frames += other.padded_frames;
    }
    if (rank == 1 && rank1_empty) m.real_frames = 0;
    out.push_back(m);
  }
  return out;
}

SequenceRegressor fresh_model() {
  torch::manual_seed(7);
  auto m = make_model(small_transformer(), ModelShape{kF, kA});
  m->to(torch::kFloat64);
  return m;
}

std::vector<torch::Tensor> grads_of(const SequenceRegressor& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m->parameters()) out.push_back(p.grad().clone());
  return out;
}

double max_rel_diff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double scale = std::max(b[i].abs().max().item<double>(), 1e-30);
    worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>() / scale);
  }
  return worst;
}

torch::optim::AdamW adamw(const SequenceRegressor& m) {
  return torch::optim::AdamW(
      m->parameters(), torch::optim::AdamWOptions(1e-3).betas({0.9, 0.98}).weight_decay(0.01));
}

TEST(Accumulation, TwoRanksThreeMicroBatchesEqualOneBigBatch) {
  ASSERT_EQ(topology().world_size, 2) << "run under mpirun -np 2";
  const int rank = topology().rank;
  auto comm = make_mpi_communicator();

  // Reference: one process, every utterance in one batch, mean over all real frames/channels.
  auto ref = fresh_model();
  std::vector<size_t> all(kLengths.size());
  for (size_t u = 0; u < all.size(); ++u) all[u] = u;
  const MicroBatch whole = batch_of(all);
  const auto pred = ref->forward(whole.features, whole.pad_mask);
  const auto ref_loss = masked_sse(pred, whole.targets, whole.pad_mask) / (whole.real_frames * kA);
  ref_loss.backward();
  const auto ref_grads = grads_of(ref);

  auto dist = fresh_model();
  const auto r = accumulate_gradients(*dist, my_micro_batches(rank), *comm, 4096);
  EXPECT_EQ(r.global_frames, whole.real_frames);
  EXPECT_NEAR(r.loss, ref_loss.item<double>(), 1e-12 * ref_loss.item<double>());
  const double grad_diff = max_rel_diff(grads_of(dist), ref_grads);
  EXPECT_LE(grad_diff, 1e-10);

  auto opt_ref = adamw(ref), opt_dist = adamw(dist);
  opt_ref.step();
  opt_dist.step();
  const auto pr = ref->parameters(), pd = dist->parameters();
  const double param_diff = max_rel_diff(std::vector<torch::Tensor>(pd.begin(), pd.end()),
                                         std::vector<torch::Tensor>(pr.begin(), pr.end()));
  EXPECT_LE(param_diff, 1e-10);
  if (rank == 0) {
    std::printf(
        "accumulation: max relative difference vs one batch: gradients %.3g, "
        "parameters after AdamW %.3g\n",
        grad_diff, param_diff);
  }
  EXPECT_NO_THROW(check_parameters_consistent(dist->parameters(), 1));
}

// The all-reduce started bucket by bucket during the last backward pass gives the same gradients
// as reducing after it, over several steps (hooks re-armed each step), with small buckets so
// that several start early; a rank whose step has no frames still takes part.
TEST(Accumulation, OverlappedReductionEqualsReductionAfterBackward) {
  ASSERT_EQ(topology().world_size, 2) << "run under mpirun -np 2";
  const int rank = topology().rank;
  auto comm = make_mpi_communicator();
  auto plain = fresh_model();
  auto overlapped = fresh_model();
  OverlapReducer reducer(*comm, overlapped->parameters(), 2048);
  auto opt_plain = adamw(plain), opt_overlapped = adamw(overlapped);
  for (int step = 0; step < 3; ++step) {
    // At step 2 rank 1 has nothing to add.
    const std::vector<MicroBatch> micro = my_micro_batches(rank, step == 2);
    const auto a = accumulate_gradients(*plain, micro, *comm, 2048);
    const auto b = accumulate_gradients(*overlapped, micro, *comm, 2048, false, &reducer);
    EXPECT_EQ(a.allreduce_bytes, b.allreduce_bytes);
    EXPECT_EQ(a.loss, b.loss);
    EXPECT_LE(max_rel_diff(grads_of(overlapped), grads_of(plain)), 1e-15) << "step " << step;
    if (!(step == 2 && rank == 1)) {
      EXPECT_GT(reducer.started_early(), 1) << "buckets should start during backward";
    }
    if (rank == 0 && step == 0) {
      std::printf("overlap: %lld buckets started during the last backward\n",
                  static_cast<long long>(reducer.started_early()));
    }
    opt_plain.step();
    opt_overlapped.step();
  }
  EXPECT_EQ(parameter_hash(plain->parameters()), parameter_hash(overlapped->parameters()));
}

// A resume loads into the model the trainer has already set up: its parameters stay the same
// tensors (so the optimizer and the overlap reducer's hooks built on them still see them), the
// AdamW state comes back exactly, and the next step equals the uninterrupted one.
TEST(Accumulation, ResumedModelKeepsItsTensorsOptimizerStateAndHooks) {
  ASSERT_EQ(topology().world_size, 2) << "run under mpirun -np 2";
  const int rank = topology().rank;
  auto comm = make_mpi_communicator();
  const std::string path = "/tmp/artic-resume-test-" + host_all_gather(std::to_string(getpid()))[0];
  auto trained = fresh_model();
  auto opt_trained = adamw(trained);
  accumulate_gradients(*trained, my_micro_batches(rank), *comm, 2048);
  opt_trained.step();
  if (rank == 0) save_checkpoint(path, *trained, opt_trained, CheckpointData{});
  host_barrier();

  auto resumed = fresh_model();
  OverlapReducer reducer(*comm, resumed->parameters(), 2048);
  auto opt_resumed = adamw(resumed);
  std::vector<const void*> before;
  for (const auto& p : resumed->parameters()) before.push_back(p.unsafeGetTensorImpl());
  load_checkpoint(path, *resumed, &opt_resumed);
  host_barrier();
  if (rank == 0) std::remove(path.c_str());
  std::vector<const void*> after;
  for (const auto& p : resumed->parameters()) after.push_back(p.unsafeGetTensorImpl());
  EXPECT_EQ(before, after) << "loading replaced parameter tensors";
  EXPECT_EQ(parameter_hash(trained->parameters()), parameter_hash(resumed->parameters()));

  const auto a = accumulate_gradients(*trained, my_micro_batches(rank), *comm, 2048);
  const auto b =
      accumulate_gradients(*resumed, my_micro_batches(rank), *comm, 2048, false, &reducer);
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_GT(reducer.started_early(), 1) << "the hooks no longer start buckets after the resume";
  EXPECT_LE(max_rel_diff(grads_of(resumed), grads_of(trained)), 1e-15);
  opt_trained.step();
  opt_resumed.step();
  EXPECT_EQ(parameter_hash(trained->parameters()), parameter_hash(resumed->parameters()))
      << "the optimizer state did not come back exactly";
}

// Counts the collectives a backend is asked for.
struct CountingCommunicator : Communicator {
  explicit CountingCommunicator(Communicator& backend) : inner(backend) {}
  std::string name() const override { return inner.name(); }
  void all_reduce_flat(torch::Tensor& flat) override {
    ++collectives;
    inner.all_reduce_flat(flat);
  }
  void broadcast_flat(torch::Tensor& flat, int root) override { inner.broadcast_flat(flat, root); }
  void barrier() override { inner.barrier(); }
  void start_all_reduce_flat(torch::Tensor& flat) override {
    ++collectives;
    inner.start_all_reduce_flat(flat);
  }
  void wait_all() override { inner.wait_all(); }
  Communicator& inner;
  int collectives = 0;
};

// In fp32 (as training runs), the loss, frame counts and FLOPs that ride in the last gradient
// bucket equal what separate fp64 collectives give (the loss to fp32 rounding, counts exactly),
// and the step makes no collective beyond the gradients' buckets.
TEST(Accumulation, LossAndCountsRideInTheLastGradientBucket) {
  ASSERT_EQ(topology().world_size, 2) << "run under mpirun -np 2";
  const int rank = topology().rank;
  auto mpi = make_mpi_communicator();
  for (const bool overlapped : {false, true}) {
    torch::manual_seed(7);
    auto model = make_model(small_transformer(), ModelShape{kF, kA});
    std::vector<MicroBatch> micro = my_micro_batches(rank);
    for (auto& m : micro) {
      m.features = m.features.to(torch::kFloat32);
      m.targets = m.targets.to(torch::kFloat32);
      m.model_flops = 1e9 * (rank + 1) + 12345.0 + m.real_frames;
    }
    // Today's figures, from separate fp64 collectives.
    std::vector<double> local = {0, 0, 0, 0};
    {
      torch::NoGradGuard no_grad;
      for (const auto& m : micro) {
        local[0] += masked_sse(model->forward(m.features, m.pad_mask), m.targets, m.pad_mask)
                        .to(torch::kFloat64)
                        .item<double>();
        local[1] += static_cast<double>(m.real_frames);
        local[2] += static_cast<double>(m.padded_frames);
        local[3] += m.model_flops;
      }
    }
    host_all_reduce_sum(local);

    CountingCommunicator comm(*mpi);
    OverlapReducer reducer(comm, model->parameters(), 2048);
    const auto r =
        accumulate_gradients(*model, micro, comm, 2048, false, overlapped ? &reducer : nullptr);
    const double expected_loss = local[0] / (local[1] * kA);
    EXPECT_NEAR(r.loss, expected_loss, 1e-6 * expected_loss) << "overlapped " << overlapped;
    EXPECT_EQ(r.global_frames, static_cast<int64_t>(local[1]));
    EXPECT_EQ(r.global_padded_frames, static_cast<int64_t>(local[2]));
    EXPECT_NEAR(r.global_model_flops, local[3], 1e-6 * local[3]);
    std::vector<torch::Tensor> grads;
    int64_t grad_bytes = 0;
    for (const auto& p : model->parameters()) {
      grads.push_back(p.grad());
      grad_bytes += p.numel() * 4;
    }
    EXPECT_EQ(comm.collectives, static_cast<int>(make_buckets(grads, 2048).size()))
        << "the loss or counts took a collective of their own";
    EXPECT_EQ(r.allreduce_bytes, grad_bytes + 4 * 4) << "gradients plus 4 fp32 figures";
    EXPECT_FLOAT_EQ(r.grad_norm, static_cast<float>(torch::nn::utils::clip_grad_norm_(
                                     model->parameters(), INFINITY)));
  }
}

TEST(Accumulation, MeanOfMicroBatchMeansWouldDiffer) {
  const int rank = topology().rank;
  auto comm = make_mpi_communicator();
  auto ref = fresh_model();
  std::vector<size_t> all(kLengths.size());
  for (size_t u = 0; u < all.size(); ++u) all[u] = u;
  const MicroBatch whole = batch_of(all);
  (masked_sse(ref->forward(whole.features, whole.pad_mask), whole.targets, whole.pad_mask) /
   (whole.real_frames * kA))
      .backward();

  // The well-known bug: each micro-batch's own mean, averaged over micro-batches and ranks.
  auto naive = fresh_model();
  const auto micro = my_micro_batches(rank);
  for (const auto& m : micro) {
    const auto loss = masked_sse(naive->forward(m.features, m.pad_mask), m.targets, m.pad_mask) /
                      (m.real_frames * kA) / (micro.size() * 2.0);
    loss.backward();
  }
  reduce_gradients(*comm, naive->parameters(), 4096);
  const double naive_diff = max_rel_diff(grads_of(naive), grads_of(ref));
  EXPECT_GT(naive_diff, 1e-3);
  if (rank == 0) std::printf("accumulation: naive mean of means differs by %.3g\n", naive_diff);
}

}  // namespace
}  // namespace artic
