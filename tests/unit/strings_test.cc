// String commands: replies, errors, encodings, TTL handling, WATCH signals
// and propagated effects, checked against Redis 7.0's behaviour.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/strings_test_util.h"

namespace baton::testing {
namespace strings_test {
namespace {

using Effects = std::vector<std::vector<std::string>>;

class StringsTest : public StringFixture {
 protected:
  int64_t Now() { return srv().NowMs(); }

  // A command's reply and the server-time window [lo, hi] its clock read
  // fell in (the clock keeps moving, so relative expiries are checked
  // against the window rather than one instant).
  struct Timed {
    std::string reply;
    int64_t lo;
    int64_t hi;
  };
  Timed RunTimed(const std::vector<std::string>& args) {
    const int64_t lo = Now();
    std::string reply = Run(args);
    return {std::move(reply), lo, Now()};
  }
  static bool Within(int64_t when, const Timed& t, int64_t ttl_ms) {
    return when >= t.lo + ttl_ms && when <= t.hi + ttl_ms;
  }
  // `effect` is `head` followed by an absolute time `ttl_ms` after the window.
  static void ExpectTimedEffect(const std::vector<std::string>& effect,
                                const std::vector<std::string>& head, const Timed& t,
                                int64_t ttl_ms) {
    ASSERT_EQ(effect.size(), head.size() + 1);
    EXPECT_EQ(std::vector<std::string>(effect.begin(), effect.end() - 1), head);
    EXPECT_TRUE(Within(std::stoll(effect.back()), t, ttl_ms)) << effect.back();
  }
};

TEST_F(StringsTest, SetGetAndMissingKey) {
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"GET", "nokey"}), kNil);
  EXPECT_EQ(Run({"GET"}), Err("ERR wrong number of arguments for 'get' command"));
}

TEST_F(StringsTest, ValuesAreBinarySafe) {
  const std::string bin("a\0b\r\nc\xff", 7);
  EXPECT_EQ(Run({"SET", bin, bin}), kOk);
  EXPECT_EQ(Run({"GET", bin}), Bulk(bin));
  EXPECT_EQ(Run({"STRLEN", bin}), Int(7));
  EXPECT_EQ(Run({"APPEND", bin, std::string("\0", 1)}), Int(8));
  EXPECT_EQ(Run({"GETRANGE", bin, "1", "2"}), Bulk(std::string("\0b", 2)));
}

TEST_F(StringsTest, SetChoosesRedisEncodings) {
  Run({"SET", "int", "12345"});
  Run({"SET", "neg", "-9223372036854775808"});
  Run({"SET", "lead0", "0123"});
  Run({"SET", "minus0", "-0"});
  Run({"SET", "short", "hello"});
  Run({"SET", "e44", std::string(44, 'x')});
  Run({"SET", "r45", std::string(45, 'x')});
  EXPECT_EQ(Encoding("int"), "int");
  EXPECT_EQ(Encoding("neg"), "int");
  EXPECT_EQ(Encoding("lead0"), "embstr");
  EXPECT_EQ(Encoding("minus0"), "embstr");
  EXPECT_EQ(Encoding("short"), "embstr");
  EXPECT_EQ(Encoding("e44"), "embstr");
  EXPECT_EQ(Encoding("r45"), "raw");
  EXPECT_EQ(Run({"GET", "int"}), Bulk("12345"));
  EXPECT_EQ(Run({"GET", "lead0"}), Bulk("0123"));
}

