#include <algorithm>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "baton/server/server.h"
#include "baton/store/set_value.h"
#include "support/server_fixture.h"

namespace baton::testing {
namespace sets_test {
namespace {

constexpr const char* kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

// prefix + the decimal form of n (built by appending: GCC 12's -Wrestrict
// misfires on `"literal" + std::string`).
std::string Named(std::string_view prefix, int64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

std::string Arr(size_t n) { return Named("*", static_cast<int64_t>(n)) + "\r\n"; }

struct RecordingSink : server::EffectSink {
  std::vector<std::vector<std::string>> commands;
  void OnEffects(std::span<const server::Effect> effects) override {
    for (const auto& e : effects) commands.push_back(e.args);
  }
};

class SetsTest : public ServerFixture {
 protected:
  std::string Encoding(const std::string& key) {
    store::KeyEntry* e = srv().db(0).Lookup(key);
    return e == nullptr ? "" : std::string(e->value.EncodingName());
  }
  // The elements of a flat RESP array (or set) of bulk strings.
  static std::vector<std::string> Elements(const std::string& reply) {
    std::vector<std::string> out;
    size_t pos = reply.find("\r\n") + 2;
    while (pos < reply.size()) {
      size_t eol = reply.find("\r\n", pos);
      size_t len = std::stoul(reply.substr(pos + 1, eol - pos - 1));
      out.push_back(reply.substr(eol + 2, len));
      pos = eol + 2 + len + 2;
    }
    return out;
  }
  static std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  std::vector<std::string> Members(const std::string& key) {
    return Sorted(Elements(Run({"SMEMBERS", key})));
  }
};

using Strings = std::vector<std::string>;

TEST_F(SetsTest, AddRemoveMembership) {
  EXPECT_EQ(Run({"SADD", "s", "1", "2", "3", "2"}), Int(3));
  EXPECT_EQ(Run({"SADD", "s", "3", "4"}), Int(1));
  EXPECT_EQ(Run({"SCARD", "s"}), Int(4));
  EXPECT_EQ(Run({"SCARD", "nokey"}), Int(0));
  EXPECT_EQ(Run({"SISMEMBER", "s", "4"}), Int(1));
  EXPECT_EQ(Run({"SISMEMBER", "s", "04"}), Int(0));
  EXPECT_EQ(Run({"SISMEMBER", "s", "x"}), Int(0));
  EXPECT_EQ(Run({"SISMEMBER", "nokey", "x"}), Int(0));
  EXPECT_EQ(Run({"SMISMEMBER", "s", "1", "x", "4"}), Arr(3) + Int(1) + Int(0) + Int(1));
  EXPECT_EQ(Run({"SMISMEMBER", "nokey", "1"}), Arr(1) + Int(0));
  EXPECT_EQ(Run({"SMEMBERS", "s"}), Arr(4) + Bulk("1") + Bulk("2") + Bulk("3") + Bulk("4"));
  EXPECT_EQ(Run({"SMEMBERS", "nokey"}), Arr(0));
  EXPECT_EQ(Run({"SREM", "s", "1", "x", "1"}), Int(1));
  EXPECT_EQ(Run({"SREM", "nokey", "1"}), Int(0));
  EXPECT_EQ(Run({"SREM", "s", "2", "3", "4"}), Int(3));
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  EXPECT_EQ(Run({"TYPE", "nokey"}), "+none\r\n");
  Run({"SADD", "t", "a"});
  EXPECT_EQ(Run({"TYPE", "t"}), "+set\r\n");
  Run({"HELLO", "3"});
  EXPECT_EQ(Run({"SMEMBERS", "t"}), "~1\r\n" + Bulk("a"));
}

// A set intersected with itself while its table is rehashing: every member
// once (found by the model interop test: SINTERCARD 2 S S > SCARD S).
TEST_F(SetsTest, SetCombinedWithItselfDuringRehash) {
  for (int i = 0; i < 300; ++i) {
    std::string member = "m";
    member += std::to_string(i);
    Run({"SADD", "s", member});
    const std::string card = Int(i + 1);
    ASSERT_EQ(Run({"SINTERCARD", "2", "s", "s"}), card) << i;
    ASSERT_EQ(Run({"SINTERSTORE", "d", "s", "s"}), card) << i;
  }
}

TEST_F(SetsTest, WrongType) {
  Run({"SET", "str", "x"});
  Run({"SADD", "s", "1"});
  for (const auto& cmd : std::vector<Strings>{{"SADD", "str", "a"},
                                              {"SREM", "str", "a"},
                                              {"SISMEMBER", "str", "a"},
                                              {"SMISMEMBER", "str", "a"},
                                              {"SMEMBERS", "str"},
                                              {"SCARD", "str"},
                                              {"SPOP", "str"},
                                              {"SPOP", "str", "2"},
                                              {"SRANDMEMBER", "str"},
                                              {"SRANDMEMBER", "str", "2"},
                                              {"SMOVE", "str", "s", "1"},
                                              {"SMOVE", "s", "str", "1"},
                                              {"SINTER", "s", "nokey", "str"},
                                              {"SINTERCARD", "2", "nokey", "str"},
                                              {"SINTERSTORE", "d", "s", "str"},
                                              {"SUNION", "s", "str"},
                                              {"SUNIONSTORE", "d", "str"},
                                              {"SDIFF", "nokey", "str"},
                                              {"SDIFFSTORE", "d", "s", "str"},
                                              {"SSCAN", "str", "0"}}) {
    EXPECT_EQ(Run(cmd), kWrongType) << cmd[0];
  }
  EXPECT_EQ(Run({"SMOVE", "nokey", "str", "1"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
}

TEST_F(SetsTest, IntsetWidthsAndConversion) {
  Restart("set-max-intset-entries 4\n");
  Run({"SADD", "s", "1", "2", "3"});
  EXPECT_EQ(Encoding("s"), "intset");
  Run({"SADD", "s", "-9223372036854775808"});  // widens to 8 bytes
  EXPECT_EQ(Encoding("s"), "intset");
  EXPECT_EQ(Run({"SMEMBERS", "s"}),
            Arr(4) + Bulk("-9223372036854775808") + Bulk("1") + Bulk("2") + Bulk("3"));
  Run({"SADD", "s", "5"});
  EXPECT_EQ(Encoding("s"), "hashtable");
  EXPECT_EQ(Run({"SREM", "s", "1", "2", "3", "5"}), Int(4));
  EXPECT_EQ(Encoding("s"), "hashtable");  // never back
  Run({"SADD", "t", "1", "x"});
  EXPECT_EQ(Encoding("t"), "hashtable");
  Run({"SADD", "u", "x"});
  EXPECT_EQ(Encoding("u"), "hashtable");
  Run({"SADD", "v", "01"});  // not canonical
  EXPECT_EQ(Encoding("v"), "hashtable");
  Run({"SADD", "w", "300", "-70000", "5"});
  EXPECT_EQ(Run({"SMEMBERS", "w"}), Arr(3) + Bulk("-70000") + Bulk("5") + Bulk("300"));
  EXPECT_EQ(Run({"SISMEMBER", "w", "-70000"}), Int(1));
}

TEST_F(SetsTest, SpopSingleAndCount) {
  RecordingSink sink;
  srv().AddEffectSink(&sink);
  EXPECT_EQ(Run({"SPOP", "nokey"}), kNil);
  EXPECT_EQ(Run({"SPOP", "nokey", "2"}), Arr(0));
  Run({"SADD", "s", "a", "b", "c"});
  sink.commands.clear();
  const std::string first = Run({"SPOP", "s"});
  ASSERT_EQ(first.size(), 7u);  // $1\r\nX\r\n
  ASSERT_EQ(sink.commands.size(), 1u);
  EXPECT_EQ(sink.commands[0], (Strings{"SREM", "s", first.substr(4, 1)}));
  EXPECT_EQ(Run({"SISMEMBER", "s", first.substr(4, 1)}), Int(0));
  Run({"SPOP", "s"});
  EXPECT_EQ(Run({"SCARD", "s"}), Int(1));
  EXPECT_EQ(Run({"SPOP", "s", "x"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(Run({"SPOP", "s", "-1"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(Run({"SPOP", "s", "1", "2"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SPOP", "s", "0"}), Arr(0));
  sink.commands.clear();
  EXPECT_EQ(Elements(Run({"SPOP", "s", "5"})).size(), 1u);
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  ASSERT_EQ(sink.commands.size(), 1u);
  EXPECT_EQ(sink.commands[0], (Strings{"DEL", "s"}));
}

TEST_F(SetsTest, SpopCountPropagatesSremOfPoppedMembers) {
  RecordingSink sink;
  srv().AddEffectSink(&sink);
  for (int i = 0; i < 50; ++i) Run({"SADD", "s", Named("m", i)});
  sink.commands.clear();
  for (const char* count : {"3", "45"}) {  // few (one by one) and most (rebuild) strategies
    const size_t before = Elements(Run({"SMEMBERS", "s"})).size();
    auto popped = Sorted(Elements(Run({"SPOP", "s", count})));
    EXPECT_EQ(popped.size(), static_cast<size_t>(std::stoi(count)));
    ASSERT_FALSE(sink.commands.empty());
    Strings effect = sink.commands.back();
    EXPECT_EQ(effect[0], "SREM");
    EXPECT_EQ(effect[1], "s");
    EXPECT_EQ(Sorted(Strings(effect.begin() + 2, effect.end())), popped);
    auto left = Members("s");
    EXPECT_EQ(left.size(), before - popped.size());
    for (const auto& p : popped) EXPECT_FALSE(std::binary_search(left.begin(), left.end(), p));
  }
}

TEST_F(SetsTest, SpopRebuildChoosesEncodingFromRemaining) {
  Restart("set-max-intset-entries 4\n");
  Run({"SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"});
  EXPECT_EQ(Encoding("s"), "hashtable");
  Run({"SPOP", "s", "10"});
  EXPECT_EQ(Encoding("s"), "intset");
  EXPECT_EQ(Run({"SCARD", "s"}), Int(2));
}

TEST_F(SetsTest, SrandMember) {
  EXPECT_EQ(Run({"SRANDMEMBER", "nokey"}), kNil);
  EXPECT_EQ(Run({"SRANDMEMBER", "nokey", "5"}), Arr(0));
  Run({"SADD", "s", "1", "2", "3"});
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "0"}), Arr(0));
  EXPECT_EQ(Sorted(Elements(Run({"SRANDMEMBER", "s", "10"}))), (Strings{"1", "2", "3"}));
  auto two = Elements(Run({"SRANDMEMBER", "s", "2"}));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_NE(two[0], two[1]);
  EXPECT_EQ(Elements(Run({"SRANDMEMBER", "s", "-9"})).size(), 9u);
  EXPECT_EQ(Run({"SCARD", "s"}), Int(3));
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "1", "2"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and "
                "9223372036854775807"));
  Run({"HELLO", "3"});
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "5"}).substr(0, 4), "*3\r\n");
  EXPECT_EQ(Run({"SPOP", "s", "0"}), "~0\r\n");
}

TEST_F(SetsTest, SrandMemberDistinctOnBigSet) {
  for (int i = 0; i < 200; ++i) Run({"SADD", "s", Named("m", i)});
  for (int count : {5, 150}) {
    auto got = Elements(Run({"SRANDMEMBER", "s", std::to_string(count)}));
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), static_cast<size_t>(count));
  }
}

TEST_F(SetsTest, Smove) {
  Run({"SADD", "a", "1", "2"});
  EXPECT_EQ(Run({"SMOVE", "a", "b", "1"}), Int(1));
  EXPECT_EQ(Members("b"), (Strings{"1"}));
  EXPECT_EQ(Run({"SMOVE", "a", "b", "9"}), Int(0));
  EXPECT_EQ(Run({"SMOVE", "nokey", "b", "1"}), Int(0));
  EXPECT_EQ(Run({"SMOVE", "a", "a", "2"}), Int(1));
  EXPECT_EQ(Run({"SMOVE", "a", "a", "9"}), Int(0));
  Run({"SADD", "b", "2"});
  EXPECT_EQ(Run({"SMOVE", "a", "b", "2"}), Int(1));  // already in b: still moved
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  EXPECT_EQ(Members("b"), (Strings{"1", "2"}));
}

TEST_F(SetsTest, InterUnionDiff) {
  Run({"SADD", "a", "1", "2", "3", "x"});
  Run({"SADD", "b", "2", "3", "4"});
  Run({"SADD", "c", "3", "2", "9"});
  EXPECT_EQ(Sorted(Elements(Run({"SINTER", "a", "b", "c"}))), (Strings{"2", "3"}));
  EXPECT_EQ(Run({"SINTER", "a", "nokey"}), Arr(0));
  EXPECT_EQ(Sorted(Elements(Run({"SUNION", "a", "b", "nokey"}))),
            (Strings{"1", "2", "3", "4", "x"}));
  EXPECT_EQ(Sorted(Elements(Run({"SDIFF", "a", "b", "nokey"}))), (Strings{"1", "x"}));
  EXPECT_EQ(Run({"SDIFF", "nokey", "a"}), Arr(0));
  EXPECT_EQ(Run({"SDIFF", "a", "a"}), Arr(0));
  EXPECT_EQ(Run({"SUNION", "b", "c"}),
            Arr(4) + Bulk("2") + Bulk("3") + Bulk("4") + Bulk("9"));  // intset: sorted
  Run({"HELLO", "3"});
  EXPECT_EQ(Run({"SINTER", "a", "nokey"}), "~0\r\n");
  EXPECT_EQ(Run({"SUNION", "b"}).substr(0, 4), "~3\r\n");
}

TEST_F(SetsTest, StoreVariants) {
  Run({"SADD", "a", "1", "2", "3"});
  Run({"SADD", "b", "2", "3", "4"});
  Run({"SET", "d", "x"});
  Run({"EXPIRE", "d", "100"});
  EXPECT_EQ(Run({"SINTERSTORE", "d", "a", "b"}), Int(2));
  EXPECT_EQ(Members("d"), (Strings{"2", "3"}));
  EXPECT_EQ(Run({"TTL", "d"}), Int(-1));
  EXPECT_EQ(Encoding("d"), "intset");
  EXPECT_EQ(Run({"SUNIONSTORE", "d", "a", "b"}), Int(4));
  EXPECT_EQ(Run({"SDIFFSTORE", "d", "a", "b"}), Int(1));
  EXPECT_EQ(Members("d"), (Strings{"1"}));
  EXPECT_EQ(Run({"SINTERSTORE", "a", "a", "b"}), Int(2));  // destination is a source
  EXPECT_EQ(Members("a"), (Strings{"2", "3"}));
  EXPECT_EQ(Run({"SINTERSTORE", "d", "a", "nokey"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
  Run({"SADD", "d", "z"});
  EXPECT_EQ(Run({"SDIFFSTORE", "d", "a", "a"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
  Run({"SADD", "x", "q"});
  EXPECT_EQ(Run({"SUNIONSTORE", "d", "a", "x"}), Int(3));
  EXPECT_EQ(Encoding("d"), "hashtable");
  EXPECT_EQ(Run({"SDIFFSTORE", "e", "d", "x"}), Int(2));
  EXPECT_EQ(Encoding("e"), "intset");
}

TEST_F(SetsTest, InterCard) {
  Run({"SADD", "a", "1", "2", "3", "4"});
  Run({"SADD", "b", "2", "3", "4", "5"});
  EXPECT_EQ(Run({"SINTERCARD", "2", "a", "b"}), Int(3));
  EXPECT_EQ(Run({"SINTERCARD", "2", "a", "b", "LIMIT", "2"}), Int(2));
  EXPECT_EQ(Run({"SINTERCARD", "2", "a", "b", "LIMIT", "0"}), Int(3));
  EXPECT_EQ(Run({"SINTERCARD", "1", "a"}), Int(4));
  EXPECT_EQ(Run({"SINTERCARD", "2", "a", "nokey"}), Int(0));
  EXPECT_EQ(Run({"SINTERCARD", "0", "a"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"SINTERCARD", "x", "a"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"SINTERCARD", "3", "a"}),
            Err("ERR Number of keys can't be greater than number of args"));
  EXPECT_EQ(Run({"SINTERCARD", "1", "a", "LIMIT", "-1"}), Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(Run({"SINTERCARD", "1", "a", "LIMIT", "x"}), Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(Run({"SINTERCARD", "1", "a", "FOO", "1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SINTERCARD", "1", "a", "LIMIT"}), Err("ERR syntax error"));
}

TEST_F(SetsTest, Scan) {
  Run({"SADD", "s", "1", "2", "10"});
  EXPECT_EQ(Run({"SSCAN", "s", "0"}),
            Arr(2) + Bulk("0") + Arr(3) + Bulk("1") + Bulk("2") + Bulk("10"));
  EXPECT_EQ(Run({"SSCAN", "s", "0", "MATCH", "1*", "COUNT", "1"}),
            Arr(2) + Bulk("0") + Arr(2) + Bulk("1") + Bulk("10"));
  EXPECT_EQ(Run({"SSCAN", "s", "-1"}).substr(0, 11), Arr(2) + Bulk("0"));
  EXPECT_EQ(Run({"SSCAN", "s", "18446744073709551616"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SSCAN", "s", " 1"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SSCAN", "s", "0", "foo", "1"}), Err("ERR syntax error"));
  for (int i = 0; i < 500; ++i) Run({"SADD", "t", Named("m", i)});
  std::set<std::string> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    std::string r = Run({"SSCAN", "t", cursor});
    const size_t eol = r.find("\r\n", 4);
    const size_t len = std::stoul(r.substr(5, eol - 5));
    cursor = r.substr(eol + 2, len);
    for (auto& m : Elements(r.substr(eol + 2 + len + 2))) seen.insert(m);
  } while (cursor != "0" && ++rounds < 10000);
  EXPECT_EQ(seen.size(), 500u);
}

TEST_F(SetsTest, ValueLevelApi) {
  store::Value v = store::SetValue::New();
  const store::SetLimits limits{.max_intset_entries = 512};
  EXPECT_TRUE(store::SetValue::Add(v, "1", limits));
  EXPECT_TRUE(store::SetValue::Add(v, "2", limits));
  EXPECT_TRUE(store::SetValue::Add(v, "3", limits));
  EXPECT_FALSE(store::SetValue::Add(v, "3", limits));
  EXPECT_EQ(v.MemoryUsage(), 16u);  // header plus three 1-byte integers in one block
  for (int i = 0; i < 400; ++i) store::SetValue::Add(v, std::to_string(i * 1000), limits);
  EXPECT_EQ(v.EncodingName(), "intset");
  store::Value copy = v.Clone();
  EXPECT_TRUE(store::SetValue::Remove(v, "2"));
  EXPECT_FALSE(store::SetValue::Remove(v, "2"));
  EXPECT_FALSE(store::SetValue::Remove(v, "x"));
  EXPECT_TRUE(copy.As<store::SetValue>()->Contains("2"));
  int64_t prev = INT64_MIN;
  size_t n = 0;
  v.As<store::SetValue>()->ForEach([&](std::string_view m) {
    int64_t x = std::stoll(std::string(m));
    EXPECT_GT(x, prev);
    prev = x;
    ++n;
  });
  EXPECT_EQ(n, v.As<store::SetValue>()->size());
}

}  // namespace
}  // namespace sets_test
}  // namespace baton::testing
