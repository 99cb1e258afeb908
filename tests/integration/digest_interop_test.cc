// DEBUG DIGEST / DIGEST-VALUE interoperability: the same dataset built on
// Debian's redis-server 7.0 and on baton must digest to the same hex, for
// every type and every encoding (the digest depends on contents only), with
// TTLs and several databases mixed in. Other suites rely on DEBUG DIGEST to
// prove two baton nodes hold the same data.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace digest_interop_test {
namespace {

using Args = std::vector<std::string>;

std::string Text(const redisReply* r) {
  if (r == nullptr) return "<no reply>";
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_NIL) return "<nil>";
  if (r->type == REDIS_REPLY_ARRAY) {
    std::string out = "[";
    for (size_t i = 0; i < r->elements; ++i) out.append(Text(r->element[i])).append(",");
    return out + "]";
  }
  std::string out(r->str, r->len);
  if (r->type == REDIS_REPLY_ERROR) out.insert(0, "-");
  return out;
}

class DigestInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveProgram("redis-server")) GTEST_SKIP() << "redis-server not installed";
    const Args args = {"--enable-debug-command", "yes"};
    baton_ = std::make_unique<ServerProcess>(args);
    redis_ = std::make_unique<ServerProcess>(args, "/usr/bin/redis-server");
    ASSERT_TRUE(baton_->Start()) << baton_->ReadLog();
    ASSERT_TRUE(redis_->Start()) << redis_->ReadLog();
    b_ = baton_->Connect();
    r_ = redis_->Connect();
    ASSERT_TRUE(b_ && r_);
  }

  // Runs a command on both servers; expects the same reply and returns it.
  std::string Both(const Args& args) {
    const std::string from_redis = Text(Command(r_.get(), args).get());
    const std::string from_baton = Text(Command(b_.get(), args).get());
    EXPECT_EQ(from_baton, from_redis) << args[0] << " " << (args.size() > 1 ? args[1] : "");
    return from_redis;
  }

  // Same encoding and same value digest for `key`, which must exist.
  void ExpectSameDigest(const std::string& key, const std::string& encoding) {
    EXPECT_EQ(Both({"OBJECT", "ENCODING", key}), encoding) << key;
    const std::string digest = Both({"DEBUG", "DIGEST-VALUE", key});
    EXPECT_NE(digest, "[" + std::string(40, '0') + ",]") << key;
  }

  std::unique_ptr<ServerProcess> baton_;
  std::unique_ptr<ServerProcess> redis_;
  Connection b_;
  Connection r_;
};

TEST_F(DigestInteropTest, EmptyServerIsZeros) {
  EXPECT_EQ(Both({"DEBUG", "DIGEST"}), std::string(40, '0'));
  EXPECT_EQ(Both({"DEBUG", "DIGEST-VALUE", "missing", "other"}),
            "[" + std::string(40, '0') + "," + std::string(40, '0') + ",]");
  EXPECT_EQ(Both({"DEBUG", "DIGEST-VALUE"}), "[]");
  // A database emptied again digests like an empty server.
  Both({"SET", "k", "v"});
  Both({"DEL", "k"});
  EXPECT_EQ(Both({"DEBUG", "DIGEST"}), std::string(40, '0'));
}

TEST_F(DigestInteropTest, StringsInEveryEncoding) {
  Both({"SET", "int", "12345"});
  ExpectSameDigest("int", "int");
  Both({"SET", "neg", "-9223372036854775808"});
  ExpectSameDigest("neg", "int");
  Both({"SET", "emb", "hello world"});
  ExpectSameDigest("emb", "embstr");
  Both({"SET", "raw", std::string(100, 'x')});
  ExpectSameDigest("raw", "raw");
  Both({"SET", "bin", std::string("a\0b\r\n\xff", 6)});
  ExpectSameDigest("bin", "embstr");
  // Same text, different encodings: the digests must agree too.
  Both({"SET", "app", "123"});
  Both({"APPEND", "app", "45"});
  ExpectSameDigest("app", "raw");
  EXPECT_EQ(Both({"DEBUG", "DIGEST-VALUE", "app"}), Both({"DEBUG", "DIGEST-VALUE", "int"}));
  Both({"INCRBYFLOAT", "flt", "1.5"});
  ExpectSameDigest("flt", "embstr");
  Both({"SET", "empty", ""});
  ExpectSameDigest("empty", "embstr");
  Both({"DEBUG", "DIGEST"});
}