TEST_F(StringsTest, SetNxXxAndGet) {
  EXPECT_EQ(Run({"SET", "k", "v", "NX", "GET"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "v2", "nx", "get"}), Bulk("v"));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"SET", "k", "v3", "XX", "GET"}), Bulk("v"));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v3"));
  EXPECT_EQ(Run({"SET", "k", "v4", "NX"}), kNil);
  EXPECT_EQ(Run({"SET", "missing", "v", "XX"}), kNil);
  EXPECT_EQ(Run({"EXISTS", "missing"}), Int(0));
  EXPECT_EQ(Run({"SET", "n", "v", "NX", "NX"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v5", "GET", "GET"}), Bulk("v3"));
}

TEST_F(StringsTest, SetOptionConflictsAreSyntaxErrors) {
  Run({"SET", "k", "orig"});
  TakeEffects();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"SET", "k", "v", "NX", "XX"},
           {"SET", "k", "v", "XX", "NX"},
           {"SET", "k", "v", "EX", "10", "PX", "10"},
           {"SET", "k", "v", "EXAT", "10", "PXAT", "10"},
           {"SET", "k", "v", "KEEPTTL", "EX", "10"},
           {"SET", "k", "v", "PX", "10", "KEEPTTL"},
           {"SET", "k", "v", "EX"},
           {"SET", "k", "v", "PERSIST"},
           {"SET", "k", "v", "foo"},
           {"SET", "k", "v", "GET", "PX", "100", "KEEPTTL"},
       }) {
    EXPECT_EQ(Run(args), kSyntax) << args[3];
  }
  EXPECT_EQ(Run({"GET", "k"}), Bulk("orig"));
  EXPECT_TRUE(TakeEffects().empty());
}

TEST_F(StringsTest, SetInvalidExpireTimes) {
  const std::string invalid = Err("ERR invalid expire time in 'set' command");
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "0"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "-5"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "9223372036854775"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "9223372036854775807"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "0"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "abc"}), kNotInt);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "1.5"}), kNotInt);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST_F(StringsTest, SetExpireOptionsAndKeepTtl) {
  const Timed ex = RunTimed({"SET", "k", "v", "EX", "10", "EX", "20"});  // the last one wins
  EXPECT_EQ(ex.reply, kOk);
  const int64_t at = ExpireOf("k");
  EXPECT_TRUE(Within(at, ex, 20000)) << at;
  EXPECT_EQ(Run({"SET", "k", "v2", "KEEPTTL"}), kOk);
  EXPECT_EQ(ExpireOf("k"), at);
  EXPECT_EQ(Run({"SET", "k", "v3"}), kOk);
  EXPECT_EQ(ExpireOf("k"), -1);
  const Timed px = RunTimed({"SET", "k", "v", "PX", "1500"});
  EXPECT_EQ(px.reply, kOk);
  EXPECT_TRUE(Within(ExpireOf("k"), px, 1500));
  const int64_t at_s = Now() / 1000 + 100;
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", std::to_string(at_s)}), kOk);
  EXPECT_EQ(ExpireOf("k"), at_s * 1000);
  const int64_t at_ms = Now() + 777;
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", std::to_string(at_ms)}), kOk);
  EXPECT_EQ(ExpireOf("k"), at_ms);
  AdvanceClock(778);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
}

TEST_F(StringsTest, SetPropagatesAbsoluteExpiryAndDropsGet) {
  const Timed ex = RunTimed({"SET", "k", "v", "EX", "10"});
  const Timed px = RunTimed({"SET", "k", "w", "PX", "500", "GET"});
  Run({"SET", "k", "x", "GET"});
  Run({"SET", "k", "y", "XX", "KEEPTTL"});
  Run({"SET", "k", "z", "NX"});  // not executed: nothing to propagate
  const Effects effects = TakeEffects();
  ASSERT_EQ(effects.size(), 4U);
  ExpectTimedEffect(effects[0], {"SET", "k", "v", "PXAT"}, ex, 10000);
  ExpectTimedEffect(effects[1], {"SET", "k", "w", "PXAT"}, px, 500);
  EXPECT_EQ(effects[2], (std::vector<std::string>{"SET", "k", "x"}));
  EXPECT_EQ(effects[3], (std::vector<std::string>{"SET", "k", "y", "XX", "KEEPTTL"}));
}

