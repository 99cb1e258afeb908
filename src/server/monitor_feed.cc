#include "baton/server/monitor_feed.h"

#include <cstdio>

#include "baton/server/server.h"

namespace baton::server {

std::string QuoteRepr(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (std::isprint(static_cast<unsigned char>(c))) {
          out.push_back(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string FormatMonitorLine(int64_t now_us, int db, std::string_view peer,
                              std::span<const std::string_view> args) {
  char head[96];
  std::snprintf(head, sizeof(head), "%lld.%06lld [%d ", static_cast<long long>(now_us / 1000000),
                static_cast<long long>(now_us % 1000000), db);
  std::string line(head);
  line += peer;
  line += "]";
  for (std::string_view a : args) {
    line.push_back(' ');
    line += QuoteRepr(a);
  }
  return line;
}

void FeedMonitors(Server& server, Client& client, std::span<const std::string_view> args) {
  std::string peer = client.Has(kClientUnixSocket) ? "unix:" + client.local() : client.peer();
  if (client.Has(kClientFake)) peer = "lua";
  std::string line = FormatMonitorLine(server.NowUs(), client.db_index(), peer, args);
  for (Client* m : server.monitors()) {
    // A client that is closing takes no more output (a monitor's own QUIT).
    if (m->Has(kClientCloseAfterReply) || m->Has(kClientCloseAsap)) continue;
    m->reply().Simple(line);
    server.MarkPendingWrite(*m);
  }
}

}  // namespace baton::server
