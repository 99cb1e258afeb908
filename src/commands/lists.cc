// List commands that push, read and edit in place. Pops, moves and the
// blocking forms are in list_pops.cc.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "baton/commands/registry.h"
#include "baton/server/blocking.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"
#include "list_helpers.h"

namespace baton::commands {

using server::CommandSpec;
using store::ListEnd;
using store::ListValue;
using store::ValueType;

std::unique_ptr<ListValue> NewList(const CommandContext& ctx) {
  return std::make_unique<ListValue>(ctx.server.settings().list_max_listpack_size);
}

bool ParseListEnd(std::string_view arg, ListEnd* end) {
  if (util::EqualsIgnoreCase(arg, "left")) {
    *end = ListEnd::kHead;
    return true;
  }
  if (util::EqualsIgnoreCase(arg, "right")) {
    *end = ListEnd::kTail;
    return true;
  }
  return false;
}

void PushToList(CommandContext& ctx, std::string_view key, store::KeyEntry* entry,
                std::string_view element, ListEnd end) {
  if (entry == nullptr) {
    auto list = NewList(ctx);
    list->Push(element, end);
    ctx.db.Add(key, store::Value::FromAggregate(std::move(list)));
  } else {
    entry->value.As<ListValue>()->Push(element, end);
    ctx.db.SignalModified(key);
  }
  server::SignalKeyReady(ctx.server, ctx.db.index(), key);
}

void AfterListPop(CommandContext& ctx, std::string_view key, const ListValue& list) {
  if (list.empty()) {
    ctx.db.Delete(key);
  } else {
    ctx.db.SignalModified(key);
  }
}

namespace {

// Normalizes a Redis index (negative from the tail); false when out of range.
bool NormalizeIndex(int64_t index, size_t size, size_t* out) {
  const auto len = static_cast<int64_t>(size);
  if (index < 0) index += len;
  if (index < 0 || index >= len) return false;
  *out = static_cast<size_t>(index);
  return true;
}

void PushGeneric(CommandContext& ctx, ListEnd end, bool only_existing) {
  const std::string_view key = ctx.arg(1);
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, key, ValueType::kList, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr && only_existing) return ctx.reply.Integer(0);
  size_t length = 0;
  if (entry == nullptr) {
    auto list = NewList(ctx);
    for (size_t i = 2; i < ctx.argc(); ++i) list->Push(ctx.arg(i), end);
    length = list->size();
    ctx.db.Add(key, store::Value::FromAggregate(std::move(list)));
  } else {
    ListValue* list = entry->value.As<ListValue>();
    for (size_t i = 2; i < ctx.argc(); ++i) list->Push(ctx.arg(i), end);
    length = list->size();
    ctx.db.SignalModified(key);
  }
  server::SignalKeyReady(ctx.server, ctx.db.index(), key);
  ctx.MarkDirty(static_cast<int64_t>(ctx.argc() - 2));
  ctx.reply.Integer(static_cast<int64_t>(length));
}

// LPUSH key element [element ...]
void LPush(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kHead, false); }
// RPUSH key element [element ...]
void RPush(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kTail, false); }
// LPUSHX key element [element ...]
void LPushX(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kHead, true); }
// RPUSHX key element [element ...]
void RPushX(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kTail, true); }

// LLEN key
void LLen(CommandContext& ctx) {
  store::KeyEntry* entry = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kList, &entry) == Lookup::kWrongType) return;
  ctx.reply.Integer(entry == nullptr ? 0
                                     : static_cast<int64_t>(entry->value.As<ListValue>()->size()));
}

// LINDEX key index
void LIndex(CommandContext& ctx) {
  store::KeyEntry* entry = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kList, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Null();
  int64_t index = 0;
  if (!ParseIntArg(ctx, 2, &index)) return;
  const ListValue* list = entry->value.As<ListValue>();
  size_t pos = 0;
  if (!NormalizeIndex(index, list->size(), &pos)) return ctx.reply.Null();
  ctx.reply.Bulk(list->At(pos));
}

// LRANGE key start stop
void LRange(CommandContext& ctx) {
  int64_t start = 0;
  int64_t stop = 0;
  if (!ParseIntArg(ctx, 2, &start) || !ParseIntArg(ctx, 3, &stop)) return;
  store::KeyEntry* entry = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kList, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Array(0);
  const ListValue* list = entry->value.As<ListValue>();
  const auto len = static_cast<int64_t>(list->size());
  if (start < 0) start = std::max<int64_t>(start + len, 0);
  if (stop < 0) stop += len;
  if (start > stop || start >= len) return ctx.reply.Array(0);
  stop = std::min(stop, len - 1);
  auto remaining = static_cast<size_t>(stop - start + 1);
  ctx.reply.Array(remaining);
  list->Visit(static_cast<size_t>(start), false, [&](std::string_view element) {
    ctx.reply.Bulk(element);
    return --remaining > 0;
  });
}

