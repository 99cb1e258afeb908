// Cursor and option parsing for the collection scans (HSCAN, SSCAN, and
// ZSCAN later), with Redis 7.0's error replies and order of checks.
#pragma once

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/util/strings.h"

namespace baton::commands {

struct ScanOptions {
  std::string_view pattern;
  bool has_pattern = false;
  int64_t count = 10;
};

// Parses a cursor with strtoul's rules, as Redis does ("-1" wraps, leading
// space is refused). Replies "ERR invalid cursor" on failure.
inline bool ParseScanCursor(CommandContext& ctx, size_t i, uint64_t* out) {
  const std::string text(ctx.arg(i));
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if ((!text.empty() && std::isspace(static_cast<unsigned char>(text[0])) != 0) || *end != '\0' ||
      errno == ERANGE) {
    ctx.reply.Error("ERR invalid cursor");
    return false;
  }
  *out = v;
  return true;
}

// Parses [MATCH pattern] [COUNT count] starting at args[first].
inline bool ParseScanOptions(CommandContext& ctx, size_t first, ScanOptions* out) {
  for (size_t i = first; i < ctx.argc(); i += 2) {
    const bool has_value = i + 1 < ctx.argc();
    if (has_value && ArgIs(ctx, i, "count")) {
      if (!ParseIntArg(ctx, i + 1, &out->count)) return false;
      if (out->count < 1) {
        ctx.reply.Error(server::err::kSyntax);
        return false;
      }
    } else if (has_value && ArgIs(ctx, i, "match")) {
      out->pattern = ctx.arg(i + 1);
      out->has_pattern = out->pattern != "*";
    } else {
      ctx.reply.Error(server::err::kSyntax);
      return false;
    }
  }
  return true;
}

// The reply for an absent key: cursor 0, no elements.
inline void ReplyEmptyScan(CommandContext& ctx) {
  ctx.reply.Array(2);
  ctx.reply.Bulk("0");
  ctx.reply.Array(0);
}

inline void ReplyScan(CommandContext& ctx, uint64_t cursor, const std::vector<std::string>& items) {
  ctx.reply.Array(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.Array(items.size());
  for (const std::string& s : items) ctx.reply.Bulk(s);
}

// Drives a collection's Scan(cursor, fn) the way Redis does: at least COUNT
// strings collected (fields and values both count, as in Redis) or 10*COUNT
// steps, MATCH applied afterwards.
// `visit(cursor, items)` runs one step, appending element texts, and
// returns the next cursor. `stride` is 2 for field,value pairs.
template <typename Visit>
uint64_t RunScan(uint64_t cursor, const ScanOptions& opts, size_t stride,
                 std::vector<std::string>* items, Visit&& visit) {
  int64_t budget = opts.count * 10;
  do {
    cursor = visit(cursor, items);
  } while (cursor != 0 && budget-- > 0 && items->size() < static_cast<size_t>(opts.count));
  if (opts.has_pattern) {
    std::vector<std::string> kept;
    for (size_t i = 0; i + stride <= items->size(); i += stride) {
      if (!util::GlobMatch(opts.pattern, (*items)[i])) continue;
      for (size_t j = 0; j < stride; ++j) kept.push_back(std::move((*items)[i + j]));
    }
    items->swap(kept);
  }
  return cursor;
}

}  // namespace baton::commands
