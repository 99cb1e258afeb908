// The RDB reader's value decodings: every object type Redis 7.0 reads,
// including the ziplist, zipmap, intset and listpack blobs of older and
// compact encodings, each validated before use.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "baton/store/hash_value.h"
#include "baton/store/list_value.h"
#include "baton/store/set_value.h"
#include "baton/store/value.h"
#include "baton/store/zset_value.h"
#include "crc64.h"
#include "lzf.h"
#include "rdb_format.h"

namespace baton::persistence::rdb {
namespace {

// Strings are read in pieces of this size so that a corrupt huge length
// fails on the missing input instead of allocating it up front.
constexpr size_t kReadChunk = 1 << 20;
// LZF expands at most ~88x (a 3-byte back-reference yields 264 bytes).
constexpr size_t kLzfMaxRatio = 90;

uint64_t GetLE(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t sign = 1ULL << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

// One element of a ziplist, listpack or zipmap.
struct Element {
  std::string_view str;
  int64_t num = 0;
  bool is_int = false;
  char buf[24];
  // The element's text (integers formatted into buf).
  std::string_view Text() {
    if (!is_int) return str;
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), num);
    return {buf, static_cast<size_t>(end - buf)};
  }
};

// Walks a listpack blob, validating its structure, calling fn(Element&) for
// each entry. Returns false when malformed; *count gets the entry count.
template <typename Fn>
bool WalkListpack(std::string_view blob, size_t* count, Fn&& fn) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < 7 || GetLE(p, 4) != size || p[size - 1] != 0xFF) return false;
  const size_t header_count = GetLE(p + 4, 2);
  const size_t end = size - 1;
  size_t pos = 6;
  size_t n = 0;
  Element e;
  while (pos < end) {
    const uint8_t b = p[pos];
    size_t head = 0;
    size_t body = 0;
    e.is_int = false;
    if (b < 0x80) {
      e.is_int = true;
      e.num = b;
      head = 1;
    } else if ((b & 0xC0) == 0x80) {
      head = 1;
      body = b & 0x3F;
    } else if ((b & 0xE0) == 0xC0) {
      if (end - pos < 2) return false;
      e.is_int = true;
      e.num = SignExtend((static_cast<uint64_t>(b & 0x1F) << 8) | p[pos + 1], 13);
      head = 2;
    } else if ((b & 0xF0) == 0xE0) {
      if (end - pos < 2) return false;
      head = 2;
      body = (static_cast<size_t>(b & 0x0F) << 8) | p[pos + 1];
    } else if (b == 0xF0) {
      if (end - pos < 5) return false;
      head = 5;
      body = GetLE(p + pos + 1, 4);
    } else if (b >= 0xF1 && b <= 0xF4) {
      static constexpr size_t kWidths[] = {2, 3, 4, 8};
      const size_t w = kWidths[b - 0xF1];
      if (end - pos < 1 + w) return false;
      e.is_int = true;
      e.num = SignExtend(GetLE(p + pos + 1, w), static_cast<int>(w * 8));
      head = 1 + w;
    } else {
      return false;  // 0xF5..0xFE are unused, 0xFF only terminates
    }
    if (end - pos - head < body) return false;
    if (!e.is_int) e.str = std::string_view(blob.data() + pos + head, body);
    const size_t len = head + body;
    // The backlen: len in 7-bit digits, most significant first.
    size_t blen = 1;
    for (size_t l = len; l >= 128; l >>= 7) ++blen;
    if (end - pos - len < blen) return false;
    size_t v = 0;
    for (size_t i = 0; i < blen; ++i) {
      const uint8_t d = p[pos + len + blen - 1 - i];
      if (((d & 128) != 0) != (i + 1 < blen)) return false;
      v |= static_cast<size_t>(d & 127) << (7 * i);
    }
    if (v != len) return false;
    pos += len + blen;
    ++n;
    if (!fn(e)) return false;
  }
  if (header_count != 65535 && header_count != n) return false;
  *count = n;
  return true;
}

