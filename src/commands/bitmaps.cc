// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP here; BITFIELD and
// BITFIELD_RO (string_bitfield.cc) are registered here too. Bit 0 is the most
// significant bit of the first byte.
#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/commands/string_util.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"

namespace baton::commands {
namespace {

namespace err = server::err;

uint8_t BitmapByteAt(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }

int BitAt(std::string_view s, uint64_t bit) {
  return (BitmapByteAt(s, bit >> 3) >> (7 - (bit & 7))) & 1;
}

uint64_t PopCount(std::string_view s) {
  uint64_t count = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, s.data() + i, 8);
    count += static_cast<uint64_t>(std::popcount(word));
  }
  for (; i < s.size(); ++i) count += static_cast<uint64_t>(std::popcount(BitmapByteAt(s, i)));
  return count;
}

// Set bits among bits [first, last] (inclusive, within `s`).
uint64_t CountBits(std::string_view s, uint64_t first, uint64_t last) {
  const size_t first_byte = first >> 3;
  const size_t last_byte = last >> 3;
  const auto head_mask = static_cast<uint8_t>(0xFF >> (first & 7));
  const auto tail_mask = static_cast<uint8_t>(0xFF << (7 - (last & 7)));
  if (first_byte == last_byte) {
    return static_cast<uint64_t>(
        std::popcount(static_cast<uint8_t>(BitmapByteAt(s, first_byte) & head_mask & tail_mask)));
  }
  uint64_t count = static_cast<uint64_t>(
      std::popcount(static_cast<uint8_t>(BitmapByteAt(s, first_byte) & head_mask)));
  count += static_cast<uint64_t>(
      std::popcount(static_cast<uint8_t>(BitmapByteAt(s, last_byte) & tail_mask)));
  return count + PopCount(s.substr(first_byte + 1, last_byte - first_byte - 1));
}

// Position of the first bit equal to `bit` among bits [first, last], or -1.
int64_t FindBit(std::string_view s, uint64_t first, uint64_t last, int bit) {
  const uint8_t skip_byte = bit != 0 ? 0x00 : 0xFF;
  const uint64_t skip_word = bit != 0 ? 0 : ~0ULL;
  uint64_t i = first;
  while (i <= last) {
    if ((i & 7) == 0 && i + 7 <= last) {
      size_t b = i >> 3;
      const size_t whole_end = (last + 1) >> 3;  // bytes [b, whole_end) lie in the range
      for (uint64_t word = 0; b + 8 <= whole_end; b += 8) {
        std::memcpy(&word, s.data() + b, 8);
        if (word != skip_word) break;
      }
      while (b < whole_end && BitmapByteAt(s, b) == skip_byte) ++b;
      if (b < whole_end) {
        const auto v = static_cast<uint8_t>(bit != 0 ? BitmapByteAt(s, b) : ~BitmapByteAt(s, b));
        return static_cast<int64_t>(b * 8 + static_cast<size_t>(std::countl_zero(v)));
      }
      i = static_cast<uint64_t>(b) * 8;
      continue;
    }
    if (BitAt(s, i) == bit) return static_cast<int64_t>(i);
    ++i;
  }
  return -1;
}

