// Helpers shared by the string and bitmap command files (strings.cc,
// string_*.cc, bitmaps.cc), and the handlers their Register functions add.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "baton/commands/helpers.h"
#include "baton/store/database.h"

namespace baton::commands {

// True when limits do not apply to this client's writes (the master link).
bool MustObeyClient(const CommandContext& ctx);
// Replies kStringTooLong and returns false when `size + append` bytes exceed
// proto-max-bulk-len (or what a string value can hold).
bool CheckStringLength(CommandContext& ctx, uint64_t size, uint64_t append);
// True when the lazyfree directive `name` (e.g. "lazyfree-lazy-user-del") is yes.
bool LazyFreeEnabled(const CommandContext& ctx, std::string_view name);
// "DEL" or "UNLINK" for a deletion's propagated effect, by the lazyfree directive.
std::string DeleteVerb(const CommandContext& ctx, std::string_view lazyfree_directive);

// Finds a key for reading whatever its type, counting a keyspace hit or miss
// (MGET, LCS, BITOP: the caller decides what a wrong type means).
store::KeyEntry* LookupReadAnyType(CommandContext& ctx, std::string_view key);

// The bytes of a string value. Int-encoded values are formatted into
// `scratch`, so the view lives as long as both the value and `scratch`.
std::string_view StringView(const store::Value& value, std::string* scratch);

// Makes the string under `entry` raw and at least `min_len` bytes long
// (zero-filled growth); returns its bytes. The length is max(old, min_len).
char* UnshareString(store::KeyEntry* entry, size_t min_len);

// Parses a bit offset (SETBIT, GETBIT, BITFIELD). With `allow_hash`, "#N"
// means N * `bits`. Replies kBitOffset when it is not a non-negative integer
// whose byte lies below proto-max-bulk-len.
bool ParseBitOffset(CommandContext& ctx, std::string_view arg, bool allow_hash, int bits,
                    uint64_t* out);

// Formats like Redis's human-friendly long double (INCRBYFLOAT, HINCRBYFLOAT):
// 17 decimals, trailing zeros (and a bare '.') trimmed, "-0" shown as "0".
std::string FormatLongDouble(long double v);

// Largest string a value can hold, whatever proto-max-bulk-len says.
inline constexpr uint64_t kMaxStringValueBytes = 0xFFFFFFFFULL - (4ULL << 20);

namespace strings {

// string_set.cc
void Set(CommandContext& ctx);
void SetNx(CommandContext& ctx);
void SetEx(CommandContext& ctx);
void PSetEx(CommandContext& ctx);
void GetEx(CommandContext& ctx);
// string_incr.cc
void Incr(CommandContext& ctx);
void Decr(CommandContext& ctx);
void IncrBy(CommandContext& ctx);
void DecrBy(CommandContext& ctx);
void IncrByFloat(CommandContext& ctx);
// string_lcs.cc
void Lcs(CommandContext& ctx);
// string_bitfield.cc
void BitField(CommandContext& ctx);
void BitFieldRo(CommandContext& ctx);

}  // namespace strings
}  // namespace baton::commands
