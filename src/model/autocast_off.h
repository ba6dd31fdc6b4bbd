// Turns CPU and CUDA autocast off for the scope of the guard and restores what was on before;
// for both LibTorch 1.13 and 2.x, whose autocast APIs differ.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace artic {

class AutocastOff {
 public:
  AutocastOff() : cuda_(cuda_enabled()), cpu_(cpu_enabled()) {
    set_cuda(false);
    set_cpu(false);
  }
  ~AutocastOff() {
    set_cuda(cuda_);
    set_cpu(cpu_);
  }
  AutocastOff(const AutocastOff&) = delete;
  AutocastOff& operator=(const AutocastOff&) = delete;

 private:
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  static bool cuda_enabled() {
    return at::autocast::is_autocast_enabled(at::kCUDA);
  }
  static bool cpu_enabled() {
    return at::autocast::is_autocast_enabled(at::kCPU);
  }
  static void set_cuda(bool on) {
    at::autocast::set_autocast_enabled(at::kCUDA, on);
  }
  static void set_cpu(bool on) {
    at::autocast::set_autocast_enabled(at::kCPU, on);
  }
#else
  static bool cuda_enabled() {
    return at::autocast::is_enabled();
  }
  static bool cpu_enabled() {
    return at::autocast::is_cpu_enabled();
  }
  static void set_cuda(bool on) {
    at::autocast::set_enabled(on);
  }
  static void set_cpu(bool on) {
    at::autocast::set_cpu_enabled(on);
  }
#endif
  bool cuda_;
  bool cpu_;
};

}  // namespace artic
