#include "info_sections.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <unordered_set>

#include "baton/persistence/aof.h"
#include "baton/persistence/snapshot.h"
#include "baton/replication/replication.h"
#include "baton/server/server.h"
#include "baton/server/version.h"
#include "baton/util/strings.h"
#include "memory_overview.h"

namespace baton::commands::info {
namespace {

constexpr int64_t kLruClockMax = (1 << 24) - 1;

std::string FormatFixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

std::string FormatTimeval(const timeval& tv) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec));
  return buf;
}

uint64_t SystemMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGESIZE);
  if (pages < 0 || page_size < 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

std::string ConfigValue(server::Server& server, std::string_view name) {
  const config::ParamSpec* p = server.config().Find(name);
  return p != nullptr ? server.config().Get(*p) : std::string();
}

std::string OsName() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release + " " + u.machine;
}

std::string CompilerVersion() {
#if defined(__GNUC__)
  return std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
         std::to_string(__GNUC_PATCHLEVEL__);
#else
  return "0.0.0";
#endif
}

}  // namespace

void SectionWriter::Field(std::string_view name, std::string_view value) {
  out_->append(name);
  out_->push_back(':');
  out_->append(value);
  out_->append("\r\n");
}

void SectionWriter::Field(std::string_view name, int64_t value) {
  Field(name, std::string_view(std::to_string(value)));
}

void SectionWriter::Field(std::string_view name, uint64_t value) {
  Field(name, std::string_view(std::to_string(value)));
}

void SectionWriter::Fixed(std::string_view name, double value, int decimals) {
  Field(name, std::string_view(FormatFixed(value, decimals)));
}

void SectionWriter::Line(std::string_view line) {
  out_->append(line);
  out_->append("\r\n");
}

std::string BytesToHuman(uint64_t bytes) {
  static constexpr std::array<const char*, 5> kUnits = {"K", "M", "G", "T", "P"};
  const auto d = static_cast<double>(bytes);
  if (bytes < 1024) return std::to_string(bytes) + "B";
  double scale = 1024;
  for (const char* unit : kUnits) {
    if (d < scale * 1024 || unit == kUnits.back()) return FormatFixed(d / scale, 2) + unit;
    scale *= 1024;
  }
  return std::to_string(bytes) + "B";
}

void ServerSection(server::Server& server, SectionWriter& w) {
  const auto& s = server.settings();
  const int64_t now_ms = server.NowMs();
  const int64_t uptime_s = (now_ms - server.start_time_ms()) / 1000;
  w.Field("redis_version", server::kRedisCompatVersion);
  w.Field("redis_git_sha1", "00000000");
  w.Field("redis_git_dirty", 0);
  w.Field("redis_build_id", "0");
  w.Field("redis_mode", "standalone");
  w.Field("os", OsName());
  w.Field("arch_bits", static_cast<int64_t>(sizeof(void*) * 8));
  w.Field("monotonic_clock", "POSIX clock_gettime");
  w.Field("multiplexing_api", "epoll");
  w.Field("atomicvar_api", "c11-builtin");
  w.Field("gcc_version", CompilerVersion());
  w.Field("process_id", static_cast<int64_t>(getpid()));
  w.Field("process_supervised", "no");
  w.Field("run_id", server.run_id());
  w.Field("tcp_port", static_cast<int64_t>(server.BoundPort() != 0 ? server.BoundPort() : s.port));
  w.Field("server_time_usec", server.NowUs());
  w.Field("uptime_in_seconds", uptime_s);
  w.Field("uptime_in_days", uptime_s / 86400);
  w.Field("hz", s.hz);
  w.Field("configured_hz", s.hz);
  w.Field("lru_clock", (now_ms / 1000) & kLruClockMax);
  w.Field("executable", server.executable);
  w.Field("config_file", server.config().config_file());
  w.Field("io_threads_active", 0);
  w.Field("baton_version", server::kBatonVersion);
}

