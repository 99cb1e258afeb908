// Sorted set pops: ZPOPMIN ZPOPMAX ZMPOP and the blocking BZPOPMIN BZPOPMAX
// BZMPOP (server/blocking.h). A blocked command that is served re-runs with
// ServingKey() set and pops from that key alone; what is propagated is always
// the non-blocking ZPOPMIN/ZPOPMAX with an explicit count.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "baton/commands/registry.h"
#include "baton/server/blocking.h"
#include "baton/server/server.h"
#include "zset_helpers.h"

namespace baton::commands {

using store::ValueType;
using store::ZSetValue;
namespace err = server::err;

namespace {

const char* ZPopName(bool max) { return max ? "ZPOPMAX" : "ZPOPMIN"; }

// Takes up to `count` elements from the low (or, with `max`, high) end of the
// zset under `key`, deleting the key when it empties.
std::vector<std::pair<std::string, double>> PopElements(CommandContext& ctx, std::string_view key,
                                                        store::KeyEntry* e, bool max,
                                                        size_t count) {
  ZSetValue* z = AsZSet(e);
  const size_t n = std::min(count, z->size());
  std::vector<std::pair<std::string, double>> out;
  out.reserve(n);
  if (max) {
    z->Walk(z->size() - n, z->size(), true, [&](std::string_view m, double s) {
      out.emplace_back(std::string(m), s);
      return true;
    });
  } else {
    z->Walk(0, n, false, [&](std::string_view m, double s) {
      out.emplace_back(std::string(m), s);
      return true;
    });
  }
  for (const auto& p : out) ZSetValue::Remove(e->value, p.first);
  if (!out.empty()) {
    AfterZSetRemove(ctx, key, e);
    ctx.MarkDirty(static_cast<int64_t>(out.size()));
  }
  return out;
}

// Finds `key` as a zset to pop from. While a blocked command is re-executed a
// key of another type counts as empty (the client stays blocked).
Lookup FindZSetForPop(CommandContext& ctx, std::string_view key, bool serving,
                      store::KeyEntry** out) {
  if (!serving) return LookupWrite(ctx, key, ValueType::kZSet, out);
  store::KeyEntry* entry = ctx.db.Lookup(key);
  *out = entry != nullptr && entry->value.type() == ValueType::kZSet ? entry : nullptr;
  return *out != nullptr ? Lookup::kFound : Lookup::kMissing;
}

// ZPOPMIN key [count] / ZPOPMAX key [count]
void ZPopGeneric(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) return ctx.reply.Error(err::kSyntax);
  const bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count && (!store::ParseInt64(ctx.arg(2), &count) || count < 0)) {
    return ctx.reply.Error(err::kValueMustBePositive);
  }
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr || count == 0) return ctx.reply.Array(0);
  const auto popped = PopElements(ctx, ctx.arg(1), e, max, static_cast<size_t>(count));
  const bool pairs = has_count && ctx.reply.resp3();
  ctx.reply.Array(pairs ? popped.size() : popped.size() * 2);
  for (const auto& [m, s] : popped) ReplyScored(ctx, m, s, true, pairs);
}

// ZPOPMIN key [count]
void ZPopMin(CommandContext& ctx) { ZPopGeneric(ctx, false); }
// ZPOPMAX key [count]
void ZPopMax(CommandContext& ctx) { ZPopGeneric(ctx, true); }

