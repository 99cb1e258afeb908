#include "baton/store/database.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>

namespace baton::store {

KeyEntry* KeyEntry::Create(std::string_view key, Value value) {
  void* mem = std::malloc(sizeof(KeyEntry) + key.size());
  if (mem == nullptr) throw std::bad_alloc();
  auto* entry = new (mem) KeyEntry();
  entry->key_len = static_cast<uint32_t>(key.size());
  entry->value = std::move(value);
  if (!key.empty()) std::memcpy(static_cast<void*>(entry + 1), key.data(), key.size());
  return entry;
}

void KeyEntry::Destroy(KeyEntry* entry) {
  entry->~KeyEntry();
  std::free(entry);
}

Database::~Database() { Clear(); }

namespace {

// LFU data in KeyEntry::lru: the last decrement time in minutes (16 bits)
// above an 8-bit logarithmic access counter, as Redis lays it out.
constexpr uint32_t kLfuInitCounter = 5;

uint32_t LfuMinutes(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 60000) & 0xFFFF; }

// The counter less one per `decay_minutes` elapsed since its last decrement.
uint32_t DecayedCounter(uint32_t lfu, int64_t now_ms, int64_t decay_minutes) {
  const uint32_t last = (lfu >> 8) & 0xFFFF;
  const uint32_t counter = lfu & 0xFF;
  if (decay_minutes <= 0) return counter;
  const uint32_t now = LfuMinutes(now_ms);
  const uint32_t elapsed = now >= last ? now - last : 0xFFFF - last + now;
  const auto periods = static_cast<int64_t>(elapsed) / decay_minutes;
  return periods > counter ? 0 : counter - static_cast<uint32_t>(periods);
}

// One access: +1 with probability 1 / ((counter - 5) * log_factor + 1).
uint32_t LogIncrement(uint32_t counter, int64_t log_factor) {
  if (counter >= 255) return 255;
  const double r = static_cast<double>(RandomU64() >> 11) * 0x1.0p-53;
  const double base = counter > kLfuInitCounter ? counter - kLfuInitCounter : 0;
  const double p = 1.0 / (base * static_cast<double>(log_factor) + 1);
  return r < p ? counter + 1 : counter;
}

}  // namespace

uint32_t Database::LruClock() const { return static_cast<uint32_t>(listener_->NowMs() / 1000); }

void Database::InitAccess(KeyEntry* entry) {
  if (listener_->LfuEnabled()) {
    entry->lru = (LfuMinutes(listener_->NowMs()) << 8) | kLfuInitCounter;
  } else {
    entry->lru = LruClock();
  }
}

void Database::Touch(KeyEntry* entry) {
  if (listener_->LfuEnabled()) {
    const int64_t now = listener_->NowMs();
    const uint32_t counter = LogIncrement(
        DecayedCounter(entry->lru, now, listener_->LfuDecayMinutes()), listener_->LfuLogFactor());
    entry->lru = (LfuMinutes(now) << 8) | counter;
  } else {
    entry->lru = LruClock();
  }
}

int64_t Database::IdleSeconds(const KeyEntry* entry) const {
  const int64_t idle = static_cast<int64_t>(LruClock()) - static_cast<int64_t>(entry->lru);
  return idle > 0 ? idle : 0;
}

uint8_t Database::LfuCounter(const KeyEntry* entry) const {
  return static_cast<uint8_t>(
      DecayedCounter(entry->lru, listener_->NowMs(), listener_->LfuDecayMinutes()));
}

bool Database::IsExpired(const KeyEntry* entry) {
  if (!entry->has_expire) return false;
  ExpireEntry* e = expires_.Find(entry->Key());
  return e != nullptr && e->when_ms <= listener_->NowMs();
}

KeyEntry* Database::Lookup(std::string_view key, unsigned flags) {
  KeyEntry* entry = keys_.Find(key);
  if (entry == nullptr) return nullptr;
  if (entry->has_expire && (flags & kLookupIgnoreTtl) == 0 && IsExpired(entry)) {
    if ((flags & kLookupNoExpire) == 0 && listener_->ExpiryMayDelete()) DeleteExpired(entry);
    return nullptr;
  }
  if ((flags & kLookupNoTouch) == 0) Touch(entry);
  return entry;
}

bool Database::Exists(std::string_view key) {
  KeyEntry* entry = keys_.Find(key);
  return entry != nullptr && !IsExpired(entry);
}

KeyEntry* Database::Set(std::string_view key, Value value, bool keep_ttl) {
  KeyEntry* entry = keys_.Find(key);
  if (entry == nullptr) return Add(key, std::move(value));
  entry->value = std::move(value);
  // A new value starts a new LRU time; LFU keeps the key's access history.
  if (!listener_->LfuEnabled()) entry->lru = LruClock();
  if (!keep_ttl && entry->has_expire) RemoveExpire(entry);
  listener_->OnKeyModified(*this, key);
  return entry;
}

