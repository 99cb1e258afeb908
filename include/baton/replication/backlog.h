// The replication backlog: a ring buffer holding the most recent bytes of the
// replication stream, so a replica that lost its link can continue from its
// offset (PSYNC) instead of copying the whole dataset again.
//
// Offsets are Redis's: the first byte ever fed has offset 1; `start_offset()`
// is the offset of the oldest byte kept, `end_offset()` the offset of the
// newest (the master replication offset).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace baton::replication {

class Backlog {
 public:
  // `capacity` bytes (repl-backlog-size); `next_offset` is the offset the
  // next appended byte will have (master_repl_offset + 1).
  Backlog(size_t capacity, int64_t next_offset);

  void Append(std::string_view data);
  // Bytes from `offset` (inclusive) to the end. False when `offset` is not in
  // [start_offset(), end_offset() + 1].
  bool CopyFrom(int64_t offset, std::string* out) const;
  // Whether a PSYNC at `offset` can be served from here.
  [[nodiscard]] bool Contains(int64_t offset) const {
    return offset >= start_offset() && offset <= end_offset() + 1;
  }
  // repl-backlog-size changed: keeps the newest bytes that fit.
  void Resize(size_t capacity);

  [[nodiscard]] size_t capacity() const { return buf_.size(); }
  [[nodiscard]] size_t histlen() const { return histlen_; }
  [[nodiscard]] int64_t start_offset() const {
    return end_offset_ - static_cast<int64_t>(histlen_) + 1;
  }
  [[nodiscard]] int64_t end_offset() const { return end_offset_; }

 private:
  std::string buf_;
  size_t head_ = 0;  // where the next byte goes
  size_t histlen_ = 0;
  int64_t end_offset_;
};

}  // namespace baton::replication
