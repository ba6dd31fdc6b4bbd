#include "core/heap.h"

#include <cstdlib>
#include <initializer_list>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace artic {

void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  for (const char* name : {"ARTIC_SYSTEM_MALLOC", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_"}) {
    if (std::getenv(name) != nullptr) return;
  }
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace artic
