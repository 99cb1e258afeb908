// Helpers for tests of a primary and its replica (failover, hand-over,
// upgrade): reply text, roles, caught-up checks. Every wait is a bounded poll.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/server_process.h"

namespace baton::testing {

// A reply as text: the string, the integer, "<nil>", or a type marker.
inline std::string ReplyText(const Reply& r) {
  if (r == nullptr) return "<no reply>";
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_NIL) return "<nil>";
  if (r->str != nullptr) return std::string(r->str, r->len);
  return "<type " + std::to_string(r->type) + ">";
}

inline std::string PortOf(const ServerProcess& s) { return std::to_string(s.port()); }

// ROLE's first element: "master", "slave" or "" when it does not answer.
inline std::string RoleOf(const ServerProcess& s) {
  Reply r = s.Command({"ROLE"});
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements == 0) return "";
  return std::string(r->element[0]->str, r->element[0]->len);
}

// The replica's link is up, its offset is the primary's, and the primary
// counts it online.
inline bool CaughtUp(const ServerProcess& primary, const ServerProcess& replica) {
  const std::string offset = InfoField(primary, "master_repl_offset");
  return !offset.empty() && InfoField(replica, "master_link_status") == "up" &&
         InfoField(replica, "slave_repl_offset") == offset &&
         InfoField(primary, "slave0").find("state=online") != std::string::npos;
}

// Makes `replica` replicate `primary` and waits until it caught up.
inline void Attach(const ServerProcess& replica, const ServerProcess& primary) {
  ASSERT_EQ(ReplyText(replica.Command({"REPLICAOF", "127.0.0.1", PortOf(primary)})), "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(primary, replica); }, std::chrono::seconds(30)))
      << replica.ReadLog();
}

}  // namespace baton::testing
