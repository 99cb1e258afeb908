#include "baton/replication/backlog.h"

#include <algorithm>
#include <cstring>

namespace baton::replication {

Backlog::Backlog(size_t capacity, int64_t next_offset)
    : buf_(std::max<size_t>(capacity, 1), '\0'), end_offset_(next_offset - 1) {}

void Backlog::Append(std::string_view data) {
  end_offset_ += static_cast<int64_t>(data.size());
  const size_t cap = buf_.size();
  if (data.size() >= cap) {
    // Only the newest `cap` bytes survive.
    std::memcpy(buf_.data(), data.data() + data.size() - cap, cap);
    head_ = 0;
    histlen_ = cap;
    return;
  }
  const size_t first = std::min(data.size(), cap - head_);
  std::memcpy(buf_.data() + head_, data.data(), first);
  std::memcpy(buf_.data(), data.data() + first, data.size() - first);
  head_ = (head_ + data.size()) % cap;
  histlen_ = std::min(cap, histlen_ + data.size());
}

bool Backlog::CopyFrom(int64_t offset, std::string* out) const {
  if (!Contains(offset)) return false;
  const auto len = static_cast<size_t>(end_offset_ - offset + 1);
  const size_t cap = buf_.size();
  // The byte at end_offset_ sits just before head_.
  const size_t begin = (head_ + cap - len % cap) % cap;
  out->clear();
  out->reserve(len);
  if (len == 0) return true;
  const size_t first = std::min(len, cap - begin);
  out->append(buf_.data() + begin, first);
  out->append(buf_.data(), len - first);
  return true;
}

void Backlog::Resize(size_t capacity) {
  capacity = std::max<size_t>(capacity, 1);
  if (capacity == buf_.size()) return;
  std::string tail;
  CopyFrom(start_offset(), &tail);
  if (tail.size() > capacity) tail.erase(0, tail.size() - capacity);
  buf_.assign(capacity, '\0');
  std::memcpy(buf_.data(), tail.data(), tail.size());
  histlen_ = tail.size();
  head_ = tail.size() % capacity;
}

}  // namespace baton::replication
