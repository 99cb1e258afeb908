// A self-contained SVG of latency over time: per 10 ms bucket (by the time
// an operation started) the max and p99 latency on a log scale, error
// markers along the bottom, and a vertical line at the failover moment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stats.h"

namespace baton::pulse {

struct ChartPoint {
  double t_ms = 0;           // start of the bucket
  bool has_latency = false;  // some operation started in it and succeeded
  double max_ms = 0;
  double p99_ms = 0;
  uint32_t errors = 0;
};

struct ChartInput {
  std::string title;
  double duration_ms = 0;
  std::optional<double> failover_ms;
  std::vector<ChartPoint> points;
};

// One point per non-empty bucket of the run's timeline.
std::vector<ChartPoint> TimelinePoints(const RunStats& stats);

std::string RenderChartSvg(const ChartInput& input);

// Escapes &, <, >, " and ' for XML text and attributes.
std::string XmlEscape(std::string_view text);

}  // namespace baton::pulse
