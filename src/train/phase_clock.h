// The phase times of a training step as the device runs them: the host clock on a CPU; on a GPU,
// CUDA events recorded on the current stream (a host clock there would time kernel launches,
// and the step's one synchronisation would land in whichever phase comes last). Events are read
// after that synchronisation, so timing adds no host wait.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <vector>

namespace artic {

class PhaseClock {
 public:
  explicit PhaseClock(const torch::Device& device);
  ~PhaseClock();
  PhaseClock(const PhaseClock&) = delete;
  PhaseClock& operator=(const PhaseClock&) = delete;
  // Marks this point of the device's timeline; returns its index.
  size_t mark();
  // Seconds between two marks; on a GPU only once the work queued before `to` has finished (after
  // the step's device-to-host copy).
  double seconds(size_t from, size_t to) const;
  bool on_device() const { return device_events_ != nullptr; }

 private:
  struct DeviceEvents;
  std::vector<std::chrono::steady_clock::time_point> host_;
  std::unique_ptr<DeviceEvents> device_events_;
};

}  // namespace artic
