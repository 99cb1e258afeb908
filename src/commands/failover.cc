// FAILOVER: parses and checks the request in Redis 7.0's order, then hands it
// to the state machine in src/switchover/failover.cc.
#include "baton/switchover/failover.h"

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/replication/replication.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"

namespace baton::commands {
namespace {

using replication::ReplicaSession;
using replication::Replication;
using server::CommandContext;
using switchover::Failover;
using switchover::FailoverState;
namespace err = server::err;

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]
void FailoverCommand(CommandContext& ctx) {
  Failover& failover = Failover::Get(ctx.server);
  if (ctx.argc() == 2 && ArgIs(ctx, 1, "abort")) {
    if (failover.state() == FailoverState::kNone) return ctx.reply.Error(err::kNoFailover);
    failover.Abort("Failover manually aborted");
    return ctx.reply.Ok();
  }
  switchover::FailoverRequest request;
  bool has_host = false;
  for (size_t j = 1; j < ctx.argc(); ++j) {
    if (ArgIs(ctx, j, "to") && j + 2 < ctx.argc() && !has_host) {
      int64_t port = 0;
      if (!ParseIntArg(ctx, j + 2, &port)) return;
      request.host = std::string(ctx.arg(j + 1));
      request.port = static_cast<int>(port);
      has_host = true;
      j += 2;
    } else if (ArgIs(ctx, j, "timeout") && j + 1 < ctx.argc() && request.timeout_ms == 0) {
      if (!ParseIntArg(ctx, j + 1, &request.timeout_ms)) return;
      if (request.timeout_ms <= 0) return ctx.reply.Error(err::kFailoverTimeout);
      ++j;
    } else if (ArgIs(ctx, j, "force") && !request.force) {
      request.force = true;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  if (std::string_view refusal = failover.StartRefusal(); !refusal.empty()) {
    return ctx.reply.Error(refusal);
  }
  server::Client* target = nullptr;
  Replication::Get(ctx.server).ForEachReplica([&](server::Client& c, ReplicaSession&) {
    if (has_host && target == nullptr &&
        util::EqualsIgnoreCase(Failover::ReplicaHost(c), request.host) &&
        Failover::ReplicaPort(c) == request.port) {
      target = &c;
    }
  });
  if (request.force && (request.timeout_ms == 0 || !has_host)) {
    return ctx.reply.Error(err::kFailoverForce);
  }
  if (has_host) {
    if (target == nullptr) return ctx.reply.Error(err::kFailoverNotReplica);
    // As Redis: a diskless replica counts as online once its payload is sent.
    const replication::ReplicaState state =
        static_cast<const ReplicaSession&>(*target->replication_state).state;
    if (state != replication::ReplicaState::kOnline &&
        state != replication::ReplicaState::kWaitAck) {
      return ctx.reply.Error(err::kFailoverNotOnline);
    }
  }
  failover.Start(request);
  ctx.reply.Ok();
}

}  // namespace

void RegisterFailoverCommands(server::Server& server) {
  using namespace server;  // NOLINT: flag names
  switchover::InstallFailover(server);
  server.commands().Add(
      {.name = "failover",
       .arity = -1,
       .flags = kCmdAdmin | kCmdNoscript | kCmdStale,
       .handler = FailoverCommand,
       .group = "server",
       .summary = "Start a coordinated failover between this server and one of its replicas.",
       .since = "6.2.0",
       .complexity = "O(1)"});
}

}  // namespace baton::commands
