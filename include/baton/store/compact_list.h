// A compact contiguous sequence of small strings and integers, in the spirit
// of Redis's listpack: the "listpack" encoding of small hashes, and the
// building block for small lists and sorted sets.
//
// Layout: a header (entry bytes, entry count) followed by the entries. The
// header takes 2 bytes while the list is small (at most 127 entries in at
// most 255 bytes: a count byte below 0x80, then a bytes byte) and 9 bytes
// beyond (0x80, then both as 32-bit little-endian); edits switch between the
// two forms, so the header's form always follows from the contents. Small
// lists are what this encoding is for: 6 bytes less per small hash or
// sorted set than a fixed 8-byte header pays off in the allocator's 16-byte
// classes.
// Each entry is [encoding][payload][backlen]:
//   0xxxxxxx                 integer 0..127, no payload
//   10llllll                 string of 0..63 bytes
//   110xxxxx xxxxxxxx        13-bit signed integer
//   1110llll llllllll        string of 64..4095 bytes
//   11110000 + 4 bytes       string, 32-bit little-endian length
//   11110001..11110100       16/24/32/64-bit little-endian signed integer
// backlen is the size of encoding+payload, written so it can be read from its
// last byte backwards (7 bits per byte, high bit set when more bytes precede),
// which lets iteration run in both directions.
//
// A string that is a canonical int64 ("12", not "012" or "+1") is always
// stored as an integer; every entry therefore has one canonical form and
// comparisons need no conversion (see CompactKey).
//
// Storage: CompactList is a header placed at the END of a block that its
// owner allocates (a hash value, a quicklist node...), or alone with
// New/Grow/Free. Edits that grow the list require the caller to have
// checked capacity first: the block holds at least
// RoundAlloc(offset + Footprint()) bytes, so HasRoom(offset, extra) tells
// whether an edit adding `extra` bytes fits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace baton::store {

// Rounds an allocation request up to the allocator's size class (jemalloc's
// 16-byte steps up to 128, then four classes per doubling). Owners allocate
// RoundAlloc(n) bytes so that the capacity of a block can be recomputed
// from its contents: RoundAlloc(used) never exceeds what was allocated.
size_t RoundAlloc(size_t n);

// A needle for comparisons: integer-looking text is compared as an integer.
struct CompactKey {
  explicit CompactKey(std::string_view s);
  std::string_view str;
  int64_t int_value = 0;
  bool is_int = false;
};

// One decoded entry. text() stays valid as long as this object lives and the
// list is not edited.
class CompactEntry {
 public:
  CompactEntry() = default;
  // An entry standing for `s` (kept as a view: `s` must outlive it).
  static CompactEntry OfString(std::string_view s) {
    CompactEntry e;
    e.str_ = s;
    return e;
  }
  static CompactEntry OfInt(int64_t v) {
    CompactEntry e;
    e.SetInt(v);
    return e;
  }
  [[nodiscard]] bool is_int() const { return is_int_; }
  [[nodiscard]] int64_t int_value() const { return int_; }
  [[nodiscard]] std::string_view text() const {
    return is_int_ ? std::string_view(buf_, len_) : str_;
  }
  [[nodiscard]] bool Equals(const CompactKey& key) const {
    return is_int_ ? key.is_int && key.int_value == int_ : !key.is_int && key.str == str_;
  }

 private:
  void SetInt(int64_t v);
  std::string_view str_;
  int64_t int_ = 0;
  bool is_int_ = false;
  uint8_t len_ = 0;
  char buf_[21] = {};
};

class CompactList {
 public:
  CompactList() = default;

