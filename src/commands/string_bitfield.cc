// BITFIELD and BITFIELD_RO: signed (i1..i64) and unsigned (u1..u63) integers
// at arbitrary bit offsets, most significant bit first, with WRAP / SAT /
// FAIL overflow handling for SET and INCRBY.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "baton/commands/string_util.h"
#include "baton/server/server.h"

namespace baton::commands::strings {
namespace {

namespace err = server::err;

enum class FieldOp { kGet, kSet, kIncrBy };
enum class Overflow { kWrap, kSat, kFail };

struct FieldCommand {
  FieldOp op = FieldOp::kGet;
  bool is_signed = false;
  int bits = 0;
  uint64_t offset = 0;
  int64_t value = 0;  // SET value or INCRBY increment
  Overflow overflow = Overflow::kWrap;
};

// Parses "i<bits>" (1..64) or "u<bits>" (1..63); replies kBitfieldType otherwise.
bool ParseFieldType(CommandContext& ctx, std::string_view arg, bool* is_signed, int* bits) {
  arg = arg.substr(0, arg.find('\0'));  // the type is read as a C string
  int64_t n = 0;
  bool ok = !arg.empty() && (arg[0] == 'i' || arg[0] == 'u') &&
            store::ParseInt64(arg.substr(1), &n) && n >= 1;
  if (ok) {
    *is_signed = arg[0] == 'i';
    ok = n <= (*is_signed ? 64 : 63);
  }
  if (!ok) {
    ctx.reply.Error(err::kBitfieldType);
    return false;
  }
  *bits = static_cast<int>(n);
  return true;
}

// Reads `bits` bits at `offset`; bits past `len` bytes read as zero.
uint64_t ReadField(const uint8_t* p, size_t len, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int i = 0; i < bits; ++i, ++offset) {
    const uint64_t byte = offset >> 3;
    const uint64_t bit = byte < len ? (p[byte] >> (7 - (offset & 7))) & 1U : 0;
    v = (v << 1) | bit;
  }
  return v;
}

// Writes the low `bits` bits of `v` at `offset` (the buffer is long enough).
void WriteField(uint8_t* p, uint64_t offset, int bits, uint64_t v) {
  for (int i = bits - 1; i >= 0; --i, ++offset) {
    const auto mask = static_cast<uint8_t>(1U << (7 - (offset & 7)));
    if (((v >> i) & 1U) != 0) {
      p[offset >> 3] |= mask;
    } else {
      p[offset >> 3] &= static_cast<uint8_t>(~mask);
    }
  }
}

// The low `bits` bits of `v` as a signed integer: higher bits are replaced
// by copies of the field's sign bit (a wrapped sum may carry anything there).
int64_t SignExtend(uint64_t v, int bits) {
  if (bits < 64) {
    const uint64_t high = ~0ULL << bits;
    v = ((v >> (bits - 1)) & 1U) != 0 ? v | high : v & ~high;
  }
  return static_cast<int64_t>(v);
}

// True when value + incr leaves the signed `bits` range; then *out holds the
// WRAP or SAT result. The comparisons reproduce Redis's (modular) arithmetic.
bool SignedOverflow(int64_t value, int64_t incr, int bits, Overflow policy, int64_t* out) {
  const int64_t max =
      bits == 64 ? std::numeric_limits<int64_t>::max() : (int64_t{1} << (bits - 1)) - 1;
  const int64_t min = -max - 1;
  const auto max_incr =
      static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  const auto min_incr =
      static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  const bool up =
      value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr);
  const bool down = !up && (value < min || (bits != 64 && incr < min_incr) ||
                            (value < 0 && incr < 0 && incr < min_incr));
  if (!up && !down) return false;
  if (policy == Overflow::kWrap) {
    *out = SignExtend(static_cast<uint64_t>(value) + static_cast<uint64_t>(incr), bits);
  } else if (policy == Overflow::kSat) {
    *out = up ? max : min;
  }
  return true;
}

// Same for unsigned fields (bits <= 63).
bool UnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow policy, uint64_t* out) {
  const uint64_t max = (uint64_t{1} << bits) - 1;
  const auto max_incr = static_cast<int64_t>(max - value);
  const auto min_incr = static_cast<int64_t>(uint64_t{0} - value);
  const bool up = value > max || (incr > 0 && incr > max_incr);
  const bool down = !up && incr < 0 && incr < min_incr;
  if (!up && !down) return false;
  if (policy == Overflow::kWrap) {
    *out = (value + static_cast<uint64_t>(incr)) & max;
  } else if (policy == Overflow::kSat) {
    *out = up ? max : 0;
  }
  return true;
}

