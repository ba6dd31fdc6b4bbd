// Prefetching loader: a background thread turns the sampler's next micro-batches into
// collated tensors, at most `prefetch` ahead (bounded queue). Errors in the thread are
// rethrown from next(); destruction stops and joins the thread. With pin_memory, batches
// are in page-locked memory so host-to-device copies can be non-blocking.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "data/batch.h"

namespace artic {

struct LoaderOptions {
  int64_t prefetch = 4;
  bool pin_memory = false;
  bool normalize_targets = true;
};

class BatchLoader {
 public:
  // The sampler must outlive the loader; batches follow the sampler from its current state.
  BatchLoader(BatchSampler& sampler, std::vector<Segment> segments, FrameSource source,
              Normalizer normalizer, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The next batch of the epoch; false at its end. Rethrows a producer error.
  bool next(TrainBatch* batch);
  // Seconds next() spent waiting for the producer, in total.
  double wait_seconds() const { return wait_seconds_; }

 private:
  void produce();

  BatchSampler& sampler_;
  std::vector<Segment> segments_;
  FrameSource source_;
  Normalizer normalizer_;
  LoaderOptions options_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<TrainBatch> queue_;
  bool done_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
  double wait_seconds_ = 0;
  std::thread thread_;
};

}  // namespace artic
