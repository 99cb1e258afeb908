// Connection commands: PING ECHO QUIT RESET SELECT HELLO AUTH.
#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/server/server.h"
#include "baton/server/version.h"
#include "baton/util/strings.h"

namespace baton::commands {
namespace {

using server::CommandContext;
using server::CommandSpec;
namespace err = server::err;

// Checks a password against requirepass for the default user.
bool CheckPassword(CommandContext& ctx, std::string_view user, std::string_view pass) {
  const std::string& required = ctx.server.settings().requirepass;
  return user == "default" && (required.empty() || pass == required);
}

// PING [message]
void Ping(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.reply.Error(err::WrongArity("ping"));
    return;
  }
  if (ctx.client.Has(server::kClientPubsub) && ctx.client.protocol() == 2) {
    ctx.reply.Array(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.argc() == 2 ? ctx.arg(1) : "");
    return;
  }
  if (ctx.argc() == 1) {
    ctx.reply.Simple("PONG");
  } else {
    ctx.reply.Bulk(ctx.arg(1));
  }
}

// ECHO message
void Echo(CommandContext& ctx) { ctx.reply.Bulk(ctx.arg(1)); }

// QUIT
void Quit(CommandContext& ctx) {
  ctx.reply.Ok();
  ctx.client.CloseAfterReply();
}

// SELECT index
void Select(CommandContext& ctx) {
  int64_t index = 0;
  if (!ParseIntArg(ctx, 1, &index)) return;
  if (index < 0 || index >= ctx.server.db_count()) {
    ctx.reply.Error(err::kDbIndexOutOfRange);
    return;
  }
  ctx.client.set_db_index(static_cast<int>(index));
  ctx.reply.Ok();
}

// AUTH [username] password
void Auth(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  std::string_view user = ctx.argc() == 3 ? ctx.arg(1) : "default";
  std::string_view pass = ctx.arg(ctx.argc() - 1);
  if (ctx.argc() == 2 && ctx.server.settings().requirepass.empty()) {
    ctx.reply.Error(err::kAuthNoPassword);
    return;
  }
  if (!CheckPassword(ctx, user, pass)) {
    ctx.reply.Error(err::kWrongPass);
    return;
  }
  ctx.client.set_authenticated(true);
  ctx.reply.Ok();
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void Hello(CommandContext& ctx) {
  int64_t version = ctx.client.protocol();
  size_t i = 1;
  if (ctx.argc() >= 2) {
    if (!store::ParseInt64(ctx.arg(1), &version)) {
      ctx.reply.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    i = 2;
    if (version < 2 || version > 3) {
      ctx.reply.Error("NOPROTO unsupported protocol version");
      return;
    }
  }
  std::string_view user;
  std::string_view pass;
  std::string_view name;
  bool has_auth = false;
  bool has_name = false;
  for (; i < ctx.argc(); ++i) {
    size_t left = ctx.argc() - i - 1;
    if (ArgIs(ctx, i, "AUTH") && left >= 2) {
      user = ctx.arg(i + 1);
      pass = ctx.arg(i + 2);
      has_auth = true;
      i += 2;
    } else if (ArgIs(ctx, i, "SETNAME") && left >= 1) {
      name = ctx.arg(i + 1);
      has_name = true;
      ++i;
    } else {
      ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(ctx.arg(i)) + "'");
      return;
    }
  }
  if (has_auth && !CheckPassword(ctx, user, pass)) {
    ctx.reply.Error(err::kWrongPass);
    return;
  }
  if (!has_auth && !ctx.client.authenticated()) {
    ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise "
        "the HELLO AUTH <user> <pass> option can be used to authenticate the "
        "client and select the RESP protocol version at the same time");
    return;
  }
  if (has_name) {
    for (char c : name) {
      if (c < '!' || c > '~') {
        ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
    }
  }
  if (has_auth) ctx.client.set_authenticated(true);
  if (has_name) ctx.client.set_name(std::string(name));
  ctx.client.set_protocol(static_cast<int>(version));
  const auto& role = ctx.server.role();
  ctx.reply.Map(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk(server::kRedisCompatVersion);
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(version);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id()));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk(role.is_replica ? "replica" : "master");
  ctx.reply.Bulk("modules");
  ctx.reply.Array(0);
}

// RESET
void Reset(CommandContext& ctx) {
  server::Client& c = ctx.client;
  ctx.server.ResetClientState(c);
  c.set_db_index(0);
  c.set_protocol(2);
  c.set_name("");
  c.Clear(server::kClientReadonly | server::kClientNoEvict | server::kClientNoTouch |
          server::kClientReplyOff | server::kClientReplySkipNext | server::kClientReplySkip |
          server::kClientMonitor);
  std::erase(ctx.server.monitors(), &c);
  c.set_authenticated(ctx.server.settings().requirepass.empty());
  ctx.reply.Simple("RESET");
}

}  // namespace

void RegisterConnectionCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto& t = server.commands();
  t.Add({.name = "ping",
         .arity = -1,
         .flags = kCmdFast | kCmdSentinel,
         .handler = Ping,
         .group = "connection",
         .summary = "Ping the server",
         .since = "1.0.0",
         .complexity = "O(1)",
         .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}});
  t.Add({.name = "echo",
         .arity = 2,
         .flags = kCmdFast,
         .handler = Echo,
         .group = "connection",
         .summary = "Echo the given string",
         .since = "1.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "quit",
         .arity = -1,
         .flags = kCmdAllowBusy | kCmdNoAuth | kCmdNoscript | kCmdLoading | kCmdStale | kCmdFast,
         .handler = Quit,
         .group = "connection",
         .summary = "Close the connection",
         .since = "1.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "select",
         .arity = 2,
         .flags = kCmdLoading | kCmdStale | kCmdFast,
         .handler = Select,
         .group = "connection",
         .summary = "Change the selected database",
         .since = "1.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "auth",
         .arity = -2,
         .flags = kCmdNoscript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth | kCmdSentinel |
                  kCmdAllowBusy,
         .handler = Auth,
         .group = "connection",
         .summary = "Authenticate to the server",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of passwords defined for the user"});
  t.Add({.name = "hello",
         .arity = -1,
         .flags = kCmdNoscript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth | kCmdSentinel |
                  kCmdAllowBusy,
         .handler = Hello,
         .group = "connection",
         .summary = "Handshake with Redis",
         .since = "6.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "reset",
         .arity = 1,
         .flags = kCmdNoscript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth | kCmdAllowBusy,
         .handler = Reset,
         .group = "connection",
         .summary = "Reset the connection",
         .since = "6.2.0",
         .complexity = "O(1)"});
}

}  // namespace baton::commands