// Walks a ziplist blob (Redis < 7), validating it.
template <typename Fn>
bool WalkZiplist(std::string_view blob, size_t* count, Fn&& fn) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < 11 || GetLE(p, 4) != size || GetLE(p + 4, 4) >= size || p[size - 1] != 0xFF) {
    return false;
  }
  const size_t header_count = GetLE(p + 8, 2);
  const size_t end = size - 1;
  size_t pos = 10;
  size_t prev = 0;
  size_t n = 0;
  Element e;
  while (pos < end) {
    const size_t start = pos;
    // prevlen: one byte below 254, or 254 and four bytes.
    size_t prevlen = p[pos];
    if (prevlen == 255) return false;
    if (prevlen == 254) {
      if (end - pos < 5) return false;
      prevlen = GetLE(p + pos + 1, 4);
      pos += 5;
    } else {
      pos += 1;
    }
    if (prevlen != prev || pos >= end) return false;
    const uint8_t b = p[pos];
    size_t head = 1;
    size_t body = 0;
    e.is_int = false;
    switch (b >> 6) {
      case 0:
        body = b & 0x3F;
        break;
      case 1:
        if (end - pos < 2) return false;
        head = 2;
        body = (static_cast<size_t>(b & 0x3F) << 8) | p[pos + 1];
        break;
      case 2:
        if (b != 0x80 || end - pos < 5) return false;
        head = 5;
        body = (static_cast<size_t>(p[pos + 1]) << 24) | (static_cast<size_t>(p[pos + 2]) << 16) |
               (static_cast<size_t>(p[pos + 3]) << 8) | p[pos + 4];
        break;
      default: {
        e.is_int = true;
        size_t w = 0;
        if (b == 0xC0) {
          w = 2;
        } else if (b == 0xD0) {
          w = 4;
        } else if (b == 0xE0) {
          w = 8;
        } else if (b == 0xF0) {
          w = 3;
        } else if (b == 0xFE) {
          w = 1;
        } else if (b >= 0xF1 && b <= 0xFD) {
          e.num = (b & 0x0F) - 1;
        } else {
          return false;
        }
        if (w > 0) {
          if (end - pos - 1 < w) return false;
          e.num = SignExtend(GetLE(p + pos + 1, w), static_cast<int>(w * 8));
          body = w;
        }
        break;
      }
    }
    if (end - pos - head < body) return false;
    if (!e.is_int) e.str = std::string_view(blob.data() + pos + head, body);
    pos += head + body;
    prev = pos - start;
    ++n;
    if (!fn(e)) return false;
  }
  if (header_count != 65535 && header_count != n) return false;
  *count = n;
  return true;
}

// Walks a zipmap blob (Redis < 2.6 small hashes): fn(field, value).
template <typename Fn>
bool WalkZipmap(std::string_view blob, size_t* count, Fn&& fn) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < 2 || p[size - 1] != 0xFF) return false;
  size_t pos = 1;  // byte 0: a saturating count, not trusted
  size_t n = 0;
  auto read_len = [&](size_t* len) {
    if (pos >= size) return false;
    const uint8_t b = p[pos];
    if (b < 254) {
      *len = b;
      pos += 1;
      return true;
    }
    if (b == 255 || size - pos < 5) return false;
    *len = GetLE(p + pos + 1, 4);
    pos += 5;
    return true;
  };
  while (pos < size && p[pos] != 0xFF) {
    size_t klen = 0;
    size_t vlen = 0;
    if (!read_len(&klen) || size - pos < klen) return false;
    std::string_view field(blob.data() + pos, klen);
    pos += klen;
    if (!read_len(&vlen) || pos >= size) return false;
    const size_t free_bytes = p[pos++];
    if (size - pos < vlen || size - pos - vlen < free_bytes) return false;
    std::string_view value(blob.data() + pos, vlen);
    pos += vlen + free_bytes;
    ++n;
    if (!fn(field, value)) return false;
  }
  if (pos != size - 1) return false;
  *count = n;
  return true;
}

