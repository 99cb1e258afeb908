// Typed replies in, RESP2 or RESP3 bytes out.
//
// The writer appends to a caller-owned byte buffer. RESP3-only types degrade
// to their RESP2 equivalents the way Redis does (maps become flat arrays,
// doubles become bulk strings, nulls become $-1 or *-1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace baton::resp {

// Notified of every error reply, with the error code (first word, e.g. "ERR",
// "WRONGTYPE"), so the server can keep errorstats.
class ErrorObserver {
 public:
  virtual ~ErrorObserver() = default;
  virtual void OnErrorReply(std::string_view code) = 0;
};

class ReplyWriter {
 public:
  ReplyWriter(std::string* out, int protocol, ErrorObserver* observer = nullptr)
      : out_(out), protocol_(protocol), observer_(observer) {}

  [[nodiscard]] int protocol() const { return protocol_; }
  [[nodiscard]] bool resp3() const { return protocol_ >= 3; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  void set_output(std::string* out) { out_ = out; }
  [[nodiscard]] std::string* output() const { return out_; }

  void Ok() { out_->append("+OK\r\n", 5); }
  void Simple(std::string_view s);
  // `message` is the whole error line without '-', e.g. "ERR syntax error".
  // CR and LF inside it are replaced by spaces so the reply stays one line.
  void Error(std::string_view message);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void BulkInteger(int64_t v);  // an integer sent as a bulk string
  void Null();                  // RESP2 $-1, RESP3 _
  void NullArray();             // RESP2 *-1, RESP3 _
  void Array(size_t n);
  void Map(size_t pairs);  // RESP2: array of 2*pairs
  void Set(size_t n);      // RESP2: array
  void Push(size_t n);     // RESP2: array
  void Double(double d);   // RESP2: bulk "%.17g" (inf/-inf), RESP3: ,%.17g
  void Bool(bool b);       // RESP2: :1/:0, RESP3: #t/#f
  void BigNumber(std::string_view digits);
  void Verbatim(std::string_view text, std::string_view format = "txt");
  void Raw(std::string_view bytes) { out_->append(bytes); }

  // Aggregates whose length is known only after their elements are written.
  // BeginDeferred returns a handle; EndDeferred* patches the header in.
  size_t BeginDeferred() { return out_->size(); }
  void EndDeferredArray(size_t handle, size_t n);
  void EndDeferredMap(size_t handle, size_t pairs);
  void EndDeferredSet(size_t handle, size_t n);

 private:
  void Header(char type, int64_t n);
  void InsertHeader(size_t at, char type, int64_t n);

  std::string* out_;
  int protocol_;
  ErrorObserver* observer_;
};

// Formats a double like Redis's replies do ("%.17g", "inf", "-inf").
std::string FormatDouble(double d);

}  // namespace baton::resp
