// Sorted set algebra: ZUNION ZUNIONSTORE ZINTER ZINTERSTORE ZINTERCARD ZDIFF
// ZDIFFSTORE. Inputs may be sorted sets or plain sets (members of a set have
// score 1). Results are ordered by (score, member) like any sorted set.
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "baton/commands/registry.h"
#include "baton/server/blocking.h"
#include "baton/server/server.h"
#include "baton/store/set_value.h"
#include "zset_helpers.h"

namespace baton::commands {

using store::ValueType;
using store::ZSetValue;
namespace err = server::err;

namespace {

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input: a sorted set, a set, or nothing (a missing key).
struct Source {
  const ZSetValue* zset = nullptr;
  const store::SetValue* set = nullptr;
  double weight = 1;

  [[nodiscard]] size_t size() const {
    if (zset != nullptr) return zset->size();
    return set != nullptr ? set->size() : 0;
  }
  bool Score(std::string_view member, double* score) const {
    if (zset != nullptr) return zset->Score(member, score);
    if (set != nullptr && set->Contains(member)) {
      *score = 1;
      return true;
    }
    return false;
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (zset != nullptr) {
      zset->ForEach([&](std::string_view m, double s) {
        fn(m, s);
        return true;
      });
    } else if (set != nullptr) {
      set->ForEach([&](std::string_view m) { fn(m, 1.0); });
    }
  }
};

double Weighted(double score, double weight) {
  const double v = score * weight;
  return std::isnan(v) ? 0 : v;
}

void Combine(double* target, double v, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += v;
      if (std::isnan(*target)) *target = 0;
      break;
    case Aggregate::kMin:
      *target = std::min(*target, v);
      break;
    case Aggregate::kMax:
      *target = std::max(*target, v);
      break;
  }
}

using ScoredElements = std::vector<std::pair<std::string, double>>;

// Sorts by (score, member).
void SortElements(ScoredElements* out) {
  std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
}

ScoredElements Compute(std::vector<Source> src, SetOp op, Aggregate agg) {
  ScoredElements out;
  if (op == SetOp::kUnion) {
    // Like Redis, from the smallest input to the largest: with MIN/MAX the
    // first of two equal scores (0 and -0) is the one kept.
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
    std::unordered_map<std::string, double> acc;
    for (const Source& s : src) {
      s.ForEach([&](std::string_view m, double score) {
        const double v = Weighted(score, s.weight);
        auto [it, inserted] = acc.try_emplace(std::string(m), v);
        if (!inserted) Combine(&it->second, v, agg);
      });
    }
    out.assign(acc.begin(), acc.end());
  } else if (op == SetOp::kInter) {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
    if (src[0].size() == 0) return out;
    src[0].ForEach([&](std::string_view m, double score) {
      double v = Weighted(score, src[0].weight);
      for (size_t i = 1; i < src.size(); ++i) {
        double other = 0;
        if (!src[i].Score(m, &other)) return;
        // Redis zeroes a NaN product (inf * 0) only for the first input: here
        // it reaches the aggregate, where SUM makes it 0 and MIN/MAX ignore it.
        Combine(&v, other * src[i].weight, agg);
      }
      out.emplace_back(std::string(m), v);
    });
  } else {
    src[0].ForEach([&](std::string_view m, double score) {
      for (size_t i = 1; i < src.size(); ++i) {
        double other = 0;
        if (src[i].Score(m, &other)) return;
      }
      out.emplace_back(std::string(m), score);
    });
  }
  SortElements(&out);
  return out;
}

// Shared by the whole family. `numkeys_index` is 1, or 2 for the STORE forms
// (destination at 1).
void AlgebraGeneric(CommandContext& ctx, size_t numkeys_index, bool store, SetOp op,
                    bool card_only) {
  int64_t numkeys = 0;
  if (!ParseIntArg(ctx, numkeys_index, &numkeys)) return;
  if (numkeys < 1) {
    std::string msg = "ERR at least 1 input key is needed for '";
    msg.append(ctx.cmd.fullname);
    msg.append("' command");
    return ctx.reply.Error(msg);
  }
  if (numkeys > static_cast<int64_t>(ctx.argc() - numkeys_index - 1)) {
    return ctx.reply.Error(err::kSyntax);
  }
  std::vector<Source> src(static_cast<size_t>(numkeys));
  size_t j = numkeys_index + 1;
  for (Source& s : src) {
    store::KeyEntry* e = ctx.db.Lookup(ctx.arg(j++));
    if (e == nullptr) {
      ++ctx.server.stats().keyspace_misses;
      continue;
    }
    ++ctx.server.stats().keyspace_hits;
    if (e->value.type() == ValueType::kZSet) {
      s.zset = AsZSet(e);
    } else if (e->value.type() == ValueType::kSet) {
      s.set = e->value.As<store::SetValue>();
    } else {
      return ctx.reply.Error(err::kWrongType);
    }
  }
  Aggregate agg = Aggregate::kSum;
  bool with_scores = false;
  int64_t limit = 0;
  while (j < ctx.argc()) {
    const size_t remaining = ctx.argc() - j;
    const bool weighted_op = op != SetOp::kDiff && !card_only;
    if (weighted_op && remaining >= src.size() + 1 && ArgIs(ctx, j, "weights")) {
      ++j;
      for (Source& s : src) {
        if (!store::ParseDouble(ctx.arg(j++), &s.weight)) {
          return ctx.reply.Error(zerr::kWeightNotFloat);
        }
      }
    } else if (weighted_op && remaining >= 2 && ArgIs(ctx, j, "aggregate")) {
      if (ArgIs(ctx, j + 1, "sum")) {
        agg = Aggregate::kSum;
      } else if (ArgIs(ctx, j + 1, "min")) {
        agg = Aggregate::kMin;
      } else if (ArgIs(ctx, j + 1, "max")) {
        agg = Aggregate::kMax;
      } else {
        return ctx.reply.Error(err::kSyntax);
      }
      j += 2;
    } else if (!store && !card_only && ArgIs(ctx, j, "withscores")) {
      with_scores = true;
      ++j;
    } else if (card_only && remaining >= 2 && ArgIs(ctx, j, "limit")) {
      if (!store::ParseInt64(ctx.arg(j + 1), &limit) || limit < 0) {
        return ctx.reply.Error("ERR LIMIT can't be negative");
      }
      j += 2;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  const ScoredElements result = Compute(std::move(src), op, agg);
  if (card_only) {
    const size_t n =
        limit > 0 ? std::min(result.size(), static_cast<size_t>(limit)) : result.size();
    return ctx.reply.Integer(static_cast<int64_t>(n));
  }
  if (store) {
    const std::string_view dst = ctx.arg(1);
    if (result.empty()) {
      if (ctx.db.Delete(dst)) ctx.MarkDirty();
      return ctx.reply.Integer(0);
    }
    ctx.db.Set(dst, ZSetFromElements(ctx, result, ZSetBuild::kWholeResult));
    server::SignalKeyReady(ctx.server, ctx.db.index(), dst);
    ctx.MarkDirty();
    return ctx.reply.Integer(static_cast<int64_t>(result.size()));
  }
  const bool flat = with_scores && !ctx.reply.resp3();
  ctx.reply.Array(flat ? result.size() * 2 : result.size());
  for (const auto& [m, s] : result) ReplyScored(ctx, m, s, with_scores, true);
}

// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
void ZUnion(CommandContext& ctx) { AlgebraGeneric(ctx, 1, false, SetOp::kUnion, false); }
// ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
void ZInter(CommandContext& ctx) { AlgebraGeneric(ctx, 1, false, SetOp::kInter, false); }
// ZDIFF numkeys key [key ...] [WITHSCORES]
void ZDiff(CommandContext& ctx) { AlgebraGeneric(ctx, 1, false, SetOp::kDiff, false); }
// ZINTERCARD numkeys key [key ...] [LIMIT limit]
void ZInterCard(CommandContext& ctx) { AlgebraGeneric(ctx, 1, false, SetOp::kInter, true); }
// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
void ZUnionStore(CommandContext& ctx) { AlgebraGeneric(ctx, 2, true, SetOp::kUnion, false); }
// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
void ZInterStore(CommandContext& ctx) { AlgebraGeneric(ctx, 2, true, SetOp::kInter, false); }
// ZDIFFSTORE destination numkeys key [key ...]
void ZDiffStore(CommandContext& ctx) { AlgebraGeneric(ctx, 2, true, SetOp::kDiff, false); }

// Source keys after a numkeys argument at `numkeys_index`.
std::vector<int> NumkeysKeys(std::span<const std::string_view> args, size_t numkeys_index) {
  std::vector<int> out;
  int64_t numkeys = 0;
  if (args.size() <= numkeys_index || !store::ParseInt64(args[numkeys_index], &numkeys)) return out;
  for (int64_t i = 0; i < numkeys && numkeys_index + 1 + static_cast<size_t>(i) < args.size();
       ++i) {
    out.push_back(static_cast<int>(numkeys_index + 1 + static_cast<size_t>(i)));
  }
  return out;
}
std::vector<int> ReadKeys(std::span<const std::string_view> args) { return NumkeysKeys(args, 1); }
std::vector<int> StoreKeys(std::span<const std::string_view> args) {
  std::vector<int> out = {1};
  for (int k : NumkeysKeys(args, 2)) out.push_back(k);
  return out;
}

struct AlgebraDef {
  const char* name;
  int arity;
  bool store;
  server::CommandHandler handler;
  const char* summary;
  const char* since;
  const char* complexity;
};

}  // namespace

void RegisterZSetAlgebraCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  constexpr const char* kUnionComplexity =
      "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being "
      "the number of elements in the resulting sorted set.";
  constexpr const char* kInterComplexity =
      "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
      "number of input sorted sets and M being the number of elements in the resulting sorted "
      "set.";
  constexpr const char* kDiffComplexity =
      "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N "
      "is the size of the first set, and K is the size of the result set.";
  const std::vector<AlgebraDef> defs = {
      {"zunion", -3, false, ZUnion, "Add multiple sorted sets", "6.2.0", kUnionComplexity},
      {"zinter", -3, false, ZInter, "Intersect multiple sorted sets", "6.2.0", kInterComplexity},
      {"zdiff", -3, false, ZDiff, "Subtract multiple sorted sets", "6.2.0", kDiffComplexity},
      {"zintercard", -3, false, ZInterCard,
       "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0",
       "O(N*K) worst case with N being the smallest input sorted set, K being the number of "
       "input sorted sets."},
      {"zunionstore", -4, true, ZUnionStore,
       "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
       kUnionComplexity},
      {"zinterstore", -4, true, ZInterStore,
       "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
       kInterComplexity},
      {"zdiffstore", -4, true, ZDiffStore,
       "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0",
       kDiffComplexity},
  };
  auto& t = server.commands();
  for (const AlgebraDef& d : defs) {
    CommandSpec spec{.name = d.name,
                     .arity = d.arity,
                     .flags = (d.store ? kCmdWrite | kCmdDenyOom : kCmdReadonly) | kCmdMovableKeys,
                     .handler = d.handler,
                     .group = "sorted_set",
                     .summary = d.summary,
                     .since = d.since,
                     .complexity = d.complexity,
                     .key_finder = d.store ? StoreKeys : ReadKeys,
                     .key_spec_flags = d.store ? std::vector<std::string>{"OW", "update"}
                                               : std::vector<std::string>{"RO", "access"}};
    if (d.store) {
      spec.first_key = 1;
      spec.last_key = 1;
      spec.key_step = 1;
    }
    t.Add(std::move(spec));
  }
}

}  // namespace baton::commands
