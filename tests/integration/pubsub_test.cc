// Pub/sub and transactions across real connections to the real binary:
// messages between connections (hiredis), RESP3 pushes (exact bytes),
// MULTI/EXEC/WATCH between two clients, and a subscriber that never reads
// being cut off by client-output-buffer-limit pubsub.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace pubsub_test {
namespace {

std::string Bulk(const std::string& s) {
  std::string out = "$";
  out += std::to_string(s.size());
  out += "\r\n";
  out += s;
  out += "\r\n";
  return out;
}

// The next reply pushed to a subscribed hiredis connection (bounded by the
// connection's timeout).
Reply NextReply(redisContext* c) {
  void* r = nullptr;
  if (redisGetReply(c, &r) != REDIS_OK) return Reply(nullptr);
  return Reply(static_cast<redisReply*>(r));
}

// Checks an array reply of bulk strings (and a trailing integer, if any).
void ExpectArray(const redisReply* r, const std::vector<std::string>& strings,
                 long long trailing = -1) {
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  const size_t n = strings.size() + (trailing >= 0 ? 1 : 0);
  ASSERT_EQ(r->elements, n);
  for (size_t i = 0; i < strings.size(); ++i) {
    ASSERT_EQ(r->element[i]->type, REDIS_REPLY_STRING) << i;
    EXPECT_EQ(std::string(r->element[i]->str, r->element[i]->len), strings[i]);
  }
  if (trailing >= 0) {
    ASSERT_EQ(r->element[n - 1]->type, REDIS_REPLY_INTEGER);
    EXPECT_EQ(r->element[n - 1]->integer, trailing);
  }
}

class PubsubIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start()) << server_.ReadLog(); }

  long long NumSub(const std::string& channel) {
    Reply r = server_.Command({"PUBSUB", "NUMSUB", channel});
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return -1;
    return r->element[1]->integer;
  }

  ServerProcess server_;
};

TEST_F(PubsubIntegrationTest, MessagesCrossConnections) {
  Connection sub = server_.Connect();
  Connection pub = server_.Connect();
  ASSERT_TRUE(sub && pub);
  ExpectArray(Command(sub.get(), {"SUBSCRIBE", "news", "sport"}).get(), {"subscribe", "news"}, 1);
  ExpectArray(NextReply(sub.get()).get(), {"subscribe", "sport"}, 2);

  Reply n = Command(pub.get(), {"PUBLISH", "news", "hello"});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->integer, 1);
  ExpectArray(NextReply(sub.get()).get(), {"message", "news", "hello"});

  // Binary-safe payloads.
  std::string payload("a\0b\r\nc", 6);
  n = Command(pub.get(), {"PUBLISH", "sport", payload});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->integer, 1);
  ExpectArray(NextReply(sub.get()).get(), {"message", "sport", payload});

  // The subscribed context refuses other commands but keeps the connection.
  Reply err = Command(sub.get(), {"SET", "k", "v"});
  ASSERT_TRUE(err);
  ASSERT_EQ(err->type, REDIS_REPLY_ERROR);
  EXPECT_EQ(std::string(err->str),
            "ERR Can't execute 'set': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            "RESET are allowed in this context");
  ExpectArray(Command(sub.get(), {"UNSUBSCRIBE", "news"}).get(), {"unsubscribe", "news"}, 1);
  n = Command(pub.get(), {"PUBLISH", "news", "nobody"});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->integer, 0);
}

TEST_F(PubsubIntegrationTest, PatternSubscriptions) {
  Connection sub = server_.Connect();
  Connection pub = server_.Connect();
  ASSERT_TRUE(sub && pub);
  ExpectArray(Command(sub.get(), {"PSUBSCRIBE", "user.*"}).get(), {"psubscribe", "user.*"}, 1);
  Reply n = Command(pub.get(), {"PUBLISH", "user.42", "login"});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->integer, 1);
  ExpectArray(NextReply(sub.get()).get(), {"pmessage", "user.*", "user.42", "login"});
  n = Command(pub.get(), {"PUBSUB", "NUMPAT"});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->integer, 1);
  // A closed subscriber is forgotten.
  sub.reset();
  EXPECT_TRUE(WaitFor([&] {
    Reply r = Command(pub.get(), {"PUBSUB", "NUMPAT"});
    return r && r->type == REDIS_REPLY_INTEGER && r->integer == 0;
  }));
}

TEST_F(PubsubIntegrationTest, Resp3SubscriberReceivesPushes) {
  RawClient sub(server_.port());
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub.Call(EncodeCommand({"HELLO", "3"})).substr(0, 1), "%");
  EXPECT_EQ(sub.Call(EncodeCommand({"SUBSCRIBE", "c"})),
            ">3\r\n" + Bulk("subscribe") + Bulk("c") + ":1\r\n");
  Reply n = server_.Command({"PUBLISH", "c", "pushed"});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->integer, 1);
  const std::string push = ">3\r\n" + Bulk("message") + Bulk("c") + Bulk("pushed");
  EXPECT_EQ(sub.ReadBytes(push.size()), push);
  sub.Take();
  // RESP3 clients keep a normal command set while subscribed.
  EXPECT_EQ(sub.Call(EncodeCommand({"SET", "k", "v"})), "+OK\r\n");
  EXPECT_EQ(sub.Call(EncodeCommand({"PING"})), "+PONG\r\n");
  EXPECT_EQ(sub.Call(EncodeCommand({"UNSUBSCRIBE"})),
            ">3\r\n" + Bulk("unsubscribe") + Bulk("c") + ":0\r\n");
  EXPECT_EQ(sub.Call(EncodeCommand({"UNSUBSCRIBE"})),
            ">3\r\n" + Bulk("unsubscribe") + "_\r\n:0\r\n");
}

