// The FAILOVER state machine: see include/baton/switchover/failover.h.
#include "baton/switchover/failover.h"

#include <spdlog/spdlog.h>

#include <limits>
#include <utility>

#include "baton/server/blocking.h"
#include "baton/server/client.h"
#include "baton/server/command_table.h"
#include "baton/server/errors.h"
#include "baton/switchover/session_relay.h"
#include "baton/switchover/shutdown_handover.h"
#include "baton/util/strings.h"

namespace baton::switchover {

using replication::LinkState;
using replication::ReplicaSession;
using replication::ReplicaState;
using replication::Replication;

const char* FailoverStateName(FailoverState s) {
  switch (s) {
    case FailoverState::kNone:
      return "no-failover";
    case FailoverState::kWaitForSync:
      return "waiting-for-sync";
    case FailoverState::kInProgress:
      return "failover-in-progress";
  }
  return "unknown";
}

// The deadline timer. Closing is asynchronous: `owner` is cleared when the
// Failover lets go, and the memory is freed in the close callback.
struct Failover::Timer {
  uv_timer_t handle{};
  Failover* owner = nullptr;

  static void OnFire(uv_timer_t* t) {
    auto* self = static_cast<Timer*>(t->data);
    if (self->owner != nullptr) self->owner->OnDeadline();
  }
  static void OnClose(uv_handle_t* h) { delete static_cast<Timer*>(h->data); }
};

Failover::Failover(server::Server& server) : server_(server) {}

Failover::~Failover() {
  shutdown_handover.reset();
  session_relay.reset();
  StopTimer();
}

Failover& Failover::Get(server::Server& server) {
  InstallFailover(server);
  return static_cast<Failover&>(*server.switchover_state);
}

void InstallFailover(server::Server& server) {
  if (server.switchover_state) return;
  auto owned = std::make_unique<Failover>(server);
  Failover* f = owned.get();
  server.switchover_state = std::move(owned);
  Replication& repl = Replication::Get(server);
  repl.failover_state = [f]() -> std::string { return FailoverStateName(f->state()); };
  repl.OnAck([f](server::Client& replica, int64_t offset) { f->OnAck(replica, offset); });
  repl.OnLinkState([f](LinkState s) { f->OnLinkState(s); });
  server.AddBeforeSleepTask([f]() { f->BeforeSleep(); });
  f->session_relay = std::make_unique<SessionRelay>(server);
  server.dispatcher().SetRelayHook(
      [relay = f->session_relay.get()](server::Client& c, const server::CommandSpec* cmd,
                                       std::span<const std::string_view> args) {
        return relay->OnRequest(c, cmd, args);
      });
}

std::string Failover::ReplicaHost(server::Client& replica) {
  if (replica.replication_state) {
    const auto& s = static_cast<const ReplicaSession&>(*replica.replication_state);
    if (!s.announced_ip.empty()) return s.announced_ip;
  }
  const std::string& peer = replica.peer();
  const size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

int Failover::ReplicaPort(server::Client& replica) {
  if (!replica.replication_state) return 0;
  return static_cast<int>(
      static_cast<const ReplicaSession&>(*replica.replication_state).listening_port);
}

std::string_view Failover::StartRefusal() const {
  if (state_ != FailoverState::kNone) return server::err::kFailoverRunning;
  if (server_.role().is_replica) return server::err::kFailoverOnReplica;
  int replicas = 0;
  Replication::Get(server_).ForEachReplica([&](server::Client&, ReplicaSession&) { ++replicas; });
  if (replicas == 0) return server::err::kFailoverNoReplicas;
  return "";
}

void Failover::Start(const FailoverRequest& request) {
  request_ = request;
  target_host_ = request.host;
  target_port_ = request.port;
  pending_ = Pending::kNone;
  Replication& repl = Replication::Get(server_);
  // With writes paused the dataset's offset stands still; only our own
  // REPLCONF GETACK still enters the stream after this point.
  sync_offset_ = server_.role().master_repl_offset;
  server_.UpdateCachedTime();
  paused_at_ms_ = server_.NowMs();
  server_.pauses().Pause(PausePurpose::kFailover, PauseType::kWrite,
                         std::numeric_limits<int64_t>::max());
  state_ = FailoverState::kWaitForSync;
  if (request.host.empty()) {
    spdlog::info("FAILOVER requested to any replica.");
  } else {
    spdlog::info("FAILOVER requested to {}:{}.", request.host, request.port);
  }
  if (request.timeout_ms > 0) {
    timer_ = new Timer;
    timer_->owner = this;
    timer_->handle.data = timer_;
    uv_timer_init(server_.loop(), &timer_->handle);
    uv_timer_start(&timer_->handle, Timer::OnFire, static_cast<uint64_t>(request.timeout_ms), 0);
  }
  // A target already there moves on before the loop sleeps; the others are
  // asked for an ACK now instead of at their once-a-second report.
  repl.ForEachReplica([&](server::Client& c, ReplicaSession& s) {
    if (s.state == ReplicaState::kOnline) OnAck(c, s.ack_offset);
  });
  if (pending_ == Pending::kNone) repl.RequestAcks();
}

void Failover::OnAck(server::Client& replica, int64_t offset) {
  if (state_ != FailoverState::kWaitForSync || pending_ != Pending::kNone) return;
  if (offset < sync_offset_ || !replica.replication_state) return;
  if (static_cast<const ReplicaSession&>(*replica.replication_state).state !=
      ReplicaState::kOnline) {
    return;
  }
  const std::string host = ReplicaHost(replica);
  const int port = ReplicaPort(replica);
  if (!request_.host.empty() &&
      (!util::EqualsIgnoreCase(host, request_.host) || port != request_.port)) {
    return;
  }
  target_host_ = host;
  target_port_ = port;
  pending_ = Pending::kSwitch;
}

void Failover::OnDeadline() {
  StopTimer();
  if (state_ != FailoverState::kWaitForSync || pending_ != Pending::kNone) return;
  if (request_.force) {
    spdlog::info("FAILOVER to {}:{} time out exceeded, failing over.", request_.host,
                 request_.port);
    target_host_ = request_.host;
    target_port_ = request_.port;
    SwitchToTarget();
    return;
  }
  Abort("Replica never caught up before timeout");
}

void Failover::OnLinkState(LinkState state) {
  if (state_ != FailoverState::kInProgress || switching_ || pending_ != Pending::kNone) return;
  switch (state) {
    case LinkState::kConnected:  // +CONTINUE
    case LinkState::kTransfer:   // +FULLRESYNC
      pending_ = Pending::kDone;
      return;
    case LinkState::kConnect:  // the connection failed, or PSYNC got another answer
    case LinkState::kNone:
      pending_ = Pending::kFailed;
      pending_why_ = "Failover target rejected psync request";
      return;
    default:
      return;
  }
}

void Failover::BeforeSleep() {
  switch (std::exchange(pending_, Pending::kNone)) {
    case Pending::kNone:
      break;
    case Pending::kSwitch:
      if (state_ == FailoverState::kWaitForSync) SwitchToTarget();
      break;
    case Pending::kDone:
      if (state_ == FailoverState::kInProgress) Finish();
      break;
    case Pending::kFailed:
      if (state_ == FailoverState::kInProgress) Abort(pending_why_);
      break;
  }
  if (std::exchange(resume_, false)) server_.ResumePostponed();
}

void Failover::SwitchToTarget() {
  StopTimer();
  Replication& repl = Replication::Get(server_);
  server::ReplicationRole& role = server_.role();
  saved_replid_ = role.replid;
  saved_replid2_ = role.replid2;
  saved_second_offset_ = role.second_replid_offset;
  state_ = FailoverState::kInProgress;
  spdlog::info("Failover target {}:{} is synced, failing over.", target_host_, target_port_);
  repl.set_psync_suffix("FAILOVER");
  switching_ = true;
  repl.ReplicaOf(target_host_, target_port_);
  switching_ = false;
  // Could not even start connecting (an unresolvable host).
  if (repl.link().state() == LinkState::kConnect) {
    Abort("Failover target rejected psync request");
    return;
  }
  RedirectBlockedClients();
}

// A replica must not serve blocked pops from its master's stream: capable
// clients blocked on a command for the primary get -REDIRECT now and stay
// connected; a READONLY client blocked on a read keeps waiting.
void Failover::RedirectBlockedClients() {
  const server::ReplicationRole& role = server_.role();
  const std::string error = "REDIRECT " + role.master_host + ":" + std::to_string(role.master_port);
  server::ForEachBlockedClient(server_, [&](server::Client& c) {
    if (!c.Has(server::kClientCapaRedirect)) return;
    // What the redirect check of the gate decides (switchover/redirect.cc).
    const server::CommandSpec* cmd = server_.commands().Find(c.last_command());
    if (cmd != nullptr && !cmd->Has(server::kCmdWrite) &&
        (!cmd->Has(server::kCmdReadonly) || c.Has(server::kClientReadonly))) {
      return;
    }
    // Unblocking answers a null array: replaced by the redirect.
    std::string& out = c.output();
    const size_t before = out.size();
    if (!server::UnblockClient(server_, c, false)) return;
    if (out.size() > before) out.resize(before);
    c.reply().Error(error);
    server_.MarkPendingWrite(c);
  });
}

void Failover::Finish() {
  server_.UpdateCachedTime();
  spdlog::info("Failover to {}:{} succeeded; writes were paused for {} ms.", target_host_,
               target_port_, server_.NowMs() - paused_at_ms_);
  state_ = FailoverState::kNone;
  // Before the postponed commands run again: those of legacy sessions are
  // relayed to the new primary instead of answered -READONLY.
  session_relay->HandOver(target_host_, target_port_);
  Unpause();
  if (auto done = std::exchange(on_finished, nullptr)) done(true);
}

void Failover::Abort(std::string_view why) {
  if (state_ == FailoverState::kNone) return;
  spdlog::warn("FAILOVER aborted: {}", why);
  StopTimer();
  pending_ = Pending::kNone;
  if (state_ == FailoverState::kInProgress) {
    Replication& repl = Replication::Get(server_);
    // Primary again, under the history it had: its replicas continue it.
    state_ = FailoverState::kNone;
    repl.set_psync_suffix("");
    repl.BecomeMaster();
    server::ReplicationRole& role = server_.role();
    role.replid = saved_replid_;
    role.replid2 = saved_replid2_;
    role.second_replid_offset = saved_second_offset_;
  }
  state_ = FailoverState::kNone;
  Unpause();
  if (auto done = std::exchange(on_finished, nullptr)) done(false);
}

void Failover::Unpause() {
  server_.pauses().Unpause(PausePurpose::kFailover);
  // Postponed commands go through the gate again (a replica now: REDIRECT),
  // before the loop sleeps: never from inside another command.
  resume_ = true;
}

void Failover::StopTimer() {
  if (timer_ == nullptr) return;
  timer_->owner = nullptr;
  uv_timer_stop(&timer_->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_->handle), Timer::OnClose);
  timer_ = nullptr;
}

}  // namespace baton::switchover
