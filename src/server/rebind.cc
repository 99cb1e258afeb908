// Server::RebindTcp: CONFIG SET port / bind at run time.
#include <spdlog/spdlog.h>

#include "baton/server/server.h"

namespace baton::server {

std::string Server::RebindTcp() {
  if (!listener_) return "";
  listener_->CloseTcp();
  bound_port_ = 0;
  const auto& s = settings();
  if (s.port == 0 || s.bind.empty()) return "";
  int bound = 0;
  for (std::string addr : s.bind) {
    const bool optional = !addr.empty() && addr[0] == '-';
    if (optional) addr.erase(0, 1);
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    int rc = listener_->ListenTcp(addr, static_cast<int>(s.port), static_cast<int>(s.tcp_backlog));
    if (rc == 0) {
      ++bound;
      continue;
    }
    if (optional) continue;
    spdlog::warn("Warning: Could not create server TCP listening socket {}:{}: bind: {}", addr,
                 s.port, uv_strerror(rc));
    listener_->CloseTcp();
    return "bind failed";
  }
  if (bound == 0) return "bind failed";
  bound_port_ = listener_->BoundPort();
  return "";
}

}  // namespace baton::server
