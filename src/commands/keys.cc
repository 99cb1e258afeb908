// Generic keyspace commands: DEL UNLINK EXISTS TOUCH TYPE RENAME RENAMENX
// MOVE COPY RANDOMKEY DBSIZE SWAPDB FLUSHDB FLUSHALL. Expiry, scanning and
// OBJECT live in expire.cc, scan.cc and object.cc.
#include <climits>
#include <string>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/server/server.h"
#include "keyspace.h"

namespace baton::commands {

namespace err = server::err;

namespace {

constexpr std::string_view kIntOutOfRange =
    "ERR value is out of range, value must between -2147483648 and 2147483647";

unsigned ClientLookupFlags(const server::CommandContext& ctx) {
  unsigned flags = store::kLookupNone;
  if (ctx.client.Has(server::kClientNoTouch) && ctx.cmd.name != "touch") {
    flags |= store::kLookupNoTouch;
  }
  if (ctx.client.Has(server::kClientMaster)) flags |= store::kLookupIgnoreTtl;
  return flags;
}

}  // namespace

store::KeyEntry* FindKeyWrite(server::CommandContext& ctx, std::string_view key, unsigned flags) {
  return ctx.db.Lookup(key, flags | ClientLookupFlags(ctx));
}

store::KeyEntry* FindKeyRead(server::CommandContext& ctx, std::string_view key, unsigned flags) {
  store::KeyEntry* entry = FindKeyWrite(ctx, key, flags);
  if (entry == nullptr) {
    ++ctx.server.stats().keyspace_misses;
  } else {
    ++ctx.server.stats().keyspace_hits;
  }
  return entry;
}

bool ParseDbIndexArg(server::CommandContext& ctx, size_t i, int64_t* out,
                     std::string_view not_int_error) {
  std::string_view not_int = not_int_error.empty() ? err::kNotInteger : not_int_error;
  if (!store::ParseInt64(ctx.arg(i), out)) {
    ctx.reply.Error(not_int);
    return false;
  }
  if (*out < INT_MIN || *out > INT_MAX) {
    ctx.reply.Error(not_int_error.empty() ? kIntOutOfRange : not_int_error);
    return false;
  }
  return true;
}

namespace {

bool ValidDb(const server::CommandContext& ctx, int64_t index) {
  return index >= 0 && index < ctx.server.db_count();
}

// Tells WATCH (and tracking) that every key of `db` changed, also under the
// index of `other` when given: after SWAPDB a key missing in one db may
// appear there.
void SignalAllKeys(server::Server& server, store::Database& db, store::Database* other) {
  std::vector<std::string> keys;
  keys.reserve(db.size());
  db.ForEach([&](store::KeyEntry* e) { keys.emplace_back(e->Key()); });
  for (const auto& k : keys) {
    server.OnKeyModified(db, k);
    if (other != nullptr) server.OnKeyModified(*other, k);
  }
}

// FLUSHDB / FLUSHALL option: [ASYNC|SYNC]. Replies a syntax error otherwise.
bool ParseFlushMode(server::CommandContext& ctx) {
  if (ctx.argc() == 1) return true;
  if (ctx.argc() == 2 && (ArgIs(ctx, 1, "ASYNC") || ArgIs(ctx, 1, "SYNC"))) return true;
  ctx.reply.Error(err::kSyntax);
  return false;
}

// DEL key [key ...]  (also UNLINK: values are freed at once either way)
void Del(server::CommandContext& ctx) {
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (FindKeyWrite(ctx, ctx.arg(i), store::kLookupNoTouch) == nullptr) continue;
    if (ctx.db.Delete(ctx.arg(i))) ++deleted;
  }
  ctx.MarkDirty(deleted);
  ctx.reply.Integer(deleted);
}

// EXISTS key [key ...]
void Exists(server::CommandContext& ctx) {
  int64_t found = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (FindKeyRead(ctx, ctx.arg(i), store::kLookupNoTouch) != nullptr) ++found;
  }
  ctx.reply.Integer(found);
}

