// Counters for INFO stats/errorstats and the slow log.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace baton::server {

// Samples a counter once per cron tick to report an instantaneous rate.
class RateMeter {
 public:
  void Sample(int64_t now_ms, uint64_t value);
  [[nodiscard]] double PerSecond() const;

 private:
  static constexpr size_t kSamples = 16;
  int64_t last_ms_ = 0;
  uint64_t last_value_ = 0;
  double samples_[kSamples] = {};
  size_t index_ = 0;
  size_t count_ = 0;
};

struct ServerStats {
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t client_qbuf_limit_disconnections = 0;
  uint64_t client_outbuf_limit_disconnections = 0;
  uint64_t expire_cycle_cpu_ms = 0;
  uint64_t total_reads_processed = 0;
  uint64_t total_writes_processed = 0;
  std::map<std::string, uint64_t> error_codes;  // errorstats: code -> count
  RateMeter ops;
  RateMeter input_bytes;
  RateMeter output_bytes;

  // Clears what CONFIG RESETSTAT clears.
  void Reset();
};

struct SlowLogEntry {
  uint64_t id;
  int64_t timestamp_s;
  int64_t duration_us;
  std::vector<std::string> args;  // at most 32, each at most 128 bytes (Redis's rule)
  std::string peer;
  std::string client_name;
};

class SlowLog {
 public:
  // Records a command if it ran at least `threshold_us` (negative: never).
  void MaybeRecord(int64_t threshold_us, size_t max_len, int64_t duration_us, int64_t now_s,
                   std::span<const std::string_view> args, const std::string& peer,
                   const std::string& name);
  [[nodiscard]] const std::deque<SlowLogEntry>& entries() const { return entries_; }
  void Reset() { entries_.clear(); }
  void Trim(size_t max_len);

 private:
  std::deque<SlowLogEntry> entries_;  // newest first
  uint64_t next_id_ = 0;
};

}  // namespace baton::server
