// Runs one pulse measurement: clears the keys, drives the connections on one
// libuv loop for the duration, sends FAILOVER at the requested moment on a
// connection of its own, then verifies the counters on the current primary.
#pragma once

#include <string>

#include "options.h"
#include "report.h"
#include "stats.h"

namespace baton::pulse {

struct RunResult {
  bool ok = false;
  std::string error;  // set when the run could not take place
  Report report;
  std::string chart_svg;  // filled when options.chart_path is set
};

RunResult RunPulse(const Options& options);

}  // namespace baton::pulse
