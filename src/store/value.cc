#include "baton/store/value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

namespace baton::store {

std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kHash:
      return "hash";
    case ValueType::kSet:
      return "set";
    case ValueType::kZSet:
      return "zset";
    case ValueType::kStream:
      return "stream";
  }
  return "none";
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  if (s[0] == '-' && (s.size() == 1 || s[1] == '0')) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() >= 5120) return false;
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  long double v = std::strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v)) return false;
  if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)) return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() >= 5120) return false;
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v)) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) return false;
  *out = v;
  return true;
}

Value::Value(Value&& other) noexcept {
  std::memcpy(static_cast<void*>(this), &other, sizeof(Value));
  other.SetEmpty();
}

Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    Release();
    std::memcpy(static_cast<void*>(this), &other, sizeof(Value));
    other.SetEmpty();
  }
  return *this;
}

void Value::Release() {
  if (kind() == Kind::kHeap) {
    std::free(heap());
  } else if (kind() == Kind::kAggregate) {
    delete Load<Aggregate*>();
  }
  SetEmpty();
}

void Value::SetHeap(std::string_view s, size_t cap) {
  auto* h = static_cast<HeapString*>(std::malloc(sizeof(HeapString) + cap));
  if (h == nullptr) throw std::bad_alloc();
  h->len = static_cast<uint32_t>(s.size());
  h->cap = static_cast<uint32_t>(cap);
  if (!s.empty()) std::memcpy(h->data(), s.data(), s.size());
  Store(h);
  set_kind(Kind::kHeap);
}

Value Value::FromString(std::string_view s) {
  int64_t iv = 0;
  if (s.size() <= 20 && ParseInt64(s, &iv)) return FromInteger(iv);
  Value v;
  if (s.size() <= kInlineCapacity) {
    if (!s.empty()) std::memcpy(v.bytes_, s.data(), s.size());
    v.inline_len_ = static_cast<uint8_t>(s.size());
    v.set_kind(Kind::kInline);
  } else {
    v.SetHeap(s, s.size());
  }
  v.raw_ = s.size() > kEmbstrLimit ? 1 : 0;
  return v;
}

Value Value::FromRawString(std::string_view s) {
  Value v;
  if (s.size() <= kInlineCapacity) {
    if (!s.empty()) std::memcpy(v.bytes_, s.data(), s.size());
    v.inline_len_ = static_cast<uint8_t>(s.size());
    v.set_kind(Kind::kInline);
  } else {
    v.SetHeap(s, s.size());
  }
  v.raw_ = 1;
  return v;
}

Value Value::FromStringKeepText(std::string_view s) {
  Value v = FromRawString(s);
  v.raw_ = s.size() > kEmbstrLimit ? 1 : 0;
  return v;
}

Value Value::FromInteger(int64_t i) {
  Value v;
  v.Store(i);
  v.set_kind(Kind::kInt);
  return v;
}

Value Value::FromAggregate(std::unique_ptr<Aggregate> agg) {
  Value v;
  v.Store(agg.release());
  v.set_kind(Kind::kAggregate);
  return v;
}

ValueType Value::type() const {
  return kind() == Kind::kAggregate ? Load<Aggregate*>()->type() : ValueType::kString;
}

StringBytes Value::Bytes() const {
  StringBytes b;
  switch (kind()) {
    case Kind::kInline:
      b.view_ = std::string_view(bytes_, inline_len_);
      break;
    case Kind::kHeap:
      b.view_ = std::string_view(heap()->data(), heap()->len);
      break;
    case Kind::kInt: {
      auto [end, ec] = std::to_chars(b.buf_, b.buf_ + sizeof(b.buf_), int_value());
      (void)ec;
      b.view_ = std::string_view(b.buf_, static_cast<size_t>(end - b.buf_));
      break;
    }
    case Kind::kAggregate:
      b.view_ = {};
      break;
  }
  return b;
}

size_t Value::StringLength() const {
  switch (kind()) {
    case Kind::kInline:
      return inline_len_;
    case Kind::kHeap:
      return heap()->len;
    case Kind::kInt:
      return Bytes().view().size();
    case Kind::kAggregate:
      return 0;
  }
  return 0;
}

char* Value::MutableString(size_t size) {
  if (kind() == Kind::kHeap && size <= heap()->cap) {
    if (size > heap()->len) std::memset(heap()->data() + heap()->len, 0, size - heap()->len);
    heap()->len = static_cast<uint32_t>(size);
    raw_ = 1;
    return heap()->data();
  }
  // Move to a heap block with room to grow (appends double the capacity like sds).
  StringBytes old = Bytes();
  std::string_view keep = old.view().substr(0, std::min(old.view().size(), size));
  size_t cap = size < 1024 * 1024 ? size * 2 : size + 1024 * 1024;
  if (cap < 16) cap = 16;
  auto* h = static_cast<HeapString*>(std::malloc(sizeof(HeapString) + cap));
  if (h == nullptr) throw std::bad_alloc();
  std::memcpy(h->data(), keep.data(), keep.size());
  if (size > keep.size()) std::memset(h->data() + keep.size(), 0, size - keep.size());
  h->len = static_cast<uint32_t>(size);
  h->cap = static_cast<uint32_t>(cap);
  Release();
  Store(h);
  set_kind(Kind::kHeap);
  raw_ = 1;
  return h->data();
}

std::string_view Value::EncodingName() const {
  switch (kind()) {
    case Kind::kInt:
      return "int";
    case Kind::kInline:
    case Kind::kHeap:
      return raw_ ? "raw" : "embstr";
    case Kind::kAggregate:
      return Load<Aggregate*>()->encoding();
  }
  return "unknown";
}

Value Value::Clone() const {
  switch (kind()) {
    case Kind::kInt:
      return FromInteger(int_value());
    case Kind::kInline:
    case Kind::kHeap: {
      Value v = FromRawString(Bytes().view());
      v.raw_ = raw_;
      return v;
    }
    case Kind::kAggregate:
      return FromAggregate(Load<Aggregate*>()->Clone());
  }
  return Value();
}

size_t Value::MemoryUsage() const {
  switch (kind()) {
    case Kind::kHeap:
      return sizeof(HeapString) + heap()->cap;
    case Kind::kAggregate:
      return Load<Aggregate*>()->MemoryUsage();
    default:
      return 0;
  }
}

}  // namespace baton::store
