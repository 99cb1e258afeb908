// Replication commands: REPLICAOF SLAVEOF SYNC PSYNC REPLCONF WAIT ROLE.
// The machinery is in src/replication/; these handlers parse and delegate.
#include "baton/replication/replication.h"

#include <array>
#include <string>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/config/config.h"
#include "baton/server/blocking.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"

namespace baton::commands {
namespace {

using replication::Replication;
using server::CommandContext;
namespace err = server::err;

constexpr std::string_view kWaitOnReplica =
    "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "
    "replica is configured to be writable (which is not the default) writes to replicas are just "
    "local and are not propagated.";

// A FAILOVER of this node is running (switchover/failover.cc sets the hook).
bool FailingOver(Replication& repl) {
  return repl.failover_state && repl.failover_state() != "no-failover";
}

// REPLICAOF host port | NO ONE   (SLAVEOF is the same)
void ReplicaOf(CommandContext& ctx) {
  Replication& repl = Replication::Get(ctx.server);
  server::ReplicationRole& role = ctx.server.role();
  if (FailingOver(repl)) return ctx.reply.Error(err::kReplicaofFailingOver);
  if (ArgIs(ctx, 1, "no") && ArgIs(ctx, 2, "one")) {
    if (role.is_replica) repl.BecomeMaster();
    return ctx.reply.Ok();
  }
  if (ctx.client.Has(server::kClientReplica)) {
    return ctx.reply.Error("ERR Command is not valid when client is a replica.");
  }
  int64_t port = 0;
  if (!config::ParseStrictInt(ctx.arg(2), &port) || port < 0 || port > 65535) {
    return ctx.reply.Error("ERR Invalid master port");
  }
  std::string host(ctx.arg(1));
  if (role.is_replica && util::EqualsIgnoreCase(role.master_host, host) &&
      role.master_port == port) {
    return ctx.reply.Simple("OK Already connected to specified master");
  }
  repl.ReplicaOf(host, static_cast<int>(port));
  ctx.reply.Ok();
}

// SYNC
void Sync(CommandContext& ctx) {
  Replication& repl = Replication::Get(ctx.server);
  if (ctx.client.Has(server::kClientReplica)) return;
  if (FailingOver(repl)) return ctx.reply.Error(err::kSyncFailingOver);
  repl.HandleSync(ctx.client, "?", -1, false);
}

// PSYNC replicationid offset [FAILOVER]
void Psync(CommandContext& ctx) {
  Replication& repl = Replication::Get(ctx.server);
  if (ctx.client.Has(server::kClientReplica)) return;
  if (ctx.argc() > 3) {
    if (!ArgIs(ctx, 3, "failover")) return ctx.reply.Error(err::kSyntax);
    if (!ctx.server.role().is_replica) {
      return ctx.reply.Error("ERR PSYNC FAILOVER can't be sent to a master.");
    }
    if (ctx.arg(1) != ctx.server.role().replid) {
      return ctx.reply.Error("ERR PSYNC FAILOVER replid must match my replid.");
    }
    // The old master hands over: promote, then continue its PSYNC.
    repl.BecomeMaster();
  }
  if (FailingOver(repl)) return ctx.reply.Error(err::kSyncFailingOver);
  int64_t offset = 0;
  if (!config::ParseStrictInt(ctx.arg(2), &offset)) return ctx.reply.Error(err::kNotInteger);
  repl.HandleSync(ctx.client, ctx.arg(1), offset, true);
}

// REPLCONF option value [option value ...]
void Replconf(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) return ctx.reply.Error(err::kSyntax);
  Replication& repl = Replication::Get(ctx.server);
  for (size_t i = 1; i + 1 < ctx.argc(); i += 2) {
    std::string_view value = ctx.arg(i + 1);
    if (ArgIs(ctx, i, "listening-port")) {
      int64_t port = 0;
      if (!ParseIntArg(ctx, i + 1, &port)) return;
      repl.Session(ctx.client).listening_port = port;
    } else if (ArgIs(ctx, i, "ip-address")) {
      if (value.size() >= 46) {
        return ctx.reply.Error(
            "ERR REPLCONF ip-address provided by replica instance is too long: " +
            std::to_string(value.size()) + " bytes");
      }
      repl.Session(ctx.client).announced_ip = std::string(value);
    } else if (ArgIs(ctx, i, "capa")) {
      if (util::EqualsIgnoreCase(value, "eof")) repl.Session(ctx.client).capa_eof = true;
      if (util::EqualsIgnoreCase(value, "psync2")) repl.Session(ctx.client).capa_psync2 = true;
    } else if (ArgIs(ctx, i, "ack")) {
      // From a replica: no reply, ever (its socket carries our stream).
      if (!ctx.client.Has(server::kClientReplica)) return;
      int64_t offset = 0;
      if (!config::ParseStrictInt(value, &offset)) return;
      repl.OnReplicaAck(ctx.client, offset);
      return;
    } else if (ArgIs(ctx, i, "getack")) {
      if (ctx.client.Has(server::kClientMaster)) repl.link().SendAck();
      return;
    } else if (ArgIs(ctx, i, "rdb-only")) {
      int64_t v = 0;
      if (!ParseIntArg(ctx, i + 1, &v)) return;
      if (v != 0 && v != 1) return ctx.reply.Error(err::kSyntax);
    } else {
      return ctx.reply.Error("ERR Unrecognized REPLCONF option: " + std::string(ctx.arg(i)));
    }
  }
  ctx.reply.Ok();
}

// WAIT numreplicas timeout
void Wait(CommandContext& ctx) {
  if (ctx.server.role().is_replica) return ctx.reply.Error(kWaitOnReplica);
  int64_t numreplicas = 0;
  if (!ParseIntArg(ctx, 1, &numreplicas)) return;
  int64_t timeout = 0;
  if (!config::ParseStrictInt(ctx.arg(2), &timeout)) {
    return ctx.reply.Error("ERR timeout is not an integer or out of range");
  }
  if (timeout < 0) return ctx.reply.Error(err::kTimeoutNegative);
  Replication& repl = Replication::Get(ctx.server);
  const int64_t offset = ctx.server.role().master_repl_offset;
  const int acked = repl.CountAcked(offset);
  if (acked >= numreplicas || !server::MayBlock(ctx)) return ctx.reply.Integer(acked);
  repl.BlockForAcks(ctx.client, offset, numreplicas,
                    timeout > 0 ? ctx.server.NowMs() + timeout : 0);
}

// ROLE
void Role(CommandContext& ctx) {
  Replication& repl = Replication::Get(ctx.server);
  const server::ReplicationRole& role = ctx.server.role();
  if (role.is_replica) {
    ctx.reply.Array(5);
    ctx.reply.Bulk("slave");
    ctx.reply.Bulk(role.master_host);
    ctx.reply.Integer(role.master_port);
    ctx.reply.Bulk(replication::LinkStateName(repl.link().state()));
    ctx.reply.Integer(repl.link().master_client() != nullptr ? role.master_repl_offset : -1);
    return;
  }
  ctx.reply.Array(3);
  ctx.reply.Bulk("master");
  ctx.reply.Integer(role.master_repl_offset);
  std::vector<std::array<std::string, 3>> rows;
  repl.ForEachReplica([&](server::Client& c, replication::ReplicaSession& s) {
    if (s.state != replication::ReplicaState::kOnline) return;
    std::string ip = s.announced_ip;
    if (ip.empty()) ip = c.peer().substr(0, c.peer().rfind(':'));
    rows.push_back({ip, std::to_string(s.listening_port), std::to_string(s.ack_offset)});
  });
  ctx.reply.Array(rows.size());
  for (const auto& row : rows) {
    ctx.reply.Array(3);
    for (const auto& cell : row) ctx.reply.Bulk(cell);
  }
}

}  // namespace

