// The FAILOVER state machine (SWITCHOVER.md, "FAILOVER").
//
// A coordinated hand-over from this primary to one of its replicas:
//   1. writes are paused (failover purpose) and the target is asked for an
//      ACK at once (REPLCONF GETACK *);
//   2. the moment the target acknowledges the offset the paused dataset
//      stands at (the OnAck event), this node becomes a replica of the target
//      and its handshake ends with `PSYNC <replid> <offset+1> FAILOVER`, on
//      which the target promotes itself and answers +CONTINUE;
//   3. +CONTINUE or +FULLRESYNC (the OnLinkState event) ends the failover and
//      lifts the pause: postponed commands re-enter the gate on a replica.
// Any other answer, a broken link, ABORT or the TIMEOUT (without FORCE) rolls
// back: primary again with the replication ids it had, pause lifted.
//
// Driven by events; a libuv timer serves only as the TIMEOUT safety net.
// Transitions requested from inside an event (an ACK being dispatched, the
// master link reading) are carried out before the loop sleeps.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "baton/replication/replication.h"
#include "baton/server/server.h"

namespace baton::switchover {

class ShutdownHandover;  // shutdown_handover.h
class SessionRelay;      // session_relay.h

enum class FailoverState {
  kNone,         // no-failover: nothing running
  kWaitForSync,  // waiting-for-sync: writes paused, waiting for the target's ACK
  kInProgress,   // failover-in-progress: a replica of the target, PSYNC FAILOVER under way
};
// The INFO master_failover_state names.
const char* FailoverStateName(FailoverState s);

// A validated FAILOVER request.
struct FailoverRequest {
  std::string host;  // empty: the first online replica to catch up
  int port = 0;
  int64_t timeout_ms = 0;  // 0: no deadline
  bool force = false;      // at the deadline, fail over to `host` anyway
};

class Failover : public server::Server::ModuleState {
 public:
  explicit Failover(server::Server& server);
  ~Failover() override;
  Failover(const Failover&) = delete;
  Failover& operator=(const Failover&) = delete;

  // The module of `server` (installed by InstallFailover).
  static Failover& Get(server::Server& server);

  [[nodiscard]] FailoverState state() const { return state_; }
  // Why a failover cannot start now, in Redis's order of checks (one
  // running already, this node a replica, no replica connected); "" when it can.
  [[nodiscard]] std::string_view StartRefusal() const;
  // Starts a failover (the caller checked StartRefusal() and the request).
  void Start(const FailoverRequest& request);
  // Rolls back whatever stage runs (FAILOVER ABORT, errors, timeout).
  void Abort(std::string_view why);

  // Called once when the running failover ends: true when this node handed
  // the primary role over, false when it rolled back.
  std::function<void(bool handed_over)> on_finished;
  // SHUTDOWN FAILOVER / shutdown-failover under way (shutdown_handover.cc).
  std::unique_ptr<ShutdownHandover> shutdown_handover;
  // The legacy sessions handed over to the new primary (session_relay.h).
  std::unique_ptr<SessionRelay> session_relay;

  // Where a replica of ours is reachable (announced ip or peer ip, and its
  // listening port), as FAILOVER TO names it.
  [[nodiscard]] static std::string ReplicaHost(server::Client& replica);
  [[nodiscard]] static int ReplicaPort(server::Client& replica);

 private:
  friend void InstallFailover(server::Server& server);
  struct Timer;  // the uv_timer_t, freed in its close callback
  enum class Pending { kNone, kSwitch, kDone, kFailed };

  void OnAck(server::Client& replica, int64_t offset);
  void OnLinkState(replication::LinkState state);
  void OnDeadline();
  void BeforeSleep();
  void SwitchToTarget();
  void Finish();
  void RedirectBlockedClients();
  void Unpause();
  void StopTimer();

  server::Server& server_;
  FailoverState state_ = FailoverState::kNone;
  FailoverRequest request_;
  std::string target_host_;  // chosen target
  int target_port_ = 0;
  int64_t sync_offset_ = 0;   // the paused dataset's offset the target must reach
  int64_t paused_at_ms_ = 0;  // when writes were paused (logged at the end)
  bool switching_ = false;    // inside ReplicaOf(): link states are ours, not answers
  Pending pending_ = Pending::kNone;
  std::string pending_why_;
  bool resume_ = false;  // postponed clients run again before the loop sleeps
  // The ids to restore when a failover in progress is rolled back.
  std::string saved_replid_;
  std::string saved_replid2_;
  int64_t saved_second_offset_ = -1;
  Timer* timer_ = nullptr;
};

// Creates the module (server.switchover_state) and subscribes it to the
// replication events. Idempotent.
void InstallFailover(server::Server& server);

}  // namespace baton::switchover
