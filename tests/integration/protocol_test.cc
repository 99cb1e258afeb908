// The wire protocol against the real binary: pipelining, inline commands,
// RESP3, malformed input and the limits that guard the server. Expected
// bytes were checked against Debian's redis-server 7.0.15; the differential
// test at the end replays the malformed inputs against it when installed.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace protocol_test {
namespace {

constexpr const char* kPong = "+PONG\r\n";

// prefix + number, by appending (GCC 12 reports a false -Wrestrict on
// "literal" + std::to_string(n) once inlined).
std::string Numbered(const char* prefix, int64_t n) {
  std::string out = prefix;
  out += std::to_string(n);
  return out;
}

std::string Bulk(const std::string& s) {
  std::string out = "$";
  out += std::to_string(s.size());
  out += "\r\n";
  out += s;
  out += "\r\n";
  return out;
}

class ProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start()) << server_.ReadLog(); }

  // A fresh connection still gets PONG: the server survived whatever happened.
  void ExpectServerAlive() {
    RawClient c(server_.port());
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.Roundtrip("PING\r\n", 7), kPong);
    EXPECT_TRUE(server_.Running());
  }

  // Sends `input` on a new connection; expects `reply` and then the close.
  void ExpectErrorAndClose(const std::string& input, const std::string& reply) {
    RawClient c(server_.port());
    ASSERT_TRUE(c.ok());
    c.Send(input);
    std::string got = c.ReadUntilClosed();
    EXPECT_EQ(got, reply) << "input: " << input.substr(0, 60);
    EXPECT_TRUE(c.closed()) << "input: " << input.substr(0, 60);
  }

  ServerProcess server_;
};

TEST_F(ProtocolTest, TenThousandPipelinedCommandsInOneWriteAnswerInOrder) {
  std::string request;
  std::string expected;
  for (int i = 0; i < 10000; ++i) {
    std::string v = Numbered("v", i);
    request += EncodeCommand({"ECHO", v});
    expected += Bulk(v);
  }
  RawClient c(server_.port());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.Send(request));  // one buffer; the kernel splits it as it likes
  std::string got = c.ReadBytes(expected.size());
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "replies differ or are out of order";
  EXPECT_FALSE(c.closed());
}

TEST_F(ProtocolTest, PipelinedWritesApplyInOrder) {
  Connection conn = server_.Connect();
  ASSERT_TRUE(conn);
  constexpr int kCount = 5000;
  for (int i = 0; i < kCount; ++i) {
    std::vector<std::string> args = {"INCR", "counter"};
    std::vector<const char*> argv = {args[0].c_str(), args[1].c_str()};
    ASSERT_EQ(redisAppendCommandArgv(conn.get(), 2, argv.data(), nullptr), REDIS_OK);
  }
  for (int i = 0; i < kCount; ++i) {
    void* raw = nullptr;
    ASSERT_EQ(redisGetReply(conn.get(), &raw), REDIS_OK);
    Reply r(static_cast<redisReply*>(raw));
    ASSERT_EQ(r->type, REDIS_REPLY_INTEGER) << (r->str != nullptr ? r->str : "");
    ASSERT_EQ(r->integer, i + 1);
  }
}

TEST_F(ProtocolTest, InlineCommands) {
  RawClient c(server_.port());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.Roundtrip("PING\r\n", 7), kPong);
  EXPECT_EQ(c.Roundtrip("ping\n", 7), kPong);  // a bare LF ends the line too
  EXPECT_EQ(c.Roundtrip("  PING   hello  \r\n", 11), "$5\r\nhello\r\n");
  EXPECT_EQ(c.Roundtrip("ECHO \"hello world\"\r\n", 17), "$11\r\nhello world\r\n");
  EXPECT_EQ(c.Roundtrip("ECHO 'it''s'\r\n", 100).substr(0, 5), "-ERR ");
  EXPECT_TRUE(c.closed());  // unbalanced quotes close the connection

  RawClient d(server_.port());
  EXPECT_EQ(d.Roundtrip("ECHO 'a \"b\" c'\r\n", 13), "$7\r\na \"b\" c\r\n");
  EXPECT_EQ(d.Roundtrip("ECHO \"\\x41\\x42\\n\"\r\n", 9), "$3\r\nAB\n\r\n");
  EXPECT_EQ(d.Roundtrip("ECHO \"a\\\"b\"\r\n", 9), "$3\r\na\"b\r\n");
  // Empty lines are skipped; pipelined inline commands answer in order.
  EXPECT_EQ(d.Roundtrip("\r\n\r\nPING\r\nECHO x\r\n", 14), "+PONG\r\n$1\r\nx\r\n");
  const std::string arity = "-ERR wrong number of arguments for 'echo' command\r\n";
  EXPECT_EQ(d.Roundtrip("ECHO \"hello world\" 'a b'\r\n", arity.size()), arity);
  // Inline SET stores the unquoted value.
  EXPECT_EQ(d.Roundtrip("SET inline \"v w\"\r\n", 5), "+OK\r\n");
  EXPECT_EQ(d.Roundtrip("GET inline\r\n", 9), "$3\r\nv w\r\n");
  EXPECT_FALSE(d.closed());
}

