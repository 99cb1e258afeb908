#include <algorithm>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "baton/server/server.h"
#include "baton/store/hash_value.h"
#include "support/server_fixture.h"

namespace baton::testing {
namespace hashes_test {
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

class HashesTest : public ServerFixture {
 protected:
  std::string Encoding(const std::string& key) {
    store::KeyEntry* e = srv().db(0).Lookup(key);
    return e == nullptr ? "" : std::string(e->value.EncodingName());
  }
  // Splits a flat RESP2 array of bulk strings into its elements.
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
};

TEST_F(HashesTest, SetGetAndCounts) {
  EXPECT_EQ(Run({"HSET", "h", "a", "1", "b", "2"}), Int(2));
  EXPECT_EQ(Run({"HSET", "h", "a", "10", "c", "3"}), Int(1));
  EXPECT_EQ(Run({"HGET", "h", "a"}), Bulk("10"));
  EXPECT_EQ(Run({"HGET", "h", "zz"}), kNil);
  EXPECT_EQ(Run({"HGET", "nokey", "a"}), kNil);
  EXPECT_EQ(Run({"HLEN", "h"}), Int(3));
  EXPECT_EQ(Run({"HLEN", "nokey"}), Int(0));
  EXPECT_EQ(Run({"HEXISTS", "h", "b"}), Int(1));
  EXPECT_EQ(Run({"HEXISTS", "h", "zz"}), Int(0));
  EXPECT_EQ(Run({"HSTRLEN", "h", "a"}), Int(2));
  EXPECT_EQ(Run({"HSTRLEN", "h", "zz"}), Int(0));
  EXPECT_EQ(Run({"HMSET", "h", "d", "4"}), kOk);
  EXPECT_EQ(Run({"HMGET", "h", "a", "zz", "d"}), Arr(3) + Bulk("10") + kNil + Bulk("4"));
  EXPECT_EQ(Run({"HMGET", "nokey", "a", "b"}), Arr(2) + kNil + kNil);
  EXPECT_EQ(Run({"TYPE", "h"}), "+hash\r\n");
}

TEST_F(HashesTest, ArityAndWrongType) {
  EXPECT_EQ(Run({"HSET", "h", "a"}), Err("ERR wrong number of arguments for 'hset' command"));
  EXPECT_EQ(Run({"HSET", "h", "a", "1", "b"}),
            Err("ERR wrong number of arguments for 'hset' command"));
  EXPECT_EQ(Run({"HMSET", "h", "a", "1", "b"}),
            Err("ERR wrong number of arguments for 'hmset' command"));
  EXPECT_EQ(Run({"EXISTS", "h"}), Int(0));
  Run({"SET", "s", "x"});
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"HSET", "s", "a", "1"},
                                                               {"HSETNX", "s", "a", "1"},
                                                               {"HGET", "s", "a"},
                                                               {"HMGET", "s", "a"},
                                                               {"HGETALL", "s"},
                                                               {"HDEL", "s", "a"},
                                                               {"HLEN", "s"},
                                                               {"HEXISTS", "s", "a"},
                                                               {"HKEYS", "s"},
                                                               {"HVALS", "s"},
                                                               {"HINCRBY", "s", "a", "1"},
                                                               {"HINCRBYFLOAT", "s", "a", "1"},
                                                               {"HSTRLEN", "s", "a"},
                                                               {"HRANDFIELD", "s"},
                                                               {"HRANDFIELD", "s", "2"},
                                                               {"HSCAN", "s", "0"}}) {
    EXPECT_EQ(Run(cmd), kWrongType) << cmd[0];
  }
}

TEST_F(HashesTest, SetNx) {
  EXPECT_EQ(Run({"HSETNX", "h", "a", "1"}), Int(1));
  EXPECT_EQ(Run({"HSETNX", "h", "a", "2"}), Int(0));
  EXPECT_EQ(Run({"HGET", "h", "a"}), Bulk("1"));
}

