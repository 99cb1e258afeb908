#include "baton/commands/string_util.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "baton/server/server.h"

namespace baton::commands {

std::string FormatLongDouble(long double v) {
  char buf[5200];
  const int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return "0";
  std::string s(buf, static_cast<size_t>(n));
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

bool MustObeyClient(const CommandContext& ctx) { return ctx.client.Has(server::kClientMaster); }

bool CheckStringLength(CommandContext& ctx, uint64_t size, uint64_t append) {
  const uint64_t total = size + append;
  const bool wrapped = total < size;
  uint64_t limit = kMaxStringValueBytes;
  if (!MustObeyClient(ctx)) {
    limit = std::min(limit, static_cast<uint64_t>(ctx.server.settings().proto_max_bulk_len));
  }
  if (wrapped || total > limit) {
    ctx.reply.Error(server::err::kStringTooLong);
    return false;
  }
  return true;
}

bool LazyFreeEnabled(const CommandContext& ctx, std::string_view name) {
  const auto& other = ctx.server.settings().other;
  auto it = other.find(std::string(name));
  return it != other.end() && it->second == "yes";
}

std::string DeleteVerb(const CommandContext& ctx, std::string_view lazyfree_directive) {
  return LazyFreeEnabled(ctx, lazyfree_directive) ? "UNLINK" : "DEL";
}

store::KeyEntry* LookupReadAnyType(CommandContext& ctx, std::string_view key) {
  unsigned flags = store::kLookupNone;
  if (ctx.client.Has(server::kClientNoTouch)) flags |= store::kLookupNoTouch;
  if (ctx.client.Has(server::kClientMaster)) flags |= store::kLookupIgnoreTtl;
  store::KeyEntry* entry = ctx.db.Lookup(key, flags);
  if (entry == nullptr) {
    ++ctx.server.stats().keyspace_misses;
  } else {
    ++ctx.server.stats().keyspace_hits;
  }
  return entry;
}

std::string_view StringView(const store::Value& value, std::string* scratch) {
  if (value.is_int()) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value.int_value());
    (void)ec;
    scratch->assign(buf, end);
    return *scratch;
  }
  return value.Bytes().view();
}

char* UnshareString(store::KeyEntry* entry, size_t min_len) {
  return entry->value.MutableString(std::max(entry->value.StringLength(), min_len));
}

bool ParseBitOffset(CommandContext& ctx, std::string_view arg, bool allow_hash, int bits,
                    uint64_t* out) {
  const bool hash = allow_hash && bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t v = 0;
  bool ok = store::ParseInt64(hash ? arg.substr(1) : arg, &v);
  if (ok && hash) ok = !__builtin_mul_overflow(v, bits, &v);
  ok = ok && v >= 0 && static_cast<uint64_t>(v >> 3) < kMaxStringValueBytes;
  if (ok && !MustObeyClient(ctx)) ok = (v >> 3) < ctx.server.settings().proto_max_bulk_len;
  if (!ok) {
    ctx.reply.Error(server::err::kBitOffset);
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

}  // namespace baton::commands
