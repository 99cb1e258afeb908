// SORT and SORT_RO (expected replies checked against Redis 7.0.15).
#include <string>
#include <vector>

#include "baton/server/server.h"
#include "baton/store/zset_value.h"
#include "support/server_fixture.h"

namespace baton::testing {
namespace sort_test {
namespace {

constexpr const char* kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
constexpr const char* kNotDouble = "-ERR One or more scores can't be converted into double\r\n";

class SortTest : public ServerFixture {
 protected:
  // A RESP array of bulk strings ("" stands for a null).
  static std::string Arr(const std::vector<std::string>& items) {
    std::string out = "*";
    out.append(std::to_string(items.size())).append("\r\n");
    for (const auto& s : items) out.append(s == "\x01" ? std::string(kNil) : Bulk(s));
    return out;
  }
  static constexpr const char* kNull = "\x01";

  void SetUp() override {
    ServerFixture::SetUp();
    Run({"RPUSH", "l", "3", "1", "2", "10"});
    Run({"MSET", "w_3", "1", "w_1", "3", "w_2", "2", "w_10", "0"});
    Run({"MSET", "o_3", "three", "o_1", "one", "o_2", "two"});
    Run({"HSET", "h_3", "f", "c"});
    Run({"HSET", "h_1", "f", "a"});
  }
};

// redis-server 7.0 converts a listpack sorted set to a skiplist on SORT.
TEST_F(SortTest, SortConvertsAListpackSortedSetToASkiplist) {
  Run({"ZADD", "z", "1", "3", "2", "1"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z"}), Bulk("listpack"));
  EXPECT_EQ(Run({"SORT_RO", "z"}), "*2\r\n" + Bulk("1") + Bulk("3"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z"}), Bulk("skiplist"));
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}),
            "*4\r\n" + Bulk("3") + Bulk("1") + Bulk("1") + Bulk("2"));
}

TEST_F(SortTest, NumericAndAlpha) {
  EXPECT_EQ(Run({"SORT", "l"}), Arr({"1", "2", "3", "10"}));
  EXPECT_EQ(Run({"SORT", "l", "DESC"}), Arr({"10", "3", "2", "1"}));
  EXPECT_EQ(Run({"SORT", "l", "ALPHA"}), Arr({"1", "10", "2", "3"}));
  EXPECT_EQ(Run({"SORT", "l", "alpha", "desc"}), Arr({"3", "2", "10", "1"}));
  EXPECT_EQ(Run({"SORT_RO", "l", "ASC"}), Arr({"1", "2", "3", "10"}));
  EXPECT_EQ(Run({"SORT", "nokey"}), "*0\r\n");
  Run({"SADD", "s", "5", "-1", "2.5"});
  EXPECT_EQ(Run({"SORT", "s"}), Arr({"-1", "2.5", "5"}));
  Run({"RPUSH", "bad", "1", "x"});
  EXPECT_EQ(Run({"SORT", "bad"}), kNotDouble);
  EXPECT_EQ(Run({"SORT", "bad", "STORE", "dst"}), kNotDouble);
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
  EXPECT_EQ(Run({"SORT", "bad", "ALPHA"}), Arr({"1", "x"}));
}

TEST_F(SortTest, LimitAndNosort) {
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "1", "2"}), Arr({"2", "3"}));
  EXPECT_EQ(Run({"SORT", "l", "DESC", "LIMIT", "1", "2"}), Arr({"3", "2"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "-5", "2"}), Arr({"1", "2"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "2", "-1"}), Arr({"3", "10"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "10", "2"}), "*0\r\n");
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "0", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort"}), Arr({"3", "1", "2", "10"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "DESC"}), Arr({"10", "2", "1", "3"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"}), Arr({"2", "1"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "LIMIT", "1", "2"}), Arr({"1", "2"}));
}

