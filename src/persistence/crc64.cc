#include "crc64.h"

#include <array>
#include <cstring>

namespace baton::persistence {
namespace {

// The polynomial 0xad93d23594c935a9 with its bits reversed, for the
// reflected (LSB-first) form of the algorithm.
constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;

// Eight tables for slicing-by-8: table[k][b] is the CRC of byte b followed
// by k zero bytes.
using Tables = std::array<std::array<uint64_t, 256>, 8>;

constexpr Tables BuildTables() {
  Tables t{};
  for (uint64_t n = 0; n < 256; ++n) {
    uint64_t c = n;
    for (int i = 0; i < 8; ++i) c = (c & 1) != 0 ? (c >> 1) ^ kReflectedPoly : c >> 1;
    t[0][n] = c;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (size_t n = 0; n < 256; ++n) t[k][n] = (t[k - 1][n] >> 8) ^ t[0][t[k - 1][n] & 0xff];
  }
  return t;
}

constexpr Tables kTables = BuildTables();

}  // namespace

uint64_t Crc64(uint64_t crc, const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (len >= 8) {
    uint64_t word = 0;
    std::memcpy(&word, p, 8);  // little-endian hosts only (x86-64, arm64)
    crc ^= word;
    crc = kTables[7][crc & 0xff] ^ kTables[6][(crc >> 8) & 0xff] ^ kTables[5][(crc >> 16) & 0xff] ^
          kTables[4][(crc >> 24) & 0xff] ^ kTables[3][(crc >> 32) & 0xff] ^
          kTables[2][(crc >> 40) & 0xff] ^ kTables[1][(crc >> 48) & 0xff] ^ kTables[0][crc >> 56];
    p += 8;
    len -= 8;
  }
  while (len-- > 0) crc = kTables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace baton::persistence