  // Number of entries / bytes of entries / header plus entries.
  [[nodiscard]] size_t size() const { return is_long() ? Load32(kCountAt) : base()[0]; }
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] size_t bytes() const { return is_long() ? Load32(kBytesAt) : base()[1]; }
  [[nodiscard]] size_t Footprint() const { return HeaderSize() + bytes(); }
  // An upper bound of Footprint() after edits that add `extra` entry bytes
  // (every entry takes at least 2 bytes, which bounds the count).
  [[nodiscard]] size_t FootprintAfterGrowth(size_t extra) const {
    const size_t grown = bytes() + extra;
    return HeaderSizeFor(grown, size() + (extra + 1) / 2) + grown;
  }
  // True when a block that starts `offset` bytes before this header has room
  // for `extra` more entry bytes.
  [[nodiscard]] bool HasRoom(size_t offset, size_t extra) const {
    return RoundAlloc(offset + Footprint()) >= offset + FootprintAfterGrowth(extra);
  }
  // Smallest footprint: the header of an empty list.
  static constexpr size_t kMinFootprint = 2;

  // Encoded size (with backlen) of an entry holding `s`.
  static size_t EntrySize(std::string_view s);
  static size_t EntrySize(int64_t v);

  // Positions are byte offsets of entries; End() is one past the last.
  [[nodiscard]] size_t Begin() const { return 0; }
  [[nodiscard]] size_t End() const { return bytes(); }
  [[nodiscard]] size_t Next(size_t pos) const;
  [[nodiscard]] size_t Prev(size_t pos) const;  // pos > 0
  [[nodiscard]] CompactEntry Get(size_t pos) const;
  // Position of entry `index` (negative counts from the tail), or End().
  [[nodiscard]] size_t Seek(int64_t index) const;
  // First entry equal to `key`, looking at every (skip+1)th entry from
  // `from` (skip 1 walks the fields of a field,value list). End() if none.
  [[nodiscard]] size_t Find(const CompactKey& key, size_t from = 0, size_t skip = 0) const;

  // Edits. Capacity must have been checked (HasRoom) for growing ones.
  void Insert(size_t pos, std::string_view s);
  void InsertInt(size_t pos, int64_t v);
  void Append(std::string_view s) { Insert(bytes(), s); }
  // Replaces the entry at `pos`; needs room for EntrySize(s) - old size.
  void Replace(size_t pos, std::string_view s);
  // Removes `n` entries starting at `pos`.
  void Erase(size_t pos, size_t n = 1);
  void Clear() { WriteHeader(0, 0); }
  // Copies header and entries into `dst`, which must have room.
  void CopyTo(CompactList* dst) const;

  // Standalone lists (one malloc'd block holding only the list). Room is
  // inferred from the contents (HasRoom), so capacity beyond the entries is
  // not remembered: New's argument only sizes the first block.
  static CompactList* New(size_t capacity_bytes = 0);
  // Makes room for `extra` more entry bytes, reallocating when needed.
  static CompactList* Grow(CompactList* list, size_t extra);
  static void Free(CompactList* list);

 private:
  static constexpr size_t kShortHeader = 2;
  static constexpr size_t kLongHeader = 9;
  static constexpr uint8_t kLongMark = 0x80;
  static constexpr size_t kBytesAt = 1;  // offsets of the long form's fields
  static constexpr size_t kCountAt = 5;
  static constexpr size_t HeaderSizeFor(size_t entry_bytes, size_t count) {
    return entry_bytes <= 255 && count <= 127 ? kShortHeader : kLongHeader;
  }

  // The header and entries are addressed from the object's first byte: the
  // block continues past the object (see the storage note above).
  [[nodiscard]] const uint8_t* base() const { return head_; }
  uint8_t* base() { return head_; }
  [[nodiscard]] bool is_long() const { return (base()[0] & kLongMark) != 0; }
  [[nodiscard]] size_t HeaderSize() const { return is_long() ? kLongHeader : kShortHeader; }
  [[nodiscard]] size_t Load32(size_t at) const;
  [[nodiscard]] const uint8_t* data() const { return base() + HeaderSize(); }
  uint8_t* data() { return base() + HeaderSize(); }
  // Writes the header of a list of `entry_bytes` and `count` in the form they
  // call for (the entries must already sit after a header of that size).
  void WriteHeader(size_t entry_bytes, size_t count);
  // Changes the header to describe `entry_bytes` and `count`, moving the entries
  // when the header's size changes. Called before an edit that grows the
  // entries and after one that shrinks them, so the live entries are the
  // smaller of the old and new byte counts.
  void Reshape(size_t entry_bytes, size_t count);
  // Size of the entry (with backlen) at pos.
  [[nodiscard]] size_t EntryBytesAt(size_t pos) const;
  // Opens `n` bytes at `pos` for `added` new entries (shifting the tail) /
  // closes `n` bytes at `pos` that held `removed` entries.
  void OpenGap(size_t pos, size_t n, size_t added);
  void CloseGap(size_t pos, size_t n, size_t removed);

  uint8_t head_[kShortHeader] = {0, 0};  // the short header; a long one runs on into the block
};

static_assert(sizeof(CompactList) == 2, "an empty CompactList is its 2-byte header");

}  // namespace baton::store
