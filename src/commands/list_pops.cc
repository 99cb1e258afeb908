// List pops and moves, and their blocking forms. A blocking command that
// finds nothing parks the client (server/blocking.h); when one of its keys is
// pushed to, the same handler runs again with ServingKey() set and serves
// from that key only. What is propagated is always the non-blocking effect.
#include <algorithm>
#include <string>
#include <vector>

#include "baton/commands/registry.h"
#include "baton/server/blocking.h"
#include "baton/server/server.h"
#include "list_helpers.h"

namespace baton::commands {

using server::CommandSpec;
using store::ListEnd;
using store::ListValue;
using store::ValueType;

namespace {

const char* PopName(ListEnd end) { return end == ListEnd::kHead ? "LPOP" : "RPOP"; }

// Finds `key` as a list to pop from. While a blocked command is re-executed a
// key of another type counts as empty (the client stays blocked, as in Redis
// 7.0); otherwise such a key gets a WRONGTYPE reply.
Lookup FindListForPop(CommandContext& ctx, std::string_view key, bool serving,
                      store::KeyEntry** out) {
  if (!serving) return LookupWrite(ctx, key, ValueType::kList, out);
  store::KeyEntry* entry = ctx.db.Lookup(key);
  *out = entry != nullptr && entry->value.type() == ValueType::kList ? entry : nullptr;
  return *out != nullptr ? Lookup::kFound : Lookup::kMissing;
}

// LPOP key [count] / RPOP key [count]
void PopGeneric(CommandContext& ctx, ListEnd end) {
  if (ctx.argc() > 3) return ctx.reply.Error(server::err::WrongArity(ctx.cmd.fullname));
  const bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count && !ParsePositiveArg(ctx, 2, &count)) return;
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), ValueType::kList, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return has_count ? ctx.reply.NullArray() : ctx.reply.Null();
  ListValue* list = entry->value.As<ListValue>();
  if (!has_count) {
    ctx.reply.Bulk(list->Pop(end));
  } else {
    const size_t n = std::min(static_cast<size_t>(count), list->size());
    ctx.reply.Array(n);
    if (n == 0) return;
    for (size_t i = 0; i < n; ++i) ctx.reply.Bulk(list->Pop(end));
  }
  AfterListPop(ctx, ctx.arg(1), *list);
  ctx.MarkDirty();
}

// LPOP key [count]
void LPop(CommandContext& ctx) { PopGeneric(ctx, ListEnd::kHead); }
// RPOP key [count]
void RPop(CommandContext& ctx) { PopGeneric(ctx, ListEnd::kTail); }

