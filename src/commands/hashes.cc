// Hash commands: HSET HSETNX HMSET HGET HMGET HGETALL HDEL HLEN HEXISTS HKEYS
// HVALS HINCRBY HINCRBYFLOAT HSTRLEN HRANDFIELD HSCAN.
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/commands/string_util.h"
#include "baton/server/server.h"
#include "baton/store/hash_value.h"
#include "scan_args.h"

namespace baton::commands {
namespace {

using server::CommandContext;
using store::CompactEntry;
using store::HashValue;
namespace err = server::err;

constexpr std::string_view kHashNotInteger = "ERR hash value is not an integer";
constexpr std::string_view kHashNotFloat = "ERR hash value is not a float";
constexpr std::string_view kNanOrInfinity = "ERR value is NaN or Infinity";
constexpr std::string_view kOutOfRange = "ERR value is out of range";

store::HashLimits HashLimitsOf(const CommandContext& ctx) {
  const auto& s = ctx.server.settings();
  return {.max_listpack_entries = static_cast<size_t>(s.hash_max_listpack_entries),
          .max_listpack_value = static_cast<size_t>(s.hash_max_listpack_value)};
}

HashValue* AsHash(store::KeyEntry* e) { return e->value.As<HashValue>(); }

// Finds the hash for a write, creating an empty one when absent. Returns
// nullptr after replying WRONGTYPE.
store::KeyEntry* HashForWrite(CommandContext& ctx, std::string_view key) {
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, key, store::ValueType::kHash, &e) == Lookup::kWrongType) return nullptr;
  if (e == nullptr) e = ctx.db.Add(key, HashValue::New());
  return e;
}

// After removing fields: deletes the key when the hash became empty.
void DeleteIfEmpty(CommandContext& ctx, std::string_view key, store::KeyEntry* e) {
  if (AsHash(e)->size() == 0) ctx.db.Delete(key);
}

// HSET key field value [field value ...] / HMSET (replies OK)
void SetFields(CommandContext& ctx, bool reply_ok) {
  if (ctx.argc() % 2 != 0) {
    ctx.reply.Error(err::WrongArity(ctx.cmd.name));
    return;
  }
  store::KeyEntry* e = HashForWrite(ctx, ctx.arg(1));
  if (e == nullptr) return;
  const store::HashLimits limits = HashLimitsOf(ctx);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    if (HashValue::Set(e->value, ctx.arg(i), ctx.arg(i + 1), limits)) ++added;
  }
  ctx.db.SignalModified(ctx.arg(1));
  ctx.MarkDirty(static_cast<int64_t>(ctx.argc() - 2) / 2);
  if (reply_ok) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Integer(added);
  }
}

// HSET key field value [field value ...]
void HSet(CommandContext& ctx) { SetFields(ctx, false); }

// HMSET key field value [field value ...]
void HMSet(CommandContext& ctx) { SetFields(ctx, true); }

// HSETNX key field value
void HSetNx(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  if (e != nullptr && AsHash(e)->Contains(ctx.arg(2))) return ctx.reply.Integer(0);
  if (e == nullptr) e = ctx.db.Add(ctx.arg(1), HashValue::New());
  HashValue::Set(e->value, ctx.arg(2), ctx.arg(3), HashLimitsOf(ctx));
  ctx.db.SignalModified(ctx.arg(1));
  ctx.MarkDirty();
  ctx.reply.Integer(1);
}

// HGET key field
void HGet(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  CompactEntry v;
  if (e == nullptr || !AsHash(e)->Get(ctx.arg(2), &v)) return ctx.reply.Null();
  ctx.reply.Bulk(v.text());
}

// HMGET key field [field ...]
void HMGet(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  ctx.reply.Array(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    CompactEntry v;
    if (e != nullptr && AsHash(e)->Get(ctx.arg(i), &v)) {
      ctx.reply.Bulk(v.text());
    } else {
      ctx.reply.Null();
    }
  }
}

enum class Part { kFields, kValues, kBoth };

