// baton-pulse --host H --port P --clients N --keys K --duration SECONDS
//             --mode redirect|legacy [--failover-at SECONDS [--failover-to HOST:PORT]]
//             [--json] [--chart FILE] [--timeout-ms MS]
//
// Drives N connections that INCR their own K keys, optionally triggers a
// FAILOVER, then reports errors by kind, latency, the longest unavailable
// span and acknowledged writes that went missing. With --json the last line
// of the output is one JSON object.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "options.h"
#include "report.h"
#include "runner.h"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv, argv + argc);
  baton::pulse::ParseOutcome parsed = baton::pulse::ParseOptions(args);
  if (!parsed.options) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  const baton::pulse::Options& options = *parsed.options;
  baton::pulse::RunResult result = baton::pulse::RunPulse(options);
  if (!result.ok) {
    std::fprintf(stderr, "baton-pulse: %s\n", result.error.c_str());
    return 1;
  }
  std::fputs(baton::pulse::FormatTable(result.report).c_str(), stdout);
  if (!options.chart_path.empty()) {
    std::ofstream out(options.chart_path, std::ios::binary | std::ios::trunc);
    out << result.chart_svg;
    if (!out) {
      std::fprintf(stderr, "baton-pulse: cannot write %s\n", options.chart_path.c_str());
    } else {
      std::printf("  chart written to %s\n", options.chart_path.c_str());
    }
  }
  if (options.json) std::printf("%s\n", baton::pulse::FormatJson(result.report).c_str());
  std::fflush(stdout);
  return 0;
}