TEST_F(ProtocolTest, InlineUnbalancedQuotesIsAProtocolError) {
  ExpectErrorAndClose("ECHO \"unterminated\r\n",
                      "-ERR Protocol error: unbalanced quotes in request\r\n");
  ExpectErrorAndClose("ECHO \"a\"b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n");
  ExpectServerAlive();
}

TEST_F(ProtocolTest, TooBigInlineRequest) {
  ExpectErrorAndClose(std::string(70000, 'x'), "-ERR Protocol error: too big inline request\r\n");
  ExpectServerAlive();
}

TEST_F(ProtocolTest, Resp3ViaHello) {
  RawClient c(server_.port());
  ASSERT_TRUE(c.ok());
  c.Send("HELLO 3\r\n");
  std::string modules = "$7\r\nmodules\r\n*0\r\n";
  std::string got = c.ReadUntil(
      [&](const std::string& s) { return s.size() >= modules.size() && s.ends_with(modules); });
  const std::string head =
      "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"
      "$2\r\nid\r\n:";
  const std::string tail =
      "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n" + modules;
  ASSERT_TRUE(got.starts_with(head)) << got;
  ASSERT_TRUE(got.ends_with(tail)) << got;
  std::string id = got.substr(head.size(), got.size() - head.size() - tail.size());
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(id.find_first_not_of("0123456789"), std::string::npos) << id;
  // RESP3 null for a missing key; RESP2 again after HELLO 2.
  EXPECT_EQ(c.Roundtrip("GET missing\r\n", 3), "_\r\n");
  c.Send("HELLO 2\r\n");
  EXPECT_EQ(c.ReadBytes(4).substr(0, 4), "*14\r");
  c.ReadUntil([&](const std::string& s) { return s.ends_with(modules); });
  c.Take();
  EXPECT_EQ(c.Roundtrip("GET missing\r\n", 5), "$-1\r\n");
  EXPECT_EQ(c.Roundtrip("HELLO 4\r\n", 38), "-NOPROTO unsupported protocol version\r\n");
}

TEST_F(ProtocolTest, Resp3WithRedisCli) {
  if (!HaveProgram("redis-cli")) GTEST_SKIP() << "redis-cli not installed";
  std::string p = std::to_string(server_.port());
  int code = -1;
  std::string out = RunShell("timeout 20 redis-cli -3 --no-raw -p " + p + " HELLO 3", &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("1# \"server\" => \"redis\""), std::string::npos) << out;
  EXPECT_NE(out.find("3# \"proto\" => (integer) 3"), std::string::npos) << out;
  EXPECT_NE(out.find("7# \"modules\" => (empty array)"), std::string::npos) << out;
}

TEST_F(ProtocolTest, ProtocolErrorClosesOnlyThatConnection) {
  Connection other = server_.Connect();
  ASSERT_TRUE(other);
  Reply r = Command(other.get(), {"SELECT", "3"});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->type, REDIS_REPLY_STATUS);
  r = Command(other.get(), {"SET", "survivor", "yes"});
  ASSERT_TRUE(r);

  // Replies to the commands before the bad one still arrive, then the close.
  ExpectErrorAndClose("PING\r\n*1\r\nfoo\r\n",
                      "+PONG\r\n-ERR Protocol error: expected '$', got 'f'\r\n");
  ExpectErrorAndClose("*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
  ExpectErrorAndClose("*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n");
  ExpectErrorAndClose("*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n");
  ExpectErrorAndClose("*2\r\n$4\r\nECHO\r\n:1\r\n",
                      "-ERR Protocol error: expected '$', got ':'\r\n");

  // The other client kept its connection and its state (selected db).
  r = Command(other.get(), {"GET", "survivor"});
  ASSERT_TRUE(r) << other->errstr;
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(r->str, r->len), "yes");
}

