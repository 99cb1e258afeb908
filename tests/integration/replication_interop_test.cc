// Replication interoperability with Debian's redis-server 7.0, both ways: a
// baton replica of redis-server and a redis-server replica of baton. After the
// full sync, after streamed writes and after a partial resync, the datasets
// are compared key by key (TYPE, DEBUG DIGEST-VALUE, TTL presence) and whole
// (DEBUG DIGEST).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace replication_interop_test {
namespace {

std::string Str(const Reply& r) {
  if (r == nullptr) return "<null>";
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_NIL) return "<nil>";
  if (r->type == REDIS_REPLY_ARRAY) {
    std::string out = "[";
    for (size_t i = 0; i < r->elements; ++i) {
      const redisReply* e = r->element[i];
      out += e->str != nullptr ? std::string(e->str, e->len) : std::to_string(e->integer);
      out += ",";
    }
    return out + "]";
  }
  if (r->str != nullptr) return std::string(r->str, r->len);
  return "<type " + std::to_string(r->type) + ">";
}

bool CaughtUp(const ServerProcess& master, const ServerProcess& replica) {
  const std::string m = InfoField(master, "master_repl_offset");
  return !m.empty() && InfoField(replica, "master_link_status") == "up" &&
         InfoField(replica, "slave_repl_offset") == m;
}

// Every key of every db: same type, same value digest, same TTL presence.
void ExpectSameData(const ServerProcess& a, const ServerProcess& b) {
  for (int db = 0; db < 4; ++db) {
    Connection ca = a.Connect();
    Connection cb = b.Connect();
    ASSERT_TRUE(ca && cb);
    Command(ca.get(), {"SELECT", std::to_string(db)});
    Command(cb.get(), {"SELECT", std::to_string(db)});
    EXPECT_EQ(Str(Command(ca.get(), {"DBSIZE"})), Str(Command(cb.get(), {"DBSIZE"})))
        << "db " << db;
    Reply keys = Command(ca.get(), {"KEYS", "*"});
    ASSERT_TRUE(keys && keys->type == REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < keys->elements; ++i) {
      const std::string k(keys->element[i]->str, keys->element[i]->len);
      EXPECT_EQ(Str(Command(cb.get(), {"TYPE", k})), Str(Command(ca.get(), {"TYPE", k}))) << k;
      EXPECT_EQ(Str(Command(cb.get(), {"DEBUG", "DIGEST-VALUE", k})),
                Str(Command(ca.get(), {"DEBUG", "DIGEST-VALUE", k})))
          << k;
      const bool ttl_a = Command(ca.get(), {"PTTL", k})->integer >= 0;
      const bool ttl_b = Command(cb.get(), {"PTTL", k})->integer >= 0;
      EXPECT_EQ(ttl_a, ttl_b) << k;
    }
  }
  EXPECT_EQ(Str(a.Command({"DEBUG", "DIGEST"})), Str(b.Command({"DEBUG", "DIGEST"})));
}

// A dataset with every type and the encodings that differ in size.
void Fill(const ServerProcess& s, const std::string& tag) {
  Connection c = s.Connect();
  ASSERT_TRUE(c);
  std::string big(300, 'z');
  for (int db : {0, 2}) {
    Command(c.get(), {"SELECT", std::to_string(db)});
    Command(c.get(), {"SET", tag + "str", "hello"});
    Command(c.get(), {"SET", tag + "int", "12345"});
    Command(c.get(), {"SET", tag + "ttl", "v", "PX", "900000"});
    Command(c.get(), {"SET", tag + "big", big});
    Command(c.get(), {"RPUSH", tag + "list", "a", "b", "1", "2"});
    Command(c.get(), {"SADD", tag + "intset", "1", "2", "3"});
    Command(c.get(), {"SADD", tag + "set", "a", "b", big});
    Command(c.get(), {"HSET", tag + "hash", "f", "v", "n", "1"});
    Command(c.get(), {"ZADD", tag + "zset", "1.5", "a", "-2", "b"});
    Command(c.get(), {"PFADD", tag + "hll", "a", "b", "c"});
    for (int i = 0; i < 300; ++i) {
      const std::string n = std::to_string(i);
      Command(c.get(), {"RPUSH", tag + "biglist", n + big});
      Command(c.get(), {"HSET", tag + "bighash", "f" + n, n});
      Command(c.get(), {"ZADD", tag + "bigzset", n, "m" + n});
      Command(c.get(), {"SADD", tag + "bigset", "s" + n});
    }
    Command(c.get(), {"EXPIRE", tag + "bighash", "1000"});
    Command(c.get(), {"INCRBYFLOAT", tag + "int", "0.25"});
    Command(c.get(), {"SPOP", tag + "bigset", "3"});
  }
  Command(c.get(), {"MULTI"});
  Command(c.get(), {"INCR", tag + "ctr"});
  Command(c.get(), {"LPUSH", tag + "list", "tx"});
  Command(c.get(), {"EXEC"});
}

