#include "options.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <sstream>

namespace baton::pulse {

std::optional<Endpoint> ParseEndpoint(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return std::nullopt;
  std::string_view port_text = text.substr(colon + 1);
  int port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port <= 0 ||
      port > 65535) {
    return std::nullopt;
  }
  return Endpoint{std::string(text.substr(0, colon)), port};
}

std::string_view ModeName(Mode mode) { return mode == Mode::kRedirect ? "redirect" : "legacy"; }

ParseOutcome ParseOptions(const std::vector<std::string>& args) {
  CLI::App app{"baton-pulse: measures what clients see during a switchover", "baton-pulse"};
  Options o;
  std::string mode = "legacy";
  double failover_at = -1;
  std::string failover_to;
  app.add_option("--host", o.target.host, "Server host")->capture_default_str();
  app.add_option("--port", o.target.port, "Server port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  app.add_option("--clients", o.clients, "Connections, each with its own keys")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--keys", o.keys, "Keys per connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000000));
  app.add_option("--duration", o.duration_s, "Seconds of load")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
  app.add_option("--mode", mode, "redirect (CLIENT CAPA redirect) or legacy")
      ->capture_default_str()
      ->check(CLI::IsMember({"redirect", "legacy"}));
  CLI::Option* at =
      app.add_option("--failover-at", failover_at, "Send FAILOVER after this many seconds")
          ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--failover-to", failover_to, "FAILOVER TO this replica (HOST:PORT)")->needs(at);
  app.add_flag("--json", o.json, "Print one JSON object as the last line");
  app.add_option("--chart", o.chart_path, "Write an SVG chart of latency over time");
  app.add_option("--timeout-ms", o.timeout_ms, "Per-request deadline in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000));

  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const std::string& a : args) argv.push_back(a.c_str());
  ParseOutcome out;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    std::ostringstream os;
    out.exit_code = app.exit(e, os, os);
    out.message = os.str();
    return out;
  }
  o.mode = mode == "redirect" ? Mode::kRedirect : Mode::kLegacy;
  if (at->count() > 0) {
    if (failover_at >= o.duration_s) {
      out.exit_code = 2;
      out.message = "--failover-at must be less than --duration\n";
      return out;
    }
    o.failover_at_s = failover_at;
  }
  if (!failover_to.empty()) {
    o.failover_to = ParseEndpoint(failover_to);
    if (!o.failover_to) {
      out.exit_code = 2;
      out.message = "--failover-to: expected HOST:PORT, got '" + failover_to + "'\n";
      return out;
    }
  }
  out.options = std::move(o);
  return out;
}

}  // namespace baton::pulse
