#include "baton/server/eviction.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "baton/server/server.h"

namespace baton::server {
namespace {

using config::kAllKeysRandom;
using config::kNoEviction;
using config::kVolatileLru;
using config::kVolatileRandom;
using config::kVolatileTtl;

bool VolatileOnly(int64_t policy) { return policy >= kVolatileLru; }

// How long one call may keep evicting, from maxmemory-eviction-tenacity:
// 50 us per step up to 10 (500 us), then 15% more per step; 100 is unbounded.
std::chrono::microseconds TimeBudget(int64_t tenacity) {
  if (tenacity <= 10) return std::chrono::microseconds(50 * tenacity);
  if (tenacity < 100) {
    return std::chrono::microseconds(
        static_cast<int64_t>(500.0 * std::pow(1.15, static_cast<double>(tenacity - 10))));
  }
  return std::chrono::microseconds::max();
}

// Keys checked between two looks at the clock.
constexpr int kEvictionsPerClockCheck = 16;
// Sampling rounds that found only vanished candidates before giving up.
constexpr int kMaxEmptyRounds = 16;

}  // namespace

EvictionResult Evictor::Perform() {
  const config::Settings& s = server_.settings();
  // A replica keeps its master's dataset (replica-ignore-maxmemory).
  if (s.maxmemory <= 0 || server_.role().is_replica) return EvictionResult::kOk;
  const auto limit = static_cast<size_t>(s.maxmemory);
  size_t used = server_.UsedMemoryFast();
  if (used <= limit) {
    NoteOverLimit(false);
    return EvictionResult::kOk;
  }
  const size_t not_counted = server_.MemoryNotCountedForEviction();
  used = used > not_counted ? used - not_counted : 0;
  if (used <= limit) {
    NoteOverLimit(false);
    return EvictionResult::kOk;
  }
  NoteOverLimit(true);
  const int64_t policy = s.maxmemory_policy;
  // While writes are paused the dataset must not change (as for expiry).
  if (policy == kNoEviction || !server_.ExpiryMayDelete()) return EvictionResult::kFail;

  using Clock = std::chrono::steady_clock;
  const auto budget = TimeBudget(s.maxmemory_eviction_tenacity);
  const auto start = Clock::now();
  const size_t to_free = used - limit;
  size_t freed = 0;
  for (int evicted = 1; freed < to_free; ++evicted) {
    int db = 0;
    std::string key;
    if (!PickKey(policy, &db, &key)) return EvictionResult::kFail;
    const size_t before = server_.UsedMemoryFast();
    server_.db(db).Delete(key);  // tells WATCH and tracking, like DEL
    const size_t after = server_.UsedMemoryFast();
    if (before > after) freed += before - after;
    ++server_.stats().evicted_keys;
    server_.dispatcher().AddEffect(db, {s.lazyfree_lazy_eviction ? "UNLINK" : "DEL", key});
    if (evicted % kEvictionsPerClockCheck == 0 && Clock::now() - start > budget) {
      return EvictionResult::kRunning;
    }
  }
  NoteOverLimit(false);
  return EvictionResult::kOk;
}

bool Evictor::PickKey(int64_t policy, int* db, std::string* key) {
  if (policy == kAllKeysRandom || policy == kVolatileRandom) {
    return PickRandom(policy == kVolatileRandom, db, key);
  }
  return PickFromPool(policy, db, key);
}

bool Evictor::PickRandom(bool with_ttl_only, int* db, std::string* key) {
  const int dbs = server_.db_count();
  for (int i = 0; i < dbs; ++i) {
    const int index = next_db_;
    next_db_ = (next_db_ + 1) % dbs;
    store::KeyEntry* entry = server_.db(index).RandomEntry(with_ttl_only);
    if (entry != nullptr) {
      *db = index;
      key->assign(entry->Key());
      return true;
    }
  }
  return false;
}

bool Evictor::PickFromPool(int64_t policy, int* db, std::string* key) {
  const bool with_ttl_only = VolatileOnly(policy);
  const auto samples = static_cast<size_t>(server_.settings().maxmemory_samples);
  for (int round = 0; round < kMaxEmptyRounds; ++round) {
    size_t candidates = 0;
    for (int i = 0; i < server_.db_count(); ++i) {
      store::Database& d = server_.db(i);
      if ((with_ttl_only ? d.expires_size() : d.size()) == 0) continue;
      ++candidates;
      d.SampleKeys(samples, with_ttl_only, [&](store::KeyEntry* e, int64_t expire_ms) {
        uint64_t score = 0;
        if (policy == kVolatileTtl) {
          // The sooner it expires, the better.
          score = std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(expire_ms);
        } else if (config::IsLfuPolicy(policy)) {
          score = 255 - d.LfuCounter(e);  // the less used, the better
        } else {
          score = static_cast<uint64_t>(d.IdleSeconds(e));  // the longer idle, the better
        }
        Offer(score, i, e->Key());
      });
    }
    if (candidates == 0) return false;  // no key left to evict
    while (!pool_.empty()) {
      Candidate best = std::move(pool_.back());
      pool_.pop_back();
      // It may have been deleted or lost its TTL since it was sampled.
      store::KeyEntry* e = server_.db(best.db).Lookup(
          best.key, store::kLookupNoTouch | store::kLookupNoExpire | store::kLookupIgnoreTtl);
      if (e == nullptr || (with_ttl_only && !e->has_expire)) continue;
      *db = best.db;
      *key = std::move(best.key);
      return true;
    }
  }
  return false;
}

void Evictor::Offer(uint64_t score, int db, std::string_view key) {
  if (pool_.size() >= kPoolSize && score <= pool_.front().score) return;
  for (const Candidate& c : pool_) {
    if (c.db == db && c.key == key) return;  // already a candidate
  }
  auto at = std::upper_bound(pool_.begin(), pool_.end(), score,
                             [](uint64_t s, const Candidate& c) { return s < c.score; });
  pool_.insert(at, Candidate{score, db, std::string(key)});
  if (pool_.size() > kPoolSize) pool_.erase(pool_.begin());
}

void Evictor::NoteOverLimit(bool over) {
  const int64_t now = server_.NowMs();
  if (over && over_since_ms_ < 0) {
    over_since_ms_ = now;
  } else if (!over && over_since_ms_ >= 0) {
    exceeded_total_ms_ += now - over_since_ms_;
    over_since_ms_ = -1;
  }
}

int64_t Evictor::ExceededMsTotal(int64_t now_ms) const {
  return exceeded_total_ms_ + ExceededMsCurrent(now_ms);
}

int64_t Evictor::ExceededMsCurrent(int64_t now_ms) const {
  return over_since_ms_ < 0 ? 0 : std::max<int64_t>(0, now_ms - over_since_ms_);
}

}  // namespace baton::server