// Validates an intset blob; *width and *count describe it.
bool CheckIntset(std::string_view blob, size_t* width, size_t* count) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  if (blob.size() < 8) return false;
  const size_t w = GetLE(p, 4);
  const size_t n = GetLE(p + 4, 4);
  if ((w != 2 && w != 4 && w != 8) || (blob.size() - 8) / w != n || (blob.size() - 8) % w != 0) {
    return false;
  }
  int64_t last = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t v = SignExtend(GetLE(p + 8 + i * w, w), static_cast<int>(w * 8));
    if (i > 0 && v <= last) return false;  // strictly ascending
    last = v;
  }
  *width = w;
  *count = n;
  return true;
}

int64_t IntsetAt(std::string_view blob, size_t width, size_t i) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data()) + 8 + i * width;
  return SignExtend(GetLE(p, width), static_cast<int>(width * 8));
}

// Collection builders that pick Baton's encoding from the final size.
class HashBuilder {
 public:
  HashBuilder(size_t expected, const LoadLimits& limits)
      : limits_{.max_listpack_entries = limits.hash_max_entries,
                .max_listpack_value = limits.hash_max_value} {
    if (expected > limits.hash_max_entries) {
      value_ = store::Value::FromAggregate(std::make_unique<store::TableHash>());
    } else {
      value_ = store::HashValue::New();
    }
  }
  // False on a duplicate field.
  bool Add(std::string_view field, std::string_view value) {
    return store::HashValue::Set(value_, field, value, limits_);
  }
  store::Value Take() { return std::move(value_); }

 private:
  store::HashLimits limits_;
  store::Value value_;
};

class SetBuilder {
 public:
  SetBuilder(size_t expected, const LoadLimits& limits)
      : limits_{.max_intset_entries = limits.set_max_intset_entries} {
    if (expected > limits.set_max_intset_entries) {
      value_ = store::Value::FromAggregate(std::make_unique<store::TableSetValue>());
    } else {
      value_ = store::SetValue::New();
    }
  }
  bool Add(std::string_view member) { return store::SetValue::Add(value_, member, limits_); }
  store::Value Take() { return std::move(value_); }

 private:
  store::SetLimits limits_;
  store::Value value_;
};

class ZSetBuilder {
 public:
  ZSetBuilder(size_t expected, const LoadLimits& limits)
      : limits_{.max_listpack_entries = limits.zset_max_entries,
                .max_listpack_value = limits.zset_max_value} {
    if (expected > limits.zset_max_entries) {
      value_ = store::Value::FromAggregate(std::make_unique<store::SkiplistZSet>());
    } else {
      value_ = store::ZSetValue::New();
    }
  }
  bool Add(std::string_view member, double score) {
    return store::ZSetValue::Set(value_, member, score, limits_);
  }
  store::Value Take() { return std::move(value_); }

 private:
  store::ZSetLimits limits_;
  store::Value value_;
};

// A listpack/ziplist score: an integer entry or the text of a double.
bool ElementScore(Element& e, double* out) {
  if (e.is_int) {
    *out = static_cast<double>(e.num);
    return true;
  }
  if (e.str.empty() || e.str.size() > 128) return false;
  char buf[130];
  std::memcpy(buf, e.str.data(), e.str.size());
  buf[e.str.size()] = '\0';
  char* end = nullptr;
  const double v = std::strtod(buf, &end);
  if (end != buf + e.str.size() || std::isnan(v)) return false;
  *out = v;
  return true;
}

}  // namespace

// --- MemorySource ----------------------------------------------------------------

bool MemorySource::Read(void* data, size_t len) {
  if (len > data_.size() - pos_) return false;
  if (len > 0) std::memcpy(data, data_.data() + pos_, len);
  pos_ += len;
  return true;
}

// --- Decoder ----------------------------------------------------------------------