KeyEntry* Database::Add(std::string_view key, Value value) {
  KeyEntry* entry = KeyEntry::Create(key, std::move(value));
  InitAccess(entry);
  keys_.Insert(entry);
  listener_->OnKeyModified(*this, key);
  return entry;
}

bool Database::Delete(std::string_view key) {
  KeyEntry* entry = Detach(key);
  if (entry == nullptr) return false;
  listener_->OnKeyModified(*this, key);
  KeyEntry::Destroy(entry);
  return true;
}

KeyEntry* Database::Detach(std::string_view key) {
  KeyEntry* entry = keys_.Find(key);
  if (entry == nullptr) return nullptr;
  if (entry->has_expire) RemoveExpire(entry);
  keys_.Remove(key);
  return entry;
}

void Database::Attach(KeyEntry* entry, int64_t expire_ms) {
  keys_.Insert(entry);
  if (expire_ms >= 0) SetExpire(entry, expire_ms);
}

void Database::DeleteExpired(KeyEntry* entry) {
  // Keep the key text alive for the listener until after it ran.
  std::string key(entry->Key());
  KeyEntry* detached = Detach(key);
  listener_->OnKeyExpired(*this, key);
  listener_->OnKeyModified(*this, key);
  KeyEntry::Destroy(detached);
}

int64_t Database::GetExpire(const KeyEntry* entry) {
  if (!entry->has_expire) return -1;
  ExpireEntry* e = expires_.Find(entry->Key());
  return e == nullptr ? -1 : e->when_ms;
}

void Database::SetExpire(KeyEntry* entry, int64_t when_ms) {
  if (entry->has_expire) {
    ExpireEntry* e = expires_.Find(entry->Key());
    if (e != nullptr) {
      e->when_ms = when_ms;
      return;
    }
  }
  auto* e = new ExpireEntry();
  e->key = entry;
  e->when_ms = when_ms;
  expires_.Insert(e);
  entry->has_expire = 1;
}

bool Database::Persist(KeyEntry* entry) {
  if (!entry->has_expire) return false;
  RemoveExpire(entry);
  return true;
}

void Database::RemoveExpire(KeyEntry* entry) {
  ExpireEntry* e = expires_.Remove(entry->Key());
  delete e;
  entry->has_expire = 0;
}

KeyEntry* Database::RandomKey() {
  // When expired keys may be deleted every miss shrinks the table, so the
  // loop ends. Otherwise (replicas, paused writes) give up after a bounded
  // number of tries when every key has a TTL, returning an expired key as
  // Redis does rather than looping forever.
  const bool may_delete = listener_->ExpiryMayDelete();
  const bool all_volatile = keys_.size() == expires_.size();
  for (int attempt = 0;; ++attempt) {
    KeyEntry* entry = keys_.Random();
    if (entry == nullptr) return nullptr;
    if (!entry->has_expire || !IsExpired(entry)) return entry;
    if (may_delete) {
      DeleteExpired(entry);
    } else if (all_volatile && attempt >= 100) {
      return entry;
    }
  }
}

void Database::Clear() {
  expires_.Clear([](ExpireEntry* e) { delete e; });
  keys_.Clear([](KeyEntry* e) { KeyEntry::Destroy(e); });
  avg_ttl_ms_ = 0;
}

void Database::SwapContents(Database& other) {
  keys_.Swap(other.keys_);
  expires_.Swap(other.expires_);
  std::swap(avg_ttl_ms_, other.avg_ttl_ms_);
}

Database::ExpireRound Database::ActiveExpireRound(size_t samples) {
  ExpireRound round;
  if (expires_.empty()) return round;
  const int64_t now = listener_->NowMs();
  std::vector<KeyEntry*> expired;
  int64_t ttl_sum = 0;
  size_t ttl_count = 0;
  round.sampled = expires_.Sample(samples, [&](ExpireEntry* e) {
    if (e->when_ms <= now) {
      expired.push_back(e->key);
    } else {
      ttl_sum += e->when_ms - now;
      ++ttl_count;
    }
  });
  if (ttl_count > 0) {
    int64_t avg = ttl_sum / static_cast<int64_t>(ttl_count);
    // Running estimate, weighted like Redis (2% new sample per round).
    avg_ttl_ms_ = avg_ttl_ms_ == 0 ? avg : (avg_ttl_ms_ / 50) * 49 + (avg / 50);
  }
  for (KeyEntry* entry : expired) DeleteExpired(entry);
  round.expired = expired.size();
  return round;
}

bool Database::RehashFor(int64_t microseconds) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::microseconds(microseconds);
  bool more = true;
  while (more) {
    more = keys_.RehashSteps(100);
    more = expires_.RehashSteps(100) || more;
    if (Clock::now() >= deadline) break;
  }
  return more;
}

}  // namespace baton::store
