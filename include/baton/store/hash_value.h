// Hash values, in Redis 7.0's two encodings.
//
// "listpack": a CompactList of field,value,field,value... stored in the same
// allocation as the object (the vtable pointer, the 8-byte list header, then
// the entries), so a small hash costs one block: HSET h f1 v1 f2 v2 is 32
// bytes. "hashtable": a HashTable of HashNode (field and value bytes in one
// allocation per pair). A hash is converted once, when it gets more than
// hash-max-listpack-entries fields or a field/value longer than
// hash-max-listpack-value bytes, and never back.
//
// Because a listpack hash may move to a bigger block when it grows, or be
// replaced by its hashtable form, edits are static functions taking the Value
// that owns the hash; they update it in place. Reads go through the object.
// A hash is never stored empty: callers delete the key when size() drops to 0.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "baton/store/compact_list.h"
#include "baton/store/hash_table.h"
#include "baton/store/value.h"

namespace baton::store {

struct HashLimits {
  size_t max_listpack_entries = 128;
  size_t max_listpack_value = 64;
};

// One field,value pair of the hashtable encoding, in one allocation.
struct HashNode {
  HashNode* next = nullptr;
  uint32_t field_len = 0;
  uint32_t value_len = 0;

  [[nodiscard]] std::string_view Key() const {
    return {reinterpret_cast<const char*>(this + 1), field_len};
  }
  [[nodiscard]] std::string_view Val() const {
    return {reinterpret_cast<const char*>(this + 1) + field_len, value_len};
  }
  [[nodiscard]] size_t AllocSize() const {
    return RoundAlloc(sizeof(HashNode) + field_len + value_len);
  }
  static HashNode* Create(std::string_view field, std::string_view value);
  static void Destroy(HashNode* node);
};

class HashValue : public Aggregate {
 public:
  [[nodiscard]] ValueType type() const final { return ValueType::kHash; }
  [[nodiscard]] virtual bool is_listpack() const = 0;
  [[nodiscard]] virtual size_t size() const = 0;
  // Finds a field's value; false when absent. An integer value is reported
  // as such (out->is_int()), text() gives its bytes either way.
  virtual bool Get(std::string_view field, CompactEntry* out) const = 0;
  [[nodiscard]] bool Contains(std::string_view field) const {
    CompactEntry unused;
    return Get(field, &unused);
  }
  // A uniformly chosen pair (the hash must not be empty).
  virtual void RandomPair(CompactEntry* field, CompactEntry* value) const = 0;

  // fn(std::string_view field, std::string_view value) for every pair, in
  // storage order (what DEBUG DIGEST and persistence need).
  template <typename Fn>
  void ForEach(Fn&& fn) const;
  // HSCAN step: fn(field, value) for the pairs at `cursor`, returns the next
  // cursor. A listpack hash is reported whole with cursor 0, like Redis.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const;

  // A new, empty listpack hash.
  static Value New();
  // Sets field to value in the hash held by `slot`; true when the field is new.
  static bool Set(Value& slot, std::string_view field, std::string_view value,
                  const HashLimits& limits);
  // Removes a field; true when it existed.
  static bool Delete(Value& slot, std::string_view field);
};

// The listpack encoding. Allocated with malloc (see New) so the entries can
// follow the object in the same block; `delete` frees it with free().
class ListpackHash final : public HashValue {
 public:
  static void operator delete(void* p) { std::free(p); }
  // A block with room for a list of `list_bytes` (header and entries).
  static ListpackHash* Allocate(size_t list_bytes);

  [[nodiscard]] std::string_view encoding() const override { return "listpack"; }
  [[nodiscard]] std::unique_ptr<Aggregate> Clone() const override;
  [[nodiscard]] size_t MemoryUsage() const override;
  [[nodiscard]] bool is_listpack() const override { return true; }
  [[nodiscard]] size_t size() const override { return list_.size() / 2; }
  bool Get(std::string_view field, CompactEntry* out) const override;
  void RandomPair(CompactEntry* field, CompactEntry* value) const override;

  [[nodiscard]] const CompactList& list() const { return list_; }
  CompactList& list() { return list_; }
  // Bytes of the object in front of the list header (the vtable pointer).
  static constexpr size_t kListOffset = 8;

 private:
  ListpackHash() = default;
  CompactList list_;  // last: the entries follow it in the block
};

// list_ follows the vtable pointer; the rest of the object is its padding,
// which the entries overlay.
static_assert(sizeof(ListpackHash) == ListpackHash::kListOffset + alignof(void*));

// The hashtable encoding.
class TableHash final : public HashValue {
 public:
  TableHash() = default;
  ~TableHash() override;
  TableHash(const TableHash&) = delete;
  TableHash& operator=(const TableHash&) = delete;

  [[nodiscard]] std::string_view encoding() const override { return "hashtable"; }
  [[nodiscard]] std::unique_ptr<Aggregate> Clone() const override;
  [[nodiscard]] size_t MemoryUsage() const override;
  [[nodiscard]] bool is_listpack() const override { return false; }
  [[nodiscard]] size_t size() const override { return table_.size(); }
  bool Get(std::string_view field, CompactEntry* out) const override;
  void RandomPair(CompactEntry* field, CompactEntry* value) const override;

  // Sets a field; true when new.
  bool Set(std::string_view field, std::string_view value);
  bool Delete(std::string_view field);
  [[nodiscard]] HashTable<HashNode>& table() const { return table_; }

 private:
  mutable HashTable<HashNode> table_;  // lookups may advance rehashing
  size_t node_bytes_ = 0;
};

template <typename Fn>
void HashValue::ForEach(Fn&& fn) const {
  if (is_listpack()) {
    const CompactList& l = static_cast<const ListpackHash*>(this)->list();
    for (size_t pos = l.Begin(); pos < l.End();) {
      CompactEntry field = l.Get(pos);
      pos = l.Next(pos);
      CompactEntry value = l.Get(pos);
      pos = l.Next(pos);
      fn(field.text(), value.text());
    }
    return;
  }
  static_cast<const TableHash*>(this)->table().ForEach(
      [&](const HashNode* n) { fn(n->Key(), n->Val()); });
}

template <typename Fn>
uint64_t HashValue::Scan(uint64_t cursor, Fn&& fn) const {
  if (is_listpack()) {
    ForEach(fn);
    return 0;
  }
  return static_cast<const TableHash*>(this)->table().Scan(
      cursor, [&](const HashNode* n) { fn(n->Key(), n->Val()); });
}

}  // namespace baton::store
