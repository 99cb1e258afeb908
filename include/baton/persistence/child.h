// Forked children (BGSAVE, BGREWRITEAOF, replication's RDB for full sync).
// Like Redis, at most one child runs at a time; the loop keeps serving while
// it works, and `done` runs on the loop when it exits.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

namespace baton::server {
class Server;
}

namespace baton::persistence {

enum class ChildPurpose { kNone, kRdb, kAof, kReplication };

class ChildProcess {
 public:
  // Forks; the child runs `body` and exits with its return value (0 = ok)
  // without running atexit handlers. In the parent, `done(ok)` is called on
  // the loop when the child exits. Returns "" or an error (a child already
  // running, fork failed).
  static std::string Start(server::Server& server, ChildPurpose purpose,
                           std::function<int()> body, std::function<void(bool ok)> done);
  [[nodiscard]] static ChildPurpose Running();
  [[nodiscard]] static pid_t RunningPid();
  // Kills the running child (SIGUSR1, as Redis does, so it is not reported
  // as an error); its `done(false)` still runs.
  static void Kill();
};

}  // namespace baton::persistence
