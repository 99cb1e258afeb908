// Chained hash table with incremental rehashing.
//
// While the table grows or shrinks two bucket arrays coexist and buckets move
// from the old to the new one a few at a time: on every insert/find/remove and
// from a time-bounded step in the server's cron. No single operation pays for
// moving millions of entries. The SCAN cursor increments the reversed bucket
// index, so a full scan returns every element present from start to end even
// when the table is resized in between (elements may come back twice).
//
// Nodes are intrusive: a Node has a `Node* next` member and a
// `std::string_view Key() const`. The table never allocates or frees nodes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::store {

// Keyed 64-bit hash of a byte string. The seed is random per process so
// crafted keys cannot force collisions.
uint64_t HashBytes(std::string_view s);
void SetHashSeed(uint64_t seed);
// Uniform random 64-bit value from the process-wide generator.
uint64_t RandomU64();

template <typename Node>
class HashTable {
 public:
  HashTable() = default;
  HashTable(const HashTable&) = delete;
  HashTable& operator=(const HashTable&) = delete;
  HashTable(HashTable&& other) noexcept { Swap(other); }
  HashTable& operator=(HashTable&& other) noexcept {
    Swap(other);
    return *this;
  }
  ~HashTable() {
    std::free(table_[0].buckets);
    std::free(table_[1].buckets);
  }