// Parses the subcommands; replies the error and returns false on bad input.
bool ParseFieldCommands(CommandContext& ctx, std::vector<FieldCommand>* out) {
  Overflow overflow = Overflow::kWrap;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const size_t rest = ctx.argc() - i - 1;
    FieldCommand fc;
    if (ArgIs(ctx, i, "get") && rest >= 2) {
      fc.op = FieldOp::kGet;
    } else if (ArgIs(ctx, i, "set") && rest >= 3) {
      fc.op = FieldOp::kSet;
    } else if (ArgIs(ctx, i, "incrby") && rest >= 3) {
      fc.op = FieldOp::kIncrBy;
    } else if (ArgIs(ctx, i, "overflow") && rest >= 1) {
      ++i;
      if (ArgIs(ctx, i, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (ArgIs(ctx, i, "sat")) {
        overflow = Overflow::kSat;
      } else if (ArgIs(ctx, i, "fail")) {
        overflow = Overflow::kFail;
      } else {
        ctx.reply.Error(err::kBitfieldOverflowType);
        return false;
      }
      continue;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
    if (!ParseFieldType(ctx, ctx.arg(i + 1), &fc.is_signed, &fc.bits)) return false;
    if (!ParseBitOffset(ctx, ctx.arg(i + 2), true, fc.bits, &fc.offset)) return false;
    if (fc.op != FieldOp::kGet && !ParseIntArg(ctx, i + 3, &fc.value)) return false;
    fc.overflow = overflow;
    out->push_back(fc);
    i += fc.op == FieldOp::kGet ? 2 : 3;
  }
  return true;
}

// Runs one SET or INCRBY on `p`; replies its result (or nil when FAIL
// stopped it). Returns true when the stored bits changed or `grown`.
bool RunWrite(CommandContext& ctx, const FieldCommand& fc, uint8_t* p, size_t len, bool grown) {
  const uint64_t raw = ReadField(p, len, fc.offset, fc.bits);
  const bool incr = fc.op == FieldOp::kIncrBy;
  if (fc.is_signed) {
    const int64_t old = SignExtend(raw, fc.bits);
    const int64_t start = incr ? old : fc.value;
    int64_t limited = 0;
    const bool over = SignedOverflow(start, incr ? fc.value : 0, fc.bits, fc.overflow, &limited);
    if (over && fc.overflow == Overflow::kFail) {
      ctx.reply.Null();
      return false;
    }
    const int64_t next = over ? limited : (incr ? old + fc.value : fc.value);
    ctx.reply.Integer(incr ? next : old);
    WriteField(p, fc.offset, fc.bits, static_cast<uint64_t>(next));
    return grown || next != old;
  }
  const uint64_t start = incr ? raw : static_cast<uint64_t>(fc.value);
  uint64_t limited = 0;
  const bool over = UnsignedOverflow(start, incr ? fc.value : 0, fc.bits, fc.overflow, &limited);
  if (over && fc.overflow == Overflow::kFail) {
    ctx.reply.Null();
    return false;
  }
  const uint64_t next = over ? limited : (incr ? raw + static_cast<uint64_t>(fc.value) : start);
  ctx.reply.Integer(static_cast<int64_t>(incr ? next : raw));
  WriteField(p, fc.offset, fc.bits, next);
  return grown || next != raw;
}

void ReplyGet(CommandContext& ctx, const FieldCommand& fc, const uint8_t* p, size_t len) {
  const uint64_t raw = ReadField(p, len, fc.offset, fc.bits);
  ctx.reply.Integer(fc.is_signed ? SignExtend(raw, fc.bits) : static_cast<int64_t>(raw));
}

void BitFieldGeneric(CommandContext& ctx, bool read_only_command) {
  std::vector<FieldCommand> fields;
  if (!ParseFieldCommands(ctx, &fields)) return;
  uint64_t write_end = 0;  // bytes the writes need
  for (const FieldCommand& fc : fields) {
    if (fc.op != FieldOp::kGet)
      write_end = std::max(write_end, ((fc.offset + fc.bits - 1) >> 3) + 1);
  }
  const std::string_view key = ctx.arg(1);

  if (write_end == 0) {
    store::KeyEntry* entry = nullptr;
    if (LookupRead(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
    std::string scratch;
    const std::string_view s = entry != nullptr ? StringView(entry->value, &scratch) : "";
    ctx.reply.Array(fields.size());
    for (const FieldCommand& fc : fields) {
      ReplyGet(ctx, fc, reinterpret_cast<const uint8_t*>(s.data()), s.size());
    }
    return;
  }
  if (read_only_command) {
    ctx.reply.Error(err::kBitfieldRoGetOnly);
    return;
  }
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  const bool created = entry == nullptr;
  if (created) entry = ctx.db.Add(key, store::Value::FromRawString(""));
  const bool grown = created || entry->value.StringLength() < write_end;
  auto* p = reinterpret_cast<uint8_t*>(UnshareString(entry, write_end));
  const size_t len = entry->value.StringLength();

  int64_t changes = 0;
  ctx.reply.Array(fields.size());
  for (const FieldCommand& fc : fields) {
    if (fc.op == FieldOp::kGet) {
      ReplyGet(ctx, fc, p, len);
    } else if (RunWrite(ctx, fc, p, len, grown)) {
      ++changes;
    }
  }
  if (changes > 0) {
    if (!created) ctx.db.SignalModified(key);
    ctx.MarkDirty(changes);
  }
}

}  // namespace

// BITFIELD key [GET type offset | SET type offset value | INCRBY type offset increment
//              | OVERFLOW WRAP|SAT|FAIL] ...
void BitField(CommandContext& ctx) { BitFieldGeneric(ctx, false); }

// BITFIELD_RO key [GET type offset ...]
void BitFieldRo(CommandContext& ctx) { BitFieldGeneric(ctx, true); }

}  // namespace baton::commands::strings
