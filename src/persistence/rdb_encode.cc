// The RDB writer's value encodings, as Redis 7.0 writes them.
#include <charconv>
#include <cstring>

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

// Redis compresses strings longer than this when rdbcompression is on.
constexpr size_t kCompressMin = 20;
// Redis tries the integer form of strings up to this length.
constexpr size_t kIntEncodeMax = 11;
// Listpack node limits of quicklists (list-max-listpack-size): negative
// fills are byte budgets, positive ones counts capped by a safety size.
constexpr size_t kNodeBytes[] = {4096, 8192, 16384, 32768, 65536};
constexpr size_t kSizeSafetyLimit = 8192;
constexpr uint16_t kListpackCountUnknown = 65535;

void PutLE(std::string* out, uint64_t v, size_t n) {
  char b[8];
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, n);
}

}  // namespace

// --- ListpackBuilder ----------------------------------------------------------

void ListpackBuilder::Begin() {
  start_ = out_->size();
  out_->append(6, '\0');  // total bytes (u32) and count (u16), filled by Finish
  count_ = 0;
}

void ListpackBuilder::Backlen(size_t len) {
  // The size of encoding+payload, readable backwards from its last byte.
  char b[5];
  size_t n = 1;
  for (size_t l = len; l >= 128; l >>= 7) ++n;
  for (size_t i = 0; i < n; ++i) {
    auto digit = static_cast<uint8_t>((len >> (7 * i)) & 127);
    if (i + 1 < n) digit |= 128;
    b[n - 1 - i] = static_cast<char>(digit);
  }
  out_->append(b, n);
}

void ListpackBuilder::AddInt(int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  char b[9];
  size_t n = 0;
  if (v >= 0 && v <= 127) {
    b[0] = static_cast<char>(v);
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    b[0] = static_cast<char>(0xC0 | ((u >> 8) & 0x1F));
    b[1] = static_cast<char>(u & 0xFF);
    n = 2;
  } else {
    size_t width = 8;
    uint8_t tag = 0xF4;
    if (v >= INT16_MIN && v <= INT16_MAX) {
      width = 2;
      tag = 0xF1;
    } else if (v >= -(1 << 23) && v < (1 << 23)) {
      width = 3;
      tag = 0xF2;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      width = 4;
      tag = 0xF3;
    }
    b[0] = static_cast<char>(tag);
    for (size_t i = 0; i < width; ++i) b[1 + i] = static_cast<char>(u >> (8 * i));
    n = 1 + width;
  }
  out_->append(b, n);
  Backlen(n);
  ++count_;
}

void ListpackBuilder::Add(std::string_view s) {
  int64_t v = 0;
  if (s.size() <= 20 && store::ParseInt64(s, &v)) return AddInt(v);
  const size_t len = s.size();
  size_t head = 0;
  if (len < 64) {
    out_->push_back(static_cast<char>(0x80 | len));
    head = 1;
  } else if (len < 4096) {
    out_->push_back(static_cast<char>(0xE0 | (len >> 8)));
    out_->push_back(static_cast<char>(len & 0xFF));
    head = 2;
  } else {
    out_->push_back(static_cast<char>(0xF0));
    PutLE(out_, len, 4);
    head = 5;
  }
  out_->append(s);
  Backlen(head + len);
  ++count_;
}

size_t ListpackBuilder::Finish() {
  out_->push_back(static_cast<char>(0xFF));
  const size_t total = out_->size() - start_;
  char* h = out_->data() + start_;
  for (size_t i = 0; i < 4; ++i) h[i] = static_cast<char>(total >> (8 * i));
  const size_t count = count_ < kListpackCountUnknown ? count_ : kListpackCountUnknown;
  h[4] = static_cast<char>(count & 0xFF);
  h[5] = static_cast<char>(count >> 8);
  return total;
}

// --- Encoder -------------------------------------------------------------------