// TOUCH key [key ...]
void Touch(server::CommandContext& ctx) {
  int64_t found = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (FindKeyRead(ctx, ctx.arg(i)) != nullptr) ++found;
  }
  ctx.reply.Integer(found);
}

// TYPE key
void Type(server::CommandContext& ctx) {
  store::KeyEntry* e = FindKeyRead(ctx, ctx.arg(1), store::kLookupNoTouch);
  ctx.reply.Simple(e == nullptr ? "none" : store::TypeName(e->value.type()));
}

// Shared by RENAME and RENAMENX; `nx` refuses to overwrite.
void RenameGeneric(server::CommandContext& ctx, bool nx) {
  std::string_view src = ctx.arg(1);
  std::string_view dst = ctx.arg(2);
  store::KeyEntry* e = FindKeyWrite(ctx, src);
  if (e == nullptr) return ctx.reply.Error(err::kNoSuchKey);
  if (src == dst) return nx ? ctx.reply.Integer(0) : ctx.reply.Ok();
  if (FindKeyWrite(ctx, dst) != nullptr) {
    if (nx) return ctx.reply.Integer(0);
    ctx.db.Delete(dst);
  }
  const int64_t expire = ctx.db.GetExpire(e);
  store::Value value = std::move(e->value);
  ctx.db.Delete(src);
  store::KeyEntry* added = ctx.db.Add(dst, std::move(value));
  if (expire >= 0) ctx.db.SetExpire(added, expire);
  ctx.MarkDirty();
  if (nx) {
    ctx.reply.Integer(1);
  } else {
    ctx.reply.Ok();
  }
}

// RENAME key newkey
void Rename(server::CommandContext& ctx) { RenameGeneric(ctx, false); }

// RENAMENX key newkey
void RenameNx(server::CommandContext& ctx) { RenameGeneric(ctx, true); }

// MOVE key db
void Move(server::CommandContext& ctx) {
  int64_t index = 0;
  if (!ParseDbIndexArg(ctx, 2, &index)) return;
  if (!ValidDb(ctx, index)) return ctx.reply.Error(err::kDbIndexOutOfRange);
  store::Database& dst = ctx.server.db(static_cast<int>(index));
  if (&dst == &ctx.db) return ctx.reply.Error(err::kSameObject);
  std::string_view key = ctx.arg(1);
  store::KeyEntry* e = FindKeyWrite(ctx, key);
  if (e == nullptr || dst.Lookup(key, store::kLookupNoTouch) != nullptr) {
    return ctx.reply.Integer(0);
  }
  const int64_t expire = ctx.db.GetExpire(e);
  store::KeyEntry* detached = ctx.db.Detach(key);
  dst.Attach(detached, expire);
  ctx.db.SignalModified(key);
  dst.SignalModified(key);
  ctx.MarkDirty();
  ctx.reply.Integer(1);
}

// COPY source destination [DB destination-db] [REPLACE]
void Copy(server::CommandContext& ctx) {
  store::Database* dst = &ctx.db;
  bool replace = false;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "REPLACE")) {
      replace = true;
    } else if (ArgIs(ctx, i, "DB") && i + 1 < ctx.argc()) {
      int64_t index = 0;
      if (!ParseDbIndexArg(ctx, i + 1, &index)) return;
      if (!ValidDb(ctx, index)) return ctx.reply.Error(err::kDbIndexOutOfRange);
      dst = &ctx.server.db(static_cast<int>(index));
      ++i;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  std::string_view src_key = ctx.arg(1);
  std::string_view dst_key = ctx.arg(2);
  if (dst == &ctx.db && src_key == dst_key) return ctx.reply.Error(err::kSameObject);
  store::KeyEntry* e = FindKeyRead(ctx, src_key);
  if (e == nullptr) return ctx.reply.Integer(0);
  if (dst->Lookup(dst_key, store::kLookupNoTouch) != nullptr) {
    if (!replace) return ctx.reply.Integer(0);
    dst->Delete(dst_key);
  }
  const int64_t expire = ctx.db.GetExpire(e);
  store::KeyEntry* added = dst->Add(dst_key, e->value.Clone());
  if (expire >= 0) dst->SetExpire(added, expire);
  ctx.MarkDirty();
  ctx.reply.Integer(1);
}

