// CLIENT subcommands (LIST, INFO and KILL live in client_list.cc), READONLY
// and READWRITE.
#include <limits>
#include <string>
#include <string_view>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/config/config.h"
#include "baton/server/blocking.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"
#include "client_list.h"

namespace baton::commands {
namespace {

using server::Client;
using server::CommandContext;
using switchover::PausePurpose;
using switchover::PauseType;
namespace err = server::err;

// "ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP."
std::string SubcommandSyntaxError(std::string_view sub) {
  return "ERR unknown subcommand or wrong number of arguments for '" + std::string(sub) +
         "'. Try CLIENT HELP.";
}

// Client names and library attributes: printable ASCII without spaces.
bool ValidName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

// Parses ON/OFF for NO-EVICT and NO-TOUCH; replies a syntax error otherwise.
bool ParseOnOff(CommandContext& ctx, size_t i, bool* on) {
  if (ArgIs(ctx, i, "on")) {
    *on = true;
  } else if (ArgIs(ctx, i, "off")) {
    *on = false;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  return true;
}

// CLIENT ID
void ClientId(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.client.id())); }

// CLIENT GETNAME
void ClientGetName(CommandContext& ctx) {
  if (ctx.client.name().empty()) return ctx.reply.Null();
  ctx.reply.Bulk(ctx.client.name());
}

// CLIENT SETNAME connection-name
void ClientSetName(CommandContext& ctx) {
  if (!ValidName(ctx.arg(2))) {
    return ctx.reply.Error(
        "ERR Client names cannot contain spaces, newlines or special characters.");
  }
  ctx.client.set_name(std::string(ctx.arg(2)));
  ctx.reply.Ok();
}

// CLIENT SETINFO LIB-NAME libname | LIB-VER libver
void ClientSetInfo(CommandContext& ctx) {
  const bool is_name = ArgIs(ctx, 2, "lib-name");
  if (!is_name && !ArgIs(ctx, 2, "lib-ver")) {
    return ctx.reply.Error("ERR Unrecognized option '" + std::string(ctx.arg(2)) + "'");
  }
  if (!ValidName(ctx.arg(3))) {
    return ctx.reply.Error("ERR " + util::ToLower(ctx.arg(2)) +
                           " cannot contain spaces, newlines or special characters.");
  }
  if (is_name) {
    ctx.client.set_lib_name(std::string(ctx.arg(3)));
  } else {
    ctx.client.set_lib_ver(std::string(ctx.arg(3)));
  }
  ctx.reply.Ok();
}

// CLIENT PAUSE timeout [WRITE|ALL]
void ClientPause(CommandContext& ctx) {
  if (ctx.argc() > 4) return ctx.reply.Error(SubcommandSyntaxError(ctx.arg(1)));
  PauseType type = PauseType::kAll;
  if (ctx.argc() == 4) {
    if (ArgIs(ctx, 3, "write")) {
      type = PauseType::kWrite;
    } else if (!ArgIs(ctx, 3, "all")) {
      return ctx.reply.Error(err::kUnknownPauseMode);
    }
  }
  int64_t ms = 0;
  if (!config::ParseStrictInt(ctx.arg(2), &ms)) {
    return ctx.reply.Error("ERR timeout is not an integer or out of range");
  }
  if (ms < 0) return ctx.reply.Error(err::kTimeoutNegative);
  const int64_t now = ctx.server.NowMs();
  // A timeout past the clock's range ends at once, as Redis's wrapped sum does.
  const int64_t end = ms > std::numeric_limits<int64_t>::max() - now ? now : now + ms;
  ctx.server.pauses().Pause(PausePurpose::kClientCommand, type, end);
  ctx.reply.Ok();
}

// CLIENT UNPAUSE
void ClientUnpause(CommandContext& ctx) {
  // Postponed clients resume before the loop sleeps (see the task installed
  // in RegisterClientCommands), not inside this command.
  ctx.server.pauses().Unpause(PausePurpose::kClientCommand);
  ctx.reply.Ok();
}

// CLIENT CAPA capability [capability ...]
void ClientCapa(CommandContext& ctx) {
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "redirect")) ctx.client.Set(server::kClientCapaRedirect);
  }
  ctx.reply.Ok();
}

