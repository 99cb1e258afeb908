// Randomized model test: one seeded random sequence of commands over a small
// key space (strings, lists, hashes, sets, sorted sets, expiries, keyspace
// commands, transactions) is sent to baton and to Debian's redis-server 7.0
// side by side. Every reply must match: byte for byte where Redis's order is
// defined, as a multiset where it is not (SMEMBERS, hashtable-encoded hashes,
// SCAN), and by properties for random choices (SRANDMEMBER, SPOP,
// RANDOMKEY...). DEBUG DIGEST of both must agree along the way and at the
// end. Set BATON_MODEL_SEED to replay a failing seed (it is printed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace model_interop_test {
namespace {

using Args = std::vector<std::string>;

// How the two replies of a command are compared.
enum class Check : uint8_t {
  kExact,       // same reply
  kSorted,      // same array as a multiset (unspecified order)
  kHashOrder,   // exact for a listpack hash, as a multiset of pairs for a hashtable
  kTtl,         // same sign class: -2, -1 or positive
  kScan,        // full iteration, same set of elements (arg 1 key, or none)
  kRandMember,  // SRANDMEMBER / HRANDFIELD / ZRANDMEMBER properties
  kRandomKey,   // RANDOMKEY properties
  kSpop,        // SPOP properties, then the set is realigned on both
};

struct Cmd {
  Args args;
  Check check = Check::kExact;
};

std::string Render(const redisReply* r) {
  if (r == nullptr) return "<no reply>";
  switch (r->type) {
    case REDIS_REPLY_STRING:
      return "$" + std::string(r->str, r->len);
    case REDIS_REPLY_STATUS:
      return "+" + std::string(r->str, r->len);
    case REDIS_REPLY_ERROR:
      return "-" + std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return ":" + std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "nil";
    case REDIS_REPLY_ARRAY: {
      std::string out = "[";
      for (size_t i = 0; i < r->elements; ++i) {
        if (i != 0) out.append(",");
        out.append(Render(r->element[i]));
      }
      return out + "]";
    }
    default:
      return "type" + std::to_string(r->type);
  }
}

// Elements of an array reply, grouped `group` at a time, each group rendered.
std::vector<std::string> Groups(const redisReply* r, size_t group) {
  std::vector<std::string> out;
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i + group <= r->elements; i += group) {
    std::string g;
    for (size_t j = 0; j < group; ++j) g.append(Render(r->element[i + j])).append("|");
    out.push_back(g);
  }
  return out;
}

std::string SortedRender(const redisReply* r, size_t group) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return Render(r);
  std::vector<std::string> items = Groups(r, group);
  std::sort(items.begin(), items.end());
  std::string out = "sorted{";
  for (const auto& s : items) out.append(s).append(",");
  return out + "}";
}

std::string TtlClass(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_INTEGER) return Render(r);
  return r->integer >= 0 ? "positive" : Render(r);
}

class Side {
 public:
  explicit Side(redisContext* c) : c_(c) {}
  Reply Call(const Args& args) { return Command(c_, args); }
  std::string Str(const Args& args) { return Render(Call(args).get()); }

 private:
  redisContext* c_;
};

// The content of `key` on one side, for failure messages.
std::string Describe(Side& side, const std::string& key) {
  const std::string type = side.Str({"TYPE", key});
  std::string out = type + " " + side.Str({"OBJECT", "ENCODING", key}) + " ";
  if (type == "+zset") return out + side.Str({"ZRANGE", key, "0", "-1", "WITHSCORES"});
  if (type == "+set") return out + SortedRender(side.Call({"SMEMBERS", key}).get(), 1);
  if (type == "+hash") return out + SortedRender(side.Call({"HGETALL", key}).get(), 2);
  if (type == "+list") return out + side.Str({"LRANGE", key, "0", "-1"});
  return out + side.Str({"GET", key});
}

// The keys of the selected database whose DEBUG DIGEST-VALUE differs between
// the two sides, with their content on each.
std::string DescribeDifferences(Side& b, Side& r) {
  std::set<std::string> keys;
  for (Side* s : {&b, &r}) {
    Reply all = s->Call({"KEYS", "*"});
    if (all && all->type == REDIS_REPLY_ARRAY) {
      for (size_t i = 0; i < all->elements; ++i) {
        keys.emplace(all->element[i]->str, all->element[i]->len);
      }
    }
  }
  std::string out = "keys that differ:\n";
  for (const std::string& key : keys) {
    const Args digest = {"DEBUG", "DIGEST-VALUE", key};
    if (b.Str(digest) == r.Str(digest)) continue;
    out.append("  ").append(key).append("\n    baton: ").append(Describe(b, key));
    out.append("\n    redis: ").append(Describe(r, key)).append("\n");
  }
  return out;
}

class ModelInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveProgram("redis-server")) GTEST_SKIP() << "redis-server not installed";
    const Args args = {"--enable-debug-command", "yes"};
    baton_ = std::make_unique<ServerProcess>(args);
    redis_ = std::make_unique<ServerProcess>(args, "/usr/bin/redis-server");
    ASSERT_TRUE(baton_->Start()) << baton_->ReadLog();
    ASSERT_TRUE(redis_->Start()) << redis_->ReadLog();
    bc_ = baton_->Connect();
    rc_ = redis_->Connect();
    ASSERT_TRUE(bc_ && rc_);
  }

  void Run(uint64_t seed, int commands);

  std::unique_ptr<ServerProcess> baton_;
  std::unique_ptr<ServerProcess> redis_;
  Connection bc_;
  Connection rc_;
};

