// Server commands: SHUTDOWN, TIME. (LASTSAVE is in persistence.cc.)
#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/server/server.h"
#include "baton/switchover/shutdown_handover.h"

namespace baton::commands {
namespace {

using server::CommandContext;
namespace err = server::err;

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [FAILOVER] [ABORT]
//
// FAILOVER (Baton), or `shutdown-failover yes` without NOW: a primary hands
// its role to a replica first (switchover/shutdown_handover.h) and exits
// once that is done; ABORT cancels a hand-over still under way.
void Shutdown(CommandContext& ctx) {
  server::Server::ShutdownOptions options;
  bool abort = false;
  bool failover = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "NOSAVE")) {
      options.nosave = true;
    } else if (ArgIs(ctx, i, "SAVE")) {
      options.save = true;
    } else if (ArgIs(ctx, i, "NOW")) {
      options.now = true;
    } else if (ArgIs(ctx, i, "FORCE")) {
      options.force = true;
    } else if (ArgIs(ctx, i, "FAILOVER")) {
      failover = true;
    } else if (ArgIs(ctx, i, "ABORT")) {
      abort = true;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  const bool other_flags =
      options.nosave || options.save || options.now || options.force || failover;
  if ((options.nosave && options.save) || (abort && other_flags) || (failover && options.now)) {
    return ctx.reply.Error(err::kSyntax);
  }
  if (abort) {
    if (switchover::AbortShutdownHandover(ctx.server)) return ctx.reply.Ok();
    return ctx.reply.Error(err::kNoShutdownInProgress);
  }
  // A second SHUTDOWN during a hand-over shuts down at once.
  const bool hand_over = failover || (ctx.server.settings().shutdown_failover && !options.now);
  if (hand_over && !switchover::ShutdownHandoverRunning(ctx.server)) {
    const switchover::HandoverRefusal refusal =
        switchover::StartShutdownHandover(ctx.server, options, ctx.client.id());
    // Under way: no reply; the client sees the connection close at exit.
    if (refusal.empty()) return;
    // Asked for explicitly, a hand-over that cannot run is an error;
    // configured, it leaves an ordinary shutdown.
    if (failover) return ctx.reply.Error(refusal);
  }
  // Relayed sessions (after a FAILOVER) close between replies; a second
  // SHUTDOWN meanwhile shuts down at once.
  if (!switchover::ShutdownHandoverRunning(ctx.server) &&
      switchover::StartRelayDrain(ctx.server, options, ctx.client.id())) {
    return;
  }
  std::string error = ctx.server.Shutdown(options);
  // On success the process exits and the client sees the connection close.
  if (!error.empty()) ctx.reply.Error("ERR " + error);
}

// TIME
void Time(CommandContext& ctx) {
  const int64_t now_us = ctx.server.NowUs();
  ctx.reply.Array(2);
  ctx.reply.Bulk(std::to_string(now_us / 1000000));
  ctx.reply.Bulk(std::to_string(now_us % 1000000));
}

}  // namespace

void RegisterServerCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto& t = server.commands();
  t.Add({.name = "shutdown",
         .arity = -1,
         .flags = kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale | kCmdNoMulti | kCmdAllowBusy |
                  kCmdSentinel,
         .handler = Shutdown,
         .group = "server",
         .summary = "Synchronously save the dataset to disk and then shut down the server",
         .since = "1.0.0",
         .complexity = "O(N) when saving, where N is the total number of keys in all databases "
                       "when saving data, otherwise O(1)"});
  t.Add({.name = "time",
         .arity = 1,
         .flags = kCmdLoading | kCmdStale | kCmdFast,
         .handler = Time,
         .group = "server",
         .summary = "Return the current server time",
         .since = "2.6.0",
         .complexity = "O(1)",
         .tips = {"nondeterministic_output"}});
}

}  // namespace baton::commands
