#include "train/phase_clock.h"

#ifdef ARTIC_TORCH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include <deque>
#include <stdexcept>

namespace artic {

#ifdef ARTIC_TORCH_CUDA
struct PhaseClock::DeviceEvents {
  torch::Device device;
  std::deque<at::cuda::CUDAEvent> events;  // a deque: events are not movable once recorded
};
#else
struct PhaseClock::DeviceEvents {};
#endif

PhaseClock::PhaseClock(const torch::Device& device) {
#ifdef ARTIC_TORCH_CUDA
  if (device.is_cuda()) device_events_ = std::make_unique<DeviceEvents>(DeviceEvents{device, {}});
#else
  if (device.is_cuda()) {
    throw std::invalid_argument("PhaseClock: a CUDA device in a LibTorch build without CUDA");
  }
#endif
}

PhaseClock::~PhaseClock() = default;

size_t PhaseClock::mark() {
#ifdef ARTIC_TORCH_CUDA
  if (device_events_) {
    auto& e = device_events_->events.emplace_back(cudaEventDefault);  // timing enabled
    e.record(c10::cuda::getCurrentCUDAStream(device_events_->device.index()));
    return device_events_->events.size() - 1;
  }
#endif
  host_.push_back(std::chrono::steady_clock::now());
  return host_.size() - 1;
}

double PhaseClock::seconds(size_t from, size_t to) const {
#ifdef ARTIC_TORCH_CUDA
  if (device_events_) {
    return device_events_->events.at(from).elapsed_time(device_events_->events.at(to)) / 1e3;
  }
#endif
  return std::chrono::duration<double>(host_.at(to) - host_.at(from)).count();
}

}  // namespace artic