// Pops from the first non-empty zset among `keys` and replies, as BZPOPMIN
// ([key, member, score]) or, with `multi`, as ZMPOP ([key, [[member, score]
// ...]]). While serving a blocked client only its ready key is looked at.
// True when it replied (served or error); false when every key was empty.
bool ZPopFirstNonEmpty(CommandContext& ctx, std::span<const std::string_view> keys, bool max,
                       int64_t count, bool multi) {
  const std::string* serving = server::ServingKey(ctx.client);
  for (std::string_view key : keys) {
    if (serving != nullptr && key != *serving) continue;
    store::KeyEntry* e = nullptr;
    if (FindZSetForPop(ctx, key, serving != nullptr, &e) == Lookup::kWrongType) return true;
    if (e == nullptr) continue;
    const auto popped = PopElements(ctx, key, e, max, static_cast<size_t>(count));
    if (!multi) {
      ctx.reply.Array(3);
      ctx.reply.Bulk(key);
      ctx.reply.Bulk(popped[0].first);
      ctx.reply.Double(popped[0].second);
    } else {
      ctx.reply.Array(2);
      ctx.reply.Bulk(key);
      ctx.reply.Array(popped.size());
      for (const auto& [m, s] : popped) {
        ctx.reply.Array(2);
        ctx.reply.Bulk(m);
        ctx.reply.Double(s);
      }
    }
    ctx.PropagateAs({ZPopName(max), std::string(key), std::to_string(popped.size())});
    return true;
  }
  return false;
}

// BZPOPMIN key [key ...] timeout / BZPOPMAX key [key ...] timeout
void ZBlockingPop(CommandContext& ctx, bool max) {
  int64_t deadline = 0;
  if (!server::ParseBlockingTimeout(ctx, ctx.argc() - 1, &deadline)) return;
  const auto keys = ctx.args.subspan(1, ctx.argc() - 2);
  if (ZPopFirstNonEmpty(ctx, keys, max, 1, false)) return;
  if (!server::MayBlock(ctx)) return ctx.reply.NullArray();
  server::BlockForKeys(ctx, keys, deadline);
}

// BZPOPMIN key [key ...] timeout
void BZPopMin(CommandContext& ctx) { ZBlockingPop(ctx, false); }
// BZPOPMAX key [key ...] timeout
void BZPopMax(CommandContext& ctx) { ZBlockingPop(ctx, true); }

// numkeys key [key ...] MIN|MAX [COUNT count], from `numkeys_index`.
struct ZMpopArgs {
  std::span<const std::string_view> keys;
  bool max = false;
  int64_t count = 1;
};

