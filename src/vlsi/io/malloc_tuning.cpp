#include "vlsi/io/malloc_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace vlsi::io {

void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  // mmap only above 32 MiB (glibc's maximum on 64-bit); never trim the heap
  // top below 1 GiB of slack; grow it 64 MiB at a time.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace vlsi::io
