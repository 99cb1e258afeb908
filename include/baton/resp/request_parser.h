// Incremental RESP request parser: bytes in, argument vectors out.
//
// Understands multibulk requests (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and
// telnet-style inline requests (`GET k\r\n`). Input may arrive split at any
// byte; the parser keeps what it needs between calls. It never throws: a
// malformed request yields Status::kError with Redis's "Protocol error: ..."
// text, after which the connection is expected to be closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace baton::resp {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = 2147483647;      // Redis 7.0 accepts up to INT_MAX arguments
  size_t max_inline_len = 64 * 1024;           // PROTO_INLINE_MAX_SIZE
  // Stricter limits applied while a client has not authenticated yet.
  int64_t unauthenticated_max_multibulk_len = 10;
  int64_t unauthenticated_max_bulk_len = 16384;
};

class RequestParser {
 public:
  enum class Status {
    kNeedMore,  // all input consumed, no complete request yet
    kCommand,   // a request is complete: see Args()
    kError,     // protocol error: see Error()
  };
  struct Result {
    Status status;
    size_t consumed;  // bytes of the input used by this call
  };

  RequestParser() = default;
  explicit RequestParser(const ParserLimits& limits) : limits_(limits) {}

  // Parses at most one request from the front of `input`. Returns kCommand as
  // soon as one request is complete; the caller feeds the unconsumed rest
  // again. Args() stay valid until the next call to Parse().
  Result Parse(std::string_view input);

  [[nodiscard]] std::span<const std::string_view> Args() const { return views_; }
  [[nodiscard]] const std::string& Error() const { return error_; }
  // Bytes held for an incomplete request (counts toward client-query-buffer-limit).
  [[nodiscard]] size_t BufferedBytes() const { return arena_.size() + line_.size(); }
  // True when the last complete request was an inline (telnet-style) one.
  [[nodiscard]] bool LastWasInline() const { return last_inline_; }

  void SetLimits(const ParserLimits& limits) { limits_ = limits; }
  // While true the stricter unauthenticated limits apply.
  void SetUnauthenticated(bool unauthenticated) { unauthenticated_ = unauthenticated; }
  // Drops any partial request and frees oversized buffers.
  void Reset();

 private:
  enum class State { kStart, kInline, kMultibulkCount, kBulkHeader, kBulkBody };

  Result Fail(std::string message, size_t consumed);
  // Appends bytes up to and including '\n' to line_. Returns true when the line is complete.
  bool TakeLine(std::string_view input, size_t* pos);
  bool FinishInline();
  void FinishCommand();
  void ResetForNextCommand();

  ParserLimits limits_;
  bool unauthenticated_ = false;
  State state_ = State::kStart;
  std::string line_;             // header or inline line being collected
  std::string arena_;            // argument bytes of the request being parsed
  std::vector<size_t> offsets_;  // (start, length) pairs into arena_
  std::vector<std::string_view> views_;
  int64_t args_left_ = 0;
  int64_t bulk_left_ = 0;  // payload bytes still to copy, then 2 for CRLF
  int crlf_left_ = 0;
  bool last_inline_ = false;
  std::string error_;
};

// Splits an inline request line into arguments the way redis-cli quotes them
// ("double quotes" with \n \r \t \b \a \\ \" \xHH escapes, 'single quotes').
// Returns false on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace baton::resp
