// Set commands: SADD SREM SISMEMBER SMISMEMBER SMEMBERS SCARD SPOP SRANDMEMBER
// SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/server/server.h"
#include "baton/store/set_value.h"
#include "scan_args.h"

namespace baton::commands {
namespace {

using server::CommandContext;
using store::SetValue;
namespace err = server::err;

constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";
constexpr std::string_view kNumKeys = "ERR numkeys should be greater than 0";
constexpr std::string_view kTooManyKeys = "ERR Number of keys can't be greater than number of args";
constexpr std::string_view kLimitNegative = "ERR LIMIT can't be negative";
// SPOP's effect is propagated as SREMs of at most this many members.
constexpr size_t kPopBatch = 1024;

store::SetLimits SetLimitsOf(const CommandContext& ctx) {
  return {.max_intset_entries = static_cast<size_t>(ctx.server.settings().set_max_intset_entries)};
}

SetValue* AsSet(store::KeyEntry* e) { return e->value.As<SetValue>(); }

// SADD key member [member ...]
void SAdd(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), store::ValueType::kSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) e = ctx.db.Add(ctx.arg(1), SetValue::New());
  const store::SetLimits limits = SetLimitsOf(ctx);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (SetValue::Add(e->value, ctx.arg(i), limits)) ++added;
  }
  if (added > 0) {
    ctx.db.SignalModified(ctx.arg(1));
    ctx.MarkDirty(added);
  }
  ctx.reply.Integer(added);
}

// SREM key member [member ...]
void SRem(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), store::ValueType::kSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ctx.reply.Integer(0);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (SetValue::Remove(e->value, ctx.arg(i))) {
      ++removed;
      if (AsSet(e)->size() == 0) break;
    }
  }
  if (removed > 0) {
    ctx.db.SignalModified(ctx.arg(1));
    if (AsSet(e)->size() == 0) ctx.db.Delete(ctx.arg(1));
    ctx.MarkDirty(removed);
  }
  ctx.reply.Integer(removed);
}

// SISMEMBER key member
void SIsMember(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kSet, &e) == Lookup::kWrongType) return;
  ctx.reply.Integer(e != nullptr && AsSet(e)->Contains(ctx.arg(2)) ? 1 : 0);
}

// SMISMEMBER key member [member ...]
void SMIsMember(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kSet, &e) == Lookup::kWrongType) return;
  ctx.reply.Array(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Integer(e != nullptr && AsSet(e)->Contains(ctx.arg(i)) ? 1 : 0);
  }
}

// SCARD key
void SCard(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kSet, &e) == Lookup::kWrongType) return;
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(AsSet(e)->size()));
}

// Propagates the removal of `members` from `key` as SREM commands.
void PropagateSRem(CommandContext& ctx, std::string_view key,
                   const std::vector<std::string>& members) {
  for (size_t i = 0; i < members.size(); i += kPopBatch) {
    std::vector<std::string> effect = {"SREM", std::string(key)};
    const size_t end = std::min(members.size(), i + kPopBatch);
    effect.insert(effect.end(), members.begin() + static_cast<std::ptrdiff_t>(i),
                  members.begin() + static_cast<std::ptrdiff_t>(end));
    ctx.PropagateAs(std::move(effect));
  }
}

void SPopWithCount(CommandContext& ctx) {
  int64_t count_arg = 0;
  if (!store::ParseInt64(ctx.arg(2), &count_arg) || count_arg < 0) {
    return ctx.reply.Error(kMustBePositive);
  }
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), store::ValueType::kSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr || count_arg == 0) return ctx.reply.Set(0);
  const std::string key(ctx.arg(1));
  SetValue* set = AsSet(e);
  const size_t size = set->size();
  const auto count = static_cast<size_t>(count_arg);

  // Everything: reply the whole set and delete the key.
  if (count >= size) {
    ctx.reply.Set(size);
    set->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
    ctx.db.Delete(key);
    ctx.MarkDirty();
    ctx.PropagateAs({"DEL", key});
    return;
  }
  const size_t remaining = size - count;
  std::vector<std::string> popped;
  popped.reserve(count);
  if (remaining * 5 > count) {
    // Few elements: pop them one by one.
    for (size_t i = 0; i < count; ++i) {
      popped.emplace_back(AsSet(e)->Random().text());
      SetValue::Remove(e->value, popped.back());
    }
  } else {
    // Most elements: keep `remaining` random ones in a new set, pop the rest.
    store::Value kept = SetValue::New();
    const store::SetLimits limits = SetLimitsOf(ctx);
    for (size_t i = 0; i < remaining; ++i) {
      const std::string m(AsSet(e)->Random().text());
      SetValue::Add(kept, m, limits);
      SetValue::Remove(e->value, m);
    }
    AsSet(e)->ForEach([&](std::string_view m) { popped.emplace_back(m); });
    e->value = std::move(kept);
  }
  ctx.reply.Set(popped.size());
  for (const std::string& m : popped) ctx.reply.Bulk(m);
  ctx.db.SignalModified(key);
  ctx.MarkDirty(static_cast<int64_t>(count));
  PropagateSRem(ctx, key, popped);
}

