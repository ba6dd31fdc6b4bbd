// The deadline of asynchronous collectives (dist/collective_watch, what the NCCL communicator's
// watchdog runs) against a stand-in backend whose collectives finish when the test says so:
// a collective past its deadline aborts the backend once and every later call throws
// CollectiveTimeout; each launch starts its own deadline (an earlier step's never ends a later
// one); the abort never runs while a launch is inside the backend.
#include "dist/collective_watch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "dist/topology.h"

namespace artic {
namespace {

using Clock = std::chrono::steady_clock;
using State = CollectiveWatch::State;

// A backend whose last collective is done once `done_at` has passed (never by default).
struct Backend {
  std::atomic<int64_t> done_at_us{INT64_MAX};
  std::atomic<int> aborts{0};
  std::atomic<bool> inside_launch{false};
  std::atomic<bool> aborted_inside_launch{false};
  std::atomic<bool> failed{false};
  Clock::time_point start = Clock::now();

  int64_t now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  }
  void finish_after(double seconds) { done_at_us = now_us() + static_cast<int64_t>(seconds * 1e6); }

  CollectiveWatch watch(double timeout_s) {
    return CollectiveWatch(
        timeout_s,
        [this](std::string* why) {
          if (failed) {
            *why = "unhandled system error";
            return State::Failed;
          }
          return now_us() >= done_at_us ? State::Done : State::Pending;
        },
        [this] {
          if (inside_launch) aborted_inside_launch = true;
          ++aborts;
        });
  }
};

void sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::microseconds(int64_t(s * 1e6)));
}

TEST(CollectiveWatch, ACollectiveThatFinishesInTimeIsNotAborted) {
  Backend b;
  CollectiveWatch w = b.watch(0.3);
  b.finish_after(0.1);
  w.launch("ncclAllReduce", [] {});
  sleep_s(0.5);
  EXPECT_NO_THROW(w.raise_if_failed());
  EXPECT_EQ(b.aborts, 0);
}

TEST(CollectiveWatch, PastTheDeadlineTheBackendIsAbortedOnceAndEveryLaterCallThrows) {
  Backend b;
  CollectiveWatch w = b.watch(0.2);
  const auto t0 = Clock::now();
  w.launch("ncclAllReduce", [] {});
  while (b.aborts == 0 && Clock::now() - t0 < std::chrono::seconds(5)) sleep_s(0.01);
  const double waited = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(b.aborts, 1);
  EXPECT_GE(waited, 0.2);
  EXPECT_LT(waited, 1.0);
  try {
    w.raise_if_failed();
    ADD_FAILURE() << "no error after the abort";
  } catch (const CollectiveTimeout& e) {
    EXPECT_NE(std::string(e.what()).find("ncclAllReduce did not finish within dist.timeout_s"),
              std::string::npos)
        << e.what();
  }
  bool enqueued = false;
  EXPECT_THROW(w.launch("ncclBroadcast", [&] { enqueued = true; }), CollectiveTimeout);
  EXPECT_FALSE(enqueued) << "a launch reached the aborted backend";
  EXPECT_THROW(w.wait("ncclBroadcast"), CollectiveTimeout);
  EXPECT_EQ(b.aborts, 1);
}

// Step 1's collective is launched and finishes, but before the watchdog has seen it finish, step
// 2 launches one that takes most of a timeout: the deadline is step 2's own, not step 1's.
TEST(CollectiveWatch, EachLaunchStartsItsOwnDeadline) {
  Backend b;
  CollectiveWatch w = b.watch(0.4);
  w.launch("step 1", [] {});
  sleep_s(0.3);         // step 1 still pending at 0.3 s (0.1 s before its deadline)
  b.finish_after(0.3);  // the next collective ends 0.6 s after step 1 began: past step 1's deadline
  w.launch("step 2", [] {});
  sleep_s(0.6);
  EXPECT_NO_THROW(w.raise_if_failed());
  EXPECT_EQ(b.aborts, 0) << "step 1's deadline ended step 2";
  // Idle far longer than a timeout between steps: no deadline runs while nothing is in flight.
  sleep_s(0.6);
  b.finish_after(0.2);
  w.launch("step 3", [] {});
  w.wait("step 3");
  EXPECT_EQ(b.aborts, 0);
}

// A launch that stays inside the backend (a thread inside ncclAllReduce while the previous
// collective is overdue): the watchdog aborts only after it has returned.
TEST(CollectiveWatch, NeverAbortsWhileALaunchIsInsideTheBackend) {
  Backend b;
  CollectiveWatch w = b.watch(0.1);
  w.launch("first", [] {});  // never finishes
  std::thread t([&] {
    try {
      w.launch("second", [&] {
        b.inside_launch = true;
        sleep_s(0.4);
        b.inside_launch = false;
      });
    } catch (const CollectiveTimeout&) {
    }
  });
  t.join();
  const auto t0 = Clock::now();
  while (b.aborts == 0 && Clock::now() - t0 < std::chrono::seconds(5)) sleep_s(0.01);
  EXPECT_EQ(b.aborts, 1);
  EXPECT_FALSE(b.aborted_inside_launch);
}

TEST(CollectiveWatch, ABackendFailureAbortsWithItsReason) {
  Backend b;
  CollectiveWatch w = b.watch(10);
  w.launch("ncclAllReduce", [] {});
  b.failed = true;
  try {
    w.wait("ncclAllReduce");
    ADD_FAILURE() << "no error";
  } catch (const CollectiveTimeout&) {
    ADD_FAILURE() << "a failure reported as a timeout";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("ncclAllReduce failed: unhandled system error"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(b.aborts, 1);
}

// Queueing itself ran out of time (NCCL's non-blocking enqueue stuck in progress).
TEST(CollectiveWatch, AnEnqueueThatTimesOutAbortsTheBackend) {
  Backend b;
  CollectiveWatch w = b.watch(10);
  EXPECT_THROW(w.launch("ncclAllReduce",
                        [] { throw CollectiveTimeout("ncclAllReduce could not be queued"); }),
               CollectiveTimeout);
  EXPECT_EQ(b.aborts, 1);
  EXPECT_THROW(w.raise_if_failed(), CollectiveTimeout);
}

}  // namespace
}  // namespace artic