// Moves one element from `src` (at `from`) to `dst` (at `to`) and replies it;
// nil when `src` is missing. True when an element moved.
bool MoveElement(CommandContext& ctx, std::string_view src, std::string_view dst, ListEnd from,
                 ListEnd to, bool serving) {
  store::KeyEntry* src_entry = nullptr;
  if (FindListForPop(ctx, src, serving, &src_entry) == Lookup::kWrongType) return false;
  if (src_entry == nullptr) {
    ctx.reply.Null();
    return false;
  }
  store::KeyEntry* dst_entry = nullptr;
  if (LookupWrite(ctx, dst, ValueType::kList, &dst_entry) == Lookup::kWrongType) return false;
  ListValue* list = src_entry->value.As<ListValue>();
  std::string element = list->Pop(from);
  if (src == dst) {
    list->Push(element, to);
    ctx.db.SignalModified(src);
  } else {
    PushToList(ctx, dst, dst_entry, element, to);
    AfterListPop(ctx, src, *list);
  }
  ctx.MarkDirty();
  ctx.reply.Bulk(element);
  return true;
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void LMove(CommandContext& ctx) {
  ListEnd from{};
  ListEnd to{};
  if (!ParseListEnd(ctx.arg(3), &from) || !ParseListEnd(ctx.arg(4), &to)) {
    return ctx.reply.Error(server::err::kSyntax);
  }
  MoveElement(ctx, ctx.arg(1), ctx.arg(2), from, to, false);
}

// RPOPLPUSH source destination
void RPopLPush(CommandContext& ctx) {
  MoveElement(ctx, ctx.arg(1), ctx.arg(2), ListEnd::kTail, ListEnd::kHead, false);
}

// The blocking move: BLMOVE and BRPOPLPUSH, propagated as `effect`.
void BlockingMove(CommandContext& ctx, ListEnd from, ListEnd to, int64_t deadline_ms,
                  std::vector<std::string> effect) {
  const bool serving = server::ServingKey(ctx.client) != nullptr;
  const std::string_view src = ctx.arg(1);
  store::KeyEntry* entry = nullptr;
  if (FindListForPop(ctx, src, serving, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) {
    if (!server::MayBlock(ctx)) return ctx.reply.Null();
    const std::string_view keys[] = {src};
    return server::BlockForKeys(ctx, keys, deadline_ms);
  }
  if (MoveElement(ctx, src, ctx.arg(2), from, to, serving)) ctx.PropagateAs(std::move(effect));
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
void BLMove(CommandContext& ctx) {
  ListEnd from{};
  ListEnd to{};
  if (!ParseListEnd(ctx.arg(3), &from) || !ParseListEnd(ctx.arg(4), &to)) {
    return ctx.reply.Error(server::err::kSyntax);
  }
  int64_t deadline = 0;
  if (!server::ParseBlockingTimeout(ctx, 5, &deadline)) return;
  BlockingMove(ctx, from, to, deadline,
               {"LMOVE", std::string(ctx.arg(1)), std::string(ctx.arg(2)), std::string(ctx.arg(3)),
                std::string(ctx.arg(4))});
}

// BRPOPLPUSH source destination timeout
void BRPopLPush(CommandContext& ctx) {
  int64_t deadline = 0;
  if (!server::ParseBlockingTimeout(ctx, 3, &deadline)) return;
  BlockingMove(ctx, ListEnd::kTail, ListEnd::kHead, deadline,
               {"RPOPLPUSH", std::string(ctx.arg(1)), std::string(ctx.arg(2))});
}

// Pops up to `count` elements from the first non-empty list among `keys` and
// replies [key, element] (single) or [key, [elements...]] (multi). While
// serving a blocked client only its ready key is looked at. Returns true when
// it replied (served or an error); false when every list was empty.
bool PopFirstNonEmpty(CommandContext& ctx, std::span<const std::string_view> keys, ListEnd end,
                      int64_t count, bool multi) {
  const std::string* serving = server::ServingKey(ctx.client);
  for (std::string_view key : keys) {
    if (serving != nullptr && key != *serving) continue;
    store::KeyEntry* entry = nullptr;
    if (FindListForPop(ctx, key, serving != nullptr, &entry) == Lookup::kWrongType) return true;
    if (entry == nullptr) continue;
    ListValue* list = entry->value.As<ListValue>();
    ctx.reply.Array(2);
    ctx.reply.Bulk(key);
    if (!multi) {
      ctx.reply.Bulk(list->Pop(end));
      ctx.PropagateAs({PopName(end), std::string(key)});
    } else {
      const size_t n = std::min(static_cast<size_t>(count), list->size());
      ctx.reply.Array(n);
      for (size_t i = 0; i < n; ++i) ctx.reply.Bulk(list->Pop(end));
      ctx.PropagateAs({PopName(end), std::string(key), std::to_string(n)});
    }
    AfterListPop(ctx, key, *list);
    ctx.MarkDirty();
    return true;
  }
  return false;
}

// BLPOP key [key ...] timeout / BRPOP key [key ...] timeout
void BlockingPop(CommandContext& ctx, ListEnd end) {
  int64_t deadline = 0;
  if (!server::ParseBlockingTimeout(ctx, ctx.argc() - 1, &deadline)) return;
  const auto keys = ctx.args.subspan(1, ctx.argc() - 2);
  if (PopFirstNonEmpty(ctx, keys, end, 1, false)) return;
  if (!server::MayBlock(ctx)) return ctx.reply.NullArray();
  server::BlockForKeys(ctx, keys, deadline);
}

// BLPOP key [key ...] timeout
void BLPop(CommandContext& ctx) { BlockingPop(ctx, ListEnd::kHead); }
// BRPOP key [key ...] timeout
void BRPop(CommandContext& ctx) { BlockingPop(ctx, ListEnd::kTail); }

// numkeys key [key ...] LEFT|RIGHT [COUNT count], from `numkeys_index`.
struct MpopArgs {
  std::span<const std::string_view> keys;
  ListEnd end = ListEnd::kHead;
  int64_t count = 1;
};

bool ParseMpopArgs(CommandContext& ctx, size_t numkeys_index, MpopArgs* out) {
  int64_t numkeys = 0;
  if (!store::ParseInt64(ctx.arg(numkeys_index), &numkeys) || numkeys <= 0) {
    ctx.reply.Error(server::err::kNumkeysNotPositive);
    return false;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc() - numkeys_index - 2)) {
    ctx.reply.Error(server::err::kSyntax);
    return false;
  }
  out->keys = ctx.args.subspan(numkeys_index + 1, static_cast<size_t>(numkeys));
  const size_t where = numkeys_index + 1 + static_cast<size_t>(numkeys);
  if (!ParseListEnd(ctx.arg(where), &out->end)) {
    ctx.reply.Error(server::err::kSyntax);
    return false;
  }
  bool count_seen = false;
  for (size_t j = where + 1; j < ctx.argc(); ++j) {
    if (!count_seen && ArgIs(ctx, j, "count") && j + 1 < ctx.argc()) {
      ++j;
      if (!store::ParseInt64(ctx.arg(j), &out->count) || out->count <= 0) {
        ctx.reply.Error(server::err::kCountNotPositive);
        return false;
      }
      count_seen = true;
    } else {
      ctx.reply.Error(server::err::kSyntax);
      return false;
    }
  }
  return true;
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void LMPop(CommandContext& ctx) {
  MpopArgs a;
  if (!ParseMpopArgs(ctx, 1, &a)) return;
  if (!PopFirstNonEmpty(ctx, a.keys, a.end, a.count, true)) ctx.reply.NullArray();
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void BLMPop(CommandContext& ctx) {
  MpopArgs a;
  if (!ParseMpopArgs(ctx, 2, &a)) return;
  int64_t deadline = 0;
  if (!server::ParseBlockingTimeout(ctx, 1, &deadline)) return;
  if (PopFirstNonEmpty(ctx, a.keys, a.end, a.count, true)) return;
  if (!server::MayBlock(ctx)) return ctx.reply.NullArray();
  server::BlockForKeys(ctx, a.keys, deadline);
}

// Key positions of LMPOP (numkeys at 1) and BLMPOP (numkeys at 2).
std::vector<int> MpopKeys(std::span<const std::string_view> args, size_t numkeys_index) {
  std::vector<int> out;
  int64_t numkeys = 0;
  if (args.size() <= numkeys_index || !store::ParseInt64(args[numkeys_index], &numkeys)) return out;
  for (int64_t i = 0; i < numkeys && numkeys_index + 1 + static_cast<size_t>(i) < args.size();
       ++i) {
    out.push_back(static_cast<int>(numkeys_index + 1 + static_cast<size_t>(i)));
  }
  return out;
}
std::vector<int> LMPopKeys(std::span<const std::string_view> args) { return MpopKeys(args, 1); }
std::vector<int> BLMPopKeys(std::span<const std::string_view> args) { return MpopKeys(args, 2); }

}  // namespace

void RegisterListPopCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto& t = server.commands();
  const std::vector<std::string> kPopFlags = {"RW", "access", "delete"};
  t.Add({.name = "lpop",
         .arity = -2,
         .flags = kCmdWrite | kCmdFast,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = LPop,
         .group = "list",
         .summary = "Remove and get the first elements in a list",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of elements returned",
         .key_spec_flags = kPopFlags});
  t.Add({.name = "rpop",
         .arity = -2,
         .flags = kCmdWrite | kCmdFast,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = RPop,
         .group = "list",
         .summary = "Remove and get the last elements in a list",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of elements returned",
         .key_spec_flags = kPopFlags});
  t.Add({.name = "lmove",
         .arity = 5,
         .flags = kCmdWrite | kCmdDenyOom,
         .first_key = 1,
         .last_key = 2,
         .key_step = 1,
         .handler = LMove,
         .group = "list",
         .summary = "Pop an element from a list, push it to another list and return it",
         .since = "6.2.0",
         .complexity = "O(1)",
         .key_spec_flags = kPopFlags});
  t.Add({.name = "rpoplpush",
         .arity = 3,
         .flags = kCmdWrite | kCmdDenyOom,
         .first_key = 1,
         .last_key = 2,
         .key_step = 1,
         .handler = RPopLPush,
         .group = "list",
         .summary = "Remove the last element in a list, prepend it to another list and return it",
         .since = "1.2.0",
         .complexity = "O(1)",
         .key_spec_flags = kPopFlags});
  t.Add({.name = "lmpop",
         .arity = -4,
         .flags = kCmdWrite | kCmdMovableKeys,
         .handler = LMPop,
         .group = "list",
         .summary = "Pop elements from a list",
         .since = "7.0.0",
         .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                       "elements returned.",
         .key_finder = LMPopKeys,
         .key_spec_flags = kPopFlags});
  t.Add({.name = "blpop",
         .arity = -3,
         .flags = kCmdWrite | kCmdNoscript | kCmdBlocking,
         .first_key = 1,
         .last_key = -2,
         .key_step = 1,
         .handler = BLPop,
         .group = "list",
         .summary = "Remove and get the first element in a list, or block until one is available",
         .since = "2.0.0",
         .complexity = "O(N) where N is the number of provided keys.",
         .key_spec_flags = kPopFlags});
  t.Add({.name = "brpop",
         .arity = -3,
         .flags = kCmdWrite | kCmdNoscript | kCmdBlocking,
         .first_key = 1,
         .last_key = -2,
         .key_step = 1,
         .handler = BRPop,
         .group = "list",
         .summary = "Remove and get the last element in a list, or block until one is available",
         .since = "2.0.0",
         .complexity = "O(N) where N is the number of provided keys.",
         .key_spec_flags = kPopFlags});
  t.Add({.name = "blmove",
         .arity = 6,
         .flags = kCmdWrite | kCmdDenyOom | kCmdNoscript | kCmdBlocking,
         .first_key = 1,
         .last_key = 2,
         .key_step = 1,
         .handler = BLMove,
         .group = "list",
         .summary = "Pop an element from a list, push it to another list and return it; or block "
                    "until one is available",
         .since = "6.2.0",
         .complexity = "O(1)",
         .key_spec_flags = kPopFlags});
  t.Add({.name = "brpoplpush",
         .arity = 4,
         .flags = kCmdWrite | kCmdDenyOom | kCmdNoscript | kCmdBlocking,
         .first_key = 1,
         .last_key = 2,
         .key_step = 1,
         .handler = BRPopLPush,
         .group = "list",
         .summary = "Pop an element from a list, push it to another list and return it; or block "
                    "until one is available",
         .since = "2.2.0",
         .complexity = "O(1)",
         .key_spec_flags = kPopFlags});
  t.Add({.name = "blmpop",
         .arity = -5,
         .flags = kCmdWrite | kCmdBlocking | kCmdMovableKeys,
         .handler = BLMPop,
         .group = "list",
         .summary = "Pop elements from a list, or block until one is available",
         .since = "7.0.0",
         .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                       "elements returned.",
         .key_finder = BLMPopKeys,
         .key_spec_flags = kPopFlags});
}

}  // namespace baton::commands
