#include "core/allocator.h"

#include <malloc.h>

namespace argus {

void tune_allocator() {
  // 32 MB is glibc's ceiling for the mmap threshold (half of a thread arena's heap).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace argus
