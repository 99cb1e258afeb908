// How much memory the process uses, asked of whichever allocator is linked.
#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "baton/server/server.h"

// jemalloc's control interface, present only when jemalloc is linked in.
// NOLINTNEXTLINE(readability-identifier-naming): jemalloc's name
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));
// The sanitizers' allocator counter, present only in ASan builds, where
// malloc is ASan's and mallinfo2() reports nothing.
// NOLINTNEXTLINE(bugprone-reserved-identifier,readability-identifier-naming): the runtime's name
extern "C" size_t __sanitizer_get_current_allocated_bytes() __attribute__((weak));

namespace baton::server {
namespace {

// jemalloc's running totals of the bytes the calling thread allocated and
// freed: exact, and read without a call.
struct ThreadTotals {
  const uint64_t* allocated = nullptr;
  const uint64_t* deallocated = nullptr;
  [[nodiscard]] uint64_t Net() const { return *allocated - *deallocated; }
};

const ThreadTotals* CurrentThreadTotals() {
  static thread_local const ThreadTotals totals = [] {
    ThreadTotals t;
    uint64_t* p = nullptr;
    size_t sz = sizeof(p);
    if (mallctl != nullptr && mallctl("thread.allocatedp", &p, &sz, nullptr, 0) == 0) {
      t.allocated = p;
      sz = sizeof(p);
      if (mallctl("thread.deallocatedp", &p, &sz, nullptr, 0) == 0) t.deallocated = p;
    }
    if (t.deallocated == nullptr) t.allocated = nullptr;
    return t;
  }();
  return totals.allocated != nullptr ? &totals : nullptr;
}

}  // namespace

size_t Server::UsedMemory() const {
  if (mallctl != nullptr) {
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    size_t allocated = 0;
    sz = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &sz, nullptr, 0) == 0) {
      // Freed blocks the thread caches keep count as allocated to jemalloc;
      // the application's live bytes (what Redis's own counter reports)
      // exclude them. 4096 is jemalloc's "all arenas" index.
      size_t cached = 0;
      sz = sizeof(cached);
      if (mallctl("stats.arenas.4096.tcache_bytes", &cached, &sz, nullptr, 0) == 0 &&
          cached < allocated) {
        allocated -= cached;
      }
      if (const ThreadTotals* totals = CurrentThreadTotals()) {
        used_memory_base_ = allocated;
        base_thread_totals_ = totals;
        thread_net_at_base_ = totals->Net();
      }
      return allocated;
    }
  }
  if (__sanitizer_get_current_allocated_bytes != nullptr) {
    return __sanitizer_get_current_allocated_bytes();
  }
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

size_t Server::UsedMemoryFast() const {
  const ThreadTotals* totals = CurrentThreadTotals();
  if (totals == nullptr || totals != base_thread_totals_) return UsedMemory();
  // Signed: this thread may have freed more than it allocated since.
  const auto since = static_cast<int64_t>(totals->Net() - thread_net_at_base_);
  const int64_t used = static_cast<int64_t>(used_memory_base_) + since;
  return used > 0 ? static_cast<size_t>(used) : 0;
}

size_t Server::MemoryNotCountedForEviction() {
  size_t bytes = 0;
  ForEachClient([&](Client& c) {
    if (c.Has(kClientReplica)) bytes += c.OutputBytes();
  });
  return bytes;
}

}  // namespace baton::server