// The random command generator.
class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  uint64_t Pick(uint64_t n) { return rng_() % n; }
  bool Chance(int percent) { return Pick(100) < static_cast<uint64_t>(percent); }
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Pick(static_cast<uint64_t>(hi - lo + 1)));
  }
  std::string Num(int64_t lo, int64_t hi) { return std::to_string(Range(lo, hi)); }
  template <typename T>
  const T& OneOf(const std::vector<T>& v) {
    return v[Pick(v.size())];
  }

  // A key of the family `prefix`; sometimes a key of any family (WRONGTYPE).
  std::string Key(const std::string& prefix) {
    static const std::vector<std::string> kFamilies = {"s", "l", "h", "S", "z"};
    const std::string& p = Chance(4) ? OneOf(kFamilies) : prefix;
    return p + ":" + std::to_string(Pick(4));
  }
  std::string AnyKey() {
    static const std::vector<std::string> kFamilies = {"s", "l", "h", "S", "z"};
    return Key(OneOf(kFamilies));
  }

  // An element: short words, integers (intsets, integer listpack entries),
  // sometimes a long one (encoding conversions).
  std::string Member() {
    const uint64_t r = Pick(100);
    if (r < 45) return std::string(1, static_cast<char>('a' + Pick(12)));
    if (r < 85) return Num(-3, 20);
    if (r < 90) return Num(-100000, 5000000000);
    if (r < 95) return "member-" + Num(0, 30);
    if (r < 98) return std::string(70, static_cast<char>('A' + Pick(3)));
    return "";
  }
  std::string Value() {
    const uint64_t r = Pick(100);
    if (r < 40) return Num(-20, 100);
    if (r < 70) return "v" + Num(0, 9);
    if (r < 80) return OneOf<std::string>({"1.5", "-0.25", "3e2", "0.1", "10.50", "007", " 1"});
    if (r < 90) return std::string(static_cast<size_t>(Range(15, 50)), 'x');
    if (r < 97) return std::string(static_cast<size_t>(Range(60, 120)), 'y');
    return "";
  }
  std::string Score() {
    const uint64_t r = Pick(100);
    if (r < 50) return Num(0, 8);
    if (r < 80) {
      return OneOf<std::string>(
          {"1.5", "0.1", "-2.25", "-1", "10", "1e20", "2.5e-3", "3.0000000000000004", "-0"});
    }
    if (r < 90) return OneOf<std::string>({"inf", "-inf", "+inf", "4611686018427387904"});
    if (r < 97) return Num(-1000, 1000);
    return OneOf<std::string>({"abc", "nan", "1e", ""});  // invalid
  }
  std::string Index() {
    return Chance(80) ? Num(-6, 8) : OneOf<std::string>({"100", "-100", "x", "1.5"});
  }
  std::string ScoreBound() {
    const uint64_t r = Pick(10);
    std::string s = r < 7 ? Num(-1, 9) : OneOf<std::string>({"-inf", "+inf", "1.5", "0.1"});
    if (Chance(30)) s.insert(0, "(");
    if (Chance(2)) s = "x";
    return s;
  }
  std::string LexBound() {
    const uint64_t r = Pick(10);
    if (r == 0) return "-";
    if (r == 1) return "+";
    if (r == 2 && Chance(20)) return "bad";
    return std::string(Chance(50) ? "[" : "(") + std::string(1, static_cast<char>('a' + Pick(12)));
  }
  // A far-future absolute time in seconds (year 2100 and later): comparisons
  // between absolute and relative expiries are then the same on both servers.
  std::string AbsSeconds() { return std::to_string(4102444800 + Range(0, 100000)); }

  Cmd Next(bool in_multi);

 private:
  Cmd Strings();
  Cmd Lists();
  Cmd Hashes();
  Cmd Sets();
  Cmd ZSets();
  Cmd Lex();
  Cmd Bits();
  Cmd Keyspace(bool in_multi);

  std::mt19937_64 rng_;
};

Cmd Generator::Strings() {
  const std::string k = Key("s");
  switch (Pick(22)) {
    case 0:
    case 1: {
      Args a = {"SET", k, Value()};
      const uint64_t opt = Pick(10);
      if (opt == 0) a.push_back("NX");
      if (opt == 1) a.push_back("XX");
      if (opt == 2) a.insert(a.end(), {"EXAT", AbsSeconds()});
      if (opt == 3) a.push_back("KEEPTTL");
      if (opt == 4) a.insert(a.end(), {"EX", Num(1000, 9000)});
      if (opt == 5) a.push_back("GET");
      if (opt == 6) a.insert(a.end(), {"PXAT", AbsSeconds() + "123"});
      if (opt == 7) a.insert(a.end(), {"NX", "XX"});
      return {a};
    }
    case 2:
    case 3:
      return {{"GET", k}};
    case 4:
      return {{"APPEND", k, Value()}};
    case 5:
      return {{"INCR", k}};
    case 6:
      return {{"INCRBY", k, Chance(90) ? Num(-50, 50) : "x"}};
    case 7:
      return {{"DECRBY", k, Num(-5, 5)}};
    case 8:
      return {{"INCRBYFLOAT", k, OneOf<std::string>({"0.1", "1.5", "-2", "3e2", "1e-3", "x"})}};
    case 9:
      return {{"STRLEN", k}};
    case 10:
      return {{"GETRANGE", k, Index(), Index()}};
    case 11:
      return {{"SETRANGE", k, Num(0, 20), Value()}};
    case 12:
      return {{"MSET", k, Value(), Key("s"), Value()}};
    case 13:
      return {{"MGET", k, Key("s"), Key("s")}};
    case 14:
      return {{"GETDEL", k}};
    case 15:
      return {Chance(50) ? Args{"GETEX", k, "PERSIST"} : Args{"GETEX", k, "EXAT", AbsSeconds()}};
    case 16:
      return {{"SETNX", k, Value()}};
    case 17:
      return {{"GETSET", k, Value()}};
    case 18:
      return {{"SETBIT", k, Num(0, 40), Num(0, 1)}};
    case 19:
      return {{"BITCOUNT", k}};
    case 20:
      return {{"MSETNX", k, Value(), Key("s"), Value()}};
    default:
      return {{"DECR", k}};
  }
}

