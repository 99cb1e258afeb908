// The single gate every command passes, in Redis's order so that error
// precedence matches Redis:
//   unknown command / subcommand, arity, protected command, authentication,
//   no-multi inside MULTI, switchover redirect, memory limit, min-replicas,
//   read-only replica, RESP2 pub/sub context, stale replica, loading,
//   client pause (postpone), then queue (inside MULTI) or execute, then
//   propagate the effects.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "baton/server/command_table.h"

namespace baton::server {

class Server;
class Client;
struct Effect;

class Dispatcher {
 public:
  // Out of line: Effect is complete only in server.h.
  explicit Dispatcher(Server& server);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Runs one request from `client` through the gate. Replies go to the
  // client's output buffer.
  void Dispatch(Client& client, std::span<const std::string_view> args);

  // Executes a command that passed the gate (also used by EXEC for queued
  // commands): stats, slow log, MONITOR, and effect collection.
  void Call(Client& client, const CommandSpec& cmd, std::span<const std::string_view> args);

  // Checks that modules add to the gate at the redirect position (switchover):
  // returns true when the check answered the client (the command stops there).
  using GateCheck =
      std::function<bool(Client&, const CommandSpec&, std::span<const std::string_view>)>;
  void SetRedirectCheck(GateCheck check) { redirect_check_ = std::move(check); }
  // The session relay (switchover): called first for clients flagged
  // kClientRelayed, with the resolved command (nullptr when unknown); true
  // when it took the request (relayed to the new primary, or held back).
  using RelayHook =
      std::function<bool(Client&, const CommandSpec*, std::span<const std::string_view>)>;
  void SetRelayHook(RelayHook hook) { relay_hook_ = std::move(hook); }
  // Extra checks for min-replicas (replication module): returns an error text or "".
  using WriteCheck = std::function<std::string_view(const CommandSpec&)>;
  void SetMinReplicasCheck(WriteCheck check) { min_replicas_check_ = std::move(check); }
  // Persistence errors (stop-writes-on-bgsave-error, a failed AOF write):
  // returns an error text (-MISCONF) for writes and PING on a master, or "".
  using DiskErrorCheck = std::function<std::string()>;
  void SetDiskErrorCheck(DiskErrorCheck check) { disk_error_check_ = std::move(check); }

  // Adds an effect not produced by the running command's own arguments (an
  // expired key's DEL). Outside a command it is delivered at once.
  void AddEffect(int db, std::vector<std::string> args);

  // True while a top-level command (or EXEC) runs: effects are buffered.
  [[nodiscard]] int call_depth() const { return call_depth_; }
  // Runs after every top-level command (not those inside EXEC), once its
  // effects are delivered: blocked clients are served here, before the next
  // command is read.
  void AddAfterCommandHook(std::function<void()> hook) {
    after_command_hooks_.push_back(std::move(hook));
  }
  // The loading flag: commands without the loading flag answer LOADING.
  bool loading = false;

  // Whether a pause of the current kind postpones this command for this client.
  bool ShouldPostpone(const Client& client, const CommandSpec& cmd) const;

 private:
  // Records a rejected command (MULTI transactions become EXECABORT).
  void Reject(Client& client, const CommandSpec* cmd, std::string_view error);
  void FlushEffects();

  Server& server_;
  GateCheck redirect_check_;
  RelayHook relay_hook_;
  WriteCheck min_replicas_check_;
  DiskErrorCheck disk_error_check_;
  int call_depth_ = 0;
  std::vector<Effect> pending_effects_;
  std::vector<std::function<void()>> after_command_hooks_;
};

}  // namespace baton::server