TEST_F(StringsTest, SetWithPastAbsoluteTimeExpiresTheKey) {
  // Redis 7.0 stores the key with the elapsed time, propagates SET ... PXAT,
  // and the key expires (propagating DEL) when next touched.
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "1"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(TakeEffects(), (Effects{{"SET", "k", "v", "PXAT", "1000"}, {"DEL", "k"}}));
}

TEST_F(StringsTest, SetGetOnWrongTypeChangesNothing) {
  AddList("l");
  EXPECT_EQ(Run({"SET", "l", "v", "GET"}), kWrongType);
  EXPECT_EQ(Run({"GET", "l"}), kWrongType);
  EXPECT_EQ(Run({"SET", "l", "v"}), kOk);  // plain SET replaces any type
  EXPECT_EQ(Run({"GET", "l"}), Bulk("v"));
}

TEST_F(StringsTest, SetNxSetExPSetEx) {
  EXPECT_EQ(Run({"SETNX", "k", "1"}), Int(1));
  EXPECT_EQ(Run({"SETNX", "k", "2"}), Int(0));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("1"));
  const Timed se = RunTimed({"SETEX", "se", "100", "v"});
  EXPECT_EQ(se.reply, kOk);
  EXPECT_TRUE(Within(ExpireOf("se"), se, 100000));
  const Timed pse = RunTimed({"PSETEX", "pse", "100", "v"});
  EXPECT_EQ(pse.reply, kOk);
  EXPECT_TRUE(Within(ExpireOf("pse"), pse, 100));
  EXPECT_EQ(Run({"SETEX", "se", "0", "v"}), Err("ERR invalid expire time in 'setex' command"));
  EXPECT_EQ(Run({"PSETEX", "se", "-1", "v"}), Err("ERR invalid expire time in 'psetex' command"));
  EXPECT_EQ(Run({"SETEX", "se", "abc", "v"}), kNotInt);
  const Effects effects = TakeEffects();
  ASSERT_EQ(effects.size(), 3U);
  EXPECT_EQ(effects[0], (std::vector<std::string>{"SETNX", "k", "1"}));
  ExpectTimedEffect(effects[1], {"SET", "se", "v", "PXAT"}, se, 100000);
  ExpectTimedEffect(effects[2], {"SET", "pse", "v", "PXAT"}, pse, 100);
}

