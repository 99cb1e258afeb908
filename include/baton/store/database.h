// One logical database (SELECT index): keys, values and expiry times.
//
// Keys live in a HashTable of KeyEntry nodes, each one allocation holding the
// header, the 16-byte Value and the key bytes. Keys with a TTL are also in a
// second table (the expires index) sampled by the active expiry cycle. A key
// that is found expired on access is deleted then (lazy expiry) unless the
// listener says deletions must wait (replicas, paused writes).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "baton/store/hash_table.h"
#include "baton/store/value.h"

namespace baton::store {

class Database;

// What the database needs from its owner: the time, and who to tell.
class KeyspaceListener {
 public:
  virtual ~KeyspaceListener() = default;
  // Milliseconds since the epoch, cached per command so a command sees one time.
  [[nodiscard]] virtual int64_t NowMs() const = 0;
  // False on replicas and while writes are paused: expired keys read as
  // missing but stay until the master (or the pause end) deletes them.
  [[nodiscard]] virtual bool ExpiryMayDelete() const = 0;
  // A key was deleted because it expired: propagate a DEL.
  virtual void OnKeyExpired(Database& db, std::string_view key) = 0;
  // A key's value changed or it was deleted (WATCH invalidation, tracking).
  virtual void OnKeyModified(Database& db, std::string_view key) = 0;
  // True when an LFU maxmemory-policy is set: accesses then update each key's
  // logarithmic access counter instead of its LRU time.
  [[nodiscard]] virtual bool LfuEnabled() const { return false; }
  // lfu-log-factor and lfu-decay-time (minutes; 0: counters never decay).
  [[nodiscard]] virtual int64_t LfuLogFactor() const { return 10; }
  [[nodiscard]] virtual int64_t LfuDecayMinutes() const { return 1; }
};

struct KeyEntry {
  KeyEntry* next = nullptr;
  uint32_t key_len : 31 = 0;
  uint32_t has_expire : 1 = 0;  // also present in the expires index
  uint32_t lru = 0;             // LRU clock in seconds, or LFU data when an LFU policy is set
  Value value;

  [[nodiscard]] std::string_view Key() const {
    return {reinterpret_cast<const char*>(this + 1), key_len};
  }
  static KeyEntry* Create(std::string_view key, Value value);
  static void Destroy(KeyEntry* entry);
};

struct ExpireEntry {
  ExpireEntry* next = nullptr;
  KeyEntry* key = nullptr;
  int64_t when_ms = 0;
  [[nodiscard]] std::string_view Key() const { return key->Key(); }
};

enum LookupFlags : unsigned {
  kLookupNone = 0,
  kLookupNoTouch = 1,   // do not update the access time (OBJECT, TYPE with no-touch)
  kLookupNoExpire = 2,  // do not delete an expired key (still reported missing)
  kLookupIgnoreTtl =
      4,  // return the key even if logically expired (replica applying master stream)
};

class Database {
 public:
  Database(int index, KeyspaceListener* listener) : index_(index), listener_(listener) {}
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  [[nodiscard]] int index() const { return index_; }
  [[nodiscard]] size_t size() const { return keys_.size(); }
  [[nodiscard]] size_t expires_size() const { return expires_.size(); }
  [[nodiscard]] int64_t avg_ttl_ms() const { return avg_ttl_ms_; }

  // Finds a live key; an expired one is deleted (when allowed) and reported missing.
  KeyEntry* Lookup(std::string_view key, unsigned flags = kLookupNone);
  // True when the key exists and is not logically expired (no side effects).
  bool Exists(std::string_view key);

  // Stores `value` under `key`, replacing any old value. The TTL is removed
  // unless `keep_ttl`. Signals a modification. Returns the entry.
  KeyEntry* Set(std::string_view key, Value value, bool keep_ttl = false);
  // Adds a key known to be absent (after a failed Lookup). Signals a modification.
  KeyEntry* Add(std::string_view key, Value value);
  // Deletes a key (expired or not). Returns true if it existed. Signals a modification.
  bool Delete(std::string_view key);
  // Removes the key without freeing: the caller owns the returned entry.
  KeyEntry* Detach(std::string_view key);
  // Inserts a detached entry (whose key must be absent), keeping `expire_ms` (-1 none).
  void Attach(KeyEntry* entry, int64_t expire_ms);

