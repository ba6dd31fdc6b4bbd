// Collectives, parameter sync and cross-rank statistics under mpirun -np 2 (or more).
#include <gtest/gtest.h>

#include "core/rng.h"
#include "data/normalizer.h"
#include "dist/communicator.h"
#include "dist/grad_sync.h"
#include "dist/topology.h"

namespace artic {
namespace {

const Topology& topo() {
  return topology();
}

TEST(Topology, RanksAndLocalRanksAreConsistent) {
  const auto& t = topo();
  EXPECT_GE(t.world_size, 2) << "run this test under mpirun -np 2";
  EXPECT_GE(t.rank, 0);
  EXPECT_LT(t.rank, t.world_size);
  EXPECT_LT(t.local_rank, t.local_size);
  const auto ranks = host_all_gather(static_cast<int64_t>(t.rank));
  for (int r = 0; r < t.world_size; ++r) EXPECT_EQ(ranks[r], r);
  const auto hosts = host_all_gather(t.host);
  EXPECT_EQ(hosts[0], t.host);
}

TEST(HostCollectives, SumMaxGatherBroadcast) {
  const auto& t = topo();
  std::vector<double> d = {1.5, static_cast<double>(t.rank)};
  host_all_reduce_sum(d);
  EXPECT_DOUBLE_EQ(d[0], 1.5 * t.world_size);
  EXPECT_DOUBLE_EQ(d[1], t.world_size * (t.world_size - 1) / 2.0);
  std::vector<int64_t> i = {int64_t{1} << 40, t.rank};
  host_all_reduce_sum(i);
  EXPECT_EQ(i[0], (int64_t{1} << 40) * t.world_size);
  EXPECT_EQ(host_all_reduce_max(t.rank * 10), (t.world_size - 1) * 10);
  const auto words = host_all_gather(std::string(static_cast<size_t>(t.rank + 1), 'a' + t.rank));
  for (int r = 0; r < t.world_size; ++r) {
    EXPECT_EQ(words[r], std::string(static_cast<size_t>(r + 1), 'a' + r));
  }
  std::string msg = t.rank == 1 ? "from rank one" : "";
  host_broadcast(msg, 1);
  EXPECT_EQ(msg, "from rank one");
}

// A rank-dependent tensor whose sum over ranks is known in closed form.
torch::Tensor rank_tensor(const std::vector<int64_t>& shape, torch::ScalarType dtype, int rank) {
  const int64_t n = c10::multiply_integers(shape);
  return (torch::arange(n, torch::kFloat64).remainder(7) + 0.5 * rank).to(dtype).reshape(shape);
}

torch::Tensor expected_sum(const std::vector<int64_t>& shape, torch::ScalarType dtype, int world) {
  torch::Tensor acc = torch::zeros(shape, torch::kFloat64);
  for (int r = 0; r < world; ++r) acc += rank_tensor(shape, dtype, r).to(torch::kFloat64);
  return acc;
}

TEST(MpiCommunicator, AllReduceSumAcrossDtypesSizesAndBuckets) {
  const auto& t = topo();
  auto comm = make_mpi_communicator();
  for (auto dtype : {torch::kFloat32, torch::kFloat64, torch::kBFloat16}) {
    for (int64_t bucket_bytes : {int64_t{16}, int64_t{4096}, int64_t{1} << 20}) {
      const std::vector<std::vector<int64_t>> shapes = {{1}, {3, 5}, {1000}, {7, 11, 13}, {2}};
      std::vector<torch::Tensor> tensors;
      for (const auto& s : shapes) tensors.push_back(rank_tensor(s, dtype, t.rank));
      // A non-contiguous view: a transposed matrix.
      torch::Tensor base = rank_tensor({6, 4}, dtype, t.rank);
      tensors.push_back(base.t());
      const int64_t sent = all_reduce_sum(*comm, tensors, bucket_bytes);
      int64_t want_bytes = 0;
      for (const auto& x : tensors)
        want_bytes += x.numel() * static_cast<int64_t>(x.element_size());
      EXPECT_EQ(sent, want_bytes);
      for (size_t k = 0; k < shapes.size(); ++k) {
        const double tol = dtype == torch::kBFloat16 ? 0.05 : 0.0;
        EXPECT_TRUE(torch::allclose(tensors[k].to(torch::kFloat64),
                                    expected_sum(shapes[k], dtype, t.world_size), tol, tol))
            << "dtype " << c10::toString(dtype) << " bucket " << bucket_bytes << " tensor " << k;
      }
      EXPECT_TRUE(torch::allclose(
          base.to(torch::kFloat64), expected_sum({6, 4}, dtype, t.world_size),
          dtype == torch::kBFloat16 ? 0.05 : 0.0, dtype == torch::kBFloat16 ? 0.05 : 0.0))
          << "non-contiguous view not written back";
    }
  }
}

TEST(MpiCommunicator, BroadcastFromEachRoot) {
  const auto& t = topo();
  auto comm = make_mpi_communicator();
  for (int root = 0; root < t.world_size; ++root) {
    std::vector<torch::Tensor> tensors = {torch::full({4, 3}, 1.0 + t.rank, torch::kFloat32),
                                          torch::full({5}, 10.0 * t.rank, torch::kFloat64)};
    broadcast(*comm, tensors, root, 8);
    EXPECT_TRUE(torch::equal(tensors[0], torch::full({4, 3}, 1.0 + root, torch::kFloat32)));
    EXPECT_TRUE(torch::equal(tensors[1], torch::full({5}, 10.0 * root, torch::kFloat64)));
  }
}

TEST(GradSync, BroadcastThenConsistencyCheckPassesAndCatchesDrift) {
  const auto& t = topo();
  auto comm = make_mpi_communicator();
  torch::manual_seed(100 + t.rank);  // different init on every rank
  std::vector<torch::Tensor> params = {torch::randn({8, 8}), torch::randn({8})};
  EXPECT_THROW(check_parameters_consistent(params, 0), std::runtime_error);
  broadcast_parameters(*comm, params, 1 << 20);
  EXPECT_NO_THROW(check_parameters_consistent(params, 1));
  if (t.rank == 1) params[1][3] += 1e-7f;
  try {
    check_parameters_consistent(params, 2);
    ADD_FAILURE() << "drift not detected";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("after step 2 the parameters of rank(s) 1 differ"),
              std::string::npos)
        << e.what();
  }
}

TEST(GradSync, ReduceGradientsSumsAndFillsMissingOnes) {
  const auto& t = topo();
  auto comm = make_mpi_communicator();
  auto a = torch::zeros({3}, torch::requires_grad());
  auto b = torch::zeros({2}, torch::requires_grad());
  // Only rank 0 touches b: its gradient is undefined on the others.
  torch::Tensor loss = (a * (1.0 + t.rank)).sum();
  if (t.rank == 0) loss = loss + (b * 3.0).sum();
  loss.backward();
  reduce_gradients(*comm, {a, b}, 1 << 20);
  const double ranks_sum = t.world_size * (t.world_size + 1) / 2.0;
  EXPECT_TRUE(torch::allclose(a.grad(), torch::full({3}, ranks_sum)));
  EXPECT_TRUE(torch::allclose(b.grad(), torch::full({2}, 3.0)));
}

TEST(Normalizer, StatisticsIdenticalOnAllRanksAndEqualSingleProcess) {
  const auto& t = topo();
  // The same corpus on every rank; each rank sums its share (utterance i on rank i % W).
  Corpus c;
  c.meta.feature_names = {"f0", "f1"};
  c.meta.articulator_names = {"a0", "a1", "a2"};
  Rng rng(77);
  int64_t offset = 0;
  for (int u = 0; u < 23; ++u) {
    const int64_t len = 10 + static_cast<int64_t>(rng.below(90));
    c.utterances.push_back({"u" + std::to_string(u), "s", "train", offset, len});
    for (int64_t f = 0; f < len; ++f) {
      c.features.push_back(static_cast<float>(rng.uniform() * 5));
      c.features.push_back(static_cast<float>(100 + rng.uniform()));
      for (int a = 0; a < 3; ++a)
        c.targets.push_back(static_cast<float>(a * 20 + rng.uniform() * (a + 1)));
    }
    offset += len;
  }
  std::vector<size_t> mine, all;
  for (size_t i = 0; i < c.utterances.size(); ++i) {
    all.push_back(i);
    if (static_cast<int>(i % static_cast<size_t>(t.world_size)) == t.rank) mine.push_back(i);
  }
  std::vector<double> flat = accumulate_sums(c, mine).to_flat();
  host_all_reduce_sum(flat);
  const Normalizer dist = finalize_normalizer(NormalizerSums::from_flat(flat, 2, 3), c.meta);
  const Normalizer single = finalize_normalizer(accumulate_sums(c, all), c.meta);
  for (int j = 0; j < 2; ++j) {
    EXPECT_NEAR(dist.feature_mean[j], single.feature_mean[j],
                1e-12 * std::abs(single.feature_mean[j]));
    EXPECT_NEAR(dist.feature_std[j], single.feature_std[j], 1e-9 * single.feature_std[j]);
  }
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(dist.target_mean[j], single.target_mean[j],
                1e-12 * std::abs(single.target_mean[j]) + 1e-15);
    EXPECT_NEAR(dist.target_std[j], single.target_std[j], 1e-9 * single.target_std[j]);
  }
  // Bit-identical on every rank.
  std::vector<double> mine_stats = dist.feature_mean;
  mine_stats.insert(mine_stats.end(), dist.target_std.begin(), dist.target_std.end());
  std::string bytes(reinterpret_cast<const char*>(mine_stats.data()),
                    mine_stats.size() * sizeof(double));
  const auto every = host_all_gather(bytes);
  for (const auto& b : every) EXPECT_EQ(b, every[0]);
}

}  // namespace
}  // namespace artic
