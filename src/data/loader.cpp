#include "data/loader.h"

#include <chrono>

namespace artic {

BatchLoader::BatchLoader(BatchSampler& sampler, std::vector<Segment> segments, FrameSource source,
                         Normalizer normalizer, LoaderOptions options)
    : sampler_(sampler),
      segments_(std::move(segments)),
      source_(source),
      normalizer_(std::move(normalizer)),
      options_(options) {
  thread_ = std::thread([this] { produce(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BatchLoader::produce() {
  const size_t depth = static_cast<size_t>(std::max<int64_t>(1, options_.prefetch));
  try {
    Batch plan;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stop_ || queue_.size() < depth; });
        if (stop_) return;
      }
      if (!sampler_.next(&plan)) break;
      std::vector<Segment> segs;
      for (int64_t i : plan.items) segs.push_back(segments_.at(static_cast<size_t>(i)));
      TrainBatch batch = collate(segs, source_, normalizer_, options_.normalize_targets);
      batch.state_after = sampler_.state();
      batch.all_ranks_real_frames = plan.all_ranks_real_frames;
      batch.all_ranks_padded_frames = plan.all_ranks_padded_frames;
      if (options_.pin_memory) {
        batch.features = batch.features.pin_memory();
        batch.targets = batch.targets.pin_memory();
        batch.pad_mask = batch.pad_mask.pin_memory();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(std::move(batch));
      }
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  changed_.notify_all();
}

bool BatchLoader::next(TrainBatch* batch) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !queue_.empty() || done_; });
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!queue_.empty()) {
    *batch = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    changed_.notify_all();
    return true;
  }
  if (error_) std::rethrow_exception(error_);
  return false;
}

}  // namespace artic
