// String and bitmap commands against the real binary: large and binary
// values over TCP, and a differential replay of tricky commands against
// Debian's redis-server 7.0 (when installed) comparing reply bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace strings_test {
namespace {

// Splits a script line on spaces; "\xNN" inside a token is a byte.
std::vector<std::string> Tokens(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string word;
  while (in >> word) {
    std::string token;
    for (size_t i = 0; i < word.size(); ++i) {
      if (word[i] == '\\' && i + 3 < word.size() && word[i + 1] == 'x') {
        token.push_back(static_cast<char>(std::stoi(word.substr(i + 2, 2), nullptr, 16)));
        i += 3;
      } else {
        token.push_back(word[i]);
      }
    }
    if (token == "''") token.clear();
    out.push_back(token);
  }
  return out;
}

// Commands whose replies must match Redis 7.0 byte for byte ('' is an empty argument).
constexpr const char* kScript = R"(
set k v nx get
set k v2 nx get
set k v3 xx get
set k v nx xx
set k v keepttl ex 10
set k v ex 0
set k v ex 9223372036854775
set k v exat 1
exists k
setex se abc v
psetex se 0 v
mset a 1 b 2
mset a 1 b
mget a b nokey
msetnx a 1 zz 2
getset a 5
getdel a
getex b persist ex 10
getex nokey ex abc
getex b ex abc
getex b exat 1
append ap 123
append ap 4
getrange ap -3 -1
getrange ap -1 -5
getrange ap -100 -50
setrange nk 3 x
get nk
setrange nk2 3 ''
setrange nk -1 a
setrange nk 536870911 ab
set n 9223372036854775807
incr n
decrby n -9223372036854775808
set f 10.50
incrbyfloat f 0.1
incrbyfloat f -5.0e3
incrbyfloat f 1e300
incrbyfloat f inf
set g 0
incrbyfloat g -0.0
mset key1 ohmytext key2 mynewtext
lcs key1 key2
lcs key1 key2 idx minmatchlen 4 withmatchlen
lcs key1 key2 idx len
set l3 aaaabbbbccccddddeeee
set l4 xxaabbyyccddzzeeaa
lcs l3 l4 idx withmatchlen
lcs l4 l3 idx
setbit b 7 1
setbit b 4294967296 1
setbit b 1 2
set fb foobar
bitcount fb 5 30 bit
bitcount fb -1 -2 xx
bitcount fb 1
bitcount nokey a b
set mykey \xff\xf0\x00
bitpos mykey 0
set mykey \x00\xff\xf0
bitpos mykey 1 7 15 bit
bitpos mykey 0 9 15 bit
bitpos mykey 0 1
bitpos mykey 0 -1 -1
bitpos fb 2
set a1 \xf0\x0f
set a2 \xff
bitop xor d a1 a2 nokey
get d
bitop not d a1 a2
bitop and d nokey
bitfield bf incrby i5 100 1 get u4 0
bitfield bf overflow sat set i8 0 -9223372036854775700 get i8 0
bitfield bf overflow wrap incrby i64 0 9223372036854775807 incrby i64 0 9223372036854775807
bitfield bf overflow fail incrby u2 102 5
bitfield bf set u8 #1 255 get u8 #1 set i4 #3 -3 get i4 12
bitfield bf get u64 0
bitfield bf overflow foo
bitfield bf get u8 #-1
bitfield_ro bf set u8 0 1
bitfield_ro bf get u8 0 get i4 4
)";

class StringsIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start()) << server_.ReadLog(); }
  ServerProcess server_;
};

TEST_F(StringsIntegrationTest, LargeBinaryValuesRoundTrip) {
  Connection c = server_.Connect();
  ASSERT_TRUE(c);
  std::string big(3 * 1024 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131);
  Reply r = Command(c.get(), {"SET", "big", big});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, REDIS_REPLY_STATUS);
  r = Command(c.get(), {"APPEND", "big", std::string("\r\n\0", 3)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->integer, static_cast<long long>(big.size() + 3));
  r = Command(c.get(), {"GET", "big"});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(r->str, r->len), big + std::string("\r\n\0", 3));
  r = Command(c.get(), {"SETBIT", "bits", "80000000", "1"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->integer, 0);
  r = Command(c.get(), {"BITCOUNT", "bits"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->integer, 1);
  r = Command(c.get(), {"BITPOS", "bits", "1"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->integer, 80000000);
}

TEST_F(StringsIntegrationTest, PipelinedCountersStayExact) {
  RawClient c(server_.port());
  ASSERT_TRUE(c.ok());
  std::string batch;
  for (int i = 0; i < 1000; ++i) batch += EncodeCommand({"INCR", "ctr"});
  ASSERT_TRUE(c.Send(batch));
  const std::string last = ":1000\r\n";
  std::string got = c.ReadUntil([&](const std::string& s) {
    return s.size() >= last.size() && s.compare(s.size() - last.size(), last.size(), last) == 0;
  });
  EXPECT_EQ(got.substr(0, 8), ":1\r\n:2\r\n");
  c.Take();
  EXPECT_EQ(c.Call(EncodeCommand({"INCRBYFLOAT", "ctr", "0.5"})), "$6\r\n1000.5\r\n");
}

TEST_F(StringsIntegrationTest, RepliesMatchRedisServer) {
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
  EXPECT_GT(compared, 80);
}

}  // namespace
}  // namespace strings_test
}  // namespace baton::testing
