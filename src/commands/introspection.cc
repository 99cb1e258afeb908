// Introspection commands: INFO, COMMAND (and its subcommands), SLOWLOG, MONITOR.
// Everything about commands is read from the one command table.
#include <string>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"
#include "info_sections.h"

namespace baton::commands {
namespace {

using server::CommandContext;
using server::CommandSpec;
namespace err = server::err;

// Flags COMMAND INFO shows: Redis hides sentinel and protected; Baton bits too.
constexpr uint64_t kShownFlagMask = (1ULL << 32) - 1;
constexpr uint64_t kHiddenFlags =
    server::kCmdSentinel | server::kCmdOnlySentinel | server::kCmdProtected;

void ReplyHelp(CommandContext& ctx, std::string_view command,
               std::initializer_list<std::string_view> lines) {
  ctx.reply.Array(lines.size() + 3);
  ctx.reply.Simple(std::string(command) +
                   " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view l : lines) ctx.reply.Simple(l);
  ctx.reply.Simple("HELP");
  ctx.reply.Simple("    Prints this help.");
}

bool IsContainer(const CommandSpec& c) { return c.handler == nullptr && !c.subcommands.empty(); }

uint64_t ShownFlags(const CommandSpec& c) {
  uint64_t flags = c.flags & kShownFlagMask & ~kHiddenFlags;
  if (c.key_finder != nullptr) flags |= server::kCmdMovableKeys;
  return flags;
}

std::vector<std::string_view> CategoriesOf(const CommandSpec& c) {
  // Containers only carry the speed category, like Redis's.
  if (IsContainer(c)) return {"@slow"};
  return server::AclCategoryNames(c.acl_categories);
}

std::vector<std::string> KeySpecFlags(const CommandSpec& c) {
  if (!c.key_spec_flags.empty()) return c.key_spec_flags;
  if (c.Has(server::kCmdWrite)) return {"RW", "access", "update"};
  if (c.Has(server::kCmdReadonly)) return {"RO", "access"};
  return {"RO"};
}

// begin_search / find_keys maps of one key spec.
void ReplyRangeKeySpec(CommandContext& ctx, const CommandSpec& c,
                       const std::vector<std::string>& flags) {
  ctx.reply.Map(3);
  ctx.reply.Bulk("flags");
  ctx.reply.Set(flags.size());
  for (const auto& f : flags) ctx.reply.Simple(f);
  ctx.reply.Bulk("begin_search");
  ctx.reply.Map(2);
  ctx.reply.Bulk("type");
  ctx.reply.Bulk("index");
  ctx.reply.Bulk("spec");
  ctx.reply.Map(1);
  ctx.reply.Bulk("index");
  ctx.reply.Integer(c.first_key);
  ctx.reply.Bulk("find_keys");
  ctx.reply.Map(2);
  ctx.reply.Bulk("type");
  ctx.reply.Bulk("range");
  ctx.reply.Bulk("spec");
  ctx.reply.Map(3);
  ctx.reply.Bulk("lastkey");
  ctx.reply.Integer(c.last_key >= 0 ? c.last_key - c.first_key : c.last_key);
  ctx.reply.Bulk("keystep");
  ctx.reply.Integer(c.key_step > 0 ? c.key_step : 1);
  ctx.reply.Bulk("limit");
  ctx.reply.Integer(0);
}

// A spec for keys found by a key finder: Redis's "unknown" search type.
void ReplyUnknownKeySpec(CommandContext& ctx, const std::vector<std::string>& flags) {
  ctx.reply.Map(3);
  ctx.reply.Bulk("flags");
  ctx.reply.Set(flags.size());
  for (const auto& f : flags) ctx.reply.Simple(f);
  for (std::string_view part : {"begin_search", "find_keys"}) {
    ctx.reply.Bulk(part);
    ctx.reply.Map(2);
    ctx.reply.Bulk("type");
    ctx.reply.Bulk("unknown");
    ctx.reply.Bulk("spec");
    ctx.reply.Map(0);
  }
}

void ReplyKeySpecs(CommandContext& ctx, const CommandSpec& c) {
  const bool range = c.first_key > 0;
  const bool finder = c.key_finder != nullptr;
  ctx.reply.Set((range ? 1 : 0) + (finder ? 1 : 0));
  if (!range && !finder) return;
  const std::vector<std::string> flags = KeySpecFlags(c);
  if (range) ReplyRangeKeySpec(ctx, c, flags);
  if (finder) ReplyUnknownKeySpec(ctx, flags);
}

// The 10-element COMMAND INFO entry.
void ReplyCommandInfo(CommandContext& ctx, const CommandSpec& c) {
  ctx.reply.Array(10);
  ctx.reply.Bulk(c.fullname);
  ctx.reply.Integer(c.arity);
  const auto flags = server::CommandFlagNames(ShownFlags(c));
  ctx.reply.Set(flags.size());
  for (std::string_view f : flags) ctx.reply.Simple(f);
  ctx.reply.Integer(c.first_key);
  ctx.reply.Integer(c.last_key);
  ctx.reply.Integer(c.key_step);
  const auto cats = CategoriesOf(c);
  ctx.reply.Set(cats.size());
  for (std::string_view cat : cats) ctx.reply.Simple(cat);
  ctx.reply.Set(c.tips.size());
  for (const auto& t : c.tips) ctx.reply.Bulk(t);
  ReplyKeySpecs(ctx, c);
  ctx.reply.Set(c.subcommands.size());
  for (const CommandSpec& sub : c.subcommands) ReplyCommandInfo(ctx, sub);
}

// The COMMAND DOCS map of one command.
void ReplyCommandDocs(CommandContext& ctx, const CommandSpec& c) {
  size_t fields = 1;  // group
  if (!c.summary.empty()) ++fields;
  if (!c.since.empty()) ++fields;
  if (!c.complexity.empty()) ++fields;
  if (!c.subcommands.empty()) ++fields;
  ctx.reply.Map(fields);
  if (!c.summary.empty()) {
    ctx.reply.Bulk("summary");
    ctx.reply.Bulk(c.summary);
  }
  if (!c.since.empty()) {
    ctx.reply.Bulk("since");
    ctx.reply.Bulk(c.since);
  }
  ctx.reply.Bulk("group");
  ctx.reply.Bulk(c.group);
  if (!c.complexity.empty()) {
    ctx.reply.Bulk("complexity");
    ctx.reply.Bulk(c.complexity);
  }
  if (!c.subcommands.empty()) {
    ctx.reply.Bulk("subcommands");
    ctx.reply.Map(c.subcommands.size());
    for (const CommandSpec& sub : c.subcommands) {
      ctx.reply.Bulk(sub.fullname);
      ReplyCommandDocs(ctx, sub);
    }
  }
}

// "get" or "client|kill", case-insensitive.
const CommandSpec* FindByFullName(const server::CommandTable& table, std::string_view name) {
  const size_t bar = name.find('|');
  const CommandSpec* c = table.Find(name.substr(0, bar));
  if (c == nullptr || bar == std::string_view::npos) return c;
  return c->FindSubcommand(name.substr(bar + 1));
}

// COMMAND
void CommandAll(CommandContext& ctx) {
  ctx.reply.Array(ctx.server.commands().size());
  ctx.server.commands().ForEach([&](const CommandSpec& c) { ReplyCommandInfo(ctx, c); });
}

// COMMAND COUNT
void CommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.commands().size()));
}