TEST_F(HashesTest, GetAllKeysVals) {
  Run({"HSET", "h", "a", "1", "b", "xyz"});
  EXPECT_EQ(Run({"HGETALL", "h"}), Arr(4) + Bulk("a") + Bulk("1") + Bulk("b") + Bulk("xyz"));
  EXPECT_EQ(Run({"HKEYS", "h"}), Arr(2) + Bulk("a") + Bulk("b"));
  EXPECT_EQ(Run({"HVALS", "h"}), Arr(2) + Bulk("1") + Bulk("xyz"));
  EXPECT_EQ(Run({"HGETALL", "nokey"}), Arr(0));
  EXPECT_EQ(Run({"HKEYS", "nokey"}), Arr(0));
  Run({"HELLO", "3"});
  EXPECT_EQ(Run({"HGETALL", "h"}), "%2\r\n" + Bulk("a") + Bulk("1") + Bulk("b") + Bulk("xyz"));
  EXPECT_EQ(Run({"HGETALL", "nokey"}), "%0\r\n");
}

TEST_F(HashesTest, DelRemovesEmptyKey) {
  Run({"HSET", "h", "a", "1", "b", "2"});
  EXPECT_EQ(Run({"HDEL", "h", "a", "zz"}), Int(1));
  EXPECT_EQ(Run({"HDEL", "nokey", "a"}), Int(0));
  EXPECT_EQ(Run({"HDEL", "h", "b", "b"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "h"}), Int(0));
}

TEST_F(HashesTest, IncrBy) {
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "5"}), Int(5));
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "-7"}), Int(-2));
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "x"}), Err("ERR value is not an integer or out of range"));
  Run({"HSET", "h", "s", "abc", "sp", " 1", "big", "9223372036854775807"});
  EXPECT_EQ(Run({"HINCRBY", "h", "s", "1"}), Err("ERR hash value is not an integer"));
  EXPECT_EQ(Run({"HINCRBY", "h", "sp", "1"}), Err("ERR hash value is not an integer"));
  EXPECT_EQ(Run({"HINCRBY", "h", "big", "1"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(Run({"HINCRBY", "h", "big", "-1"}), Int(9223372036854775806));
  EXPECT_EQ(Run({"HINCRBY", "nokey", "f", "x"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"EXISTS", "nokey"}), Int(0));
}

TEST_F(HashesTest, IncrByFloatFormatsAndPropagatesAsHset) {
  RecordingSink sink;
  srv().AddEffectSink(&sink);
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "1.5"}), Bulk("1.5"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "1.5"}), Bulk("3"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "-3"}), Bulk("0"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "g", "5.0e3"}), Bulk("5000"));
  ASSERT_EQ(sink.commands.size(), 4u);
  EXPECT_EQ(sink.commands[1], (std::vector<std::string>{"HSET", "h", "f", "3"}));
  EXPECT_EQ(sink.commands[3], (std::vector<std::string>{"HSET", "h", "g", "5000"}));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "abc"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "inf"}), Err("ERR value is NaN or Infinity"));
  Run({"HSET", "h", "s", "abc"});
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "s", "1"}), Err("ERR hash value is not a float"));
  Run({"HSET", "h", "m", "1.1e4932"});
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "m", "1e4932"}),
            Err("ERR increment would produce NaN or Infinity"));
  EXPECT_EQ(sink.commands.size(), 6u);  // only the two HSETs
}

TEST_F(HashesTest, ListpackConvertsAtEntryThreshold) {
  Restart("hash-max-listpack-entries 4\n");
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"});
  EXPECT_EQ(Encoding("h"), "listpack");
  Run({"HSET", "h", "d", "44"});
  EXPECT_EQ(Encoding("h"), "listpack");
  Run({"HSET", "h", "e", "5"});
  EXPECT_EQ(Encoding("h"), "hashtable");
  EXPECT_EQ(Run({"HGET", "h", "a"}), Bulk("1"));
  EXPECT_EQ(Run({"HGET", "h", "e"}), Bulk("5"));
  EXPECT_EQ(Run({"HDEL", "h", "a", "b", "c"}), Int(3));
  EXPECT_EQ(Encoding("h"), "hashtable");  // never back
  EXPECT_EQ(Run({"HLEN", "h"}), Int(2));
}

