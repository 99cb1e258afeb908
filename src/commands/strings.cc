// String commands: GET MGET STRLEN GETRANGE SUBSTR SETRANGE APPEND GETDEL
// GETSET MSET MSETNX here; SET/GETEX (string_set.cc), counters
// (string_incr.cc) and LCS (string_lcs.cc) are registered here too.
#include <cstring>
#include <string>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/commands/string_util.h"
#include "baton/server/server.h"

namespace baton::commands {
namespace {

namespace err = server::err;

// GET key
void Get(CommandContext& ctx) {
  store::KeyEntry* entry = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Null();
  ReplyStringValue(ctx, entry->value);
}

// MGET key [key ...]
void MGet(CommandContext& ctx) {
  ctx.reply.Array(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    store::KeyEntry* entry = LookupReadAnyType(ctx, ctx.arg(i));
    if (entry == nullptr || !entry->value.is_string()) {
      ctx.reply.Null();
    } else {
      ReplyStringValue(ctx, entry->value);
    }
  }
}

// STRLEN key
void StrLen(CommandContext& ctx) {
  store::KeyEntry* entry = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  ctx.reply.Integer(entry == nullptr ? 0 : static_cast<int64_t>(entry->value.StringLength()));
}

// GETRANGE key start end
void GetRange(CommandContext& ctx) {
  int64_t start = 0;
  int64_t end = 0;
  if (!ParseIntArg(ctx, 2, &start) || !ParseIntArg(ctx, 3, &end)) return;
  store::KeyEntry* entry = nullptr;
  const Lookup found = LookupRead(ctx, ctx.arg(1), store::ValueType::kString, &entry);
  if (found == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Bulk("");
  std::string scratch;
  const std::string_view s = StringView(entry->value, &scratch);
  const auto len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) return ctx.reply.Bulk("");
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) return ctx.reply.Bulk("");
  ctx.reply.Bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

// SETRANGE key offset value
void SetRange(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  const std::string_view value = ctx.arg(3);
  int64_t offset = 0;
  if (!ParseIntArg(ctx, 2, &offset)) return;
  if (offset < 0) {
    ctx.reply.Error(err::kOffsetOutOfRange);
    return;
  }
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  if (value.empty()) {
    // Nothing to write: the key is neither created nor changed.
    ctx.reply.Integer(entry == nullptr ? 0 : static_cast<int64_t>(entry->value.StringLength()));
    return;
  }
  if (!CheckStringLength(ctx, static_cast<uint64_t>(offset), value.size())) return;
  const size_t needed = static_cast<size_t>(offset) + value.size();
  const bool created = entry == nullptr;
  if (created) entry = ctx.db.Add(key, store::Value::FromRawString(""));
  char* bytes = UnshareString(entry, needed);
  std::memcpy(bytes + offset, value.data(), value.size());
  if (!created) ctx.db.SignalModified(key);
  ctx.MarkDirty();
  ctx.reply.Integer(static_cast<int64_t>(entry->value.StringLength()));
}

// APPEND key value
void Append(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  const std::string_view value = ctx.arg(2);
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  size_t total = value.size();
  if (entry == nullptr) {
    ctx.db.Add(key, store::Value::FromString(value));
  } else {
    const size_t old_len = entry->value.StringLength();
    if (!CheckStringLength(ctx, old_len, value.size())) return;
    total = old_len + value.size();
    char* bytes = entry->value.MutableString(total);
    if (!value.empty()) std::memcpy(bytes + old_len, value.data(), value.size());
    ctx.db.SignalModified(key);
  }
  ctx.MarkDirty();
  ctx.reply.Integer(static_cast<int64_t>(total));
}

// GETDEL key
void GetDel(CommandContext& ctx) {
  const std::string key(ctx.arg(1));
  store::KeyEntry* entry = nullptr;
  if (LookupRead(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Null();
  ReplyStringValue(ctx, entry->value);
  ctx.db.Delete(key);
  ctx.MarkDirty();
  ctx.PropagateAs({DeleteVerb(ctx, "lazyfree-lazy-user-del"), key});
}

// GETSET key value
void GetSet(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  store::KeyEntry* entry = nullptr;
  if (LookupRead(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) {
    ctx.reply.Null();
  } else {
    ReplyStringValue(ctx, entry->value);
  }
  ctx.db.Set(key, store::Value::FromString(ctx.arg(2)));
  ctx.MarkDirty();
  ctx.PropagateAs({"SET", std::string(key), std::string(ctx.arg(2))});
}

// MSET key value [key value ...]
void MSet(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) {
    ctx.reply.Error(err::WrongArity(ctx.cmd.fullname));
    return;
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    ctx.db.Set(ctx.arg(i), store::Value::FromString(ctx.arg(i + 1)));
  }
  ctx.MarkDirty(static_cast<int64_t>(ctx.argc() / 2));
  ctx.reply.Ok();
}

// MSETNX key value [key value ...]
void MSetNx(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) {
    ctx.reply.Error(err::WrongArity(ctx.cmd.fullname));
    return;
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    if (ctx.db.Lookup(ctx.arg(i)) != nullptr) return ctx.reply.Integer(0);
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    ctx.db.Set(ctx.arg(i), store::Value::FromString(ctx.arg(i + 1)));
  }
  ctx.MarkDirty(static_cast<int64_t>(ctx.argc() / 2));
  ctx.reply.Integer(1);
}

}  // namespace

void RegisterStringCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto& t = server.commands();
  constexpr uint64_t kWriteOom = kCmdWrite | kCmdDenyOom;
  auto add = [&t](std::string name, int arity, uint64_t flags, CommandHandler handler,
                  std::string summary, std::string since, std::string complexity,
                  std::vector<std::string> tips = {}) {
    t.Add({.name = std::move(name),
           .arity = arity,
           .flags = flags,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = handler,
           .group = "string",
           .summary = std::move(summary),
           .since = std::move(since),
           .complexity = std::move(complexity),
           .tips = std::move(tips)});
  };
  const std::string kRangeComplexity =
      "O(N) where N is the length of the returned string. The complexity is ultimately "
      "determined by the returned length, but because creating a substring from an existing "
      "string is very cheap, it can be considered O(1) for small strings.";