// CLIENT NO-EVICT ON|OFF
void ClientNoEvict(CommandContext& ctx) {
  bool on = false;
  if (!ParseOnOff(ctx, 2, &on)) return;
  on ? ctx.client.Set(server::kClientNoEvict) : ctx.client.Clear(server::kClientNoEvict);
  ctx.reply.Ok();
}

// CLIENT NO-TOUCH ON|OFF
void ClientNoTouch(CommandContext& ctx) {
  bool on = false;
  if (!ParseOnOff(ctx, 2, &on)) return;
  on ? ctx.client.Set(server::kClientNoTouch) : ctx.client.Clear(server::kClientNoTouch);
  ctx.reply.Ok();
}

// CLIENT REPLY ON|OFF|SKIP
void ClientReply(CommandContext& ctx) {
  Client& c = ctx.client;
  if (ArgIs(ctx, 2, "on")) {
    c.Clear(server::kClientReplyOff | server::kClientReplySkipNext | server::kClientReplySkip);
    ctx.reply.Ok();
  } else if (ArgIs(ctx, 2, "off")) {
    c.Set(server::kClientReplyOff);  // this reply is dropped too
  } else if (ArgIs(ctx, 2, "skip")) {
    // Drop this command's reply and the next command's.
    if (!c.Has(server::kClientReplyOff)) {
      c.Set(server::kClientReplySkipNext | server::kClientReplySkip);
    }
  } else {
    ctx.reply.Error(err::kSyntax);
  }
}

// CLIENT TRACKINGINFO
void ClientTrackingInfo(CommandContext& ctx) {
  ctx.reply.Map(3);
  ctx.reply.Bulk("flags");
  ctx.reply.Set(1);
  ctx.reply.Bulk("off");
  ctx.reply.Bulk("redirect");
  ctx.reply.Integer(-1);
  ctx.reply.Bulk("prefixes");
  ctx.reply.Array(0);
}

// CLIENT GETREDIR
void ClientGetRedir(CommandContext& ctx) { ctx.reply.Integer(-1); }

// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
void ClientUnblock(CommandContext& ctx) {
  if (ctx.argc() > 4) return ctx.reply.Error(SubcommandSyntaxError(ctx.arg(1)));
  int64_t id = 0;
  if (!ParseIntArg(ctx, 2, &id)) return;
  bool with_error = false;
  if (ctx.argc() == 4) {
    if (ArgIs(ctx, 3, "error")) {
      with_error = true;
    } else if (!ArgIs(ctx, 3, "timeout")) {
      return ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  Client* target = id > 0 ? ctx.server.FindClient(static_cast<uint64_t>(id)) : nullptr;
  const bool done = target != nullptr && target->Has(server::kClientBlocked) &&
                    server::UnblockClient(ctx.server, *target, with_error);
  ctx.reply.Integer(done ? 1 : 0);
}

// CLIENT HELP
void ClientHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

// READONLY
void ReadOnly(CommandContext& ctx) {
  ctx.client.Set(server::kClientReadonly);
  ctx.reply.Ok();
}

// READWRITE
void ReadWrite(CommandContext& ctx) {
  ctx.client.Clear(server::kClientReadonly);
  ctx.reply.Ok();
}

// Resumes postponed clients once the effective pause became less restrictive
// (CLIENT UNPAUSE); the cron does the same when a pause times out.
void InstallResumeTask(server::Server& server) {
  server.AddBeforeSleepTask([&server, last = PauseType::kNone]() mutable {
    const PauseType now = server.pauses().Effective();
    if (static_cast<int>(now) < static_cast<int>(last)) server.ResumePostponed();
    last = now;
  });
}

}  // namespace

void RegisterClientCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  InstallResumeTask(server);
  const uint64_t kConn = kCmdNoscript | kCmdLoading | kCmdStale;
  const uint64_t kAdmin = kCmdAdmin | kConn;
  auto sub = [](std::string name, int arity, uint64_t flags, CommandHandler handler,
                std::string summary, std::string since, std::string complexity = "O(1)") {
    return CommandSpec{.name = std::move(name),
                       .arity = arity,
                       .flags = flags,
                       .handler = handler,
                       .summary = std::move(summary),
                       .since = std::move(since),
                       .complexity = std::move(complexity)};
  };
  CommandSpec list = sub("list", -2, kAdmin, ClientList, "Get the list of client connections",
                         "2.4.0", "O(N) where N is the number of client connections");
  list.tips = {"nondeterministic_output"};
  CommandSpec info = sub("info", 2, kConn, ClientInfo,
                         "Returns information about the current client connection.", "6.2.0");
  info.tips = {"nondeterministic_output"};
  server.commands().Add(
      {.name = "client",
       .arity = -2,
       .group = "connection",
       .summary = "A container for client connection commands",
       .since = "2.4.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           sub("id", 2, kConn, ClientId, "Returns the client ID for the current connection",
               "5.0.0"),
           info,
           list,
           sub("kill", -3, kAdmin, ClientKill, "Kill the connection of a client", "2.4.0",
               "O(N) where N is the number of client connections"),
           sub("getname", 2, kConn, ClientGetName, "Get the current connection name", "2.6.9"),
           sub("setname", 3, kConn, ClientSetName, "Set the current connection name", "2.6.9"),
           sub("setinfo", 4, kConn, ClientSetInfo, "Set client or connection specific info",
               "7.2.0"),
           sub("pause", -3, kAdmin, ClientPause,
               "Stop processing commands from clients for some "
               "time",
               "2.9.50"),
           sub("unpause", 2, kAdmin, ClientUnpause, "Resume processing of clients that were paused",
               "6.2.0", "O(N) Where N is the number of paused clients"),
           sub("capa", -3, kConn, ClientCapa, "Declare the client's capabilities", "8.0.0"),
           sub("no-evict", 3, kAdmin, ClientNoEvict,
               "Set client eviction mode for the current connection", "7.0.0"),
           sub("no-touch", 3, kConn, ClientNoTouch,
               "Controls whether commands sent by the client will alter the LRU/LFU of the keys "
               "they access.",
               "7.2.0"),
           sub("reply", 3, kConn, ClientReply, "Instruct the server whether to reply to commands",
               "3.2.0"),
           sub("trackinginfo", 2, kConn, ClientTrackingInfo,
               "Return information about server assisted client side caching for the current "
               "connection",
               "6.2.0"),
           sub("getredir", 2, kConn, ClientGetRedir,
               "Get tracking notifications redirection client ID if any", "6.0.0"),
           sub("unblock", -3, kAdmin, ClientUnblock,
               "Unblock a client blocked in a blocking command from a different connection",
               "5.0.0", "O(log N) where N is the number of client connections"),
           sub("help", 2, kCmdLoading | kCmdStale, ClientHelp,
               "Show helpful text about the different subcommands", "5.0.0"),
       }});
  server.commands().Add(
      {.name = "readonly",
       .arity = 1,
       .flags = kCmdLoading | kCmdStale | kCmdFast,
       .handler = ReadOnly,
       .group = "cluster",
       .summary = "Enables read queries for a connection to a cluster replica node",
       .since = "3.0.0",
       .complexity = "O(1)"});
  server.commands().Add({.name = "readwrite",
                         .arity = 1,
                         .flags = kCmdLoading | kCmdStale | kCmdFast,
                         .handler = ReadWrite,
                         .group = "cluster",
                         .summary = "Disables read queries for a connection to a cluster replica "
                                    "node",
                         .since = "3.0.0",
                         .complexity = "O(1)"});
}

}  // namespace baton::commands