TEST_F(HashesTest, ListpackConvertsOnLongFieldOrValue) {
  Restart("hash-max-listpack-value 8\n");
  Run({"HSET", "h1", "a", "12345678"});
  EXPECT_EQ(Encoding("h1"), "listpack");
  Run({"HSET", "h1", "a", "123456789"});
  EXPECT_EQ(Encoding("h1"), "hashtable");
  EXPECT_EQ(Run({"HGET", "h1", "a"}), Bulk("123456789"));
  Run({"HSET", "h2", "123456789", "x"});
  EXPECT_EQ(Encoding("h2"), "hashtable");
  Run({"HSET", "h3", "a", "1"});
  EXPECT_EQ(Run({"HSETNX", "h3", "a", "123456789"}), Int(0));
  EXPECT_EQ(Encoding("h3"), "listpack");
  Run({"HINCRBY", "h4", "longfield", "1"});
  EXPECT_EQ(Encoding("h4"), "hashtable");
  Run({"HINCRBYFLOAT", "h5", "f", "1.23456789"});
  EXPECT_EQ(Encoding("h5"), "hashtable");
}

TEST_F(HashesTest, HashtableEncodingWorksLikeListpack) {
  Restart("hash-max-listpack-entries 0\n");
  Run({"HSET", "h", "a", "1", "b", "2"});
  EXPECT_EQ(Encoding("h"), "hashtable");
  EXPECT_EQ(Run({"HSET", "h", "a", "longer value"}), Int(0));
  EXPECT_EQ(Run({"HGET", "h", "a"}), Bulk("longer value"));
  EXPECT_EQ(Run({"HINCRBY", "h", "b", "3"}), Int(5));
  EXPECT_EQ(Run({"HSTRLEN", "h", "a"}), Int(12));
  EXPECT_EQ(Run({"HDEL", "h", "a", "b"}), Int(2));
  EXPECT_EQ(Run({"EXISTS", "h"}), Int(0));
}

TEST_F(HashesTest, RandField) {
  EXPECT_EQ(Run({"HRANDFIELD", "nokey"}), kNil);
  EXPECT_EQ(Run({"HRANDFIELD", "nokey", "3"}), Arr(0));
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  const std::string one = Run({"HRANDFIELD", "h"});
  EXPECT_TRUE(one == Bulk("a") || one == Bulk("b") || one == Bulk("c")) << one;
  EXPECT_EQ(Run({"HRANDFIELD", "h", "0"}), Arr(0));
  auto all = Elements(Run({"HRANDFIELD", "h", "10"}));
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"a", "b", "c"}));
  auto two = Elements(Run({"HRANDFIELD", "h", "2"}));
  EXPECT_EQ(two.size(), 2u);
  EXPECT_NE(two[0], two[1]);
  EXPECT_EQ(Elements(Run({"HRANDFIELD", "h", "-7"})).size(), 7u);
  auto pairs = Elements(Run({"HRANDFIELD", "h", "-4", "WITHVALUES"}));
  ASSERT_EQ(pairs.size(), 8u);
  for (size_t i = 0; i < 8; i += 2) {
    EXPECT_EQ(pairs[i + 1], std::string(1, static_cast<char>('1' + (pairs[i][0] - 'a'))));
  }
  EXPECT_EQ(Run({"HRANDFIELD", "h", "1", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and "
                "9223372036854775807"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"}),
            Err("ERR value is out of range"));
  EXPECT_EQ(Run({"HRANDFIELD", "nokey", "4611686018427387904", "WITHVALUES"}),
            Err("ERR value is out of range"));
  Run({"HELLO", "3"});
  const std::string r3 = Run({"HRANDFIELD", "h", "-2", "WITHVALUES"});
  EXPECT_EQ(r3.substr(0, 8), "*2\r\n*2\r\n");
}

TEST_F(HashesTest, RandFieldDistinctOnBigHash) {
  Restart("hash-max-listpack-entries 2\n");
  for (int i = 0; i < 100; ++i) Run({"HSET", "h", Named("f", i), "v"});
  for (const char* count : {"5", "60"}) {
    auto got = Elements(Run({"HRANDFIELD", "h", count}));
    std::set<std::string> unique(got.begin(), got.end());
    EXPECT_EQ(unique.size(), static_cast<size_t>(std::stoi(count)));
  }
}

TEST_F(HashesTest, Scan) {
  Run({"HSET", "h", "a", "1", "b", "2"});
  EXPECT_EQ(Run({"HSCAN", "h", "0"}),
            Arr(2) + Bulk("0") + Arr(4) + Bulk("a") + Bulk("1") + Bulk("b") + Bulk("2"));
  EXPECT_EQ(Run({"HSCAN", "h", "0", "MATCH", "b*"}),
            Arr(2) + Bulk("0") + Arr(2) + Bulk("b") + Bulk("2"));
  EXPECT_EQ(Run({"HSCAN", "nokey", "0", "COUNT", "0"}), Arr(2) + Bulk("0") + Arr(0));
  EXPECT_EQ(Run({"HSCAN", "h", "x"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"HSCAN", "h", "0", "COUNT", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"HSCAN", "h", "0", "COUNT", "x"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"HSCAN", "h", "0", "MATCH"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"HSCAN", "h", "0", "TYPE", "string"}), Err("ERR syntax error"));
}

TEST_F(HashesTest, ScanHashtableVisitsEverything) {
  Restart("hash-max-listpack-entries 1\n");
  for (int i = 0; i < 300; ++i) Run({"HSET", "h", Named("f", i), std::to_string(i)});
  std::set<std::string> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    std::string r = Run({"HSCAN", "h", cursor, "COUNT", "20"});
    ASSERT_EQ(r.substr(0, 5), "*2\r\n$");
    const size_t eol = r.find("\r\n", 4);
    const size_t len = std::stoul(r.substr(5, eol - 5));
    cursor = r.substr(eol + 2, len);
    auto items = Elements(r.substr(eol + 2 + len + 2));
    for (size_t i = 0; i < items.size(); i += 2) {
      EXPECT_EQ(Named("f", std::stoll(items[i + 1])), items[i]);
      seen.insert(items[i]);
    }
  } while (cursor != "0" && ++rounds < 1000);
  EXPECT_EQ(seen.size(), 300u);
}