// LSET key index element
void LSet(CommandContext& ctx) {
  store::KeyEntry* entry = nullptr;
  const Lookup found = LookupWrite(ctx, ctx.arg(1), ValueType::kList, &entry);
  if (found == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Error(server::err::kNoSuchKey);
  int64_t index = 0;
  if (!ParseIntArg(ctx, 2, &index)) return;
  ListValue* list = entry->value.As<ListValue>();
  size_t pos = 0;
  if (!NormalizeIndex(index, list->size(), &pos)) {
    return ctx.reply.Error(server::err::kIndexOutOfRange);
  }
  list->Set(pos, ctx.arg(3));
  ctx.db.SignalModified(ctx.arg(1));
  ctx.MarkDirty();
  ctx.reply.Ok();
}

// LINSERT key BEFORE|AFTER pivot element
void LInsert(CommandContext& ctx) {
  bool after = false;
  if (ArgIs(ctx, 2, "after")) {
    after = true;
  } else if (!ArgIs(ctx, 2, "before")) {
    return ctx.reply.Error(server::err::kSyntax);
  }
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), ValueType::kList, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Integer(0);
  ListValue* list = entry->value.As<ListValue>();
  const std::string_view pivot = ctx.arg(3);
  size_t index = 0;
  bool found = false;
  list->Visit(0, false, [&](std::string_view element) {
    if (element == pivot) {
      found = true;
      return false;
    }
    ++index;
    return true;
  });
  if (!found) return ctx.reply.Integer(-1);
  list->Insert(after ? index + 1 : index, ctx.arg(4));
  ctx.db.SignalModified(ctx.arg(1));
  ctx.MarkDirty();
  ctx.reply.Integer(static_cast<int64_t>(list->size()));
}

// LREM key count element
void LRem(CommandContext& ctx) {
  int64_t count = 0;
  if (!ParseIntArg(ctx, 2, &count)) return;
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), ValueType::kList, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Integer(0);
  ListValue* list = entry->value.As<ListValue>();
  const size_t removed = list->Remove(ctx.arg(3), count);
  if (removed > 0) {
    AfterListPop(ctx, ctx.arg(1), *list);
    ctx.MarkDirty(static_cast<int64_t>(removed));
  }
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

// LTRIM key start stop
void LTrim(CommandContext& ctx) {
  int64_t start = 0;
  int64_t stop = 0;
  if (!ParseIntArg(ctx, 2, &start) || !ParseIntArg(ctx, 3, &stop)) return;
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), ValueType::kList, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Ok();
  ListValue* list = entry->value.As<ListValue>();
  const auto len = static_cast<int64_t>(list->size());
  if (start < 0) start = std::max<int64_t>(start + len, 0);
  if (stop < 0) stop += len;
  size_t keep = 0;
  if (start <= stop && start < len) {
    stop = std::min(stop, len - 1);
    keep = static_cast<size_t>(stop - start + 1);
  }
  const size_t removed = list->size() - keep;
  list->Trim(keep == 0 ? 0 : static_cast<size_t>(start), keep);
  if (removed > 0) {
    AfterListPop(ctx, ctx.arg(1), *list);
    ctx.MarkDirty(static_cast<int64_t>(removed));
  } else {
    ctx.db.SignalModified(ctx.arg(1));  // as in Redis: any LTRIM of a list breaks a WATCH
  }
  ctx.reply.Ok();
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void LPos(CommandContext& ctx) {
  int64_t rank = 1;
  int64_t count = -1;  // -1: no COUNT given
  int64_t maxlen = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const bool has_value = j + 1 < ctx.argc();
    if (ArgIs(ctx, j, "rank") && has_value) {
      if (!ParseIntArg(ctx, ++j, &rank)) return;
      if (rank == 0) return ctx.reply.Error(server::err::kLposRankZero);
    } else if (ArgIs(ctx, j, "count") && has_value) {
      if (!ParseIntArg(ctx, ++j, &count)) return;
      if (count < 0) return ctx.reply.Error(server::err::kLposCountNegative);
    } else if (ArgIs(ctx, j, "maxlen") && has_value) {
      if (!ParseIntArg(ctx, ++j, &maxlen)) return;
      if (maxlen < 0) return ctx.reply.Error(server::err::kLposMaxlenNegative);
    } else {
      return ctx.reply.Error(server::err::kSyntax);
    }
  }
  store::KeyEntry* entry = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kList, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return count >= 0 ? ctx.reply.Array(0) : ctx.reply.Null();
  const ListValue* list = entry->value.As<ListValue>();
  const bool from_tail = rank < 0;
  // Matches to skip before reporting (Redis counts a minimal rank as the first).
  const uint64_t skip = rank == std::numeric_limits<int64_t>::min() ? 0
                        : from_tail ? static_cast<uint64_t>(-rank) - 1
                                    : static_cast<uint64_t>(rank) - 1;
  const uint64_t wanted = count > 0    ? static_cast<uint64_t>(count)
                          : count == 0 ? std::numeric_limits<uint64_t>::max()
                                       : 1;
  const std::string_view needle = ctx.arg(2);
  std::vector<int64_t> found;
  uint64_t matches = 0;
  int64_t scanned = 0;
  const auto len = static_cast<int64_t>(list->size());
  list->Visit(from_tail ? list->size() - 1 : 0, from_tail, [&](std::string_view element) {
    if (element == needle && matches++ >= skip) {
      found.push_back(from_tail ? len - 1 - scanned : scanned);
      if (found.size() >= wanted) return false;
    }
    ++scanned;
    return maxlen == 0 || scanned < maxlen;
  });
  if (count < 0) return found.empty() ? ctx.reply.Null() : ctx.reply.Integer(found.front());
  ctx.reply.Array(found.size());
  for (int64_t index : found) ctx.reply.Integer(index);
}