void ClientsSection(server::Server& server, SectionWriter& w) {
  int64_t connected = 0;
  int64_t blocked = 0;
  int64_t relayed = 0;
  size_t max_input = 0;
  size_t max_output = 0;
  server.ForEachClient([&](server::Client& c) {
    if (!c.Has(server::kClientReplica)) ++connected;
    if (c.Has(server::kClientBlocked)) ++blocked;
    if (c.Has(server::kClientRelayed)) ++relayed;
    max_input = std::max(max_input, c.QueryBufferBytes());
    max_output = std::max(max_output, c.OutputBytes());
  });
  w.Field("connected_clients", connected);
  w.Field("cluster_connections", 0);
  w.Field("maxclients", server.settings().maxclients);
  w.Field("client_recent_max_input_buffer", static_cast<uint64_t>(max_input));
  w.Field("client_recent_max_output_buffer", static_cast<uint64_t>(max_output));
  w.Field("blocked_clients", blocked);
  w.Field("tracking_clients", 0);
  w.Field("clients_in_timeout_table", 0);
  // Baton: legacy sessions handed over to the new primary after a FAILOVER.
  w.Field("relayed_clients", relayed);
}

void MemorySection(server::Server& server, SectionWriter& w) {
  const auto& s = server.settings();
  const MemoryOverview m = ComputeMemoryOverview(server);
  const uint64_t used = m.used;
  const uint64_t peak = m.peak;
  const uint64_t rss = m.rss;
  const uint64_t overhead = m.overhead;
  const uint64_t dataset = m.dataset;
  const uint64_t clients_normal = m.clients_normal;
  const uint64_t clients_replicas = m.clients_replicas;
  const uint64_t system = SystemMemoryBytes();
  const double frag = used > 0 ? static_cast<double>(rss) / static_cast<double>(used) : 0;
  w.Field("used_memory", used);
  w.Field("used_memory_human", BytesToHuman(used));
  w.Field("used_memory_rss", rss);
  w.Field("used_memory_rss_human", BytesToHuman(rss));
  w.Field("used_memory_peak", peak);
  w.Field("used_memory_peak_human", BytesToHuman(peak));
  w.Field(
      "used_memory_peak_perc",
      FormatFixed(peak > 0 ? 100.0 * static_cast<double>(used) / static_cast<double>(peak) : 0, 2) +
          "%");
  w.Field("used_memory_overhead", overhead);
  w.Field("used_memory_startup", 0);
  w.Field("used_memory_dataset", dataset);
  w.Field("used_memory_dataset_perc",
          FormatFixed(
              used > 0 ? 100.0 * static_cast<double>(dataset) / static_cast<double>(used) : 0, 2) +
              "%");
  w.Field("allocator_allocated", used);
  w.Field("allocator_active", used);
  w.Field("allocator_resident", rss);
  w.Field("total_system_memory", system);
  w.Field("total_system_memory_human", BytesToHuman(system));
  w.Field("used_memory_lua", 0);
  w.Field("used_memory_vm_eval", 0);
  w.Field("used_memory_lua_human", "0B");
  w.Field("used_memory_scripts_eval", 0);
  w.Field("number_of_cached_scripts", 0);
  w.Field("number_of_functions", 0);
  w.Field("number_of_libraries", 0);
  w.Field("used_memory_vm_functions", 0);
  w.Field("used_memory_vm_total", 0);
  w.Field("used_memory_vm_total_human", "0B");
  w.Field("used_memory_functions", 0);
  w.Field("used_memory_scripts", 0);
  w.Field("used_memory_scripts_human", "0B");
  w.Field("maxmemory", s.maxmemory);
  w.Field("maxmemory_human", BytesToHuman(static_cast<uint64_t>(s.maxmemory)));
  w.Field("maxmemory_policy", ConfigValue(server, "maxmemory-policy"));
  w.Fixed("allocator_frag_ratio", 1.0, 2);
  w.Field("allocator_frag_bytes", 0);
  w.Fixed("allocator_rss_ratio", frag, 2);
  w.Field("allocator_rss_bytes", static_cast<int64_t>(rss) - static_cast<int64_t>(used));
  w.Fixed("rss_overhead_ratio", 1.0, 2);
  w.Field("rss_overhead_bytes", 0);
  w.Fixed("mem_fragmentation_ratio", frag, 2);
  w.Field("mem_fragmentation_bytes", static_cast<int64_t>(rss) - static_cast<int64_t>(used));
  w.Field("mem_not_counted_for_evict", server.MemoryNotCountedForEviction());
  w.Field("mem_replication_backlog", 0);
  w.Field("mem_total_replication_buffers", 0);
  w.Field("mem_clients_slaves", clients_replicas);
  w.Field("mem_clients_normal", clients_normal);
  w.Field("mem_cluster_links", 0);
  w.Field("mem_aof_buffer", 0);
  w.Field("mem_allocator", server.allocator_name);
  w.Field("active_defrag_running", 0);
  w.Field("lazyfree_pending_objects", 0);
  w.Field("lazyfreed_objects", 0);
}