TEST_F(StringsTest, MGetMSetMSetNx) {
  AddList("l");
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(Run({"MGET", "a", "b", "nokey", "l"}), Arr({Bulk("1"), Bulk("2"), kNil, kNil}));
  EXPECT_EQ(Run({"MSET", "a", "1", "b"}), Err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(Run({"MSETNX", "a"}), Err("ERR wrong number of arguments for 'msetnx' command"));
  EXPECT_EQ(Run({"MSETNX", "a", "9", "zz", "2"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "zz"}), Int(0));
  EXPECT_EQ(Run({"GET", "a"}), Bulk("1"));
  EXPECT_EQ(Run({"MSETNX", "zz", "1", "yy", "2"}), Int(1));
  EXPECT_EQ(Run({"MGET", "zz", "yy"}), Arr({Bulk("1"), Bulk("2")}));
  EXPECT_EQ(TakeEffects(),
            (Effects{{"MSET", "a", "1", "b", "2"}, {"MSETNX", "zz", "1", "yy", "2"}}));
}

TEST_F(StringsTest, GetSetReplacesValueAndTtl) {
  EXPECT_EQ(Run({"GETSET", "k", "1"}), kNil);
  srv().db(0).SetExpire(srv().db(0).Lookup("k"), Now() + 100000);
  EXPECT_EQ(Run({"GETSET", "k", "2"}), Bulk("1"));
  EXPECT_EQ(ExpireOf("k"), -1);
  EXPECT_EQ(Encoding("k"), "int");
  AddList("l");
  EXPECT_EQ(Run({"GETSET", "l", "x"}), kWrongType);
  TakeEffects();
  Run({"GETSET", "k", "3"});
  EXPECT_EQ(TakeEffects(), (Effects{{"SET", "k", "3"}}));
}

TEST_F(StringsTest, GetDelDeletesAndPropagatesDel) {
  Run({"SET", "k", "v"});
  TakeEffects();
  EXPECT_EQ(Run({"GETDEL", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"GETDEL", "k"}), kNil);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  AddList("l");
  EXPECT_EQ(Run({"GETDEL", "l"}), kWrongType);
  EXPECT_EQ(TakeEffects(), (Effects{{"DEL", "k"}}));
}

TEST_F(StringsTest, GetExSetsAndRemovesTtl) {
  Run({"SET", "k", "v"});
  TakeEffects();
  EXPECT_EQ(Run({"GETEX", "k"}), Bulk("v"));
  const Timed ex = RunTimed({"GETEX", "k", "EX", "100"});
  EXPECT_EQ(ex.reply, Bulk("v"));
  EXPECT_TRUE(Within(ExpireOf("k"), ex, 100000));
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST"}), Bulk("v"));
  EXPECT_EQ(ExpireOf("k"), -1);
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST"}), Bulk("v"));  // no TTL: nothing to propagate
  const std::string at = std::to_string(Now() + 5000);
  EXPECT_EQ(Run({"GETEX", "k", "PXAT", at}), Bulk("v"));
  const Effects effects = TakeEffects();
  ASSERT_EQ(effects.size(), 3U);
  ExpectTimedEffect(effects[0], {"PEXPIREAT", "k"}, ex, 100000);
  EXPECT_EQ(effects[1], (std::vector<std::string>{"PERSIST", "k"}));
  EXPECT_EQ(effects[2], (std::vector<std::string>{"PEXPIREAT", "k", at}));
}

TEST_F(StringsTest, GetExWithElapsedTimeDeletesTheKey) {
  Run({"SET", "k", "v"});
  TakeEffects();
  EXPECT_EQ(Run({"GETEX", "k", "EXAT", "1"}), Bulk("v"));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  EXPECT_EQ(TakeEffects(), (Effects{{"DEL", "k"}}));
}

TEST_F(StringsTest, GetExErrors) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"GETEX", "k", "PX", "100", "PERSIST"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST", "EX", "1"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "k", "KEEPTTL"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "k", "NX"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "k", "GET"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "k", "EX", "abc"}), kNotInt);
  EXPECT_EQ(Run({"GETEX", "k", "EX", "0"}), Err("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(Run({"GETEX", "nokey", "EX", "abc"}), kNil);  // missing key: checked first
  AddList("l");
  EXPECT_EQ(Run({"GETEX", "l"}), kWrongType);
  EXPECT_EQ(ExpireOf("k"), -1);
}

TEST_F(StringsTest, AppendCreatesThenGoesRaw) {
  EXPECT_EQ(Run({"APPEND", "k", "123"}), Int(3));
  EXPECT_EQ(Encoding("k"), "int");
  EXPECT_EQ(Run({"APPEND", "k", "4"}), Int(4));
  EXPECT_EQ(Encoding("k"), "raw");
  EXPECT_EQ(Run({"GET", "k"}), Bulk("1234"));
  EXPECT_EQ(Run({"APPEND", "k", ""}), Int(4));
  EXPECT_EQ(Run({"INCR", "k"}), Int(1235));  // raw digits still count
  const std::string big(1000, 'z');
  for (int i = 0; i < 50; ++i) Run({"APPEND", "big", big});
  EXPECT_EQ(Run({"STRLEN", "big"}), Int(50000));
  AddList("l");
  EXPECT_EQ(Run({"APPEND", "l", "x"}), kWrongType);
}

TEST_F(StringsTest, AppendAndSetRangeRespectProtoMaxBulkLen) {
  RestartWith("proto-max-bulk-len 1mb\n");
  const std::string err = Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  EXPECT_EQ(Run({"SETRANGE", "k", "1048575", "ab"}), err);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  EXPECT_EQ(Run({"SETRANGE", "k", "1048575", "a"}), Int(1048576));
  EXPECT_EQ(Run({"APPEND", "k", "a"}), err);
  EXPECT_EQ(Run({"STRLEN", "k"}), Int(1048576));
}

TEST_F(StringsTest, StrLen) {
  EXPECT_EQ(Run({"STRLEN", "nokey"}), Int(0));
  Run({"SET", "i", "-12345"});
  EXPECT_EQ(Run({"STRLEN", "i"}), Int(6));
  AddList("l");
  EXPECT_EQ(Run({"STRLEN", "l"}), kWrongType);
}

TEST_F(StringsTest, GetRangeAndSubstr) {
  Run({"SET", "s", "Hello World"});
  EXPECT_EQ(Run({"GETRANGE", "s", "-3", "-1"}), Bulk("rld"));
  EXPECT_EQ(Run({"GETRANGE", "s", "5", "2"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "s", "-1", "-5"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "s", "0", "100"}), Bulk("Hello World"));
  EXPECT_EQ(Run({"GETRANGE", "s", "-100", "-50"}), Bulk("H"));
  EXPECT_EQ(Run({"GETRANGE", "s", "0", "-100"}), Bulk("H"));
  EXPECT_EQ(Run({"SUBSTR", "s", "0", "4"}), Bulk("Hello"));
  EXPECT_EQ(Run({"GETRANGE", "nokey", "0", "-1"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "s", "a", "1"}), kNotInt);
  Run({"SET", "i", "12345"});
  EXPECT_EQ(Run({"GETRANGE", "i", "1", "2"}), Bulk("23"));
  Run({"SET", "e", ""});
  EXPECT_EQ(Run({"GETRANGE", "e", "0", "-1"}), Bulk(""));
}

TEST_F(StringsTest, SetRange) {
  EXPECT_EQ(Run({"SETRANGE", "k", "3", "x"}), Int(4));
  EXPECT_EQ(Run({"GET", "k"}), Bulk(std::string("\0\0\0x", 4)));
  EXPECT_EQ(Encoding("k"), "raw");
  EXPECT_EQ(Run({"SETRANGE", "empty", "3", ""}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "empty"}), Int(0));
  Run({"SET", "s", "Hello World"});
  EXPECT_EQ(Run({"SETRANGE", "s", "6", "Redis"}), Int(11));
  EXPECT_EQ(Run({"GET", "s"}), Bulk("Hello Redis"));
  EXPECT_EQ(Run({"SETRANGE", "s", "0", ""}), Int(11));
  Run({"SET", "i", "12345"});
  EXPECT_EQ(Run({"SETRANGE", "i", "1", "0"}), Int(5));
  EXPECT_EQ(Run({"GET", "i"}), Bulk("10345"));
  EXPECT_EQ(Run({"SETRANGE", "s", "-1", "a"}), Err("ERR offset is out of range"));
  EXPECT_EQ(Run({"SETRANGE", "s", "abc", "a"}), kNotInt);
  EXPECT_EQ(Run({"SETRANGE", "s", "536870911", "ab"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  AddList("l");
  EXPECT_EQ(Run({"SETRANGE", "l", "0", "a"}), kWrongType);
}

TEST_F(StringsTest, IncrDecrFamily) {
  EXPECT_EQ(Run({"INCR", "c"}), Int(1));
  EXPECT_EQ(Encoding("c"), "int");
  EXPECT_EQ(Run({"INCRBY", "c", "10"}), Int(11));
  EXPECT_EQ(Run({"DECRBY", "c", "3"}), Int(8));
  EXPECT_EQ(Run({"DECR", "c"}), Int(7));
  EXPECT_EQ(Run({"INCRBY", "c", "-17"}), Int(-10));
  EXPECT_EQ(Run({"GET", "c"}), Bulk("-10"));
  EXPECT_EQ(Run({"INCRBY", "c", "1.5"}), kNotInt);
  EXPECT_EQ(Run({"INCRBY", "c", " 1"}), kNotInt);
  Run({"SET", "sp", " 5"});
  EXPECT_EQ(Run({"INCR", "sp"}), kNotInt);
  Run({"SET", "h", "abc"});
  EXPECT_EQ(Run({"INCR", "h"}), kNotInt);
  Run({"SET", "e", "7"});
  Run({"APPEND", "e", "0"});
  EXPECT_EQ(Run({"INCR", "e"}), Int(71));
  EXPECT_EQ(Encoding("e"), "int");
  AddList("l");
  EXPECT_EQ(Run({"INCR", "l"}), kWrongType);
}

TEST_F(StringsTest, IncrOverflowEdges) {
  const std::string overflow = Err("ERR increment or decrement would overflow");
  Run({"SET", "max", "9223372036854775807"});
  EXPECT_EQ(Run({"INCR", "max"}), overflow);
  EXPECT_EQ(Run({"INCRBY", "max", "1"}), overflow);
  EXPECT_EQ(Run({"GET", "max"}), Bulk("9223372036854775807"));
  EXPECT_EQ(Run({"DECRBY", "max", "-9223372036854775808"}), Err("ERR decrement would overflow"));
  Run({"SET", "min", "-9223372036854775808"});
  EXPECT_EQ(Run({"DECR", "min"}), overflow);
  EXPECT_EQ(Run({"INCRBY", "min", "-1"}), overflow);
  EXPECT_EQ(Run({"INCRBY", "min", "9223372036854775807"}), Int(-1));
  Run({"SET", "big", "9223372036854775808"});
  EXPECT_EQ(Run({"INCR", "big"}), kNotInt);
}

TEST_F(StringsTest, IncrKeepsTtlAndSignalsWatchers) {
  std::vector<std::string> modified;
  srv().AddKeyModifiedHook([&](int, std::string_view key) { modified.emplace_back(key); });
  Run({"SET", "c", "5", "EX", "100"});
  modified.clear();
  EXPECT_EQ(Run({"INCR", "c"}), Int(6));
  EXPECT_EQ(Run({"INCRBYFLOAT", "c", "0.5"}), Bulk("6.5"));
  EXPECT_EQ(Run({"APPEND", "c", "1"}), Int(4));
  EXPECT_EQ(Run({"SETRANGE", "c", "0", "7"}), Int(4));
  EXPECT_EQ(Run({"GETEX", "c", "PERSIST"}), Bulk("7.51"));
  EXPECT_EQ(ExpireOf("c"), -1);
  EXPECT_EQ(modified, (std::vector<std::string>{"c", "c", "c", "c", "c"}));
}

TEST_F(StringsTest, IncrByFloatFormatsLikeRedis) {
  Run({"SET", "f", "10.50"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "-5.0e3"}), Bulk("-4989.39999999999999991"));
  Run({"SET", "f", "5"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "2"}), Bulk("7"));
  EXPECT_EQ(Encoding("f"), "embstr");  // a float result stays text, never int
  Run({"SET", "f", "3.0e3"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "1.5"}), Bulk("3001.5"));
  Run({"SET", "g", "0"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "g", "-0.0"}), Bulk("0"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "new", "1.1e-3"}), Bulk("0.0011"));
  Run({"SET", "h", "1"});
  const std::string huge = Run({"INCRBYFLOAT", "h", "1e300"});
  EXPECT_EQ(huge.substr(0, 30), "$301\r\n100000000000000000000899");
  EXPECT_EQ(Encoding("h"), "raw");
}

