// Sorted set values, in Redis 7.0's two encodings.
//
// "listpack": a CompactList of member,score,member,score... kept in (score,
// member) order, used while the set has at most zset-max-listpack-entries
// members of at most zset-max-listpack-value bytes. Scores are stored as their
// shortest round-tripping text (an integer entry when integral).
// "skiplist": a skiplist with spans (rank queries in O(log n)) whose nodes are
// also the nodes of a member -> node hash table (one allocation per member).
// A sorted set is converted once, when it outgrows the listpack limits, and
// never back; a new set (ZUNIONSTORE, ZRANGESTORE...) starts as a listpack.
//
// Ordering is by score, then by member bytes (memcmp). Ranks are 0-based in
// ascending order. Edits are static functions on the owning Value because the
// encoding may change. A sorted set is never stored empty: callers delete the
// key when size() drops to 0.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "baton/store/compact_list.h"
#include "baton/store/hash_table.h"
#include "baton/store/value.h"

namespace baton::store {

struct ZSetLimits {
  size_t max_listpack_entries = 128;
  size_t max_listpack_value = 64;
};

// Formats a score the way Redis 7.0 stores it in a listpack: integral values
// within +/-2^62 as integers, others "%.17g"; "inf", "-inf".
std::string ZScoreText(double score);

class ZSetValue : public Aggregate {
 public:
  // True while `member`/`score` sort before the bound being searched for;
  // must be true for a prefix of the order and false after.
  using Before = std::function<bool(std::string_view member, double score)>;
  // Visits one element; returns false to stop.
  using Visit = std::function<bool(std::string_view member, double score)>;

  [[nodiscard]] ValueType type() const final { return ValueType::kZSet; }
  [[nodiscard]] virtual bool is_listpack() const = 0;
  [[nodiscard]] virtual size_t size() const = 0;
  // The member's score; false when absent.
  virtual bool Score(std::string_view member, double* score) const = 0;
  // The member's ascending 0-based rank; false when absent.
  virtual bool Rank(std::string_view member, size_t* rank) const = 0;
  // How many elements satisfy `before` (the rank where the bound falls).
  [[nodiscard]] virtual size_t CountBefore(const Before& before) const = 0;
  // Visits ranks [start, end) ascending, or descending from end-1 when
  // `reverse`. end <= size().
  virtual void Walk(size_t start, size_t end, bool reverse, const Visit& fn) const = 0;

  // fn(member, score) for every element in order.
  void ForEach(const Visit& fn) const { Walk(0, size(), false, fn); }
  // ZSCAN step: fn(member, score text) where the text is what Redis 7.0
  // shows (the stored text for a listpack, "%.17g" for a skiplist). A
  // listpack is reported whole with cursor 0, like Redis.
  uint64_t Scan(uint64_t cursor,
                const std::function<void(std::string_view, std::string_view)>& fn) const;

  // A new, empty listpack sorted set.
  static Value New();
  // Sets the member's score (adding it when absent); true when added.
  static bool Set(Value& slot, std::string_view member, double score, const ZSetLimits& limits);
  // Removes a member; true when it was there.
  static bool Remove(Value& slot, std::string_view member);
  // Replaces a listpack sorted set in `slot` by its skiplist form, members
  // and scores kept (a skiplist is left as it is).
  static void ConvertToSkiplist(Value& slot);
};

// The listpack encoding: the object header is followed, in the same
// malloc'd block, by the list header and its entries (as ListpackHash), so a
// small sorted set is one allocation. Edits that grow it go through
// ZSetValue::Set, which moves it to a bigger block when it is full.
class ListpackZSet final : public ZSetValue {
 public:
  static void operator delete(void* p) { std::free(p); }
  // A block with room for a list of `list_bytes` (header and entries).
  static ListpackZSet* Allocate(size_t list_bytes);

