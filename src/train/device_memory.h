// Memory in use on the training device: the CUDA caching allocator's allocated bytes on a GPU,
// the process's resident set on CPU.
#pragma once

#include <cstdint>

namespace c10 {
struct Device;
}

namespace artic {

struct DeviceMemory {
  int64_t current_bytes = 0;
  int64_t peak_bytes = 0;
};

DeviceMemory device_memory(const c10::Device& device);

}  // namespace artic
