// The value stored under a key, in 16 bytes.
//
// Strings are kept compactly: integers that round-trip as text are stored as
// an int64 ("int" encoding), strings of up to 14 bytes live inline, longer ones
// in one heap block. Aggregate types (lists, hashes, sets, sorted sets) are a
// pointer to an Aggregate. OBJECT ENCODING reports Redis's names: int, embstr
// (short strings as created by SET), raw (long or modified strings), and the
// aggregate's own encoding.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace baton::store {

enum class ValueType : uint8_t { kString, kList, kHash, kSet, kZSet, kStream };

// Redis's TYPE reply names.
std::string_view TypeName(ValueType type);

// Base of list/hash/set/zset values; defined by each type's module.
class Aggregate {
 public:
  virtual ~Aggregate() = default;
  [[nodiscard]] virtual ValueType type() const = 0;
  // Redis 7.0 OBJECT ENCODING name: listpack, quicklist, hashtable, intset, skiplist.
  [[nodiscard]] virtual std::string_view encoding() const = 0;
  [[nodiscard]] virtual std::unique_ptr<Aggregate> Clone() const = 0;
  // Approximate heap bytes, for MEMORY USAGE and INFO.
  [[nodiscard]] virtual size_t MemoryUsage() const = 0;
};

// Holds the text of a string value; integers are formatted into the buffer.
// The view may point into the object itself, so copies re-point it: a
// trivially copyable type may be copied through a temporary when returned
// (the compiler is allowed to), which left the view dangling.
class StringBytes {
 public:
  StringBytes() = default;
  ~StringBytes() = default;
  StringBytes(const StringBytes& other) { CopyFrom(other); }
  StringBytes& operator=(const StringBytes& other) {
    if (this != &other) CopyFrom(other);
    return *this;
  }
  [[nodiscard]] std::string_view view() const { return view_; }
  std::string_view* operator->() { return &view_; }

 private:
  friend class Value;
  void CopyFrom(const StringBytes& other) {
    const char* data = other.view_.data();
    if (data >= other.buf_ && data < other.buf_ + sizeof(other.buf_)) {
      std::memcpy(buf_, other.buf_, sizeof(buf_));
      view_ = std::string_view(buf_ + (data - other.buf_), other.view_.size());
    } else {
      view_ = other.view_;
    }
  }
  char buf_[24];
  std::string_view view_;
};

class Value {
 public:
  Value() { SetEmpty(); }
  ~Value() { Release(); }
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  Value(Value&& other) noexcept;
  Value& operator=(Value&& other) noexcept;

  // A string value, int-encoded when the text is a canonical integer of at
  // most 20 characters; embstr/raw otherwise, by Redis's 44-byte rule.
  static Value FromString(std::string_view s);
  // A string that keeps its bytes even if they look like an integer, marked raw
  // (Redis's encoding after APPEND, SETRANGE, SETBIT).
  static Value FromRawString(std::string_view s);
  // A string kept as text even when it looks like an integer: embstr up to 44
  // bytes, raw beyond (Redis's plain string objects, e.g. INCRBYFLOAT results).
  static Value FromStringKeepText(std::string_view s);
  static Value FromInteger(int64_t v);
  static Value FromAggregate(std::unique_ptr<Aggregate> agg);

  [[nodiscard]] ValueType type() const;
  [[nodiscard]] bool is_string() const { return kind() != Kind::kAggregate; }
  [[nodiscard]] bool is_int() const { return kind() == Kind::kInt; }
  [[nodiscard]] int64_t int_value() const { return Load<int64_t>(); }

  // The string's bytes (is_string() must hold).
  [[nodiscard]] StringBytes Bytes() const;
  [[nodiscard]] size_t StringLength() const;
  // Mutable access to a heap string's bytes, converting to raw first. Resizes
  // to `size` (zero-filling any growth).
  char* MutableString(size_t size);

  [[nodiscard]] Aggregate* aggregate() const {
    return kind() == Kind::kAggregate ? Load<Aggregate*>() : nullptr;
  }
  template <typename T>
  [[nodiscard]] T* As() const {
    return static_cast<T*>(aggregate());
  }

  [[nodiscard]] std::string_view EncodingName() const;
  [[nodiscard]] Value Clone() const;
  [[nodiscard]] size_t MemoryUsage() const;

 private:
  enum class Kind : uint8_t { kInline, kHeap, kInt, kAggregate };
  struct HeapString {
    uint32_t len;
    uint32_t cap;
    // bytes follow
    char* data() { return reinterpret_cast<char*>(this + 1); }
  };
  static constexpr size_t kInlineCapacity = 14;
  static constexpr size_t kEmbstrLimit = 44;

  void SetEmpty() {
    set_kind(Kind::kInline);
    inline_len_ = 0;
    raw_ = 0;
  }
  void Release();
  void SetHeap(std::string_view s, size_t cap);

  // The 14 payload bytes hold inline text, or (in the first 8) a pointer or
  // an int64, read and written with memcpy so the object stays 16 bytes.
  template <typename T>
  [[nodiscard]] T Load() const {
    T v;
    std::memcpy(&v, bytes_, sizeof(T));
    return v;
  }
  template <typename T>
  void Store(T v) {
    std::memcpy(bytes_, &v, sizeof(T));
  }
  [[nodiscard]] HeapString* heap() const { return Load<HeapString*>(); }

  [[nodiscard]] Kind kind() const { return static_cast<Kind>(kind_bits_); }
  void set_kind(Kind k) { kind_bits_ = static_cast<uint8_t>(k) & 3; }

  alignas(8) char bytes_[kInlineCapacity];
  uint8_t inline_len_ = 0;
  uint8_t raw_ : 1 = 0;  // reported as "raw" rather than "embstr"
  uint8_t kind_bits_ : 2 = 0;
};

static_assert(sizeof(Value) == 16, "Value must stay 16 bytes");

// Parses a canonical int64 (Redis's string2ll: no spaces, no '+', no leading zeros).
bool ParseInt64(std::string_view s, int64_t* out);
// Parses a long double like Redis's string2ld (no spaces, no nan).
bool ParseLongDouble(std::string_view s, long double* out);
bool ParseDouble(std::string_view s, double* out);

}  // namespace baton::store
