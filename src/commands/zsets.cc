// Sorted set commands: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK
// ZRANDMEMBER ZSCAN, the shared helpers, and the family's registration (the
// ranges, pops and set algebra live in zset_ranges.cc, zset_pops.cc and
// zset_algebra.cc).
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "baton/commands/registry.h"
#include "baton/server/blocking.h"
#include "baton/server/server.h"
#include "scan_args.h"
#include "zset_helpers.h"

namespace baton::commands {

using store::ValueType;
using store::ZSetValue;
namespace err = server::err;

// --- shared helpers (zset_helpers.h) -----------------------------------------

store::ZSetLimits ZSetLimitsOf(const CommandContext& ctx) {
  const auto& s = ctx.server.settings();
  return {.max_listpack_entries = static_cast<size_t>(s.zset_max_listpack_entries),
          .max_listpack_value = static_cast<size_t>(s.zset_max_listpack_value)};
}

store::Value ZSetFromElements(const CommandContext& ctx,
                              const std::vector<std::pair<std::string, double>>& elements,
                              ZSetBuild build) {
  const store::ZSetLimits limits = ZSetLimitsOf(ctx);
  bool fits = elements.size() <= limits.max_listpack_entries;
  for (size_t i = 0; fits && build == ZSetBuild::kWholeResult && i < elements.size(); ++i) {
    fits = elements[i].first.size() <= limits.max_listpack_value;
  }
  store::Value value = ZSetValue::New();
  if (!fits) ZSetValue::ConvertToSkiplist(value);
  for (const auto& [m, s] : elements) ZSetValue::Set(value, m, s, limits);
  return value;
}

namespace {

// One end of a score interval.
bool ParseScoreBound(std::string_view s, double* v, bool* ex) {
  *ex = false;
  if (!s.empty() && s[0] == '(') {
    *ex = true;
    s.remove_prefix(1);
  }
  return store::ParseDouble(s, v);
}

// One end of a lex interval.
bool ParseLexBound(std::string_view s, std::string* v, bool* ex, bool* neg_inf, bool* pos_inf) {
  *ex = *neg_inf = *pos_inf = false;
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
      if (s.size() != 1) return false;
      *pos_inf = true;
      return true;
    case '-':
      if (s.size() != 1) return false;
      *neg_inf = true;
      return true;
    case '(':
    case '[':
      *ex = s[0] == '(';
      v->assign(s.substr(1));
      return true;
    default:
      return false;
  }
}

}  // namespace

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out) {
  return ParseScoreBound(min, &out->min, &out->min_ex) &&
         ParseScoreBound(max, &out->max, &out->max_ex);
}

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out) {
  return ParseLexBound(min, &out->min, &out->min_ex, &out->min_neg_inf, &out->min_pos_inf) &&
         ParseLexBound(max, &out->max, &out->max_ex, &out->max_neg_inf, &out->max_pos_inf);
}

void RanksOfScoreRange(const ZSetValue& z, const ScoreRange& r, size_t* start, size_t* end) {
  *start =
      z.CountBefore([&](std::string_view, double s) { return r.min_ex ? s <= r.min : s < r.min; });
  *end =
      z.CountBefore([&](std::string_view, double s) { return r.max_ex ? s < r.max : s <= r.max; });
  if (*end < *start) *end = *start;
}

void RanksOfLexRange(const ZSetValue& z, const LexRange& r, size_t* start, size_t* end) {
  const size_t n = z.size();
  if (r.min_neg_inf) {
    *start = 0;
  } else if (r.min_pos_inf) {
    *start = n;
  } else {
    *start = z.CountBefore(
        [&](std::string_view m, double) { return r.min_ex ? m <= r.min : m < r.min; });
  }
  if (r.max_pos_inf) {
    *end = n;
  } else if (r.max_neg_inf) {
    *end = 0;
  } else {
    *end = z.CountBefore(
        [&](std::string_view m, double) { return r.max_ex ? m < r.max : m <= r.max; });
  }
  if (*end < *start) *end = *start;
}

void AfterZSetRemove(CommandContext& ctx, std::string_view key, const store::KeyEntry* e) {
  const bool empty = AsZSet(e)->size() == 0;
  ctx.db.SignalModified(key);
  if (empty) ctx.db.Delete(key);
}

