// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG. The sketch is a plain
// string value (store/hyperloglog.h), so it survives RDB and replication to
// and from Redis unchanged.
#include "baton/store/hyperloglog.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/commands/string_util.h"
#include "baton/server/server.h"

namespace baton::commands {
namespace {

namespace err = server::err;
namespace hll = store::hll;

size_t SparseMaxBytes(const CommandContext& ctx) {
  const auto& other = ctx.server.settings().other;
  auto it = other.find("hll-sparse-max-bytes");
  int64_t v = 0;
  if (it == other.end() || !store::ParseInt64(it->second, &v) || v < 0) {
    return hll::kDefaultSparseMaxBytes;
  }
  return static_cast<size_t>(v);
}

// The sketch held by a string value; replies the invalid-HLL error when the
// bytes are not one.
bool ReadSketch(CommandContext& ctx, const store::Value& value, std::string* scratch,
                std::string_view* out) {
  *out = value.is_int() ? std::string_view() : StringView(value, scratch);
  if (value.is_int() || !hll::IsValid(*out)) {
    ctx.reply.Error(err::kHllInvalidValue);
    return false;
  }
  return true;
}

// Makes the string under `entry` raw-encoded, as Redis unshares a sketch
// before working on it (OBJECT ENCODING reports "raw" afterwards).
void MakeRaw(store::KeyEntry* entry) {
  if (entry->value.EncodingName() != "raw") entry->value.MutableString(entry->value.StringLength());
}

// Replaces the bytes of the string under `entry` with `bytes`.
void WriteBack(store::KeyEntry* entry, std::string_view bytes) {
  char* p = entry->value.MutableString(bytes.size());
  std::memcpy(p, bytes.data(), bytes.size());
}

// PFADD key [element [element ...]]
void PfAdd(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  std::string sketch;
  int64_t updated = 0;
  if (entry == nullptr) {
    sketch = hll::CreateEmpty();
    updated = 1;
  } else {
    std::string scratch;
    std::string_view bytes;
    if (!ReadSketch(ctx, entry->value, &scratch, &bytes)) return;
    sketch.assign(bytes);
    MakeRaw(entry);
  }
  const size_t max_bytes = SparseMaxBytes(ctx);
  bool corrupt = false;
  for (size_t i = 2; i < ctx.argc() && !corrupt; ++i) {
    switch (hll::Add(&sketch, ctx.arg(i), max_bytes)) {
      case hll::Change::kUpdated:
        ++updated;
        break;
      case hll::Change::kCorrupt:
        corrupt = true;
        break;
      case hll::Change::kUnchanged:
        break;
    }
  }
  if (corrupt) {
    // Registers set before the corruption was found stay, as in Redis.
    if (updated > 0) WriteBack(entry, sketch);
    ctx.reply.Error(err::kHllCorrupt);
    return;
  }
  if (updated > 0) {
    hll::InvalidateCache(&sketch);
    if (entry == nullptr) {
      ctx.db.Add(key, store::Value::FromRawString(sketch));
    } else {
      WriteBack(entry, sketch);
      ctx.db.SignalModified(key);
    }
    ctx.MarkDirty(updated);
  }
  ctx.reply.Integer(updated > 0 ? 1 : 0);
}

// PFCOUNT key [key ...]
void PfCount(CommandContext& ctx) {
  std::string scratch;
  std::string_view bytes;
  if (ctx.argc() > 2) {
    // Several keys: count their union without storing it.
    auto max = std::make_unique<hll::Registers>();
    max->fill(0);
    for (size_t i = 1; i < ctx.argc(); ++i) {
      store::KeyEntry* entry = nullptr;
      if (LookupRead(ctx, ctx.arg(i), store::ValueType::kString, &entry) == Lookup::kWrongType) {
        return;
      }
      if (entry == nullptr) continue;
      if (!ReadSketch(ctx, entry->value, &scratch, &bytes)) return;
      if (!hll::MergeInto(bytes, max.get())) return ctx.reply.Error(err::kHllCorrupt);
    }
    ctx.reply.Integer(static_cast<int64_t>(hll::CountRegisters(*max)));
    return;
  }
  const std::string_view key = ctx.arg(1);
  store::KeyEntry* entry = nullptr;
  if (LookupRead(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Integer(0);
  if (!ReadSketch(ctx, entry->value, &scratch, &bytes)) return;
  MakeRaw(entry);
  bytes = StringView(entry->value, &scratch);
  uint64_t card = 0;
  if (!hll::CachedCardinality(bytes, &card)) {
    if (!hll::Count(bytes, &card)) return ctx.reply.Error(err::kHllCorrupt);
    // Cache the result in the value: a change to propagate like a write.
    std::string header(bytes.substr(0, hll::kHeaderSize));
    hll::SetCachedCardinality(&header, card);
    char* p = entry->value.MutableString(entry->value.StringLength());
    std::memcpy(p, header.data(), header.size());
    ctx.db.SignalModified(key);
    ctx.MarkDirty();
  }
  ctx.reply.Integer(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey [sourcekey ...]]
void PfMerge(CommandContext& ctx) {
  auto max = std::make_unique<hll::Registers>();
  max->fill(0);
  bool use_dense = false;
  std::string scratch;
  std::string_view bytes;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    store::KeyEntry* entry = nullptr;
    if (LookupRead(ctx, ctx.arg(i), store::ValueType::kString, &entry) == Lookup::kWrongType) {
      return;
    }
    if (entry == nullptr) continue;
    if (!ReadSketch(ctx, entry->value, &scratch, &bytes)) return;
    if (!hll::IsSparse(bytes)) use_dense = true;
    if (!hll::MergeInto(bytes, max.get())) return ctx.reply.Error(err::kHllCorrupt);
  }
  const std::string_view key = ctx.arg(1);
  store::KeyEntry* dest = nullptr;
  if (LookupWrite(ctx, key, store::ValueType::kString, &dest) == Lookup::kWrongType) return;
  std::string sketch =
      dest == nullptr ? hll::CreateEmpty() : std::string(StringView(dest->value, &scratch));
  if (use_dense && !hll::ToDense(&sketch)) return ctx.reply.Error(err::kHllCorrupt);
  const size_t max_bytes = SparseMaxBytes(ctx);
  for (size_t i = 0; i < hll::kRegisters; ++i) {
    if ((*max)[i] != 0) hll::SetRegister(&sketch, i, (*max)[i], max_bytes);
  }
  hll::InvalidateCache(&sketch);
  if (dest == nullptr) {
    ctx.db.Add(key, store::Value::FromRawString(sketch));
  } else {
    WriteBack(dest, sketch);
    ctx.db.SignalModified(key);
  }
  ctx.MarkDirty();
  ctx.reply.Ok();
}

// The sparse code as text: "z:len" (ZERO), "Z:len" (XZERO), "v:value,len" (VAL).
std::string DecodeSparse(std::string_view s) {
  std::string out;
  size_t p = hll::kHeaderSize;
  while (p < s.size()) {
    const auto b = static_cast<uint8_t>(s[p]);
    if ((b & 0xc0) == 0) {
      out += "z:" + std::to_string((b & 0x3f) + 1) + " ";
      p += 1;
    } else if ((b & 0xc0) == 0x40) {
      const unsigned next = p + 1 < s.size() ? static_cast<uint8_t>(s[p + 1]) : 0;
      out += "Z:" + std::to_string((((b & 0x3fU) << 8) | next) + 1) + " ";
      p += 2;
    } else {
      out += "v:" + std::to_string(((b >> 2) & 0x1f) + 1) + "," + std::to_string((b & 3) + 1) + " ";
      p += 1;
    }
  }
  if (!out.empty()) out.pop_back();
  return out;
}

// PFDEBUG <GETREG|DECODE|ENCODING|TODENSE> key
void PfDebug(CommandContext& ctx) {
  const std::string_view key = ctx.arg(2);
  const bool getreg = ArgIs(ctx, 1, "getreg");
  const bool decode = ArgIs(ctx, 1, "decode");
  const bool encoding = ArgIs(ctx, 1, "encoding");
  const bool todense = ArgIs(ctx, 1, "todense");
  store::KeyEntry* entry = nullptr;
  if (LookupWrite(ctx, key, store::ValueType::kString, &entry) == Lookup::kWrongType) return;
  if (entry == nullptr) return ctx.reply.Error(err::kHllDebugNoKey);
  std::string scratch;
  std::string_view bytes;
  if (!ReadSketch(ctx, entry->value, &scratch, &bytes)) return;
  MakeRaw(entry);
  bytes = StringView(entry->value, &scratch);
  if (getreg || todense) {
    const bool sparse = hll::IsSparse(bytes);
    if (sparse) {
      std::string sketch(bytes);
      if (!hll::ToDense(&sketch)) return ctx.reply.Error(err::kHllSparseCorrupt);
      WriteBack(entry, sketch);
      ctx.db.SignalModified(key);
      ctx.MarkDirty();
      bytes = StringView(entry->value, &scratch);
    }
    if (todense) return ctx.reply.Integer(sparse ? 1 : 0);
    const auto* registers = reinterpret_cast<const uint8_t*>(bytes.data()) + hll::kHeaderSize;
    ctx.reply.Array(hll::kRegisters);
    for (size_t i = 0; i < hll::kRegisters; ++i) ctx.reply.Integer(hll::DenseGet(registers, i));
    return;
  }
  if (decode) {
    if (!hll::IsSparse(bytes)) return ctx.reply.Error(err::kHllNotSparse);
    return ctx.reply.Bulk(DecodeSparse(bytes));
  }
  if (encoding) return ctx.reply.Simple(hll::IsSparse(bytes) ? "sparse" : "dense");
  ctx.reply.Error(err::HllUnknownDebugSubcommand(ctx.arg(1)));
}

}  // namespace

void RegisterHyperLogLogCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  CommandTable& t = server.commands();
  t.Add({.name = "pfadd",
         .arity = -2,
         .flags = kCmdWrite | kCmdDenyOom | kCmdFast,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = PfAdd,
         .group = "hyperloglog",
         .summary = "Adds the specified elements to the specified HyperLogLog.",
         .since = "2.8.9",
         .complexity = "O(1) to add every element.",
         .key_spec_flags = {"RW", "insert"}});
  t.Add({.name = "pfcount",
         .arity = -2,
         .flags = kCmdReadonly,
         .first_key = 1,
         .last_key = -1,
         .key_step = 1,
         .handler = PfCount,
         .group = "hyperloglog",
         .summary = "Return the approximated cardinality of the set(s) observed by the "
                    "HyperLogLog at key(s).",
         .since = "2.8.9",
         .complexity = "O(1) with a very small average constant time when called with a single "
                       "key. O(N) with N being the number of keys, and much bigger constant "
                       "times, when called with multiple keys.",
         .key_spec_flags = {"RW", "access"}});
  t.Add({.name = "pfmerge",
         .arity = -2,
         .flags = kCmdWrite | kCmdDenyOom,
         .first_key = 1,
         .last_key = -1,
         .key_step = 1,
         .handler = PfMerge,
         .group = "hyperloglog",
         .summary = "Merge N different HyperLogLogs into a single one.",
         .since = "2.8.9",
         .complexity = "O(N) to merge N HyperLogLogs, but with high constant times.",
         .key_spec_flags = {"RW", "access", "insert"}});
  t.Add({.name = "pfdebug",
         .arity = 3,
         .flags = kCmdWrite | kCmdDenyOom | kCmdAdmin,
         .first_key = 2,
         .last_key = 2,
         .key_step = 1,
         .handler = PfDebug,
         .group = "hyperloglog",
         .summary = "Internal commands for debugging HyperLogLog values",
         .since = "2.8.9",
         .complexity = "N/A",
         .key_spec_flags = {"RW", "access"}});
}

}  // namespace baton::commands