void PersistenceSection(server::Server& server, SectionWriter& w) {
  persistence::Persistence& p = persistence::Persistence::Of(server);
  const persistence::RdbStats& rdb = p.rdb();
  persistence::Aof& aof = p.aof();
  const persistence::AofStats& as = aof.stats();
  const bool aof_on = aof.state() != persistence::AofState::kOff;
  w.Field("loading", server.dispatcher().loading ? 1 : 0);
  w.Field("async_loading", 0);
  w.Field("current_cow_peak", 0);
  w.Field("current_cow_size", 0);
  w.Field("current_cow_size_age", 0);
  w.Field("current_fork_perc", "0.00");
  w.Field("current_save_keys_processed", 0);
  w.Field("current_save_keys_total", 0);
  w.Field("rdb_changes_since_last_save", server.dirty());
  w.Field("rdb_bgsave_in_progress", p.BgsaveInProgress() ? 1 : 0);
  w.Field("rdb_last_save_time", rdb.last_save_time_s);
  w.Field("rdb_last_bgsave_status", rdb.last_bgsave_ok ? "ok" : "err");
  w.Field("rdb_last_bgsave_time_sec", rdb.last_bgsave_time_sec);
  w.Field("rdb_current_bgsave_time_sec", p.CurrentBgsaveSeconds());
  w.Field("rdb_saves", rdb.saves);
  w.Field("rdb_last_cow_size", 0);
  w.Field("rdb_last_load_keys_expired", rdb.last_load_keys_expired);
  w.Field("rdb_last_load_keys_loaded", rdb.last_load_keys_loaded);
  w.Field("aof_enabled", aof_on ? 1 : 0);
  w.Field("aof_rewrite_in_progress", aof.rewrite_in_progress() ? 1 : 0);
  w.Field("aof_rewrite_scheduled", aof.rewrite_scheduled ? 1 : 0);
  w.Field("aof_last_rewrite_time_sec", as.last_rewrite_time_sec);
  w.Field("aof_current_rewrite_time_sec", aof.CurrentRewriteSeconds());
  w.Field("aof_last_bgrewrite_status", as.last_rewrite_ok ? "ok" : "err");
  w.Field("aof_rewrites", as.rewrites);
  w.Field("aof_rewrites_consecutive_failures", as.consecutive_failures);
  w.Field("aof_last_write_status", as.last_write_ok ? "ok" : "err");
  w.Field("aof_last_cow_size", 0);
  w.Field("module_fork_in_progress", 0);
  w.Field("module_fork_last_cow_size", 0);
  if (aof_on) {
    w.Field("aof_current_size", as.current_size);
    w.Field("aof_base_size", as.base_size);
    w.Field("aof_pending_rewrite", aof.rewrite_scheduled ? 1 : 0);
    w.Field("aof_buffer_length", static_cast<int64_t>(aof.buffer_length()));
    w.Field("aof_pending_bio_fsync", aof.pending_fsyncs());
    w.Field("aof_delayed_fsync", as.delayed_fsync);
  }
}