TEST_F(DigestInteropTest, ListsSmallAndLarge) {
  Both({"RPUSH", "l", "a", "1", "-7", "", std::string(70, 'z'), "3.5"});
  ExpectSameDigest("l", "quicklist");
  // Order matters for lists.
  Both({"RPUSH", "l2", "1", "a"});
  Both({"RPUSH", "l3", "a", "1"});
  EXPECT_NE(Both({"DEBUG", "DIGEST-VALUE", "l2"}), Both({"DEBUG", "DIGEST-VALUE", "l3"}));
  Args big = {"RPUSH", "big"};
  for (int i = 0; i < 3000; ++i)
    big.push_back(i % 3 == 0 ? std::to_string(i) : "element-" + std::to_string(i));
  Both(big);
  Both({"LPUSH", "big", std::string(20000, 'q')});
  ExpectSameDigest("big", "quicklist");
  Both({"LSET", "big", "1500", "changed"});
  ExpectSameDigest("big", "quicklist");
  Both({"DEBUG", "DIGEST"});
}

TEST_F(DigestInteropTest, SetsIntsetAndHashtable) {
  Both({"SADD", "small", "1", "2", "-3"});
  ExpectSameDigest("small", "intset");
  Both({"SADD", "wide", "1", "70000", "5000000000", "-9223372036854775808"});
  ExpectSameDigest("wide", "intset");
  Both({"SADD", "mixed", "1", "a", "", "0"});
  ExpectSameDigest("mixed", "hashtable");
  Args many = {"SADD", "many"};
  for (int i = 0; i < 600; ++i) many.push_back(std::to_string(i * 7));
  Both(many);
  ExpectSameDigest("many", "hashtable");
  // The same members in an intset and in a hashtable digest alike.
  Both({"CONFIG", "SET", "set-max-intset-entries", "2"});
  Both({"SADD", "converted", "1", "2", "-3"});
  ExpectSameDigest("converted", "hashtable");
  EXPECT_EQ(Both({"DEBUG", "DIGEST-VALUE", "converted"}), Both({"DEBUG", "DIGEST-VALUE", "small"}));
  Both({"DEBUG", "DIGEST"});
}

TEST_F(DigestInteropTest, HashesListpackAndHashtable) {
  Both({"HSET", "h", "f", "v", "n", "42", "neg", "-1", "e", ""});
  ExpectSameDigest("h", "listpack");
  Both({"HINCRBYFLOAT", "h", "fl", "2.25"});
  ExpectSameDigest("h", "listpack");
  Both({"HSET", "long", "f", std::string(100, 'v')});
  ExpectSameDigest("long", "hashtable");
  Args many = {"HSET", "many"};
  for (int i = 0; i < 600; ++i) {  // more than the default 512 listpack entries
    many.push_back("field" + std::to_string(i));
    many.push_back(std::to_string(i * 3));
  }
  Both(many);
  ExpectSameDigest("many", "hashtable");
  Both({"CONFIG", "SET", "hash-max-listpack-entries", "1"});
  Both({"HSET", "converted", "f", "v", "n", "42", "neg", "-1", "e", "", "fl", "2.25"});
  ExpectSameDigest("converted", "hashtable");
  EXPECT_EQ(Both({"DEBUG", "DIGEST-VALUE", "converted"}), Both({"DEBUG", "DIGEST-VALUE", "h"}));
  Both({"DEBUG", "DIGEST"});
}

