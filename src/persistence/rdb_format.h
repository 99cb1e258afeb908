// Internals shared by the RDB writer and reader: the format's constants, a
// buffered encoder with a running CRC64, and a decoder over a ByteSource that
// validates every length it reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "baton/persistence/rdb.h"

namespace baton::store {
class Value;
}

namespace baton::persistence::rdb {

inline constexpr int kVersion = 10;

// Value types (the byte before a key).
enum Type : uint8_t {
  kTypeString = 0,
  kTypeList = 1,
  kTypeSet = 2,
  kTypeZSet = 3,
  kTypeHash = 4,
  kTypeZSet2 = 5,
  kTypeModulePreGa = 6,
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZSetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZSetListpack = 17,
  kTypeListQuicklist2 = 18,
  kTypeStreamListpacks2 = 19,
};

// Opcodes (in place of a type byte).
enum Opcode : uint8_t {
  kOpFunction2 = 245,
  kOpFunctionPreGa = 246,
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255,
};

// Length encodings (top two bits of the first byte).
inline constexpr uint8_t kLen6Bit = 0;
inline constexpr uint8_t kLen14Bit = 1;
inline constexpr uint8_t kLen32Bit = 0x80;
inline constexpr uint8_t kLen64Bit = 0x81;
inline constexpr uint8_t kLenEncoded = 3;
// Special string encodings (11xxxxxx).
inline constexpr uint8_t kEncInt8 = 0;
inline constexpr uint8_t kEncInt16 = 1;
inline constexpr uint8_t kEncInt32 = 2;
inline constexpr uint8_t kEncLzf = 3;

// Quicklist node containers.
inline constexpr uint64_t kContainerPlain = 1;
inline constexpr uint64_t kContainerPacked = 2;

// What shapes the encoding of values.
struct EncodeOptions {
  bool compress = true;    // rdbcompression
  int64_t list_fill = -2;  // list-max-listpack-size (listpack node size)
};

// Appends RDB bytes to a buffer; when a sink is attached, the buffer is
// flushed to it in large chunks (and folded into the CRC) as it fills.
class Encoder {
 public:
  explicit Encoder(ByteSink* sink = nullptr, EncodeOptions options = {})
      : sink_(sink), options_(options) {
    buf_.reserve(sink != nullptr ? kFlushAt + 4096 : 64);
  }

  void Byte(uint8_t b) { buf_.push_back(static_cast<char>(b)); }
  void Raw(const void* p, size_t n) { buf_.append(static_cast<const char*>(p), n); }
  void Raw(std::string_view s) { buf_.append(s); }
  void Len(uint64_t len);
  // A string, integer-encoded or LZF-compressed when that is what Redis would do.
  void String(std::string_view s);
  // An integer as a string (int-encoded when it fits 32 bits).
  void IntString(int64_t v);
  void BinaryDouble(double d);
  void Int64LE(int64_t v);
  // A whole value: type byte then the value's encoding.
  void Object(const store::Value& value);
  // The value's type byte only / encoding only.
  static uint8_t TypeOf(const store::Value& value);
  void ObjectBody(const store::Value& value);

  // Flushes when the buffer is large; false after a sink error.
  bool MaybeFlush() { return buf_.size() < kFlushAt || Flush(); }
  bool Flush();
  // CRC of everything flushed so far plus the buffer.
  uint64_t Crc();
  [[nodiscard]] bool failed() const { return failed_; }
  std::string& buffer() { return buf_; }

 private:
  static constexpr size_t kFlushAt = 1 << 20;
  void ListBody(const store::Value& value);
  void HashBody(const store::Value& value);
  void SetBody(const store::Value& value);
  void ZSetBody(const store::Value& value);

  ByteSink* sink_;
  EncodeOptions options_;
  std::string buf_;
  uint64_t crc_ = 0;
  bool failed_ = false;
  // Reused scratch space (no per-key allocation).
  std::string scratch_;
  std::string lzf_;
  std::vector<size_t> offsets_;
};

// Builds a listpack (Redis's serialized form: 6-byte header, entries, 0xFF).
class ListpackBuilder {
 public:
  explicit ListpackBuilder(std::string* out) : out_(out) {}
  // Starts a new listpack at the end of `out`.
  void Begin();
  void Add(std::string_view s);
  void AddInt(int64_t v);
  // Writes the header and terminator; returns the listpack's size.
  size_t Finish();
  [[nodiscard]] size_t count() const { return count_; }
  [[nodiscard]] size_t bytes() const { return out_->size() - start_ + 1; }

 private:
  void Backlen(size_t len);
  std::string* out_;
  size_t start_ = 0;
  size_t count_ = 0;
};

// Limits that decide the encodings of loaded values (Baton's thresholds).
struct LoadLimits {
  size_t hash_max_entries = 128;
  size_t hash_max_value = 64;
  size_t set_max_intset_entries = 512;
  size_t zset_max_entries = 128;
  size_t zset_max_value = 64;
  int64_t list_fill = -2;
};

// Reads RDB items from a ByteSource, folding them into a running CRC.
// Every failure sets error() and returns false; nothing is trusted: lengths
// are checked against what can be read and allocations grow with the data.
class Decoder {
 public:
  explicit Decoder(ByteSource& source) : source_(source) {}

  bool Read(void* p, size_t n);
  bool Byte(uint8_t* b) { return Read(b, 1); }
  // A length; *encoded is set for the special string encodings (11xxxxxx).
  bool Len(uint64_t* len, bool* encoded = nullptr);
  bool String(std::string* out);
  // Exactly `len` raw bytes into `out`, growing it as the data arrives.
  bool ReadInto(std::string* out, uint64_t len);
  // The old text form of a double (ZSET type 3).
  bool TextDouble(double* out);
  bool BinaryDouble(double* out);
  bool Int64LE(int64_t* out);
  bool Int32LE(int32_t* out);
  // A value of `type` into `out`. False with error() set; when the value was
  // valid but empty, returns false with empty_key() set.
  bool Object(uint8_t type, const LoadLimits& limits, store::Value* out);

  bool Fail(std::string message);
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] bool empty_key() const { return empty_key_; }
  void set_crc_enabled(bool on) { crc_on_ = on; }
  [[nodiscard]] uint64_t crc() const { return crc_; }
  [[nodiscard]] uint64_t bytes_read() const { return bytes_read_; }

 private:
  ByteSource& source_;
  uint64_t crc_ = 0;
  bool crc_on_ = true;
  uint64_t bytes_read_ = 0;
  std::string error_;
  bool empty_key_ = false;
  std::string blob_;    // scratch for ziplist/listpack blobs
  std::string lzf_in_;  // scratch for compressed bytes
  std::string field_;   // scratch for elements
  std::string value_;
};

// The options/limits the server's configuration implies.
EncodeOptions EncodeOptionsOf(const server::Server& server);
LoadLimits LoadLimitsOf(const server::Server& server);

// A ByteSource over memory.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  bool Read(void* data, size_t len) override;
  [[nodiscard]] size_t remaining() const { return data_.size() - pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace baton::persistence::rdb
