// RDB interoperability with Debian's redis-server 7.0: DUMP payloads cross
// both ways through RESTORE; an RDB file Baton writes passes redis-check-rdb
// and loads into redis-server with identical contents; a file redis-server
// SAVEs loads into Baton. Every type and encoding, small and big.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace rdb_interop_test {
namespace {

std::string Named(std::string_view prefix, int64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

std::string Str(const redisReply* r) {
  if (r == nullptr) return "<no reply>";
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
      r->type == REDIS_REPLY_ERROR) {
    return {r->str, r->len};
  }
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_NIL) return "<nil>";
  return "<other>";
}

std::vector<std::string> Elements(const redisReply* r) {
  std::vector<std::string> out;
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i < r->elements; ++i) out.push_back(Str(r->element[i]));
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out.append(std::to_string(s.size())).append(":").append(s).append(",");
  return out;
}

// Type, encoding and contents of a key, comparable across servers.
std::string Describe(redisContext* c, const std::string& key) {
  const std::string type = Str(Command(c, {"TYPE", key}).get());
  std::string out = type + "/" + Str(Command(c, {"OBJECT", "ENCODING", key}).get()) + "/";
  if (type == "string") return out + Str(Command(c, {"GET", key}).get());
  if (type == "list") return out + Join(Elements(Command(c, {"LRANGE", key, "0", "-1"}).get()));
  if (type == "set") {
    auto v = Elements(Command(c, {"SMEMBERS", key}).get());
    std::sort(v.begin(), v.end());
    return out + Join(v);
  }
  if (type == "zset") {
    return out + Join(Elements(Command(c, {"ZRANGE", key, "0", "-1", "WITHSCORES"}).get()));
  }
  if (type == "hash") {
    auto v = Elements(Command(c, {"HGETALL", key}).get());
    std::vector<std::string> pairs;
    for (size_t i = 0; i + 1 < v.size(); i += 2) pairs.push_back(v[i] + "=" + v[i + 1]);
    std::sort(pairs.begin(), pairs.end());
    return out + Join(pairs);
  }
  return out + "?";
}

// Every key of databases 0 and 3 (the ones the dataset uses), described.
std::map<std::string, std::string> DescribeAll(redisContext* c) {
  std::map<std::string, std::string> all;
  for (const char* db : {"0", "3"}) {
    Command(c, {"SELECT", db});
    for (const auto& key : Elements(Command(c, {"KEYS", "*"}).get())) {
      all[std::string(db) + ":" + key] = Describe(c, key);
    }
  }
  Command(c, {"SELECT", "0"});
  return all;
}

// Builds the same dataset on a server: every type, in its small and big
// encodings, with expiries and a second database.
void Populate(redisContext* c) {
  auto run = [c](const std::vector<std::string>& args) {
    Reply r = Command(c, args);
    ASSERT_TRUE(r && r->type != REDIS_REPLY_ERROR)
        << args[0] << " " << args[1] << ": " << Str(r.get());
  };
  run({"SET", "str:int", "12345"});
  run({"SET", "str:bigint", "9223372036854775807"});
  run({"SET", "str:short", "hello"});
  run({"SET", "str:long", std::string(1000, 'x') + "end"});
  run({"SET", "str:empty", ""});
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  run({"SET", "str:binary", binary});
  run({"SET", "str:ttl", "v", "PX", "100000000"});
  run({"RPUSH", "list:small", "a", "1", "-300", "70000", "9223372036854775807", ""});
  std::vector<std::string> big = {"RPUSH", "list:big"};
  for (int i = 0; i < 3000; ++i) big.push_back(i % 2 == 0 ? Named("", i * 7919) : Named("e", i));
  big.push_back(std::string(10000, 'L'));
  run(big);
  run({"HSET", "hash:small", "f", "v", "n", "-5", "big", "123456789012", "e", ""});
  big = {"HSET", "hash:big"};
  for (int i = 0; i < 1000; ++i) {
    big.push_back(Named("field", i));
    big.push_back(Named("", i));
  }
  run(big);
  run({"HSET", "hash:longvalue", "f", std::string(200, 'v')});
  run({"SADD", "set:int16", "1", "-2", "300"});
  run({"SADD", "set:int32", "1", "100000"});
  run({"SADD", "set:int64", "-9223372036854775808", "5"});
  run({"SADD", "set:strs", "a", "b", "c"});
  big = {"SADD", "set:bigints"};
  for (int i = 0; i < 1000; ++i) big.push_back(Named("", i));
  run(big);
  run({"ZADD", "zset:small", "1", "a", "-2.5", "b", "inf", "c", "-inf", "d", "0.1", "e"});
  big = {"ZADD", "zset:big"};
  for (int i = 0; i < 500; ++i) {
    big.push_back(Named("", i) + ".5");
    big.push_back(Named("m", i));
  }
  run(big);
  run({"ZADD", "zset:longmember", "3", std::string(100, 'm')});
  run({"PFADD", "hll", "a", "b", "c"});
  // PFADD leaves a raw string; any load (RESTORE, a dump file) re-encodes a
  // short string as embstr, in Redis too. One round trip here makes the
  // expected encoding the one every copy will have.
  Reply hll = Command(c, {"DUMP", "hll"});
  run({"RESTORE", "hll", "0", Str(hll.get()), "REPLACE"});
  run({"SELECT", "3"});
  run({"SET", "db3:key", "in db 3"});
  run({"RPUSH", "db3:list", "x"});
  run({"SELECT", "0"});
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

class RdbInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveProgram("redis-server")) GTEST_SKIP() << "redis-server not installed";
    redis_ = std::make_unique<ServerProcess>(std::vector<std::string>{}, "/usr/bin/redis-server");
    ASSERT_TRUE(baton_.Start()) << baton_.ReadLog();
    ASSERT_TRUE(redis_->Start()) << redis_->ReadLog();
    b_ = baton_.Connect();
    r_ = redis_->Connect();
    ASSERT_TRUE(b_ && r_);
  }

  // Copies every key of `from` to `to` with DUMP/RESTORE (keeping TTLs).
  static void CopyByDump(redisContext* from, redisContext* to) {
    for (const char* db : {"0", "3"}) {
      Command(from, {"SELECT", db});
      Command(to, {"SELECT", db});
      for (const auto& key : Elements(Command(from, {"KEYS", "*"}).get())) {
        Reply dump = Command(from, {"DUMP", key});
        ASSERT_TRUE(dump && dump->type == REDIS_REPLY_STRING) << key;
        const int64_t pttl = Command(from, {"PTTL", key})->integer;
        const std::string ttl = pttl > 0 ? std::to_string(pttl + 60000) : "0";
        Reply r = Command(to, {"RESTORE", key, ttl, Str(dump.get()), "REPLACE"});
        EXPECT_EQ(Str(r.get()), "OK") << key;
      }
    }
    Command(from, {"SELECT", "0"});
    Command(to, {"SELECT", "0"});
  }

  ServerProcess baton_;
  std::unique_ptr<ServerProcess> redis_;
  Connection b_;
  Connection r_;
};