void StatsSection(server::Server& server, SectionWriter& w) {
  const server::ServerStats& st = server.stats();
  std::unordered_set<std::string_view> channels;
  std::unordered_set<std::string_view> patterns;
  std::unordered_set<std::string_view> shard_channels;
  server.ForEachClient([&](server::Client& c) {
    for (const auto& ch : c.channels()) channels.insert(ch);
    for (const auto& p : c.patterns()) patterns.insert(p);
    for (const auto& ch : c.shard_channels()) shard_channels.insert(ch);
  });
  w.Field("total_connections_received", st.total_connections_received);
  w.Field("total_commands_processed", st.total_commands_processed);
  w.Field("instantaneous_ops_per_sec", static_cast<int64_t>(st.ops.PerSecond()));
  w.Field("total_net_input_bytes", st.net_input_bytes);
  w.Field("total_net_output_bytes", st.net_output_bytes);
  w.Field("total_net_repl_input_bytes", 0);
  w.Field("total_net_repl_output_bytes", 0);
  w.Fixed("instantaneous_input_kbps", st.input_bytes.PerSecond() / 1024, 2);
  w.Fixed("instantaneous_output_kbps", st.output_bytes.PerSecond() / 1024, 2);
  w.Field("instantaneous_input_repl_kbps", "0.00");
  w.Field("instantaneous_output_repl_kbps", "0.00");
  w.Field("rejected_connections", st.rejected_connections);
  w.Field("sync_full", 0);
  w.Field("sync_partial_ok", 0);
  w.Field("sync_partial_err", 0);
  w.Field("expired_keys", st.expired_keys);
  w.Field("expired_stale_perc", "0.00");
  w.Field("expired_time_cap_reached_count", 0);
  w.Field("expire_cycle_cpu_milliseconds", st.expire_cycle_cpu_ms);
  w.Field("evicted_keys", st.evicted_keys);
  w.Field("evicted_clients", 0);
  w.Field("total_eviction_exceeded_time", server.evictor().ExceededMsTotal(server.NowMs()));
  w.Field("current_eviction_exceeded_time", server.evictor().ExceededMsCurrent(server.NowMs()));
  w.Field("keyspace_hits", st.keyspace_hits);
  w.Field("keyspace_misses", st.keyspace_misses);
  w.Field("pubsub_channels", static_cast<uint64_t>(channels.size()));
  w.Field("pubsub_patterns", static_cast<uint64_t>(patterns.size()));
  w.Field("pubsubshard_channels", static_cast<uint64_t>(shard_channels.size()));
  w.Field("latest_fork_usec", 0);
  w.Field("total_forks", 0);
  w.Field("migrate_cached_sockets", 0);
  w.Field("slave_expires_tracked_keys", 0);
  w.Field("active_defrag_hits", 0);
  w.Field("active_defrag_misses", 0);
  w.Field("active_defrag_key_hits", 0);
  w.Field("active_defrag_key_misses", 0);
  w.Field("total_active_defrag_time", 0);
  w.Field("current_active_defrag_time", 0);
  w.Field("tracking_total_keys", 0);
  w.Field("tracking_total_items", 0);
  w.Field("tracking_total_prefixes", 0);
  w.Field("unexpected_error_replies", st.unexpected_error_replies);
  w.Field("total_error_replies", st.total_error_replies);
  w.Field("dump_payload_sanitizations", 0);
  w.Field("total_reads_processed", st.total_reads_processed);
  w.Field("total_writes_processed", st.total_writes_processed);
  w.Field("io_threaded_reads_processed", 0);
  w.Field("io_threaded_writes_processed", 0);
  w.Field("reply_buffer_shrinks", 0);
  w.Field("reply_buffer_expands", 0);
}

void ReplicationSection(server::Server& server, SectionWriter& w) {
  for (const auto& [name, value] : replication::Replication::Get(server).InfoFields()) {
    w.Field(name, value);
  }
}

