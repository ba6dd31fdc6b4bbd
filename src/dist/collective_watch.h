// The deadline of a device backend's asynchronous collectives, held by a watchdog thread (the
// NCCL communicator's; CPU-testable with any backend). Each launch starts its own deadline, so
// none carries into a later step; past it, or when the backend reports a failure, the backend is
// aborted once, never while a launch is inside it (launches and the abort exclude each other),
// and every later launch and raise_if_failed() throws: CollectiveTimeout for a deadline, a
// std::runtime_error for a backend failure.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace artic {

class CollectiveWatch {
 public:
  enum class State { Done, Pending, Failed };
  // poll: the state of the last launched collective (with the reason when Failed); abort: ends
  // the backend's collectives (called at most once, from the watchdog or a launching thread).
  CollectiveWatch(double timeout_s, std::function<State(std::string* why)> poll,
                  std::function<void()> abort);
  ~CollectiveWatch();
  CollectiveWatch(const CollectiveWatch&) = delete;
  CollectiveWatch& operator=(const CollectiveWatch&) = delete;

  // Runs `enqueue` (which starts collective `what` and returns once it is queued) unless the
  // backend was aborted; the collective's deadline starts when it is queued. An exception from
  // `enqueue` aborts the backend (CollectiveTimeout: queueing itself ran out of time). Throws
  // what raise_if_failed throws.
  void launch(const char* what, const std::function<void()>& enqueue);
  // Waits on the host until the last launched collective is done (synchronous collectives).
  void wait(const char* what);
  void raise_if_failed();
  double timeout_s() const { return timeout_s_; }

 private:
  void watch();
  // Polls the last collective: done (stops watching), failed or past its deadline (aborts);
  // whether it is still being watched.
  bool pending_locked(const char* what);
  void abort_locked(const std::string& why, bool timed_out);
  [[noreturn]] void throw_failure_locked() const;
  std::string timeout_message(const char* what) const;

  double timeout_s_;
  std::function<State(std::string*)> poll_;
  std::function<void()> abort_;
  std::mutex mutex_;  // held by launches, the watchdog's polls and the abort
  std::condition_variable changed_;
  bool watching_ = false, stop_ = false, aborted_ = false, timed_out_ = false;
  const char* what_ = "";
  std::chrono::steady_clock::time_point deadline_;
  std::string failure_;
  std::thread watchdog_;
};

}  // namespace artic
