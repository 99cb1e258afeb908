// RESP reply framing: see include/baton/resp/reply_framer.h.
#include "baton/resp/reply_framer.h"

#include <charconv>
#include <cstdint>

namespace baton::resp {
namespace {

using Status = ReplyFrame::Status;

// The end of the line starting at `pos` (the index of its '\r'), or npos.
size_t HeaderLineEnd(std::string_view buf, size_t pos) {
  const size_t cr = buf.find('\r', pos);
  if (cr == std::string_view::npos || cr + 1 >= buf.size()) return std::string_view::npos;
  return cr;
}

// Parses the decimal length of a bulk or aggregate header line.
bool ParseHeaderLength(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end && *out >= -1;
}

// Frames one value starting at `*pos`; advances `*pos` past it.
Status FrameValue(std::string_view buf, size_t* pos, int depth) {
  if (depth < 0) return Status::kError;
  if (*pos >= buf.size()) return Status::kIncomplete;
  const char type = buf[*pos];
  const size_t cr = HeaderLineEnd(buf, *pos + 1);
  if (cr == std::string_view::npos) return Status::kIncomplete;
  if (buf[cr + 1] != '\n') return Status::kError;
  const std::string_view header = buf.substr(*pos + 1, cr - *pos - 1);
  const size_t after_header = cr + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case '#':
    case ',':
    case '(':
      *pos = after_header;
      return Status::kComplete;
    case '$':
    case '!':
    case '=': {
      int64_t len = 0;
      if (!ParseHeaderLength(header, &len)) return Status::kError;
      if (len < 0) {
        *pos = after_header;
        return Status::kComplete;
      }
      const size_t need = after_header + static_cast<size_t>(len) + 2;
      if (buf.size() < need) return Status::kIncomplete;
      if (buf[need - 2] != '\r' || buf[need - 1] != '\n') return Status::kError;
      *pos = need;
      return Status::kComplete;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      int64_t count = 0;
      if (!ParseHeaderLength(header, &count)) return Status::kError;
      *pos = after_header;
      if (count < 0) return Status::kComplete;
      if (type == '%' || type == '|') count *= 2;
      for (int64_t i = 0; i < count; ++i) {
        const Status s = FrameValue(buf, pos, depth - 1);
        if (s != Status::kComplete) return s;
      }
      // An attribute annotates the value that follows it: one frame.
      if (type == '|') return FrameValue(buf, pos, depth - 1);
      return Status::kComplete;
    }
    default:
      return Status::kError;
  }
}

}  // namespace

ReplyFrame FrameReply(std::string_view buffer, int max_depth) {
  ReplyFrame frame;
  size_t pos = 0;
  frame.status = FrameValue(buffer, &pos, max_depth);
  if (frame.status == Status::kComplete) {
    frame.length = pos;
    frame.push = buffer[0] == '>';
  }
  return frame;
}

}  // namespace baton::resp