  // Expiry time in ms, or -1 when the key has none.
  [[nodiscard]] int64_t GetExpire(const KeyEntry* entry);
  void SetExpire(KeyEntry* entry, int64_t when_ms);
  // Removes the TTL; returns true if there was one.
  bool Persist(KeyEntry* entry);
  [[nodiscard]] bool IsExpired(const KeyEntry* entry);

  // Access tracking (OBJECT IDLETIME / FREQ, eviction). Meaningful only in
  // the mode the listener reports (LRU or LFU).
  // Seconds since the key was last accessed (LRU mode).
  [[nodiscard]] int64_t IdleSeconds(const KeyEntry* entry) const;
  // The access counter after time decay (LFU mode), without touching the key.
  [[nodiscard]] uint8_t LfuCounter(const KeyEntry* entry) const;
  // Records an access to the key (what Lookup does unless kLookupNoTouch).
  void Touch(KeyEntry* entry);

  // Tells the listener a key changed in place (APPEND, SETRANGE, list pushes...).
  void SignalModified(std::string_view key) { listener_->OnKeyModified(*this, key); }

  // Cursor-based iteration over keys (see HashTable::Scan). Expired keys are
  // reported too; callers filter with IsExpired.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    return keys_.Scan(cursor, fn);
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    keys_.ForEach(fn);
  }
  // A random live key, or nullptr.
  KeyEntry* RandomKey();
  // Eviction's picks, with no side effects (expired keys included): a random
  // key, or one with a TTL when `with_ttl_only`; nullptr when there is none.
  KeyEntry* RandomEntry(bool with_ttl_only) {
    if (!with_ttl_only) return keys_.Random();
    ExpireEntry* e = expires_.Random();
    return e != nullptr ? e->key : nullptr;
  }
  // Up to `count` keys sampled at random: fn(entry, expire_ms). From the keys
  // with a TTL (and that TTL) when `with_ttl_only`, else from all (and -1).
  template <typename Fn>
  void SampleKeys(size_t count, bool with_ttl_only, Fn&& fn) {
    if (with_ttl_only) {
      expires_.Sample(count, [&](ExpireEntry* e) { fn(e->key, e->when_ms); });
    } else {
      keys_.Sample(count, [&](KeyEntry* e) { fn(e, int64_t{-1}); });
    }
  }

  // Removes every key, handing back nothing. Signals nothing (FLUSH* handle WATCH).
  void Clear();
  // Exchanges contents with another database (SWAPDB); indexes stay.
  void SwapContents(Database& other);

  // One bounded round of active expiry: samples keys with a TTL and deletes
  // the expired ones. Returns {sampled, expired}.
  struct ExpireRound {
    size_t sampled = 0;
    size_t expired = 0;
  };
  ExpireRound ActiveExpireRound(size_t samples);
  // Moves buckets for up to `microseconds`; returns true while rehashing remains.
  bool RehashFor(int64_t microseconds);
  void ShrinkIfSparse() {
    keys_.ShrinkIfSparse();
    expires_.ShrinkIfSparse();
  }
  void SetResizeAllowed(bool allowed) {
    keys_.set_resize_allowed(allowed);
    expires_.set_resize_allowed(allowed);
  }
  [[nodiscard]] size_t OverheadBytes() const {
    return keys_.BucketBytes() + expires_.BucketBytes() + expires_.size() * sizeof(ExpireEntry);
  }
  [[nodiscard]] bool rehashing() const { return keys_.rehashing() || expires_.rehashing(); }

  KeyspaceListener* listener() const { return listener_; }

 private:
  void RemoveExpire(KeyEntry* entry);
  void DeleteExpired(KeyEntry* entry);
  void InitAccess(KeyEntry* entry);
  [[nodiscard]] uint32_t LruClock() const;

  int index_;
  KeyspaceListener* listener_;
  HashTable<KeyEntry> keys_;
  HashTable<ExpireEntry> expires_;
  int64_t avg_ttl_ms_ = 0;
};

}  // namespace baton::store
