// Sorted set range commands: ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES) and
// its older forms ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX
// ZREVRANGEBYLEX, ZRANGESTORE, ZCOUNT ZLEXCOUNT, and ZREMRANGEBYRANK
// ZREMRANGEBYSCORE ZREMRANGEBYLEX. A range is turned into an interval of
// ranks first; every read then walks the ranks.
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

constexpr std::string_view kLimitOnlyWithBy =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
constexpr std::string_view kWithScoresNotByLex =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

using Elements = std::vector<std::pair<std::string, double>>;

// Clamps Redis-style [start, end] indexes (negative from the tail) to the
// ascending ranks [*from, *to) of a set of `n` elements, as seen in `reverse`
// order when asked.
void RankInterval(int64_t start, int64_t end, size_t n, bool reverse, size_t* from, size_t* to) {
  const auto len = static_cast<int64_t>(n);
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  *from = *to = 0;
  if (start > end || start >= len) return;
  if (end >= len) end = len - 1;
  if (reverse) {
    *from = static_cast<size_t>(len - 1 - end);
    *to = static_cast<size_t>(len - start);
  } else {
    *from = static_cast<size_t>(start);
    *to = static_cast<size_t>(end + 1);
  }
}

// The elements of ranks [from, to), walked in `reverse` when asked, after
// skipping `offset` and keeping at most `limit` (negative: all).
Elements Collect(const ZSetValue& z, size_t from, size_t to, bool reverse, int64_t offset,
                 int64_t limit) {
  Elements out;
  if (offset < 0 || from >= to) return out;
  const size_t avail = to - from;
  if (static_cast<uint64_t>(offset) >= avail) return out;
  size_t n = avail - static_cast<size_t>(offset);
  if (limit >= 0 && static_cast<uint64_t>(limit) < n) n = static_cast<size_t>(limit);
  if (n == 0) return out;
  size_t a = 0;
  size_t b = 0;
  if (reverse) {
    b = to - static_cast<size_t>(offset);
    a = b - n;
  } else {
    a = from + static_cast<size_t>(offset);
    b = a + n;
  }
  out.reserve(n);
  z.Walk(a, b, reverse, [&](std::string_view m, double s) {
    out.emplace_back(std::string(m), s);
    return true;
  });
  return out;
}

// Parsed arguments of the ZRANGE family.
struct RangeArgs {
  RangeType type = RangeType::kAuto;
  Direction dir = Direction::kAuto;
  bool with_scores = false;
  int64_t offset = 0;
  int64_t limit = -1;
  bool has_limit = false;
  int64_t start = 0;
  int64_t end = 0;
  ScoreRange score;
  LexRange lex;
};