  add("get", 2, kCmdReadonly | kCmdFast, Get, "Get the value of a key", "1.0.0", "O(1)");
  add("set", -3, kWriteOom, strings::Set, "Set the string value of a key", "1.0.0", "O(1)");
  add("setnx", 3, kWriteOom | kCmdFast, strings::SetNx,
      "Set the value of a key, only if the key does not exist", "1.0.0", "O(1)");
  add("setex", 4, kWriteOom, strings::SetEx, "Set the value and expiration of a key", "2.0.0",
      "O(1)");
  add("psetex", 4, kWriteOom, strings::PSetEx,
      "Set the value and expiration in milliseconds of a key", "2.6.0", "O(1)");
  add("getset", 3, kWriteOom | kCmdFast, GetSet,
      "Set the string value of a key and return its old value", "1.0.0", "O(1)");
  add("getdel", 2, kCmdWrite | kCmdFast, GetDel, "Get the value of a key and delete the key",
      "6.2.0", "O(1)");
  add("getex", -2, kCmdWrite | kCmdFast, strings::GetEx,
      "Get the value of a key and optionally set its expiration", "6.2.0", "O(1)");
  add("append", 3, kWriteOom | kCmdFast, Append, "Append a value to a key", "2.0.0",
      "O(1). The amortized time complexity is O(1) assuming the appended value is small and the "
      "already present value is of any size, since the dynamic string library used by Redis will "
      "double the free space available on every reallocation.");
  add("strlen", 2, kCmdReadonly | kCmdFast, StrLen, "Get the length of the value stored in a key",
      "2.2.0", "O(1)");
  add("incr", 2, kWriteOom | kCmdFast, strings::Incr, "Increment the integer value of a key by one",
      "1.0.0", "O(1)");
  add("decr", 2, kWriteOom | kCmdFast, strings::Decr, "Decrement the integer value of a key by one",
      "1.0.0", "O(1)");
  add("incrby", 3, kWriteOom | kCmdFast, strings::IncrBy,
      "Increment the integer value of a key by the given amount", "1.0.0", "O(1)");
  add("decrby", 3, kWriteOom | kCmdFast, strings::DecrBy,
      "Decrement the integer value of a key by the given number", "1.0.0", "O(1)");
  add("incrbyfloat", 3, kWriteOom | kCmdFast, strings::IncrByFloat,
      "Increment the float value of a key by the given amount", "2.6.0", "O(1)");
  add("getrange", 4, kCmdReadonly, GetRange, "Get a substring of the string stored at a key",
      "2.4.0", kRangeComplexity);
  add("substr", 4, kCmdReadonly, GetRange, "Get a substring of the string stored at a key", "1.0.0",
      kRangeComplexity);
  add("setrange", 4, kWriteOom, SetRange,
      "Overwrite part of a string at key starting at the specified offset", "2.2.0",
      "O(1), not counting the time taken to copy the new string in place. Usually, this string "
      "is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M "
      "being the length of the value argument.");

  t.Add({.name = "mget",
         .arity = -2,
         .flags = kCmdReadonly | kCmdFast,
         .first_key = 1,
         .last_key = -1,
         .key_step = 1,
         .handler = MGet,
         .group = "string",
         .summary = "Get the values of all the given keys",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of keys to retrieve.",
         .tips = {"request_policy:multi_shard"}});
  t.Add({.name = "mset",
         .arity = -3,
         .flags = kWriteOom,
         .first_key = 1,
         .last_key = -1,
         .key_step = 2,
         .handler = MSet,
         .group = "string",
         .summary = "Set multiple keys to multiple values",
         .since = "1.0.1",
         .complexity = "O(N) where N is the number of keys to set.",
         .tips = {"request_policy:multi_shard", "response_policy:all_succeeded"}});
  t.Add({.name = "msetnx",
         .arity = -3,
         .flags = kWriteOom,
         .first_key = 1,
         .last_key = -1,
         .key_step = 2,
         .handler = MSetNx,
         .group = "string",
         .summary = "Set multiple keys to multiple values, only if none of the keys exist",
         .since = "1.0.1",
         .complexity = "O(N) where N is the number of keys to set.",
         .tips = {"request_policy:multi_shard", "response_policy:agg_min"}});
  t.Add({.name = "lcs",
         .arity = -3,
         .flags = kCmdReadonly,
         .first_key = 1,
         .last_key = 2,
         .key_step = 1,
         .handler = strings::Lcs,
         .group = "string",
         .summary = "Find longest common substring",
         .since = "7.0.0",
         .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively"});
}

}  // namespace baton::commands