// SPOP key [count]
void SPop(CommandContext& ctx) {
  if (ctx.argc() == 3) return SPopWithCount(ctx);
  if (ctx.argc() > 3) return ctx.reply.Error(err::kSyntax);
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), store::ValueType::kSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ctx.reply.Null();
  const std::string member(AsSet(e)->Random().text());
  SetValue::Remove(e->value, member);
  ctx.reply.Bulk(member);
  ctx.db.SignalModified(ctx.arg(1));
  if (AsSet(e)->size() == 0) ctx.db.Delete(ctx.arg(1));
  ctx.MarkDirty();
  ctx.PropagateAs({"SREM", std::string(ctx.arg(1)), member});
}

void SRandMemberWithCount(CommandContext& ctx) {
  int64_t count_arg = 0;
  if (!ParseIntArg(ctx, 2, &count_arg)) return;
  if (count_arg == INT64_MIN) return ctx.reply.Error(err::kCountRange);
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr || count_arg == 0) return ctx.reply.Array(0);
  const SetValue* set = AsSet(e);
  const size_t size = set->size();
  if (count_arg < 0 || count_arg == 1) {
    const auto count = static_cast<size_t>(count_arg < 0 ? -count_arg : count_arg);
    ctx.reply.Array(count);
    for (size_t i = 0; i < count; ++i) ctx.reply.Bulk(set->Random().text());
    return;
  }
  const auto count = static_cast<size_t>(count_arg);
  if (count >= size) {
    ctx.reply.Array(size);
    set->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
    return;
  }
  std::vector<std::string> picked;
  if (count * 3 > size || set->is_intset()) {
    picked = set->Members();
    while (picked.size() > count) {
      const size_t i = store::RandomU64() % picked.size();
      picked[i] = std::move(picked.back());
      picked.pop_back();
    }
  } else {
    std::unordered_set<std::string> seen;
    while (picked.size() < count) {
      std::string m(set->Random().text());
      if (seen.insert(m).second) picked.push_back(std::move(m));
    }
  }
  ctx.reply.Array(picked.size());
  for (const std::string& m : picked) ctx.reply.Bulk(m);
}

// SRANDMEMBER key [count]
void SRandMember(CommandContext& ctx) {
  if (ctx.argc() == 3) return SRandMemberWithCount(ctx);
  if (ctx.argc() > 3) return ctx.reply.Error(err::kSyntax);
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(AsSet(e)->Random().text());
}

// SMOVE source destination member
void SMove(CommandContext& ctx) {
  store::KeyEntry* src = nullptr;
  store::KeyEntry* dst = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), store::ValueType::kSet, &src) == Lookup::kWrongType) return;
  if (src == nullptr) return ctx.reply.Integer(0);
  if (LookupWrite(ctx, ctx.arg(2), store::ValueType::kSet, &dst) == Lookup::kWrongType) return;
  const std::string_view member = ctx.arg(3);
  if (src == dst) return ctx.reply.Integer(AsSet(src)->Contains(member) ? 1 : 0);
  if (!SetValue::Remove(src->value, member)) return ctx.reply.Integer(0);
  if (AsSet(src)->size() == 0) ctx.db.Delete(ctx.arg(1));
  if (dst == nullptr) dst = ctx.db.Add(ctx.arg(2), SetValue::New());
  ctx.db.SignalModified(ctx.arg(1));
  ctx.MarkDirty();
  if (SetValue::Add(dst->value, member, SetLimitsOf(ctx))) {
    ctx.MarkDirty();
    ctx.db.SignalModified(ctx.arg(2));
  }
  ctx.reply.Integer(1);
}

