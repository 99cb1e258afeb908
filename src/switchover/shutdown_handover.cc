// Graceful shutdown with a hand-over: see include/baton/switchover/shutdown_handover.h.
#include "baton/switchover/shutdown_handover.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "baton/server/client.h"
#include "baton/switchover/failover.h"
#include "baton/switchover/session_relay.h"

namespace baton::switchover {
namespace {

// How long after the switch the old primary keeps answering (REDIRECT)
// before it exits, and the silence that ends the wait sooner.
constexpr int64_t kMaxLingerMs = 1000;
constexpr int64_t kQuietMs = 50;
// After the linger, how long relayed sessions may take to get their last
// replies before the connections close.
constexpr int64_t kMaxRelayDrainMs = 2000;
constexpr uint64_t kTickMs = 10;
// The failover's deadline when shutdown-timeout is 0 (Redis: do not wait).
constexpr int64_t kDefaultHandoverTimeoutMs = 10000;

}  // namespace

// The poll timer. Closing is asynchronous: `owner` is cleared when the
// hand-over lets go, and the memory is freed in the close callback.
struct ShutdownHandover::Timer {
  uv_timer_t handle{};
  ShutdownHandover* owner = nullptr;
  server::Server* server = nullptr;

  static void OnFire(uv_timer_t* t) {
    auto* self = static_cast<Timer*>(t->data);
    if (self->owner != nullptr) self->owner->Tick();
  }
  static void OnClose(uv_handle_t* h) { delete static_cast<Timer*>(h->data); }
};

HandoverRefusal StartShutdownHandover(server::Server& server,
                                      const server::Server::ShutdownOptions& options,
                                      uint64_t client_id) {
  Failover& failover = Failover::Get(server);
  if (HandoverRefusal refusal = failover.StartRefusal(); !refusal.empty()) return refusal;

  FailoverRequest request;  // to the first replica that catches up
  request.timeout_ms = server.settings().shutdown_timeout > 0
                           ? server.settings().shutdown_timeout * 1000
                           : kDefaultHandoverTimeoutMs;
  failover.shutdown_handover = std::make_unique<ShutdownHandover>(server, options, client_id);
  failover.on_finished = [&failover](bool handed_over) {
    if (failover.shutdown_handover) failover.shutdown_handover->OnFailoverFinished(handed_over);
  };
  spdlog::warn("Handing the primary role to a replica before shutting down.");
  failover.Start(request);
  return "";
}

bool StartRelayDrain(server::Server& server, const server::Server::ShutdownOptions& options,
                     uint64_t client_id) {
  if (options.now) return false;
  Failover& failover = Failover::Get(server);
  if (failover.shutdown_handover || failover.session_relay->RepliesOutstanding() == 0) {
    return false;
  }
  failover.shutdown_handover = std::make_unique<ShutdownHandover>(server, options, client_id);
  failover.shutdown_handover->StartDrain();
  spdlog::warn("Shutting down once the relayed sessions have their replies.");
  return true;
}

bool ShutdownHandoverRunning(server::Server& server) {
  return server.switchover_state && Failover::Get(server).shutdown_handover != nullptr;
}

bool AbortShutdownHandover(server::Server& server) {
  if (!ShutdownHandoverRunning(server)) return false;
  Failover& failover = Failover::Get(server);
  // Let go first: the rollback's callback must not start the shutdown.
  std::unique_ptr<ShutdownHandover> handover = std::move(failover.shutdown_handover);
  failover.on_finished = nullptr;
  failover.Abort("Shutdown aborted");
  failover.session_relay->ResumeRelaying();
  spdlog::warn("Shutdown manually aborted.");
  return true;
}

ShutdownHandover::ShutdownHandover(server::Server& server,
                                   const server::Server::ShutdownOptions& options,
                                   uint64_t client_id)
    : server_(server), options_(options), client_id_(client_id) {
  timer_ = new Timer;
  timer_->owner = this;
  timer_->handle.data = timer_;
  uv_timer_init(server_.loop(), &timer_->handle);
  uv_timer_start(&timer_->handle, Timer::OnFire, kTickMs, kTickMs);
}

ShutdownHandover::~ShutdownHandover() {
  timer_->owner = nullptr;
  uv_timer_stop(&timer_->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_->handle), Timer::OnClose);
}

void ShutdownHandover::StartDrain() {
  server_.UpdateCachedTime();
  failover_ended_ms_ = server_.NowMs();
  drain_started_ms_ = failover_ended_ms_;
  handed_over_ = true;
  Failover::Get(server_).session_relay->StopRelaying();
}

void ShutdownHandover::OnFailoverFinished(bool handed_over) {
  failover_ended_ms_ = server_.NowMs();
  handed_over_ = handed_over;
  if (!handed_over) spdlog::warn("The hand-over failed: shutting down as the primary.");
}

// Quiet: no client (replication links aside) waits for a reply, has a
// command postponed, or sent anything in the last kQuietMs.
bool ShutdownHandover::ClientsQuiet() {
  const int64_t now = server_.NowMs();
  bool quiet = true;
  server_.ForEachClient([&](server::Client& c) {
    if (c.Has(server::kClientReplica) || c.Has(server::kClientMaster)) return;
    if (!c.output().empty() || !c.postponed_args().empty() ||
        now - c.last_interaction_ms() < kQuietMs) {
      quiet = false;
    }
  });
  return quiet;
}

void ShutdownHandover::Tick() {
  if (failover_ended_ms_ < 0) return;
  server_.UpdateCachedTime();
  if (handed_over_) {
    const int64_t now = server_.NowMs();
    SessionRelay& relay = *Failover::Get(server_).session_relay;
    if (drain_started_ms_ < 0) {
      if (!ClientsQuiet() && now - failover_ended_ms_ < kMaxLingerMs) return;
      // Relayed sessions close between replies: no new request goes out,
      // and the ones under way get their answers first.
      relay.StopRelaying();
      drain_started_ms_ = now;
    }
    if (relay.RepliesOutstanding() > 0 && now - drain_started_ms_ < kMaxRelayDrainMs) return;
  }
  uv_timer_stop(&timer_->handle);
  std::string error = server_.Shutdown(options_);
  if (error.empty()) return;  // the loop stops; the process exits
  // The final save failed (and no FORCE): the node stays up, as SHUTDOWN
  // does in that case, and the client that asked hears why.
  if (server::Client* c = server_.FindClient(client_id_); c != nullptr) {
    c->reply().Error("ERR " + error);
    server_.MarkPendingWrite(*c);
  }
  // The node stays up: relayed sessions go on.
  Failover& failover = Failover::Get(server_);
  failover.session_relay->ResumeRelaying();
  // Last use of `this`: the module lets go of the finished hand-over.
  failover.shutdown_handover.reset();
}

}  // namespace baton::switchover