void CpuSection(server::Server& /*server*/, SectionWriter& w) {
  rusage self{};
  rusage children{};
  rusage thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  w.Field("used_cpu_sys", FormatTimeval(self.ru_stime));
  w.Field("used_cpu_user", FormatTimeval(self.ru_utime));
  w.Field("used_cpu_sys_children", FormatTimeval(children.ru_stime));
  w.Field("used_cpu_user_children", FormatTimeval(children.ru_utime));
  w.Field("used_cpu_sys_main_thread", FormatTimeval(thread.ru_stime));
  w.Field("used_cpu_user_main_thread", FormatTimeval(thread.ru_utime));
}

void ModulesSection(server::Server& /*server*/, SectionWriter& /*w*/) {}

void CommandStatsSection(server::Server& server, SectionWriter& w) {
  auto one = [&](const server::CommandSpec& c) {
    if (c.calls == 0 && c.failed_calls == 0 && c.rejected_calls == 0) return;
    const double per_call =
        c.calls > 0 ? static_cast<double>(c.microseconds) / static_cast<double>(c.calls) : 0;
    w.Line("cmdstat_" + c.fullname + ":calls=" + std::to_string(c.calls) + ",usec=" +
           std::to_string(c.microseconds) + ",usec_per_call=" + FormatFixed(per_call, 2) +
           ",rejected_calls=" + std::to_string(c.rejected_calls) +
           ",failed_calls=" + std::to_string(c.failed_calls));
  };
  server.commands().ForEach([&](const server::CommandSpec& c) {
    one(c);
    for (const server::CommandSpec& sub : c.subcommands) one(sub);
  });
}

void ErrorStatsSection(server::Server& server, SectionWriter& w) {
  for (const auto& [code, count] : server.stats().error_codes) {
    w.Line("errorstat_" + code + ":count=" + std::to_string(count));
  }
}

void LatencyStatsSection(server::Server& /*server*/, SectionWriter& /*w*/) {}

void ClusterSection(server::Server& /*server*/, SectionWriter& w) { w.Field("cluster_enabled", 0); }

void KeyspaceSection(server::Server& server, SectionWriter& w) {
  for (int i = 0; i < server.db_count(); ++i) {
    store::Database& db = server.db(i);
    if (db.size() == 0) continue;
    w.Line("db" + std::to_string(i) + ":keys=" + std::to_string(db.size()) + ",expires=" +
           std::to_string(db.expires_size()) + ",avg_ttl=" + std::to_string(db.avg_ttl_ms()));
  }
}

std::string Build(server::Server& server, std::span<const std::string_view> requested) {
  using Builder = void (*)(server::Server&, SectionWriter&);
  struct Section {
    std::string_view name;
    std::string_view title;
    Builder build;
    bool in_default;
  };
  static constexpr Section kSections[] = {
      {"server", "Server", ServerSection, true},
      {"clients", "Clients", ClientsSection, true},
      {"memory", "Memory", MemorySection, true},
      {"persistence", "Persistence", PersistenceSection, true},
      {"stats", "Stats", StatsSection, true},
      {"replication", "Replication", ReplicationSection, true},
      {"cpu", "CPU", CpuSection, true},
      {"modules", "Modules", ModulesSection, true},
      {"commandstats", "Commandstats", CommandStatsSection, false},
      {"errorstats", "Errorstats", ErrorStatsSection, true},
      {"latencystats", "Latencystats", LatencyStatsSection, false},
      {"cluster", "Cluster", ClusterSection, true},
      {"keyspace", "Keyspace", KeyspaceSection, true},
  };
  bool all = false;
  bool defaults = requested.empty();
  std::unordered_set<std::string> wanted;
  for (std::string_view r : requested) {
    std::string name = util::ToLower(r);
    if (name == "all" || name == "everything") {
      all = true;
    } else if (name == "default") {
      defaults = true;
    } else {
      wanted.insert(std::move(name));
    }
  }
  std::string out;
  for (const Section& s : kSections) {
    if (!all && !(defaults && s.in_default) && wanted.count(std::string(s.name)) == 0) continue;
    if (!out.empty()) out.append("\r\n");
    out.append("# ");
    out.append(s.title);
    out.append("\r\n");
    SectionWriter w(&out);
    s.build(server, w);
  }
  return out;
}

}  // namespace baton::commands::info