TEST_F(PubsubIntegrationTest, ResetLeavesSubscribedContext) {
  RawClient sub(server_.port());
  ASSERT_TRUE(sub.ok());
  sub.Call(EncodeCommand({"SUBSCRIBE", "c"}));
  EXPECT_EQ(sub.Call(EncodeCommand({"RESET"})), "+RESET\r\n");
  EXPECT_EQ(sub.Call(EncodeCommand({"PING"})), "+PONG\r\n");
  EXPECT_EQ(NumSub("c"), 0);
}

TEST_F(PubsubIntegrationTest, WatchAcrossTwoConnections) {
  Connection a = server_.Connect();
  Connection b = server_.Connect();
  ASSERT_TRUE(a && b);
  Command(a.get(), {"SET", "balance", "10"});
  Reply r = Command(a.get(), {"WATCH", "balance"});
  ASSERT_TRUE(r);
  EXPECT_STREQ(r->str, "OK");
  Command(b.get(), {"INCRBY", "balance", "5"});
  Command(a.get(), {"MULTI"});
  r = Command(a.get(), {"SET", "balance", "0"});
  ASSERT_TRUE(r);
  EXPECT_STREQ(r->str, "QUEUED");
  r = Command(a.get(), {"EXEC"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, REDIS_REPLY_NIL);
  r = Command(b.get(), {"GET", "balance"});
  ASSERT_TRUE(r);
  EXPECT_EQ(std::string(r->str, r->len), "15");

  // Untouched this time: the transaction runs.
  Command(a.get(), {"WATCH", "balance"});
  Command(a.get(), {"MULTI"});
  Command(a.get(), {"DECRBY", "balance", "15"});
  Command(a.get(), {"GET", "balance"});
  r = Command(a.get(), {"EXEC"});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r->elements, 2U);
  EXPECT_EQ(r->element[0]->integer, 0);
  EXPECT_EQ(std::string(r->element[1]->str, r->element[1]->len), "0");
}

TEST_F(PubsubIntegrationTest, ExecReplyBytes) {
  RawClient c(server_.port());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.Call(EncodeCommand({"SET", "s", "x"})), "+OK\r\n");
  EXPECT_EQ(c.Call(EncodeCommand({"MULTI"})), "+OK\r\n");
  EXPECT_EQ(c.Call(EncodeCommand({"LPUSH", "s", "1"})), "+QUEUED\r\n");
  EXPECT_EQ(c.Call(EncodeCommand({"INCR", "n"})), "+QUEUED\r\n");
  EXPECT_EQ(c.Call(EncodeCommand({"EXEC"})),
            "*2\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:1\r\n");
  EXPECT_EQ(c.Call(EncodeCommand({"MULTI"})), "+OK\r\n");
  EXPECT_EQ(c.Call(EncodeCommand({"GET"})), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(c.Call(EncodeCommand({"EXEC"})),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

TEST_F(PubsubIntegrationTest, ClientPauseWritePostponesPublish) {
  Connection admin = server_.Connect();
  Connection pub = server_.Connect();
  ASSERT_TRUE(admin && pub);
  Reply r = Command(admin.get(), {"CLIENT", "PAUSE", "100000", "WRITE"});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->type, REDIS_REPLY_STATUS) << (r->str != nullptr ? r->str : "");
  ASSERT_EQ(redisAppendCommand(pub.get(), "PUBLISH c m"), REDIS_OK);
  int done = 0;
  while (!done) ASSERT_EQ(redisBufferWrite(pub.get(), &done), REDIS_OK);
  // Pure readers still run while the PUBLISH waits.
  r = Command(admin.get(), {"PUBSUB", "NUMSUB", "c"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, REDIS_REPLY_ARRAY);
  r = Command(admin.get(), {"CLIENT", "UNPAUSE"});
  ASSERT_TRUE(r);
  Reply published = NextReply(pub.get());
  ASSERT_TRUE(published);
  EXPECT_EQ(published->type, REDIS_REPLY_INTEGER);
  EXPECT_EQ(published->integer, 0);
}

// A subscriber that never reads: the server queues its messages until the
// pubsub output limit, then drops the subscriber and keeps serving.
TEST(PubsubOutputLimitTest, SlowSubscriberIsDisconnected) {
  ServerProcess server({"--client-output-buffer-limit", "pubsub", "1mb", "512kb", "60"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  RawClient sub(server.port());
  ASSERT_TRUE(sub.ok());
  ASSERT_EQ(sub.Call(EncodeCommand({"SUBSCRIBE", "flood"})),
            "*3\r\n" + Bulk("subscribe") + Bulk("flood") + ":1\r\n");
  Connection pub = server.Connect();
  ASSERT_TRUE(pub);
  const std::string payload(64 * 1024, 'x');
  // Kernel socket buffers absorb some megabytes first; 4096 x 64 KiB (256 MiB)
  // bounds the loop far above what any socket buffer holds.
  bool dropped = false;
  for (int i = 0; i < 4096 && !dropped; ++i) {
    Reply r = Command(pub.get(), {"PUBLISH", "flood", payload});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->type, REDIS_REPLY_INTEGER);
    dropped = r->integer == 0;
  }
  EXPECT_TRUE(dropped);
  Reply ping = Command(pub.get(), {"PING"});
  ASSERT_TRUE(ping);
  EXPECT_STREQ(ping->str, "PONG");
  sub.ReadUntilClosed();
  EXPECT_TRUE(sub.closed());
  EXPECT_TRUE(server.Running());
  EXPECT_NE(server.ReadLog().find("scheduled to be closed ASAP for overcoming of output buffer"),
            std::string::npos);
}

}  // namespace
}  // namespace pubsub_test
}  // namespace baton::testing
