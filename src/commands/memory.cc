// MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP: where the
// memory goes, per key and for the whole server.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "baton/commands/helpers.h"
#include "baton/server/server.h"
#include "baton/store/compact_list.h"
#include "keyspace.h"
#include "memory_overview.h"

// jemalloc's interfaces, present only when jemalloc is linked in.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));
extern "C" void malloc_stats_print(void (*write_cb)(void*, const char*), void* cbopaque,
                                   const char* opts) __attribute__((weak));

namespace baton::commands {

uint64_t ResidentSetBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages_total = 0;
  uint64_t pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return pages_resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

MemoryOverview ComputeMemoryOverview(server::Server& server) {
  MemoryOverview m;
  m.used = server.UsedMemory();
  if (m.used > server.peak_memory) server.peak_memory = m.used;
  m.peak = server.peak_memory;
  m.rss = ResidentSetBytes();
  for (int i = 0; i < server.db_count(); ++i) {
    const store::Database& db = server.db(i);
    const uint64_t total = db.OverheadBytes();
    m.overhead += total;
    m.keys += db.size();
    if (db.size() == 0) continue;
    const uint64_t expires = db.expires_size() * sizeof(store::ExpireEntry);
    m.databases.push_back({.index = i, .main_table = total - expires, .expires = expires});
  }
  server.ForEachClient([&](server::Client& c) {
    const uint64_t bytes = c.OutputBytes() + c.QueryBufferBytes() + sizeof(server::Client);
    (c.Has(server::kClientReplica) ? m.clients_replicas : m.clients_normal) += bytes;
  });
  m.overhead += m.clients_normal + m.clients_replicas;
  m.dataset = m.used > m.overhead ? m.used - m.overhead : 0;
  return m;
}

namespace {

double Ratio(uint64_t a, uint64_t b) {
  return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0;
}

// MEMORY USAGE key [SAMPLES count]
// Bytes held by the key: its table entry (with the key's bytes) and its
// value. Baton counts aggregates exactly, so SAMPLES is checked, not needed.
void MemoryUsage(server::CommandContext& ctx) {
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    if (!ArgIs(ctx, i, "samples") || i + 1 >= ctx.argc()) {
      return ctx.reply.Error(server::err::kSyntax);
    }
    int64_t samples = 0;
    if (!ParseIntArg(ctx, i + 1, &samples)) return;
    if (samples < 0) return ctx.reply.Error(server::err::kSyntax);
  }
  // Like Redis's dbFind: no keyspace hit/miss, no access time, no expiry.
  store::KeyEntry* e =
      FindKeyWrite(ctx, ctx.arg(2), store::kLookupNoTouch | store::kLookupNoExpire);
  if (e == nullptr) return ctx.reply.Null();
  const size_t entry = store::RoundAlloc(sizeof(store::KeyEntry) + e->key_len);
  ctx.reply.Integer(static_cast<int64_t>(entry + e->value.MemoryUsage()));
}

// MEMORY STATS
// The same accounting as INFO memory, as a map (db.N maps for databases
// holding keys).
void MemoryStats(server::CommandContext& ctx) {
  const MemoryOverview m = ComputeMemoryOverview(ctx.server);
  auto& r = ctx.reply;
  r.Map(27 + m.databases.size());
  auto integer = [&](std::string_view name, uint64_t v) {
    r.Bulk(name);
    r.Integer(static_cast<int64_t>(v));
  };
  auto real = [&](std::string_view name, double v) {
    r.Bulk(name);
    r.Double(v);
  };
  integer("peak.allocated", m.peak);
  integer("total.allocated", m.used);
  integer("startup.allocated", 0);
  integer("replication.backlog", 0);
  integer("clients.slaves", m.clients_replicas);
  integer("clients.normal", m.clients_normal);
  integer("cluster.links", 0);
  integer("aof.buffer", 0);
  integer("lua.caches", 0);
  integer("functions.caches", 0);
  for (const DatabaseOverhead& db : m.databases) {
    r.Bulk("db." + std::to_string(db.index));
    r.Map(3);
    integer("overhead.hashtable.main", db.main_table);
    integer("overhead.hashtable.expires", db.expires);
    integer("overhead.hashtable.slot-to-keys", 0);
  }
  integer("overhead.total", m.overhead);
  integer("keys.count", m.keys);
  integer("keys.bytes-per-key", m.keys > 0 ? m.used / m.keys : 0);
  integer("dataset.bytes", m.dataset);
  real("dataset.percentage", 100.0 * Ratio(m.dataset, m.used));
  real("peak.percentage", 100.0 * Ratio(m.used, m.peak));
  integer("allocator.allocated", m.used);
  integer("allocator.active", m.used);
  integer("allocator.resident", m.rss);
  real("allocator-fragmentation.ratio", 1.0);
  integer("allocator-fragmentation.bytes", 0);
  real("allocator-rss.ratio", Ratio(m.rss, m.used));
  r.Bulk("allocator-rss.bytes");
  r.Integer(static_cast<int64_t>(m.rss) - static_cast<int64_t>(m.used));
  real("rss-overhead.ratio", 1.0);
  integer("rss-overhead.bytes", 0);
  real("fragmentation", Ratio(m.rss, m.used));
  r.Bulk("fragmentation.bytes");
  r.Integer(static_cast<int64_t>(m.rss) - static_cast<int64_t>(m.used));
}

// MEMORY DOCTOR
// A short report in plain words: what looks wrong, or that nothing does.
void MemoryDoctor(server::CommandContext& ctx) {
  constexpr uint64_t kTooSmallToJudge = 5ULL << 20;
  const MemoryOverview m = ComputeMemoryOverview(ctx.server);
  std::string report;
  if (m.used < kTooSmallToJudge) {
    report =
        "This instance holds less than 5 MB, too little for the memory checks to mean "
        "anything. Ask again once it holds data.";
    return ctx.reply.Verbatim(report);
  }
  const double frag = Ratio(m.rss, m.used);
  if (m.peak > m.used + m.used / 2) {
    report += "* Peak: memory use once reached " + std::to_string(m.peak) +
              " bytes, more than 150% of today's " + std::to_string(m.used) +
              ". The allocator may keep some of those pages; MEMORY PURGE returns what it can.\n";
  }
  if (frag > 1.4) {
    report += "* Fragmentation: the process holds " + std::to_string(m.rss) + " bytes for " +
              std::to_string(m.used) +
              " bytes of data. A restart, or a replica resync, compacts the dataset.\n";
  }
  if (m.clients_normal > 200ULL << 20) {
    report += "* Client buffers: ordinary clients hold " + std::to_string(m.clients_normal) +
              " bytes of buffers; check client-output-buffer-limit and slow readers.\n";
  }
  if (m.clients_replicas > 10ULL << 20) {
    report += "* Replica buffers: replica links hold " + std::to_string(m.clients_replicas) +
              " bytes; a replica is reading slowly or a full sync is running.\n";
  }
  if (report.empty()) report = "No memory problems found: usage, peak and fragmentation look sane.";
  ctx.reply.Verbatim(report);
}

// MEMORY MALLOC-STATS
// The allocator's own statistics report (jemalloc's), or a line saying the
// allocator has none.
void MemoryMallocStats(server::CommandContext& ctx) {
  if (malloc_stats_print == nullptr) {
    return ctx.reply.Verbatim("Stats not supported for the current allocator");
  }
  std::string text;
  malloc_stats_print(
      [](void* out, const char* chunk) { static_cast<std::string*>(out)->append(chunk); }, &text,
      nullptr);
  ctx.reply.Verbatim(text);
}

// MEMORY PURGE
// Asks jemalloc to return its dirty pages to the system.
void MemoryPurge(server::CommandContext& ctx) {
  if (mallctl != nullptr) {
    // 4096 is jemalloc's MALLCTL_ARENAS_ALL: every arena.
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
  }
  ctx.reply.Ok();
}

// MEMORY HELP
void MemoryHelp(server::CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterMemoryCommand(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto sub = [](const char* name, CommandHandler handler, const char* summary,
                const char* complexity) {
    return CommandSpec{.name = name,
                       .arity = 2,
                       .handler = handler,
                       .group = "server",
                       .summary = summary,
                       .since = "4.0.0",
                       .complexity = complexity};
  };
  std::vector<CommandSpec> subs;
  subs.push_back(sub("doctor", MemoryDoctor, "Outputs memory problems report", "O(1)"));
  subs.back().tips = {"nondeterministic_output", "request_policy:all_shards",
                      "response_policy:special"};
  subs.push_back(sub("malloc-stats", MemoryMallocStats, "Show allocator internal stats",
                     "Depends on how much memory is allocated, could be slow"));
  subs.back().tips = {"nondeterministic_output", "request_policy:all_shards",
                      "response_policy:special"};
  subs.push_back(sub("purge", MemoryPurge, "Ask the allocator to release memory",
                     "Depends on how much memory is allocated, could be slow"));
  subs.back().tips = {"request_policy:all_shards", "response_policy:all_succeeded"};
  subs.push_back(sub("stats", MemoryStats, "Show memory usage details", "O(1)"));
  subs.back().tips = {"nondeterministic_output", "request_policy:all_shards",
                      "response_policy:special"};
  subs.push_back(CommandSpec{.name = "usage",
                             .arity = -3,
                             .flags = kCmdReadonly,
                             .first_key = 2,
                             .last_key = 2,
                             .key_step = 1,
                             .handler = MemoryUsage,
                             .group = "server",
                             .summary = "Estimate the memory usage of a key",
                             .since = "4.0.0",
                             .complexity = "O(N) where N is the number of samples.",
                             .key_spec_flags = {"RO"}});
  subs.push_back(CommandSpec{.name = "help",
                             .arity = 2,
                             .flags = kCmdLoading | kCmdStale,
                             .handler = MemoryHelp,
                             .group = "server",
                             .summary = "Show helpful text about the different subcommands",
                             .since = "4.0.0",
                             .complexity = "O(1)"});
  server.commands().Add({.name = "memory",
                         .arity = -2,
                         .group = "server",
                         .summary = "A container for memory diagnostics commands",
                         .since = "4.0.0",
                         .complexity = "Depends on subcommand.",
                         .subcommands = std::move(subs)});
}

}  // namespace baton::commands