// COMMAND INFO [command-name ...]
void CommandInfo(CommandContext& ctx) {
  if (ctx.argc() == 2) return CommandAll(ctx);
  ctx.reply.Array(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandSpec* c = FindByFullName(ctx.server.commands(), ctx.arg(i));
    if (c == nullptr) {
      ctx.reply.NullArray();
    } else {
      ReplyCommandInfo(ctx, *c);
    }
  }
}

// COMMAND DOCS [command-name ...]
void CommandDocs(CommandContext& ctx) {
  const server::CommandTable& table = ctx.server.commands();
  if (ctx.argc() == 2) {
    ctx.reply.Map(table.size());
    table.ForEach([&](const CommandSpec& c) {
      ctx.reply.Bulk(c.fullname);
      ReplyCommandDocs(ctx, c);
    });
    return;
  }
  const size_t handle = ctx.reply.BeginDeferred();
  size_t found = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandSpec* c = FindByFullName(table, ctx.arg(i));
    if (c == nullptr) continue;
    ctx.reply.Bulk(c->fullname);
    ReplyCommandDocs(ctx, *c);
    ++found;
  }
  ctx.reply.EndDeferredMap(handle, found);
}

// COMMAND LIST [FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]
void CommandList(CommandContext& ctx) {
  enum class Filter { kNone, kModule, kAclCat, kPattern } filter = Filter::kNone;
  std::string_view value;
  if (ctx.argc() == 5 && ArgIs(ctx, 2, "FILTERBY")) {
    value = ctx.arg(4);
    if (ArgIs(ctx, 3, "MODULE")) {
      filter = Filter::kModule;
    } else if (ArgIs(ctx, 3, "ACLCAT")) {
      filter = Filter::kAclCat;
    } else if (ArgIs(ctx, 3, "PATTERN")) {
      filter = Filter::kPattern;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  } else if (ctx.argc() != 2) {
    return ctx.reply.Error(err::kSyntax);
  }
  auto matches = [&](const CommandSpec& c) {
    switch (filter) {
      case Filter::kNone:
        return true;
      case Filter::kModule:
        return false;  // no modules
      case Filter::kPattern:
        return util::GlobMatch(value, c.fullname, true);
      case Filter::kAclCat:
        for (std::string_view cat : CategoriesOf(c)) {
          if (util::EqualsIgnoreCase(cat.substr(1), value)) return true;
        }
        return false;
    }
    return false;
  };
  const size_t handle = ctx.reply.BeginDeferred();
  size_t n = 0;
  auto one = [&](const CommandSpec& c) {
    if (!matches(c)) return;
    ctx.reply.Bulk(c.fullname);
    ++n;
  };
  ctx.server.commands().ForEach([&](const CommandSpec& c) {
    one(c);
    for (const CommandSpec& sub : c.subcommands) one(sub);
  });
  ctx.reply.EndDeferredArray(handle, n);
}

// Resolves the command whose keys GETKEYS extracts; replies the error when
// there is none. Fills `positions`.
const CommandSpec* KeysOfCommand(CommandContext& ctx, std::vector<int>* positions) {
  std::span<const std::string_view> full = ctx.args.subspan(2);
  const CommandSpec* container = nullptr;
  const CommandSpec* c = ctx.server.commands().Resolve(full, &container);
  if (c == nullptr) {
    ctx.reply.Error(err::kInvalidCommandSpecified);
    return nullptr;
  }
  if (!c->ArityOk(full.size()) || IsContainer(*c)) {
    ctx.reply.Error(err::kInvalidArgumentCount);
    return nullptr;
  }
  if (c->first_key <= 0 && c->key_finder == nullptr) {
    ctx.reply.Error(err::kNoKeyArguments);
    return nullptr;
  }
  for (int p : c->KeyPositions(full)) {
    if (p > 0 && static_cast<size_t>(p) < full.size()) positions->push_back(p);
  }
  if (positions->empty() && !c->Has(server::kCmdNoMandatoryKeys)) {
    ctx.reply.Error(err::kInvalidKeyArguments);
    return nullptr;
  }
  return c;
}

// COMMAND GETKEYS command [arg ...]
void CommandGetKeys(CommandContext& ctx) {
  std::vector<int> positions;
  if (KeysOfCommand(ctx, &positions) == nullptr) return;
  ctx.reply.Array(positions.size());
  for (int p : positions) ctx.reply.Bulk(ctx.arg(static_cast<size_t>(p) + 2));
}

// COMMAND GETKEYSANDFLAGS command [arg ...]
void CommandGetKeysAndFlags(CommandContext& ctx) {
  std::vector<int> positions;
  const CommandSpec* c = KeysOfCommand(ctx, &positions);
  if (c == nullptr) return;
  std::vector<std::string> flags = KeySpecFlags(*c);
  std::erase(flags, "variable_flags");
  ctx.reply.Array(positions.size());
  for (int p : positions) {
    ctx.reply.Array(2);
    ctx.reply.Bulk(ctx.arg(static_cast<size_t>(p) + 2));
    ctx.reply.Set(flags.size());
    for (const auto& f : flags) ctx.reply.Simple(f);
  }
}

// COMMAND HELP
void CommandHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "COMMAND",
            {"(no subcommand)", "    Return details about every command.", "COUNT",
             "    Return the number of commands.", "LIST", "    Return the names of every command.",
             "INFO [<command-name> ...]",
             "    Return details about the given commands, or about every command.",
             "DOCS [<command-name> ...]",
             "    Return documentation about the given commands, or about every command.",
             "GETKEYS <full-command>", "    Return the keys of a full command.",
             "GETKEYSANDFLAGS <full-command>",
             "    Return the keys of a full command with their access flags."});
}