bool ParseZMpopArgs(CommandContext& ctx, size_t numkeys_index, ZMpopArgs* out) {
  int64_t numkeys = 0;
  if (!store::ParseInt64(ctx.arg(numkeys_index), &numkeys) || numkeys <= 0) {
    ctx.reply.Error(err::kNumkeysNotPositive);
    return false;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc() - numkeys_index - 2)) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  out->keys = ctx.args.subspan(numkeys_index + 1, static_cast<size_t>(numkeys));
  const size_t where = numkeys_index + 1 + static_cast<size_t>(numkeys);
  if (ArgIs(ctx, where, "min")) {
    out->max = false;
  } else if (ArgIs(ctx, where, "max")) {
    out->max = true;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  bool count_seen = false;
  for (size_t j = where + 1; j < ctx.argc(); ++j) {
    if (!count_seen && ArgIs(ctx, j, "count") && j + 1 < ctx.argc()) {
      ++j;
      if (!store::ParseInt64(ctx.arg(j), &out->count) || out->count <= 0) {
        ctx.reply.Error(err::kCountNotPositive);
        return false;
      }
      count_seen = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void ZMPop(CommandContext& ctx) {
  ZMpopArgs a;
  if (!ParseZMpopArgs(ctx, 1, &a)) return;
  if (!ZPopFirstNonEmpty(ctx, a.keys, a.max, a.count, true)) ctx.reply.NullArray();
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
void BZMPop(CommandContext& ctx) {
  ZMpopArgs a;
  if (!ParseZMpopArgs(ctx, 2, &a)) return;
  int64_t deadline = 0;
  if (!server::ParseBlockingTimeout(ctx, 1, &deadline)) return;
  if (ZPopFirstNonEmpty(ctx, a.keys, a.max, a.count, true)) return;
  if (!server::MayBlock(ctx)) return ctx.reply.NullArray();
  server::BlockForKeys(ctx, a.keys, deadline);
}

// Key positions of ZMPOP (numkeys at 1) and BZMPOP (numkeys at 2).
std::vector<int> ZMpopKeys(std::span<const std::string_view> args, size_t numkeys_index) {
  std::vector<int> out;
  int64_t numkeys = 0;
  if (args.size() <= numkeys_index || !store::ParseInt64(args[numkeys_index], &numkeys)) return out;
  for (int64_t i = 0; i < numkeys && numkeys_index + 1 + static_cast<size_t>(i) < args.size();
       ++i) {
    out.push_back(static_cast<int>(numkeys_index + 1 + static_cast<size_t>(i)));
  }
  return out;
}
std::vector<int> ZMPopKeys(std::span<const std::string_view> args) { return ZMpopKeys(args, 1); }
std::vector<int> BZMPopKeys(std::span<const std::string_view> args) { return ZMpopKeys(args, 2); }

}  // namespace

void RegisterZSetPopCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  server::InstallBlocking(server);
  auto& t = server.commands();
  const std::vector<std::string> kPopFlags = {"RW", "access", "delete"};
  const std::string kPopComplexity =
      "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number "
      "of elements popped.";
  t.Add({.name = "zpopmin",
         .arity = -2,
         .flags = kCmdWrite | kCmdFast,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = ZPopMin,
         .group = "sorted_set",
         .summary = "Remove and return members with the lowest scores in a sorted set",
         .since = "5.0.0",
         .complexity = kPopComplexity,
         .key_spec_flags = kPopFlags});
  t.Add({.name = "zpopmax",
         .arity = -2,
         .flags = kCmdWrite | kCmdFast,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = ZPopMax,
         .group = "sorted_set",
         .summary = "Remove and return members with the highest scores in a sorted set",
         .since = "5.0.0",
         .complexity = kPopComplexity,
         .key_spec_flags = kPopFlags});
  t.Add({.name = "zmpop",
         .arity = -4,
         .flags = kCmdWrite | kCmdMovableKeys,
         .handler = ZMPop,
         .group = "sorted_set",
         .summary = "Remove and return members with scores in a sorted set",
         .since = "7.0.0",
         .complexity = "O(K) + O(N*log(M)) where K is the number of provided keys, N being the "
                       "number of elements in the sorted set, and M being the number of elements "
                       "popped.",
         .key_finder = ZMPopKeys,
         .key_spec_flags = kPopFlags});
  t.Add({.name = "bzpopmin",
         .arity = -3,
         .flags = kCmdWrite | kCmdNoscript | kCmdBlocking | kCmdFast,
         .first_key = 1,
         .last_key = -2,
         .key_step = 1,
         .handler = BZPopMin,
         .group = "sorted_set",
         .summary = "Remove and return the member with the lowest score from one or more sorted "
                    "sets, or block until one is available",
         .since = "5.0.0",
         .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
         .key_spec_flags = kPopFlags});
  t.Add({.name = "bzpopmax",
         .arity = -3,
         .flags = kCmdWrite | kCmdNoscript | kCmdBlocking | kCmdFast,
         .first_key = 1,
         .last_key = -2,
         .key_step = 1,
         .handler = BZPopMax,
         .group = "sorted_set",
         .summary = "Remove and return the member with the highest score from one or more sorted "
                    "sets, or block until one is available",
         .since = "5.0.0",
         .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
         .key_spec_flags = kPopFlags});
  t.Add({.name = "bzmpop",
         .arity = -5,
         .flags = kCmdWrite | kCmdBlocking | kCmdMovableKeys,
         .handler = BZMPop,
         .group = "sorted_set",
         .summary = "Remove and return members with scores in a sorted set or block until one is "
                    "available",
         .since = "7.0.0",
         .complexity = "O(K) + O(N*log(M)) where K is the number of provided keys, N being the "
                       "number of elements in the sorted set, and M being the number of elements "
                       "popped.",
         .key_finder = BZMPopKeys,
         .key_spec_flags = kPopFlags});
}

}  // namespace baton::commands
