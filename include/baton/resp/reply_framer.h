// Finds where one RESP2/RESP3 reply ends in a byte stream, without building
// it: the session relay (switchover) copies a primary's replies to a client
// byte for byte, and only needs to know where each one stops.
//
// Understands every reply type of RESP2 and RESP3: simple lines (+ - : _ # ,
// ( ), bulk payloads ($ ! =, with -1 for null), aggregates (* ~ > with N
// elements, % and | with N pairs, -1 for null), and an attribute (|) that
// precedes the reply it annotates (the two form one frame).
#pragma once

#include <cstddef>
#include <string_view>

namespace baton::resp {

struct ReplyFrame {
  enum class Status {
    kComplete,    // `length` bytes hold one whole reply
    kIncomplete,  // more bytes needed
    kError,       // not RESP: the stream cannot be trusted any more
  };
  Status status = Status::kIncomplete;
  size_t length = 0;
  bool push = false;  // an out-of-band RESP3 push message (>), not a reply
};

// Frames the first reply at the start of `buffer`. Nesting deeper than
// `max_depth` is an error (a guard against a hostile or broken peer).
[[nodiscard]] ReplyFrame FrameReply(std::string_view buffer, int max_depth = 64);

}  // namespace baton::resp
