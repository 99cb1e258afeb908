// Legacy session hand-over: see include/baton/switchover/session_relay.h.
#include "baton/switchover/session_relay.h"

#include <netdb.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <utility>

#include "baton/commands/transactions.h"
#include "baton/resp/reply_framer.h"
#include "baton/server/blocking.h"
#include "baton/server/client.h"
#include "baton/server/command_table.h"
#include "baton/server/errors.h"
#include "baton/server/server.h"
#include "baton/switchover/relay_upstream.h"
#include "baton/util/strings.h"

namespace baton::switchover {
namespace {

using server::Client;
using server::CommandSpec;

// A pipelining session stops reading at this many replies outstanding and
// reads on below half of it.
constexpr size_t kMaxOutstanding = 4096;
constexpr size_t kResumeBelow = kMaxOutstanding / 2;
constexpr uint64_t kIdleCheckMs = 1000;

bool IsTopLevel(const CommandSpec* cmd, std::string_view name) {
  return cmd != nullptr && cmd->parent == nullptr && cmd->name == name;
}

// Where a request of a relayed session runs.
enum class Route {
  kRelay,          // on the new primary
  kLocal,          // here, once the relayed replies are back
  kLocalEndRelay,  // here, and the session is an ordinary one again
  kMirror,         // here (its reply), and there too (reply dropped): session state
};

// The data commands go to the new primary, as -REDIRECT sends them there
// for capable clients; commands with neither the write nor the readonly
// flag (PING, INFO, ROLE, CONFIG, CLIENT, SHUTDOWN...) concern the node the
// client is connected to, and run here: Sentinel and operators keep seeing
// this node. Inside a transaction everything is queued there.
Route RouteOf(const CommandSpec* cmd, std::span<const std::string_view> args, bool in_multi) {
  if (IsTopLevel(cmd, "quit")) return Route::kLocal;
  if (cmd == nullptr || in_multi) return Route::kRelay;
  if (cmd->fullname == "client|reply") {
    return args.size() > 2 && util::EqualsIgnoreCase(args[2], "on") ? Route::kLocal
                                                                    : Route::kLocalEndRelay;
  }
  if (IsTopLevel(cmd, "reset") || IsTopLevel(cmd, "subscribe") || IsTopLevel(cmd, "psubscribe") ||
      IsTopLevel(cmd, "ssubscribe") || IsTopLevel(cmd, "monitor")) {
    return Route::kLocalEndRelay;
  }
  if (IsTopLevel(cmd, "select") || IsTopLevel(cmd, "hello") || cmd->fullname == "client|setname") {
    return Route::kMirror;
  }
  if (IsTopLevel(cmd, "multi") || IsTopLevel(cmd, "exec") || IsTopLevel(cmd, "discard") ||
      IsTopLevel(cmd, "watch") || IsTopLevel(cmd, "unwatch") || IsTopLevel(cmd, "wait")) {
    return Route::kRelay;
  }
  if (cmd->Has(server::kCmdWrite) || cmd->Has(server::kCmdReadonly) ||
      cmd->Has(server::kCmdMayReplicate)) {
    return Route::kRelay;
  }
  return Route::kLocal;
}

void EncodeRequest(std::span<const std::string_view> args, std::string* out) {
  out->append("*").append(std::to_string(args.size())).append("\r\n");
  for (std::string_view a : args) {
    out->append("$").append(std::to_string(a.size())).append("\r\n");
    out->append(a).append("\r\n");
  }
}

// Where the timeout of a blocking command sits.
size_t TimeoutIndex(std::string_view name, size_t argc) {
  if (util::EqualsIgnoreCase(name, "blmpop") || util::EqualsIgnoreCase(name, "bzmpop")) return 1;
  return argc - 1;
}

}  // namespace

// What the relay does with each reply the new primary sends, in order.
enum class ReplyAction { kForward, kSwallow, kReplace };

// What a doomed transaction's EXEC answers instead of running.
enum class DoomedExec { kNone, kNil, kAbort };

struct SessionRelay::Session final : Client::Extension, RelayUpstream::Listener {
  struct Slot {
    ReplyAction action;
    std::string replacement;
  };

