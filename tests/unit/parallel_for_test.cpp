#include "core/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace artic {
namespace {

TEST(ParallelFor, EveryItemOnceAndProgressCountsToTheEnd) {
  for (int threads : {0, 1, 2, 7}) {
    std::vector<std::atomic<int>> calls(100);
    std::vector<int64_t> seen;
    parallel_for(
        100, threads, [&](int64_t i) { ++calls[static_cast<size_t>(i)]; },
        [&](int64_t done, int64_t total) {
          EXPECT_EQ(total, 100);
          seen.push_back(done);
        });
    for (const auto& c : calls) EXPECT_EQ(c.load(), 1) << threads << " threads";
    ASSERT_EQ(seen.size(), 100u);
    for (size_t k = 0; k < seen.size(); ++k) EXPECT_EQ(seen[k], static_cast<int64_t>(k) + 1);
  }
  parallel_for(0, 2, [](int64_t) { FAIL() << "no items, no calls"; });
}

// On one thread the items after a failure are not taken; on two, the failure still surfaces.
TEST(ParallelFor, TheFirstFailureStopsTheRestAndIsRethrown) {
  for (int threads : {1, 2}) {
    std::atomic<int> after{0};
    EXPECT_THROW(parallel_for(1000, threads,
                              [&](int64_t i) {
                                if (i == 3) throw std::runtime_error("item 3");
                                if (i > 3) ++after;
                              }),
                 std::runtime_error);
    if (threads == 1) {
      EXPECT_EQ(after.load(), 0) << "items were taken after the failure";
    }
  }
}

}  // namespace
}  // namespace artic
