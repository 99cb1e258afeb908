// Keyspace and expiry against the real baton-server binary: active expiry
// with no client access, WATCH broken by FLUSHDB/FLUSHALL/SWAPDB, and reply
// bytes compared with Debian's redis-server 7.0 when it is installed.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace expire_test {
namespace {

std::vector<std::string> Tokens(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string word;
  while (in >> word) out.push_back(word == "''" ? std::string() : word);
  return out;
}

std::string Key(int i) {
  std::string k = "key:";
  k += std::to_string(i);
  return k;
}

class KeysIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start()) << server_.ReadLog(); }

  long long DbSize() {
    Reply r = server_.Command({"DBSIZE"});
    return r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
  }

  ServerProcess server_;
};

TEST_F(KeysIntegrationTest, ActiveExpiryReclaimsKeysNobodyReads) {
  constexpr int kKeys = 100000;
  RawClient c(server_.port());
  ASSERT_TRUE(c.ok());
  std::string batch;
  for (int i = 0; i < kKeys; ++i) {
    batch += EncodeCommand({"SET", Key(i), "v"});
    batch += EncodeCommand({"PEXPIRE", Key(i), "300"});
  }
  batch += EncodeCommand({"SET", "persistent", "v"});
  batch += EncodeCommand({"ECHO", "pipeline-done"});
  ASSERT_TRUE(c.Send(batch));
  const std::string marker = "pipeline-done\r\n";
  std::string got = c.ReadUntil(
      [&](const std::string& s) {
        return s.size() >= marker.size() &&
               s.compare(s.size() - marker.size(), marker.size(), marker) == 0;
      },
      std::chrono::seconds(60));
  ASSERT_GE(got.size(), marker.size()) << "pipeline did not finish";
  EXPECT_EQ(got.compare(got.size() - marker.size(), marker.size(), marker), 0);
  // DBSIZE does not expire anything: only the server's cron can.
  EXPECT_TRUE(WaitFor([&] { return DbSize() == 1; }, std::chrono::seconds(30)))
      << "dbsize stayed at " << DbSize();
  Reply info = server_.Command({"INFO", "stats"});
  ASSERT_TRUE(info && info->type == REDIS_REPLY_STRING);
  EXPECT_NE(std::string(info->str, info->len).find("expired_keys:100000\r\n"), std::string::npos);
  Reply r = server_.Command({"EXISTS", "persistent"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->integer, 1);
}

// WATCH on `key` in db 0, then `breaker` from another connection; EXEC must fail.
void ExpectWatchBroken(ServerProcess& server, const std::vector<std::string>& breaker,
                       const std::string& key) {
  Connection watcher = server.Connect();
  Connection other = server.Connect();
  ASSERT_TRUE(watcher && other);
  Reply r = Command(watcher.get(), {"WATCH", key});
  ASSERT_TRUE(r && r->type == REDIS_REPLY_STATUS);
  r = Command(other.get(), breaker);
  ASSERT_TRUE(r && r->type == REDIS_REPLY_STATUS) << breaker[0];
  Command(watcher.get(), {"MULTI"});
  Command(watcher.get(), {"PING"});
  r = Command(watcher.get(), {"EXEC"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, REDIS_REPLY_NIL) << breaker[0] << " did not break WATCH";
}

TEST_F(KeysIntegrationTest, FlushAndSwapDbBreakWatch) {
  server_.Command({"SET", "w", "1"});
  ExpectWatchBroken(server_, {"FLUSHDB"}, "w");
  server_.Command({"SET", "w", "1"});
  ExpectWatchBroken(server_, {"FLUSHALL"}, "w");
  // The watched key exists only in db 1: swapping makes it appear in db 0.
  Connection c = server_.Connect();
  Command(c.get(), {"SELECT", "1"});
  Command(c.get(), {"SET", "w", "from-db1"});
  ExpectWatchBroken(server_, {"SWAPDB", "0", "1"}, "w");
  Reply r = server_.Command({"GET", "w"});
  ASSERT_TRUE(r && r->type == REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(r->str, r->len), "from-db1");
}

// Deterministic commands whose reply bytes must equal redis-server's.
constexpr const char* kScript = R"(FLUSHALL
SET a 1
SET b hello
MSET c 3 d 4
DEL a a nokey
UNLINK nokey c
EXISTS b b nokey
TOUCH b nokey
TYPE b
TYPE nokey
RENAME nokey x
RENAME b b
RENAMENX b b
RENAME b e
RENAMENX e d
RENAMENX e f
MOVE f 1
MOVE f 1
MOVE f abc
MOVE f 99999999999
MOVE d 0
MOVE d -1
COPY d d
COPY d g
COPY d g
COPY d g REPLACE
COPY d g DB 99
COPY d g DB 99999999999
COPY d g DB
COPY d g foo
COPY nokey g
EXPIRE d 100
TTL d
EXPIRE d 10 nx xx
EXPIRE d 10 gt lt
EXPIRE d 10 nx gt
EXPIRE d 10 foo
EXPIRE nokey abc foo
EXPIRE d abc
EXPIRE d 9223372036854775807
EXPIRE d -9223372036854775808
PEXPIRE d 9223372036854775807
EXPIREAT d 9223372036854775807
EXPIRE d 100 gt
EXPIRE d 200 gt
EXPIRE d 300 lt
EXPIRE d 150 lt
TTL d
PERSIST d
PERSIST d
EXPIRE d 100 xx
EXPIRE d 100 nx
EXPIRE d 100 nx
PEXPIREAT d 9223372036854775807
PEXPIRETIME d
EXPIRETIME d
PEXPIREAT d 4102444800000
EXPIRETIME d
PEXPIRETIME d
EXPIRETIME nokey
PTTL nokey
TTL g
EXPIRE g -1
EXISTS g
PEXPIRE d -9223372036854775808
EXISTS d
SCAN abc
SCAN 18446744073709551616
SCAN -
SCAN 0 count 0
SCAN 0 count -1
SCAN 0 count abc
SCAN 0 match
SCAN 0 foo 1
SCAN 0 type
FLUSHALL
SET s 1
SCAN 0
SCAN ''
SCAN +0
SCAN 0 TYPE String
SCAN 0 TYPE list
SCAN 0 MATCH x*
KEYS *
KEYS s
KEYS
RANDOMKEY
DBSIZE
OBJECT HELP
OBJECT foo
OBJECT
OBJECT encoding
OBJECT encoding s
OBJECT encoding nokey
OBJECT refcount s
OBJECT refcount nokey
OBJECT freq s
OBJECT freq nokey
OBJECT idletime nokey
OBJECT help x
SET n 12345678901234567890123
OBJECT encoding n
SET r aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
OBJECT encoding r
OBJECT refcount r
SWAPDB 0 99
SWAPDB abc 0
SWAPDB 0 abc
SWAPDB 0 99999999999
SWAPDB -1 0
SWAPDB 0 0
SWAPDB 0 1
DBSIZE
SWAPDB 0 1
DBSIZE
FLUSHDB foo
FLUSHDB async sync
FLUSHALL foo
FLUSHDB SYNC
FLUSHALL ASYNC
DBSIZE
RANDOMKEY
DEL
TTL
EXPIRE a
RENAME a
SWAPDB 0
DBSIZE x
)";

TEST_F(KeysIntegrationTest, RepliesMatchRedisServer) {
  if (!HaveProgram("redis-server")) GTEST_SKIP() << "redis-server not installed";
  ServerProcess redis({"--save", "", "--appendonly", "no"}, "/usr/bin/redis-server");
  ASSERT_TRUE(redis.Start()) << redis.ReadLog();
  RawClient ours(server_.port());
  RawClient theirs(redis.port());
  ASSERT_TRUE(ours.ok());
  ASSERT_TRUE(theirs.ok());
  std::istringstream script(kScript);
  std::string line;
  int compared = 0;
  while (std::getline(script, line)) {
    if (line.empty()) continue;
    const std::string request = EncodeCommand(Tokens(line));
    const std::string want = theirs.Call(request);
    ASSERT_FALSE(want.empty()) << line;
    EXPECT_EQ(ours.Call(request), want) << line;
    ++compared;
  }
  EXPECT_GT(compared, 120);
}

}  // namespace
}  // namespace expire_test
}  // namespace baton::testing
