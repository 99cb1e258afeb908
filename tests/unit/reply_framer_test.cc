// The RESP reply framer used by the session relay.
#include "baton/resp/reply_framer.h"

#include <gtest/gtest.h>

#include <string>

namespace baton::resp {
namespace reply_framer_test {
namespace {

using Status = ReplyFrame::Status;

// Every proper prefix is incomplete; the whole text is one frame of its size.
void ExpectFrame(const std::string& reply) {
  for (size_t n = 0; n < reply.size(); ++n) {
    EXPECT_EQ(FrameReply(reply.substr(0, n)).status, Status::kIncomplete)
        << "prefix " << n << " of " << reply;
  }
  ReplyFrame f = FrameReply(reply + "+NEXT\r\n");
  EXPECT_EQ(f.status, Status::kComplete) << reply;
  EXPECT_EQ(f.length, reply.size()) << reply;
}

TEST(ReplyFramerTest, SimpleTypes) {
  ExpectFrame("+OK\r\n");
  ExpectFrame("-ERR unknown command 'x'\r\n");
  ExpectFrame(":-42\r\n");
  ExpectFrame("_\r\n");
  ExpectFrame("#t\r\n");
  ExpectFrame(",3.14\r\n");
  ExpectFrame("(123456789012345678901234567890\r\n");
}

TEST(ReplyFramerTest, BulkTypesIncludingCrlfInsideThePayload) {
  ExpectFrame("$5\r\nhello\r\n");
  ExpectFrame("$4\r\na\r\nb\r\n");
  ExpectFrame("$0\r\n\r\n");
  ExpectFrame("$-1\r\n");
  ExpectFrame("!21\r\nSYNTAX invalid syntax\r\n");
  ExpectFrame("=15\r\ntxt:Some string\r\n");
}

TEST(ReplyFramerTest, AggregatesNestedAndNull) {
  ExpectFrame("*0\r\n");
  ExpectFrame("*-1\r\n");
  ExpectFrame("*2\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n");
  ExpectFrame("%2\r\n+first\r\n:1\r\n+second\r\n*1\r\n:2\r\n");
  ExpectFrame("~3\r\n:1\r\n:2\r\n:3\r\n");
}

TEST(ReplyFramerTest, AttributeAndTheValueItAnnotatesAreOneFrame) {
  ExpectFrame("|1\r\n+ttl\r\n:3600\r\n*2\r\n:1\r\n:2\r\n");
}

TEST(ReplyFramerTest, PushMessagesAreMarked) {
  const std::string push = ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n";
  ExpectFrame(push);
  EXPECT_TRUE(FrameReply(push).push);
  EXPECT_FALSE(FrameReply("*1\r\n:1\r\n").push);
}

TEST(ReplyFramerTest, GarbageIsAnError) {
  EXPECT_EQ(FrameReply("hello\r\n").status, Status::kError);
  EXPECT_EQ(FrameReply("$x\r\nab\r\n").status, Status::kError);
  EXPECT_EQ(FrameReply("$2\r\nabcd\r\n").status, Status::kError);
  EXPECT_EQ(FrameReply("*-2\r\n").status, Status::kError);
  EXPECT_EQ(FrameReply("+OK\rX").status, Status::kError);
}

TEST(ReplyFramerTest, NestingDeeperThanTheLimitIsAnError) {
  std::string deep;
  for (int i = 0; i < 10; ++i) deep += "*1\r\n";
  deep += ":1\r\n";
  EXPECT_EQ(FrameReply(deep, 20).status, Status::kComplete);
  EXPECT_EQ(FrameReply(deep, 5).status, Status::kError);
}

}  // namespace
}  // namespace reply_framer_test
}  // namespace baton::resp