TEST_F(StringsTest, IncrByFloatErrors) {
  const std::string not_float = Err("ERR value is not a valid float");
  Run({"SET", "f", "1"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "inf"}), Err("ERR increment would produce NaN or Infinity"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "nan"}), not_float);
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", " 1"}), not_float);
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "abc"}), not_float);
  Run({"SET", "big", "1.7976931348623157e308"});
  // Beyond double's range but within long double's, like Redis on x86-64.
  EXPECT_EQ(Run({"INCRBYFLOAT", "big", "1.7976931348623157e308"}).substr(0, 26),
            "$309\r\n35953862697246313999");
  Run({"SET", "s", "1 "});
  EXPECT_EQ(Run({"INCRBYFLOAT", "s", "1"}), not_float);
  AddList("l");
  EXPECT_EQ(Run({"INCRBYFLOAT", "l", "1"}), kWrongType);
  EXPECT_EQ(Run({"GET", "f"}), Bulk("1"));
}

TEST_F(StringsTest, IncrByFloatPropagatesSetKeepTtl) {
  Run({"SET", "f", "1", "EX", "100"});
  const int64_t at = ExpireOf("f");
  TakeEffects();
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "0.25"}), Bulk("1.25"));
  EXPECT_EQ(ExpireOf("f"), at);
  EXPECT_EQ(TakeEffects(), (Effects{{"SET", "f", "1.25", "KEEPTTL"}}));
}

