// MONITOR output: one line per executed command, sent to every monitor.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace baton::server {

class Server;
class Client;

// `+1700000000.123456 [0 127.0.0.1:5000] "set" "k" "v"`, quoted like redis-cli.
std::string FormatMonitorLine(int64_t now_us, int db, std::string_view peer,
                              std::span<const std::string_view> args);
void FeedMonitors(Server& server, Client& client, std::span<const std::string_view> args);
// Quotes bytes the way Redis's sdscatrepr does ("a\x00\n").
std::string QuoteRepr(std::string_view s);

}  // namespace baton::server
