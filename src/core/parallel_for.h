// Work spread over threads: items taken in turn from a shared counter, so any thread count gives
// the same per-item results.
#pragma once

#include <cstdint>
#include <functional>

namespace artic {

// Calls work(i) for every i in [0, count) on `threads` threads (the caller's among them; <= 0
// means every core), then progress(done, count) after each item, serialized. The first exception
// stops the threads taking new items and is rethrown once they have finished.
void parallel_for(int64_t count, int threads, const std::function<void(int64_t)>& work,
                  const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace artic
