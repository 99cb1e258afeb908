// How much memory the process uses, asked of whichever allocator is linked.
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "baton/server/server.h"

// jemalloc's control interface, present only when jemalloc is linked in.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));
// The sanitizers' allocator counter, present only in ASan builds, where
// malloc is ASan's and mallinfo2() reports nothing.
extern "C" size_t __sanitizer_get_current_allocated_bytes()  // NOLINT(bugprone-reserved-identifier)
    __attribute__((weak));

namespace baton::server {

size_t Server::UsedMemory() const {
  if (mallctl != nullptr) {
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    size_t allocated = 0;
    sz = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &sz, nullptr, 0) == 0) return allocated;
  }
  if (__sanitizer_get_current_allocated_bytes != nullptr) {
    return __sanitizer_get_current_allocated_bytes();
  }
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

}  // namespace baton::server
