// SET and its relatives (SETNX SETEX PSETEX) and GETEX: the shared option
// parser, expire-time conversion and the propagated effects.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "baton/commands/string_util.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"

namespace baton::commands::strings {
namespace {

namespace err = server::err;

enum SetFlag : unsigned {
  kSetNx = 1U << 0,
  kSetXx = 1U << 1,
  kSetGet = 1U << 2,
  kSetKeepTtl = 1U << 3,
  kSetPersist = 1U << 4,
  kSetEx = 1U << 5,
  kSetPx = 1U << 6,
  kSetExat = 1U << 7,
  kSetPxat = 1U << 8,
};
constexpr unsigned kAnyExpire = kSetEx | kSetPx | kSetExat | kSetPxat;

enum class OptionsFor { kSet, kGetEx };

struct SetOptions {
  unsigned flags = 0;
  size_t expire_arg = 0;  // argument index of the expire value; 0 when none
};

// Parses SET / GETEX options from args[first..]; replies a syntax error on
// an unknown word or a conflicting combination.
bool ParseSetOptions(CommandContext& ctx, size_t first, OptionsFor target, SetOptions* out) {
  const bool is_set = target == OptionsFor::kSet;
  struct ExpireWord {
    std::string_view word;
    unsigned flag;
  };
  static constexpr ExpireWord kExpireWords[] = {
      {"ex", kSetEx}, {"px", kSetPx}, {"exat", kSetExat}, {"pxat", kSetPxat}};
  unsigned& flags = out->flags;
  for (size_t i = first; i < ctx.argc(); ++i) {
    const bool has_next = i + 1 < ctx.argc();
    if (is_set && ArgIs(ctx, i, "nx") && (flags & kSetXx) == 0) {
      flags |= kSetNx;
      continue;
    }
    if (is_set && ArgIs(ctx, i, "xx") && (flags & kSetNx) == 0) {
      flags |= kSetXx;
      continue;
    }
    if (is_set && ArgIs(ctx, i, "get")) {
      flags |= kSetGet;
      continue;
    }
    if (is_set && ArgIs(ctx, i, "keepttl") && (flags & (kSetPersist | kAnyExpire)) == 0) {
      flags |= kSetKeepTtl;
      continue;
    }
    if (!is_set && ArgIs(ctx, i, "persist") && (flags & (kSetKeepTtl | kAnyExpire)) == 0) {
      flags |= kSetPersist;
      continue;
    }
    bool matched = false;
    for (const ExpireWord& w : kExpireWords) {
      const unsigned others = (kAnyExpire & ~w.flag) | kSetKeepTtl | kSetPersist;
      if (ArgIs(ctx, i, w.word) && has_next && (flags & others) == 0) {
        flags |= w.flag;
        out->expire_arg = ++i;
        matched = true;
        break;
      }
    }
    if (!matched) {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// Converts the expire argument to an absolute time in ms; replies Redis's
// error (not an integer / invalid expire time) and returns false when it is bad.
bool AbsoluteExpireMs(CommandContext& ctx, const SetOptions& opts, int64_t* out) {
  int64_t v = 0;
  if (!store::ParseInt64(ctx.arg(opts.expire_arg), &v)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  const bool seconds = (opts.flags & (kSetEx | kSetExat)) != 0;
  const bool relative = (opts.flags & (kSetEx | kSetPx)) != 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  bool ok = v > 0 && !(seconds && v > kMax / 1000);
  if (ok && seconds) v *= 1000;
  if (ok && relative) {
    const int64_t now = ctx.server.NowMs();
    ok = v <= kMax - now;
    if (ok) v += now;
  }
  if (!ok || v <= 0) {
    ctx.reply.Error(err::InvalidExpire(ctx.cmd.fullname));
    return false;
  }
  *out = v;
  return true;
}

enum class SetReplies { kOkOrNil, kOneOrZero };

// The common body of SET, SETNX, SETEX and PSETEX.
void SetGeneric(CommandContext& ctx, const SetOptions& opts, SetReplies replies) {
  const std::string_view key = ctx.arg(1);
  const std::string_view value = ctx.arg(2);
  int64_t expire_ms = 0;
  const bool has_expire = opts.expire_arg != 0;
  if (has_expire && !AbsoluteExpireMs(ctx, opts, &expire_ms)) return;

  const bool get = (opts.flags & kSetGet) != 0;
  if (get) {
    store::KeyEntry* old = nullptr;
    if (LookupRead(ctx, key, store::ValueType::kString, &old) == Lookup::kWrongType) return;
    if (old == nullptr) {
      ctx.reply.Null();
    } else {
      ReplyStringValue(ctx, old->value);
    }
  }

  const bool found = ctx.db.Lookup(key) != nullptr;
  if (((opts.flags & kSetNx) != 0 && found) || ((opts.flags & kSetXx) != 0 && !found)) {
    if (get) return;
    if (replies == SetReplies::kOkOrNil) {
      ctx.reply.Null();
    } else {
      ctx.reply.Integer(0);
    }
    return;
  }

  store::KeyEntry* entry =
      ctx.db.Set(key, store::Value::FromString(value), (opts.flags & kSetKeepTtl) != 0);
  ctx.MarkDirty();
  if (has_expire) {
    ctx.db.SetExpire(entry, expire_ms);
    ctx.PropagateAs(
        {"SET", std::string(key), std::string(value), "PXAT", std::to_string(expire_ms)});
  } else if (get) {
    // Replicas get the command without GET (the reply is not theirs to make).
    std::vector<std::string> effect;
    for (size_t i = 0; i < ctx.argc(); ++i) {
      if (i >= 3 && ArgIs(ctx, i, "get")) continue;
      effect.emplace_back(ctx.arg(i));
    }
    ctx.PropagateAs(std::move(effect));
  }
  if (get) return;
  if (replies == SetReplies::kOkOrNil) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Integer(1);
  }
}

}  // namespace

// SET key value [NX | XX] [GET] [EX seconds | PX ms | EXAT unix-s | PXAT unix-ms | KEEPTTL]
void Set(CommandContext& ctx) {
  SetOptions opts;
  if (!ParseSetOptions(ctx, 3, OptionsFor::kSet, &opts)) return;
  SetGeneric(ctx, opts, SetReplies::kOkOrNil);
}

// SETNX key value
void SetNx(CommandContext& ctx) {
  SetGeneric(ctx, SetOptions{.flags = kSetNx}, SetReplies::kOneOrZero);
}

// SETEX key seconds value
void SetEx(CommandContext& ctx) {
  // Reorder into SET's argument layout: key, value, then the expire.
  std::vector<std::string_view> args = {ctx.arg(0), ctx.arg(1), ctx.arg(3), ctx.arg(2)};
  CommandContext sub{ctx.server, ctx.client, ctx.cmd, args, ctx.reply, ctx.db};
  SetGeneric(sub, SetOptions{.flags = kSetEx, .expire_arg = 3}, SetReplies::kOkOrNil);
  ctx.dirty += sub.dirty;
  ctx.rewritten = ctx.rewritten || sub.rewritten;
  for (auto& e : sub.effects) ctx.effects.push_back(std::move(e));
}

// PSETEX key milliseconds value
void PSetEx(CommandContext& ctx) {
  std::vector<std::string_view> args = {ctx.arg(0), ctx.arg(1), ctx.arg(3), ctx.arg(2)};
  CommandContext sub{ctx.server, ctx.client, ctx.cmd, args, ctx.reply, ctx.db};
  SetGeneric(sub, SetOptions{.flags = kSetPx, .expire_arg = 3}, SetReplies::kOkOrNil);
  ctx.dirty += sub.dirty;
  ctx.rewritten = ctx.rewritten || sub.rewritten;
  for (auto& e : sub.effects) ctx.effects.push_back(std::move(e));
}

// GETEX key [EX seconds | PX ms | EXAT unix-s | PXAT unix-ms | PERSIST]
void GetEx(CommandContext& ctx) {
  SetOptions opts;
  if (!ParseSetOptions(ctx, 2, OptionsFor::kGetEx, &opts)) return;
  const std::string key(ctx.arg(1));
  store::KeyEntry* entry = nullptr;
  const Lookup found = LookupRead(ctx, key, store::ValueType::kString, &entry);
  if (found == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Null();

  int64_t expire_ms = 0;
  const bool has_expire = opts.expire_arg != 0;
  if (has_expire && !AbsoluteExpireMs(ctx, opts, &expire_ms)) return;
  ReplyStringValue(ctx, entry->value);

  const bool absolute = (opts.flags & (kSetExat | kSetPxat)) != 0;
  if (absolute && expire_ms <= ctx.server.NowMs() && !ctx.server.role().is_replica) {
    // The time has already passed: the key goes now.
    ctx.db.Delete(key);
    ctx.MarkDirty();
    ctx.PropagateAs({DeleteVerb(ctx, "lazyfree-lazy-expire"), key});
  } else if (has_expire) {
    ctx.db.SetExpire(entry, expire_ms);
    ctx.db.SignalModified(key);
    ctx.MarkDirty();
    ctx.PropagateAs({"PEXPIREAT", key, std::to_string(expire_ms)});
  } else if ((opts.flags & kSetPersist) != 0) {
    if (ctx.db.Persist(entry)) {
      ctx.db.SignalModified(key);
      ctx.MarkDirty();
      ctx.PropagateAs({"PERSIST", key});
    }
  }
}

}  // namespace baton::commands::strings