// Parses `key min max [options]` starting at args[first] (the key). Replies
// and returns false on error.
bool ParseRangeArgs(CommandContext& ctx, size_t first, bool store, RangeArgs* a) {
  for (size_t j = first + 3; j < ctx.argc(); ++j) {
    const size_t left = ctx.argc() - j - 1;
    if (!store && ArgIs(ctx, j, "withscores")) {
      a->with_scores = true;
    } else if (ArgIs(ctx, j, "limit") && left >= 2) {
      if (!ParseIntArg(ctx, j + 1, &a->offset) || !ParseIntArg(ctx, j + 2, &a->limit)) {
        return false;
      }
      a->has_limit = true;
      j += 2;
    } else if (a->dir == Direction::kAuto && ArgIs(ctx, j, "rev")) {
      a->dir = Direction::kReverse;
    } else if (a->type == RangeType::kAuto && ArgIs(ctx, j, "bylex")) {
      a->type = RangeType::kLex;
    } else if (a->type == RangeType::kAuto && ArgIs(ctx, j, "byscore")) {
      a->type = RangeType::kScore;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (a->dir == Direction::kAuto) a->dir = Direction::kForward;
  if (a->type == RangeType::kAuto) a->type = RangeType::kRank;
  if (a->has_limit && a->type == RangeType::kRank) {
    ctx.reply.Error(kLimitOnlyWithBy);
    return false;
  }
  if (a->with_scores && a->type == RangeType::kLex) {
    ctx.reply.Error(kWithScoresNotByLex);
    return false;
  }
  size_t min_i = first + 1;
  size_t max_i = first + 2;
  if (a->dir == Direction::kReverse && a->type != RangeType::kRank) std::swap(min_i, max_i);
  switch (a->type) {
    case RangeType::kScore:
      if (!ParseScoreRange(ctx.arg(min_i), ctx.arg(max_i), &a->score)) {
        ctx.reply.Error(zerr::kMinMaxNotFloat);
        return false;
      }
      break;
    case RangeType::kLex:
      if (!ParseLexRange(ctx.arg(min_i), ctx.arg(max_i), &a->lex)) {
        ctx.reply.Error(zerr::kMinMaxNotLex);
        return false;
      }
      break;
    default:
      if (!ParseIntArg(ctx, min_i, &a->start) || !ParseIntArg(ctx, max_i, &a->end)) return false;
      break;
  }
  return true;
}

Elements RangeOf(const ZSetValue& z, const RangeArgs& a) {
  const bool reverse = a.dir == Direction::kReverse;
  size_t from = 0;
  size_t to = 0;
  switch (a.type) {
    case RangeType::kScore:
      RanksOfScoreRange(z, a.score, &from, &to);
      break;
    case RangeType::kLex:
      RanksOfLexRange(z, a.lex, &from, &to);
      break;
    default:
      RankInterval(a.start, a.end, z.size(), reverse, &from, &to);
      return Collect(z, from, to, reverse, 0, -1);
  }
  return Collect(z, from, to, reverse, a.offset, a.limit);
}

// Replaces `dst` with the elements (deleting it when there are none) and
// replies their count.
void StoreElements(CommandContext& ctx, std::string_view dst, const Elements& elements) {
  if (elements.empty()) {
    if (ctx.db.Delete(dst)) ctx.MarkDirty();
    return ctx.reply.Integer(0);
  }
  ctx.db.Set(dst, ZSetFromElements(ctx, elements, ZSetBuild::kInOrder));
  server::SignalKeyReady(ctx.server, ctx.db.index(), dst);
  ctx.MarkDirty();
  ctx.reply.Integer(static_cast<int64_t>(elements.size()));
}

// The ZRANGE family; `first` is the source key's index, `dst` set for
// ZRANGESTORE.
void RangeGeneric(CommandContext& ctx, size_t first, RangeType type, Direction dir, bool store) {
  RangeArgs a;
  a.type = type;
  a.dir = dir;
  if (!ParseRangeArgs(ctx, first, store, &a)) return;
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(first), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  Elements elements;
  if (e != nullptr) elements = RangeOf(*AsZSet(e), a);
  if (store) return StoreElements(ctx, ctx.arg(1), elements);
  const bool flat = a.with_scores && !ctx.reply.resp3();
  ctx.reply.Array(flat ? elements.size() * 2 : elements.size());
  for (const auto& [m, s] : elements) ReplyScored(ctx, m, s, a.with_scores, true);
}

// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
void ZRange(CommandContext& ctx) {
  RangeGeneric(ctx, 1, RangeType::kAuto, Direction::kAuto, false);
}
// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
void ZRangeStore(CommandContext& ctx) {
  RangeGeneric(ctx, 2, RangeType::kAuto, Direction::kAuto, true);
}
// ZREVRANGE key start stop [WITHSCORES]
void ZRevRange(CommandContext& ctx) {
  RangeGeneric(ctx, 1, RangeType::kRank, Direction::kReverse, false);
}
// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
void ZRangeByScore(CommandContext& ctx) {
  RangeGeneric(ctx, 1, RangeType::kScore, Direction::kForward, false);
}
// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
void ZRevRangeByScore(CommandContext& ctx) {
  RangeGeneric(ctx, 1, RangeType::kScore, Direction::kReverse, false);
}
// ZRANGEBYLEX key min max [LIMIT offset count]
void ZRangeByLex(CommandContext& ctx) {
  RangeGeneric(ctx, 1, RangeType::kLex, Direction::kForward, false);
}
// ZREVRANGEBYLEX key max min [LIMIT offset count]
void ZRevRangeByLex(CommandContext& ctx) {
  RangeGeneric(ctx, 1, RangeType::kLex, Direction::kReverse, false);
}

// ZCOUNT key min max
void ZCount(CommandContext& ctx) {
  ScoreRange r;
  if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &r)) return ctx.reply.Error(zerr::kMinMaxNotFloat);
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  size_t from = 0;
  size_t to = 0;
  if (e != nullptr) RanksOfScoreRange(*AsZSet(e), r, &from, &to);
  ctx.reply.Integer(static_cast<int64_t>(to - from));
}

// ZLEXCOUNT key min max
void ZLexCount(CommandContext& ctx) {
  LexRange r;
  if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &r)) return ctx.reply.Error(zerr::kMinMaxNotLex);
  store::KeyEntry* e = nullptr;
  if (LookupRead(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  size_t from = 0;
  size_t to = 0;
  if (e != nullptr) RanksOfLexRange(*AsZSet(e), r, &from, &to);
  ctx.reply.Integer(static_cast<int64_t>(to - from));
}

// Removes ranks [from, to) of `key` and replies how many went.
void RemoveRanks(CommandContext& ctx, store::KeyEntry* e, size_t from, size_t to) {
  if (from >= to) return ctx.reply.Integer(0);
  std::vector<std::string> members;
  members.reserve(to - from);
  AsZSet(e)->Walk(from, to, false, [&](std::string_view m, double) {
    members.emplace_back(m);
    return true;
  });
  for (const std::string& m : members) ZSetValue::Remove(e->value, m);
  AfterZSetRemove(ctx, ctx.arg(1), e);
  ctx.MarkDirty(static_cast<int64_t>(members.size()));
  ctx.reply.Integer(static_cast<int64_t>(members.size()));
}

// ZREMRANGEBYRANK key start stop
void ZRemRangeByRank(CommandContext& ctx) {
  int64_t start = 0;
  int64_t end = 0;
  if (!ParseIntArg(ctx, 2, &start) || !ParseIntArg(ctx, 3, &end)) return;
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ctx.reply.Integer(0);
  size_t from = 0;
  size_t to = 0;
  RankInterval(start, end, AsZSet(e)->size(), false, &from, &to);
  RemoveRanks(ctx, e, from, to);
}

// ZREMRANGEBYSCORE key min max
void ZRemRangeByScore(CommandContext& ctx) {
  ScoreRange r;
  if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &r)) return ctx.reply.Error(zerr::kMinMaxNotFloat);
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ctx.reply.Integer(0);
  size_t from = 0;
  size_t to = 0;
  RanksOfScoreRange(*AsZSet(e), r, &from, &to);
  RemoveRanks(ctx, e, from, to);
}