TEST_F(StringsTest, LcsStringLenAndIdx) {
  Run({"MSET", "key1", "ohmytext", "key2", "mynewtext"});
  EXPECT_EQ(Run({"LCS", "key1", "key2"}), Bulk("mytext"));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "LEN"}), Int(6));
  auto range = [](int64_t a, int64_t b) { return Arr({Int(a), Int(b)}); };
  EXPECT_EQ(
      Run({"LCS", "key1", "key2", "IDX"}),
      Arr({Bulk("matches"), Arr({Arr({range(4, 7), range(5, 8)}), Arr({range(2, 3), range(0, 1)})}),
           Bulk("len"), Int(6)}));
  EXPECT_EQ(
      Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}),
      Arr({Bulk("matches"), Arr({Arr({range(4, 7), range(5, 8), Int(4)})}), Bulk("len"), Int(6)}));
  EXPECT_EQ(Run({"LCS", "nokey", "key2"}), Bulk(""));
  EXPECT_EQ(Run({"LCS", "nokey", "key2", "IDX"}),
            Arr({Bulk("matches"), Arr({}), Bulk("len"), Int(0)}));
  Run({"SET", "i", "12345"});
  Run({"SET", "j", "2x4"});
  EXPECT_EQ(Run({"LCS", "i", "j"}), Bulk("24"));
}