bool Decoder::Fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  return false;
}

bool Decoder::Read(void* p, size_t n) {
  if (n == 0) return true;
  if (!source_.Read(p, n)) return Fail("unexpected end of the RDB data (truncated or unreadable)");
  if (crc_on_) crc_ = Crc64(crc_, p, n);
  bytes_read_ += n;
  return true;
}

bool Decoder::Len(uint64_t* len, bool* encoded) {
  uint8_t b = 0;
  if (!Byte(&b)) return false;
  if (encoded != nullptr) *encoded = false;
  switch (b >> 6) {
    case kLen6Bit:
      *len = b & 0x3F;
      return true;
    case kLen14Bit: {
      uint8_t next = 0;
      if (!Byte(&next)) return false;
      *len = (static_cast<uint64_t>(b & 0x3F) << 8) | next;
      return true;
    }
    case kLenEncoded:
      if (encoded == nullptr) return Fail("unexpected string encoding where a length belongs");
      *encoded = true;
      *len = b & 0x3F;
      return true;
    default:
      break;
  }
  uint8_t buf[8];
  size_t n = 0;
  if (b == kLen32Bit) {
    n = 4;
  } else if (b == kLen64Bit) {
    n = 8;
  } else {
    return Fail("unknown length encoding " + std::to_string(b));
  }
  if (!Read(buf, n)) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | buf[i];
  *len = v;
  return true;
}

bool Decoder::String(std::string* out) {
  uint64_t len = 0;
  bool encoded = false;
  if (!Len(&len, &encoded)) return false;
  if (encoded) {
    int64_t v = 0;
    switch (len) {
      case kEncInt8: {
        uint8_t b[1];
        if (!Read(b, 1)) return false;
        v = static_cast<int8_t>(b[0]);
        break;
      }
      case kEncInt16: {
        uint8_t b[2];
        if (!Read(b, 2)) return false;
        v = SignExtend(GetLE(b, 2), 16);
        break;
      }
      case kEncInt32: {
        uint8_t b[4];
        if (!Read(b, 4)) return false;
        v = SignExtend(GetLE(b, 4), 32);
        break;
      }
      case kEncLzf: {
        uint64_t clen = 0;
        uint64_t ulen = 0;
        if (!Len(&clen) || !Len(&ulen)) return false;
        if (clen == 0 || ulen == 0 || ulen / kLzfMaxRatio > clen) {
          return Fail("invalid LZF string lengths");
        }
        std::string compressed;
        compressed.swap(lzf_in_);
        bool ok = ReadInto(&compressed, clen);
        if (ok) {
          out->resize(ulen);
          const size_t got = LzfDecompress(reinterpret_cast<const uint8_t*>(compressed.data()),
                                           clen, reinterpret_cast<uint8_t*>(out->data()), ulen);
          if (got != ulen) ok = Fail("invalid LZF compressed string");
        }
        compressed.swap(lzf_in_);
        return ok;
      }
      default:
        return Fail("unknown string encoding " + std::to_string(len));
    }
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    out->assign(buf, static_cast<size_t>(end - buf));
    return true;
  }
  return ReadInto(out, len);
}

bool Decoder::ReadInto(std::string* out, uint64_t len) {
  out->clear();
  size_t done = 0;
  while (done < len) {
    const size_t piece = static_cast<size_t>(std::min<uint64_t>(len - done, kReadChunk));
    out->resize(done + piece);
    if (!Read(out->data() + done, piece)) return false;
    done += piece;
  }
  return true;
}

bool Decoder::TextDouble(double* out) {
  uint8_t len = 0;
  if (!Byte(&len)) return false;
  switch (len) {
    case 253:
      *out = std::nan("");
      return true;
    case 254:
      *out = HUGE_VAL;
      return true;
    case 255:
      *out = -HUGE_VAL;
      return true;
    default:
      break;
  }
  char buf[256];
  if (!Read(buf, len)) return false;
  buf[len] = '\0';
  char* end = nullptr;
  *out = std::strtod(buf, &end);
  if (end != buf + len) return Fail("invalid double value");
  return true;
}