// SMEMBERS key
void SMembers(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ctx.reply.Set(0);
  ctx.reply.Set(AsSet(e)->size());
  AsSet(e)->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}

// Looks up every key in args[first, last) as a set (missing: nullptr).
// Returns false after replying WRONGTYPE.
bool LookupSets(CommandContext& ctx, size_t first, size_t last,
                std::vector<const SetValue*>* sets) {
  for (size_t i = first; i < last; ++i) {
    store::KeyEntry* e = nullptr;
    if (LookupRead(ctx, ctx.arg(i), store::ValueType::kSet, &e) == Lookup::kWrongType) {
      return false;
    }
    sets->push_back(e == nullptr ? nullptr : AsSet(e));
  }
  return true;
}

// Calls emit(member) for each member of the intersection, stopping when it
// returns false.
template <typename Emit>
void Intersect(std::vector<const SetValue*> sets, Emit&& emit) {
  for (const SetValue* s : sets) {
    if (s == nullptr) return;
  }
  std::sort(sets.begin(), sets.end(),
            [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
  bool more = true;
  sets[0]->ForEach([&](std::string_view m) {
    if (!more) return;
    for (size_t j = 1; j < sets.size(); ++j) {
      if (!sets[j]->Contains(m)) return;
    }
    more = emit(m);
  });
}

// Stores `value` (a set, possibly empty) at `key` for the *STORE commands.
// Returns whether the dataset changed.
bool StoreResult(CommandContext& ctx, std::string_view key, store::Value value) {
  const int64_t size = static_cast<int64_t>(value.As<SetValue>()->size());
  ctx.reply.Integer(size);
  if (size == 0) return ctx.db.Delete(key);
  ctx.db.Set(key, std::move(value));
  return true;
}

// SINTER key [key ...]
void SInter(CommandContext& ctx) {
  std::vector<const SetValue*> sets;
  if (!LookupSets(ctx, 1, ctx.argc(), &sets)) return;
  std::vector<std::string> out;
  Intersect(sets, [&](std::string_view m) {
    out.emplace_back(m);
    return true;
  });
  ctx.reply.Set(out.size());
  for (const std::string& m : out) ctx.reply.Bulk(m);
}

// SINTERSTORE destination key [key ...]
void SInterStore(CommandContext& ctx) {
  std::vector<const SetValue*> sets;
  if (!LookupSets(ctx, 2, ctx.argc(), &sets)) return;
  store::Value result = SetValue::New();
  const store::SetLimits limits = SetLimitsOf(ctx);
  Intersect(sets, [&](std::string_view m) {
    SetValue::Add(result, m, limits);
    return true;
  });
  if (StoreResult(ctx, ctx.arg(1), std::move(result))) ctx.MarkDirty();
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCard(CommandContext& ctx) {
  int64_t numkeys = 0;
  if (!store::ParseInt64(ctx.arg(1), &numkeys) || numkeys < 1) return ctx.reply.Error(kNumKeys);
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 2) return ctx.reply.Error(kTooManyKeys);
  const size_t keys_end = 2 + static_cast<size_t>(numkeys);
  int64_t limit = 0;
  for (size_t i = keys_end; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "limit") && i + 1 < ctx.argc()) {
      ++i;
      if (!store::ParseInt64(ctx.arg(i), &limit) || limit < 0) {
        return ctx.reply.Error(kLimitNegative);
      }
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  std::vector<const SetValue*> sets;
  if (!LookupSets(ctx, 2, keys_end, &sets)) return;
  int64_t n = 0;
  Intersect(sets, [&](std::string_view) { return ++n != limit; });
  ctx.reply.Integer(n);
}

// SINTERCARD's keys: numkeys of them after the numkeys argument.
std::vector<int> SInterCardKeys(std::span<const std::string_view> args) {
  std::vector<int> out;
  int64_t numkeys = 0;
  if (args.size() < 2 || !store::ParseInt64(args[1], &numkeys) || numkeys < 1) return out;
  for (int64_t i = 0; i < numkeys && static_cast<size_t>(i) + 2 < args.size(); ++i) {
    out.push_back(static_cast<int>(i) + 2);
  }
  return out;
}

// The union (or difference) of the sets, as a set value.
store::Value UnionOrDiff(CommandContext& ctx, const std::vector<const SetValue*>& sets, bool diff) {
  store::Value result = SetValue::New();
  const store::SetLimits limits = SetLimitsOf(ctx);
  if (!diff) {
    for (const SetValue* s : sets) {
      if (s == nullptr) continue;
      s->ForEach([&](std::string_view m) { SetValue::Add(result, m, limits); });
    }
    return result;
  }
  if (sets[0] == nullptr) return result;
  sets[0]->ForEach([&](std::string_view m) {
    for (size_t j = 1; j < sets.size(); ++j) {
      if (sets[j] != nullptr && (sets[j] == sets[0] || sets[j]->Contains(m))) return;
    }
    SetValue::Add(result, m, limits);
  });
  return result;
}

void UnionDiffCommand(CommandContext& ctx, bool diff, bool store_result) {
  const size_t first = store_result ? 2 : 1;
  std::vector<const SetValue*> sets;
  if (!LookupSets(ctx, first, ctx.argc(), &sets)) return;
  store::Value result = UnionOrDiff(ctx, sets, diff);
  if (store_result) {
    StoreResult(ctx, ctx.arg(1), std::move(result));
    ctx.MarkDirty();
    return;
  }
  const SetValue* set = result.As<SetValue>();
  ctx.reply.Set(set->size());
  set->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}

// SUNION key [key ...]
void SUnion(CommandContext& ctx) { UnionDiffCommand(ctx, false, false); }

// SUNIONSTORE destination key [key ...]
void SUnionStore(CommandContext& ctx) { UnionDiffCommand(ctx, false, true); }

// SDIFF key [key ...]
void SDiff(CommandContext& ctx) { UnionDiffCommand(ctx, true, false); }

// SDIFFSTORE destination key [key ...]
void SDiffStore(CommandContext& ctx) { UnionDiffCommand(ctx, true, true); }

// SSCAN key cursor [MATCH pattern] [COUNT count]
void SScan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseScanCursor(ctx, 2, &cursor)) return;
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ReplyEmptyScan(ctx);
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 3, &opts)) return;
  const SetValue* set = AsSet(e);
  std::vector<std::string> items;
  cursor = RunScan(cursor, opts, 1, &items, [&](uint64_t c, std::vector<std::string>* out) {
    return set->Scan(c, [&](std::string_view m) { out->emplace_back(m); });
  });
  ReplyScan(ctx, cursor, items);
}

}  // namespace

