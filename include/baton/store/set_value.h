// Set values, in Redis 7.0's two encodings.
//
// "intset": a sorted array of integers of one width (1, 2, 4 or 8 bytes, the
// smallest that holds every member), stored in the same allocation as the
// object: SADD s 1 2 3 is one 16-byte block. Used while every member is a
// canonical integer and there are at most set-max-intset-entries members.
// "hashtable": a HashTable of SetNode otherwise. A set is converted once and
// never back (Redis 7.0 has no listpack sets; that arrived in 7.2).
//
// As with hashes, edits are static functions on the owning Value because an
// intset may move to a bigger block or be replaced by its hashtable form.
// A set is never stored empty: callers delete the key when size() drops to 0.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "baton/store/compact_list.h"
#include "baton/store/hash_table.h"
#include "baton/store/value.h"

namespace baton::store {

struct SetLimits {
  size_t max_intset_entries = 512;
};

// One member of the hashtable encoding.
struct SetNode {
  SetNode* next = nullptr;
  uint32_t len = 0;

  [[nodiscard]] std::string_view Key() const {
    return {reinterpret_cast<const char*>(this + 1), len};
  }
  [[nodiscard]] size_t AllocSize() const { return RoundAlloc(sizeof(SetNode) + len); }
  static SetNode* Create(std::string_view member);
  static void Destroy(SetNode* node);
};

class SetValue : public Aggregate {
 public:
  [[nodiscard]] ValueType type() const final { return ValueType::kSet; }
  [[nodiscard]] virtual bool is_intset() const = 0;
  [[nodiscard]] virtual size_t size() const = 0;
  [[nodiscard]] virtual bool Contains(std::string_view member) const = 0;
  // A uniformly chosen member (the set must not be empty).
  [[nodiscard]] virtual CompactEntry Random() const = 0;

  // fn(std::string_view member) for every member, in storage order (sorted
  // for an intset).
  template <typename Fn>
  void ForEach(Fn&& fn) const;
  // SSCAN step; an intset is reported whole with cursor 0, like Redis.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const;
  // Every member, as strings.
  [[nodiscard]] std::vector<std::string> Members() const;

  // A new, empty intset.
  static Value New();
  // Adds a member to the set held by `slot`; true when it was not there.
  static bool Add(Value& slot, std::string_view member, const SetLimits& limits);
  // Removes a member; true when it was there.
  static bool Remove(Value& slot, std::string_view member);
};

// The intset encoding: the object header is followed, in the same malloc'd
// block, by `count_` integers of `width_` bytes in ascending order.
class IntSetValue final : public SetValue {
 public:
  static void operator delete(void* p) { std::free(p); }
  // A block for `count` integers of `width` bytes (count_ left at 0).
  static IntSetValue* Allocate(size_t count, uint8_t width);

  [[nodiscard]] std::string_view encoding() const override { return "intset"; }
  [[nodiscard]] std::unique_ptr<Aggregate> Clone() const override;
  [[nodiscard]] size_t MemoryUsage() const override;
  [[nodiscard]] bool is_intset() const override { return true; }
  [[nodiscard]] size_t size() const override { return count_; }
  [[nodiscard]] bool Contains(std::string_view member) const override;
  [[nodiscard]] CompactEntry Random() const override;

  [[nodiscard]] int64_t At(size_t i) const {
    int64_t v = 0;
    const uint8_t* p = data() + i * width_;
    switch (width_) {
      case 1:
        v = static_cast<int8_t>(*p);
        break;
      case 2:
        v = Load<int16_t>(p);
        break;
      case 4:
        v = Load<int32_t>(p);
        break;
      default:
        v = Load<int64_t>(p);
        break;
    }
    return v;
  }
  // Binary search: true when found; *pos is the index or the insertion point.
  bool Find(int64_t v, size_t* pos) const;
  [[nodiscard]] uint8_t width() const { return width_; }
  // Smallest width that holds v.
  static uint8_t WidthFor(int64_t v);

  // Inserts v at index `pos` in place: the width must suffice and
  // HasRoomForOne() must hold.
  void InsertAt(size_t pos, int64_t v);
  // A new block holding these members plus v at `pos`, widened if needed.
  [[nodiscard]] IntSetValue* CopyInserting(size_t pos, int64_t v) const;
  void EraseAt(size_t pos);
  [[nodiscard]] bool HasRoomForOne() const {
    return BlockSize(count_, width_) >= kDataOffset + (count_ + size_t{1}) * width_;
  }

  static constexpr size_t kDataOffset = 13;

 private:
  IntSetValue() = default;
  template <typename T>
  static T Load(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  }
  [[nodiscard]] const uint8_t* data() const {
    return reinterpret_cast<const uint8_t*>(this) + kDataOffset;
  }
  uint8_t* data() { return reinterpret_cast<uint8_t*>(this) + kDataOffset; }
  void Put(size_t i, int64_t v);
  static size_t BlockSize(size_t count, uint8_t width) {
    return RoundAlloc(std::max(sizeof(IntSetValue), kDataOffset + count * width));
  }

  uint32_t count_ = 0;
  uint8_t width_ = 1;
  // The integers start here and run past the object (read through pointers).
  [[maybe_unused]] uint8_t first_bytes_[3] = {};
};

static_assert(sizeof(IntSetValue) == 16, "an intset header is 16 bytes with 3 data bytes");

// The hashtable encoding.
class TableSetValue final : public SetValue {
 public:
  TableSetValue() = default;
  ~TableSetValue() override;
  TableSetValue(const TableSetValue&) = delete;
  TableSetValue& operator=(const TableSetValue&) = delete;

  [[nodiscard]] std::string_view encoding() const override { return "hashtable"; }
  [[nodiscard]] std::unique_ptr<Aggregate> Clone() const override;
  [[nodiscard]] size_t MemoryUsage() const override;
  [[nodiscard]] bool is_intset() const override { return false; }
  [[nodiscard]] size_t size() const override { return table_.size(); }
  [[nodiscard]] bool Contains(std::string_view member) const override {
    return table_.Find(member) != nullptr;
  }
  [[nodiscard]] CompactEntry Random() const override {
    return CompactEntry::OfString(table_.Random()->Key());
  }

  bool Add(std::string_view member);
  bool Remove(std::string_view member);
  [[nodiscard]] HashTable<SetNode>& table() const { return table_; }

 private:
  mutable HashTable<SetNode> table_;  // lookups may advance rehashing
  size_t node_bytes_ = 0;
};

template <typename Fn>
void SetValue::ForEach(Fn&& fn) const {
  if (is_intset()) {
    const auto* is = static_cast<const IntSetValue*>(this);
    for (size_t i = 0; i < is->size(); ++i) {
      CompactEntry e = CompactEntry::OfInt(is->At(i));
      fn(e.text());
    }
    return;
  }
  static_cast<const TableSetValue*>(this)->table().ForEach([&](const SetNode* n) { fn(n->Key()); });
}

template <typename Fn>
uint64_t SetValue::Scan(uint64_t cursor, Fn&& fn) const {
  if (is_intset()) {
    ForEach(fn);
    return 0;
  }
  return static_cast<const TableSetValue*>(this)->table().Scan(
      cursor, [&](const SetNode* n) { fn(n->Key()); });
}

}  // namespace baton::store