Cmd Generator::Lists() {
  const std::string k = Key("l");
  auto side = [this] { return std::string(Chance(50) ? "LEFT" : "RIGHT"); };
  switch (Pick(22)) {
    case 0:
    case 1:
    case 2: {
      Args a = {Chance(50) ? "LPUSH" : "RPUSH", k};
      const int64_t n = Chance(10) ? Range(10, 40) : Range(1, 4);
      for (int64_t i = 0; i < n; ++i) a.push_back(Member());
      return {a};
    }
    case 3:
      return {{Chance(50) ? "LPUSHX" : "RPUSHX", k, Member()}};
    case 4:
    case 5: {
      Args a = {Chance(50) ? "LPOP" : "RPOP", k};
      if (Chance(40)) a.push_back(Chance(95) ? Num(0, 5) : "-1");
      return {a};
    }
    case 6:
    case 7:
      return {{"LRANGE", k, Index(), Index()}};
    case 8:
      return {{"LINDEX", k, Index()}};
    case 9:
      return {{"LSET", k, Index(), Member()}};
    case 10:
      return {{"LINSERT", k, Chance(50) ? "BEFORE" : "AFTER", Member(), Member()}};
    case 11:
      return {{"LREM", k, Num(-2, 2), Member()}};
    case 12:
      return {{"LTRIM", k, Num(-3, 3), Num(-3, 10)}};
    case 13:
      return {{"LLEN", k}};
    case 14: {
      Args a = {"LPOS", k, Member()};
      if (Chance(40)) a.insert(a.end(), {"RANK", OneOf<std::string>({"1", "-1", "2", "-2", "0"})});
      if (Chance(40)) a.insert(a.end(), {"COUNT", Num(0, 3)});
      if (Chance(20)) a.insert(a.end(), {"MAXLEN", Num(0, 5)});
      return {a};
    }
    case 15:
    case 16:
      return {{"LMOVE", k, Key("l"), side(), side()}};
    case 17:
      return {{"RPOPLPUSH", k, Key("l")}};
    case 18: {
      Args a = {"LMPOP", "2", k, Key("l"), side()};
      if (Chance(50)) a.insert(a.end(), {"COUNT", Num(1, 4)});
      return {a};
    }
    case 19:
      return {{"SORT", k, "ALPHA", "LIMIT", Num(0, 3), Num(1, 5)}};
    case 20:
      return {{"SORT", k, "DESC"}};
    default:
      return {{"LRANGE", k, "0", "-1"}};
  }
}

Cmd Generator::Hashes() {
  const std::string k = Key("h");
  auto field = [this] { return Chance(70) ? "f" + Num(0, 12) : Member(); };
  switch (Pick(18)) {
    case 0:
    case 1:
    case 2: {
      Args a = {"HSET", k};
      const int64_t n = Chance(10) ? Range(5, 12) : Range(1, 3);
      for (int64_t i = 0; i < n; ++i) a.insert(a.end(), {field(), Value()});
      return {a};
    }
    case 3:
      return {{"HSETNX", k, field(), Value()}};
    case 4:
    case 5:
      return {{"HGET", k, field()}};
    case 6:
      return {{"HMGET", k, field(), field(), field()}};
    case 7:
      return {{"HDEL", k, field(), field()}};
    case 8:
      return {{"HLEN", k}};
    case 9:
      return {{"HEXISTS", k, field()}};
    case 10:
      return {{"HINCRBY", k, field(), Chance(95) ? Num(-10, 10) : "1.5"}};
    case 11:
      return {{"HINCRBYFLOAT", k, field(), OneOf<std::string>({"0.1", "2.5", "-1", "1e3", "x"})}};
    case 12:
      return {{"HGETALL", k}, Check::kHashOrder};
    case 13:
      return {{Chance(50) ? "HKEYS" : "HVALS", k}, Check::kHashOrder};
    case 14:
      return {{"HSTRLEN", k, field()}};
    case 15: {
      Args a = {"HRANDFIELD", k};
      if (Chance(70)) a.push_back(Num(-6, 6));
      if (a.size() == 3 && Chance(50)) a.push_back("WITHVALUES");
      return {a, Check::kRandMember};
    }
    case 16:
      return {{"HSCAN", k, "0", "COUNT", Num(1, 10)}, Check::kScan};
    default:
      return {{"OBJECT", "ENCODING", k}};
  }
}

