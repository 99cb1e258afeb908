#include "baton/store/hyperloglog.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace baton::store::hll {
namespace {

constexpr size_t kCardOffset = 8;
constexpr uint8_t kStaleBit = 0x80;
constexpr size_t kZeroMaxLen = 64;
constexpr size_t kXZeroMaxLen = kRegisters;
constexpr uint8_t kValMaxValue = 32;
constexpr size_t kValMaxLen = 4;
constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)
constexpr size_t kNone = static_cast<size_t>(-1);

// Sparse opcodes.
bool IsZero(uint8_t b) { return (b & 0xc0) == 0x00; }
bool IsXZero(uint8_t b) { return (b & 0xc0) == 0x40; }
size_t ZeroLen(uint8_t b) { return (b & 0x3fU) + 1; }
size_t XZeroLen(uint8_t b, uint8_t next) { return (((b & 0x3fU) << 8) | next) + 1; }
uint8_t ValValue(uint8_t b) { return static_cast<uint8_t>(((b >> 2) & 0x1f) + 1); }
size_t ValLen(uint8_t b) { return (b & 0x3U) + 1; }
char ValOp(uint8_t value, size_t len) {
  return static_cast<char>(0x80 | ((value - 1) << 2) | (len - 1));
}
// A run of `len` zero registers: ZERO when it fits, XZERO otherwise.
void AppendZeros(std::string* out, size_t len) {
  if (len > kZeroMaxLen) {
    out->push_back(static_cast<char>(0x40 | ((len - 1) >> 8)));
    out->push_back(static_cast<char>((len - 1) & 0xff));
  } else {
    out->push_back(static_cast<char>(len - 1));
  }
}

uint8_t ByteAt(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }
// The byte after an XZERO's first byte; a truncated string reads a zero
// (what a NUL-terminated buffer would give).
uint8_t NextByte(std::string_view s, size_t i) { return i + 1 < s.size() ? ByteAt(s, i + 1) : 0; }

const uint8_t* DenseRegisters(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data()) + kHeaderSize;
}

// Walks the sparse code calling fn(value, run_length) for each run; stops
// early when fn returns false. Returns how many registers were covered.
template <typename Fn>
size_t WalkSparse(std::string_view s, Fn&& fn) {
  size_t idx = 0;
  size_t p = kHeaderSize;
  while (p < s.size()) {
    const uint8_t b = ByteAt(s, p);
    size_t len = 0;
    uint8_t value = 0;
    if (IsZero(b)) {
      len = ZeroLen(b);
      p += 1;
    } else if (IsXZero(b)) {
      len = XZeroLen(b, NextByte(s, p));
      p += 2;
    } else {
      len = ValLen(b);
      value = ValValue(b);
      p += 1;
    }
    if (!fn(idx, value, len)) break;
    idx += len;
  }
  return idx;
}

// The walk Redis's merge and sparse-to-dense conversion make: zero runs only
// advance (their total is checked by the caller), a value run past the last
// register ends the walk. fn(idx, value, len) sees the value runs. Returns
// the registers covered: kRegisters for a sound sketch.
template <typename Fn>
size_t WalkValueRuns(std::string_view s, Fn&& fn) {
  return WalkSparse(s, [&](size_t idx, uint8_t value, size_t len) {
    if (value == 0) return true;
    if (idx + len > kRegisters) return false;
    fn(idx, value, len);
    return true;
  });
}

// Ertl's sigma and tau series (arXiv:1702.01284).
double Sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1;
  double z = x;
  double z_prev = 0;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z_prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1 - x;
  double z_prev = 0;
  do {
    x = std::sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prev != z);
  return z / 3;
}

using Histogram = std::array<int, 64>;

uint64_t Estimate(const Histogram& histo) {
  const double m = kRegisters;
  double z = m * Tau((m - histo[kHashBits + 1]) / m);
  for (int j = kHashBits; j >= 1; --j) {
    z += histo[static_cast<size_t>(j)];
    z *= 0.5;
  }
  z += m * Sigma(histo[0] / m);
  return static_cast<uint64_t>(std::llround(kAlphaInf * m * m / z));
}

// Merges adjacent VAL opcodes of equal value around a change, scanning at
// most five opcodes from `start`.
void MergeAdjacentVals(std::string* s, size_t start) {
  size_t p = start;
  int scan = 5;
  while (p < s->size() && scan-- > 0) {
    const uint8_t b = ByteAt(*s, p);
    if (IsXZero(b)) {
      p += 2;
      continue;
    }
    if (IsZero(b)) {
      p += 1;
      continue;
    }
    if (p + 1 < s->size() && !IsZero(ByteAt(*s, p + 1)) && !IsXZero(ByteAt(*s, p + 1))) {
      const uint8_t next = ByteAt(*s, p + 1);
      const uint8_t v1 = ValValue(b);
      const size_t len = ValLen(b) + ValLen(next);
      if (v1 == ValValue(next) && len <= kValMaxLen) {
        (*s)[p + 1] = ValOp(v1, len);
        s->erase(p, 1);
        continue;
      }
    }
    p += 1;
  }
}

