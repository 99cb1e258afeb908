#include "baton/store/list_value.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace baton::store {
namespace {

// Node size limits for negative list-max-listpack-size values (-1 .. -5).
constexpr size_t kNodeBytesByLevel[] = {4096, 8192, 16384, 32768, 65536};
// With a positive fill (an entry count), a node still stops at this size.
constexpr size_t kSizeSafetyLimit = 8192;
constexpr int64_t kFillMax = (1 << 15) - 1;

// [varint len][bytes][varint len reversed]
std::string MakeEntry(std::string_view element) {
  char varint[10];
  size_t n = 0;
  size_t len = element.size();
  do {
    auto b = static_cast<uint8_t>(len & 0x7f);
    len >>= 7;
    if (len != 0) b |= 0x80;
    varint[n++] = static_cast<char>(b);
  } while (len != 0);
  std::string entry;
  entry.reserve(element.size() + 2 * n);
  entry.append(varint, n);
  entry.append(element);
  for (size_t i = n; i-- > 0;) entry.push_back(varint[i]);
  return entry;
}

// Decodes the entry starting at `pos` and moves `pos` past it.
std::string_view ReadForward(const std::string& buf, size_t& pos) {
  size_t len = 0;
  size_t n = 0;
  uint8_t b = 0;
  do {
    b = static_cast<uint8_t>(buf[pos + n]);
    len |= static_cast<size_t>(b & 0x7f) << (7 * n);
    ++n;
  } while ((b & 0x80) != 0);
  std::string_view element(buf.data() + pos + n, len);
  pos += len + 2 * n;
  return element;
}

// Decodes the entry ending at `end` and moves `end` back to its start.
std::string_view ReadBackward(const std::string& buf, size_t& end) {
  size_t len = 0;
  size_t n = 0;
  uint8_t b = 0;
  do {
    b = static_cast<uint8_t>(buf[end - 1 - n]);
    len |= static_cast<size_t>(b & 0x7f) << (7 * n);
    ++n;
  } while ((b & 0x80) != 0);
  end -= len + 2 * n;
  return {buf.data() + end + n, len};
}

}  // namespace

ListValue::ListValue(int64_t fill)
    : fill_(static_cast<int>(std::clamp<int64_t>(fill, -5, kFillMax))) {}

std::unique_ptr<Aggregate> ListValue::Clone() const { return std::make_unique<ListValue>(*this); }

size_t ListValue::MemoryUsage() const {
  size_t total = sizeof(*this) + nodes_.size() * sizeof(Node);
  for (const Node& node : nodes_) total += node.bytes.capacity();
  return total;
}

bool ListValue::NodeAccepts(const Node& node, size_t entry_bytes) const {
  if (node.count == 0) return true;
  const size_t new_size = node.bytes.size() + entry_bytes;
  if (fill_ < 0) return new_size <= kNodeBytesByLevel[static_cast<size_t>(-fill_ - 1)];
  return new_size <= kSizeSafetyLimit && node.count < static_cast<uint32_t>(fill_);
}

void ListValue::Push(std::string_view element, ListEnd end) {
  std::string entry = MakeEntry(element);
  if (end == ListEnd::kHead) {
    if (nodes_.empty() || !NodeAccepts(nodes_.front(), entry.size())) nodes_.emplace_front();
    nodes_.front().bytes.insert(0, entry);
    ++nodes_.front().count;
  } else {
    if (nodes_.empty() || !NodeAccepts(nodes_.back(), entry.size())) nodes_.emplace_back();
    nodes_.back().bytes.append(entry);
    ++nodes_.back().count;
  }
  ++size_;
}

void ListValue::ShrinkNode(Node& node) {
  if (node.bytes.capacity() > 4096 && node.bytes.size() < node.bytes.capacity() / 4) {
    node.bytes.shrink_to_fit();
  }
}

std::string ListValue::Pop(ListEnd end) {
  Node& node = end == ListEnd::kHead ? nodes_.front() : nodes_.back();
  std::string out;
  if (end == ListEnd::kHead) {
    size_t pos = 0;
    out = std::string(ReadForward(node.bytes, pos));
    node.bytes.erase(0, pos);
  } else {
    size_t start = node.bytes.size();
    out = std::string(ReadBackward(node.bytes, start));
    node.bytes.resize(start);
  }
  --node.count;
  --size_;
  if (node.count == 0) {
    if (end == ListEnd::kHead) {
      nodes_.pop_front();
    } else {
      nodes_.pop_back();
    }
  } else {
    ShrinkNode(node);
  }
  return out;
}

ListValue::Position ListValue::Locate(size_t index) const {
  size_t node_index = 0;
  size_t k = 0;  // entry number inside the node
  if (index < size_ / 2) {
    for (node_index = 0; index >= nodes_[node_index].count; ++node_index) {
      index -= nodes_[node_index].count;
    }
    k = index;
  } else {
    size_t from_tail = size_ - 1 - index;
    node_index = nodes_.size() - 1;
    while (from_tail >= nodes_[node_index].count) {
      from_tail -= nodes_[node_index].count;
      --node_index;
    }
    k = nodes_[node_index].count - 1 - from_tail;
  }
  const Node& node = nodes_[node_index];
  size_t offset = 0;
  if (k < node.count / 2) {
    for (size_t i = 0; i < k; ++i) ReadForward(node.bytes, offset);
  } else {
    offset = node.bytes.size();
    for (size_t i = node.count; i > k; --i) ReadBackward(node.bytes, offset);
  }
  return {node_index, offset};
}

std::string ListValue::At(size_t index) const {
  Position p = Locate(index);
  size_t pos = p.offset;
  return std::string(ReadForward(nodes_[p.node].bytes, pos));
}

