// Runs baton-pulse (the binary built with the tests) and reads its --json
// report: shared by the pulse, failover and upgrade integration tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/server_process.h"

namespace baton::testing {

// The last line of baton-pulse's output: one JSON object.
struct PulseRun {
  int exit_code = -1;
  std::string output;
  std::string json;

  // The number after "name": (-1 when absent or null).
  [[nodiscard]] double Number(const std::string& name) const {
    const std::string key = "\"" + name + "\":";
    size_t pos = json.find(key);
    if (pos == std::string::npos) return -1;
    const char* start = json.c_str() + pos + key.size();
    char* end = nullptr;
    double v = std::strtod(start, &end);
    return end == start ? -1 : v;
  }
  // The raw text after "name": up to the matching end of a {...} or a scalar.
  [[nodiscard]] std::string Raw(const std::string& name) const {
    const std::string key = "\"" + name + "\":";
    size_t pos = json.find(key);
    if (pos == std::string::npos) return "";
    pos += key.size();
    size_t end = json[pos] == '{' ? json.find('}', pos) + 1 : json.find_first_of(",}", pos);
    return json.substr(pos, end - pos);
  }
};

// A generous per-request deadline: on a loaded CI machine a reply may take
// seconds, and a steady run must not report timeouts for that.
inline PulseRun RunPulse(int port, const std::string& extra, int timeout_ms = 8000) {
  PulseRun run;
  const std::string cmd = std::string(BATON_PULSE_BINARY) + " --host 127.0.0.1 --port " +
                          std::to_string(port) + " --timeout-ms " + std::to_string(timeout_ms) +
                          " " + extra + " --json 2>&1";
  run.output = RunShell(cmd, &run.exit_code);
  std::string trimmed = run.output;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  size_t nl = trimmed.rfind('\n');
  run.json = nl == std::string::npos ? trimmed : trimmed.substr(nl + 1);
  return run;
}

inline void ExpectCleanRun(const PulseRun& run) {
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.json.front(), '{') << run.output;
  EXPECT_GT(run.Number("ops"), 0) << run.output;
  EXPECT_EQ(run.Number("errors"), 0) << run.output;
  EXPECT_EQ(run.Raw("errors_by_kind"), "{}") << run.output;
  EXPECT_EQ(run.Raw("verified"), "true") << run.output;
  EXPECT_EQ(run.Number("lost_writes"), 0) << run.output;
  EXPECT_EQ(run.Number("extra_writes"), 0) << run.output;
  EXPECT_GE(run.Number("max_latency_ms"), run.Number("p99_latency_ms")) << run.output;
}

}  // namespace baton::testing