Change PromoteAndSet(std::string* s, size_t index, uint8_t count) {
  if (!ToDense(s)) return Change::kCorrupt;
  DenseSet(reinterpret_cast<uint8_t*>(s->data()) + kHeaderSize, index, count);
  return Change::kUpdated;
}

Change SparseSet(std::string* s, size_t index, uint8_t count, size_t sparse_max_bytes) {
  if (count > kValMaxValue) return PromoteAndSet(s, index, count);
  // Find the opcode covering `index`.
  size_t p = kHeaderSize;
  size_t prev = kNone;
  size_t first = 0;
  size_t span = 0;
  size_t oplen = 1;
  while (p < s->size()) {
    const uint8_t b = ByteAt(*s, p);
    oplen = 1;
    if (IsZero(b)) {
      span = ZeroLen(b);
    } else if (IsXZero(b)) {
      span = XZeroLen(b, NextByte(*s, p));
      oplen = 2;
    } else {
      span = ValLen(b);
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= s->size()) return Change::kCorrupt;

  const uint8_t op = ByteAt(*s, p);
  const bool is_zero = IsZero(op);
  const bool is_xzero = IsXZero(op);
  const bool is_val = !is_zero && !is_xzero;
  if (is_val) {
    if (ValValue(op) >= count) return Change::kUnchanged;
    if (span == 1) {
      (*s)[p] = ValOp(count, 1);
      MergeAdjacentVals(s, prev == kNone ? kHeaderSize : prev);
      return Change::kUpdated;
    }
  }
  if (is_zero && span == 1) {
    (*s)[p] = ValOp(count, 1);
    MergeAdjacentVals(s, prev == kNone ? kHeaderSize : prev);
    return Change::kUpdated;
  }

  // Split the run into up to three opcodes (five bytes).
  const size_t last = first + span - 1;
  std::string seq;
  if (is_val) {
    const uint8_t current = ValValue(op);
    if (index != first) seq.push_back(ValOp(current, index - first));
    seq.push_back(ValOp(count, 1));
    if (index != last) seq.push_back(ValOp(current, last - index));
  } else {
    if (index != first) AppendZeros(&seq, index - first);
    seq.push_back(ValOp(count, 1));
    if (index != last) AppendZeros(&seq, last - index);
  }
  const size_t old_len = is_xzero ? 2 : 1;
  if (seq.size() > old_len && s->size() + (seq.size() - old_len) > sparse_max_bytes) {
    return PromoteAndSet(s, index, count);
  }
  s->replace(p, std::min(old_len, s->size() - p), seq);
  MergeAdjacentVals(s, prev == kNone ? kHeaderSize : prev);
  return Change::kUpdated;
}

}  // namespace