// HGETALL / HKEYS / HVALS
void ReplyAll(CommandContext& ctx, Part part) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  const size_t n = e == nullptr ? 0 : AsHash(e)->size();
  if (part == Part::kBoth) {
    ctx.reply.Map(n);
  } else {
    ctx.reply.Array(n);
  }
  if (e == nullptr) return;
  AsHash(e)->ForEach([&](std::string_view f, std::string_view v) {
    if (part != Part::kValues) ctx.reply.Bulk(f);
    if (part != Part::kFields) ctx.reply.Bulk(v);
  });
}

// HGETALL key
void HGetAll(CommandContext& ctx) { ReplyAll(ctx, Part::kBoth); }

// HKEYS key
void HKeys(CommandContext& ctx) { ReplyAll(ctx, Part::kFields); }

// HVALS key
void HVals(CommandContext& ctx) { ReplyAll(ctx, Part::kValues); }

// HDEL key field [field ...]
void HDel(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ctx.reply.Integer(0);
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (HashValue::Delete(e->value, ctx.arg(i))) {
      ++deleted;
      if (AsHash(e)->size() == 0) break;
    }
  }
  if (deleted > 0) {
    ctx.db.SignalModified(ctx.arg(1));
    DeleteIfEmpty(ctx, ctx.arg(1), e);
    ctx.MarkDirty(deleted);
  }
  ctx.reply.Integer(deleted);
}

// HLEN key
void HLen(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(AsHash(e)->size()));
}

// HEXISTS key field
void HExists(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  ctx.reply.Integer(e != nullptr && AsHash(e)->Contains(ctx.arg(2)) ? 1 : 0);
}

// HSTRLEN key field
void HStrLen(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  CompactEntry v;
  const bool found = e != nullptr && AsHash(e)->Get(ctx.arg(2), &v);
  ctx.reply.Integer(found ? static_cast<int64_t>(v.text().size()) : 0);
}

// HINCRBY key field increment
void HIncrBy(CommandContext& ctx) {
  int64_t incr = 0;
  if (!ParseIntArg(ctx, 3, &incr)) return;
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  int64_t current = 0;
  CompactEntry v;
  if (e != nullptr && AsHash(e)->Get(ctx.arg(2), &v)) {
    if (v.is_int()) {
      current = v.int_value();
    } else if (!store::ParseInt64(v.text(), &current)) {
      return ctx.reply.Error(kHashNotInteger);
    }
  }
  if ((incr < 0 && current < 0 && incr < INT64_MIN - current) ||
      (incr > 0 && current > 0 && incr > INT64_MAX - current)) {
    return ctx.reply.Error(err::kOverflow);
  }
  const int64_t result = current + incr;
  if (e == nullptr) e = ctx.db.Add(ctx.arg(1), HashValue::New());
  HashValue::Set(e->value, ctx.arg(2), std::to_string(result), HashLimitsOf(ctx));
  ctx.db.SignalModified(ctx.arg(1));
  ctx.MarkDirty();
  ctx.reply.Integer(result);
}

// HINCRBYFLOAT key field increment
void HIncrByFloat(CommandContext& ctx) {
  long double incr = 0;
  if (!store::ParseLongDouble(ctx.arg(3), &incr)) return ctx.reply.Error(err::kNotFloat);
  if (std::isnan(incr) || std::isinf(incr)) return ctx.reply.Error(kNanOrInfinity);
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  long double current = 0;
  CompactEntry v;
  if (e != nullptr && AsHash(e)->Get(ctx.arg(2), &v)) {
    if (v.is_int()) {
      current = static_cast<long double>(v.int_value());
    } else if (!store::ParseLongDouble(v.text(), &current)) {
      return ctx.reply.Error(kHashNotFloat);
    }
  }
  const long double result = current + incr;
  if (std::isnan(result) || std::isinf(result)) return ctx.reply.Error(err::kIncrFloatNaN);
  const std::string text = FormatLongDouble(result);
  if (e == nullptr) e = ctx.db.Add(ctx.arg(1), HashValue::New());
  HashValue::Set(e->value, ctx.arg(2), text, HashLimitsOf(ctx));
  ctx.db.SignalModified(ctx.arg(1));
  ctx.MarkDirty();
  ctx.PropagateAs({"HSET", std::string(ctx.arg(1)), std::string(ctx.arg(2)), text});
  ctx.reply.Bulk(text);
}