TEST_F(ProtocolTest, TwoGigabyteBulkLengthIsRejected) {
  ExpectErrorAndClose("*1\r\n$2147483648\r\n", "-ERR Protocol error: invalid bulk length\r\n");
  ExpectErrorAndClose("*1\r\n$99999999999999999999999\r\n",
                      "-ERR Protocol error: invalid bulk length\r\n");
  ExpectErrorAndClose("*99999999999\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
  ExpectServerAlive();
}

TEST_F(ProtocolTest, GarbageBytesDoNotHurtTheServer) {
  // Deterministic pseudo-random bytes (no NUL: Redis scans inline lines as C
  // strings), on several connections; whatever each gets back, others work.
  uint32_t x = 12345;
  for (int conn = 0; conn < 8; ++conn) {
    std::string junk;
    for (int i = 0; i < 20000; ++i) {
      x = x * 1103515245 + 12345;
      char ch = static_cast<char>((x >> 16) & 0xff);
      junk.push_back(ch == 0 ? '\n' : ch);
    }
    if (conn % 2 == 1) junk[0] = '*';  // half of them take the multibulk path
    RawClient c(server_.port());
    ASSERT_TRUE(c.ok());
    c.Send(junk);
    c.Send("\r\nPING\r\n");
    c.ReadUntil([](const std::string& s) { return s.ends_with(kPong); },
                std::chrono::milliseconds(2000));
  }
  ExpectServerAlive();
  Reply r = server_.Command({"ECHO", "still here"});
  ASSERT_TRUE(r);
  EXPECT_EQ(std::string(r->str, r->len), "still here");
}

TEST_F(ProtocolTest, MillionArgumentMultibulkIsStreamedAndExecuted) {
  ASSERT_TRUE(server_.Command({"SET", "k1", "a"}));
  ASSERT_TRUE(server_.Command({"SET", "k999998", "b"}));
  const size_t rss_before = server_.RssBytes();
  RawClient c(server_.port());
  ASSERT_TRUE(c.ok());
  constexpr int kArgs = 1000000;  // EXISTS + 999999 keys
  ASSERT_TRUE(c.Send(Numbered("*", kArgs).append("\r\n$6\r\nEXISTS\r\n")));
  std::string chunk;
  for (int i = 1; i < kArgs; ++i) {
    std::string key = Numbered("k", i);
    chunk += '$';
    chunk += std::to_string(key.size());
    chunk += "\r\n";
    chunk += key;
    chunk += "\r\n";
    if (chunk.size() > 256 * 1024) {
      ASSERT_TRUE(c.Send(chunk));
      chunk.clear();
    }
  }
  ASSERT_TRUE(c.Send(chunk));
  std::string got = c.ReadUntil([](const std::string& s) { return s.ends_with("\r\n"); },
                                std::chrono::seconds(30));
  EXPECT_EQ(got, ":2\r\n");
  // About 14 MB of request; the server must not balloon far beyond that.
  const size_t peak = server_.PeakRssBytes();
  EXPECT_LT(peak, rss_before + 512u * 1024 * 1024) << "peak RSS " << peak;
  EXPECT_EQ(c.Roundtrip("PING\r\n", 7), kPong);
}

TEST_F(ProtocolTest, HalfACommandThenCloseLeavesNoTrace) {
  {
    RawClient c(server_.port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send("*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$10\r\nabc"));
    ASSERT_TRUE(c.Send(""));
  }  // closed mid-argument
  {
    RawClient c(server_.port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send("*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$3\r\nabc"));  // missing CRLF
  }
  ExpectServerAlive();
  Reply r = server_.Command({"EXISTS", "half"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->integer, 0);
}

TEST_F(ProtocolTest, QuitRepliesOkAndClosesBeforeLaterCommands) {
  RawClient c(server_.port());
  ASSERT_TRUE(c.ok());
  c.Send("PING\r\nQUIT\r\nPING\r\n");
  EXPECT_EQ(c.ReadUntilClosed(), "+PONG\r\n+OK\r\n");
  EXPECT_TRUE(c.closed());
  ExpectServerAlive();
}

TEST_F(ProtocolTest, UnknownCommandErrorText) {
  RawClient c(server_.port());
  ASSERT_TRUE(c.ok());
  const std::string e1 = "-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n";
  EXPECT_EQ(c.Roundtrip("FOO bar\r\n", e1.size()), e1);
  const std::string e2 = "-ERR unknown command 'nosuch', with args beginning with: \r\n";
  EXPECT_EQ(c.Roundtrip(EncodeCommand({"nosuch"}), e2.size()), e2);
  // Arguments are listed up to 128 characters in all.
  std::vector<std::string> args = {"nosuch"};
  for (int i = 0; i < 20; ++i) args.push_back(std::string(20, static_cast<char>('a' + i)));
  const std::string e3 = "-ERR unknown command 'nosuch', with args beginning with: '" +
                         std::string(20, 'a') + "' '" + std::string(20, 'b') + "' '" +
                         std::string(20, 'c') + "' '" + std::string(20, 'd') + "' '" +
                         std::string(20, 'e') + "' '" + std::string(13, 'f') + "' \r\n";
  EXPECT_EQ(c.Roundtrip(EncodeCommand(args), e3.size()), e3);
  const std::string e4 = "-ERR wrong number of arguments for 'get' command\r\n";
  EXPECT_EQ(c.Roundtrip("GET\r\n", e4.size()), e4);
  EXPECT_FALSE(c.closed());
}

class LimitsTest : public ::testing::Test {};

TEST_F(LimitsTest, ClientQueryBufferLimitClosesTheConnection) {
  ServerProcess server({"--client-query-buffer-limit", "1mb"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  RawClient c(server.port());
  ASSERT_TRUE(c.ok());
  // A 3 MB bulk of which 2 MB arrive: over the 1 MB limit while still partial.
  c.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n");
  c.Send(std::string(2000000, 'x'));  // may fail midway once the server closes
  EXPECT_EQ(c.ReadUntilClosed(), "");
  EXPECT_TRUE(c.closed());
  Reply r = server.Command({"EXISTS", "k"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->integer, 0);
  // Below the limit everything still works on a new connection.
  r = server.Command({"ECHO", std::string(500000, 'y')});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->len, 500000u);
  EXPECT_TRUE(server.Running());
}

TEST_F(LimitsTest, ProtoMaxBulkLen) {
  ServerProcess server({"--proto-max-bulk-len", "1mb"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  {
    RawClient c(server.port());
    c.Send("*2\r\n$4\r\nECHO\r\n$1048577\r\n");
    EXPECT_EQ(c.ReadUntilClosed(), "-ERR Protocol error: invalid bulk length\r\n");
    EXPECT_TRUE(c.closed());
  }
  RawClient c(server.port());
  std::string payload(1048576, 'z');
  std::string reply = c.Call(EncodeCommand({"ECHO", payload}));
  EXPECT_EQ(reply, Bulk(payload));
}

TEST_F(LimitsTest, RequirepassNoauthAndUnauthenticatedLimits) {
  ServerProcess server({"--requirepass", "s3cret"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  const std::string noauth = "-NOAUTH Authentication required.\r\n";
  {
    RawClient c(server.port());
    EXPECT_EQ(c.Roundtrip("PING\r\n", noauth.size()), noauth);
    EXPECT_EQ(c.Roundtrip(EncodeCommand({"SET", "k", "v"}), noauth.size()), noauth);
    const std::string wrongpass =
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
    EXPECT_EQ(c.Roundtrip("AUTH wrong\r\n", wrongpass.size()), wrongpass);
    const std::string hello =
        "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
        "protocol version at the same time\r\n";
    EXPECT_EQ(c.Roundtrip("HELLO 3\r\n", hello.size()), hello);
    // A 10-argument request with 16 KB arguments is still allowed before AUTH
    // (a known command: unknown ones get "unknown command" even before AUTH).
    std::vector<std::string> ten(10, std::string(16384, 'a'));
    ten[0] = "DEL";
    std::string reply = c.Roundtrip(EncodeCommand(ten), noauth.size());
    EXPECT_EQ(reply, noauth);
    const std::string unknown = "-ERR unknown command 'FOO', with args beginning with: \r\n";
    EXPECT_EQ(c.Roundtrip("FOO\r\n", unknown.size()), unknown);
    EXPECT_FALSE(c.closed());
  }
  {
    RawClient c(server.port());
    c.Send("*11\r\n");
    EXPECT_EQ(c.ReadUntilClosed(), "-ERR Protocol error: unauthenticated multibulk length\r\n");
    EXPECT_TRUE(c.closed());
  }
  {
    RawClient c(server.port());
    c.Send("*2\r\n$4\r\nECHO\r\n$16385\r\n");
    EXPECT_EQ(c.ReadUntilClosed(), "-ERR Protocol error: unauthenticated bulk length\r\n");
    EXPECT_TRUE(c.closed());
  }
  {
    // After AUTH the limits no longer apply.
    RawClient c(server.port());
    EXPECT_EQ(c.Roundtrip("AUTH s3cret\r\n", 5), "+OK\r\n");
    std::vector<std::string> args = {"ECHO", std::string(100000, 'b')};
    EXPECT_EQ(c.Call(EncodeCommand(args)), Bulk(args[1]));
    std::vector<std::string> many(12, "x");
    many[0] = "nosuch";
    c.Send(EncodeCommand(many));
    std::string reply = c.ReadUntil([](const std::string& s) { return s.ends_with("\r\n"); });
    c.Take();
    EXPECT_TRUE(reply.starts_with("-ERR unknown command 'nosuch'")) << reply;
    EXPECT_TRUE(c.Call("HELLO 3 AUTH default s3cret\r\n").starts_with("%7\r\n"));
  }
  {
    RawClient c(server.port());
    EXPECT_TRUE(c.Call("HELLO 3 AUTH default s3cret\r\n").starts_with("%7\r\n"));
    EXPECT_EQ(c.Call("PING\r\n"), kPong);
  }
}

TEST_F(LimitsTest, MaxClients) {
  ServerProcess server({"--maxclients", "3"});
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  std::vector<Connection> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(server.Connect());
    ASSERT_TRUE(held.back());
    Reply r = Command(held.back().get(), {"PING"});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->type, REDIS_REPLY_STATUS);
  }
  {
    RawClient c(server.port());
    EXPECT_EQ(c.ReadUntilClosed(), "-ERR max number of clients reached\r\n");
    EXPECT_TRUE(c.closed());
  }
  held.pop_back();  // frees a slot once the server notices the close
  EXPECT_TRUE(WaitFor([&] {
    Reply r = server.Command({"PING"});
    return r != nullptr && r->type == REDIS_REPLY_STATUS;
  }));
  for (auto& conn : held) {
    Reply r = Command(conn.get(), {"PING"});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->type, REDIS_REPLY_STATUS);
  }
}

// Protected mode only rejects non-loopback peers and these tests only use
// 127.0.0.1, so it is not tested here.

// Every malformed input above, replayed against Debian's redis-server and
// baton: the bytes back and whether the connection closed must be equal.
TEST(DifferentialProtocolTest, MalformedInputMatchesRedis) {
  if (!HaveProgram("redis-server")) GTEST_SKIP() << "redis-server not installed";
  ServerProcess baton;
  ServerProcess redis({}, "/usr/bin/redis-server");
  ASSERT_TRUE(baton.Start());
  ASSERT_TRUE(redis.Start()) << redis.ReadLog();
  const std::vector<std::string> inputs = {
      "*1\r\nfoo\r\n",
      "*abc\r\n",
      "*1\r\n$x\r\n",
      "*1\r\n$-1\r\n",
      "*1\r\n$2147483648\r\n",
      "*99999999999\r\n",
      "*-1\r\n*0\r\nPING\r\nQUIT\r\n",
      "ECHO \"unterminated\r\n",
      "ECHO 'x'y\r\n",
      "PING\r\nQUIT\r\nPING\r\n",
      "FOO bar baz\r\nQUIT\r\n",
      "*2\r\n$4\r\nECHO\r\n$3\r\nabcXYQUIT\r\n",
      "*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n",
      "*2\r\n$4\r\nECHO\r\n:1\r\n",
      "ECHO \"\\x41\\x4a\\t\" 'a\\'b'\r\nQUIT\r\n",
      "ECHO\r\nQUIT\r\n",
      "*3\r\n$4\r\nECHO\r\n$1\r\na\r\n$1\r\nb\r\nQUIT\r\n",
      std::string(70000, 'x'),
  };
  for (const std::string& input : inputs) {
    RawClient a(baton.port());
    RawClient b(redis.port());
    a.Send(input);
    b.Send(input);
    std::string got = a.ReadUntilClosed(std::chrono::seconds(5));
    std::string want = b.ReadUntilClosed(std::chrono::seconds(5));
    EXPECT_EQ(got, want) << "input: " << input.substr(0, 60);
    EXPECT_EQ(a.closed(), b.closed()) << "input: " << input.substr(0, 60);
  }
}

}  // namespace
}  // namespace protocol_test
}  // namespace baton::testing
