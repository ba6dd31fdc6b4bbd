#include "train/device_memory.h"

#include <unistd.h>

#include <c10/core/Device.h>
#include <fstream>
#include <sstream>
#include <string>

#ifdef ARTIC_TORCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>

#include <cstdio>
#endif

namespace artic {
namespace {

DeviceMemory process_memory() {
  DeviceMemory m;
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  if (statm >> size >> resident) m.current_bytes = resident * sysconf(_SC_PAGESIZE);
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream(line.substr(6)) >> m.peak_bytes;
      m.peak_bytes *= 1024;
    }
  }
  m.peak_bytes = std::max(m.peak_bytes, m.current_bytes);
  return m;
}

}  // namespace

DeviceMemory device_memory(const c10::Device& device) {
#ifdef ARTIC_TORCH_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
    const auto& allocated = stats.allocated_bytes[0];  // StatType::AGGREGATE in every version
    return {allocated.current, allocated.peak};
  }
#else
  (void)device;
#endif
  return process_memory();
}

std::string device_pci_address(const c10::Device& device) {
#ifdef ARTIC_TORCH_CUDA
  if (device.is_cuda()) {
    const cudaDeviceProp* p = at::cuda::getDeviceProperties(device.index());
    char text[32];
    std::snprintf(text, sizeof text, "%04x:%02x:%02x.0", static_cast<unsigned>(p->pciDomainID),
                  static_cast<unsigned>(p->pciBusID), static_cast<unsigned>(p->pciDeviceID));
    return text;
  }
#else
  (void)device;
#endif
  return {};
}

}  // namespace artic
