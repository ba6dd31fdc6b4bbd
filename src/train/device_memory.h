// Facts about the training device: memory in use (the CUDA caching allocator's allocated bytes on
// a GPU, the process's resident set on CPU) and which physical GPU it is.
#pragma once

#include <cstdint>
#include <string>

namespace c10 {
struct Device;
}

namespace artic {

struct DeviceMemory {
  int64_t current_bytes = 0;
  int64_t peak_bytes = 0;
};

DeviceMemory device_memory(const c10::Device& device);

// A CUDA device's PCI address ("0000:1b:00.0"), the same whatever CUDA_VISIBLE_DEVICES numbers
// it; empty for the CPU.
std::string device_pci_address(const c10::Device& device);

}  // namespace artic
