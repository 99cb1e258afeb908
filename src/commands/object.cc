// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP: a key's internals.
#include <cstdint>
#include <string_view>

#include "baton/commands/helpers.h"
#include "baton/server/server.h"
#include "keyspace.h"

namespace baton::commands {
namespace {

// Redis reports this count for its shared small integers.
constexpr int64_t kSharedRefcount = 2147483647;
constexpr int64_t kSharedIntegers = 10000;

bool LfuPolicy(const server::CommandContext& ctx) {
  return config::IsLfuPolicy(ctx.server.settings().maxmemory_policy);
}

// The key for an OBJECT subcommand, or nullptr after replying null.
store::KeyEntry* ObjectLookup(server::CommandContext& ctx) {
  store::KeyEntry* e = FindKeyRead(ctx, ctx.arg(2), store::kLookupNoTouch);
  if (e == nullptr) ctx.reply.Null();
  return e;
}

// OBJECT ENCODING key
void ObjectEncoding(server::CommandContext& ctx) {
  if (store::KeyEntry* e = ObjectLookup(ctx)) ctx.reply.Bulk(e->value.EncodingName());
}

// OBJECT FREQ key
void ObjectFreq(server::CommandContext& ctx) {
  store::KeyEntry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  if (!LfuPolicy(ctx)) {
    return ctx.reply.Error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time to "
        "adjust.");
  }
  ctx.reply.Integer(ctx.db.LfuCounter(e));
}

// OBJECT IDLETIME key
void ObjectIdleTime(server::CommandContext& ctx) {
  store::KeyEntry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  if (LfuPolicy(ctx)) {
    return ctx.reply.Error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
  }
  ctx.reply.Integer(ctx.db.IdleSeconds(e));
}

// OBJECT REFCOUNT key
void ObjectRefCount(server::CommandContext& ctx) {
  store::KeyEntry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  // Small integers are shared objects in Redis, except under LRU/LFU eviction
  // with a memory limit (each key then needs its own access data).
  const auto& s = ctx.server.settings();
  const int64_t p = s.maxmemory_policy;
  const bool eviction_tracks_access = s.maxmemory > 0 && (config::IsLruPolicy(p) || LfuPolicy(ctx));
  const bool shared = e->value.is_int() && e->value.int_value() >= 0 &&
                      e->value.int_value() < kSharedIntegers && !eviction_tracks_access;
  ctx.reply.Integer(shared ? kSharedRefcount : 1);
}

// OBJECT HELP
void ObjectHelp(server::CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterObjectCommand(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto sub = [](const char* name, CommandHandler handler, const char* summary, const char* since) {
    return CommandSpec{.name = name,
                       .arity = 3,
                       .flags = kCmdReadonly,
                       .first_key = 2,
                       .last_key = 2,
                       .key_step = 1,
                       .handler = handler,
                       .group = "generic",
                       .summary = summary,
                       .since = since,
                       .complexity = "O(1)",
                       .tips = {"nondeterministic_output"},
                       .key_spec_flags = {"RO"}};
  };
  std::vector<CommandSpec> subs;
  subs.push_back(
      sub("encoding", ObjectEncoding, "Inspect the internal encoding of a Redis object", "2.2.3"));
  subs.push_back(sub("freq", ObjectFreq,
                     "Get the logarithmic access frequency counter of a "
                     "Redis object",
                     "4.0.0"));
  subs.push_back(sub("idletime", ObjectIdleTime,
                     "Get the time since a Redis object was last accessed", "2.2.3"));
  subs.push_back(sub("refcount", ObjectRefCount,
                     "Get the number of references to the value of the key", "2.2.3"));
  subs.push_back(CommandSpec{.name = "help",
                             .arity = 2,
                             .flags = kCmdLoading | kCmdStale,
                             .handler = ObjectHelp,
                             .group = "generic",
                             .summary = "Show helpful text about the different subcommands",
                             .since = "6.2.0",
                             .complexity = "O(1)"});
  server.commands().Add({.name = "object",
                         .arity = -2,
                         .group = "generic",
                         .summary = "A container for object introspection commands",
                         .since = "2.2.3",
                         .complexity = "Depends on subcommand.",
                         .subcommands = std::move(subs)});
}

}  // namespace baton::commands