// INFO [section ...]
void Info(CommandContext& ctx) { ctx.reply.Verbatim(info::Build(ctx.server, ctx.args.subspan(1))); }

// SLOWLOG GET [count]
void SlowlogGet(CommandContext& ctx) {
  int64_t count = 10;
  if (ctx.argc() > 3) return ctx.reply.Error(err::WrongArity("slowlog|get"));
  if (ctx.argc() == 3 && (!store::ParseInt64(ctx.arg(2), &count) || count < -1)) {
    return ctx.reply.Error(err::kSlowlogCount);
  }
  const auto& entries = ctx.server.slowlog().entries();
  size_t n = entries.size();
  if (count >= 0) n = std::min(n, static_cast<size_t>(count));
  ctx.reply.Array(n);
  for (size_t i = 0; i < n; ++i) {
    const server::SlowLogEntry& e = entries[i];
    ctx.reply.Array(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.timestamp_s);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.Array(e.args.size());
    for (const auto& a : e.args) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.peer);
    ctx.reply.Bulk(e.client_name);
  }
}

// SLOWLOG LEN
void SlowlogLen(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.slowlog().entries().size()));
}

// SLOWLOG RESET
void SlowlogReset(CommandContext& ctx) {
  ctx.server.slowlog().Reset();
  ctx.reply.Ok();
}