  [[nodiscard]] std::string_view encoding() const override { return "listpack"; }
  [[nodiscard]] std::unique_ptr<Aggregate> Clone() const override;
  [[nodiscard]] size_t MemoryUsage() const override;
  [[nodiscard]] bool is_listpack() const override { return true; }
  [[nodiscard]] size_t size() const override { return list_.size() / 2; }
  bool Score(std::string_view member, double* score) const override;
  bool Rank(std::string_view member, size_t* rank) const override;
  [[nodiscard]] size_t CountBefore(const Before& before) const override;
  void Walk(size_t start, size_t end, bool reverse, const Visit& fn) const override;

  // The score of rank `rank` as stored.
  [[nodiscard]] std::string ScoreTextAt(size_t rank) const;
  // Inserts a member known to be absent, in order, with its score and the
  // score's stored text (ZScoreText). The block must have room for both.
  void Insert(std::string_view member, double score, std::string_view score_text);
  // Removes a member; true when it was there.
  bool Delete(std::string_view member);

  [[nodiscard]] const CompactList& list() const { return list_; }
  CompactList& list() { return list_; }
  // Bytes of the object in front of the list header (the vtable pointer).
  static constexpr size_t kListOffset = 8;

 private:
  ListpackZSet() = default;
  [[nodiscard]] double ScoreAt(size_t pos) const;
  CompactList list_;  // last: the entries follow it in the block
};

// list_ follows the vtable pointer; the rest of the object is its padding,
// which the entries overlay.
static_assert(sizeof(ListpackZSet) == ListpackZSet::kListOffset + alignof(void*));

// One member of the skiplist encoding: hash chain, skiplist links and the
// member bytes in one allocation.
struct ZSkipNode {
  struct Level {
    ZSkipNode* forward;
    size_t span;
  };
  ZSkipNode* next = nullptr;  // hash chain
  ZSkipNode* backward = nullptr;
  double score = 0;
  uint32_t len = 0;
  uint8_t level = 0;

  Level* levels() { return reinterpret_cast<Level*>(this + 1); }
  [[nodiscard]] const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
  [[nodiscard]] std::string_view Key() const {
    return {reinterpret_cast<const char*>(levels() + level), len};
  }
  static ZSkipNode* Create(int level, double score, std::string_view member);
  static void Destroy(ZSkipNode* node) { std::free(node); }
};

// The skiplist encoding.
class SkiplistZSet final : public ZSetValue {
 public:
  static constexpr int kMaxLevel = 32;

  SkiplistZSet();
  ~SkiplistZSet() override;
  SkiplistZSet(const SkiplistZSet&) = delete;
  SkiplistZSet& operator=(const SkiplistZSet&) = delete;

  [[nodiscard]] std::string_view encoding() const override { return "skiplist"; }
  [[nodiscard]] std::unique_ptr<Aggregate> Clone() const override;
  [[nodiscard]] size_t MemoryUsage() const override;
  [[nodiscard]] bool is_listpack() const override { return false; }
  [[nodiscard]] size_t size() const override { return length_; }
  bool Score(std::string_view member, double* score) const override;
  bool Rank(std::string_view member, size_t* rank) const override;
  [[nodiscard]] size_t CountBefore(const Before& before) const override;
  void Walk(size_t start, size_t end, bool reverse, const Visit& fn) const override;

  // Sets a score; true when the member was added.
  bool Set(std::string_view member, double score);
  bool Delete(std::string_view member);
  [[nodiscard]] HashTable<ZSkipNode>& table() const { return table_; }

 private:
  // Links `node` (its level already chosen) at its place in the order.
  void Link(ZSkipNode* node);
  // Unlinks `node` from the skiplist (not from the table).
  void Unlink(ZSkipNode* node);
  // The node at 0-based rank, or nullptr.
  [[nodiscard]] ZSkipNode* AtRank(size_t rank) const;

  ZSkipNode* header_;
  ZSkipNode* tail_ = nullptr;
  size_t length_ = 0;
  int level_ = 1;
  size_t node_bytes_ = 0;
  mutable HashTable<ZSkipNode> table_;  // lookups may advance rehashing
};

}  // namespace baton::store
