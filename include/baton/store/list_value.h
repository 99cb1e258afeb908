// The list type: a deque of packed nodes, like Redis's quicklist of listpacks.
//
// Each node stores its elements back to back as
//   [varint length][bytes][varint length, bytes reversed]
// so a node can be walked from either end. A node grows until it reaches the
// list-max-listpack-size limit captured when the list was created (negative:
// 4, 8, 16, 32 or 64 KB of bytes; positive: that many entries, at most 8 KB),
// then a new node starts; an element larger than the limit gets a node of its
// own. OBJECT ENCODING answers "quicklist" for every list: Redis 7.0 has no
// listpack-encoded lists (7.2 added them), so there is no conversion to report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "baton/store/value.h"

namespace baton::store {

enum class ListEnd : uint8_t { kHead, kTail };

class ListValue final : public Aggregate {
 public:
  // `fill` is list-max-listpack-size (clamped like Redis to [-5, 32767]).
  explicit ListValue(int64_t fill = -2);

  [[nodiscard]] ValueType type() const override { return ValueType::kList; }
  [[nodiscard]] std::string_view encoding() const override { return "quicklist"; }
  [[nodiscard]] std::unique_ptr<Aggregate> Clone() const override;
  [[nodiscard]] size_t MemoryUsage() const override;

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] size_t node_count() const { return nodes_.size(); }

  void Push(std::string_view element, ListEnd end);
  // Removes and returns the element at `end` (the list must not be empty).
  std::string Pop(ListEnd end);
  // The element at `index` (0-based from the head, index < size()).
  [[nodiscard]] std::string At(size_t index) const;
  // Replaces the element at `index` (< size()).
  void Set(size_t index, std::string_view element);
  // Inserts so that the new element ends up at `index` (<= size()).
  void Insert(size_t index, std::string_view element);
  // LREM: removes up to |count| elements equal to `element` (all when 0),
  // from the head when count >= 0, from the tail otherwise. Returns how many.
  size_t Remove(std::string_view element, int64_t count);
  // Keeps only the elements [start, start + keep) (clamped to the list).
  void Trim(size_t start, size_t keep);

  // Visits elements starting at `index` towards the tail (or towards the head
  // when `reverse`), until `fn` returns false or the list ends.
  using Visitor = std::function<bool(std::string_view element)>;
  void Visit(size_t index, bool reverse, const Visitor& fn) const;

 private:
  struct Node {
    std::string bytes;
    uint32_t count = 0;
  };
  // Where an element lives: node number and byte offset of its entry.
  struct Position {
    size_t node;
    size_t offset;
  };

  [[nodiscard]] Position Locate(size_t index) const;
  [[nodiscard]] bool NodeAccepts(const Node& node, size_t entry_bytes) const;
  // Splits `node_index` in two halves when it grew past the limit.
  void SplitIfOversized(size_t node_index);
  void EraseFront(size_t n);
  void EraseBack(size_t n);
  void ShrinkNode(Node& node);

  int fill_;
  size_t size_ = 0;
  std::deque<Node> nodes_;
};

}  // namespace baton::store