uint64_t MurmurHash64A(std::string_view data, uint64_t seed) {
  constexpr uint64_t kM = 0xc6a4a7935bd1e995ULL;
  constexpr int kR = 47;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t len = data.size();
  uint64_t h = seed ^ (len * kM);
  const size_t blocks = len / 8;
  for (size_t i = 0; i < blocks; ++i, p += 8) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; --b) k = (k << 8) | p[b];
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h ^= k;
    h *= kM;
  }
  switch (len & 7) {
    case 7:
      h ^= uint64_t{p[6]} << 48;
      [[fallthrough]];
    case 6:
      h ^= uint64_t{p[5]} << 40;
      [[fallthrough]];
    case 5:
      h ^= uint64_t{p[4]} << 32;
      [[fallthrough]];
    case 4:
      h ^= uint64_t{p[3]} << 24;
      [[fallthrough]];
    case 3:
      h ^= uint64_t{p[2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint64_t{p[1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= uint64_t{p[0]};
      h *= kM;
      break;
    default:
      break;
  }
  h ^= h >> kR;
  h *= kM;
  h ^= h >> kR;
  return h;
}

void HashElement(std::string_view element, size_t* index, uint8_t* count) {
  uint64_t hash = MurmurHash64A(element, kHashSeed);
  *index = static_cast<size_t>(hash & (kRegisters - 1));
  hash >>= kIndexBits;
  hash |= uint64_t{1} << kHashBits;  // bounds the count at kHashBits + 1
  *count = static_cast<uint8_t>(std::countr_zero(hash) + 1);
}

std::string CreateEmpty() {
  std::string s(kHeaderSize, '\0');
  s.replace(0, 4, "HYLL");
  s[4] = static_cast<char>(kSparse);
  AppendZeros(&s, kXZeroMaxLen);
  return s;
}

bool IsValid(std::string_view s) {
  if (s.size() < kHeaderSize) return false;
  if (s.substr(0, 4) != "HYLL") return false;
  const uint8_t encoding = ByteAt(s, 4);
  if (encoding > kSparse) return false;
  return encoding != kDense || s.size() == kDenseSize;
}

bool CachedCardinality(std::string_view s, uint64_t* out) {
  if ((ByteAt(s, kCardOffset + 7) & kStaleBit) != 0) return false;
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | ByteAt(s, kCardOffset + static_cast<size_t>(i));
  *out = card;
  return true;
}

void SetCachedCardinality(std::string* s, uint64_t card) {
  for (size_t i = 0; i < 8; ++i)
    (*s)[kCardOffset + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

void InvalidateCache(std::string* s) {
  (*s)[kCardOffset + 7] = static_cast<char>(ByteAt(*s, kCardOffset + 7) | kStaleBit);
}

uint8_t DenseGet(const uint8_t* registers, size_t index) {
  const size_t bit = index * kRegisterBits;
  const size_t byte = bit / 8;
  const unsigned shift = bit & 7;
  unsigned v = registers[byte] >> shift;
  if (shift > 8 - kRegisterBits) v |= static_cast<unsigned>(registers[byte + 1]) << (8 - shift);
  return static_cast<uint8_t>(v & 0x3f);
}

void DenseSet(uint8_t* registers, size_t index, uint8_t value) {
  const size_t bit = index * kRegisterBits;
  const size_t byte = bit / 8;
  const unsigned shift = bit & 7;
  const unsigned v = value & 0x3fU;
  registers[byte] = static_cast<uint8_t>((registers[byte] & ~(0x3fU << shift)) | (v << shift));
  if (shift > 8 - kRegisterBits) {
    const unsigned rest = 8 - shift;
    registers[byte + 1] =
        static_cast<uint8_t>((registers[byte + 1] & ~(0x3fU >> rest)) | (v >> rest));
  }
}

Change SetRegister(std::string* s, size_t index, uint8_t count, size_t sparse_max_bytes) {
  Change result = Change::kUnchanged;
  if (IsSparse(*s)) {
    result = SparseSet(s, index, count, sparse_max_bytes);
  } else {
    auto* registers = reinterpret_cast<uint8_t*>(s->data()) + kHeaderSize;
    if (DenseGet(registers, index) < count) {
      DenseSet(registers, index, count);
      result = Change::kUpdated;
    }
  }
  if (result == Change::kUpdated) InvalidateCache(s);
  return result;
}

Change Add(std::string* s, std::string_view element, size_t sparse_max_bytes) {
  size_t index = 0;
  uint8_t count = 0;
  HashElement(element, &index, &count);
  return SetRegister(s, index, count, sparse_max_bytes);
}

bool ToDense(std::string* s) {
  if (!IsSparse(*s)) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), s->data(), kHeaderSize);
  dense[4] = static_cast<char>(kDense);
  auto* registers = reinterpret_cast<uint8_t*>(dense.data()) + kHeaderSize;
  const size_t covered = WalkValueRuns(*s, [&](size_t idx, uint8_t value, size_t len) {
    for (size_t i = 0; i < len; ++i) DenseSet(registers, idx + i, value);
  });
  if (covered != kRegisters) return false;
  *s = std::move(dense);
  return true;
}

bool MergeInto(std::string_view s, Registers* max) {
  if (!IsSparse(s)) {
    const uint8_t* registers = DenseRegisters(s);
    for (size_t i = 0; i < kRegisters; ++i) {
      const uint8_t v = DenseGet(registers, i);
      if (v > (*max)[i]) (*max)[i] = v;
    }
    return true;
  }
  const size_t covered = WalkValueRuns(s, [&](size_t idx, uint8_t value, size_t len) {
    for (size_t i = 0; i < len; ++i) {
      if (value > (*max)[idx + i]) (*max)[idx + i] = value;
    }
  });
  return covered == kRegisters;
}

bool Count(std::string_view s, uint64_t* out) {
  Histogram histo{};
  if (!IsSparse(s)) {
    const uint8_t* registers = DenseRegisters(s);
    for (size_t i = 0; i < kRegisters; ++i) ++histo[DenseGet(registers, i)];
  } else {
    const size_t covered = WalkSparse(s, [&](size_t, uint8_t value, size_t len) {
      histo[value] += static_cast<int>(len);
      return true;
    });
    if (covered != kRegisters) return false;
  }
  *out = Estimate(histo);
  return true;
}

uint64_t CountRegisters(const Registers& registers) {
  Histogram histo{};
  for (uint8_t v : registers) ++histo[v & 0x3f];
  return Estimate(histo);
}

}  // namespace baton::store::hll
