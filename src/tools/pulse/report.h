// The numbers a pulse run reports, as a terminal table and as one JSON line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "options.h"
#include "stats.h"

namespace baton::pulse {

// Outcome of checking every counter against the highest acknowledged count.
struct Verification {
  bool done = false;
  std::string error;    // why it could not be done
  std::string primary;  // host:port the counters were read from
  uint64_t keys_checked = 0;
  uint64_t lost_writes = 0;           // keys below their highest acknowledged count
  uint64_t extra_writes = 0;          // keys above it: applied INCRs whose reply was lost
  std::vector<std::string> examples;  // a few "key: acked N, found M"
};

struct Report {
  std::string mode;
  std::string target;
  int clients = 0;
  int keys = 0;
  double duration_s = 0;
  double failover_at_ms = -1;     // -1: no failover requested
  std::string failover_reply;     // what FAILOVER answered
  bool capa_unsupported = false;  // redirect mode against a server without CLIENT CAPA

  uint64_t ops = 0;
  uint64_t errors = 0;
  std::map<std::string, uint64_t> errors_by_kind;
  uint64_t redirects = 0;
  uint64_t reconnects = 0;
  double ops_per_sec = 0;
  double unavailable_ms = 0;
  double unavailable_from_ms = 0;
  double max_latency_ms = 0;
  double p50_latency_ms = 0;
  double p99_latency_ms = 0;
  double p999_latency_ms = 0;
  // The longest time this tool's own loop ran late (its host or itself
  // stalled): spans without replies up to this long may not be the server's.
  double pulse_stall_ms = 0;
  Verification verification;
};

Report BuildReport(const Options& options, const RunStats& stats, double elapsed_s);

// Human-readable table (several lines, ends with a newline).
std::string FormatTable(const Report& report);
// One JSON object on one line, no trailing newline.
std::string FormatJson(const Report& report);
// A JSON string literal (quotes included) with the required escapes.
std::string JsonString(std::string_view text);

}  // namespace baton::pulse