// Writes one HRANDFIELD element (a field, or a field and its value).
void ReplyPair(CommandContext& ctx, std::string_view f, std::string_view v, bool with_values) {
  if (!with_values) return ctx.reply.Bulk(f);
  if (ctx.reply.resp3()) ctx.reply.Array(2);
  ctx.reply.Bulk(f);
  ctx.reply.Bulk(v);
}

void HRandFieldWithCount(CommandContext& ctx, int64_t count_arg, bool with_values) {
  if (with_values && (count_arg < -(INT64_MAX / 2) || count_arg > INT64_MAX / 2)) {
    return ctx.reply.Error(kOutOfRange);
  }
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  if (e == nullptr || count_arg == 0) return ctx.reply.Array(0);
  const HashValue* hash = AsHash(e);
  const size_t size = hash->size();
  const bool unique = count_arg > 0;
  const auto count = static_cast<size_t>(unique ? count_arg : -count_arg);
  const size_t pair_len = with_values && !ctx.reply.resp3() ? 2 : 1;

  // Repeats allowed (negative count) or a single element.
  if (!unique || count == 1) {
    ctx.reply.Array(count * pair_len);
    for (size_t i = 0; i < count; ++i) {
      CompactEntry f;
      CompactEntry v;
      hash->RandomPair(&f, &v);
      ReplyPair(ctx, f.text(), v.text(), with_values);
    }
    return;
  }
  // The whole hash.
  if (count >= size) {
    ctx.reply.Array(size * pair_len);
    hash->ForEach(
        [&](std::string_view f, std::string_view v) { ReplyPair(ctx, f, v, with_values); });
    return;
  }
  std::vector<std::pair<std::string, std::string>> picked;
  if (count * 3 > size || hash->is_listpack()) {
    // Copy everything, then drop random elements until `count` remain.
    picked.reserve(size);
    hash->ForEach([&](std::string_view f, std::string_view v) { picked.emplace_back(f, v); });
    while (picked.size() > count) {
      const size_t i = store::RandomU64() % picked.size();
      picked[i] = std::move(picked.back());
      picked.pop_back();
    }
  } else {
    // Few elements from a big hash: draw until `count` distinct ones.
    std::unordered_set<std::string> seen;
    while (picked.size() < count) {
      CompactEntry f;
      CompactEntry v;
      hash->RandomPair(&f, &v);
      if (seen.insert(std::string(f.text())).second) picked.emplace_back(f.text(), v.text());
    }
  }
  ctx.reply.Array(picked.size() * pair_len);
  for (const auto& [f, v] : picked) ReplyPair(ctx, f, v, with_values);
}

// HRANDFIELD key [count [WITHVALUES]]
void HRandField(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    int64_t count = 0;
    if (!ParseIntArg(ctx, 2, &count)) return;
    if (count == INT64_MIN) return ctx.reply.Error(err::kCountRange);
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !ArgIs(ctx, 3, "withvalues"))) {
      return ctx.reply.Error(err::kSyntax);
    }
    return HRandFieldWithCount(ctx, count, ctx.argc() == 4);
  }
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ctx.reply.Null();
  CompactEntry f;
  CompactEntry v;
  AsHash(e)->RandomPair(&f, &v);
  ctx.reply.Bulk(f.text());
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
void HScan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseScanCursor(ctx, 2, &cursor)) return;
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kHash, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ReplyEmptyScan(ctx);
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 3, &opts)) return;
  const HashValue* hash = AsHash(e);
  std::vector<std::string> items;
  cursor = RunScan(cursor, opts, 2, &items, [&](uint64_t c, std::vector<std::string>* out) {
    return hash->Scan(c, [&](std::string_view f, std::string_view v) {
      out->emplace_back(f);
      out->emplace_back(v);
    });
  });
  ReplyScan(ctx, cursor, items);
}

}  // namespace

