// Expiry commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME
// PEXPIRETIME PERSIST.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/server/server.h"
#include "keyspace.h"

namespace baton::commands {
namespace {

namespace err = server::err;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

enum ExpireFlag : unsigned { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

// Parses [NX|XX|GT|LT] from argument 3 on. Replies and returns false on error.
bool ParseExpireFlags(server::CommandContext& ctx, unsigned* flags) {
  *flags = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "NX")) {
      *flags |= kNx;
    } else if (ArgIs(ctx, i, "XX")) {
      *flags |= kXx;
    } else if (ArgIs(ctx, i, "GT")) {
      *flags |= kGt;
    } else if (ArgIs(ctx, i, "LT")) {
      *flags |= kLt;
    } else {
      ctx.reply.Error("ERR Unsupported option " + std::string(ctx.arg(i)));
      return false;
    }
  }
  if ((*flags & kNx) != 0 && (*flags & (kXx | kGt | kLt)) != 0) {
    ctx.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((*flags & kGt) != 0 && (*flags & kLt) != 0) {
    ctx.reply.Error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

// Whether the flags allow replacing `current` (-1: no TTL) with `when`.
bool FlagsAllow(unsigned flags, int64_t current, int64_t when) {
  if ((flags & kNx) != 0 && current != -1) return false;
  if ((flags & kXx) != 0 && current == -1) return false;
  // No TTL counts as an infinite one.
  if ((flags & kGt) != 0 && (current == -1 || when <= current)) return false;
  if ((flags & kLt) != 0 && current != -1 && when >= current) return false;
  return true;
}

// Shared by the four EXPIRE forms: `base_ms` is now for relative times and 0
// for absolute ones; `seconds` when the argument is in seconds.
void ExpireGeneric(server::CommandContext& ctx, int64_t base_ms, bool seconds) {
  unsigned flags = 0;
  if (!ParseExpireFlags(ctx, &flags)) return;
  int64_t when = 0;
  if (!ParseIntArg(ctx, 2, &when)) return;
  if (seconds) {
    if (when > kInt64Max / 1000 || when < kInt64Min / 1000) {
      return ctx.reply.Error(err::InvalidExpire(ctx.cmd.name));
    }
    when *= 1000;
  }
  if (when > kInt64Max - base_ms) return ctx.reply.Error(err::InvalidExpire(ctx.cmd.name));
  when += base_ms;

  std::string_view key = ctx.arg(1);
  store::KeyEntry* e = FindKeyWrite(ctx, key);
  if (e == nullptr) return ctx.reply.Integer(0);
  if (flags != 0 && !FlagsAllow(flags, ctx.db.GetExpire(e), when)) return ctx.reply.Integer(0);

  // A time in the past deletes the key, except where deletions come from the
  // master (replicas) or the file being loaded.
  if (when <= ctx.server.NowMs() && !ctx.server.role().is_replica &&
      !ctx.server.dispatcher().loading) {
    ctx.db.Delete(key);
    ctx.MarkDirty();
    ctx.PropagateAs({"DEL", std::string(key)});
    return ctx.reply.Integer(1);
  }
  ctx.db.SetExpire(e, when);
  ctx.db.SignalModified(key);
  ctx.MarkDirty();
  if (ctx.cmd.name != "pexpireat") {
    // Relative or second-based forms propagate as an absolute PEXPIREAT.
    std::vector<std::string> effect = {"PEXPIREAT", std::string(key), std::to_string(when)};
    for (size_t i = 3; i < ctx.argc(); ++i) effect.emplace_back(ctx.arg(i));
    ctx.PropagateAs(std::move(effect));
  }
  ctx.reply.Integer(1);
}

// EXPIRE key seconds [NX|XX|GT|LT]
void Expire(server::CommandContext& ctx) { ExpireGeneric(ctx, ctx.server.NowMs(), true); }

// PEXPIRE key milliseconds [NX|XX|GT|LT]
void PExpire(server::CommandContext& ctx) { ExpireGeneric(ctx, ctx.server.NowMs(), false); }

// EXPIREAT key unix-time-seconds [NX|XX|GT|LT]
void ExpireAt(server::CommandContext& ctx) { ExpireGeneric(ctx, 0, true); }

// PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]
void PExpireAt(server::CommandContext& ctx) { ExpireGeneric(ctx, 0, false); }

// Shared by TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 missing, -1 no TTL.
void TtlGeneric(server::CommandContext& ctx, bool ms, bool absolute) {
  store::KeyEntry* e = FindKeyRead(ctx, ctx.arg(1), store::kLookupNoTouch);
  if (e == nullptr) return ctx.reply.Integer(-2);
  const int64_t expire = ctx.db.GetExpire(e);
  if (expire == -1) return ctx.reply.Integer(-1);
  int64_t value = absolute ? expire : expire - ctx.server.NowMs();
  if (value < 0) value = 0;
  ctx.reply.Integer(ms ? value : (value + 500) / 1000);
}

// TTL key
void Ttl(server::CommandContext& ctx) { TtlGeneric(ctx, false, false); }

// PTTL key
void PTtl(server::CommandContext& ctx) { TtlGeneric(ctx, true, false); }

// EXPIRETIME key
void ExpireTime(server::CommandContext& ctx) { TtlGeneric(ctx, false, true); }

// PEXPIRETIME key
void PExpireTime(server::CommandContext& ctx) { TtlGeneric(ctx, true, true); }

// PERSIST key
void Persist(server::CommandContext& ctx) {
  store::KeyEntry* e = FindKeyWrite(ctx, ctx.arg(1));
  if (e == nullptr || !ctx.db.Persist(e)) return ctx.reply.Integer(0);
  ctx.db.SignalModified(ctx.arg(1));
  ctx.MarkDirty();
  ctx.reply.Integer(1);
}

}  // namespace

void RegisterExpireCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto& t = server.commands();
  auto add = [&t](const char* name, int arity, uint64_t flags, CommandHandler handler,
                  const char* summary, const char* since, std::vector<std::string> tips = {}) {
    // Writers here only update the key (Redis's "RW update" key spec).
    std::vector<std::string> key_spec_flags;
    if ((flags & kCmdWrite) != 0) key_spec_flags = {"RW", "update"};
    t.Add({.name = name,
           .arity = arity,
           .flags = flags,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = handler,
           .group = "generic",
           .summary = summary,
           .since = since,
           .complexity = "O(1)",
           .tips = std::move(tips),
           .key_spec_flags = std::move(key_spec_flags)});
  };
  const uint64_t write = kCmdWrite | kCmdFast;
  const uint64_t read = kCmdReadonly | kCmdFast;
  add("expire", -3, write, Expire, "Set a key's time to live in seconds", "1.0.0");
  add("pexpire", -3, write, PExpire, "Set a key's time to live in milliseconds", "2.6.0");
  add("expireat", -3, write, ExpireAt, "Set the expiration for a key as a UNIX timestamp", "1.2.0");
  add("pexpireat", -3, write, PExpireAt,
      "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0");
  add("ttl", 2, read, Ttl, "Get the time to live for a key in seconds", "1.0.0",
      {"nondeterministic_output"});
  add("pttl", 2, read, PTtl, "Get the time to live for a key in milliseconds", "2.6.0",
      {"nondeterministic_output"});
  add("expiretime", 2, read, ExpireTime, "Get the expiration Unix timestamp for a key", "7.0.0");
  add("pexpiretime", 2, read, PExpireTime,
      "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0");
  add("persist", 2, write, Persist, "Remove the expiration from a key", "2.2.0");
}

}  // namespace baton::commands
