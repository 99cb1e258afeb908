#include "lzf.h"

#include <array>
#include <cstring>

namespace baton::persistence {
namespace {

constexpr size_t kMaxLiteral = 32;     // bytes per literal run
constexpr size_t kMaxDistance = 8192;  // 13-bit offset + 1
constexpr size_t kMaxMatch = 264;      // 255 + 7 + 2
constexpr size_t kHashBits = 14;

// Positions of recent 3-byte prefixes, tagged with the call's generation so
// the table never needs clearing between calls (entries of older calls are
// ignored, which also keeps the output deterministic).
struct HashTable {
  std::array<uint64_t, size_t{1} << kHashBits> slots{};
  uint32_t generation = 0;
};

thread_local HashTable tls_table;

inline uint32_t Hash3(const uint8_t* p) {
  const uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
  return (v * 2654435761U) >> (32 - kHashBits);
}

}  // namespace

size_t LzfCompress(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_cap) {
  if (in_len == 0 || out_cap == 0) return 0;
  HashTable& table = tls_table;
  const uint64_t gen = ++table.generation;
  if (gen == 0) {  // wrapped: old tags could look current
    table.slots.fill(0);
    table.generation = 1;
  }
  const uint64_t tag = uint64_t{table.generation} << 32;

  size_t ip = 0;
  size_t op = 1;        // out[0] is the control byte of the first literal run
  size_t ctrl_pos = 0;  // where the open literal run's control byte goes
  size_t lit = 0;       // bytes in the open literal run
  while (ip + 2 < in_len) {
    const uint32_t h = Hash3(in + ip);
    const uint64_t slot = table.slots[h];
    table.slots[h] = tag | ip;
    size_t ref = static_cast<size_t>(slot & 0xffffffffULL);
    if ((slot & ~0xffffffffULL) == tag && ref < ip && ip - ref <= kMaxDistance &&
        std::memcmp(in + ref, in + ip, 3) == 0) {
      size_t max_len = in_len - ip;
      if (max_len > kMaxMatch) max_len = kMaxMatch;
      size_t len = 3;
      while (len < max_len && in[ref + len] == in[ip + len]) ++len;
      // Close the literal run (or drop its unused control byte).
      if (lit > 0) {
        out[ctrl_pos] = static_cast<uint8_t>(lit - 1);
      } else {
        --op;
      }
      const size_t off = ip - ref - 1;
      const size_t code = len - 2;
      if (op + 3 + 1 > out_cap) return 0;  // back-reference plus the next control byte
      if (code < 7) {
        out[op++] = static_cast<uint8_t>((code << 5) | (off >> 8));
      } else {
        out[op++] = static_cast<uint8_t>((7 << 5) | (off >> 8));
        out[op++] = static_cast<uint8_t>(code - 7);
      }
      out[op++] = static_cast<uint8_t>(off & 0xff);
      // Index the positions inside the match so later data can refer to them.
      const size_t end = ip + len;
      for (size_t p = ip + 1; p < end && p + 2 < in_len; ++p) {
        table.slots[Hash3(in + p)] = tag | p;
      }
      ip = end;
      ctrl_pos = op++;
      lit = 0;
      continue;
    }
    if (op + 1 > out_cap) return 0;
    out[op++] = in[ip++];
    if (++lit == kMaxLiteral) {
      out[ctrl_pos] = static_cast<uint8_t>(kMaxLiteral - 1);
      if (op + 1 > out_cap) return 0;
      ctrl_pos = op++;
      lit = 0;
    }
  }
  while (ip < in_len) {
    if (op + 1 > out_cap) return 0;
    out[op++] = in[ip++];
    if (++lit == kMaxLiteral) {
      out[ctrl_pos] = static_cast<uint8_t>(kMaxLiteral - 1);
      lit = 0;
      if (ip < in_len) {
        if (op + 1 > out_cap) return 0;
        ctrl_pos = op++;
      } else {
        return op;
      }
    }
  }
  if (lit > 0) {
    out[ctrl_pos] = static_cast<uint8_t>(lit - 1);
  } else {
    --op;  // the last control byte was never used
  }
  return op;
}

size_t LzfDecompress(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_cap) {
  size_t ip = 0;
  size_t op = 0;
  while (ip < in_len) {
    const size_t ctrl = in[ip++];
    if (ctrl < 32) {
      const size_t run = ctrl + 1;
      if (run > in_len - ip || run > out_cap - op) return 0;
      std::memcpy(out + op, in + ip, run);
      ip += run;
      op += run;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) {
      if (ip >= in_len) return 0;
      len += in[ip++];
    }
    if (ip >= in_len) return 0;
    const size_t back = ((ctrl & 0x1f) << 8) + in[ip++] + 1;
    len += 2;
    if (back > op || len > out_cap - op) return 0;
    size_t ref = op - back;
    if (back >= len) {
      std::memcpy(out + op, out + ref, len);
      op += len;
    } else {
      while (len-- > 0) out[op++] = out[ref++];  // overlapping copy repeats the pattern
    }
  }
  return op;
}

}  // namespace baton::persistence