void ReplyScored(CommandContext& ctx, std::string_view member, double score, bool with_scores,
                 bool pairs) {
  if (!with_scores) return ctx.reply.Bulk(member);
  if (pairs && ctx.reply.resp3()) ctx.reply.Array(2);
  ctx.reply.Bulk(member);
  ctx.reply.Double(score);
}

namespace {

// ZADD flags.
struct ZAddFlags {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
};

// Applies one score to `member` of the zset in `slot` under the flags.
// Returns false (after replying the error) when INCR produced NaN.
// *out_score is the resulting score, *processed false when nothing applied.
bool ZAddOne(CommandContext& ctx, store::Value& slot, std::string_view member, double score,
             const ZAddFlags& f, const store::ZSetLimits& limits, int64_t* added, int64_t* updated,
             bool* processed, double* out_score) {
  *processed = false;
  double cur = 0;
  if (slot.As<ZSetValue>()->Score(member, &cur)) {
    if (f.nx) return true;
    double next = score;
    if (f.incr) {
      next = cur + score;
      if (std::isnan(next)) {
        ctx.reply.Error(zerr::kScoreNaN);
        return false;
      }
    }
    if ((f.lt && next >= cur) || (f.gt && next <= cur)) return true;
    *processed = true;
    *out_score = next;
    if (next != cur) {
      ZSetValue::Set(slot, member, next, limits);
      ++*updated;
    }
    return true;
  }
  if (f.xx) return true;
  ZSetValue::Set(slot, member, score, limits);
  ++*added;
  *processed = true;
  *out_score = score;
  return true;
}

// Shared by ZADD and ZINCRBY: applies (score, member) pairs from args[first].
void ZAddGeneric(CommandContext& ctx, size_t first, const ZAddFlags& f) {
  const size_t pairs = (ctx.argc() - first) / 2;
  std::vector<double> scores(pairs);
  for (size_t i = 0; i < pairs; ++i) {
    // -0 stays -0: a skiplist keeps it (ZSCORE says "-0"), a listpack stores
    // its text "0", as Redis does.
    if (!ParseDoubleArg(ctx, first + 2 * i, &scores[i])) return;
  }
  const std::string_view key = ctx.arg(1);
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, key, ValueType::kZSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) {
    if (f.xx) return f.incr ? ctx.reply.Null() : ctx.reply.Integer(0);
    e = ctx.db.Add(key, ZSetValue::New());
  }
  const store::ZSetLimits limits = ZSetLimitsOf(ctx);
  int64_t added = 0;
  int64_t updated = 0;
  bool processed = false;
  double score = 0;
  bool ok = true;
  for (size_t i = 0; i < pairs && ok; ++i) {
    ok = ZAddOne(ctx, e->value, ctx.arg(first + 2 * i + 1), scores[i], f, limits, &added, &updated,
                 &processed, &score);
  }
  if (added + updated > 0) {
    ctx.db.SignalModified(key);
    server::SignalKeyReady(ctx.server, ctx.db.index(), key);
    ctx.MarkDirty(added + updated);
  }
  if (AsZSet(e)->size() == 0) ctx.db.Delete(key);
  if (!ok) return;
  if (f.incr) return processed ? ctx.reply.Double(score) : ctx.reply.Null();
  ctx.reply.Integer(f.ch ? added + updated : added);
}

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
void ZAdd(CommandContext& ctx) {
  ZAddFlags f;
  size_t i = 2;
  for (; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "nx")) {
      f.nx = true;
    } else if (ArgIs(ctx, i, "xx")) {
      f.xx = true;
    } else if (ArgIs(ctx, i, "gt")) {
      f.gt = true;
    } else if (ArgIs(ctx, i, "lt")) {
      f.lt = true;
    } else if (ArgIs(ctx, i, "ch")) {
      f.ch = true;
    } else if (ArgIs(ctx, i, "incr")) {
      f.incr = true;
    } else {
      break;
    }
  }
  const size_t elements = ctx.argc() - i;
  if (elements == 0 || elements % 2 != 0) return ctx.reply.Error(err::kSyntax);
  if (f.nx && f.xx) return ctx.reply.Error(zerr::kXxAndNx);
  if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt)) return ctx.reply.Error(zerr::kGtLtNx);
  if (f.incr && elements > 2) return ctx.reply.Error(zerr::kIncrSinglePair);
  ZAddGeneric(ctx, i, f);
}