void RegisterSetCommands(server::Server& server) {
  using server::kCmdDenyOom;
  using server::kCmdFast;
  using server::kCmdMovableKeys;
  using server::kCmdReadonly;
  using server::kCmdWrite;
  auto& t = server.commands();
  const uint64_t kReadFast = kCmdReadonly | kCmdFast;
  const std::string kSetGroup = "set";
  struct Def {
    const char* name;
    int arity;
    uint64_t flags;
    int first, last;
    server::CommandHandler handler;
    const char* summary;
    const char* since;
    const char* complexity;
    std::vector<std::string> tips;
    std::vector<std::string> key_flags;
  };
  const char* kStoreComplexity = "O(N) where N is the total number of elements in all given sets.";
  const char* kInterComplexity =
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
      "sets.";
  const std::vector<Def> defs = {
      {"sadd",
       -3,
       kCmdWrite | kCmdDenyOom | kCmdFast,
       1,
       1,
       SAdd,
       "Add one or more members to a set",
       "1.0.0",
       "O(1) for each element added, so O(N) to add N elements when the command is called with "
       "multiple arguments.",
       {},
       {"RW", "insert"}},
      {"srem",
       -3,
       kCmdWrite | kCmdFast,
       1,
       1,
       SRem,
       "Remove one or more members from a set",
       "1.0.0",
       "O(N) where N is the number of members to be removed.",
       {},
       {"RW", "delete"}},
      {"sismember",
       3,
       kReadFast,
       1,
       1,
       SIsMember,
       "Determine if a given value is a member of a set",
       "1.0.0",
       "O(1)",
       {},
       {"RO"}},
      {"smismember",
       -3,
       kReadFast,
       1,
       1,
       SMIsMember,
       "Returns the membership associated with the given elements for a set",
       "6.2.0",
       "O(N) where N is the number of elements being checked for membership",
       {},
       {"RO", "access"}},
      {"smembers",
       2,
       kCmdReadonly,
       1,
       1,
       SMembers,
       "Get all the members in a set",
       "1.0.0",
       "O(N) where N is the set cardinality.",
       {"nondeterministic_output_order"},
       {"RO", "access"}},
      {"scard",
       2,
       kReadFast,
       1,
       1,
       SCard,
       "Get the number of members in a set",
       "1.0.0",
       "O(1)",
       {},
       {"RO"}},
      {"spop",
       -2,
       kCmdWrite | kCmdFast,
       1,
       1,
       SPop,
       "Remove and return one or multiple random members from a set",
       "1.0.0",
       "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
       {"nondeterministic_output"},
       {"RW", "access", "delete"}},
      {"srandmember",
       -2,
       kCmdReadonly,
       1,
       1,
       SRandMember,
       "Get one or multiple random members from a set",
       "1.0.0",
       "Without the count argument O(1), otherwise O(N) where N is the absolute value of the "
       "passed count.",
       {"nondeterministic_output"},
       {"RO", "access"}},
      {"smove",
       4,
       kCmdWrite | kCmdFast,
       1,
       2,
       SMove,
       "Move a member from one set to another",
       "1.0.0",
       "O(1)",
       {},
       {}},
      {"sinter",
       -2,
       kCmdReadonly,
       1,
       -1,
       SInter,
       "Intersect multiple sets",
       "1.0.0",
       kInterComplexity,
       {"nondeterministic_output_order"},
       {"RO", "access"}},
      {"sintercard",
       -3,
       kCmdReadonly | kCmdMovableKeys,
       0,
       0,
       SInterCard,
       "Intersect multiple sets and return the cardinality of the result",
       "7.0.0",
       kInterComplexity,
       {},
       {"RO", "access"}},
      {"sinterstore",
       -3,
       kCmdWrite | kCmdDenyOom,
       1,
       -1,
       SInterStore,
       "Intersect multiple sets and store the resulting set in a key",
       "1.0.0",
       kInterComplexity,
       {},
       {}},
      {"sunion",
       -2,
       kCmdReadonly,
       1,
       -1,
       SUnion,
       "Add multiple sets",
       "1.0.0",
       kStoreComplexity,
       {"nondeterministic_output_order"},
       {"RO", "access"}},
      {"sunionstore",
       -3,
       kCmdWrite | kCmdDenyOom,
       1,
       -1,
       SUnionStore,
       "Add multiple sets and store the resulting set in a key",
       "1.0.0",
       kStoreComplexity,
       {},
       {}},
      {"sdiff",
       -2,
       kCmdReadonly,
       1,
       -1,
       SDiff,
       "Subtract multiple sets",
       "1.0.0",
       kStoreComplexity,
       {"nondeterministic_output_order"},
       {"RO", "access"}},
      {"sdiffstore",
       -3,
       kCmdWrite | kCmdDenyOom,
       1,
       -1,
       SDiffStore,
       "Subtract multiple sets and store the resulting set in a key",
       "1.0.0",
       kStoreComplexity,
       {},
       {}},
      {"sscan",
       -3,
       kCmdReadonly,
       1,
       1,
       SScan,
       "Incrementally iterate Set elements",
       "2.8.0",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection..",
       {"nondeterministic_output"},
       {"RO", "access"}},
  };
  for (const Def& d : defs) {
    server::CommandSpec spec{.name = d.name,
                             .arity = d.arity,
                             .flags = d.flags,
                             .first_key = d.first,
                             .last_key = d.last,
                             .key_step = d.first > 0 ? 1 : 0,
                             .handler = d.handler,
                             .group = kSetGroup,
                             .summary = d.summary,
                             .since = d.since,
                             .complexity = d.complexity,
                             .tips = d.tips,
                             .key_spec_flags = d.key_flags};
    if (spec.name == "sintercard") spec.key_finder = SInterCardKeys;
    t.Add(std::move(spec));
  }
}

}  // namespace baton::commands
