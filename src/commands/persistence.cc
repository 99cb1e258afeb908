// Persistence commands: SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE. The work is
// done by persistence::Persistence (src/persistence/), installed here.
#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/persistence/aof.h"
#include "baton/persistence/child.h"
#include "baton/persistence/snapshot.h"
#include "baton/server/server.h"

namespace baton::commands {
namespace {

using persistence::ChildProcess;
using persistence::ChildPurpose;
using persistence::Persistence;
using server::CommandContext;
namespace err = server::err;

// SAVE
void Save(CommandContext& ctx) {
  if (ChildProcess::Running() == ChildPurpose::kRdb) return ctx.reply.Error(err::kBgsaveInProgress);
  if (!Persistence::Of(ctx.server).SaveNow().empty()) return ctx.reply.Error("ERR");
  ctx.reply.Ok();
}

// BGSAVE [SCHEDULE]
void Bgsave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() > 1) {
    if (ctx.argc() == 2 && ArgIs(ctx, 1, "SCHEDULE")) {
      schedule = true;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  Persistence& p = Persistence::Of(ctx.server);
  if (ChildProcess::Running() == ChildPurpose::kRdb) return ctx.reply.Error(err::kBgsaveInProgress);
  if (ChildProcess::Running() != ChildPurpose::kNone) {
    if (!schedule) return ctx.reply.Error(err::kBgsaveOtherChild);
    p.rdb().bgsave_scheduled = true;
    return ctx.reply.Simple("Background saving scheduled");
  }
  if (!p.StartBackgroundSave().empty()) return ctx.reply.Error("ERR");
  ctx.reply.Simple("Background saving started");
}

// BGREWRITEAOF
void BgRewriteAof(CommandContext& ctx) {
  persistence::Aof& aof = Persistence::Of(ctx.server).aof();
  if (aof.rewrite_in_progress()) return ctx.reply.Error(err::kAofRewriteInProgress);
  if (ChildProcess::Running() != ChildPurpose::kNone) {
    aof.rewrite_scheduled = true;
    aof.stats().consecutive_failures = 0;
    return ctx.reply.Simple("Background append only file rewriting scheduled");
  }
  if (!aof.StartRewrite().empty()) return ctx.reply.Error(err::kAofRewriteFailed);
  ctx.reply.Simple("Background append only file rewriting started");
}

// LASTSAVE
void LastSave(CommandContext& ctx) {
  ctx.reply.Integer(Persistence::Of(ctx.server).rdb().last_save_time_s);
}

}  // namespace

void RegisterPersistenceCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  persistence::Persistence::Install(server);
  auto& t = server.commands();
  t.Add({.name = "save",
         .arity = 1,
         .flags = kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading | kCmdNoMulti,
         .handler = Save,
         .group = "server",
         .summary = "Synchronously save the dataset to disk",
         .since = "1.0.0",
         .complexity = "O(N) where N is the total number of keys in all databases"});
  t.Add({.name = "bgsave",
         .arity = -1,
         .flags = kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading,
         .handler = Bgsave,
         .group = "server",
         .summary = "Asynchronously save the dataset to disk",
         .since = "1.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "bgrewriteaof",
         .arity = 1,
         .flags = kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading,
         .handler = BgRewriteAof,
         .group = "server",
         .summary = "Asynchronously rewrite the append-only file",
         .since = "1.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "lastsave",
         .arity = 1,
         .flags = kCmdLoading | kCmdStale | kCmdFast,
         .handler = LastSave,
         .group = "server",
         .summary = "Get the UNIX time stamp of the last successful save to disk",
         .since = "1.0.0",
         .complexity = "O(1)",
         .tips = {"nondeterministic_output"}});
}

}  // namespace baton::commands
