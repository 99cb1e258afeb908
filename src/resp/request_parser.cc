#include "baton/resp/request_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace baton::resp {
namespace {

// Parses a decimal integer the way Redis's string2ll does: optional '-',
// digits, no spaces, no '+', no leading zeros beyond "0".
bool ParseLength(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(begin, end, *out);
  return ec == std::errc() && ptr == end;
}

std::string_view StripLineEnd(const std::string& line) {
  std::string_view v(line);
  if (!v.empty() && v.back() == '\n') v.remove_suffix(1);
  if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
  return v;
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  const size_t n = line.size();
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (true) {
    while (i < n && is_space(line[i])) ++i;
    if (i >= n) return true;
    std::string current;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      if (in_double) {
        if (i >= n) return false;  // unterminated quotes
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && IsHex(line[i + 2]) &&
            IsHex(line[i + 3])) {
          current.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          ++i;
          char c = line[i];
          switch (c) {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'a':
              c = '\a';
              break;
            default:
              break;
          }
          current.push_back(c);
        } else if (line[i] == '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          current.push_back(line[i]);
        }
      } else if (in_single) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          current.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          current.push_back(line[i]);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        char c = line[i];
        if (is_space(c)) {
          done = true;
        } else if (c == '"') {
          in_double = true;
        } else if (c == '\'') {
          in_single = true;
        } else {
          current.push_back(c);
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(current));
  }
}

void RequestParser::Reset() {
  ResetForNextCommand();
  line_.clear();
  if (arena_.capacity() > 64 * 1024) std::string().swap(arena_);
  if (line_.capacity() > 64 * 1024) std::string().swap(line_);
}

void RequestParser::ResetForNextCommand() {
  state_ = State::kStart;
  arena_.clear();
  offsets_.clear();
  args_left_ = 0;
  bulk_left_ = 0;
  crlf_left_ = 0;
}

RequestParser::Result RequestParser::Fail(std::string message, size_t consumed) {
  error_ = std::move(message);
  ResetForNextCommand();
  line_.clear();
  return {Status::kError, consumed};
}

bool RequestParser::TakeLine(std::string_view input, size_t* pos) {
  const char* start = input.data() + *pos;
  size_t avail = input.size() - *pos;
  const void* nl = std::memchr(start, '\n', avail);
  if (nl == nullptr) {
    line_.append(start, avail);
    *pos = input.size();
    return false;
  }
  size_t len = static_cast<const char*>(nl) - start + 1;
  line_.append(start, len);
  *pos += len;
  return true;
}

void RequestParser::FinishCommand() {
  views_.clear();
  views_.reserve(offsets_.size() / 2);
  for (size_t i = 0; i + 1 < offsets_.size(); i += 2) {
    views_.emplace_back(arena_.data() + offsets_[i], offsets_[i + 1]);
  }
}

bool RequestParser::FinishInline() {
  std::vector<std::string> parts;
  if (!SplitInlineArgs(StripLineEnd(line_), &parts)) return false;
  arena_.clear();
  offsets_.clear();
  for (const auto& p : parts) {
    offsets_.push_back(arena_.size());
    offsets_.push_back(p.size());
    arena_.append(p);
  }
  line_.clear();
  return true;
}

RequestParser::Result RequestParser::Parse(std::string_view input) {
  size_t pos = 0;
  views_.clear();
  // A previous kCommand result leaves the arena holding that command.
  if (state_ == State::kStart) {
    arena_.clear();
    offsets_.clear();
  }
  while (pos < input.size()) {
    switch (state_) {
      case State::kStart: {
        if (input[pos] == '*') {
          ++pos;
          state_ = State::kMultibulkCount;
          line_.clear();
        } else {
          state_ = State::kInline;
          line_.clear();
        }
        break;
      }
      case State::kInline: {
        if (!TakeLine(input, &pos)) {
          if (line_.size() > limits_.max_inline_len) {
            return Fail("Protocol error: too big inline request", pos);
          }
          return {Status::kNeedMore, pos};
        }
        if (!FinishInline()) return Fail("Protocol error: unbalanced quotes in request", pos);
        state_ = State::kStart;
        if (offsets_.empty()) break;  // empty line: nothing to run
        last_inline_ = true;
        FinishCommand();
        return {Status::kCommand, pos};
      }
      case State::kMultibulkCount: {
        if (!TakeLine(input, &pos)) {
          if (line_.size() > limits_.max_inline_len) {
            return Fail("Protocol error: too big mbulk count string", pos);
          }
          return {Status::kNeedMore, pos};
        }
        int64_t count = 0;
        if (!ParseLength(StripLineEnd(line_), &count) || count > limits_.max_multibulk_len) {
          return Fail("Protocol error: invalid multibulk length", pos);
        }
        if (unauthenticated_ && count > limits_.unauthenticated_max_multibulk_len) {
          return Fail("Protocol error: unauthenticated multibulk length", pos);
        }
        line_.clear();
        if (count <= 0) {  // "*0" and "*-1" are skipped like Redis does
          state_ = State::kStart;
          break;
        }
        args_left_ = count;
        offsets_.reserve(2 * static_cast<size_t>(std::min<int64_t>(count, 1024)));
        state_ = State::kBulkHeader;
        break;
      }
      case State::kBulkHeader: {
        if (line_.empty() && input[pos] != '$') {
          char got = input[pos];
          return Fail(std::string("Protocol error: expected '$', got '") + got + "'", pos);
        }
        if (!TakeLine(input, &pos)) {
          if (line_.size() > limits_.max_inline_len) {
            return Fail("Protocol error: too big bulk count string", pos);
          }
          return {Status::kNeedMore, pos};
        }
        int64_t len = 0;
        std::string_view digits = StripLineEnd(line_).substr(1);
        if (!ParseLength(digits, &len) || len < 0 || len > limits_.max_bulk_len) {
          return Fail("Protocol error: invalid bulk length", pos);
        }
        if (unauthenticated_ && len > limits_.unauthenticated_max_bulk_len) {
          return Fail("Protocol error: unauthenticated bulk length", pos);
        }
        line_.clear();
        offsets_.push_back(arena_.size());
        offsets_.push_back(static_cast<size_t>(len));
        // Large arguments: reserve once so the copy below never reallocates repeatedly.
        if (static_cast<size_t>(len) >= 32 * 1024) arena_.reserve(arena_.size() + len);
        bulk_left_ = len;
        crlf_left_ = 2;
        state_ = State::kBulkBody;
        break;
      }
      case State::kBulkBody: {
        size_t avail = input.size() - pos;
        if (bulk_left_ > 0) {
          size_t take = std::min<size_t>(avail, static_cast<size_t>(bulk_left_));
          arena_.append(input.data() + pos, take);
          pos += take;
          bulk_left_ -= static_cast<int64_t>(take);
          if (bulk_left_ > 0) return {Status::kNeedMore, pos};
        }
        // Redis skips the two bytes after the payload without looking at them.
        while (crlf_left_ > 0 && pos < input.size()) {
          ++pos;
          --crlf_left_;
        }
        if (crlf_left_ > 0) return {Status::kNeedMore, pos};
        if (--args_left_ == 0) {
          state_ = State::kStart;
          last_inline_ = false;
          FinishCommand();
          return {Status::kCommand, pos};
        }
        state_ = State::kBulkHeader;
        break;
      }
    }
  }
  return {Status::kNeedMore, pos};
}

}  // namespace baton::resp