// ZREMRANGEBYLEX key min max
void ZRemRangeByLex(CommandContext& ctx) {
  LexRange r;
  if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &r)) return ctx.reply.Error(zerr::kMinMaxNotLex);
  store::KeyEntry* e = nullptr;
  if (LookupWrite(ctx, ctx.arg(1), ValueType::kZSet, &e) == Lookup::kWrongType) return;
  if (e == nullptr) return ctx.reply.Integer(0);
  size_t from = 0;
  size_t to = 0;
  RanksOfLexRange(*AsZSet(e), r, &from, &to);
  RemoveRanks(ctx, e, from, to);
}

struct RangeDef {
  const char* name;
  int arity;
  uint64_t flags;
  server::CommandHandler handler;
  const char* summary;
  const char* since;
  const char* complexity;
  std::vector<std::string> key_flags;
};

constexpr const char* kRangeComplexity =
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
    "elements returned.";
constexpr const char* kRemComplexity =
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
    "elements removed by the operation.";

}  // namespace

void RegisterZSetRangeCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  const std::vector<std::string> kRo = {"RO", "access"};
  const std::vector<std::string> kDel = {"RW", "delete"};
  const std::vector<RangeDef> defs = {
      {"zrange", -4, kCmdReadonly, ZRange, "Return a range of members in a sorted set", "1.2.0",
       kRangeComplexity, kRo},
      {"zrevrange", -4, kCmdReadonly, ZRevRange,
       "Return a range of members in a sorted set, by index, with scores ordered from high to low",
       "1.2.0", kRangeComplexity, kRo},
      {"zrangebyscore", -4, kCmdReadonly, ZRangeByScore,
       "Return a range of members in a sorted set, by score", "1.0.5", kRangeComplexity, kRo},
      {"zrevrangebyscore", -4, kCmdReadonly, ZRevRangeByScore,
       "Return a range of members in a sorted set, by score, with scores ordered from high to low",
       "2.2.0", kRangeComplexity, kRo},
      {"zrangebylex", -4, kCmdReadonly, ZRangeByLex,
       "Return a range of members in a sorted set, by lexicographical range", "2.8.9",
       kRangeComplexity, kRo},
      {"zrevrangebylex", -4, kCmdReadonly, ZRevRangeByLex,
       "Return a range of members in a sorted set, by lexicographical range, ordered from higher "
       "to lower strings.",
       "2.8.9", kRangeComplexity, kRo},
      {"zcount", 4, kCmdReadonly | kCmdFast, ZCount,
       "Count the members in a sorted set with scores within the given values", "2.0.0",
       "O(log(N)) with N being the number of elements in the sorted set.", kRo},
      {"zlexcount", 4, kCmdReadonly | kCmdFast, ZLexCount,
       "Count the number of members in a sorted set between a given lexicographical range", "2.8.9",
       "O(log(N)) with N being the number of elements in the sorted set.", kRo},
      {"zremrangebyrank", 4, kCmdWrite, ZRemRangeByRank,
       "Remove all members in a sorted set within the given indexes", "2.0.0", kRemComplexity,
       kDel},
      {"zremrangebyscore", 4, kCmdWrite, ZRemRangeByScore,
       "Remove all members in a sorted set within the given scores", "1.2.0", kRemComplexity, kDel},
      {"zremrangebylex", 4, kCmdWrite, ZRemRangeByLex,
       "Remove all members in a sorted set between the given lexicographical range", "2.8.9",
       kRemComplexity, kDel},
  };
  auto& t = server.commands();
  for (const RangeDef& d : defs) {
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
           .key_spec_flags = d.key_flags});
  }
  t.Add({.name = "zrangestore",
         .arity = -5,
         .flags = kCmdWrite | kCmdDenyOom,
         .first_key = 1,
         .last_key = 2,
         .key_step = 1,
         .handler = ZRangeStore,
         .group = "sorted_set",
         .summary = "Store a range of members from sorted set into another key",
         .since = "6.2.0",
         .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M "
                       "the number of elements stored into the destination key.",
         .key_spec_flags = {"OW", "update"}});
}

}  // namespace baton::commands
