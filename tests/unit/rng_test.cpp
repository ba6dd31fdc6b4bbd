// Pins the streams of core/rng.h. The sampler's plans and every synthetic corpus are functions
// of these bits, so a change here must be deliberate. The expected values come from an
// independent model of the algorithms, tests/python/rng_oracle.py.
#include "core/rng.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

namespace artic {
namespace {

TEST(Rng, Splitmix64MatchesTheReferenceSequence) {
  // Vigna's splitmix64 from state 0 gives 0xe220a8397b1dcdaf first.
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafull);
  EXPECT_EQ(splitmix64(1), 0x910a2dec89025cc1ull);
}

TEST(Rng, CounterStreamIsPinned) {
  Rng rng(42);
  EXPECT_EQ(rng.next(), 0x57e1faba65107204ull);
  EXPECT_EQ(rng.next(), 0xfa4f945599f9054aull);
  EXPECT_EQ(rng.next(), 0x725395388690ae46ull);
  EXPECT_EQ(rng.next(), 0x6a18965c8a3cca10ull);

  Rng keyed = Rng::keyed({7, 3, 1});
  EXPECT_EQ(keyed.next(), 0x1280e1c9699e1f51ull);
  EXPECT_EQ(keyed.next(), 0x0c95354a49d5ac1full);
  EXPECT_EQ(keyed.next(), 0x2caafcfadf6ff361ull);
}

TEST(Rng, CounterDistributionsArePinned) {
  Rng u(5);
  EXPECT_EQ(u.uniform(), 0.9798413679101445);
  EXPECT_EQ(u.uniform(), 0.8807895827318415);
  EXPECT_EQ(u.uniform(), 0.6540133728219998);

  Rng b(9);
  std::vector<uint64_t> below;
  for (int i = 0; i < 8; ++i) below.push_back(b.below(10));
  EXPECT_EQ(below, (std::vector<uint64_t>{6, 3, 1, 3, 0, 3, 5, 5}));

  // The sampler shuffles with streams keyed like this one (seed, epoch, purpose).
  std::vector<int> v(10);
  std::iota(v.begin(), v.end(), 0);
  Rng::keyed({1, 0, 3}).shuffle(v);
  EXPECT_EQ(v, (std::vector<int>{0, 4, 9, 2, 7, 6, 8, 1, 3, 5}));
}

TEST(Rng, XoshiroStreamIsPinned) {
  XoshiroRng rng(1);
  EXPECT_EQ(rng.next(), 0xb3f2af6d0fc710c5ull);
  EXPECT_EQ(rng.next(), 0x853b559647364ceaull);
  EXPECT_EQ(rng.next(), 0x92f89756082a4514ull);
  EXPECT_EQ(rng.next(), 0x642e1c7bc266a3a7ull);
}

TEST(Rng, XoshiroDistributionsArePinned) {
  XoshiroRng u(12345);
  EXPECT_EQ(u.uniform(), 0.7438081631565894);
  EXPECT_EQ(u.uniform(), 0.13004553462783452);
  EXPECT_EQ(u.uniform(), 0.9633344930128545);

  // Box-Muller goes through libm's log, sqrt, sin and cos: equal within a few ulps anywhere,
  // bit-identical with the same C library.
  XoshiroRng n(7);
  EXPECT_DOUBLE_EQ(n.normal(), -0.2790239910251981);
  EXPECT_DOUBLE_EQ(n.normal(), 1.5277231859624536);
  EXPECT_DOUBLE_EQ(n.normal(), 1.8997685786889567);
  EXPECT_DOUBLE_EQ(n.normal(), -0.2266957459968598);

  XoshiroRng b(3);
  std::vector<int> below;
  for (int i = 0; i < 8; ++i) below.push_back(b.below_biased(10));
  EXPECT_EQ(below, (std::vector<int>{5, 7, 7, 1, 7, 9, 6, 2}));
}

TEST(Rng, UniformRangeAndWeightedPickUseOneUniformDraw) {
  XoshiroRng a(11), b(11);
  EXPECT_EQ(a.uniform(2.0, 6.0), 2.0 + 4.0 * b.uniform());
  const std::vector<double> weights = {1.0, 0.0, 3.0};
  for (int i = 0; i < 100; ++i) {
    const double r = b.uniform() * 4.0;
    EXPECT_EQ(a.pick_weighted(weights), r < 1.0 ? 0 : 2);
  }
}

}  // namespace
}  // namespace artic
