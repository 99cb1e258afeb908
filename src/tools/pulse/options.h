// Command line of baton-pulse (scripts depend on it):
//   baton-pulse --host H --port P --clients N --keys K --duration SECONDS
//               --mode redirect|legacy [--failover-at SECONDS
//               [--failover-to HOST:PORT]] [--json] [--chart FILE]
//               [--timeout-ms MS]
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::pulse {

enum class Mode {
  kLegacy,    // an ordinary client: errors are errors, reconnect to the same address
  kRedirect,  // CLIENT CAPA redirect; follows -REDIRECT host:port
};

struct Endpoint {
  std::string host;
  int port = 0;
  [[nodiscard]] std::string ToString() const { return host + ":" + std::to_string(port); }
  bool operator==(const Endpoint&) const = default;
};

struct Options {
  Endpoint target{"127.0.0.1", 6379};
  int clients = 50;
  int keys = 1000;
  double duration_s = 10;
  Mode mode = Mode::kLegacy;
  std::optional<double> failover_at_s;
  std::optional<Endpoint> failover_to;
  bool json = false;
  std::string chart_path;
  // A request without a reply after this long is a "timeout" error and its
  // connection is re-established.
  int timeout_ms = 2000;
};

// Splits "host:port" on the last colon (so "::1:6379" works). nullopt when malformed.
std::optional<Endpoint> ParseEndpoint(std::string_view text);

struct ParseOutcome {
  std::optional<Options> options;  // set when the run should go ahead
  int exit_code = 0;               // otherwise: exit with this code...
  std::string message;             // ...after printing this (help or error)
};

// Parses argv-style arguments (args[0] is the program name).
ParseOutcome ParseOptions(const std::vector<std::string>& args);

std::string_view ModeName(Mode mode);

}  // namespace baton::pulse

namespace baton::pulse {

// The key client `client` uses for its `k`-th counter.
inline std::string KeyName(int client, int k) {
  return "pulse:" + std::to_string(client) + ":" + std::to_string(k);
}

}  // namespace baton::pulse
