// Graceful shutdown that hands the primary role over first: SHUTDOWN FAILOVER,
// or `shutdown-failover yes` for a plain SHUTDOWN and for SIGTERM/SIGINT.
//
// A primary with a replica runs a FAILOVER (to the first replica to catch
// up, bounded by `shutdown-timeout`) before it exits. Meanwhile it keeps
// serving: writes are postponed by the failover's pause, then answered with
// -REDIRECT (or -READONLY for clients without CLIENT CAPA redirect) like on
// any demoted primary. Once the failover has ended, the node lingers until
// its clients have read their replies and gone quiet (at most one second),
// then shuts down with the options SHUTDOWN was given, saving if configured.
// A failover that rolls back (timeout, rejected PSYNC) still shuts down: a
// shutdown asked for is carried out, as Redis does when its replicas do not
// catch up within shutdown-timeout.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "baton/server/server.h"

namespace baton::switchover {

// Why a hand-over could not start ("" when it did).
using HandoverRefusal = std::string_view;

// Starts the hand-over. `client_id` is the client that sent SHUTDOWN (0 for
// a signal): it gets the error if the final shutdown fails. Returns "" when
// the hand-over runs (the server shuts down by itself later), or the
// FAILOVER error text that prevents it (a replica, no replicas, a failover
// already running).
HandoverRefusal StartShutdownHandover(server::Server& server,
                                      const server::Server::ShutdownOptions& options,
                                      uint64_t client_id);

// Shutting down a node whose relayed sessions (session_relay.h) still wait
// for replies from the new primary: no new request is relayed, and the node
// shuts down with `options` once those replies are back (at most two
// seconds), so that each session closes between two replies. False when
// nothing is outstanding (or with NOW): shut down at once.
bool StartRelayDrain(server::Server& server, const server::Server::ShutdownOptions& options,
                     uint64_t client_id);

// True while a hand-over or a drain runs (a second signal then exits at once).
bool ShutdownHandoverRunning(server::Server& server);

// SHUTDOWN ABORT: rolls the failover back and cancels the shutdown. False
// when no hand-over runs.
bool AbortShutdownHandover(server::Server& server);

// The running hand-over, owned by the Failover module.
class ShutdownHandover {
 public:
  ShutdownHandover(server::Server& server, const server::Server::ShutdownOptions& options,
                   uint64_t client_id);
  ~ShutdownHandover();
  ShutdownHandover(const ShutdownHandover&) = delete;
  ShutdownHandover& operator=(const ShutdownHandover&) = delete;

  // The failover ended: from now on, wait for the clients to go quiet.
  void OnFailoverFinished(bool handed_over);
  // No failover: only let the relayed sessions get their replies.
  void StartDrain();
  // Polled from a 10 ms timer: shuts down once the clients are quiet.
  void Tick();

 private:
  struct Timer;
  [[nodiscard]] bool ClientsQuiet();

  server::Server& server_;
  server::Server::ShutdownOptions options_;
  uint64_t client_id_;
  int64_t failover_ended_ms_ = -1;  // -1: the failover still runs
  int64_t drain_started_ms_ = -1;   // -1: relayed sessions still take requests
  bool handed_over_ = false;
  Timer* timer_ = nullptr;
};

}  // namespace baton::switchover