TEST_F(SortTest, ByAndGetPatterns) {
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*"}), Arr({"10", "3", "2", "1"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "GET", "o_*", "GET", "#", "GET", "h_*->f"}),
            Arr({kNull, "10", kNull, "three", "3", "c", "two", "2", kNull, "one", "1", "a"}));
  EXPECT_EQ(Run({"SORT", "l", "ALPHA", "BY", "o_*"}), Arr({"10", "1", "3", "2"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "h_*->f", "ALPHA", "GET", "#"}), Arr({"2", "10", "1", "3"}));
  // "->" with nothing after it is part of the key name.
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "GET", "h_*->"}), Arr({kNull, kNull, kNull, kNull}));
  // A GET pattern without '*' never matches.
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "GET", "o_1"}), Arr({kNull, kNull, kNull, kNull}));
  Run({"SET", "w_2", "abc"});
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*"}), kNotDouble);
}

TEST_F(SortTest, Store) {
  EXPECT_EQ(Run({"SORT", "l", "STORE", "dst"}), Int(4));
  EXPECT_EQ(Run({"LRANGE", "dst", "0", "-1"}), Arr({"1", "2", "3", "10"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "GET", "o_*", "STORE", "dst"}), Int(4));
  EXPECT_EQ(Run({"LRANGE", "dst", "0", "-1"}), Arr({"", "three", "two", "one"}));
  Run({"EXPIRE", "dst", "100"});
  EXPECT_EQ(Run({"SORT", "l", "STORE", "dst"}), Int(4));
  EXPECT_EQ(Run({"TTL", "dst"}), Int(-1));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "0", "0", "STORE", "dst"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
  // An unsorted set is sorted (ALPHA) when stored, for a deterministic result.
  Run({"SADD", "s", "b", "a", "c"});
  EXPECT_EQ(Run({"SORT", "s", "BY", "nosort", "STORE", "sd"}), Int(3));
  EXPECT_EQ(Run({"LRANGE", "sd", "0", "-1"}), Arr({"a", "b", "c"}));
  // The source may be the destination.
  EXPECT_EQ(Run({"SORT", "l", "DESC", "STORE", "l"}), Int(4));
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), Arr({"10", "3", "2", "1"}));
}

TEST_F(SortTest, Errors) {
  EXPECT_EQ(Run({"SORT_RO", "l", "STORE", "x"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "a", "b"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT", "l", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "GET"}), Err("ERR syntax error"));
  Run({"SET", "str", "x"});
  EXPECT_EQ(Run({"SORT", "str"}), kWrongType);
  Run({"HSET", "hash", "a", "1"});
  EXPECT_EQ(Run({"SORT", "hash"}), kWrongType);
  // Options are checked before the key's type.
  EXPECT_EQ(Run({"SORT", "str", "foo"}), Err("ERR syntax error"));
}

TEST_F(SortTest, SortedSets) {
  // z: a=3 b=1 c=2 d=10 (score order b c a d); members sort by their own value.
  store::KeyEntry* e = srv().db(0).Add("z", store::ZSetValue::New());
  const store::ZSetLimits limits;
  store::ZSetValue::Set(e->value, "a", 3, limits);
  store::ZSetValue::Set(e->value, "b", 1, limits);
  store::ZSetValue::Set(e->value, "c", 2, limits);
  store::ZSetValue::Set(e->value, "d", 10, limits);
  EXPECT_EQ(Run({"SORT", "z", "ALPHA", "DESC"}), Arr({"d", "c", "b", "a"}));
  EXPECT_EQ(Run({"SORT", "z"}), kNotDouble);
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort"}), Arr({"b", "c", "a", "d"}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "DESC"}), Arr({"d", "a", "c", "b"}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "LIMIT", "1", "2"}), Arr({"c", "a"}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"}), Arr({"a", "c"}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "LIMIT", "9", "2"}), "*0\r\n");
  Run({"MSET", "w_a", "4", "w_b", "3", "w_c", "2", "w_d", "1"});
  EXPECT_EQ(Run({"SORT_RO", "z", "BY", "w_*", "GET", "#"}), Arr({"d", "c", "b", "a"}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "STORE", "dz"}), Int(4));
  EXPECT_EQ(Run({"LRANGE", "dz", "0", "-1"}), Arr({"b", "c", "a", "d"}));
}

TEST_F(SortTest, CommandGetKeys) {
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "SORT", "l", "STORE", "a", "STORE", "b", "BY", "x", "GET",
                 "y", "LIMIT", "1", "2"}),
            Arr({"l", "b"}));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "SORT_RO", "l", "BY", "x"}), Arr({"l"}));
}

}  // namespace
}  // namespace sort_test
}  // namespace baton::testing
