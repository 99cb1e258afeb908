#include "baton/config/config.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "baton/resp/request_parser.h"
#include "baton/util/strings.h"

namespace baton::config {
namespace {

constexpr int64_t kLLMax = INT64_MAX;
constexpr int64_t kIntMax = 2147483647;

std::string FormatInt(int64_t v) { return std::to_string(v); }

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Quotes a word for the config file when it holds spaces or special bytes.
std::string QuoteIfNeeded(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    if (c == ' ' || c == '"' || c == '\'' || c == '\\' || c < 32 || c > 126) plain = false;
  }
  if (plain) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 32 || c > 126) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string FormatObufLimit(const char* cls, const OutputBufferLimit& l) {
  return std::string(cls) + " " + FormatInt(l.hard_bytes) + " " + FormatInt(l.soft_bytes) + " " +
         FormatInt(l.soft_seconds);
}

}  // namespace

bool ParseMemory(std::string_view text, int64_t* out) {
  std::string s = util::ToLower(text);
  int64_t mul = 1;
  auto ends = [&](std::string_view suffix) {
    return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  struct Unit {
    const char* suffix;
    int64_t mul;
  };
  static const Unit kUnits[] = {{"gb", 1024LL * 1024 * 1024}, {"mb", 1024LL * 1024}, {"kb", 1024},
                                {"g", 1000LL * 1000 * 1000}, {"m", 1000LL * 1000}, {"k", 1000},
                                {"b", 1}};
  for (const Unit& u : kUnits) {
    if (ends(u.suffix)) {
      mul = u.mul;
      s.resize(s.size() - std::strlen(u.suffix));
      break;
    }
  }
  int64_t v = 0;
  if (!ParseInt(s, &v)) return false;
  if (v != 0 && (v > kLLMax / mul || v < INT64_MIN / mul)) return false;
  *out = v * mul;
  return true;
}

bool ParseYesNo(std::string_view text, bool* out) {
  if (util::EqualsIgnoreCase(text, "yes")) {
    *out = true;
    return true;
  }
  if (util::EqualsIgnoreCase(text, "no")) {
    *out = false;
    return true;
  }
  return false;
}

Config::Config() { RegisterAll(); }

void Config::Register(ParamSpec spec) {
  size_t pos = params_.size();
  index_[util::ToLower(spec.name)] = pos;
  if (!spec.alias.empty()) index_[util::ToLower(spec.alias)] = pos;
  std::string def = spec.default_value;
  params_.push_back(std::move(spec));
  // Values without a typed slot start at their default in `other`.
  const ParamSpec& p = params_.back();
  if (p.bool_slot == nullptr && p.int_slot == nullptr && p.string_slot == nullptr &&
      !p.special_set) {
    settings_.other[p.name] = def;
  }
}

void Config::RegisterAll() {
  auto b = [this](std::string name, bool Settings::*slot, bool def, unsigned flags = 0,
                  std::string alias = "") {
    ParamSpec p;
    p.name = std::move(name);
    p.alias = std::move(alias);
    p.type = ParamType::kBool;
    p.flags = flags;
    p.default_value = def ? "yes" : "no";
    p.bool_slot = slot;
    if (slot != nullptr) settings_.*slot = def;
    Register(std::move(p));
  };
  auto i = [this](std::string name, int64_t Settings::*slot, int64_t def, int64_t min, int64_t max,
                  unsigned flags = 0, std::string alias = "", ParamType type = ParamType::kInt) {
    ParamSpec p;
    p.name = std::move(name);
    p.alias = std::move(alias);
    p.type = type;
    p.flags = flags;
    p.default_value = FormatInt(def);
    p.min = min;
    p.max = max;
    p.int_slot = slot;
    if (slot != nullptr) settings_.*slot = def;
    Register(std::move(p));
  };
  auto m = [&i](std::string name, int64_t Settings::*slot, int64_t def, int64_t min, int64_t max,
                unsigned flags = 0, std::string alias = "") {
    i(std::move(name), slot, def, min, max, flags, std::move(alias), ParamType::kMemory);
  };
  auto e = [this](std::string name, int64_t Settings::*slot, std::vector<std::string> names,
                  int64_t def, unsigned flags = 0, std::string alias = "") {
    ParamSpec p;
    p.name = std::move(name);
    p.alias = std::move(alias);
    p.type = ParamType::kEnum;
    p.flags = flags;
    p.default_value = names[static_cast<size_t>(def)];
    p.enum_names = std::move(names);
    p.int_slot = slot;
    if (slot != nullptr) settings_.*slot = def;
    Register(std::move(p));
  };
  auto s = [this](std::string name, std::string Settings::*slot, std::string def,
                  unsigned flags = 0, std::string alias = "") {
    ParamSpec p;
    p.name = std::move(name);
    p.alias = std::move(alias);
    p.type = ParamType::kString;
    p.flags = flags;
    p.default_value = def;
    p.string_slot = slot;
    if (slot != nullptr) settings_.*slot = def;
    Register(std::move(p));
  };
  auto special = [this](std::string name, SpecialSetter set, SpecialGetter get, unsigned flags,
                        std::string alias = "") {
    ParamSpec p;
    p.name = std::move(name);
    p.alias = std::move(alias);
    p.type = ParamType::kSpecial;
    p.flags = flags | kParamMultiArg;
    p.special_set = std::move(set);
    p.special_get = std::move(get);
    p.default_value = p.special_get(settings_);
    Register(std::move(p));
  };
  const std::vector<std::string> yes_no_local = {"no", "yes", "local"};
  constexpr unsigned kImm = kParamImmutable;
  constexpr unsigned kProt = kParamProtected;

  // Network
  special(
      "bind",
      [](Settings& st, const std::vector<std::string>& w) -> std::string {
        if (w.empty()) return "Too many bind addresses specified.";
        if (w.size() > 16) return "Too many bind addresses specified.";
        st.bind = w;
        return "";
      },
      [](const Settings& st) {
        std::string out;
        for (size_t k = 0; k < st.bind.size(); ++k) out += (k ? " " : "") + st.bind[k];
        return out;
      },
      0);
  i("port", &Settings::port, 6379, 0, 65535);
  i("tcp-backlog", &Settings::tcp_backlog, 511, 0, kLLMax, kImm);
  s("unixsocket", &Settings::unixsocket, "", kImm);
  i("unixsocketperm", &Settings::unixsocketperm, 0, 0, 0777, kImm);
  i("timeout", &Settings::timeout, 0, 0, kIntMax);
  i("tcp-keepalive", &Settings::tcp_keepalive, 300, 0, kIntMax);
  b("protected-mode", &Settings::protected_mode, true);
  i("maxclients", &Settings::maxclients, 10000, 1, kIntMax);
  i("socket-mark-id", nullptr, 0, 0, kIntMax);
  b("io-threads-do-reads", nullptr, false, kImm);
  i("io-threads", nullptr, 1, 1, 128, kImm);

  // General
  b("daemonize", &Settings::daemonize, false, kImm);
  s("pidfile", &Settings::pidfile, "", kImm);
  e("loglevel", &Settings::loglevel, {"debug", "verbose", "notice", "warning"}, 2);
  s("logfile", &Settings::logfile, "", kImm);
  b("syslog-enabled", nullptr, false, kImm);
  s("syslog-ident", nullptr, "redis", kImm);
  e("syslog-facility", nullptr,
    {"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}, 1,
    kImm);
  i("databases", &Settings::databases, 16, 1, kIntMax, kImm);
  b("always-show-logo", nullptr, false, kImm);
  b("set-proc-title", nullptr, true, kImm);
  s("proc-title-template", nullptr, "{title} {listen-addr} {server-mode}");
  b("crash-log-enabled", nullptr, true);
  b("crash-memcheck-enabled", nullptr, true);
  s("dir", &Settings::dir, ".", kProt);
  i("hz", &Settings::hz, 10, 0, kIntMax);
  b("dynamic-hz", &Settings::dynamic_hz, true);
  e("supervised", nullptr, {"upstart", "systemd", "auto", "no"}, 3, kImm);
  s("locale-collate", nullptr, "");
  e("oom-score-adj", nullptr, {"no", "yes", "relative", "absolute"}, 0);
  s("oom-score-adj-values", nullptr, "0 200 800");
  b("disable-thp", nullptr, true, kImm);

  // Security
  s("requirepass", &Settings::requirepass, "", kParamSensitive);
  e("enable-debug-command", &Settings::enable_debug_command, yes_no_local, 0, kImm);
  e("enable-protected-configs", &Settings::enable_protected_configs, yes_no_local, 0, kImm);
  e("enable-module-command", nullptr, yes_no_local, 0, kImm);
  m("acllog-max-len", nullptr, 128, 0, kLLMax);
  s("aclfile", nullptr, "", kImm);
  e("acl-pubsub-default", nullptr, {"resetchannels", "allchannels"}, 0);

  // Limits and memory
  m("maxmemory", &Settings::maxmemory, 0, 0, kLLMax);
  e("maxmemory-policy", &Settings::maxmemory_policy,
    {"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
     "volatile-random", "volatile-ttl"},
    0);
  i("maxmemory-samples", &Settings::maxmemory_samples, 5, 1, 64);
  i("maxmemory-eviction-tenacity", nullptr, 10, 0, 100);
  i("lfu-log-factor", nullptr, 10, 0, kIntMax);
  i("lfu-decay-time", nullptr, 1, 0, kIntMax);
  m("maxmemory-clients", nullptr, 0, 0, kLLMax);
  m("proto-max-bulk-len", &Settings::proto_max_bulk_len, 512LL * 1024 * 1024, 1024 * 1024,
    kLLMax);
  m("client-query-buffer-limit", &Settings::client_query_buffer_limit, 1024LL * 1024 * 1024,
    1024 * 1024, kLLMax);
  special(
      "client-output-buffer-limit",
      [](Settings& st, const std::vector<std::string>& w) -> std::string {
        if (w.empty() || w.size() % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
        Settings copy = st;
        for (size_t k = 0; k < w.size(); k += 4) {
          OutputBufferLimit l;
          if (!ParseMemory(w[k + 1], &l.hard_bytes) || !ParseMemory(w[k + 2], &l.soft_bytes) ||
              !ParseInt(w[k + 3], &l.soft_seconds) || l.hard_bytes < 0 || l.soft_bytes < 0 ||
              l.soft_seconds < 0) {
            return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
          }
          std::string cls = util::ToLower(w[k]);
          if (cls == "normal") {
            copy.obuf_normal = l;
          } else if (cls == "replica" || cls == "slave") {
            copy.obuf_replica = l;
          } else if (cls == "pubsub") {
            copy.obuf_pubsub = l;
          } else {
            return "Invalid client class specified in buffer limit configuration.";
          }
        }
        st = std::move(copy);
        return "";
      },
      [](const Settings& st) {
        return FormatObufLimit("normal", st.obuf_normal) + " " +
               FormatObufLimit("slave", st.obuf_replica) + " " +
               FormatObufLimit("pubsub", st.obuf_pubsub);
      },
      0);
  b("lazyfree-lazy-eviction", nullptr, false);
  b("lazyfree-lazy-expire", nullptr, false);
  b("lazyfree-lazy-server-del", nullptr, false);
  b("lazyfree-lazy-user-del", nullptr, false);
  b("lazyfree-lazy-user-flush", nullptr, false);
  b("replica-lazy-flush", nullptr, false, 0, "slave-lazy-flush");
  b("activedefrag", nullptr, false);
  b("activerehashing", nullptr, true);
  b("jemalloc-bg-thread", nullptr, true);
  i("active-expire-effort", nullptr, 1, 1, 10);
  i("tracking-table-max-keys", nullptr, 1000000, 0, kLLMax);

  // Persistence
  special(
      "save",
      [](Settings& st, const std::vector<std::string>& w) -> std::string {
        std::vector<SavePoint> points;
        if (w.size() == 1 && w[0].empty()) {
          st.save.clear();
          return "";
        }
        if (w.size() % 2 != 0) return "Invalid save parameters";
        for (size_t k = 0; k < w.size(); k += 2) {
          SavePoint sp;
          if (!ParseInt(w[k], &sp.seconds) || !ParseInt(w[k + 1], &sp.changes) || sp.seconds < 1 ||
              sp.changes < 0) {
            return "Invalid save parameters";
          }
          points.push_back(sp);
        }
        st.save = std::move(points);
        return "";
      },
      [](const Settings& st) {
        std::string out;
        for (const SavePoint& sp : st.save) {
          if (!out.empty()) out.push_back(' ');
          out += FormatInt(sp.seconds) + " " + FormatInt(sp.changes);
        }
        return out;
      },
      0);
  s("dbfilename", &Settings::dbfilename, "dump.rdb", kProt);
  b("rdbcompression", &Settings::rdbcompression, true);
  b("rdbchecksum", &Settings::rdbchecksum, true);
  b("stop-writes-on-bgsave-error", nullptr, true);
  b("rdb-del-sync-files", nullptr, false);
  b("rdb-save-incremental-fsync", nullptr, true);
  e("sanitize-dump-payload", nullptr, {"no", "yes", "clients"}, 0);
  b("appendonly", &Settings::appendonly, false);
  s("appendfilename", &Settings::appendfilename, "appendonly.aof", kImm);
  s("appenddirname", &Settings::appenddirname, "appendonlydir", kImm);
  e("appendfsync", &Settings::appendfsync, {"always", "everysec", "no"}, 1);
  b("no-appendfsync-on-rewrite", nullptr, false);
  i("auto-aof-rewrite-percentage", nullptr, 100, 0, kIntMax);
  m("auto-aof-rewrite-min-size", nullptr, 64LL * 1024 * 1024, 0, kLLMax);
  b("aof-load-truncated", nullptr, true);
  b("aof-use-rdb-preamble", nullptr, true);
  b("aof-rewrite-incremental-fsync", nullptr, true);
  b("aof-timestamp-enabled", nullptr, false);

  // Replication
  special(
      "replicaof",
      [](Settings& st, const std::vector<std::string>& w) -> std::string {
        if (w.size() != 2) return "wrong number of arguments";
        if (util::EqualsIgnoreCase(w[0], "no") && util::EqualsIgnoreCase(w[1], "one")) {
          st.replicaof_host.clear();
          st.replicaof_port = 0;
          return "";
        }
        int64_t port = 0;
        if (!ParseInt(w[1], &port) || port < 0 || port > 65535) return "Invalid master port";
        st.replicaof_host = w[0];
        st.replicaof_port = port;
        return "";
      },
      [](const Settings& st) {
        return st.replicaof_host.empty() ? std::string()
                                         : st.replicaof_host + " " + FormatInt(st.replicaof_port);
      },
      kImm, "slaveof");
  s("masterauth", &Settings::masterauth, "", kParamSensitive);
  s("masteruser", &Settings::masteruser, "");
  b("replica-read-only", &Settings::replica_read_only, true, 0, "slave-read-only");
  b("replica-serve-stale-data", &Settings::replica_serve_stale_data, true, 0,
    "slave-serve-stale-data");
  m("repl-backlog-size", &Settings::repl_backlog_size, 1024 * 1024, 1, kLLMax);
  i("repl-backlog-ttl", &Settings::repl_backlog_ttl, 3600, 0, kIntMax);
  i("repl-timeout", &Settings::repl_timeout, 60, 1, kIntMax);
  i("repl-ping-replica-period", &Settings::repl_ping_replica_period, 10, 1, kIntMax, 0,
    "repl-ping-slave-period");
  b("repl-diskless-sync", &Settings::repl_diskless_sync, true);
  i("repl-diskless-sync-delay", &Settings::repl_diskless_sync_delay, 5, 0, kIntMax);
  i("repl-diskless-sync-max-replicas", nullptr, 0, 0, kIntMax);
  e("repl-diskless-load", nullptr, {"disabled", "on-empty-db", "swapdb"}, 0);
  b("repl-disable-tcp-nodelay", nullptr, false);
  i("min-replicas-to-write", &Settings::min_replicas_to_write, 0, 0, kIntMax, 0,
    "min-slaves-to-write");
  i("min-replicas-max-lag", &Settings::min_replicas_max_lag, 10, 0, kIntMax, 0,
    "min-slaves-max-lag");
  i("replica-priority", &Settings::replica_priority, 100, 0, kIntMax, 0, "slave-priority");
  s("replica-announce-ip", &Settings::replica_announce_ip, "", 0, "slave-announce-ip");
  i("replica-announce-port", &Settings::replica_announce_port, 0, 0, 65535, 0,
    "slave-announce-port");
  b("replica-announced", nullptr, true);
  b("replica-ignore-maxmemory", nullptr, true, 0, "slave-ignore-maxmemory");

  // Switchover (Baton)
  b("switchover-handover", &Settings::switchover_handover, true);
  i("switchover-handover-max-sessions", &Settings::switchover_handover_max_sessions, 10000, 0,
    kIntMax);
  i("switchover-handover-idle-timeout", &Settings::switchover_handover_idle_timeout, 300, 0,
    kIntMax);
  b("shutdown-failover", &Settings::shutdown_failover, false);

  // Shutdown
  i("shutdown-timeout", &Settings::shutdown_timeout, 10, 0, kIntMax);
  s("shutdown-on-sigint", nullptr, "default");
  s("shutdown-on-sigterm", nullptr, "default");

  // Slow log, latency
  i("slowlog-log-slower-than", &Settings::slowlog_log_slower_than, 10000, -1, kLLMax);
  i("slowlog-max-len", &Settings::slowlog_max_len, 128, 0, kLLMax);
  i("latency-monitor-threshold", &Settings::latency_monitor_threshold, 0, 0, kLLMax);
  s("latency-tracking-info-percentiles", nullptr, "50 99 99.9");
  b("latency-tracking", nullptr, true);
  s("notify-keyspace-events", nullptr, "");

  // Encodings
  i("hash-max-listpack-entries", &Settings::hash_max_listpack_entries, 128, 0, kLLMax, 0,
    "hash-max-ziplist-entries");
  i("hash-max-listpack-value", &Settings::hash_max_listpack_value, 64, 0, kLLMax, 0,
    "hash-max-ziplist-value");
  i("list-max-listpack-size", &Settings::list_max_listpack_size, -2, INT32_MIN, kIntMax, 0,
    "list-max-ziplist-size");
  i("list-compress-depth", &Settings::list_compress_depth, 0, 0, kIntMax);
  i("set-max-intset-entries", &Settings::set_max_intset_entries, 512, 0, kLLMax);
  i("set-max-listpack-entries", &Settings::set_max_listpack_entries, 128, 0, kLLMax);
  i("set-max-listpack-value", &Settings::set_max_listpack_value, 64, 0, kLLMax);
  i("zset-max-listpack-entries", &Settings::zset_max_listpack_entries, 128, 0, kLLMax, 0,
    "zset-max-ziplist-entries");
  i("zset-max-listpack-value", &Settings::zset_max_listpack_value, 64, 0, kLLMax, 0,
    "zset-max-ziplist-value");
  m("stream-node-max-bytes", nullptr, 4096, 0, kLLMax);
  i("stream-node-max-entries", nullptr, 100, 0, kLLMax);
  i("hll-sparse-max-bytes", nullptr, 3000, 0, kLLMax);
  i("busy-reply-threshold", nullptr, 5000, 0, kLLMax, 0, "lua-time-limit");
  i("cluster-node-timeout", nullptr, 15000, 0, kLLMax);
  b("cluster-enabled", nullptr, false, kImm);
  s("cluster-config-file", nullptr, "nodes.conf", kImm);
  s("ignore-warnings", nullptr, "");
}

const ParamSpec* Config::Find(std::string_view name) const {
  auto it = index_.find(util::ToLower(name));
  return it == index_.end() ? nullptr : &params_[it->second];
}

std::string Config::Set(const ParamSpec& spec, const std::vector<std::string>& words) {
  if (spec.type == ParamType::kSpecial) return spec.special_set(settings_, words);
  if (words.size() != 1) return "wrong number of arguments";
  return SetFromString(spec, words[0]);
}

std::string Config::SetFromString(const ParamSpec& spec, std::string_view value) {
  switch (spec.type) {
    case ParamType::kBool: {
      bool v = false;
      if (!ParseYesNo(value, &v)) return "argument must be 'yes' or 'no'";
      if (spec.bool_slot != nullptr) {
        settings_.*spec.bool_slot = v;
      } else {
        settings_.other[spec.name] = v ? "yes" : "no";
      }
      return "";
    }
    case ParamType::kInt:
    case ParamType::kMemory: {
      int64_t v = 0;
      if (spec.type == ParamType::kMemory) {
        if (!ParseMemory(value, &v)) return "argument must be a memory value";
      } else if (!ParseInt(value, &v)) {
        return "argument couldn't be parsed into an integer";
      }
      if (v < spec.min || v > spec.max) {
        return "argument must be between " + FormatInt(spec.min) + " and " + FormatInt(spec.max) +
               " inclusive";
      }
      if (spec.int_slot != nullptr) {
        settings_.*spec.int_slot = v;
      } else {
        settings_.other[spec.name] = FormatInt(v);
      }
      return "";
    }
    case ParamType::kEnum: {
      for (size_t k = 0; k < spec.enum_names.size(); ++k) {
        if (util::EqualsIgnoreCase(value, spec.enum_names[k])) {
          if (spec.int_slot != nullptr) {
            settings_.*spec.int_slot = static_cast<int64_t>(k);
          } else {
            settings_.other[spec.name] = spec.enum_names[k];
          }
          return "";
        }
      }
      std::string names;
      for (size_t k = 0; k < spec.enum_names.size(); ++k) {
        names += (k ? ", " : "") + spec.enum_names[k];
      }
      return "argument(s) must be one of the following: " + names;
    }
    case ParamType::kString:
      if (spec.string_slot != nullptr) {
        settings_.*spec.string_slot = std::string(value);
      } else {
        settings_.other[spec.name] = std::string(value);
      }
      return "";
    case ParamType::kSpecial: {
      std::vector<std::string> words;
      if (value.empty()) {
        words.emplace_back();
      } else if (!resp::SplitInlineArgs(value, &words)) {
        return "unbalanced quotes";
      }
      return spec.special_set(settings_, words);
    }
  }
  return "unknown type";
}

std::string Config::Get(const ParamSpec& spec) const {
  switch (spec.type) {
    case ParamType::kBool:
      if (spec.bool_slot != nullptr) return settings_.*spec.bool_slot ? "yes" : "no";
      break;
    case ParamType::kInt:
    case ParamType::kMemory:
      if (spec.int_slot != nullptr) return FormatInt(settings_.*spec.int_slot);
      break;
    case ParamType::kEnum:
      if (spec.int_slot != nullptr) {
        return spec.enum_names[static_cast<size_t>(settings_.*spec.int_slot)];
      }
      break;
    case ParamType::kString:
      if (spec.string_slot != nullptr) return settings_.*spec.string_slot;
      break;
    case ParamType::kSpecial: return spec.special_get(settings_);
  }
  auto it = settings_.other.find(spec.name);
  return it == settings_.other.end() ? spec.default_value : it->second;
}

void Config::SetApplyHook(std::string_view name, std::function<std::string()> hook) {
  apply_hooks_[std::string(name)] = std::move(hook);
}

std::string Config::Apply(const ParamSpec& spec) {
  auto it = apply_hooks_.find(spec.name);
  return it == apply_hooks_.end() ? std::string() : it->second();
}

std::string Config::LoadFile(const std::string& path, int depth) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "Fatal error, can't open config file '" + path + "': " + std::strerror(errno);
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadText(ss.str(), path, depth);
}

std::string Config::LoadText(std::string_view text, const std::string& source, int depth) {
  if (depth > 10) return "Too many nested includes";
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    line.remove_prefix(first);
    std::vector<std::string> words;
    auto fail = [&](const std::string& why) {
      return "\n*** FATAL CONFIG FILE ERROR (Baton " BATON_VERSION ") ***\nReading the configuration file, at line " +
             std::to_string(line_no) + "\n>>> '" + std::string(line) + "'\n" + why;
    };
    if (!resp::SplitInlineArgs(line, &words)) return fail("Unbalanced quotes in configuration line");
    if (words.empty()) continue;
    std::string name = util::ToLower(words[0]);
    words.erase(words.begin());
    if (name == "include") {
      if (words.size() != 1) return fail("Bad directive or wrong number of arguments");
      std::string err = LoadFile(words[0], depth + 1);
      if (!err.empty()) return fail(err);
      continue;
    }
    if (name == "rename-command" || name == "user" || name == "loadmodule" || name == "sentinel") {
      continue;  // accepted, not supported: ACL users, modules and command renames
    }
    const ParamSpec* spec = Find(name);
    if (spec == nullptr) return fail("Bad directive or wrong number of arguments");
    if (spec->type != ParamType::kSpecial && words.size() != 1) {
      return fail("wrong number of arguments");
    }
    std::string err = Set(*spec, words.empty() ? std::vector<std::string>{""} : words);
    if (!err.empty()) return fail(err);
  }
  (void)source;
  return "";
}

std::string Config::Rewrite() {
  if (config_file_.empty()) return "The server is running without a config file";
  std::ifstream in(config_file_, std::ios::binary);
  std::vector<std::string> lines;
  if (in) {
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
  }
  std::map<std::string, bool> written;  // param name -> already emitted
  std::vector<std::string> out;
  auto render = [this](const ParamSpec& p) {
    std::string value = Get(p);
    if (p.type == ParamType::kSpecial) {
      if (p.name == "client-output-buffer-limit") {
        // One line per class, as redis.conf writes them.
        std::vector<std::string> words;
        resp::SplitInlineArgs(value, &words);
        std::string lines_out;
        for (size_t k = 0; k + 3 < words.size(); k += 4) {
          if (!lines_out.empty()) lines_out += "\n";
          lines_out += p.name + " " + words[k] + " " + words[k + 1] + " " + words[k + 2] + " " +
                       words[k + 3];
        }
        return lines_out;
      }
      if (value.empty()) {
        return p.name == "replicaof" ? std::string() : p.name + " \"\"";
      }
      return p.name + " " + value;
    }
    return p.name + " " + QuoteIfNeeded(value);
  };
  for (const std::string& raw : lines) {
    std::string_view line(raw);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') {
      out.push_back(raw);
      continue;
    }
    std::vector<std::string> words;
    if (!resp::SplitInlineArgs(line, &words) || words.empty()) {
      out.push_back(raw);
      continue;
    }
    const ParamSpec* spec = Find(words[0]);
    if (spec == nullptr || raw.find("# Generated by CONFIG REWRITE") != std::string::npos) {
      out.push_back(raw);
      continue;
    }
    if (written[spec->name]) continue;  // later duplicates collapse into the first
    written[spec->name] = true;
    std::string rendered = render(*spec);
    if (!rendered.empty()) out.push_back(rendered);
  }
  bool header = false;
  for (const ParamSpec& p : params_) {
    if (written[p.name]) continue;
    if (Get(p) == p.default_value) continue;
    if (!header) {
      out.emplace_back("# Generated by CONFIG REWRITE");
      header = true;
    }
    std::string rendered = render(p);
    if (!rendered.empty()) out.push_back(rendered);
  }
  std::string tmp = config_file_ + ".tmp-rewrite";
  {
    std::ofstream of(tmp, std::ios::binary | std::ios::trunc);
    if (!of) return std::string("Rewriting config file: ") + std::strerror(errno);
    for (const std::string& l : out) of << l << "\n";
    of.flush();
    if (!of) return std::string("Rewriting config file: ") + std::strerror(errno);
  }
  if (std::rename(tmp.c_str(), config_file_.c_str()) != 0) {
    return std::string("Rewriting config file: ") + std::strerror(errno);
  }
  return "";
}

}  // namespace baton::config
