// Typed configuration values the server reads on its paths. The parameter
// table in config.cc binds each directive to one of these fields; directives
// Baton accepts for compatibility but does not act on keep their value in
// `other` (still validated by type).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace baton::config {

enum class Toggle : int64_t { kNo = 0, kYes = 1, kLocal = 2 };  // enable-debug-command etc.

// maxmemory-policy values, in the order of the directive's names.
enum MaxmemoryPolicy : int64_t {
  kNoEviction = 0,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};
// Policies that choose keys by LRU idle time / by LFU counter.
inline bool IsLruPolicy(int64_t p) { return p == kAllKeysLru || p == kVolatileLru; }
inline bool IsLfuPolicy(int64_t p) { return p == kAllKeysLfu || p == kVolatileLfu; }

struct SavePoint {
  int64_t seconds = 0;
  int64_t changes = 0;
};

struct OutputBufferLimit {
  int64_t hard_bytes = 0;
  int64_t soft_bytes = 0;
  int64_t soft_seconds = 0;
};

struct Settings {
  // Network
  std::vector<std::string> bind = {"*", "-::*"};
  int64_t port = 6379;
  int64_t tcp_backlog = 511;
  std::string unixsocket;
  int64_t unixsocketperm = 0;
  int64_t timeout = 0;
  int64_t tcp_keepalive = 300;
  bool protected_mode = true;
  int64_t maxclients = 10000;

  // General
  bool daemonize = false;
  std::string pidfile;
  int64_t loglevel = 2;  // debug, verbose, notice, warning (index)
  std::string logfile;
  int64_t databases = 16;
  std::string dir = ".";
  int64_t hz = 10;
  bool dynamic_hz = true;

  // Security
  std::string requirepass;
  int64_t enable_debug_command = 0;      // Toggle
  int64_t enable_protected_configs = 0;  // Toggle

  // Limits
  int64_t maxmemory = 0;
  int64_t maxmemory_policy = 0;  // index into the policy names
  int64_t maxmemory_samples = 5;
  int64_t maxmemory_eviction_tenacity = 10;
  int64_t lfu_log_factor = 10;          // LFU counter growth: higher, slower
  int64_t lfu_decay_time = 1;           // minutes per counter decrement (0: never)
  bool lazyfree_lazy_eviction = false;  // evictions propagate as UNLINK
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  OutputBufferLimit obuf_normal{0, 0, 0};
  OutputBufferLimit obuf_replica{256LL * 1024 * 1024, 64LL * 1024 * 1024, 60};
  OutputBufferLimit obuf_pubsub{32LL * 1024 * 1024, 8LL * 1024 * 1024, 60};

  // Persistence (used by the persistence module)
  std::vector<SavePoint> save = {{3600, 1}, {300, 100}, {60, 10000}};
  std::string dbfilename = "dump.rdb";
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool appendonly = false;
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  int64_t appendfsync = 1;  // always, everysec, no
  bool stop_writes_on_bgsave_error = true;
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;

  // Replication
  std::string replicaof_host;  // empty: this node is a master
  int64_t replicaof_port = 0;
  std::string masterauth;
  std::string masteruser;
  bool replica_read_only = true;
  bool replica_serve_stale_data = true;
  int64_t repl_backlog_size = 1024 * 1024;
  int64_t repl_backlog_ttl = 3600;
  int64_t repl_timeout = 60;
  int64_t repl_ping_replica_period = 10;
  bool repl_diskless_sync = true;
  int64_t repl_diskless_sync_delay = 5;
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;
  int64_t replica_priority = 100;
  std::string replica_announce_ip;
  int64_t replica_announce_port = 0;

  // Switchover
  bool switchover_handover = true;
  int64_t switchover_handover_max_sessions = 10000;
  int64_t switchover_handover_idle_timeout = 300;
  bool shutdown_failover = false;

  // Slow log
  int64_t slowlog_log_slower_than = 10000;
  int64_t slowlog_max_len = 128;
  int64_t latency_monitor_threshold = 0;

  // Encodings (used by the data types)
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  int64_t set_max_intset_entries = 512;
  int64_t set_max_listpack_entries = 128;
  int64_t set_max_listpack_value = 64;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;

  // Shutdown
  int64_t shutdown_timeout = 10;

  // Directives accepted for compatibility, by name.
  std::map<std::string, std::string> other;
};

}  // namespace baton::config