Cmd Generator::Sets() {
  const std::string k = Key("S");
  switch (Pick(20)) {
    case 0:
    case 1:
    case 2: {
      Args a = {"SADD", k};
      const int64_t n = Chance(10) ? Range(5, 15) : Range(1, 4);
      for (int64_t i = 0; i < n; ++i) a.push_back(Member());
      return {a};
    }
    case 3:
    case 4:
      return {{"SREM", k, Member(), Member()}};
    case 5:
      return {{"SISMEMBER", k, Member()}};
    case 6:
      return {{"SMISMEMBER", k, Member(), Member()}};
    case 7:
      return {{"SCARD", k}};
    case 8:
      return {{"SMEMBERS", k}, Check::kSorted};
    case 9:
      return {{OneOf<std::string>({"SINTER", "SUNION", "SDIFF"}), k, Key("S")}, Check::kSorted};
    case 10:
    case 11:
      return {{OneOf<std::string>({"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}), Key("S"), k,
               Key("S")}};
    case 12: {
      Args a = {"SINTERCARD", "2", k, Key("S")};
      if (Chance(40)) a.insert(a.end(), {"LIMIT", Num(0, 3)});
      return {a};
    }
    case 13:
      return {{"SMOVE", k, Key("S"), Member()}};
    case 14: {
      Args a = {"SPOP", k};
      if (Chance(50)) a.push_back(Num(0, 4));
      return {a, Check::kSpop};
    }
    case 15: {
      Args a = {"SRANDMEMBER", k};
      if (Chance(70)) a.push_back(Num(-6, 6));
      return {a, Check::kRandMember};
    }
    case 16:
      return {{"SSCAN", k, "0", "COUNT", Num(1, 10)}, Check::kScan};
    case 17:
      return {{"SORT", k, "ALPHA", "DESC"}};
    default:
      return {{"OBJECT", "ENCODING", k}};
  }
}

Cmd Generator::ZSets() {
  const std::string k = Key("z");
  auto with_scores = [this](Args a) {
    if (Chance(40)) a.push_back("WITHSCORES");
    return a;
  };
  auto limit = [this](Args a) {
    if (Chance(30)) a.insert(a.end(), {"LIMIT", Num(-1, 3), Num(-1, 4)});
    return a;
  };
  switch (Pick(32)) {
    case 14:
    case 16:
    case 17:
    case 20:
    case 0:
    case 1:
    case 2:
    case 3: {
      Args a = {"ZADD", k};
      if (Chance(30)) {
        a.push_back(OneOf<std::string>({"NX", "XX", "GT", "LT", "CH", "INCR"}));
        if (Chance(30)) a.push_back(OneOf<std::string>({"NX", "XX", "GT", "LT", "CH"}));
      }
      const int64_t n = Chance(10) ? Range(5, 14) : Range(1, 3);
      for (int64_t i = 0; i < n; ++i) a.insert(a.end(), {Score(), Member()});
      return {a};
    }
    case 4:
      return {{"ZINCRBY", k, Score(), Member()}};
    case 5:
      return {{"ZREM", k, Member(), Member()}};
    case 6:
      return {{"ZSCORE", k, Member()}};
    case 7:
      return {{"ZMSCORE", k, Member(), Member()}};
    case 8:
      return {{Chance(50) ? "ZRANK" : "ZREVRANK", k, Member()}};
    case 9:
      return {{"ZCARD", k}};
    case 10:
      return {{"ZCOUNT", k, ScoreBound(), ScoreBound()}};
    case 11:
    case 12:
      return {with_scores({Chance(50) ? "ZRANGE" : "ZREVRANGE", k, Index(), Index()})};
    case 13: {
      Args a = {"ZRANGE", k, ScoreBound(), ScoreBound(), "BYSCORE"};
      if (Chance(50)) a.push_back("REV");
      return {with_scores(limit(a))};
    }
    case 15:
      return {with_scores(limit(
          {Chance(50) ? "ZRANGEBYSCORE" : "ZREVRANGEBYSCORE", k, ScoreBound(), ScoreBound()}))};
    case 18:
      return {{"ZREMRANGEBYRANK", k, Index(), Index()}};
    case 19:
      return {{"ZREMRANGEBYSCORE", k, ScoreBound(), ScoreBound()}};
    case 21: {
      Args a = {Chance(50) ? "ZPOPMIN" : "ZPOPMAX", k};
      if (Chance(50)) a.push_back(Num(0, 3));
      return {a};
    }
    case 22: {
      Args a = {"ZMPOP", "2", k, Key("z"), Chance(50) ? "MIN" : "MAX"};
      if (Chance(50)) a.insert(a.end(), {"COUNT", Num(1, 3)});
      return {a};
    }
    case 23:
    case 24: {
      const std::string op = OneOf<std::string>({"ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"});
      Args a = {op, Key("z"), "2", k, Chance(70) ? Key("z") : Key("S")};
      if (op != "ZDIFFSTORE" && Chance(40)) a.insert(a.end(), {"WEIGHTS", Score(), Num(-2, 3)});
      if (op != "ZDIFFSTORE" && Chance(40)) {
        a.insert(a.end(), {"AGGREGATE", OneOf<std::string>({"SUM", "MIN", "MAX"})});
      }
      return {a};
    }
    case 25: {
      const std::string op = OneOf<std::string>({"ZUNION", "ZINTER", "ZDIFF"});
      Args a = {op, "2", k, Key("z")};
      if (op != "ZDIFF" && Chance(30)) a.insert(a.end(), {"WEIGHTS", Num(-1, 2), "0.5"});
      return {with_scores(a)};
    }
    case 26:
      return {{"ZRANGESTORE", Key("z"), k, Index(), Index()}};
    case 27: {
      Args a = {"ZINTERCARD", "2", k, Key("z")};
      if (Chance(40)) a.insert(a.end(), {"LIMIT", Num(0, 3)});
      return {a};
    }
    case 28: {
      Args a = {"ZRANDMEMBER", k};
      if (Chance(70)) a.push_back(Num(-6, 6));
      if (a.size() == 3 && Chance(50)) a.push_back("WITHSCORES");
      return {a, Check::kRandMember};
    }
    case 29:
      return {{"ZSCAN", k, "0", "COUNT", Num(1, 10)}, Check::kScan};
    case 30:
      return {{"OBJECT", "ENCODING", k}};
    default:
      return {{"ZRANGE", k, "0", "-1", "WITHSCORES"}};
  }
}

// Lex ranges are defined only when all scores are equal (Redis's answer
// otherwise depends on its skiplist's random levels), so they get their own
// keys, "x:N", whose members all have score 0.
// Bit operations and HyperLogLogs, on the string keys.
Cmd Generator::Bits() {
  const std::string k = Key("s");
  auto unit = [this] { return std::string(Chance(50) ? "BYTE" : "BIT"); };
  auto type = [this] {
    return OneOf<std::string>({"u1", "u8", "i5", "i8", "u16", "i16", "u63", "i64", "i65"});
  };
  auto offset = [this] { return Chance(30) ? "#" + Num(0, 5) : Num(0, 70); };
  auto hll = [this] { return Key("s"); };
  switch (Pick(12)) {
    case 0:
      return {{"GETBIT", k, Num(0, 70)}};
    case 1: {
      Args a = {"BITPOS", k, Num(0, 1)};
      if (Chance(60)) a.push_back(Index());
      if (a.size() == 4 && Chance(60)) a.push_back(Index());
      if (a.size() == 5 && Chance(50)) a.push_back(unit());
      return {a};
    }
    case 2: {
      Args a = {"BITCOUNT", k};
      if (Chance(70)) a.insert(a.end(), {Index(), Index()});
      if (a.size() == 4 && Chance(50)) a.push_back(unit());
      return {a};
    }
    case 3: {
      const std::string op = OneOf<std::string>({"AND", "OR", "XOR", "NOT"});
      Args a = {"BITOP", op, Key("s"), k};
      if (op != "NOT" || Chance(10)) a.push_back(Key("s"));
      return {a};
    }
    case 4:
    case 5: {
      Args a = {Chance(85) ? "BITFIELD" : "BITFIELD_RO", k};
      const int64_t n = Range(1, 3);
      for (int64_t i = 0; i < n; ++i) {
        switch (Pick(4)) {
          case 0:
            a.insert(a.end(), {"GET", type(), offset()});
            break;
          case 1:
            a.insert(a.end(), {"SET", type(), offset(), Num(-300, 300)});
            break;
          case 2:
            a.insert(a.end(), {"INCRBY", type(), offset(), Num(-200, 200)});
            break;
          default:
            a.insert(a.end(), {"OVERFLOW", OneOf<std::string>({"WRAP", "SAT", "FAIL", "x"})});
            break;
        }
      }
      return {a};
    }
    // HyperLogLogs share the string keys with the bit commands, which
    // corrupt sketches now and then: Redis's INVALIDOBJ checks get exercised.
    case 6:
    case 7: {
      Args a = {"PFADD", hll()};
      const int64_t n = Chance(10) ? Range(50, 300) : Range(0, 4);
      for (int64_t i = 0; i < n; ++i) a.push_back(Member() + Num(0, 1000));
      return {a};
    }
    case 8:
    case 9:
      return {Chance(70) ? Args{"PFCOUNT", hll()} : Args{"PFCOUNT", hll(), hll()}};
    case 10:
      return {{"PFMERGE", hll(), hll(), hll()}};
    default:
      return {{"SETEX", k, Chance(90) ? Num(1000, 9000) : "0", Value()}};
  }
}

Cmd Generator::Lex() {
  const std::string k = "x:" + std::to_string(Pick(3));
  auto limit = [this](Args a) {
    if (Chance(30)) a.insert(a.end(), {"LIMIT", Num(-1, 3), Num(-1, 4)});
    return a;
  };
  switch (Pick(8)) {
    case 0:
    case 1:
    case 2: {
      Args a = {"ZADD", k};
      if (Chance(20)) a.push_back(OneOf<std::string>({"NX", "XX", "CH"}));
      const int64_t n = Chance(10) ? Range(5, 12) : Range(1, 3);
      for (int64_t i = 0; i < n; ++i) a.insert(a.end(), {"0", Member()});
      return {a};
    }
    case 3: {
      Args a = {"ZRANGE", k, LexBound(), LexBound(), "BYLEX"};
      if (Chance(50)) a.push_back("REV");
      return {limit(a)};
    }
    case 4:
      return {limit({Chance(50) ? "ZRANGEBYLEX" : "ZREVRANGEBYLEX", k, LexBound(), LexBound()})};
    case 5:
      return {{"ZLEXCOUNT", k, LexBound(), LexBound()}};
    case 6:
      return {{"ZREMRANGEBYLEX", k, LexBound(), LexBound()}};
    default:
      return {{Chance(50) ? "ZREM" : "ZSCORE", k, Member()}};
  }
}

Cmd Generator::Keyspace(bool in_multi) {
  const std::string k = AnyKey();
  switch (Pick(in_multi ? 16 : 24)) {
    case 0:
      return {{"DEL", k, AnyKey()}};
    case 1:
      return {{"UNLINK", k}};
    case 2:
      return {{"EXISTS", k, AnyKey(), k}};
    case 3:
      return {{"TYPE", k}};
    case 4:
      return {{"RENAME", k, AnyKey()}};
    case 5:
      return {{"RENAMENX", k, AnyKey()}};
    case 6: {
      Args a = {"COPY", k, AnyKey()};
      if (Chance(50)) a.push_back("REPLACE");
      return {a};
    }
    case 7:
      return {{"MOVE", k, "1"}};
    case 8: {
      Args a = {"EXPIREAT", k, AbsSeconds()};
      if (Chance(40)) a.push_back(OneOf<std::string>({"NX", "XX", "GT", "LT"}));
      return {a};
    }
    case 9:
      return {{"PEXPIREAT", k, AbsSeconds() + Num(100, 999)}};
    case 10: {
      Args a = {"EXPIRE", k, Num(1000, 90000)};
      if (Chance(30)) a.push_back(Chance(50) ? "NX" : "XX");
      return {a};
    }
    case 11:
      return {{"PERSIST", k}};
    case 12:
      return {{"OBJECT", "ENCODING", k}};
    case 13:
      return {{"TOUCH", k, AnyKey()}};
    case 14:
      return {{"DBSIZE"}};
    case 15:
      return {{"DEBUG", "DIGEST-VALUE", k, AnyKey()}};
    // Not inside MULTI: replies compared by class or by properties.
    case 16:
    case 17:
      return {{OneOf<std::string>({"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}), k}, Check::kTtl};
    case 18:
      return {{"KEYS", Chance(70) ? "*" : OneOf<std::string>({"z:*", "?:1", "[sl]:*"})},
              Check::kSorted};
    case 19:
      return {{"SCAN", "0", "COUNT", Num(1, 10)}, Check::kScan};
    case 20:
      return {{"RANDOMKEY"}, Check::kRandomKey};
    case 21:
      return {Chance(20) ? Args{"FLUSHDB"} : Args{"SWAPDB", "0", "1"}};
    case 22:
      return {{Chance(50) ? "BLPOP" : "BZPOPMIN", Key(Chance(50) ? "l" : "z"), "0.01"}};
    default:
      return {{"DEBUG", "DIGEST"}};
  }
}

Cmd Generator::Next(bool in_multi) {
  for (;;) {
    Cmd c;
    switch (Pick(14)) {
      case 0:
      case 1:
        c = Strings();
        break;
      case 2:
      case 3:
        c = Lists();
        break;
      case 4:
      case 5:
        c = Hashes();
        break;
      case 6:
      case 7:
        c = Sets();
        break;
      case 8:
      case 9:
      case 10:
        c = ZSets();
        break;
      case 11:
        c = Lex();
        break;
      case 12:
        c = Bits();
        break;
      default:
        c = Keyspace(in_multi);
        break;
    }
    if (!in_multi || c.check == Check::kExact) return c;
  }
}

// What a whole SCAN-family iteration returned, as a sorted set of rendered
// elements (or pairs), plus any error.
std::string FullScan(Side& side, const Args& first) {
  const bool pairs = first[0] == "HSCAN" || first[0] == "ZSCAN";
  std::set<std::string> seen;
  Args args = first;
  const size_t cursor_at = first[0] == "SCAN" ? 1 : 2;
  for (int rounds = 0; rounds < 10000; ++rounds) {
    Reply r = side.Call(args);
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return Render(r.get());
    for (const std::string& g : Groups(r->element[1], pairs ? 2 : 1)) seen.insert(g);
    args[cursor_at] = std::string(r->element[0]->str, r->element[0]->len);
    if (args[cursor_at] == "0") break;
  }
  std::string out;
  for (const auto& s : seen) out.append(s).append(",");
  return out;
}

// Checks a random-member reply against the collection's content on the same
// server. Returns an empty string when it holds, else a description.
std::string CheckRandMember(Side& side, const Args& args, const redisReply* r) {
  const std::string& cmd = args[0];
  const std::string& key = args[1];
  const bool with_values = args.size() == 4;
  std::map<std::string, std::string> content;  // rendered member -> rendered value
  if (cmd == "SRANDMEMBER") {
    Reply all = side.Call({"SMEMBERS", key});
    for (const auto& m : Groups(all.get(), 1)) content[m] = "";
  } else {
    Reply all = side.Call(cmd == "HRANDFIELD" ? Args{"HGETALL", key}
                                              : Args{"ZRANGE", key, "0", "-1", "WITHSCORES"});
    if (all && all->type == REDIS_REPLY_ARRAY) {
      for (size_t i = 0; i + 1 < all->elements; i += 2) {
        content[Render(all->element[i]) + "|"] = Render(all->element[i + 1]);
      }
    }
  }
  if (args.size() == 2) {
    if (content.empty()) return r->type == REDIS_REPLY_NIL ? "" : "expected nil";
    return content.count(Render(r) + "|") != 0 ? "" : "not a member: " + Render(r);
  }
  if (r->type != REDIS_REPLY_ARRAY) return "expected an array: " + Render(r);
  const int64_t count = std::stoll(args[2]);
  const size_t group = with_values ? 2 : 1;
  const size_t n = r->elements / group;
  const size_t want = count >= 0 ? std::min<size_t>(static_cast<size_t>(count), content.size())
                                 : (content.empty() ? 0 : static_cast<size_t>(-count));
  if (n != want || r->elements % group != 0) return "wrong count: " + Render(r);
  std::set<std::string> distinct;
  for (size_t i = 0; i < r->elements; i += group) {
    const std::string m = Render(r->element[i]) + "|";
    auto it = content.find(m);
    if (it == content.end()) return "not a member: " + m;
    if (with_values && it->second != Render(r->element[i + 1])) return "wrong value for " + m;
    distinct.insert(m);
  }
  if (count >= 0 && distinct.size() != n) return "duplicates: " + Render(r);
  return "";
}

void ModelInteropTest::Run(uint64_t seed, int commands) {
  Side b(bc_.get());
  Side r(rc_.get());
  // Every seed starts from the same empty state, so that it replays alone.
  for (const Args& reset : {Args{"FLUSHALL"}, Args{"SELECT", "0"}}) {
    ASSERT_EQ(b.Str(reset), r.Str(reset)) << reset[0];
  }
  // Small encoding limits so conversions happen within a few elements.
  for (const Args& cfg : {Args{"CONFIG", "SET", "hash-max-listpack-entries", "8"},
                          Args{"CONFIG", "SET", "hash-max-listpack-value", "32"},
                          Args{"CONFIG", "SET", "zset-max-listpack-entries", "8"},
                          Args{"CONFIG", "SET", "zset-max-listpack-value", "32"},
                          Args{"CONFIG", "SET", "set-max-intset-entries", "8"},
                          Args{"CONFIG", "SET", "list-max-listpack-size", "4"}}) {
    ASSERT_EQ(b.Str(cfg), r.Str(cfg)) << cfg[2];
  }

  Generator gen(seed);
  std::deque<std::string> recent;  // the last commands, for failure messages
  int failures = 0;
  auto context = [&] {
    std::ostringstream os;
    os << "seed " << seed << " (BATON_MODEL_SEED=" << seed << " to replay); last commands:\n";
    for (const auto& line : recent) os << "  " << line << "\n";
    return os.str();
  };
  auto expect_same = [&](const std::string& from_baton, const std::string& from_redis) {
    if (from_baton == from_redis) return;
    ++failures;
    ADD_FAILURE() << "baton: " << from_baton << "\nredis: " << from_redis << "\n" << context();
  };
  auto note = [&](const Args& args) {
    std::string line;
    for (const auto& a : args) line.append(a.size() > 40 ? a.substr(0, 37) + "..." : a).append(" ");
    recent.push_back(line);
    if (recent.size() > 25) recent.pop_front();
  };

  // BATON_MODEL_DIGEST_EVERY=1 finds the first command after which the
  // datasets differ.
  const char* every_env = std::getenv("BATON_MODEL_DIGEST_EVERY");
  const int digest_every = every_env != nullptr ? std::max(1, std::atoi(every_env)) : 250;
  bool in_multi = false;
  int multi_left = 0;
  for (int i = 0; i < commands && failures < 5; ++i) {
    // Transactions: MULTI, a few commands, EXEC (or DISCARD), sometimes
    // behind a WATCH that the commands in between may break.
    if (!in_multi && gen.Chance(3)) {
      if (gen.Chance(40)) {
        const Args watch = {"WATCH", gen.AnyKey()};
        note(watch);
        expect_same(b.Str(watch), r.Str(watch));
        const Cmd between = gen.Next(true);
        note(between.args);
        expect_same(b.Str(between.args), r.Str(between.args));
      }
      note({"MULTI"});
      expect_same(b.Str({"MULTI"}), r.Str({"MULTI"}));
      in_multi = true;
      multi_left = static_cast<int>(gen.Range(1, 5));
      continue;
    }
    if (in_multi && multi_left == 0) {
      const Args end = {gen.Chance(10) ? "DISCARD" : "EXEC"};
      note(end);
      expect_same(b.Str(end), r.Str(end));
      in_multi = false;
      continue;
    }
    Cmd cmd = gen.Next(in_multi);
    if (in_multi) --multi_left;
    note(cmd.args);
    switch (cmd.check) {
      case Check::kExact:
        expect_same(b.Str(cmd.args), r.Str(cmd.args));
        break;
      case Check::kSorted: {
        Reply rb = b.Call(cmd.args);
        Reply rr = r.Call(cmd.args);
        expect_same(SortedRender(rb.get(), 1), SortedRender(rr.get(), 1));
        break;
      }
      case Check::kHashOrder: {
        const size_t group = cmd.args[0] == "HGETALL" ? 2 : 1;
        const bool table = r.Str({"OBJECT", "ENCODING", cmd.args[1]}) == "$hashtable";
        Reply rb = b.Call(cmd.args);
        Reply rr = r.Call(cmd.args);
        if (table) {
          expect_same(SortedRender(rb.get(), group), SortedRender(rr.get(), group));
        } else {
          expect_same(Render(rb.get()), Render(rr.get()));
        }
        break;
      }
      case Check::kTtl: {
        Reply rb = b.Call(cmd.args);
        Reply rr = r.Call(cmd.args);
        expect_same(TtlClass(rb.get()), TtlClass(rr.get()));
        break;
      }
      case Check::kScan:
        expect_same(FullScan(b, cmd.args), FullScan(r, cmd.args));
        break;
      case Check::kRandMember: {
        Reply rb = b.Call(cmd.args);
        Reply rr = r.Call(cmd.args);
        if (rb == nullptr || rr == nullptr || rr->type == REDIS_REPLY_ERROR ||
            rb->type == REDIS_REPLY_ERROR) {
          expect_same(Render(rb.get()), Render(rr.get()));
          break;
        }
        expect_same(CheckRandMember(b, cmd.args, rb.get()), "");
        expect_same(CheckRandMember(r, cmd.args, rr.get()), "");
        break;
      }
      case Check::kRandomKey: {
        Reply rb = b.Call(cmd.args);
        const bool empty = b.Str({"DBSIZE"}) == ":0";
        if (rb == nullptr || rb->type != REDIS_REPLY_STRING) {
          expect_same(Render(rb.get()), empty ? "nil" : "a key");
        } else {
          expect_same(b.Str({"EXISTS", std::string(rb->str, rb->len)}), ":1");
        }
        Reply rr = r.Call(cmd.args);
        expect_same(rb ? std::to_string(rb->type) : "", rr ? std::to_string(rr->type) : "");
        break;
      }
      case Check::kSpop: {
        const std::string& key = cmd.args[1];
        const std::string before = SortedRender(b.Call({"SMEMBERS", key}).get(), 1);
        Reply rb = b.Call(cmd.args);
        Reply rr = r.Call(cmd.args);
        if (rb == nullptr || rr == nullptr || rb->type != rr->type ||
            (rb->type != REDIS_REPLY_ARRAY && rb->type != REDIS_REPLY_STRING)) {
          expect_same(Render(rb.get()), Render(rr.get()));
        } else {
          // Same number popped, each from the set, none twice.
          const std::vector<std::string> popped_b =
              rb->type == REDIS_REPLY_ARRAY ? Groups(rb.get(), 1)
                                            : std::vector<std::string>{Render(rb.get()) + "|"};
          const std::vector<std::string> popped_r =
              rr->type == REDIS_REPLY_ARRAY ? Groups(rr.get(), 1)
                                            : std::vector<std::string>{Render(rr.get()) + "|"};
          expect_same(std::to_string(popped_b.size()), std::to_string(popped_r.size()));
          std::set<std::string> distinct;
          for (const auto& m : popped_b) {
            if (before.find("{" + m) == std::string::npos &&
                before.find("," + m) == std::string::npos) {
              expect_same("popped a non-member " + m, "");
            }
            distinct.insert(m);
          }
          expect_same(std::to_string(distinct.size()), std::to_string(popped_b.size()));
        }
        // Realign: rebuild the set identically on both from redis's content,
        // keeping its TTL.
        if (SortedRender(b.Call({"SMEMBERS", key}).get(), 1) !=
            SortedRender(r.Call({"SMEMBERS", key}).get(), 1)) {
          Reply members = r.Call({"SMEMBERS", key});
          Reply expire = r.Call({"PEXPIRETIME", key});
          Args add = {"SADD", key};
          for (size_t j = 0; members && j < members->elements; ++j) {
            add.emplace_back(members->element[j]->str, members->element[j]->len);
          }
          std::sort(add.begin() + 2, add.end());
          for (Side* s : {&b, &r}) {
            s->Call({"DEL", key});
            if (add.size() > 2) s->Call(add);
            if (expire && expire->integer > 0) {
              s->Call({"PEXPIREAT", key, std::to_string(expire->integer)});
            }
          }
        }
        break;
      }
    }
    if (i % digest_every == 0 && !in_multi) {
      note({"DEBUG", "DIGEST"});
      const std::string from_baton = b.Str({"DEBUG", "DIGEST"});
      const std::string from_redis = r.Str({"DEBUG", "DIGEST"});
      if (from_baton != from_redis && failures == 0) {
        ADD_FAILURE() << DescribeDifferences(b, r);
      }
      expect_same(from_baton, from_redis);
    }
  }
  if (in_multi) {
    note({"EXEC"});
    expect_same(b.Str({"EXEC"}), r.Str({"EXEC"}));
  }
  note({"DEBUG", "DIGEST"});
  expect_same(b.Str({"DEBUG", "DIGEST"}), r.Str({"DEBUG", "DIGEST"}));
  for (const std::string db : {"0", "1"}) {
    expect_same(b.Str({"SELECT", db}), r.Str({"SELECT", db}));
    expect_same(SortedRender(b.Call({"KEYS", "*"}).get(), 1),
                SortedRender(r.Call({"KEYS", "*"}).get(), 1));
  }
  EXPECT_NE(r.Str({"DEBUG", "DIGEST"}), "+" + std::string(40, '0')) << "seed " << seed;
}

uint64_t SeedFromEnv(uint64_t fallback) {
  const char* s = std::getenv("BATON_MODEL_SEED");
  return s != nullptr ? std::strtoull(s, nullptr, 10) : fallback;
}

TEST_F(ModelInteropTest, RandomCommandsMatchRedis) { Run(SeedFromEnv(20240611), 3000); }

TEST_F(ModelInteropTest, RandomCommandsMatchRedisSecondSeed) {
  if (std::getenv("BATON_MODEL_SEED") != nullptr) GTEST_SKIP() << "replaying one seed";
  Run(77, 2000);
}

// More, shorter sequences. Seeds 102, 116, 221, 301, 497 and 604 found the
// ZINTER NaN, ZRANGESTORE -0 and LTRIM/WATCH differences in sweeps of 1300
// seeds (before the bit and HyperLogLog commands joined the generator, which
// changed every seed's sequence; unit tests pin those fixes).
TEST_F(ModelInteropTest, RandomCommandsMatchRedisManySeeds) {
  if (std::getenv("BATON_MODEL_SEED") != nullptr) GTEST_SKIP() << "replaying one seed";
  for (uint64_t seed : {1, 2, 3, 4, 5, 6, 7, 8, 102, 116, 221, 301, 497, 604}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Run(seed, 1500);
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace model_interop_test
}  // namespace baton::testing