CommandSpec ListCommand(std::string name, int arity, uint64_t flags, server::CommandHandler handler,
                        std::string summary, std::string since, std::string complexity,
                        std::vector<std::string> key_flags) {
  return {.name = std::move(name),
          .arity = arity,
          .flags = flags,
          .first_key = 1,
          .last_key = 1,
          .key_step = 1,
          .handler = handler,
          .group = "list",
          .summary = std::move(summary),
          .since = std::move(since),
          .complexity = std::move(complexity),
          .key_spec_flags = std::move(key_flags)};
}

}  // namespace

void RegisterListCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  server::InstallBlocking(server);
  auto& t = server.commands();
  const std::string kPushCost =
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.";
  t.Add(ListCommand("lpush", -3, kCmdWrite | kCmdDenyOom | kCmdFast, LPush,
                    "Prepend one or multiple elements to a list", "1.0.0", kPushCost,
                    {"RW", "insert"}));
  t.Add(ListCommand("rpush", -3, kCmdWrite | kCmdDenyOom | kCmdFast, RPush,
                    "Append one or multiple elements to a list", "1.0.0", kPushCost,
                    {"RW", "insert"}));
  t.Add(ListCommand("lpushx", -3, kCmdWrite | kCmdDenyOom | kCmdFast, LPushX,
                    "Prepend an element to a list, only if the list exists", "2.2.0", kPushCost,
                    {"RW", "insert"}));
  t.Add(ListCommand("rpushx", -3, kCmdWrite | kCmdDenyOom | kCmdFast, RPushX,
                    "Append an element to a list, only if the list exists", "2.2.0", kPushCost,
                    {"RW", "insert"}));
  t.Add(ListCommand("llen", 2, kCmdReadonly | kCmdFast, LLen, "Get the length of a list", "1.0.0",
                    "O(1)", {"RO"}));
  t.Add(ListCommand("lindex", 3, kCmdReadonly, LIndex, "Get an element from a list by its index",
                    "1.0.0",
                    "O(N) where N is the number of elements to traverse to get to the element at "
                    "index. This makes asking for the first or the last element of the list O(1).",
                    {"RO", "access"}));
  t.Add(ListCommand("lrange", 4, kCmdReadonly, LRange, "Get a range of elements from a list",
                    "1.0.0",
                    "O(S+N) where S is the distance of start offset from HEAD for small lists, "
                    "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                    "elements in the specified range.",
                    {"RO", "access"}));
  t.Add(ListCommand("lset", 4, kCmdWrite | kCmdDenyOom, LSet,
                    "Set the value of an element in a list by its index", "1.0.0",
                    "O(N) where N is the length of the list. Setting either the first or the last "
                    "element of the list is O(1).",
                    {"RW", "update"}));
  t.Add(ListCommand("linsert", 5, kCmdWrite | kCmdDenyOom, LInsert,
                    "Insert an element before or after another element in a list", "2.2.0",
                    "O(N) where N is the number of elements to traverse before seeing the value "
                    "pivot. This means that inserting somewhere on the left end on the list (head) "
                    "can be considered O(1) and inserting somewhere on the right end (tail) is "
                    "O(N).",
                    {"RW", "insert"}));
  t.Add(ListCommand("lrem", 4, kCmdWrite, LRem, "Remove elements from a list", "1.0.0",
                    "O(N+M) where N is the length of the list and M is the number of elements "
                    "removed.",
                    {"RW", "delete"}));
  t.Add(ListCommand("ltrim", 4, kCmdWrite, LTrim, "Trim a list to the specified range", "1.0.0",
                    "O(N) where N is the number of elements to be removed by the operation.",
                    {"RW", "delete"}));
  t.Add(ListCommand("lpos", -3, kCmdReadonly, LPos,
                    "Return the index of matching elements on a list", "6.0.6",
                    "O(N) where N is the number of elements in the list, for the average case. "
                    "When searching for elements near the head or the tail of the list, or when "
                    "the MAXLEN option is provided, the command may run in constant time.",
                    {"RO", "access"}));
  RegisterListPopCommands(server);
}

}  // namespace baton::commands