  [[nodiscard]] size_t size() const { return table_[0].used + table_[1].used; }
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] bool rehashing() const { return rehash_index_ >= 0; }
  [[nodiscard]] size_t BucketCount() const { return table_[0].size + table_[1].size; }
  // Bytes used by the bucket arrays (not the nodes).
  [[nodiscard]] size_t BucketBytes() const { return BucketCount() * sizeof(Node*); }

  // When false, the table grows only when badly overloaded (load factor 5),
  // as Redis does while a fork child shares the memory.
  void set_resize_allowed(bool allowed) { resize_allowed_ = allowed; }

  Node* Find(std::string_view key) {
    if (size() == 0) return nullptr;
    if (rehashing()) RehashSteps(1);
    uint64_t h = HashBytes(key);
    for (int t = 0; t <= 1; ++t) {
      if (table_[t].size == 0) continue;
      for (Node* n = table_[t].buckets[h & (table_[t].size - 1)]; n != nullptr; n = n->next) {
        if (n->Key() == key) return n;
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  // Adds a node whose key is known to be absent.
  void Insert(Node* node) {
    if (rehashing()) RehashSteps(1);
    ExpandIfNeeded();
    Table& t = rehashing() ? table_[1] : table_[0];
    uint64_t idx = HashBytes(node->Key()) & (t.size - 1);
    node->next = t.buckets[idx];
    t.buckets[idx] = node;
    ++t.used;
  }

  // Unlinks the node with this key and returns it (the caller frees it).
  Node* Remove(std::string_view key) {
    if (size() == 0) return nullptr;
    if (rehashing()) RehashSteps(1);
    uint64_t h = HashBytes(key);
    for (int t = 0; t <= 1; ++t) {
      if (table_[t].size == 0) continue;
      Node** link = &table_[t].buckets[h & (table_[t].size - 1)];
      while (*link != nullptr) {
        Node* n = *link;
        if (n->Key() == key) {
          *link = n->next;
          n->next = nullptr;
          --table_[t].used;
          return n;
        }
        link = &n->next;
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  // Moves up to `n` buckets to the new table. Returns true while more remain.
  // Does nothing while a ForEach is running: a lookup made from inside the
  // callback (SINTER S S probes the set it iterates) must not move nodes
  // between the two tables under the iteration, as Redis's safe iterators
  // pause rehashing.
  bool RehashSteps(int n) {
    if (!rehashing() || rehash_paused_ > 0) return false;
    int empty_visits = n * 10;
    while (n-- > 0 && table_[0].used != 0) {
      while (table_[0].buckets[rehash_index_] == nullptr) {
        ++rehash_index_;
        if (--empty_visits == 0) return true;
      }
      Node* node = table_[0].buckets[rehash_index_];
      while (node != nullptr) {
        Node* next = node->next;
        uint64_t idx = HashBytes(node->Key()) & (table_[1].size - 1);
        node->next = table_[1].buckets[idx];
        table_[1].buckets[idx] = node;
        --table_[0].used;
        ++table_[1].used;
        node = next;
      }
      table_[0].buckets[rehash_index_] = nullptr;
      ++rehash_index_;
    }
    if (table_[0].used == 0) {
      std::free(table_[0].buckets);
      table_[0] = table_[1];
      table_[1] = Table{};
      rehash_index_ = -1;
      return false;
    }
    return true;
  }

  // Shrinks the table when it is less than 10% full (called from cron).
  void ShrinkIfSparse() {
    if (rehashing() || !resize_allowed_) return;
    if (table_[0].size > kMinSize && table_[0].used * 10 < table_[0].size) Resize(table_[0].used);
  }

  // Calls fn(node) for the buckets at `cursor` and returns the next cursor
  // (0 when the scan is complete). fn must not modify the table.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    if (size() == 0) return 0;
    if (!rehashing()) {
      const uint64_t m0 = table_[0].size - 1;
      EmitBucket(table_[0], cursor & m0, fn);
      cursor |= ~m0;
      return NextCursor(cursor);
    }
    const Table* small = &table_[0];
    const Table* large = &table_[1];
    if (small->size > large->size) std::swap(small, large);
    const uint64_t m0 = small->size - 1;
    const uint64_t m1 = large->size - 1;
    EmitBucket(*small, cursor & m0, fn);
    // Visit every bucket of the larger table that expands the small one's bucket.
    do {
      EmitBucket(*large, cursor & m1, fn);
      cursor |= ~m1;
      cursor = NextCursor(cursor);
    } while ((cursor & (m0 ^ m1)) != 0);
    return cursor;
  }

  // A random node, or nullptr when empty.
  Node* Random() {
    if (size() == 0) return nullptr;
    if (rehashing()) RehashSteps(1);
    Node* head = nullptr;
    if (rehashing()) {
      const size_t span = table_[0].size + table_[1].size - static_cast<size_t>(rehash_index_);
      while (head == nullptr) {
        size_t i = static_cast<size_t>(rehash_index_) + RandomU64() % span;
        head = i >= table_[0].size ? table_[1].buckets[i - table_[0].size] : table_[0].buckets[i];
      }
    } else {
      const uint64_t mask = table_[0].size - 1;
      while (head == nullptr) head = table_[0].buckets[RandomU64() & mask];
    }
    size_t len = 0;
    for (Node* n = head; n != nullptr; n = n->next) ++len;
    size_t pick = RandomU64() % len;
    Node* n = head;
    while (pick-- > 0) n = n->next;
    return n;
  }

  // Reports up to `count` distinct nodes (for sampling: active expiry,
  // eviction), walking buckets from a random index and jumping elsewhere after
  // a run of empty buckets, so sparse regions (a table being rehashed, one
  // emptied by deletions) do not end the sample early. Visits at most
  // count * 10 buckets. Not uniformly random, but cheap. fn must not modify
  // the table.
  template <typename Fn>
  size_t Sample(size_t count, Fn&& fn) {
    if (size() == 0 || count == 0) return 0;
    count = std::min(count, size());
    const int tables = rehashing() ? 2 : 1;
    uint64_t max_mask = table_[0].size - 1;
    if (tables == 2 && table_[1].size > table_[0].size) max_mask = table_[1].size - 1;
    constexpr size_t kEmptyRunBeforeJump = 5;
    std::vector<Node*> emitted;
    emitted.reserve(count);
    size_t steps = count * 10;
    size_t empty_run = 0;
    uint64_t i = RandomU64() & max_mask;
    while (emitted.size() < count && steps-- > 0) {
      bool empty = true;
      for (int t = 0; t < tables; ++t) {
        // Buckets of the old table below the rehash index were moved already.
        if (t == 0 && tables == 2 && i < static_cast<uint64_t>(rehash_index_)) continue;
        if (i >= table_[t].size) continue;
        for (Node* n = table_[t].buckets[i]; n != nullptr && emitted.size() < count; n = n->next) {
          empty = false;
          // A jump may land on a bucket seen before: report each node once.
          if (std::find(emitted.begin(), emitted.end(), n) != emitted.end()) continue;
          emitted.push_back(n);
          fn(n);
        }
      }
      if (empty && ++empty_run >= kEmptyRunBeforeJump) {
        i = RandomU64() & max_mask;
        empty_run = 0;
      } else {
        if (!empty) empty_run = 0;
        i = (i + 1) & max_mask;
      }
    }
    return emitted.size();
  }

  // Calls fn(node) for every node; fn must not modify the table.
  // Lookups from inside fn are allowed (rehashing waits until it returns).
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    struct PauseRehash {
      int& paused;
      explicit PauseRehash(int& p) : paused(p) { ++paused; }
      ~PauseRehash() { --paused; }
      PauseRehash(const PauseRehash&) = delete;
      PauseRehash& operator=(const PauseRehash&) = delete;
    } pause(rehash_paused_);
    for (int t = 0; t <= 1; ++t) {
      for (size_t i = 0; i < table_[t].size; ++i) {
        for (Node* n = table_[t].buckets[i]; n != nullptr;) {
          Node* next = n->next;
          fn(n);
          n = next;
        }
      }
    }
  }

  // Unlinks every node, handing each to `release`, and frees the buckets.
  template <typename Fn>
  void Clear(Fn&& release) {
    ForEach(release);
    std::free(table_[0].buckets);
    std::free(table_[1].buckets);
    table_[0] = Table{};
    table_[1] = Table{};
    rehash_index_ = -1;
  }

  void Swap(HashTable& other) noexcept {
    std::swap(table_[0], other.table_[0]);
    std::swap(table_[1], other.table_[1]);
    std::swap(rehash_index_, other.rehash_index_);
    std::swap(resize_allowed_, other.resize_allowed_);
  }

 private:
  struct Table {
    Node** buckets = nullptr;
    size_t size = 0;  // a power of two, or 0
    size_t used = 0;
  };
  static constexpr size_t kMinSize = 4;
  static constexpr size_t kForceResizeRatio = 5;

  static uint64_t Reverse(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
  }
  static uint64_t NextCursor(uint64_t cursor) {
    cursor = Reverse(cursor);
    ++cursor;
    return Reverse(cursor);
  }
  template <typename Fn>
  static void EmitBucket(const Table& t, uint64_t idx, Fn& fn) {
    for (Node* n = t.buckets[idx]; n != nullptr; n = n->next) fn(n);
  }

  void ExpandIfNeeded() {
    if (rehashing()) return;
    Table& t = table_[0];
    if (t.size == 0) {
      Resize(kMinSize);
      return;
    }
    if (t.used >= t.size && (resize_allowed_ || t.used / t.size > kForceResizeRatio)) {
      Resize(t.used + 1);
    }
  }

  void Resize(size_t wanted) {
    size_t size = kMinSize;
    while (size < wanted) size <<= 1;
    if (size == table_[0].size) return;
    Table fresh;
    fresh.size = size;
    fresh.buckets = static_cast<Node**>(std::calloc(size, sizeof(Node*)));
    if (table_[0].buckets == nullptr) {
      table_[0] = fresh;
      return;
    }
    table_[1] = fresh;
    rehash_index_ = 0;
  }

  Table table_[2];
  int64_t rehash_index_ = -1;
  bool resize_allowed_ = true;
  mutable int rehash_paused_ = 0;  // ForEach calls in progress
};

}  // namespace baton::store
