#include "dist/collective_watch.h"

#include <sstream>
#include <stdexcept>
#include <utility>

#include "dist/topology.h"

namespace artic {

using Clock = std::chrono::steady_clock;

CollectiveWatch::CollectiveWatch(double timeout_s, std::function<State(std::string*)> poll,
                                 std::function<void()> abort)
    : timeout_s_(timeout_s), poll_(std::move(poll)), abort_(std::move(abort)) {
  watchdog_ = std::thread([this] { watch(); });
}

CollectiveWatch::~CollectiveWatch() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  watchdog_.join();
}

void CollectiveWatch::launch(const char* what, const std::function<void()>& enqueue) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (aborted_) throw_failure_locked();
  try {
    enqueue();
  } catch (const std::exception& e) {  // a backend that failed to queue is not used again
    abort_locked(e.what(), dynamic_cast<const CollectiveTimeout*>(&e) != nullptr);
    throw_failure_locked();
  }
  what_ = what;
  deadline_ = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(timeout_s_ * 1e6));
  watching_ = true;
  lock.unlock();
  changed_.notify_all();
}

void CollectiveWatch::wait(const char* what) {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (aborted_) throw_failure_locked();
      if (!watching_) return;
      if (!pending_locked(what)) {
        if (aborted_) throw_failure_locked();
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

bool CollectiveWatch::pending_locked(const char* what) {
  std::string why;
  const State s = poll_(&why);
  if (s == State::Done) {
    watching_ = false;
  } else if (s == State::Failed) {
    abort_locked(std::string(what) + " failed: " + why, false);
  } else if (Clock::now() > deadline_) {
    abort_locked(timeout_message(what), true);
  }
  return watching_;
}

void CollectiveWatch::raise_if_failed() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (aborted_) throw_failure_locked();
}

void CollectiveWatch::throw_failure_locked() const {
  if (timed_out_) throw CollectiveTimeout(failure_);
  throw std::runtime_error(failure_);
}

void CollectiveWatch::watch() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    if (!watching_ || aborted_) {
      changed_.wait(lock);
      continue;
    }
    if (pending_locked(what_)) changed_.wait_for(lock, std::chrono::milliseconds(1));
  }
}

void CollectiveWatch::abort_locked(const std::string& why, bool timed_out) {
  if (aborted_) return;
  failure_ = why + "; its communicator was aborted";
  aborted_ = true;
  timed_out_ = timed_out;
  watching_ = false;
  abort_();
}

std::string CollectiveWatch::timeout_message(const char* what) const {
  std::ostringstream text;
  text << what << " did not finish within dist.timeout_s = " << timeout_s_ << " s";
  return text.str();
}

}  // namespace artic
