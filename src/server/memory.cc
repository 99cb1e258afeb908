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

namespace {

// jemalloc's running totals for the calling thread, read through pointers it
// hands out once: no stats refresh (an "epoch" refresh zeroes and merges
// every arena's statistics, which cost an idle server a tenth of a core when
// done ten times a second). The event loop's thread makes the allocations
// that matter, so its balance is the dataset's memory.
struct ThreadCounters {
  const uint64_t* allocated = nullptr;
  const uint64_t* deallocated = nullptr;
};

ThreadCounters JemallocThreadCounters() {
  ThreadCounters t;
  uint64_t* p = nullptr;
  size_t sz = sizeof(p);
  if (mallctl("thread.allocatedp", static_cast<void*>(&p), &sz, nullptr, 0) == 0) t.allocated = p;
  sz = sizeof(p);
  if (mallctl("thread.deallocatedp", static_cast<void*>(&p), &sz, nullptr, 0) == 0) {
    t.deallocated = p;
  }
  return t;
}

}  // namespace

size_t Server::UsedMemory() const {
  if (mallctl != nullptr) {
    // Only ever called on the event loop's thread (and in its forked child,
    // where the same thread's counters live at the same addresses).
    static const ThreadCounters counters = JemallocThreadCounters();
    if (counters.allocated != nullptr && counters.deallocated != nullptr &&
        *counters.allocated >= *counters.deallocated) {
      return static_cast<size_t>(*counters.allocated - *counters.deallocated);
    }
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
