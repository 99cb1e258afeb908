// Forked children (BGSAVE, BGREWRITEAOF, replication's RDB for full sync).
// Like Redis, at most one child runs at a time in the process; the loop keeps
// serving while it works, and `done` runs on the loop when it exits.
//
// The parent notices the exit through a libuv signal handle on SIGCHLD
// (waitpid on the child's pid only, so other children are not reaped here)
// and, as a safety net, through Poll() which the persistence cron calls.
// The child resets the loop's signal handlers, runs `body` and leaves with
// _exit(): no atexit handlers, no destructors, no libuv calls.
#pragma once

#include <sys/types.h>

#include <cstdint>
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
  // the loop when the child exits (ok: exit status 0). Returns "" or an error
  // (a child already running, fork failed).
  static std::string Start(server::Server& server, ChildPurpose purpose, std::function<int()> body,
                           std::function<void(bool ok)> done);
  [[nodiscard]] static ChildPurpose Running();
  [[nodiscard]] static pid_t RunningPid();
  // Milliseconds since the running child was forked (-1 when none).
  [[nodiscard]] static int64_t RunningForMs();
  // Kills the running child (SIGUSR1, as Redis does, so it is not reported
  // as an error); its `done(false)` still runs, on the loop, when it is reaped.
  static void Kill();
  // Whether the last child that exited was ended by Kill().
  [[nodiscard]] static bool LastWasKilled();
  // Reaps the child if it has exited (runs `done`). Called from the cron.
  static void Poll();
  // Kills the running child, waits for it and forgets its `done` without
  // calling it (shutdown, server teardown).
  static void Abandon();
};

}  // namespace baton::persistence