// RANDOMKEY
void RandomKey(server::CommandContext& ctx) {
  store::KeyEntry* e = ctx.db.RandomKey();
  if (e == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(e->Key());
}

// DBSIZE
void DbSize(server::CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.db.size())); }

// SWAPDB index1 index2
void SwapDb(server::CommandContext& ctx) {
  int64_t a = 0;
  int64_t b = 0;
  if (!ParseDbIndexArg(ctx, 1, &a, "ERR invalid first DB index")) return;
  if (!ParseDbIndexArg(ctx, 2, &b, "ERR invalid second DB index")) return;
  if (!ValidDb(ctx, a) || !ValidDb(ctx, b)) return ctx.reply.Error(err::kDbIndexOutOfRange);
  if (a != b) {
    store::Database& da = ctx.server.db(static_cast<int>(a));
    store::Database& db = ctx.server.db(static_cast<int>(b));
    SignalAllKeys(ctx.server, da, &db);
    SignalAllKeys(ctx.server, db, &da);
    da.SwapContents(db);
  }
  ctx.MarkDirty();
  ctx.reply.Ok();
}

// FLUSHDB [ASYNC|SYNC]
void FlushDb(server::CommandContext& ctx) {
  if (!ParseFlushMode(ctx)) return;
  const auto removed = static_cast<int64_t>(ctx.db.size());
  SignalAllKeys(ctx.server, ctx.db, nullptr);
  ctx.db.Clear();
  // Propagated even when the db was already empty, like Redis.
  ctx.MarkDirty(removed > 0 ? removed : 1);
  ctx.reply.Ok();
}

// FLUSHALL [ASYNC|SYNC]
void FlushAll(server::CommandContext& ctx) {
  if (!ParseFlushMode(ctx)) return;
  int64_t removed = 0;
  for (int i = 0; i < ctx.server.db_count(); ++i) {
    removed += static_cast<int64_t>(ctx.server.db(i).size());
  }
  ctx.server.FlushAll();
  ctx.MarkDirty(removed + 1);
  ctx.reply.Ok();
}

}  // namespace

void RegisterGenericKeyCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto& t = server.commands();
  const std::vector<std::string> multi_key_tips = {"request_policy:multi_shard",
                                                   "response_policy:agg_sum"};
  const std::vector<std::string> all_shard_tips = {"request_policy:all_shards",
                                                   "response_policy:all_succeeded"};
  t.Add({.name = "del",
         .arity = -2,
         .flags = kCmdWrite,
         .first_key = 1,
         .last_key = -1,
         .key_step = 1,
         .handler = Del,
         .group = "generic",
         .summary = "Delete a key",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of keys that will be removed. When a key to "
                       "remove holds a value other than a string, the individual complexity for "
                       "this key is O(M) where M is the number of elements in the list, set, "
                       "sorted set or hash. Removing a single key that holds a string value is "
                       "O(1).",
         .tips = multi_key_tips,
         .key_spec_flags = {"RM", "delete"}});
  t.Add({.name = "unlink",
         .arity = -2,
         .flags = kCmdWrite | kCmdFast,
         .first_key = 1,
         .last_key = -1,
         .key_step = 1,
         .handler = Del,
         .group = "generic",
         .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, "
                    "but non blocking.",
         .since = "4.0.0",
         .complexity = "O(1) for each key removed regardless of its size. Then the command does "
                       "O(N) work in a different thread in order to reclaim memory, where N is "
                       "the number of allocations the deleted objects where composed of.",
         .tips = multi_key_tips,
         .key_spec_flags = {"RM", "delete"}});
  t.Add({.name = "exists",
         .arity = -2,
         .flags = kCmdReadonly | kCmdFast,
         .first_key = 1,
         .last_key = -1,
         .key_step = 1,
         .handler = Exists,
         .group = "generic",
         .summary = "Determine if a key exists",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of keys to check.",
         .tips = multi_key_tips,
         .key_spec_flags = {"RO"}});
  t.Add({.name = "touch",
         .arity = -2,
         .flags = kCmdReadonly | kCmdFast,
         .first_key = 1,
         .last_key = -1,
         .key_step = 1,
         .handler = Touch,
         .group = "generic",
         .summary = "Alters the last access time of a key(s). Returns the number of existing "
                    "keys specified.",
         .since = "3.2.1",
         .complexity = "O(N) where N is the number of keys that will be touched.",
         .tips = multi_key_tips,
         .key_spec_flags = {"RO"}});
  t.Add({.name = "type",
         .arity = 2,
         .flags = kCmdReadonly | kCmdFast,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = Type,
         .group = "generic",
         .summary = "Determine the type stored at key",
         .since = "1.0.0",
         .complexity = "O(1)",
         .key_spec_flags = {"RO"}});
  t.Add({.name = "rename",
         .arity = 3,
         .flags = kCmdWrite,
         .first_key = 1,
         .last_key = 2,
         .key_step = 1,
         .handler = Rename,
         .group = "generic",
         .summary = "Rename a key",
         .since = "1.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "renamenx",
         .arity = 3,
         .flags = kCmdWrite | kCmdFast,
         .first_key = 1,
         .last_key = 2,
         .key_step = 1,
         .handler = RenameNx,
         .group = "generic",
         .summary = "Rename a key, only if the new key does not exist",
         .since = "1.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "move",
         .arity = 3,
         .flags = kCmdWrite | kCmdFast,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = Move,
         .group = "generic",
         .summary = "Move a key to another database",
         .since = "1.0.0",
         .complexity = "O(1)"});
  t.Add({.name = "copy",
         .arity = -3,
         .flags = kCmdWrite | kCmdDenyOom,
         .first_key = 1,
         .last_key = 2,
         .key_step = 1,
         .handler = Copy,
         .group = "generic",
         .summary = "Copy a key",
         .since = "6.2.0",
         .complexity = "O(N) worst case for collections, where N is the number of nested items. "
                       "O(1) for string values."});
  t.Add({.name = "randomkey",
         .arity = 1,
         .flags = kCmdReadonly,
         .handler = RandomKey,
         .group = "generic",
         .summary = "Return a random key from the keyspace",
         .since = "1.0.0",
         .complexity = "O(1)",
         .tips = {"request_policy:all_shards", "nondeterministic_output"}});
  t.Add({.name = "dbsize",
         .arity = 1,
         .flags = kCmdReadonly | kCmdFast,
         .handler = DbSize,
         .group = "server",
         .summary = "Return the number of keys in the selected database",
         .since = "1.0.0",
         .complexity = "O(1)",
         .tips = {"request_policy:all_shards", "response_policy:agg_sum"}});
  t.Add({.name = "swapdb",
         .arity = 3,
         .flags = kCmdWrite | kCmdFast | kCmdTouchesArbitraryKeys,
         .handler = SwapDb,
         .group = "server",
         .summary = "Swaps two Redis databases",
         .since = "4.0.0",
         .complexity = "O(N) where N is the count of clients watching or blocking on keys from "
                       "both databases."});
  t.Add({.name = "flushdb",
         .arity = -1,
         .flags = kCmdWrite | kCmdTouchesArbitraryKeys,
         .handler = FlushDb,
         .group = "server",
         .summary = "Remove all keys from the current database",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of keys in the selected database",
         .tips = all_shard_tips});
  t.Add({.name = "flushall",
         .arity = -1,
         .flags = kCmdWrite | kCmdTouchesArbitraryKeys,
         .handler = FlushAll,
         .group = "server",
         .summary = "Remove all keys from all databases",
         .since = "1.0.0",
         .complexity = "O(N) where N is the total number of keys in all databases",
         .tips = all_shard_tips});
}

void RegisterKeyCommands(server::Server& server) {
  RegisterGenericKeyCommands(server);
  RegisterExpireCommands(server);
  RegisterScanCommands(server);
  RegisterObjectCommand(server);
  RegisterMemoryCommand(server);
}

}  // namespace baton::commands
