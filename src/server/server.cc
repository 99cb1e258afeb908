#include "baton/server/server.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "baton/commands/registry.h"
#include "baton/server/errors.h"
#include "baton/switchover/redirect.h"
#include "baton/switchover/shutdown_handover.h"
#include "baton/util/strings.h"

namespace baton::server {

Server::Server(config::Config config, uv_loop_t* loop)
    : config_(std::move(config)), loop_(loop), dispatcher_(*this) {
  if (loop_ == nullptr) {
    loop_ = new uv_loop_t;
    uv_loop_init(loop_);
    own_loop_ = true;
  }
  UpdateCachedTime();
  start_time_ms_ = now_ms_;
  run_id_ = util::RandomHex(40);
  role_.replid = util::RandomHex(40);
  for (int i = 0; i < settings().databases; ++i) {
    dbs_.push_back(std::make_unique<store::Database>(i, this));
  }
  commands::RegisterAll(*this);
  switchover::InstallRedirectCheck(*this);
}

Server::~Server() {
  // Persistence first: it closes its libuv handles while the loop still runs.
  persistence_state.reset();
  // The failover module listens to replication: it goes first (closes its timer).
  switchover_state.reset();
  // Replication closes its master link while the loop still runs.
  replication_state.reset();
  // Clients first: they reference the server.
  for (auto& [id, c] : clients_) {
    if (c->connection() != nullptr) {
      c->connection()->set_handler(nullptr);
      c->connection()->Close();
    }
  }
  clients_.clear();
  for (Client* c : closed_clients_) delete c;
  closed_clients_.clear();
  if (listener_) listener_->CloseAll();
  if (handles_started_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&cron_timer_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  }
  // Let close callbacks run so every handle's memory is released.
  uv_run(loop_, UV_RUN_NOWAIT);
  if (own_loop_) {
    uv_loop_close(loop_);
    delete loop_;
  }
}

void Server::UpdateCachedTime() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  now_us_ =
      std::chrono::duration_cast<std::chrono::microseconds>(now).count() + clock_offset_ms_ * 1000;
  now_ms_ = now_us_ / 1000;
}

std::string Server::BindListeners() {
  listener_ = std::make_unique<net::Listener>(loop_, [this](net::Connection* c) { OnAccept(c); });
  const auto& s = settings();
  if (s.port != 0) {
    int bound = 0;
    for (std::string addr : s.bind) {
      bool optional = !addr.empty() && addr[0] == '-';
      if (optional) addr.erase(0, 1);
      if (addr == "*") addr = "0.0.0.0";
      if (addr == "::*") addr = "::";
      int rc =
          listener_->ListenTcp(addr, static_cast<int>(s.port), static_cast<int>(s.tcp_backlog));
      if (rc != 0) {
        if (optional && (rc == UV_EADDRNOTAVAIL || rc == UV_EAFNOSUPPORT || rc == UV_EINVAL)) {
          continue;
        }
        spdlog::warn("Warning: Could not create server TCP listening socket {}:{}: bind: {}", addr,
                     s.port, uv_strerror(rc));
        if (optional) continue;
        return "Failed listening on port " + std::to_string(s.port) + " (tcp), aborting.";
      }
      ++bound;
    }
    if (bound == 0) {
      return "Failed listening on port " + std::to_string(s.port) + " (tcp), aborting.";
    }
    bound_port_ = listener_->BoundPort();
  }
  if (!s.unixsocket.empty()) {
    int rc = listener_->ListenUnix(s.unixsocket, static_cast<int>(s.unixsocketperm),
                                   static_cast<int>(s.tcp_backlog));
    if (rc != 0) {
      return "Failed opening Unix socket: " + std::string(uv_strerror(rc));
    }
  }
  return "";
}