void RegisterReplicationCommands(server::Server& server) {
  using namespace server;  // NOLINT: flag names
  replication::Install(server);
  server::InstallBlocking(server);
  CommandTable& t = server.commands();
  const uint64_t replicaof_flags = kCmdAdmin | kCmdNoscript | kCmdStale | kCmdNoAsyncLoading;
  t.Add({.name = "replicaof",
         .arity = 3,
         .flags = replicaof_flags,
         .handler = ReplicaOf,
         .group = "server",
         .summary = "Make the server a replica of another instance, or promote it as master.",
         .since = "5.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "slaveof",
         .arity = 3,
         .flags = replicaof_flags,
         .handler = ReplicaOf,
         .group = "server",
         .summary = "Make the server a replica of another instance, or promote it as master. "
                    "Deprecated starting with Redis 5. Use REPLICAOF instead.",
         .since = "1.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "sync",
         .arity = 1,
         .flags = kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading | kCmdNoMulti,
         .handler = Sync,
         .group = "server",
         .summary = "Internal command used for replication",
         .since = "1.0.0"});
  t.Add({.name = "psync",
         .arity = -3,
         .flags = kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading | kCmdNoMulti,
         .handler = Psync,
         .group = "server",
         .summary = "Internal command used for replication",
         .since = "2.8.0"});
  t.Add({.name = "replconf",
         .arity = -1,
         .flags = kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale | kCmdAllowBusy,
         .handler = Replconf,
         .group = "server",
         .summary = "An internal command for configuring the replication stream",
         .since = "3.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "wait",
         .arity = 3,
         .flags = kCmdNoscript,
         .handler = Wait,
         .group = "generic",
         .summary = "Wait for the synchronous replication of all the write commands sent in the "
                    "context of the current connection",
         .since = "3.0.0",
         .complexity = "O(1)",
         .tips = {"request_policy:all_shards", "response_policy:agg_min"}});
  t.Add({.name = "role",
         .arity = 1,
         .flags = kCmdNoscript | kCmdLoading | kCmdStale | kCmdFast,
         .handler = Role,
         .group = "server",
         .summary = "Return the role of the instance in the context of replication",
         .since = "2.8.12",
         .complexity = "O(1)"});
}

}  // namespace baton::commands