// Parses BYTE | BIT at args[i]; replies a syntax error otherwise.
bool ParseRangeUnit(CommandContext& ctx, size_t i, bool* is_bit) {
  if (ArgIs(ctx, i, "bit")) {
    *is_bit = true;
  } else if (ArgIs(ctx, i, "byte")) {
    *is_bit = false;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  return true;
}

// Applies Redis's index rules (negative from the end, clamped) to [*start, *end]
// over `total` units.
void NormalizeRange(int64_t total, int64_t* start, int64_t* end) {
  if (*start < 0) *start += total;
  if (*end < 0) *end += total;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
}

// SETBIT key offset value
void SetBit(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  uint64_t offset = 0;
  if (!ParseBitOffset(ctx, ctx.arg(2), false, 0, &offset)) return;
  int64_t on = 0;
  if (!ParseIntArg(ctx, 3, &on, err::kBitValue)) return;
  if ((on & ~1) != 0) {
    ctx.reply.Error(err::kBitValue);
    return;
  }
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  const size_t byte = offset >> 3;
  const bool created = entry == nullptr;
  if (created) entry = ctx.db.Add(key, store::Value::FromRawString(""));
  const bool grown = entry->value.StringLength() < byte + 1;
  auto* bytes = reinterpret_cast<uint8_t*>(UnshareString(entry, byte + 1));
  const int shift = 7 - static_cast<int>(offset & 7);
  const int old = (bytes[byte] >> shift) & 1;
  bytes[byte] =
      static_cast<uint8_t>((bytes[byte] & ~(1U << shift)) | (static_cast<unsigned>(on) << shift));
  if (grown || old != on) {
    if (!created) ctx.db.SignalModified(key);  // Add already signalled
    ctx.MarkDirty();
  }
  ctx.reply.Integer(old);
}

// GETBIT key offset
void GetBit(CommandContext& ctx) {
  uint64_t offset = 0;
  if (!ParseBitOffset(ctx, ctx.arg(2), false, 0, &offset)) return;
  store::KeyEntry* entry = nullptr;
  if (LookupRead(ctx, ctx.arg(1), store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Integer(0);
  std::string scratch;
  const std::string_view s = StringView(entry->value, &scratch);
  ctx.reply.Integer((offset >> 3) < s.size() ? BitAt(s, offset) : 0);
}

// BITCOUNT key [start end [BYTE | BIT]]
void BitCount(CommandContext& ctx) {
  store::KeyEntry* entry = nullptr;
  const Lookup found = LookupRead(ctx, ctx.arg(1), store::ValueType::kString, &entry);
  if (found == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Integer(0);
  std::string scratch;
  const std::string_view s = StringView(entry->value, &scratch);
  const auto len = static_cast<int64_t>(s.size());
  int64_t start = 0;
  int64_t end = len - 1;
  bool is_bit = false;
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    if (!ParseIntArg(ctx, 2, &start) || !ParseIntArg(ctx, 3, &end)) return;
    if (start < 0 && end < 0 && start > end) return ctx.reply.Integer(0);
    if (ctx.argc() == 5 && !ParseRangeUnit(ctx, 4, &is_bit)) return;
    NormalizeRange(is_bit ? len * 8 : len, &start, &end);
  } else if (ctx.argc() != 2) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (start > end) return ctx.reply.Integer(0);
  const auto first = static_cast<uint64_t>(is_bit ? start : start * 8);
  const auto last = static_cast<uint64_t>(is_bit ? end : end * 8 + 7);
  ctx.reply.Integer(static_cast<int64_t>(CountBits(s, first, last)));
}

// BITPOS key bit [start [end [BYTE | BIT]]]
void BitPos(CommandContext& ctx) {
  int64_t bit = 0;
  if (!ParseIntArg(ctx, 2, &bit)) return;
  if (bit != 0 && bit != 1) {
    ctx.reply.Error(err::kBitArgument);
    return;
  }
  store::KeyEntry* entry = nullptr;
  const Lookup found = LookupRead(ctx, ctx.arg(1), store::ValueType::kString, &entry);
  if (found == Lookup::kWrongType) return;
  // A missing key reads as endless zero bits.
  if (entry == nullptr) return ctx.reply.Integer(bit != 0 ? -1 : 0);
  std::string scratch;
  const std::string_view s = StringView(entry->value, &scratch);
  const auto len = static_cast<int64_t>(s.size());
  int64_t start = 0;
  int64_t end = len - 1;
  bool is_bit = false;
  bool end_given = false;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    if (!ParseIntArg(ctx, 3, &start)) return;
    if (ctx.argc() == 6 && !ParseRangeUnit(ctx, 5, &is_bit)) return;
    if (ctx.argc() >= 5) {
      if (!ParseIntArg(ctx, 4, &end)) return;
      end_given = true;
    } else {
      end = is_bit ? len * 8 + 7 : len - 1;
    }
    NormalizeRange(is_bit ? len * 8 : len, &start, &end);
  } else if (ctx.argc() != 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  // An empty range holds neither a 0 nor a 1.
  if (start > end) return ctx.reply.Integer(-1);
  const auto first = static_cast<uint64_t>(is_bit ? start : start * 8);
  const auto last = static_cast<uint64_t>(is_bit ? end : end * 8 + 7);
  const int64_t pos = FindBit(s, first, last, static_cast<int>(bit));
  if (pos >= 0 || bit == 1 || end_given) return ctx.reply.Integer(pos);
  // Looking for a 0 with no end given: the string continues with zeros.
  ctx.reply.Integer(static_cast<int64_t>(last + 1));
}

enum class BitOp { kAnd, kOr, kXor, kNot };

// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
void BitOpCommand(CommandContext& ctx) {
  BitOp op;
  if (ArgIs(ctx, 1, "and")) {
    op = BitOp::kAnd;
  } else if (ArgIs(ctx, 1, "or")) {
    op = BitOp::kOr;
  } else if (ArgIs(ctx, 1, "xor")) {
    op = BitOp::kXor;
  } else if (ArgIs(ctx, 1, "not")) {
    op = BitOp::kNot;
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (op == BitOp::kNot && ctx.argc() != 4) {
    ctx.reply.Error(err::kBitopNotSingleKey);
    return;
  }
  const size_t nkeys = ctx.argc() - 3;
  std::vector<std::string> scratch(nkeys);  // sized once: views into it stay valid
  std::vector<std::string_view> sources(nkeys);
  size_t max_len = 0;
  for (size_t k = 0; k < nkeys; ++k) {
    store::KeyEntry* entry = LookupReadAnyType(ctx, ctx.arg(k + 3));
    if (entry == nullptr) continue;
    if (!entry->value.is_string()) {
      ctx.reply.Error(err::kWrongType);
      return;
    }
    sources[k] = StringView(entry->value, &scratch[k]);
    max_len = std::max(max_len, sources[k].size());
  }

  const std::string_view dest = ctx.arg(2);
  if (max_len == 0) {
    if (ctx.db.Delete(dest)) ctx.MarkDirty();
    ctx.reply.Integer(0);
    return;
  }
  std::string result(max_len, '\0');
  const std::string_view first = sources[0];
  for (size_t i = 0; i < max_len; ++i) {
    uint8_t v = i < first.size() ? BitmapByteAt(first, i) : 0;
    for (size_t k = 1; k < nkeys; ++k) {
      const uint8_t b = i < sources[k].size() ? BitmapByteAt(sources[k], i) : 0;
      if (op == BitOp::kAnd) {
        v &= b;
      } else if (op == BitOp::kOr) {
        v |= b;
      } else {
        v ^= b;
      }
    }
    if (op == BitOp::kNot) v = static_cast<uint8_t>(~v);
    result[i] = static_cast<char>(v);
  }
  ctx.db.Set(dest, store::Value::FromRawString(result));
  ctx.MarkDirty();
  ctx.reply.Integer(static_cast<int64_t>(max_len));
}

}  // namespace

void RegisterBitmapCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto& t = server.commands();
  constexpr uint64_t kWriteOom = kCmdWrite | kCmdDenyOom;
  auto add = [&t](std::string name, int arity, uint64_t flags, CommandHandler handler,
                  std::string summary, std::string since, std::string complexity) {
    t.Add({.name = std::move(name),
           .arity = arity,
           .flags = flags,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .handler = handler,
           .group = "bitmap",
           .summary = std::move(summary),
           .since = std::move(since),
           .complexity = std::move(complexity)});
  };
  add("setbit", 4, kWriteOom, SetBit,
      "Sets or clears the bit at offset in the string value stored at key", "2.2.0", "O(1)");
  add("getbit", 3, kCmdReadonly | kCmdFast, GetBit,
      "Returns the bit value at offset in the string value stored at key", "2.2.0", "O(1)");
  add("bitcount", -2, kCmdReadonly, BitCount, "Count set bits in a string", "2.6.0", "O(N)");
  add("bitpos", -3, kCmdReadonly, BitPos, "Find first bit set or clear in a string", "2.8.7",
      "O(N)");
  add("bitfield", -2, kWriteOom, strings::BitField,
      "Perform arbitrary bitfield integer operations on strings", "3.2.0",
      "O(1) for each subcommand specified");
  add("bitfield_ro", -2, kCmdReadonly | kCmdFast, strings::BitFieldRo,
      "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
      "6.0.0", "O(1) for each subcommand specified");
  t.Add({.name = "bitop",
         .arity = -4,
         .flags = kWriteOom,
         .first_key = 2,
         .last_key = -1,
         .key_step = 1,
         .handler = BitOpCommand,
         .group = "bitmap",
         .summary = "Perform bitwise operations between strings",
         .since = "2.6.0",
         .complexity = "O(N)"});
}

}  // namespace baton::commands