std::string Server::Start() {
  if (std::string e = BindListeners(); !e.empty()) return e;
  uv_timer_init(loop_, &cron_timer_);
  cron_timer_.data = this;
  int64_t hz = std::clamp<int64_t>(settings().hz, 1, 500);
  uv_timer_start(&cron_timer_, OnCronTimer, static_cast<uint64_t>(1000 / hz),
                 static_cast<uint64_t>(1000 / hz));
  uv_prepare_init(loop_, &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, OnPrepare);
  uv_signal_init(loop_, &sigterm_);
  sigterm_.data = this;
  uv_signal_start(&sigterm_, OnSignal, SIGTERM);
  uv_signal_init(loop_, &sigint_);
  sigint_.data = this;
  uv_signal_start(&sigint_, OnSignal, SIGINT);
  handles_started_ = true;
  config_.SetApplyHook("hz", [this]() {
    int64_t hz2 = std::clamp<int64_t>(settings().hz, 1, 500);
    uv_timer_set_repeat(&cron_timer_, static_cast<uint64_t>(1000 / hz2));
    return std::string();
  });
  return "";
}

int Server::Run() {
  uv_run(loop_, UV_RUN_DEFAULT);
  return 0;
}

void Server::StopLoop() { uv_stop(loop_); }

Client* Server::AddClient(net::Connection* conn) {
  uint64_t id = next_client_id_++;
  auto client = std::make_unique<Client>(*this, id, conn);
  Client* raw = client.get();
  clients_.emplace(id, std::move(client));
  if (conn != nullptr) {
    conn->set_handler(raw);
    conn->user_data = raw;
  }
  return raw;
}

void Server::OnAccept(net::Connection* conn) {
  ++stats_.total_connections_received;
  if (static_cast<int64_t>(clients_.size()) >= settings().maxclients) {
    conn->Write(std::string_view("-ERR max number of clients reached\r\n"));
    conn->Close(true);
    ++stats_.rejected_connections;
    return;
  }
  // Protected mode: no password and default bind -> only loopback clients.
  const auto& s = settings();
  bool default_bind = s.bind.size() == 2 && s.bind[0] == "*" && s.bind[1] == "-::*";
  if (s.protected_mode && s.requirepass.empty() && default_bind &&
      conn->kind() == net::Connection::Kind::kTcp) {
    const std::string& peer = conn->peer();
    bool loopback = peer.rfind("127.", 0) == 0 || peer.rfind("::1:", 0) == 0;
    if (!loopback) {
      std::string msg = "-";
      msg += err::kProtectedMode;
      msg += "\r\n";
      conn->Write(std::move(msg));
      conn->Close(true);
      ++stats_.rejected_connections;
      return;
    }
  }
  Client* client = AddClient(conn);
  (void)client;
  conn->StartReading();
}

void Server::RemoveClient(Client* client) {
  auto it = clients_.find(client->id());
  if (it == clients_.end()) return;
  std::erase(monitors_, client);
  std::erase(pending_write_, client);
  client->pending_write = false;
  for (auto& hook : client_closed_hooks_) hook(*client);
  // Freed later: the client may be on the call stack right now.
  closed_clients_.push_back(it->second.release());
  clients_.erase(it);
}

Client* Server::FindClient(uint64_t id) {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second.get();
}

void Server::MarkPendingWrite(Client& client) {
  if (client.pending_write) return;
  client.pending_write = true;
  pending_write_.push_back(&client);
}

void Server::AddPostponed(Client& client) { postponed_.push_back(client.id()); }

void Server::ResumePostponed() {
  std::deque<uint64_t> waiting;
  waiting.swap(postponed_);
  while (!waiting.empty()) {
    Client* c = FindClient(waiting.front());
    waiting.pop_front();
    if (c == nullptr || !c->Has(kClientPostponed)) continue;
    if (pauses_.Effective() != switchover::PauseType::kNone) {
      // Still paused for this command kind? Re-check through the gate.
      const CommandSpec* container = nullptr;
      std::vector<std::string_view> views(c->postponed_args().begin(), c->postponed_args().end());
      const CommandSpec* cmd = commands_.Resolve(views, &container);
      if (cmd != nullptr && dispatcher_.ShouldPostpone(*c, *cmd)) {
        postponed_.push_back(c->id());
        continue;
      }
    }
    c->Clear(kClientPostponed);
    std::vector<std::string> args = std::move(c->postponed_args());
    c->postponed_args().clear();
    std::vector<std::string_view> views(args.begin(), args.end());
    dispatcher_.Dispatch(*c, views);
    c->ProcessInput();
    MarkPendingWrite(*c);
  }
  // Keep the ones still waiting in arrival order.
  for (uint64_t id : waiting) postponed_.push_back(id);
}

