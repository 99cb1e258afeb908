#include "baton/server/dispatcher.h"

#include <chrono>

#include "baton/commands/transactions.h"
#include "baton/server/command_context.h"
#include "baton/server/errors.h"
#include "baton/server/monitor_feed.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"

namespace baton::server {
namespace {

bool IsLocalPeer(const Client& client) {
  if (client.Has(kClientUnixSocket) || client.Has(kClientFake)) return true;
  const std::string& peer = client.peer();
  return peer.rfind("127.", 0) == 0 || peer.rfind("::1:", 0) == 0;
}

// DEBUG and MODULE obey enable-debug-command / enable-module-command.
std::string ProtectedCommandError(Server& server, const Client& client, const CommandSpec& cmd) {
  const CommandSpec& top = cmd.parent != nullptr ? *cmd.parent : cmd;
  if (!top.Has(kCmdProtected)) return "";
  int64_t toggle = 0;
  std::string option;
  if (top.name == "debug") {
    toggle = server.settings().enable_debug_command;
    option = "enable-debug-command";
  } else {
    const config::ParamSpec* p = server.config().Find("enable-module-command");
    toggle = p != nullptr && server.config().Get(*p) == "yes" ? 1 : 0;
    option = "enable-module-command";
  }
  if (toggle == 1 || (toggle == 2 && IsLocalPeer(client))) return "";
  return "ERR " + util::ToUpper(top.name) + " command not allowed. If the " + option +
         " option is set to \"local\", you can run it from a local connection, otherwise you need "
         "to set this option in the configuration file, and then restart the server.";
}

bool AllowedInPubsubContext(const CommandSpec& cmd) {
  static constexpr std::string_view kAllowed[] = {"ping",         "subscribe",    "ssubscribe",
                                                  "unsubscribe",  "sunsubscribe", "psubscribe",
                                                  "punsubscribe", "quit",         "reset"};
  const std::string& name = cmd.parent != nullptr ? cmd.parent->name : cmd.name;
  for (std::string_view a : kAllowed) {
    if (name == a) return true;
  }
  return false;
}

// EXEC, DISCARD, QUIT, RESET: what a client in MULTI may send when out of memory.
bool EndsTransaction(const CommandSpec& cmd) {
  const std::string& n = cmd.name;
  return cmd.parent == nullptr && (n == "exec" || n == "discard" || n == "quit" || n == "reset");
}

bool IsTransactionControl(const CommandSpec& cmd) {
  return EndsTransaction(cmd) ||
         (cmd.parent == nullptr && (cmd.name == "multi" || cmd.name == "watch"));
}

bool IsWriteLike(const CommandSpec& cmd) { return cmd.Has(kCmdWrite) || cmd.Has(kCmdMayReplicate); }

}  // namespace

bool Dispatcher::ShouldPostpone(const Client& client, const CommandSpec& cmd) const {
  if (client.Has(kClientReplica) || client.Has(kClientMaster)) return false;
  switch (server_.pauses().Effective()) {
    case switchover::PauseType::kNone:
      return false;
    case switchover::PauseType::kAll:
      return true;
    case switchover::PauseType::kWrite:
      if (IsWriteLike(cmd)) return true;
      return cmd.parent == nullptr && cmd.name == "exec" && client.Has(kClientMultiHasWrite);
  }
  return false;
}

void Dispatcher::Reject(Client& client, const CommandSpec* cmd, std::string_view error) {
  if (cmd != nullptr) ++cmd->rejected_calls;
  // An EXEC the gate refuses ends the transaction, like Redis's execCommandAbort.
  if (cmd != nullptr && cmd->parent == nullptr && cmd->name == "exec" && client.Has(kClientMulti)) {
    commands::DiscardTransaction(server_, client);
    std::string line(err::kExecAbortBecause);
    line += error;
    client.reply().Error(line);
    return;
  }
  if (client.Has(kClientMulti)) client.Set(kClientDirtyExec);
  client.reply().Error(error);
}

void Dispatcher::Dispatch(Client& client, std::span<const std::string_view> args) {
  if (args.empty()) return;
  server_.UpdateCachedTime();
  client.touch(server_.NowMs());

  const CommandSpec* container = nullptr;
  const CommandSpec* cmd = server_.commands().Resolve(args, &container);
  // 0. A legacy session handed over to the new primary: its requests go there.
  if (client.Has(kClientRelayed) && relay_hook_ && relay_hook_(client, cmd, args)) return;
  // 1. Unknown command or subcommand.
  if (cmd == nullptr) {
    if (container != nullptr) {
      Reject(client, nullptr, err::UnknownSubcommand(container->name, args[1]));
    } else {
      Reject(client, nullptr, err::UnknownCommand(args[0], args));
    }
    return;
  }
  client.set_last_command(cmd->fullname);
  // 2. Arity (a container called without a subcommand lands here too).
  if (!cmd->ArityOk(args.size()) || (cmd->handler == nullptr && !cmd->subcommands.empty())) {
    Reject(client, cmd, err::WrongArity(cmd->fullname));
    return;
  }
  // 3. Protected commands (DEBUG, MODULE).
  if (std::string e = ProtectedCommandError(server_, client, *cmd); !e.empty()) {
    Reject(client, cmd, e);
    return;
  }
  // 4. Authentication.
  if (!client.authenticated() && !cmd->Has(kCmdNoAuth)) {
    Reject(client, cmd, err::kNoAuth);
    return;
  }
  // 5. Commands that cannot be queued.
  if (client.Has(kClientMulti) && cmd->Has(kCmdNoMulti)) {
    Reject(client, cmd, err::kNotAllowedInMulti);
    return;
  }
  // 6. Switchover redirect (capable clients on a replica, postponed after demotion).
  if (redirect_check_ && redirect_check_(client, *cmd, args)) {
    ++cmd->rejected_calls;
    return;
  }
  const bool is_exec = cmd->parent == nullptr && cmd->name == "exec";
  const bool queued_write = is_exec && client.Has(kClientMultiHasWrite);
  const bool is_write = cmd->Has(kCmdWrite) || queued_write;
  const auto& settings = server_.settings();
  ReplicationRole& role = server_.role();
  // 7. Memory limit: evict keys as maxmemory-policy says; when that cannot
  // bring used memory under maxmemory, commands that may grow it fail, and
  // so does queueing any command in MULTI (the queue grows too), as in Redis.
  if (settings.maxmemory > 0 && !client.Has(kClientMaster) &&
      server_.evictor().Perform() == EvictionResult::kFail &&
      (cmd->Has(kCmdDenyOom) || (is_exec && client.Has(kClientMultiDenyOom)) ||
       (client.Has(kClientMulti) && !EndsTransaction(*cmd)))) {
    Reject(client, cmd, err::kOom);
    return;
  }
  // 7b. Persistence errors: writes (and PING, like Redis) get -MISCONF.
  if (disk_error_check_ && !role.is_replica && !client.Has(kClientMaster) &&
      (is_write || (cmd->parent == nullptr && cmd->name == "ping"))) {
    if (std::string e = disk_error_check_(); !e.empty()) {
      Reject(client, cmd, e);
      return;
    }
  }
  // 8. min-replicas-to-write.
  if (is_write && !role.is_replica && min_replicas_check_) {
    if (std::string_view e = min_replicas_check_(*cmd); !e.empty()) {
      Reject(client, cmd, e);
      return;
    }
  }
  // 9. Read-only replica. Not while a FAILOVER of this node is finishing: a
  // write arriving then waits for the pause to lift and meets the gate again
  // (a legacy session is relayed to the new primary by then, no -READONLY).
  if (is_write && role.is_replica && settings.replica_read_only && !client.Has(kClientMaster) &&
      !(server_.pauses().IsPaused(switchover::PausePurpose::kFailover) &&
        ShouldPostpone(client, *cmd))) {
    Reject(client, cmd, err::kReadonlyReplica);
    return;
  }
  // 10. RESP2 subscribed context.
  if (client.Has(kClientPubsub) && client.protocol() == 2 && !AllowedInPubsubContext(*cmd)) {
    Reject(client, cmd, err::PubsubContext(cmd->fullname));
    return;
  }
  // 10b. A MONITOR client, like a replica link, cannot touch the keyspace.
  if (client.Has(kClientMonitor) &&
      (cmd->Has(kCmdWrite) || cmd->Has(kCmdReadonly) || cmd->Has(kCmdMayReplicate))) {
    Reject(client, cmd, err::kReplicaKeyspace);
    return;
  }
  // 11. Stale replica.
  if (role.is_replica && !role.master_link_up && !settings.replica_serve_stale_data &&
      !cmd->Has(kCmdStale) && !client.Has(kClientMaster)) {
    Reject(client, cmd, err::kMasterDown);
    return;
  }
  // 12. Loading.
  if (loading && !cmd->Has(kCmdLoading)) {
    Reject(client, cmd, err::kLoading);
    return;
  }
  // Inside MULTI, commands are queued, not run.
  if (client.Has(kClientMulti) && !IsTransactionControl(*cmd)) {
    std::vector<std::string> owned(args.begin(), args.end());
    client.multi_queue().push_back({std::move(owned), cmd});
    if (IsWriteLike(*cmd)) client.Set(kClientMultiHasWrite);
    if (cmd->Has(kCmdDenyOom)) client.Set(kClientMultiDenyOom);
    client.reply().Simple("QUEUED");
    return;
  }
  // 13. Client pause: postpone until it lifts.
  if (ShouldPostpone(client, *cmd)) {
    client.postponed_args().assign(args.begin(), args.end());
    client.Set(kClientPostponed);
    server_.AddPostponed(client);
    return;
  }
  Call(client, *cmd, args);
}

void Dispatcher::Call(Client& client, const CommandSpec& cmd,
                      std::span<const std::string_view> args) {
  using Clock = std::chrono::steady_clock;
  ++call_depth_;
  store::Database& db = server_.db(client.db_index());
  CommandContext ctx{server_, client, cmd, args, client.reply(), db};
  const uint64_t errors_before = server_.stats().total_error_replies;
  const auto start = Clock::now();
  client.Set(kClientExecuting);
  cmd.handler(ctx);
  client.Clear(kClientExecuting);
  const auto duration_us =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  --call_depth_;

  ++cmd.calls;
  cmd.microseconds += static_cast<uint64_t>(duration_us);
  if (server_.stats().total_error_replies != errors_before) ++cmd.failed_calls;
  ++server_.stats().total_commands_processed;
  ++client.commands_processed;

  if (!cmd.Has(kCmdSkipSlowlog)) {
    const auto& s = server_.settings();
    server_.slowlog().MaybeRecord(s.slowlog_log_slower_than, static_cast<size_t>(s.slowlog_max_len),
                                  duration_us, server_.NowMs() / 1000, args, client.peer(),
                                  client.name());
  }
  if (!server_.monitors().empty() && !cmd.Has(kCmdSkipMonitor) && !cmd.Has(kCmdAdmin)) {
    FeedMonitors(server_, client, args);
  }

  if (ctx.dirty > 0) server_.AddDirty(ctx.dirty);
  if (server_.HasEffectSinks()) {
    if (!ctx.rewritten && ctx.dirty > 0) {
      pending_effects_.push_back(
          Effect{db.index(), std::vector<std::string>(args.begin(), args.end())});
    }
    for (auto& e : ctx.effects) {
      pending_effects_.push_back(Effect{db.index(), std::move(e), ctx.replicas_only});
    }
    if (call_depth_ == 0) FlushEffects();
  }
  if (call_depth_ == 0) {
    for (auto& hook : after_command_hooks_) hook();
  }
}

void Dispatcher::AddEffect(int db, std::vector<std::string> args) {
  if (!server_.HasEffectSinks()) return;
  pending_effects_.push_back(Effect{db, std::move(args)});
  if (call_depth_ == 0) FlushEffects();
}

void Dispatcher::FlushEffects() {
  if (pending_effects_.empty()) return;
  if (pending_effects_.size() > 1) {
    int db = pending_effects_.front().db;
    pending_effects_.insert(pending_effects_.begin(), Effect{db, {"MULTI"}});
    pending_effects_.push_back(Effect{pending_effects_.back().db, {"EXEC"}});
  }
  server_.EmitEffects(pending_effects_);
  pending_effects_.clear();
}

Dispatcher::Dispatcher(Server& server) : server_(server) {}

Dispatcher::~Dispatcher() = default;

}  // namespace baton::server
