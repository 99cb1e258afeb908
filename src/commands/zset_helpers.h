// Shared by the sorted set command files (zsets.cc, zset_ranges.cc,
// zset_pops.cc, zset_algebra.cc).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/store/zset_value.h"

namespace baton::server {
class Server;
}  // namespace baton::server

namespace baton::commands {

namespace zerr {
inline constexpr std::string_view kXxAndNx =
    "ERR XX and NX options at the same time are not compatible";
inline constexpr std::string_view kGtLtNx =
    "ERR GT, LT, and/or NX options at the same time are not compatible";
inline constexpr std::string_view kIncrSinglePair =
    "ERR INCR option supports a single increment-element pair";
inline constexpr std::string_view kScoreNaN = "ERR resulting score is not a number (NaN)";
inline constexpr std::string_view kMinMaxNotFloat = "ERR min or max is not a float";
inline constexpr std::string_view kMinMaxNotLex = "ERR min or max not valid string range item";
inline constexpr std::string_view kWeightNotFloat = "ERR weight value is not a float";
inline constexpr std::string_view kAtLeastOneKey =
    "ERR at least 1 input key is needed for this command";
}  // namespace zerr

// The server's zset-max-listpack-entries / -value.
store::ZSetLimits ZSetLimitsOf(const CommandContext& ctx);
// How a stored result is built, following Redis 7.0, which matters for a
// -0 score (a listpack stores it as 0, a skiplist keeps it):
enum class ZSetBuild {
  // ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE: the whole result decides: a
  // listpack when it fits, a skiplist from the start otherwise.
  kWholeResult,
  // ZRANGESTORE: a listpack when the count fits, filled in order and
  // converted at the first member too long for it (members before it got
  // listpack scores).
  kInOrder,
};

// A sorted set holding `elements` (the *STORE commands' result).
store::Value ZSetFromElements(const CommandContext& ctx,
                              const std::vector<std::pair<std::string, double>>& elements,
                              ZSetBuild build);

inline store::ZSetValue* AsZSet(const store::KeyEntry* e) {
  return e->value.As<store::ZSetValue>();
}

// A score interval: min/max with '(' exclusivity.
struct ScoreRange {
  double min = 0;
  double max = 0;
  bool min_ex = false;
  bool max_ex = false;
};
// Parses "1.5", "(1.5", "-inf", "+inf"; false on error (no reply sent).
bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out);

// A lex interval: "[a", "(a", "-", "+".
struct LexRange {
  std::string min;
  std::string max;
  bool min_ex = false;
  bool max_ex = false;
  bool min_neg_inf = false;  // "-"
  bool min_pos_inf = false;  // "+"
  bool max_neg_inf = false;
  bool max_pos_inf = false;
};
bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out);

// Ranks [*start, *end) of the elements within the range.
void RanksOfScoreRange(const store::ZSetValue& z, const ScoreRange& r, size_t* start, size_t* end);
void RanksOfLexRange(const store::ZSetValue& z, const LexRange& r, size_t* start, size_t* end);

// After elements were removed from `key`: deletes it when empty, else signals it.
void AfterZSetRemove(CommandContext& ctx, std::string_view key, const store::KeyEntry* e);

// Writes one element, with its score when `with_scores` (RESP3: a [member,
// score] pair when `pairs`).
void ReplyScored(CommandContext& ctx, std::string_view member, double score, bool with_scores,
                 bool pairs);

// Registration of the sub-families (called from RegisterSortedSetCommands).
void RegisterZSetRangeCommands(server::Server& server);
void RegisterZSetPopCommands(server::Server& server);
void RegisterZSetAlgebraCommands(server::Server& server);

}  // namespace baton::commands