bool Server::ExpiryMayDelete() const { return !role_.is_replica && !pauses_.WritesPaused(); }

void Server::OnKeyExpired(store::Database& db, std::string_view key) {
  ++stats_.expired_keys;
  dispatcher_.AddEffect(db.index(), {"DEL", std::string(key)});
}

void Server::OnKeyModified(store::Database& db, std::string_view key) {
  for (auto& hook : key_modified_hooks_) hook(db.index(), key);
}

void Server::EmitEffects(std::span<const Effect> effects) {
  for (EffectSink* sink : sinks_) sink->OnEffects(effects);
}

void Server::FlushAll() {
  for (auto& db : dbs_) {
    if (!key_modified_hooks_.empty()) {
      std::vector<std::string> keys;
      db->ForEach([&](store::KeyEntry* e) { keys.emplace_back(e->Key()); });
      for (const auto& k : keys) OnKeyModified(*db, k);
    }
    db->Clear();
  }
}

void Server::OnCronTimer(uv_timer_t* timer) { static_cast<Server*>(timer->data)->Cron(); }

void Server::OnPrepare(uv_prepare_t* prepare) {
  static_cast<Server*>(prepare->data)->BeforeSleep();
}

void Server::OnSignal(uv_signal_t* handle, int signum) {
  auto* self = static_cast<Server*>(handle->data);
  spdlog::warn("Received {} scheduling shutdown...", signum == SIGINT ? "SIGINT" : "SIGTERM");
  if (self->shutting_down_ || switchover::ShutdownHandoverRunning(*self)) {
    spdlog::warn("You insist... exiting now.");
    self->StopLoop();
    return;
  }
  ShutdownOptions opts;
  // shutdown-failover yes: a primary hands over first, then exits by itself.
  if (self->settings().shutdown_failover &&
      switchover::StartShutdownHandover(*self, opts, 0).empty()) {
    return;
  }
  // Relayed sessions (after a FAILOVER) close between replies.
  if (switchover::StartRelayDrain(*self, opts, 0)) return;
  std::string e = self->Shutdown(opts);
  if (!e.empty())
    spdlog::warn(
        "SIGTERM received but errors trying to shut down the server, check the logs for more "
        "information");
}

std::string Server::Shutdown(const ShutdownOptions& options) {
  if (prepare_shutdown) prepare_shutdown();
  bool want_save = options.save || (!options.nosave && !settings().save.empty());
  if (want_save && save_on_shutdown) {
    spdlog::info("Saving the final RDB snapshot before exiting.");
    std::string e = save_on_shutdown();
    if (!e.empty() && !options.force) {
      spdlog::warn("Error trying to save the DB, can't exit.");
      return "Errors trying to SHUTDOWN. Check logs.";
    }
  }
  spdlog::warn("{} is now ready to exit, bye bye...", "Baton");
  shutting_down_ = true;
  // Deliver what is queued (e.g. replies before SHUTDOWN) and stop.
  for (auto& [id, c] : clients_) c->Flush();
  StopLoop();
  return "";
}

void Server::BeforeSleep() {
  UpdateCachedTime();
  for (auto& task : before_sleep_tasks_) task();
  if (before_replies) before_replies();
  // Write replies and carry out deferred closes.
  std::vector<Client*> pending;
  pending.swap(pending_write_);
  for (Client* c : pending) {
    c->pending_write = false;
    if (FindClient(c->id()) != c) continue;
    net::Connection* conn = c->connection();
    if (c->Has(kClientCloseAsap)) {
      if (conn != nullptr) conn->Close();
      continue;
    }
    c->Flush();
    if (c->Has(kClientCloseAfterReply) && conn != nullptr) {
      conn->Close(true);
      continue;
    }
    CheckOutputLimits(*c);
  }
  FreeClosedClients();
}

void Server::FreeClosedClients() {
  for (Client* c : closed_clients_) delete c;
  closed_clients_.clear();
}

}  // namespace baton::server