// ZINCRBY key increment member
void ZIncrBy(CommandContext& ctx) {
  ZAddFlags f;
  f.incr = true;
  ZAddGeneric(ctx, 2, f);
}

// ZREM key member [member ...]
void ZRem(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ctx.reply.Integer(0);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (ZSetValue::Remove(e->value, ctx.arg(i))) {
      ++removed;
      if (AsZSet(e)->size() == 0) break;
    }
  }
  if (removed > 0) {
    AfterZSetRemove(ctx, ctx.arg(1), e);
    ctx.MarkDirty(removed);
  }
  ctx.reply.Integer(removed);
}

// ZCARD key
void ZCard(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(AsZSet(e)->size()));
}

// ZSCORE key member
void ZScore(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  double score = 0;
  if (e == nullptr || !AsZSet(e)->Score(ctx.arg(2), &score)) return ctx.reply.Null();
  ctx.reply.Double(score);
}

// ZMSCORE key member [member ...]
void ZMScore(CommandContext& ctx) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  ctx.reply.Array(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    double score = 0;
    if (e != nullptr && AsZSet(e)->Score(ctx.arg(i), &score)) {
      ctx.reply.Double(score);
    } else {
      ctx.reply.Null();
    }
  }
}

void RankGeneric(CommandContext& ctx, bool reverse) {
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  size_t rank = 0;
  if (e == nullptr || !AsZSet(e)->Rank(ctx.arg(2), &rank)) return ctx.reply.Null();
  const size_t n = AsZSet(e)->size();
  ctx.reply.Integer(static_cast<int64_t>(reverse ? n - 1 - rank : rank));
}

// ZRANK key member
void ZRank(CommandContext& ctx) { RankGeneric(ctx, false); }
// ZREVRANK key member
void ZRevRank(CommandContext& ctx) { RankGeneric(ctx, true); }

// The element at `rank`.
void ElementAt(const ZSetValue& z, size_t rank, std::string* member, double* score) {
  z.Walk(rank, rank + 1, false, [&](std::string_view m, double s) {
    member->assign(m);
    *score = s;
    return false;
  });
}

void ZRandMemberWithCount(CommandContext& ctx) {
  constexpr std::string_view kCountRange =
      "ERR value is out of range, value must between -9223372036854775807 and "
      "9223372036854775807";
  int64_t count_arg = 0;
  if (!ParseIntArg(ctx, 2, &count_arg)) return;
  if (count_arg == INT64_MIN) return ctx.reply.Error(kCountRange);
  bool with_scores = false;
  if (ctx.argc() == 4 && ArgIs(ctx, 3, "withscores")) {
    with_scores = true;
  } else if (ctx.argc() >= 4) {
    return ctx.reply.Error(err::kSyntax);
  }
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr || count_arg == 0) return ctx.reply.Array(0);
  const ZSetValue* z = AsZSet(e);
  const size_t size = z->size();
  const bool flat = with_scores && !ctx.reply.resp3();
  std::string member;
  double score = 0;
  if (count_arg < 0) {
    const auto count = static_cast<size_t>(-count_arg);
    ctx.reply.Array(flat ? count * 2 : count);
    for (size_t i = 0; i < count; ++i) {
      ElementAt(*z, store::RandomU64() % size, &member, &score);
      ReplyScored(ctx, member, score, with_scores, true);
    }
    return;
  }
  const auto count = static_cast<size_t>(count_arg);
  std::vector<size_t> ranks;
  if (count >= size) {
    for (size_t r = 0; r < size; ++r) ranks.push_back(r);
  } else if (count * 3 > size) {
    for (size_t r = 0; r < size; ++r) ranks.push_back(r);
    while (ranks.size() > count) {
      const size_t i = store::RandomU64() % ranks.size();
      ranks[i] = ranks.back();
      ranks.pop_back();
    }
  } else {
    std::unordered_set<size_t> seen;
    while (ranks.size() < count) {
      const size_t r = store::RandomU64() % size;
      if (seen.insert(r).second) ranks.push_back(r);
    }
  }
  ctx.reply.Array(flat ? ranks.size() * 2 : ranks.size());
  for (size_t r : ranks) {
    ElementAt(*z, r, &member, &score);
    ReplyScored(ctx, member, score, with_scores, true);
  }
}