TEST_F(StringsTest, LcsIdxInResp3IsAMap) {
  Run({"HELLO", "3"});
  Run({"MSET", "a", "abc", "b", "xbc"});
  EXPECT_EQ(Run({"LCS", "a", "b", "IDX"}),
            "%2\r\n" + Bulk("matches") +
                Arr({Arr({Arr({Int(1), Int(2)}), Arr({Int(1), Int(2)})})}) + Bulk("len") + Int(2));
}

TEST_F(StringsTest, LcsErrors) {
  Run({"MSET", "key1", "a", "key2", "b"});
  AddList("l");
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX", "LEN"}),
            Err("ERR If you want both the length and indexes, please just use IDX."));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "MINMATCHLEN"}), kSyntax);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "MINMATCHLEN", "x"}), kNotInt);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "foo"}), kSyntax);
  EXPECT_EQ(Run({"LCS", "key1", "l"}), Err("ERR The specified keys must contain string values"));
  RestartWith("proto-max-bulk-len 1mb\n");
  Run({"MSET", "a", std::string(600, 'a'), "b", std::string(600, 'a')});
  EXPECT_EQ(Run({"LCS", "a", "b", "LEN"}),
            Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
  Run({"SET", "b", std::string(400, 'a')});
  EXPECT_EQ(Run({"LCS", "a", "b", "LEN"}), Int(400));
}

}  // namespace
}  // namespace strings_test
}  // namespace baton::testing