TEST_F(DigestInteropTest, SortedSetsScoresAsRedisFormatsThem) {
  const Args scores = {"ZADD",
                       "z",
                       "0.1",
                       "a",
                       "1",
                       "b",
                       "-2.5",
                       "c",
                       "inf",
                       "d",
                       "-inf",
                       "e",
                       "1e300",
                       "f",
                       "4611686018427387904",
                       "g",
                       "-4611686018427387904",
                       "h",
                       "3.0000000000000004",
                       "i",
                       "123456789012",
                       "j",
                       "1e-10",
                       "k"};
  Both(scores);
  ExpectSameDigest("z", "listpack");
  Both({"ZADD", "negzero-lp", "-0", "h", "1", "x"});
  ExpectSameDigest("negzero-lp", "listpack");
  Both({"ZINCRBY", "z", "0.2", "a"});
  ExpectSameDigest("z", "listpack");
  Both({"ZADD", "long", "1.5", std::string(100, 'm'), "2", "x"});
  ExpectSameDigest("long", "skiplist");
  Args many = {"ZADD", "many"};
  for (int i = 0; i < 200; ++i) {
    many.push_back(std::to_string(i) + ".125");
    many.push_back("member" + std::to_string(i));
  }
  Both(many);
  ExpectSameDigest("many", "skiplist");
  // The same elements in both encodings digest alike.
  Both({"CONFIG", "SET", "zset-max-listpack-entries", "0"});
  Args converted = scores;
  converted[1] = "converted";
  Both(converted);
  Both({"ZINCRBY", "converted", "0.2", "a"});
  ExpectSameDigest("converted", "skiplist");
  EXPECT_EQ(Both({"DEBUG", "DIGEST-VALUE", "converted"}), Both({"DEBUG", "DIGEST-VALUE", "z"}));
  // -0 is stored as "0" in a listpack but kept as -0 (digested "-0") in a skiplist.
  Both({"ZADD", "negzero", "-0", "h", "1", "x"});
  ExpectSameDigest("negzero", "skiplist");
  Both({"ZADD", "num", "1", "10", "2", "-20"});
  ExpectSameDigest("num", "skiplist");
  Both({"DEBUG", "DIGEST"});
}

TEST_F(DigestInteropTest, ExpiryAndDatabasesCount) {
  Both({"SET", "a", "1"});
  Both({"SET", "b", "1"});
  const std::string no_ttl = Both({"DEBUG", "DIGEST-VALUE", "a"});
  Both({"PEXPIREAT", "b", "99999999999000"});
  EXPECT_NE(Both({"DEBUG", "DIGEST-VALUE", "b"}), no_ttl);
  // Only the presence of a TTL counts, not its value.
  Both({"PEXPIREAT", "a", "88888888888000"});
  EXPECT_EQ(Both({"DEBUG", "DIGEST-VALUE", "a"}), Both({"DEBUG", "DIGEST-VALUE", "b"}));
  Both({"RPUSH", "l", "x"});
  Both({"EXPIRE", "l", "100000"});
  Both({"HSET", "h", "f", "v"});
  Both({"EXPIRE", "h", "100000"});
  const std::string db0 = Both({"DEBUG", "DIGEST"});
  // The same key in another db changes the dataset digest.
  Both({"SELECT", "3"});
  Both({"SET", "a", "1"});
  Both({"SADD", "s", "m1", "m2"});
  Both({"ZADD", "z", "1", "m"});
  EXPECT_NE(Both({"DEBUG", "DIGEST"}), db0);
  Both({"SELECT", "0"});
  Both({"PERSIST", "a"});
  Both({"DEBUG", "DIGEST"});
  Both({"SWAPDB", "0", "3"});
  Both({"DEBUG", "DIGEST"});
  Both({"FLUSHALL"});
  EXPECT_EQ(Both({"DEBUG", "DIGEST"}), std::string(40, '0'));
}

}  // namespace
}  // namespace digest_interop_test
}  // namespace baton::testing