// ZRANDMEMBER key [count [WITHSCORES]]
void ZRandMember(CommandContext& ctx) {
  if (ctx.argc() >= 3) return ZRandMemberWithCount(ctx);
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ctx.reply.Null();
  std::string member;
  double score = 0;
  ElementAt(*AsZSet(e), store::RandomU64() % AsZSet(e)->size(), &member, &score);
  ctx.reply.Bulk(member);
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
void ZScan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseScanCursor(ctx, 2, &cursor)) return;
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 3, &opts)) return;
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ReplyEmptyScan(ctx);
  const ZSetValue* z = AsZSet(e);
  std::vector<std::string> items;
  cursor = RunScan(cursor, opts, 2, &items, [&](uint64_t c, std::vector<std::string>* out) {
    return z->Scan(c, [&](std::string_view m, std::string_view score) {
      out->emplace_back(m);
      out->emplace_back(score);
    });
  });
  ReplyScan(ctx, cursor, items);
}

struct Def {
  const char* name;
  int arity;
  uint64_t flags;
  server::CommandHandler handler;
  const char* summary;
  const char* since;
  const char* complexity;
  std::vector<std::string> tips;
  std::vector<std::string> key_flags;
};

}  // namespace

void RegisterSortedSetCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  const std::vector<Def> defs = {
      {"zadd",
       -4,
       kCmdWrite | kCmdDenyOom | kCmdFast,
       ZAdd,
       "Add one or more members to a sorted set, or update its score if it already exists",
       "1.2.0",
       "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
       {},
       {"RW", "update"}},
      {"zincrby",
       4,
       kCmdWrite | kCmdDenyOom | kCmdFast,
       ZIncrBy,
       "Increment the score of a member in a sorted set",
       "1.2.0",
       "O(log(N)) where N is the number of elements in the sorted set.",
       {},
       {"RW", "access", "update"}},
      {"zrem",
       -3,
       kCmdWrite | kCmdFast,
       ZRem,
       "Remove one or more members from a sorted set",
       "1.2.0",
       "O(M*log(N)) with N being the number of elements in the sorted set and M the number of "
       "elements to be removed.",
       {},
       {"RW", "delete"}},
      {"zcard",
       2,
       kCmdReadonly | kCmdFast,
       ZCard,
       "Get the number of members in a sorted set",
       "1.2.0",
       "O(1)",
       {},
       {"RO"}},
      {"zscore",
       3,
       kCmdReadonly | kCmdFast,
       ZScore,
       "Get the score associated with the given member in a sorted set",
       "1.2.0",
       "O(1)",
       {},
       {"RO", "access"}},
      {"zmscore",
       -3,
       kCmdReadonly | kCmdFast,
       ZMScore,
       "Get the score associated with the given members in a sorted set",
       "6.2.0",
       "O(N) where N is the number of members being requested.",
       {},
       {"RO", "access"}},
      {"zrank",
       3,
       kCmdReadonly | kCmdFast,
       ZRank,
       "Determine the index of a member in a sorted set",
       "2.0.0",
       "O(log(N))",
       {},
       {"RO", "access"}},
      {"zrevrank",
       3,
       kCmdReadonly | kCmdFast,
       ZRevRank,
       "Determine the index of a member in a sorted set, with scores ordered from high to low",
       "2.0.0",
       "O(log(N))",
       {},
       {"RO", "access"}},
      {"zrandmember",
       -2,
       kCmdReadonly,
       ZRandMember,
       "Get one or multiple random elements from a sorted set",
       "6.2.0",
       "O(N) where N is the number of elements returned",
       {"nondeterministic_output"},
       {"RO", "access"}},
      {"zscan",
       -3,
       kCmdReadonly,
       ZScan,
       "Incrementally iterate sorted sets elements and "
       "associated scores",
       "2.8.0",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection..",
       {"nondeterministic_output"},
       {"RO", "access"}},
  };
  auto& t = server.commands();
  for (const Def& d : defs) {
    t.Add({.name = d.name,
           .arity = d.arity,
           .flags = d.flags,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = d.handler,
           .group = "sorted_set",
           .summary = d.summary,
           .since = d.since,
           .complexity = d.complexity,
           .tips = d.tips,
           .key_spec_flags = d.key_flags});
  }
  RegisterZSetRangeCommands(server);
  RegisterZSetPopCommands(server);
  RegisterZSetAlgebraCommands(server);
}

}  // namespace baton::commands