std::vector<std::string> RedisArgs(bool diskless) {
  return {"--enable-debug-command",     "yes", "--repl-diskless-sync", diskless ? "yes" : "no",
          "--repl-diskless-sync-delay", "0"};
}

class ReplicationInteropTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (!HaveProgram("redis-server")) GTEST_SKIP() << "redis-server not installed";
  }
};

TEST_P(ReplicationInteropTest, BatonReplicaOfRedis) {
  ServerProcess redis(RedisArgs(GetParam()), "/usr/bin/redis-server");
  ServerProcess baton({"--enable-debug-command", "yes"});
  ASSERT_TRUE(redis.Start());
  ASSERT_TRUE(baton.Start());
  Fill(redis, "a:");
  EXPECT_EQ(Str(baton.Command({"REPLICAOF", "127.0.0.1", std::to_string(redis.port())})), "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(redis, baton); })) << baton.ReadLog();
  ExpectSameData(redis, baton);
  Fill(redis, "b:");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(redis, baton); })) << baton.ReadLog();
  ExpectSameData(redis, baton);
  // Partial resync after the link is cut (both sides).
  EXPECT_EQ(Str(baton.Command({"CLIENT", "KILL", "TYPE", "master"})), "1");
  Fill(redis, "c:");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(redis, baton); })) << baton.ReadLog();
  EXPECT_EQ(Str(redis.Command({"CLIENT", "KILL", "TYPE", "replica"})), "1");
  Fill(redis, "d:");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(redis, baton); })) << baton.ReadLog();
  ExpectSameData(redis, baton);
  EXPECT_NE(baton.ReadLog().find("Successful partial resynchronization"), std::string::npos);
  EXPECT_EQ(InfoField(redis, "connected_slaves"), "1");
}

TEST_P(ReplicationInteropTest, RedisReplicaOfBaton) {
  ServerProcess baton({"--enable-debug-command", "yes", "--repl-diskless-sync",
                       GetParam() ? "yes" : "no", "--repl-diskless-sync-delay", "0"});
  ServerProcess redis(RedisArgs(false), "/usr/bin/redis-server");
  ASSERT_TRUE(baton.Start());
  ASSERT_TRUE(redis.Start());
  Fill(baton, "a:");
  EXPECT_EQ(Str(redis.Command({"REPLICAOF", "127.0.0.1", std::to_string(baton.port())})), "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(baton, redis); })) << redis.ReadLog();
  ExpectSameData(baton, redis);
  Fill(baton, "b:");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(baton, redis); })) << redis.ReadLog();
  ExpectSameData(baton, redis);
  EXPECT_EQ(Str(baton.Command({"CLIENT", "KILL", "TYPE", "replica"})), "1");
  Fill(baton, "c:");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(baton, redis); })) << redis.ReadLog();
  EXPECT_EQ(Str(redis.Command({"CLIENT", "KILL", "TYPE", "master"})), "1");
  Fill(baton, "d:");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(baton, redis); })) << redis.ReadLog();
  ExpectSameData(baton, redis);
  EXPECT_NE(redis.ReadLog().find("Master accepted a Partial Resynchronization"), std::string::npos)
      << redis.ReadLog();
  // WAIT counts the redis-server replica's ACKs.
  Connection c = baton.Connect();
  Command(c.get(), {"SET", "w", "1"});
  EXPECT_EQ(Str(Command(c.get(), {"WAIT", "1", "5000"})), "1");
  Reply role = baton.Command({"ROLE"});
  ASSERT_TRUE(role && role->elements == 3 && role->element[2]->elements == 1);
}

INSTANTIATE_TEST_SUITE_P(DiskAndDiskless, ReplicationInteropTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Diskless" : "Disk"; });

}  // namespace
}  // namespace replication_interop_test
}  // namespace baton::testing