bool Decoder::BinaryDouble(double* out) {
  uint8_t b[8];
  if (!Read(b, 8)) return false;
  const uint64_t bits = GetLE(b, 8);
  std::memcpy(out, &bits, 8);
  return true;
}

bool Decoder::Int64LE(int64_t* out) {
  uint8_t b[8];
  if (!Read(b, 8)) return false;
  *out = static_cast<int64_t>(GetLE(b, 8));
  return true;
}

bool Decoder::Int32LE(int32_t* out) {
  uint8_t b[4];
  if (!Read(b, 4)) return false;
  *out = static_cast<int32_t>(GetLE(b, 4));
  return true;
}

bool Decoder::Object(uint8_t type, const LoadLimits& limits, store::Value* out) {
  empty_key_ = false;
  auto empty = [&] {
    empty_key_ = true;
    return false;
  };
  switch (type) {
    case kTypeString:
      if (!String(&value_)) return false;
      *out = store::Value::FromString(value_);
      return true;

    case kTypeList: {
      uint64_t n = 0;
      if (!Len(&n)) return false;
      auto list = std::make_unique<store::ListValue>(limits.list_fill);
      for (uint64_t i = 0; i < n; ++i) {
        if (!String(&value_)) return false;
        list->Push(value_, store::ListEnd::kTail);
      }
      if (list->empty()) return empty();
      *out = store::Value::FromAggregate(std::move(list));
      return true;
    }

    case kTypeListZiplist:
    case kTypeListQuicklist:
    case kTypeListQuicklist2: {
      auto list = std::make_unique<store::ListValue>(limits.list_fill);
      auto push = [&](Element& e) {
        list->Push(e.Text(), store::ListEnd::kTail);
        return true;
      };
      uint64_t nodes = 1;
      if (type != kTypeListZiplist && !Len(&nodes)) return false;
      for (uint64_t i = 0; i < nodes; ++i) {
        uint64_t container = kContainerPacked;
        if (type == kTypeListQuicklist2 && !Len(&container)) return false;
        if (!String(&blob_)) return false;
        size_t count = 0;
        if (type == kTypeListQuicklist2) {
          if (container == kContainerPlain) {
            list->Push(blob_, store::ListEnd::kTail);
            continue;
          }
          if (container != kContainerPacked) return Fail("unknown quicklist node container");
          if (!WalkListpack(blob_, &count, push)) return Fail("invalid listpack in a list");
        } else if (!WalkZiplist(blob_, &count, push)) {
          return Fail("invalid ziplist in a list");
        }
      }
      if (list->empty()) return empty();
      *out = store::Value::FromAggregate(std::move(list));
      return true;
    }

    case kTypeSet: {
      uint64_t n = 0;
      if (!Len(&n)) return false;
      if (n == 0) return empty();
      SetBuilder set(n, limits);
      for (uint64_t i = 0; i < n; ++i) {
        if (!String(&value_)) return false;
        if (!set.Add(value_)) return Fail("duplicate set members detected");
      }
      *out = set.Take();
      return true;
    }

    case kTypeSetIntset: {
      if (!String(&blob_)) return false;
      size_t width = 0;
      size_t count = 0;
      if (!CheckIntset(blob_, &width, &count)) return Fail("invalid intset");
      if (count == 0) return empty();
      SetBuilder set(count, limits);
      for (size_t i = 0; i < count; ++i) {
        Element e;
        e.is_int = true;
        e.num = IntsetAt(blob_, width, i);
        set.Add(e.Text());
      }
      *out = set.Take();
      return true;
    }

    case kTypeZSet:
    case kTypeZSet2: {
      uint64_t n = 0;
      if (!Len(&n)) return false;
      if (n == 0) return empty();
      ZSetBuilder zset(n, limits);
      for (uint64_t i = 0; i < n; ++i) {
        double score = 0;
        if (!String(&value_)) return false;
        if (!(type == kTypeZSet2 ? BinaryDouble(&score) : TextDouble(&score))) return false;
        if (std::isnan(score)) return Fail("zset with NAN score detected");
        if (!zset.Add(value_, score)) return Fail("duplicate zset members detected");
      }
      *out = zset.Take();
      return true;
    }

    case kTypeZSetZiplist:
    case kTypeZSetListpack: {
      if (!String(&blob_)) return false;
      size_t count = 0;
      auto validate = [](Element&) { return true; };
      const bool lp = type == kTypeZSetListpack;
      if (!(lp ? WalkListpack(blob_, &count, validate) : WalkZiplist(blob_, &count, validate)) ||
          count % 2 != 0) {
        return Fail("invalid sorted set listpack/ziplist");
      }
      if (count == 0) return empty();
      ZSetBuilder zset(count / 2, limits);
      bool member_next = true;
      bool ok = true;
      auto add = [&](Element& e) {
        if (member_next) {
          field_.assign(e.Text());
        } else {
          double score = 0;
          if (!ElementScore(e, &score)) return ok = Fail("invalid score in a sorted set");
          if (!zset.Add(field_, score)) return ok = Fail("duplicate zset members detected");
        }
        member_next = !member_next;
        return true;
      };
      if (lp ? !WalkListpack(blob_, &count, add) : !WalkZiplist(blob_, &count, add)) {
        return ok ? Fail("invalid sorted set listpack/ziplist") : false;
      }
      *out = zset.Take();
      return true;
    }

    case kTypeHash: {
      uint64_t n = 0;
      if (!Len(&n)) return false;
      if (n == 0) return empty();
      HashBuilder hash(n, limits);
      for (uint64_t i = 0; i < n; ++i) {
        if (!String(&field_) || !String(&value_)) return false;
        if (!hash.Add(field_, value_)) return Fail("duplicate hash fields detected");
      }
      *out = hash.Take();
      return true;
    }

    case kTypeHashZiplist:
    case kTypeHashListpack:
    case kTypeHashZipmap: {
      if (!String(&blob_)) return false;
      size_t count = 0;
      bool valid = false;
      if (type == kTypeHashZipmap) {
        valid = WalkZipmap(blob_, &count, [](std::string_view, std::string_view) { return true; });
      } else {
        auto validate = [](Element&) { return true; };
        valid = type == kTypeHashListpack ? WalkListpack(blob_, &count, validate)
                                          : WalkZiplist(blob_, &count, validate);
        valid = valid && count % 2 == 0;
        count /= 2;
      }
      if (!valid) return Fail("invalid hash listpack/ziplist/zipmap");
      if (count == 0) return empty();
      HashBuilder hash(count, limits);
      bool ok = true;
      if (type == kTypeHashZipmap) {
        WalkZipmap(blob_, &count, [&](std::string_view f, std::string_view v) {
          if (!hash.Add(f, v)) return ok = Fail("duplicate hash fields detected");
          return true;
        });
      } else {
        bool field_next = true;
        auto add = [&](Element& e) {
          if (field_next) {
            field_.assign(e.Text());
          } else if (!hash.Add(field_, e.Text())) {
            return ok = Fail("duplicate hash fields detected");
          }
          field_next = !field_next;
          return true;
        };
        if (type == kTypeHashListpack) {
          WalkListpack(blob_, &count, add);
        } else {
          WalkZiplist(blob_, &count, add);
        }
      }
      if (!ok) return false;
      *out = hash.Take();
      return true;
    }

    case kTypeModulePreGa:
    case kTypeModule2:
      return Fail("module value types are not supported (the key needs a Redis module)");
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
      return Fail("stream values are not supported by Baton");
    default:
      return Fail("unknown RDB value type " + std::to_string(type));
  }
}

}  // namespace baton::persistence::rdb
