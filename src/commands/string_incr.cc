// Counters: INCR DECR INCRBY DECRBY INCRBYFLOAT.
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "baton/commands/string_util.h"
#include "baton/server/server.h"

namespace baton::commands::strings {
namespace {

namespace err = server::err;

// Adds `incr` to the integer under args[1] (0 when missing) and replies the result.
void IncrDecrBy(CommandContext& ctx, int64_t incr) {
  const std::string_view key = ctx.arg(1);
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  int64_t current = 0;
  if (entry != nullptr) {
    if (entry->value.is_int()) {
      current = entry->value.int_value();
    } else if (!store::ParseInt64(entry->value.Bytes().view(), &current)) {
      ctx.reply.Error(err::kNotInteger);
      return;
    }
  }
  int64_t result = 0;
  if (__builtin_add_overflow(current, incr, &result)) {
    ctx.reply.Error(err::kOverflow);
    return;
  }
  if (entry != nullptr) {
    entry->value = store::Value::FromInteger(result);  // in place: the TTL stays
    ctx.db.SignalModified(key);
  } else {
    ctx.db.Add(key, store::Value::FromInteger(result));
  }
  ctx.MarkDirty();
  ctx.reply.Integer(result);
}

}  // namespace

// INCR key
void Incr(CommandContext& ctx) { IncrDecrBy(ctx, 1); }

// DECR key
void Decr(CommandContext& ctx) { IncrDecrBy(ctx, -1); }

// INCRBY key increment
void IncrBy(CommandContext& ctx) {
  int64_t incr = 0;
  if (!ParseIntArg(ctx, 2, &incr)) return;
  IncrDecrBy(ctx, incr);
}

// DECRBY key decrement
void DecrBy(CommandContext& ctx) {
  int64_t decr = 0;
  if (!ParseIntArg(ctx, 2, &decr)) return;
  if (decr == std::numeric_limits<int64_t>::min()) {
    ctx.reply.Error(err::kDecrementOverflow);
    return;
  }
  IncrDecrBy(ctx, -decr);
}

// INCRBYFLOAT key increment
void IncrByFloat(CommandContext& ctx) {
  const std::string key(ctx.arg(1));
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  long double current = 0;
  long double incr = 0;
  if (entry != nullptr) {
    std::string scratch;
    if (!store::ParseLongDouble(StringView(entry->value, &scratch), &current)) {
      ctx.reply.Error(err::kNotFloat);
      return;
    }
  }
  if (!store::ParseLongDouble(ctx.arg(2), &incr)) {
    ctx.reply.Error(err::kNotFloat);
    return;
  }
  const long double result = current + incr;
  if (std::isnan(result) || std::isinf(result)) {
    ctx.reply.Error(err::kIncrFloatNaN);
    return;
  }
  std::string text = FormatLongDouble(result);
  if (entry != nullptr) {
    entry->value = store::Value::FromStringKeepText(text);  // the TTL stays
    ctx.db.SignalModified(key);
  } else {
    ctx.db.Add(key, store::Value::FromStringKeepText(text));
  }
  ctx.MarkDirty();
  ctx.reply.Bulk(text);
  // Replicas must not redo the float arithmetic: they get the result.
  ctx.PropagateAs({"SET", key, std::move(text), "KEEPTTL"});
}

}  // namespace baton::commands::strings
