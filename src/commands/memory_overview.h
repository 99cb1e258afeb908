// Where the server's memory goes: one computation behind INFO memory and
// MEMORY STATS, so the two always agree.
#pragma once

#include <cstdint>
#include <vector>

#include "baton/server/server.h"

namespace baton::commands {

struct DatabaseOverhead {
  int index = 0;
  // The key table's and the expiry index's buckets (Database reports them
  // together), and the expiry index's entries.
  uint64_t main_table = 0;
  uint64_t expires = 0;
};

struct MemoryOverview {
  uint64_t used = 0;  // bytes allocated (the allocator's count)
  uint64_t peak = 0;
  uint64_t rss = 0;
  uint64_t clients_normal = 0;    // buffers of ordinary clients
  uint64_t clients_replicas = 0;  // buffers of replica links
  uint64_t overhead = 0;          // tables and client buffers: not the data
  uint64_t dataset = 0;           // used - overhead
  uint64_t keys = 0;
  std::vector<DatabaseOverhead> databases;  // those holding keys
};

// Samples used memory (updating the peak) and sums the overheads.
MemoryOverview ComputeMemoryOverview(server::Server& server);

// Resident set size of this process, in bytes.
uint64_t ResidentSetBytes();

}  // namespace baton::commands