void RegisterHashCommands(server::Server& server) {
  using server::kCmdDenyOom;
  using server::kCmdFast;
  using server::kCmdReadonly;
  using server::kCmdWrite;
  auto& t = server.commands();
  const std::string group = "hash";
  auto add = [&](std::string name, int arity, uint64_t flags, server::CommandHandler handler,
                 std::string summary, std::string since, std::string complexity,
                 std::vector<std::string> tips, std::vector<std::string> key_flags) {
    t.Add({.name = std::move(name),
           .arity = arity,
           .flags = flags,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = handler,
           .group = group,
           .summary = std::move(summary),
           .since = std::move(since),
           .complexity = std::move(complexity),
           .tips = std::move(tips),
           .key_spec_flags = std::move(key_flags)});
  };
  const uint64_t kWriteOomFast = kCmdWrite | kCmdDenyOom | kCmdFast;
  const uint64_t kReadFast = kCmdReadonly | kCmdFast;
  add("hset", -4, kWriteOomFast, HSet, "Set the string value of a hash field", "2.0.0",
      "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command "
      "is called with multiple field/value pairs.",
      {}, {"RW", "update"});
  add("hsetnx", 4, kWriteOomFast, HSetNx,
      "Set the value of a hash field, only if the field does not exist", "2.0.0", "O(1)", {},
      {"RW", "insert"});
  add("hmset", -4, kWriteOomFast, HMSet, "Set multiple hash fields to multiple values", "2.0.0",
      "O(N) where N is the number of fields being set.", {}, {"RW", "update"});
  add("hget", 3, kReadFast, HGet, "Get the value of a hash field", "2.0.0", "O(1)", {},
      {"RO", "access"});
  add("hmget", -3, kReadFast, HMGet, "Get the values of all the given hash fields", "2.0.0",
      "O(N) where N is the number of fields being requested.", {}, {"RO", "access"});
  add("hgetall", 2, kCmdReadonly, HGetAll, "Get all the fields and values in a hash", "2.0.0",
      "O(N) where N is the size of the hash.", {"nondeterministic_output_order"}, {"RO", "access"});
  add("hdel", -3, kCmdWrite | kCmdFast, HDel, "Delete one or more hash fields", "2.0.0",
      "O(N) where N is the number of fields to be removed.", {}, {"RW", "delete"});
  add("hlen", 2, kReadFast, HLen, "Get the number of fields in a hash", "2.0.0", "O(1)", {},
      {"RO"});
  add("hexists", 3, kReadFast, HExists, "Determine if a hash field exists", "2.0.0", "O(1)", {},
      {"RO"});
  add("hkeys", 2, kCmdReadonly, HKeys, "Get all the fields in a hash", "2.0.0",
      "O(N) where N is the size of the hash.", {"nondeterministic_output_order"}, {"RO", "access"});
  add("hvals", 2, kCmdReadonly, HVals, "Get all the values in a hash", "2.0.0",
      "O(N) where N is the size of the hash.", {"nondeterministic_output_order"}, {"RO", "access"});
  add("hincrby", 4, kWriteOomFast, HIncrBy,
      "Increment the integer value of a hash field by the given number", "2.0.0", "O(1)", {},
      {"RW", "access", "update"});
  add("hincrbyfloat", 4, kWriteOomFast, HIncrByFloat,
      "Increment the float value of a hash field by the given amount", "2.6.0", "O(1)", {},
      {"RW", "access", "update"});
  add("hstrlen", 3, kReadFast, HStrLen, "Get the length of the value of a hash field", "3.2.0",
      "O(1)", {}, {"RO"});
  add("hrandfield", -2, kCmdReadonly, HRandField, "Get one or multiple random fields from a hash",
      "6.2.0", "O(N) where N is the number of fields returned", {"nondeterministic_output"},
      {"RO", "access"});
  add("hscan", -3, kCmdReadonly, HScan, "Incrementally iterate hash fields and associated values",
      "2.8.0",
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for the "
      "cursor to return back to 0. N is the number of elements inside the collection..",
      {"nondeterministic_output"}, {"RO", "access"});
}

}  // namespace baton::commands
