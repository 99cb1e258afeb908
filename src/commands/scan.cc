// Keyspace iteration: KEYS pattern and SCAN cursor [MATCH] [COUNT] [TYPE].
#include <cctype>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"
#include "keyspace.h"

namespace baton::commands {
namespace {

namespace err = server::err;

// Parses a SCAN cursor the way strtoull reads it: optional sign (a minus
// wraps around), decimal digits, no leading space, nothing after; the empty
// string is cursor 0. False when invalid or out of range.
bool ParseCursor(std::string_view s, uint64_t* out) {
  *out = 0;
  if (s.empty()) return true;
  size_t i = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    const auto digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = negative ? 0 - v : v;
  return true;
}

// KEYS pattern
void Keys(server::CommandContext& ctx) {
  std::string_view pattern = ctx.arg(1);
  const bool all = pattern == "*";
  size_t handle = ctx.reply.BeginDeferred();
  size_t n = 0;
  ctx.db.ForEach([&](store::KeyEntry* e) {
    std::string_view key = e->Key();
    if (!all && !util::GlobMatch(pattern, key)) return;
    if (ctx.db.IsExpired(e)) return;
    ctx.reply.Bulk(key);
    ++n;
  });
  ctx.reply.EndDeferredArray(handle, n);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void Scan(server::CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseCursor(ctx.arg(1), &cursor)) return ctx.reply.Error("ERR invalid cursor");
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  std::string_view type;
  bool use_type = false;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    const bool has_value = i + 1 < ctx.argc();
    if (ArgIs(ctx, i, "COUNT") && has_value) {
      if (!ParseIntArg(ctx, i + 1, &count)) return;
      if (count < 1) return ctx.reply.Error(err::kSyntax);
    } else if (ArgIs(ctx, i, "MATCH") && has_value) {
      pattern = ctx.arg(i + 1);
      use_pattern = pattern != "*";
    } else if (ArgIs(ctx, i, "TYPE") && has_value) {
      type = ctx.arg(i + 1);
      use_type = true;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }

  // Collect about `count` keys, visiting at most count*10 buckets.
  std::vector<std::string> keys;
  const auto wanted = static_cast<uint64_t>(count);
  uint64_t budget = wanted > std::numeric_limits<uint64_t>::max() / 10 ? wanted : wanted * 10;
  do {
    cursor = ctx.db.Scan(cursor, [&](store::KeyEntry* e) { keys.emplace_back(e->Key()); });
  } while (cursor != 0 && budget-- > 0 && keys.size() < wanted);

  // Filter after the scan step: looking keys up may delete expired ones.
  std::vector<std::string_view> shown;
  shown.reserve(keys.size());
  for (const std::string& key : keys) {
    if (use_pattern && !util::GlobMatch(pattern, key)) continue;
    store::KeyEntry* e = ctx.db.Lookup(key, store::kLookupNoTouch);
    if (e == nullptr) continue;
    if (use_type && !util::EqualsIgnoreCase(type, store::TypeName(e->value.type()))) continue;
    shown.push_back(key);
  }
  ctx.reply.Array(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.Array(shown.size());
  for (std::string_view key : shown) ctx.reply.Bulk(key);
}

}  // namespace

void RegisterScanCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto& t = server.commands();
  t.Add({.name = "keys",
         .arity = 2,
         .flags = kCmdReadonly,
         .handler = Keys,
         .group = "generic",
         .summary = "Find all keys matching the given pattern",
         .since = "1.0.0",
         .complexity = "O(N) with N being the number of keys in the database, under the "
                       "assumption that the key names in the database and the given pattern have "
                       "limited length.",
         .tips = {"request_policy:all_shards", "nondeterministic_output_order"}});
  t.Add({.name = "scan",
         .arity = -2,
         .flags = kCmdReadonly,
         .handler = Scan,
         .group = "generic",
         .summary = "Incrementally iterate the keys space",
         .since = "2.8.0",
         .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                       "command calls for the cursor to return back to 0. N is the number of "
                       "elements inside the collection.",
         .tips = {"nondeterministic_output", "request_policy:special"}});
}

}  // namespace baton::commands