TEST_F(RdbInteropTest, DumpPayloadsCrossBothWays) {
  Populate(r_.get());
  const auto expected = DescribeAll(r_.get());
  ASSERT_GT(expected.size(), 20U);
  // Redis -> Baton.
  CopyByDump(r_.get(), b_.get());
  EXPECT_EQ(DescribeAll(b_.get()), expected);
  // Baton -> a fresh Redis.
  Command(r_.get(), {"FLUSHALL"});
  CopyByDump(b_.get(), r_.get());
  EXPECT_EQ(DescribeAll(r_.get()), expected);
  // Same value, same payload bytes for the simple cases.
  for (const char* key : {"str:int", "str:short", "set:int16", "hash:small", "zset:small"}) {
    EXPECT_EQ(Str(Command(b_.get(), {"DUMP", key}).get()),
              Str(Command(r_.get(), {"DUMP", key}).get()))
        << key;
  }
}

TEST_F(RdbInteropTest, RedisSavedFileLoadsIntoBaton) {
  Populate(r_.get());
  const auto expected = DescribeAll(r_.get());
  ASSERT_EQ(Str(Command(r_.get(), {"SAVE"}).get()), "OK");
  const std::string rdb = ReadFile(redis_->dir() + "/dump.rdb");
  ASSERT_GT(rdb.size(), 100U);
  // A Baton started over that file.
  ServerProcess loaded({"--dbfilename", "dump.rdb"});
  WriteFile(loaded.dir() + "/dump.rdb", rdb);
  ASSERT_TRUE(loaded.Start()) << loaded.ReadLog();
  Connection c = loaded.Connect();
  EXPECT_EQ(DescribeAll(c.get()), expected);
  const int64_t ttl = Command(c.get(), {"PTTL", "str:ttl"})->integer;
  EXPECT_GT(ttl, 0);
}

TEST_F(RdbInteropTest, BatonFileIsAcceptedByRedis) {
  Populate(b_.get());
  const auto expected = DescribeAll(b_.get());
  ASSERT_EQ(Str(Command(b_.get(), {"SAVE"}).get()), "OK");
  const std::string path = baton_.dir() + "/dump.rdb";
  const std::string rdb = ReadFile(path);
  ASSERT_EQ(rdb.substr(0, 9), "REDIS0010");
  int code = -1;
  const std::string check = RunShell("redis-check-rdb '" + path + "' 2>&1", &code);
  EXPECT_EQ(code, 0) << check;
  EXPECT_NE(check.find("RDB looks OK"), std::string::npos) << check;
  // redis-server loads it at start-up with the same contents.
  ServerProcess redis({"--dbfilename", "dump.rdb"}, "/usr/bin/redis-server");
  WriteFile(redis.dir() + "/dump.rdb", rdb);
  ASSERT_TRUE(redis.Start()) << redis.ReadLog();
  Connection c = redis.Connect();
  EXPECT_EQ(DescribeAll(c.get()), expected);
  EXPECT_GT(Command(c.get(), {"PTTL", "str:ttl"})->integer, 0);
}

}  // namespace
}  // namespace rdb_interop_test
}  // namespace baton::testing
