#include <cstring>
#include <random>
#include <string_view>

#include "baton/store/hash_table.h"

namespace baton::store {
namespace {

constexpr uint64_t kP1 = 0x9E3779B97F4A7C15ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;

uint64_t seed_state = 0x2545F4914F6CDD1DULL;
uint64_t hash_seed = 0x8A5CD789635D2DFFULL;

uint64_t Rotl(uint64_t v, int r) { return (v << r) | (v >> (64 - r)); }

// Final avalanche (from the public-domain splitmix64 finaliser).
uint64_t Finalize(uint64_t h) {
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBULL;
  h ^= h >> 31;
  return h;
}

uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

struct SeedOnStart {
  SeedOnStart() {
    std::random_device rd;
    hash_seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    seed_state = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ kP3;
  }
} seed_on_start;

}  // namespace

void SetHashSeed(uint64_t seed) { hash_seed = seed; }

uint64_t HashBytes(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = hash_seed ^ (n * kP1);
  while (n >= 8) {
    uint64_t w = Load64(p) * kP2;
    h = Rotl(h ^ Rotl(w, 31) * kP1, 27) * kP3 + kP2;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h ^= Rotl(w * kP2, 31) * kP1;
  }
  return Finalize(h);
}

uint64_t RandomU64() {
  // splitmix64 sequence
  uint64_t z = (seed_state += kP1);
  return Finalize(z);
}

}  // namespace baton::store