// A small hash is one block: vtable pointer, 2-byte list header, entries. The
// memory benchmark's hashes (three short fields) fit jemalloc's 48-byte class.
TEST_F(HashesTest, SmallHashIsOneBlockOfFortyEightBytes) {
  store::Value v = store::HashValue::New();
  const store::HashLimits limits{.max_listpack_entries = 128, .max_listpack_value = 64};
  store::HashValue::Set(v, "name", "user123456", limits);
  store::HashValue::Set(v, "age", "45", limits);
  store::HashValue::Set(v, "city", "c123", limits);
  EXPECT_EQ(v.EncodingName(), "listpack");
  EXPECT_LE(v.MemoryUsage(), 48u);
  const auto* lp = static_cast<const store::ListpackHash*>(v.As<store::HashValue>());
  EXPECT_EQ(reinterpret_cast<const char*>(&lp->list()) - reinterpret_cast<const char*>(lp),
            static_cast<std::ptrdiff_t>(store::ListpackHash::kListOffset));
  store::HashValue::Set(v, "city", std::string(40, 'x'), limits);  // grows into a new block
  store::CompactEntry e;
  ASSERT_TRUE(v.As<store::HashValue>()->Get("city", &e));
  EXPECT_EQ(e.text(), std::string(40, 'x'));
  ASSERT_TRUE(v.As<store::HashValue>()->Get("name", &e));
  EXPECT_EQ(e.text(), "user123456");
}

TEST_F(HashesTest, ValueLevelApi) {
  store::Value v = store::HashValue::New();
  const store::HashLimits limits{.max_listpack_entries = 8, .max_listpack_value = 16};
  for (int i = 0; i < 8; ++i) {
    EXPECT_TRUE(store::HashValue::Set(v, Named("k", i), std::to_string(i * 1000), limits));
  }
  EXPECT_EQ(v.EncodingName(), "listpack");
  EXPECT_LE(v.MemoryUsage(), 96u);
  store::Value copy = v.Clone();
  EXPECT_TRUE(store::HashValue::Set(v, "k8", "x", limits));
  EXPECT_EQ(v.EncodingName(), "hashtable");
  EXPECT_EQ(copy.As<store::HashValue>()->size(), 8u);
  size_t n = 0;
  v.As<store::HashValue>()->ForEach([&](std::string_view f, std::string_view val) {
    ++n;
    if (f == "k3") {
      EXPECT_EQ(val, "3000");
    }
  });
  EXPECT_EQ(n, 9u);
  EXPECT_TRUE(store::HashValue::Delete(v, "k3"));
  EXPECT_FALSE(store::HashValue::Delete(v, "k3"));
  EXPECT_FALSE(v.As<store::HashValue>()->Contains("k3"));
}

}  // namespace
}  // namespace hashes_test
}  // namespace baton::testing