void ListValue::Set(size_t index, std::string_view element) {
  Position p = Locate(index);
  Node& node = nodes_[p.node];
  size_t end = p.offset;
  ReadForward(node.bytes, end);
  node.bytes.replace(p.offset, end - p.offset, MakeEntry(element));
  SplitIfOversized(p.node);
}

void ListValue::Insert(size_t index, std::string_view element) {
  if (index == 0) return Push(element, ListEnd::kHead);
  if (index >= size_) return Push(element, ListEnd::kTail);
  Position p = Locate(index);
  Node& node = nodes_[p.node];
  node.bytes.insert(p.offset, MakeEntry(element));
  ++node.count;
  ++size_;
  SplitIfOversized(p.node);
}

void ListValue::SplitIfOversized(size_t node_index) {
  Node& node = nodes_[node_index];
  if (node.count <= 1) return;
  const bool over =
      fill_ < 0 ? node.bytes.size() > kNodeBytesByLevel[static_cast<size_t>(-fill_ - 1)]
                : node.bytes.size() > kSizeSafetyLimit || node.count > static_cast<uint32_t>(fill_);
  if (!over) return;
  const uint32_t left_count = node.count / 2;
  size_t offset = 0;
  for (uint32_t i = 0; i < left_count; ++i) ReadForward(node.bytes, offset);
  Node right;
  right.bytes = node.bytes.substr(offset);
  right.count = node.count - left_count;
  node.bytes.resize(offset);
  node.bytes.shrink_to_fit();
  node.count = left_count;
  nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(node_index) + 1, std::move(right));
  SplitIfOversized(node_index + 1);
  SplitIfOversized(node_index);
}

size_t ListValue::Remove(std::string_view element, int64_t count) {
  const bool from_tail = count < 0;
  uint64_t limit = count == 0  ? UINT64_MAX
                   : from_tail ? 0 - static_cast<uint64_t>(count)
                               : static_cast<uint64_t>(count);
  size_t removed = 0;
  std::vector<std::pair<size_t, size_t>> ranges;  // (offset, length) of matched entries
  for (size_t step = 0; step < nodes_.size() && limit > 0; ++step) {
    const size_t ni = from_tail ? nodes_.size() - 1 - step : step;
    Node& node = nodes_[ni];
    ranges.clear();
    if (!from_tail) {
      size_t pos = 0;
      while (pos < node.bytes.size() && limit > 0) {
        size_t start = pos;
        if (ReadForward(node.bytes, pos) == element) {
          ranges.emplace_back(start, pos - start);
          --limit;
        }
      }
    } else {
      size_t end = node.bytes.size();
      while (end > 0 && limit > 0) {
        size_t stop = end;
        if (ReadBackward(node.bytes, end) == element) {
          ranges.emplace_back(end, stop - end);
          --limit;
        }
      }
      std::reverse(ranges.begin(), ranges.end());
    }
    if (ranges.empty()) continue;
    std::string kept;
    kept.reserve(node.bytes.size());
    size_t pos = 0;
    for (auto [offset, length] : ranges) {
      kept.append(node.bytes, pos, offset - pos);
      pos = offset + length;
    }
    kept.append(node.bytes, pos);
    node.bytes = std::move(kept);
    node.count -= static_cast<uint32_t>(ranges.size());
    removed += ranges.size();
  }
  size_ -= removed;
  if (removed > 0) {
    std::erase_if(nodes_, [](const Node& n) { return n.count == 0; });
  }
  return removed;
}

void ListValue::EraseFront(size_t n) {
  while (n > 0 && !nodes_.empty()) {
    Node& node = nodes_.front();
    if (node.count <= n) {
      n -= node.count;
      size_ -= node.count;
      nodes_.pop_front();
      continue;
    }
    size_t offset = 0;
    for (size_t i = 0; i < n; ++i) ReadForward(node.bytes, offset);
    node.bytes.erase(0, offset);
    node.count -= static_cast<uint32_t>(n);
    size_ -= n;
    ShrinkNode(node);
    n = 0;
  }
}

void ListValue::EraseBack(size_t n) {
  while (n > 0 && !nodes_.empty()) {
    Node& node = nodes_.back();
    if (node.count <= n) {
      n -= node.count;
      size_ -= node.count;
      nodes_.pop_back();
      continue;
    }
    size_t end = node.bytes.size();
    for (size_t i = 0; i < n; ++i) ReadBackward(node.bytes, end);
    node.bytes.resize(end);
    node.count -= static_cast<uint32_t>(n);
    size_ -= n;
    ShrinkNode(node);
    n = 0;
  }
}

void ListValue::Trim(size_t start, size_t keep) {
  if (start >= size_ || keep == 0) {
    nodes_.clear();
    size_ = 0;
    return;
  }
  const size_t end = keep >= size_ - start ? size_ : start + keep;
  EraseBack(size_ - end);
  EraseFront(start);
}

void ListValue::Visit(size_t index, bool reverse, const Visitor& fn) const {
  if (index >= size_) return;
  Position p = Locate(index);
  if (!reverse) {
    size_t pos = p.offset;
    for (size_t ni = p.node; ni < nodes_.size(); ++ni, pos = 0) {
      const std::string& bytes = nodes_[ni].bytes;
      while (pos < bytes.size()) {
        if (!fn(ReadForward(bytes, pos))) return;
      }
    }
    return;
  }
  size_t end = p.offset;
  ReadForward(nodes_[p.node].bytes, end);  // the end of the starting entry
  for (size_t ni = p.node + 1; ni-- > 0;) {
    const std::string& bytes = nodes_[ni].bytes;
    if (ni != p.node) end = bytes.size();
    while (end > 0) {
      if (!fn(ReadBackward(bytes, end))) return;
    }
  }
}

}  // namespace baton::store