// SLOWLOG HELP
void SlowlogHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "SLOWLOG",
      {"GET [<count>]", "    Return the <count> newest slow log entries (default: 10, -1 for all).",
       "    Each entry holds: id, timestamp, duration in microseconds, arguments,",
       "    client address and client name.", "LEN", "    Return the number of slow log entries.",
       "RESET", "    Remove every slow log entry."});
}

// MONITOR
void Monitor(CommandContext& ctx) {
  server::Client& c = ctx.client;
  // Inside EXEC (or a script) every command must answer: no streaming.
  if (c.Has(server::kClientDenyBlocking) || ctx.server.dispatcher().call_depth() > 1) {
    return ctx.reply.Error(err::kMonitorDenyBlocking);
  }
  // Already streaming (or a replica link): ignored without a reply, like Redis.
  if (c.Has(server::kClientMonitor) || c.Has(server::kClientReplica)) return;
  c.Set(server::kClientMonitor);
  ctx.server.monitors().push_back(&c);
  ctx.reply.Ok();
}

}  // namespace

void RegisterIntrospectionCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto& t = server.commands();
  const uint64_t kMeta = kCmdLoading | kCmdStale;
  const std::string kLookupCost = "O(N) where N is the number of commands to look up";
  const std::string kAllCost = "O(N) where N is the total number of Redis commands";
  const std::string kArgsCost = "O(N) where N is the number of arguments to the command";
  t.Add({.name = "command",
         .arity = -1,
         .flags = kMeta | kCmdSentinel,
         .handler = CommandAll,
         .group = "server",
         .summary = "Get array of Redis command details",
         .since = "2.8.13",
         .complexity = kAllCost,
         .tips = {"nondeterministic_output_order"},
         .subcommands = {
             {.name = "count",
              .arity = 2,
              .flags = kMeta | kCmdSentinel,
              .handler = CommandCount,
              .summary = "Get total number of Redis commands",
              .since = "2.8.13",
              .complexity = "O(1)"},
             {.name = "docs",
              .arity = -2,
              .flags = kMeta | kCmdSentinel,
              .handler = CommandDocs,
              .summary = "Get array of specific Redis command documentation",
              .since = "7.0.0",
              .complexity = kLookupCost,
              .tips = {"nondeterministic_output_order"}},
             {.name = "getkeys",
              .arity = -4,
              .flags = kMeta | kCmdSentinel,
              .handler = CommandGetKeys,
              .summary = "Extract keys given a full Redis command",
              .since = "2.8.13",
              .complexity = kArgsCost},
             {.name = "getkeysandflags",
              .arity = -4,
              .flags = kMeta | kCmdSentinel,
              .handler = CommandGetKeysAndFlags,
              .summary = "Extract keys and access flags given a full Redis command",
              .since = "7.0.0",
              .complexity = kArgsCost},
             {.name = "help",
              .arity = 2,
              .flags = kMeta | kCmdSentinel,
              .handler = CommandHelp,
              .summary = "Show helpful text about the different subcommands",
              .since = "5.0.0",
              .complexity = "O(1)"},
             {.name = "info",
              .arity = -2,
              .flags = kMeta | kCmdSentinel,
              .handler = CommandInfo,
              .summary = "Get array of specific Redis command details, or all when no argument "
                         "is given.",
              .since = "2.8.13",
              .complexity = kLookupCost,
              .tips = {"nondeterministic_output_order"}},
             {.name = "list",
              .arity = -2,
              .flags = kMeta | kCmdSentinel,
              .handler = CommandList,
              .summary = "Get an array of Redis command names",
              .since = "7.0.0",
              .complexity = kAllCost,
              .tips = {"nondeterministic_output_order"}},
         }});
  t.Add({.name = "info",
         .arity = -1,
         .flags = kMeta | kCmdSentinel,
         .handler = Info,
         .group = "server",
         .summary = "Get information and statistics about the server",
         .since = "1.0.0",
         .complexity = "O(1)",
         .tips = {"nondeterministic_output", "request_policy:all_shards",
                  "response_policy:special"}});
  t.Add({.name = "slowlog",
         .arity = -2,
         .group = "server",
         .summary = "A container for slow log commands",
         .since = "2.2.12",
         .complexity = "Depends on subcommand.",
         .subcommands = {
             {.name = "len",
              .arity = 2,
              .flags = kCmdAdmin | kMeta,
              .handler = SlowlogLen,
              .summary = "Get the slow log's length",
              .since = "2.2.12",
              .complexity = "O(1)",
              .tips = {"request_policy:all_nodes", "response_policy:agg_sum",
                       "nondeterministic_output"}},
             {.name = "get",
              .arity = -2,
              .flags = kCmdAdmin | kMeta,
              .handler = SlowlogGet,
              .summary = "Get the slow log's entries",
              .since = "2.2.12",
              .complexity = "O(N) where N is the number of entries returned",
              .tips = {"request_policy:all_nodes", "nondeterministic_output"}},
             {.name = "reset",
              .arity = 2,
              .flags = kCmdAdmin | kMeta,
              .handler = SlowlogReset,
              .summary = "Clear all entries from the slow log",
              .since = "2.2.12",
              .complexity = "O(N) where N is the number of entries in the slowlog",
              .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}},
             {.name = "help",
              .arity = 2,
              .flags = kMeta,
              .handler = SlowlogHelp,
              .summary = "Show helpful text about the different subcommands",
              .since = "6.2.0",
              .complexity = "O(1)"},
         }});
  t.Add({.name = "monitor",
         .arity = 1,
         .flags = kCmdAdmin | kCmdNoscript | kMeta,
         .handler = Monitor,
         .group = "server",
         .summary = "Listen for all requests received by the server in real time",
         .since = "1.0.0"});
}

}  // namespace baton::commands