  Session(SessionRelay& r, Client& c) : relay(r), client(c) {}
  ~Session() override {
    if (upstream != nullptr) upstream->Release();
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Send(std::span<const std::string_view> args, ReplyAction action,
            std::string replacement = {}) {
    std::string bytes;
    EncodeRequest(args, &bytes);
    upstream->Append(bytes);
    slots.push_back(Slot{action, std::move(replacement)});
    if (!flush_queued) {
      flush_queued = true;
      relay.QueueFlush(client.id());
    }
  }
  void Send(std::initializer_list<std::string_view> args, ReplyAction action,
            std::string replacement = {}) {
    Send(std::span<const std::string_view>(args.begin(), args.size()), action,
         std::move(replacement));
  }

  void OnUpstreamData(std::string_view data) override {
    inbuf.append(data);
    std::string_view view(inbuf);
    size_t pos = 0;
    std::string& out = client.output();
    while (pos < view.size()) {
      const resp::ReplyFrame frame = resp::FrameReply(view.substr(pos));
      if (frame.status == resp::ReplyFrame::Status::kIncomplete) break;
      if (frame.status == resp::ReplyFrame::Status::kError || (!frame.push && slots.empty())) {
        Fail("unexpected bytes from the primary");
        return;
      }
      const std::string_view reply = view.substr(pos, frame.length);
      pos += frame.length;
      if (frame.push) {
        if (client.protocol() == 3) out.append(reply);
        continue;
      }
      Slot slot = std::move(slots.front());
      slots.pop_front();
      switch (slot.action) {
        case ReplyAction::kForward:
          out.append(reply);
          break;
        case ReplyAction::kReplace:
          out.append(slot.replacement);
          break;
        case ReplyAction::kSwallow:
          if (reply.front() == '-') {
            spdlog::warn("Relayed session id={}: the primary refused its state: {}", client.id(),
                         reply.substr(1, reply.size() - 3));
          }
          break;
      }
    }
    inbuf.erase(0, pos);
    relay.server_.MarkPendingWrite(client);
    relay.AfterReplies(client);  // may end the relay: nothing after this
  }

  void OnUpstreamClosed(std::string_view why) override {
    upstream = nullptr;
    Fail(why);
  }

  // The session cannot go on: the client gets the replies it has, then the
  // connection closes, as when a server goes away.
  void Fail(std::string_view why) {
    spdlog::warn("Relayed session id={} addr={} to {} ends: {}", client.id(), client.peer(),
                 relay.primary_, why);
    if (upstream != nullptr) std::exchange(upstream, nullptr)->Release();
    slots.clear();
    held.clear();
    client.CloseAfterReply();
  }

  SessionRelay& relay;
  Client& client;
  RelayUpstream* upstream = nullptr;
  std::deque<Slot> slots;
  std::string inbuf;
  std::vector<std::string> held;  // a request waiting for the replies to come back
  DoomedExec doomed = DoomedExec::kNone;
  bool in_multi = false;
  bool flush_queued = false;
};

// The idle check timer; freed in its close callback.
struct SessionRelay::Timer {
  uv_timer_t handle{};
  SessionRelay* owner = nullptr;
  static void OnFire(uv_timer_t* t) {
    auto* self = static_cast<Timer*>(t->data);
    if (self->owner != nullptr) self->owner->CheckIdle();
  }
  static void OnClose(uv_handle_t* h) { delete static_cast<Timer*>(h->data); }
};

SessionRelay::SessionRelay(server::Server& server) : server_(server) {
  server_.AddBeforeSleepTask([this]() { BeforeSleep(); });
}

SessionRelay::~SessionRelay() {
  if (idle_timer_ != nullptr) {
    idle_timer_->owner = nullptr;
    uv_timer_stop(&idle_timer_->handle);
    uv_close(reinterpret_cast<uv_handle_t*>(&idle_timer_->handle), Timer::OnClose);
  }
}

SessionRelay::Session* SessionRelay::SessionOf(Client& client) {
  return dynamic_cast<Session*>(client.switchover_state.get());
}

size_t SessionRelay::HandOver(const std::string& host, int port) {
  const auto& settings = server_.settings();
  if (!settings.switchover_handover || settings.switchover_handover_max_sessions == 0) return 0;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 ||
      res == nullptr) {
    spdlog::warn("Session hand-over skipped: cannot resolve {}", host);
    return 0;
  }
  std::memcpy(&primary_addr_, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  primary_ = host + ":" + std::to_string(port);
  stopping_ = false;

  // Ordinary sessions only: not replication links, monitors, subscribers,
  // clients that follow -REDIRECT themselves, or ones on their way out.
  constexpr uint64_t kNotRelayed = server::kClientReplica | server::kClientMaster |
                                   server::kClientMonitor | server::kClientCapaRedirect |
                                   server::kClientFake | server::kClientRelayed |
                                   server::kClientCloseAsap | server::kClientCloseAfterReply;
  std::vector<Client*> chosen;
  const auto max = static_cast<size_t>(settings.switchover_handover_max_sessions);
  server_.ForEachClient([&](Client& c) {
    // An unauthenticated session must not borrow this node's credentials.
    if ((c.flags() & kNotRelayed) != 0 || c.SubscriptionCount() > 0 || !c.authenticated()) return;
    if (chosen.size() < max) chosen.push_back(&c);
  });
  for (Client* c : chosen) {
    c->Set(server::kClientRelayed);
    c->switchover_state = std::make_unique<Session>(*this, *c);
  }
  // Blocked commands continue on the new primary with the time they had left.
  std::vector<uint64_t> blocked;
  server::ForEachBlockedClient(server_, [&](Client& c) {
    if (c.Has(server::kClientRelayed)) blocked.push_back(c.id());
  });
  for (uint64_t id : blocked) {
    Client* c = server_.FindClient(id);
    std::vector<std::string> args;
    int64_t deadline_ms = 0;
    if (c != nullptr && server::TakeBlockedCommand(server_, *c, &args, &deadline_ms)) {
      IssueBlocked(*c, std::move(args), deadline_ms);
    }
  }
  if (!chosen.empty() && settings.switchover_handover_idle_timeout > 0 && idle_timer_ == nullptr) {
    idle_timer_ = new Timer;
    idle_timer_->owner = this;
    idle_timer_->handle.data = idle_timer_;
    uv_timer_init(server_.loop(), &idle_timer_->handle);
    uv_timer_start(&idle_timer_->handle, Timer::OnFire, kIdleCheckMs, kIdleCheckMs);
  }
  spdlog::info("Handing {} client session(s) over to the new primary {} ({} blocked).",
               chosen.size(), primary_, blocked.size());
  return chosen.size();
}

bool SessionRelay::OnRequest(Client& client, const CommandSpec* cmd,
                             std::span<const std::string_view> args) {
  Session* session = SessionOf(client);
  if (session == nullptr) {
    client.Clear(server::kClientRelayed);
    return false;
  }
  Route route = RouteOf(cmd, args, session->in_multi);
  // Primary again (promoted back): a caught-up session is ours once more.
  if (!server_.role().is_replica) route = Route::kLocalEndRelay;
  if (route == Route::kRelay && !stopping_) {
    Relay(client, *session, args, cmd);
    return true;
  }
  // Local replies must not overtake relayed ones: wait for those first.
  if (!session->slots.empty() || (stopping_ && route == Route::kRelay)) {
    session->held.assign(args.begin(), args.end());
    client.Set(server::kClientRelayWait);
    return true;
  }
  if (route == Route::kLocalEndRelay) {
    EndRelay(client);
  } else if (route == Route::kMirror && session->upstream != nullptr) {
    // The upstream gets it before anything the session sends next.
    session->Send(args, ReplyAction::kSwallow);
  }
  return false;
}

void SessionRelay::Relay(Client& client, Session& session, std::span<const std::string_view> args,
                         const CommandSpec* cmd) {
  if (session.upstream == nullptr) {
    std::string error;
    session.upstream = RelayUpstream::Connect(
        server_.loop(), reinterpret_cast<const sockaddr*>(&primary_addr_), &session, &error);
    if (session.upstream == nullptr) {
      session.Fail(error);
      return;
    }
    // The session's state, so that its requests mean there what they meant here.
    const auto& settings = server_.settings();
    if (!settings.masterauth.empty()) {
      if (settings.masteruser.empty()) {
        session.Send({"AUTH", settings.masterauth}, ReplyAction::kSwallow);
      } else {
        session.Send({"AUTH", settings.masteruser, settings.masterauth}, ReplyAction::kSwallow);
      }
    }
    if (client.protocol() == 3) session.Send({"HELLO", "3"}, ReplyAction::kSwallow);
    if (!client.name().empty()) {
      session.Send({"CLIENT", "SETNAME", client.name()}, ReplyAction::kSwallow);
    }
    const bool dirty_cas = client.Has(server::kClientDirtyCas);
    int upstream_db = 0;
    if (!dirty_cas) {
      std::map<int, std::vector<std::string_view>> watched_by_db;
      for (const auto& [db, key] : client.watched()) watched_by_db[db].push_back(key);
      for (auto& [db, keys] : watched_by_db) {
        if (db != upstream_db) {
          const std::string index = std::to_string(db);
          session.Send({"SELECT", index}, ReplyAction::kSwallow);
          upstream_db = db;
        }
        keys.insert(keys.begin(), "WATCH");
        session.Send(keys, ReplyAction::kSwallow);
      }
    } else {
      // A watched key changed before the switch (and was unwatched then).
      session.doomed = DoomedExec::kNil;
    }
    if (client.db_index() != upstream_db) {
      const std::string index = std::to_string(client.db_index());
      session.Send({"SELECT", index}, ReplyAction::kSwallow);
    }
    if (client.Has(server::kClientMulti)) {
      session.in_multi = true;
      session.Send({"MULTI"}, ReplyAction::kSwallow);
      for (const Client::QueuedCommand& q : client.multi_queue()) {
        std::vector<std::string_view> queued(q.args.begin(), q.args.end());
        session.Send(queued, ReplyAction::kSwallow);
      }
      if (client.Has(server::kClientDirtyExec)) session.doomed = DoomedExec::kAbort;
    }
    commands::DiscardTransaction(server_, client);
  }

  if (IsTopLevel(cmd, "exec") && session.doomed != DoomedExec::kNone) {
    std::string answer = session.doomed == DoomedExec::kAbort
                             ? "-" + std::string(server::err::kExecAbort) + "\r\n"
                             : std::string(client.protocol() == 3 ? "_\r\n" : "*-1\r\n");
    session.doomed = DoomedExec::kNone;
    session.in_multi = false;
    session.Send({"DISCARD"}, ReplyAction::kReplace, std::move(answer));
  } else {
    if (IsTopLevel(cmd, "multi")) session.in_multi = true;
    if (IsTopLevel(cmd, "exec") || IsTopLevel(cmd, "discard") ||
        (IsTopLevel(cmd, "unwatch") && !session.in_multi && session.doomed == DoomedExec::kNil)) {
      session.doomed = DoomedExec::kNone;
      session.in_multi = false;
    }
    session.Send(args, ReplyAction::kForward);
  }
  if (session.slots.size() >= kMaxOutstanding) client.Set(server::kClientRelayWait);
}

void SessionRelay::IssueBlocked(Client& client, std::vector<std::string> args,
                                int64_t deadline_ms) {
  Session* session = SessionOf(client);
  if (session == nullptr || args.empty()) return;
  if (deadline_ms != 0) {
    const int64_t left = std::max<int64_t>(deadline_ms - server_.NowMs(), 1);
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%.3f", static_cast<double>(left) / 1000.0);
    args[TimeoutIndex(args[0], args.size())] = seconds;
  }
  std::vector<std::string_view> views(args.begin(), args.end());
  Relay(client, *session, views, nullptr);
}

void SessionRelay::EndRelay(Client& client) {
  client.Clear(server::kClientRelayed);
  client.Clear(server::kClientRelayWait);
  client.switchover_state.reset();
}

void SessionRelay::AfterReplies(Client& client) {
  Session* session = SessionOf(client);
  if (session == nullptr || !client.Has(server::kClientRelayWait) || stopping_) return;
  if (!session->held.empty()) {
    if (!session->slots.empty()) return;
    std::vector<std::string> held = std::move(session->held);
    session->held.clear();
    client.Clear(server::kClientRelayWait);
    std::vector<std::string_view> views(held.begin(), held.end());
    server_.dispatcher().Dispatch(client, views);  // may end the relay
  } else if (session->slots.size() < kResumeBelow) {
    client.Clear(server::kClientRelayWait);
  } else {
    return;
  }
  client.ProcessInput();
  server_.MarkPendingWrite(client);
}

void SessionRelay::ResumeRelaying() {
  if (!std::exchange(stopping_, false)) return;
  std::vector<uint64_t> held;
  server_.ForEachClient([&](Client& c) {
    if (c.Has(server::kClientRelayWait) && SessionOf(c) != nullptr) held.push_back(c.id());
  });
  for (uint64_t id : held) {
    if (Client* c = server_.FindClient(id); c != nullptr) AfterReplies(*c);
  }
}

size_t SessionRelay::RepliesOutstanding() {
  size_t total = 0;
  server_.ForEachClient([&](Client& c) {
    if (Session* s = SessionOf(c); s != nullptr) total += s->slots.size();
  });
  return total;
}

size_t SessionRelay::SessionCount() {
  size_t count = 0;
  server_.ForEachClient([&](Client& c) {
    if (c.Has(server::kClientRelayed)) ++count;
  });
  return count;
}

void SessionRelay::BeforeSleep() {
  if (to_flush_.empty()) return;
  std::vector<uint64_t> ids;
  ids.swap(to_flush_);
  for (uint64_t id : ids) {
    Client* c = server_.FindClient(id);
    Session* s = c != nullptr ? SessionOf(*c) : nullptr;
    if (s == nullptr) continue;
    s->flush_queued = false;
    if (s->upstream != nullptr) s->upstream->Flush();
  }
}

void SessionRelay::CheckIdle() {
  server_.UpdateCachedTime();
  const int64_t idle_ms = server_.settings().switchover_handover_idle_timeout * 1000;
  const int64_t now = server_.NowMs();
  size_t relayed = 0;
  server_.ForEachClient([&](Client& c) {
    Session* s = SessionOf(c);
    if (s == nullptr) return;
    ++relayed;
    if (idle_ms > 0 && s->slots.empty() && now - c.last_interaction_ms() > idle_ms) {
      spdlog::info("Closing relayed session id={} addr={}: idle", c.id(), c.peer());
      c.CloseAfterReply();
    }
  });
  if (relayed == 0 && idle_timer_ != nullptr) {
    idle_timer_->owner = nullptr;
    uv_timer_stop(&idle_timer_->handle);
    uv_close(reinterpret_cast<uv_handle_t*>(&idle_timer_->handle), Timer::OnClose);
    idle_timer_ = nullptr;
  }
}

}  // namespace baton::switchover
