// LCS: the longest common subsequence of two strings, by dynamic programming
// over a (len(a)+1) x (len(b)+1) table bounded by proto-max-bulk-len.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "baton/commands/string_util.h"
#include "baton/server/server.h"

namespace baton::commands::strings {
namespace {

namespace err = server::err;

struct LcsRange {
  uint32_t a_start, a_end, b_start, b_end;
};

struct LcsOptions {
  bool idx = false;
  bool len = false;
  bool with_match_len = false;
  int64_t min_match_len = 0;
};

bool ParseLcsOptions(CommandContext& ctx, LcsOptions* out) {
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "idx")) {
      out->idx = true;
    } else if (ArgIs(ctx, i, "len")) {
      out->len = true;
    } else if (ArgIs(ctx, i, "withmatchlen")) {
      out->with_match_len = true;
    } else if (ArgIs(ctx, i, "minmatchlen") && i + 1 < ctx.argc()) {
      if (!ParseIntArg(ctx, ++i, &out->min_match_len)) return false;
      if (out->min_match_len < 0) out->min_match_len = 0;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (out->idx && out->len) {
    ctx.reply.Error(err::kLcsIdxAndLen);
    return false;
  }
  return true;
}

// Walks the filled table back from the end, collecting the common string
// (reversed order fixed by writing from the back) and the matched ranges,
// each ended by a step that leaves the diagonal or by reaching an edge.
void Traceback(std::string_view a, std::string_view b, const uint32_t* table, std::string* common,
               std::vector<LcsRange>* ranges) {
  const size_t width = b.size() + 1;
  auto at = [&](size_t i, size_t j) { return table[i * width + j]; };
  size_t i = a.size();
  size_t j = b.size();
  size_t pos = at(i, j);
  common->assign(pos, '\0');
  bool open = false;
  LcsRange cur{};
  while (i > 0 && j > 0) {
    bool close = false;
    if (a[i - 1] == b[j - 1]) {
      (*common)[--pos] = a[i - 1];
      if (!open) {
        cur = {static_cast<uint32_t>(i - 1), static_cast<uint32_t>(i - 1),
               static_cast<uint32_t>(j - 1), static_cast<uint32_t>(j - 1)};
        open = true;
      } else {
        cur.a_start = static_cast<uint32_t>(i - 1);
        cur.b_start = static_cast<uint32_t>(j - 1);
      }
      close = i == 1 || j == 1;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      close = open;
    }
    if (close) {
      ranges->push_back(cur);
      open = false;
    }
  }
}

}  // namespace

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
void Lcs(CommandContext& ctx) {
  store::KeyEntry* ea = LookupReadAnyType(ctx, ctx.arg(1));
  store::KeyEntry* eb = LookupReadAnyType(ctx, ctx.arg(2));
  if ((ea != nullptr && !ea->value.is_string()) || (eb != nullptr && !eb->value.is_string())) {
    ctx.reply.Error(err::kLcsNotStrings);
    return;
  }
  std::string scratch_a;
  std::string scratch_b;
  const std::string_view a = ea != nullptr ? StringView(ea->value, &scratch_a) : "";
  const std::string_view b = eb != nullptr ? StringView(eb->value, &scratch_b) : "";

  LcsOptions opts;
  if (!ParseLcsOptions(ctx, &opts)) return;
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    ctx.reply.Error(err::kLcsTooLong);
    return;
  }
  const uint64_t cells = (static_cast<uint64_t>(a.size()) + 1) * (b.size() + 1);
  const uint64_t bytes = cells * sizeof(uint32_t);
  if (bytes / sizeof(uint32_t) != cells ||
      bytes > static_cast<uint64_t>(ctx.server.settings().proto_max_bulk_len)) {
    ctx.reply.Error(err::kLcsOverBulkLen);
    return;
  }
  std::unique_ptr<uint32_t[]> table(new (std::nothrow) uint32_t[cells]);
  if (table == nullptr) {
    ctx.reply.Error(err::kLcsAllocFailed);
    return;
  }

  // table[i][j] = LCS length of a[0..i) and b[0..j).
  const size_t width = b.size() + 1;
  for (size_t j = 0; j < width; ++j) table[j] = 0;
  for (size_t i = 1; i <= a.size(); ++i) {
    uint32_t* row = &table[i * width];
    const uint32_t* up = row - width;
    row[0] = 0;
    for (size_t j = 1; j < width; ++j) {
      row[j] = a[i - 1] == b[j - 1] ? up[j - 1] + 1 : std::max(up[j], row[j - 1]);
    }
  }
  const uint32_t total = table[a.size() * width + b.size()];

  if (opts.len) {
    ctx.reply.Integer(total);
    return;
  }
  std::string common;
  std::vector<LcsRange> ranges;
  Traceback(a, b, table.get(), &common, &ranges);
  if (!opts.idx) {
    ctx.reply.Bulk(common);
    return;
  }
  ctx.reply.Map(2);
  ctx.reply.Bulk("matches");
  size_t shown = 0;
  for (const LcsRange& r : ranges) {
    if (r.a_end - r.a_start + 1 >= opts.min_match_len) ++shown;
  }
  ctx.reply.Array(shown);
  for (const LcsRange& r : ranges) {
    const int64_t match_len = r.a_end - r.a_start + 1;
    if (match_len < opts.min_match_len) continue;
    ctx.reply.Array(opts.with_match_len ? 3 : 2);
    ctx.reply.Array(2);
    ctx.reply.Integer(r.a_start);
    ctx.reply.Integer(r.a_end);
    ctx.reply.Array(2);
    ctx.reply.Integer(r.b_start);
    ctx.reply.Integer(r.b_end);
    if (opts.with_match_len) ctx.reply.Integer(match_len);
  }
  ctx.reply.Bulk("len");
  ctx.reply.Integer(total);
}

}  // namespace baton::commands::strings