void Encoder::Len(uint64_t len) {
  if (len < (1 << 6)) {
    Byte(static_cast<uint8_t>(len));
  } else if (len < (1 << 14)) {
    Byte(static_cast<uint8_t>((kLen14Bit << 6) | (len >> 8)));
    Byte(static_cast<uint8_t>(len & 0xFF));
  } else if (len <= UINT32_MAX) {
    Byte(kLen32Bit);
    for (int i = 3; i >= 0; --i) Byte(static_cast<uint8_t>(len >> (8 * i)));
  } else {
    Byte(kLen64Bit);
    for (int i = 7; i >= 0; --i) Byte(static_cast<uint8_t>(len >> (8 * i)));
  }
}

void Encoder::IntString(int64_t v) {
  if (v >= INT8_MIN && v <= INT8_MAX) {
    Byte((kLenEncoded << 6) | kEncInt8);
    Byte(static_cast<uint8_t>(v));
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    Byte((kLenEncoded << 6) | kEncInt16);
    PutLE(&buf_, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    Byte((kLenEncoded << 6) | kEncInt32);
    PutLE(&buf_, static_cast<uint64_t>(v), 4);
  } else {
    char text[24];
    auto [end, ec] = std::to_chars(text, text + sizeof(text), v);
    const auto n = static_cast<size_t>(end - text);
    Len(n);
    Raw(text, n);
  }
}

void Encoder::String(std::string_view s) {
  const size_t len = s.size();
  if (len <= kIntEncodeMax && len > 0) {
    int64_t v = 0;
    if (store::ParseInt64(s, &v) && v >= INT32_MIN && v <= INT32_MAX) return IntString(v);
  }
  if (options_.compress && len > kCompressMin) {
    // Worth it only when the result is at least 4 bytes shorter, as in Redis.
    const size_t cap = len - 4;
    if (lzf_.size() < cap) lzf_.resize(cap);
    const size_t n = LzfCompress(reinterpret_cast<const uint8_t*>(s.data()), len,
                                 reinterpret_cast<uint8_t*>(lzf_.data()), cap);
    if (n > 0) {
      Byte((kLenEncoded << 6) | kEncLzf);
      Len(n);
      Len(len);
      Raw(lzf_.data(), n);
      return;
    }
  }
  Len(len);
  Raw(s);
}

void Encoder::BinaryDouble(double d) {
  uint64_t bits = 0;
  std::memcpy(&bits, &d, 8);
  PutLE(&buf_, bits, 8);
}

void Encoder::Int64LE(int64_t v) { PutLE(&buf_, static_cast<uint64_t>(v), 8); }

uint8_t Encoder::TypeOf(const store::Value& value) {
  switch (value.type()) {
    case store::ValueType::kString:
      return kTypeString;
    case store::ValueType::kList:
      return kTypeListQuicklist2;
    case store::ValueType::kHash:
      return value.As<store::HashValue>()->is_listpack() ? kTypeHashListpack : kTypeHash;
    case store::ValueType::kSet:
      return value.As<store::SetValue>()->is_intset() ? kTypeSetIntset : kTypeSet;
    case store::ValueType::kZSet:
      return value.As<store::ZSetValue>()->is_listpack() ? kTypeZSetListpack : kTypeZSet2;
    case store::ValueType::kStream:
      break;
  }
  return kTypeStreamListpacks2;  // not produced: Baton has no streams
}

void Encoder::Object(const store::Value& value) {
  Byte(TypeOf(value));
  ObjectBody(value);
}

void Encoder::ObjectBody(const store::Value& value) {
  switch (value.type()) {
    case store::ValueType::kString:
      if (value.is_int()) {
        const int64_t v = value.int_value();
        if (v >= INT32_MIN && v <= INT32_MAX) return IntString(v);
      }
      return String(value.Bytes().view());
    case store::ValueType::kList:
      return ListBody(value);
    case store::ValueType::kHash:
      return HashBody(value);
    case store::ValueType::kSet:
      return SetBody(value);
    case store::ValueType::kZSet:
      return ZSetBody(value);
    case store::ValueType::kStream:
      break;
  }
}

void Encoder::ListBody(const store::Value& value) {
  const auto* list = value.As<store::ListValue>();
  const int64_t fill = options_.list_fill;
  size_t max_bytes = kSizeSafetyLimit;
  size_t max_count = SIZE_MAX;
  if (fill < 0) {
    const int64_t level = -fill - 1;
    max_bytes = kNodeBytes[level < 0 ? 0 : (level > 4 ? 4 : level)];
  } else {
    max_count = fill == 0 ? 1 : static_cast<size_t>(fill);
  }
  scratch_.clear();
  offsets_.clear();
  ListpackBuilder lp(&scratch_);
  bool open = false;
  list->Visit(0, false, [&](std::string_view element) {
    // Worst-case entry size: 5 bytes of header, the bytes, 5 of backlen.
    const size_t entry = element.size() + 10;
    if (open && (lp.count() + 1 > max_count || lp.bytes() + entry > max_bytes)) {
      lp.Finish();
      open = false;
    }
    if (!open) {
      offsets_.push_back(scratch_.size());
      lp.Begin();
      open = true;
    }
    lp.Add(element);
    return true;
  });
  if (open) lp.Finish();
  Len(offsets_.size());
  for (size_t i = 0; i < offsets_.size(); ++i) {
    const size_t begin = offsets_[i];
    const size_t end = i + 1 < offsets_.size() ? offsets_[i + 1] : scratch_.size();
    Len(kContainerPacked);
    String(std::string_view(scratch_).substr(begin, end - begin));
  }
}

void Encoder::HashBody(const store::Value& value) {
  const auto* hash = value.As<store::HashValue>();
  if (hash->is_listpack()) {
    scratch_.clear();
    ListpackBuilder lp(&scratch_);
    lp.Begin();
    hash->ForEach([&](std::string_view field, std::string_view val) {
      lp.Add(field);
      lp.Add(val);
    });
    lp.Finish();
    return String(scratch_);
  }
  Len(hash->size());
  hash->ForEach([&](std::string_view field, std::string_view val) {
    String(field);
    String(val);
  });
}

void Encoder::SetBody(const store::Value& value) {
  const auto* set = value.As<store::SetValue>();
  if (set->is_intset()) {
    // Redis's intset: encoding (2, 4 or 8 bytes per integer), count, integers.
    const auto* is = static_cast<const store::IntSetValue*>(set);
    const size_t width = is->width() < 2 ? 2 : is->width();
    scratch_.clear();
    PutLE(&scratch_, width, 4);
    PutLE(&scratch_, is->size(), 4);
    for (size_t i = 0; i < is->size(); ++i) {
      PutLE(&scratch_, static_cast<uint64_t>(is->At(i)), width);
    }
    return String(scratch_);
  }
  Len(set->size());
  set->ForEach([&](std::string_view member) { String(member); });
}

void Encoder::ZSetBody(const store::Value& value) {
  const auto* zset = value.As<store::ZSetValue>();
  if (zset->is_listpack()) {
    scratch_.clear();
    ListpackBuilder lp(&scratch_);
    lp.Begin();
    zset->ForEach([&](std::string_view member, double score) {
      lp.Add(member);
      lp.Add(store::ZScoreText(score));
      return true;
    });
    lp.Finish();
    return String(scratch_);
  }
  // From the highest score down, as Redis writes it (loading then prepends).
  Len(zset->size());
  zset->Walk(0, zset->size(), true, [&](std::string_view member, double score) {
    String(member);
    BinaryDouble(score);
    return true;
  });
}

bool Encoder::Flush() {
  if (failed_) return false;
  if (buf_.empty()) return true;
  crc_ = Crc64(crc_, buf_.data(), buf_.size());
  if (sink_ != nullptr && !sink_->Write(buf_.data(), buf_.size())) {
    failed_ = true;
    return false;
  }
  buf_.clear();
  return true;
}

uint64_t Encoder::Crc() { return Crc64(crc_, buf_.data(), buf_.size()); }

}  // namespace baton::persistence::rdb
