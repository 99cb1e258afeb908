// HyperLogLog sketches stored as string values, byte-compatible with Redis.
//
// Layout (all of it travels through RDB and replication, so it must match):
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 zero bytes | 8-byte cached
//   cardinality, little endian; bit 7 of its last byte set means "stale".
// Dense: 16384 registers of 6 bits, packed least significant bit first
// (12288 bytes). Sparse: a run-length code over the registers:
//   00xxxxxx           ZERO:  xxxxxx+1 registers at 0 (1..64)
//   01xxxxxx yyyyyyyy  XZERO: 14-bit length+1 registers at 0 (1..16384)
//   1vvvvvxx           VAL:   xx+1 registers at vvvvv+1 (value 1..32)
// A sparse sketch turns dense when a register needs more than 32 or the
// string would grow past hll-sparse-max-bytes.
//
// Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits
// pick the register, and the register candidate is 1 + the number of
// trailing zeros of the remaining 50 bits (at most 51). The cardinality uses
// Ertl's improved estimator on the register histogram.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace baton::store::hll {

inline constexpr int kIndexBits = 14;
inline constexpr size_t kRegisters = size_t{1} << kIndexBits;  // 16384
inline constexpr int kRegisterBits = 6;
inline constexpr int kHashBits = 64 - kIndexBits;  // 50
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + kRegisters * kRegisterBits / 8;  // 12304
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
inline constexpr uint64_t kHashSeed = 0xadc83b19ULL;
inline constexpr size_t kDefaultSparseMaxBytes = 3000;

// One value per register (what PFCOUNT/PFMERGE of several keys accumulate).
using Registers = std::array<uint8_t, kRegisters>;

// Result of changing a sketch.
enum class Change { kUnchanged, kUpdated, kCorrupt };

// MurmurHash64A (Austin Appleby), reading 8-byte blocks little endian.
uint64_t MurmurHash64A(std::string_view data, uint64_t seed);
// Register index and candidate value (1..51) for an element.
void HashElement(std::string_view element, size_t* index, uint8_t* count);

// A new, empty sparse sketch (one XZERO opcode), cache valid at 0.
std::string CreateEmpty();
// The header checks a string must pass to be treated as a sketch: length,
// magic, known encoding, exact dense size.
bool IsValid(std::string_view s);
[[nodiscard]] inline bool IsSparse(std::string_view s) {
  return static_cast<uint8_t>(s[4]) == kSparse;
}

// Cached cardinality: true and *out when the cache is valid.
bool CachedCardinality(std::string_view s, uint64_t* out);
void SetCachedCardinality(std::string* s, uint64_t card);
// Marks the cache stale (only sets the flag bit; the old bytes stay).
void InvalidateCache(std::string* s);

// Adds an element. Does not touch the cache flag (callers invalidate).
Change Add(std::string* s, std::string_view element, size_t sparse_max_bytes);
// Raises register `index` to `count` if lower (count 1..63).
Change SetRegister(std::string* s, size_t index, uint8_t count, size_t sparse_max_bytes);
// Converts a sparse sketch to dense (no-op when dense); false when corrupt.
bool ToDense(std::string* s);
// max[i] = MAX(max[i], register i); false when the sparse code is corrupt.
bool MergeInto(std::string_view s, Registers* max);
// Estimated cardinality from the registers; false when the sparse code is corrupt.
bool Count(std::string_view s, uint64_t* out);
uint64_t CountRegisters(const Registers& registers);

// Register accessors of the dense form (`registers` points past the header).
uint8_t DenseGet(const uint8_t* registers, size_t index);
void DenseSet(uint8_t* registers, size_t index, uint8_t value);

}  // namespace baton::store::hll
