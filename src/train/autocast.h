// CUDA autocast to bfloat16 for the scope of the guard (a no-op when `on` is false); written
// for both LibTorch 1.13 and 2.x, whose autocast APIs differ.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace artic {

class CudaBf16Autocast {
 public:
  explicit CudaBf16Autocast(bool on) : on_(on) {
    if (on_) set(true);
  }
  ~CudaBf16Autocast() {
    if (on_) {
      set(false);
      at::autocast::clear_cache();
    }
  }
  CudaBf16Autocast(const CudaBf16Autocast&) = delete;
  CudaBf16Autocast& operator=(const CudaBf16Autocast&) = delete;

 private:
  static void set(bool enabled) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(enabled);
#endif
  }
  bool on_;
};

}  // namespace artic
