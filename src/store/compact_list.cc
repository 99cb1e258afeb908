#include "baton/store/compact_list.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <new>

#include "baton/store/value.h"

namespace baton::store {
namespace {

constexpr uint8_t kStr32 = 0xF0;
constexpr uint8_t kInt16 = 0xF1;
constexpr uint8_t kInt24 = 0xF2;
constexpr uint8_t kInt32 = 0xF3;
constexpr uint8_t kInt64 = 0xF4;

size_t BacklenSize(size_t len) {
  size_t n = 1;
  while (len >= 128) {
    len >>= 7;
    ++n;
  }
  return n;
}

// Writes the backlen of an entry whose encoding+payload is `len` bytes, so
// that it reads backwards from its last byte.
void WriteBacklen(uint8_t* p, size_t len) {
  const size_t n = BacklenSize(len);
  for (size_t i = 0; i < n; ++i) {
    auto digit = static_cast<uint8_t>((len >> (7 * i)) & 127);
    if (i + 1 < n) digit |= 128;  // a more significant digit precedes
    p[n - 1 - i] = digit;
  }
}

// Reads the backlen whose last byte is at `last`.
size_t ReadBacklen(const uint8_t* last) {
  size_t v = 0;
  int shift = 0;
  for (;;) {
    const uint8_t b = *last;
    v |= static_cast<size_t>(b & 127) << shift;
    if ((b & 128) == 0) return v;
    shift += 7;
    --last;
  }
}

size_t IntBodySize(int64_t v) {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= INT16_MIN && v <= INT16_MAX) return 3;
  if (v >= -(1 << 23) && v < (1 << 23)) return 4;
  if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  return 9;
}

size_t StrBodySize(size_t len) {
  if (len < 64) return 1 + len;
  if (len < 4096) return 2 + len;
  return 5 + len;
}

void PutLE(uint8_t* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t GetLE(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

int64_t SignExtendBits(uint64_t v, int bits) {
  const uint64_t sign = 1ULL << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

// Writes an integer entry (with backlen); returns its size.
size_t WriteInt(uint8_t* p, int64_t v) {
  const size_t body = IntBodySize(v);
  const auto u = static_cast<uint64_t>(v);
  switch (body) {
    case 1:
      p[0] = static_cast<uint8_t>(v);
      break;
    case 2:
      p[0] = static_cast<uint8_t>(0xC0 | ((u >> 8) & 0x1F));
      p[1] = static_cast<uint8_t>(u & 0xFF);
      break;
    case 3:
      p[0] = kInt16;
      PutLE(p + 1, u, 2);
      break;
    case 4:
      p[0] = kInt24;
      PutLE(p + 1, u, 3);
      break;
    case 5:
      p[0] = kInt32;
      PutLE(p + 1, u, 4);
      break;
    default:
      p[0] = kInt64;
      PutLE(p + 1, u, 8);
      break;
  }
  WriteBacklen(p + body, body);
  return body + BacklenSize(body);
}

size_t WriteStr(uint8_t* p, std::string_view s) {
  const size_t len = s.size();
  size_t head = 0;
  if (len < 64) {
    p[0] = static_cast<uint8_t>(0x80 | len);
    head = 1;
  } else if (len < 4096) {
    p[0] = static_cast<uint8_t>(0xE0 | (len >> 8));
    p[1] = static_cast<uint8_t>(len & 0xFF);
    head = 2;
  } else {
    p[0] = kStr32;
    PutLE(p + 1, len, 4);
    head = 5;
  }
  if (len != 0) std::memcpy(p + head, s.data(), len);
  WriteBacklen(p + head + len, head + len);
  return head + len + BacklenSize(head + len);
}

size_t WriteEntry(uint8_t* p, std::string_view s) {
  CompactKey key(s);
  return key.is_int ? WriteInt(p, key.int_value) : WriteStr(p, s);
}

// Decodes the entry at p; returns the size of encoding+payload (without backlen).
size_t Decode(const uint8_t* p, std::string_view* str, int64_t* num, bool* is_int) {
  const uint8_t b = p[0];
  if (b < 0x80) {
    *is_int = true;
    *num = b;
    return 1;
  }
  if ((b & 0xC0) == 0x80) {
    const size_t len = b & 0x3F;
    *is_int = false;
    *str = std::string_view(reinterpret_cast<const char*>(p + 1), len);
    return 1 + len;
  }
  if ((b & 0xE0) == 0xC0) {
    *is_int = true;
    *num = SignExtendBits((static_cast<uint64_t>(b & 0x1F) << 8) | p[1], 13);
    return 2;
  }
  if ((b & 0xF0) == 0xE0) {
    const size_t len = (static_cast<size_t>(b & 0x0F) << 8) | p[1];
    *is_int = false;
    *str = std::string_view(reinterpret_cast<const char*>(p + 2), len);
    return 2 + len;
  }
  switch (b) {
    case kStr32: {
      const size_t len = GetLE(p + 1, 4);
      *is_int = false;
      *str = std::string_view(reinterpret_cast<const char*>(p + 5), len);
      return 5 + len;
    }
    case kInt16:
      *is_int = true;
      *num = SignExtendBits(GetLE(p + 1, 2), 16);
      return 3;
    case kInt24:
      *is_int = true;
      *num = SignExtendBits(GetLE(p + 1, 3), 24);
      return 4;
    case kInt32:
      *is_int = true;
      *num = SignExtendBits(GetLE(p + 1, 4), 32);
      return 5;
    default:
      *is_int = true;
      *num = static_cast<int64_t>(GetLE(p + 1, 8));
      return 9;
  }
}

}  // namespace

size_t RoundAlloc(size_t n) {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~size_t{15};
  size_t pow = 128;
  while (pow < n) pow <<= 1;  // n in (pow/2, pow]
  const size_t step = pow / 8;
  return (n + step - 1) / step * step;
}

CompactKey::CompactKey(std::string_view s) : str(s) { is_int = ParseInt64(s, &int_value); }

void CompactEntry::SetInt(int64_t v) {
  is_int_ = true;
  int_ = v;
  auto [end, ec] = std::to_chars(buf_, buf_ + sizeof(buf_), v);
  (void)ec;
  len_ = static_cast<uint8_t>(end - buf_);
}

size_t CompactList::EntrySize(std::string_view s) {
  CompactKey key(s);
  if (key.is_int) return EntrySize(key.int_value);
  const size_t body = StrBodySize(s.size());
  return body + BacklenSize(body);
}

size_t CompactList::EntrySize(int64_t v) {
  const size_t body = IntBodySize(v);
  return body + BacklenSize(body);
}

size_t CompactList::EntryBytesAt(size_t pos) const {
  std::string_view s;
  int64_t n = 0;
  bool is_int = false;
  const size_t body = Decode(data() + pos, &s, &n, &is_int);
  return body + BacklenSize(body);
}

size_t CompactList::Next(size_t pos) const { return pos + EntryBytesAt(pos); }

size_t CompactList::Prev(size_t pos) const {
  const size_t body = ReadBacklen(data() + pos - 1);
  return pos - body - BacklenSize(body);
}

CompactEntry CompactList::Get(size_t pos) const {
  std::string_view s;
  int64_t n = 0;
  bool is_int = false;
  Decode(data() + pos, &s, &n, &is_int);
  return is_int ? CompactEntry::OfInt(n) : CompactEntry::OfString(s);
}

size_t CompactList::Load32(size_t at) const { return GetLE(base() + at, 4); }

void CompactList::WriteHeader(size_t entry_bytes, size_t count) {
  uint8_t* h = base();
  if (HeaderSizeFor(entry_bytes, count) == kShortHeader) {
    h[0] = static_cast<uint8_t>(count);
    h[1] = static_cast<uint8_t>(entry_bytes);
    return;
  }
  h[0] = kLongMark;
  PutLE(h + kBytesAt, entry_bytes, 4);
  PutLE(h + kCountAt, count, 4);
}

void CompactList::Reshape(size_t entry_bytes, size_t count) {
  const size_t old_header = HeaderSize();
  const size_t new_header = HeaderSizeFor(entry_bytes, count);
  if (new_header != old_header) {
    const size_t live = std::min(bytes(), entry_bytes);
    std::memmove(base() + new_header, base() + old_header, live);
  }
  WriteHeader(entry_bytes, count);
}

size_t CompactList::Seek(int64_t index) const {
  const size_t count = size();
  if (index >= 0) {
    if (static_cast<uint64_t>(index) >= count) return End();
    size_t pos = 0;
    while (index-- > 0) pos = Next(pos);
    return pos;
  }
  if (static_cast<uint64_t>(-(index + 1)) >= count) return End();
  size_t pos = End();
  while (index++ < 0) pos = Prev(pos);
  return pos;
}

size_t CompactList::Find(const CompactKey& key, size_t from, size_t skip) const {
  const uint8_t* d = data();
  const size_t end = bytes();
  size_t pos = from;
  while (pos < end) {
    std::string_view s;
    int64_t n = 0;
    bool is_int = false;
    const size_t body = Decode(d + pos, &s, &n, &is_int);
    if (is_int ? key.is_int && key.int_value == n : !key.is_int && key.str == s) return pos;
    pos += body + BacklenSize(body);
    for (size_t i = 0; i < skip && pos < end; ++i) pos = Next(pos);
  }
  return end;
}

void CompactList::OpenGap(size_t pos, size_t n, size_t added) {
  const size_t old_bytes = bytes();
  Reshape(old_bytes + n, size() + added);
  uint8_t* d = data();
  std::memmove(d + pos + n, d + pos, old_bytes - pos);
}

void CompactList::CloseGap(size_t pos, size_t n, size_t removed) {
  const size_t old_bytes = bytes();
  uint8_t* d = data();
  std::memmove(d + pos, d + pos + n, old_bytes - pos - n);
  Reshape(old_bytes - n, size() - removed);
}

void CompactList::Insert(size_t pos, std::string_view s) {
  OpenGap(pos, EntrySize(s), 1);
  WriteEntry(data() + pos, s);
}

void CompactList::InsertInt(size_t pos, int64_t v) {
  OpenGap(pos, EntrySize(v), 1);
  WriteInt(data() + pos, v);
}

void CompactList::Replace(size_t pos, std::string_view s) {
  const size_t old_size = EntryBytesAt(pos);
  const size_t new_size = EntrySize(s);
  if (new_size > old_size) {
    OpenGap(pos + old_size, new_size - old_size, 0);
  } else if (new_size < old_size) {
    CloseGap(pos + new_size, old_size - new_size, 0);
  }
  WriteEntry(data() + pos, s);
}

void CompactList::Erase(size_t pos, size_t n) {
  const size_t last = bytes();
  size_t end = pos;
  size_t removed = 0;
  for (; removed < n && end < last; ++removed) end = Next(end);
  CloseGap(pos, end - pos, removed);
}

void CompactList::CopyTo(CompactList* dst) const {
  std::memcpy(static_cast<void*>(dst), this, Footprint());
}

CompactList* CompactList::New(size_t capacity_bytes) {
  const size_t footprint = HeaderSizeFor(capacity_bytes, capacity_bytes / 2) + capacity_bytes;
  void* mem = std::malloc(RoundAlloc(footprint));
  if (mem == nullptr) throw std::bad_alloc();
  return new (mem) CompactList();
}

CompactList* CompactList::Grow(CompactList* list, size_t extra) {
  if (list->HasRoom(0, extra)) return list;
  void* mem = std::realloc(list, RoundAlloc(list->FootprintAfterGrowth(extra)));
  if (mem == nullptr) throw std::bad_alloc();
  return static_cast<CompactList*>(mem);
}

void CompactList::Free(CompactList* list) { std::free(list); }

}  // namespace baton::store
