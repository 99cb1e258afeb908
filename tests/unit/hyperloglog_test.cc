// HyperLogLog: the representation (pure functions) and PFADD/PFCOUNT/PFMERGE.
// Expected bytes were captured from Redis 7.0.15 (GET after the same PFADDs);
// long strings are checked by length and FNV-1a 64 hash.
#include "baton/store/hyperloglog.h"

#include <cstdint>
#include <string>
#include <vector>

#include "baton/server/server.h"
#include "support/server_fixture.h"

namespace baton::testing {
namespace hyperloglog_test {
namespace {

namespace hll = store::hll;

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string Named(std::string_view prefix, int64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

// Bytes of a RESP bulk reply.
std::string BulkBody(const std::string& reply) {
  const size_t crlf = reply.find("\r\n");
  return reply.substr(crlf + 2, reply.size() - crlf - 4);
}

const std::string kAbc(
    "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42"
    "\x5a",
    27);
const std::string kAbcCounted(
    "HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42"
    "\x5a",
    27);
const std::string kAbcd(
    "HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x80\x5c\x7b\x80\x44\x76\x80\x50\xb1\x84\x4b"
    "\xfb\x80\x42\x5a",
    30);
const std::string kEmptyAdded("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff", 18);

TEST(HyperLogLogRepr, EmptyIsOneXZero) {
  const std::string s = hll::CreateEmpty();
  EXPECT_EQ(s, std::string("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff", 18));
  EXPECT_TRUE(hll::IsValid(s));
  uint64_t card = 99;
  EXPECT_TRUE(hll::CachedCardinality(s, &card));
  EXPECT_EQ(card, 0U);
  EXPECT_TRUE(hll::Count(s, &card));
  EXPECT_EQ(card, 0U);
}

TEST(HyperLogLogRepr, AddMatchesRedisBytes) {
  std::string s = hll::CreateEmpty();
  for (const char* e : {"a", "b", "c"}) {
    EXPECT_EQ(hll::Add(&s, e, hll::kDefaultSparseMaxBytes), hll::Change::kUpdated);
  }
  hll::InvalidateCache(&s);
  EXPECT_EQ(s, kAbc);
  EXPECT_EQ(hll::Add(&s, "a", hll::kDefaultSparseMaxBytes), hll::Change::kUnchanged);
  uint64_t card = 0;
  EXPECT_FALSE(hll::CachedCardinality(s, &card));
  ASSERT_TRUE(hll::Count(s, &card));
  EXPECT_EQ(card, 3U);
  hll::SetCachedCardinality(&s, card);
  EXPECT_EQ(s, kAbcCounted);
}

TEST(HyperLogLogRepr, HashPicksRegisterAndRun) {
  size_t index = 0;
  uint8_t count = 0;
  for (int i = 0; i < 1000; ++i) {
    hll::HashElement(Named("x", i), &index, &count);
    EXPECT_LT(index, hll::kRegisters);
    EXPECT_GE(count, 1);
    EXPECT_LE(count, hll::kHashBits + 1);
  }
  // MurmurHash64A depends on every byte, including the tail.
  EXPECT_NE(hll::MurmurHash64A("abcdefgh1", 0), hll::MurmurHash64A("abcdefgh2", 0));
  EXPECT_NE(hll::MurmurHash64A("a", 0), hll::MurmurHash64A("a", 1));
}

TEST(HyperLogLogRepr, DenseRegistersRoundTrip) {
  std::vector<uint8_t> regs(hll::kDenseSize - hll::kHeaderSize, 0);
  for (size_t i = 0; i < hll::kRegisters; ++i) {
    hll::DenseSet(regs.data(), i, static_cast<uint8_t>((i * 7) % 64));
  }
  for (size_t i = 0; i < hll::kRegisters; ++i) {
    ASSERT_EQ(hll::DenseGet(regs.data(), i), (i * 7) % 64) << i;
  }
}

TEST(HyperLogLogRepr, PromotesPastSparseLimitAndKeepsCount) {
  std::string sparse = hll::CreateEmpty();
  std::string dense = hll::CreateEmpty();
  ASSERT_TRUE(hll::ToDense(&dense));
  EXPECT_EQ(dense.size(), hll::kDenseSize);
  for (int i = 0; i < 2000; ++i) {
    hll::Add(&sparse, Named("e", i), 3000);
    hll::Add(&dense, Named("e", i), 3000);
  }
  EXPECT_FALSE(hll::IsSparse(sparse));
  EXPECT_EQ(sparse.size(), hll::kDenseSize);
  EXPECT_EQ(sparse, dense);
  uint64_t card = 0;
  ASSERT_TRUE(hll::Count(sparse, &card));
  EXPECT_EQ(card, 2000U);  // Redis 7.0.15 says 2000 too
}

TEST(HyperLogLogRepr, MergeAndRawCount) {
  std::string a = hll::CreateEmpty();
  std::string b = hll::CreateEmpty();
  ASSERT_TRUE(hll::ToDense(&b));
  for (int i = 0; i < 200; ++i) hll::Add(&a, Named("e", i), 3000);
  for (const char* e : {"a", "b", "c", "d"}) hll::Add(&b, e, 3000);
  hll::Registers max{};
  ASSERT_TRUE(hll::MergeInto(a, &max));
  ASSERT_TRUE(hll::MergeInto(b, &max));
  EXPECT_EQ(hll::CountRegisters(max), 204U);  // PFCOUNT n200 k1 (a b c d) on Redis
}

TEST(HyperLogLogRepr, CorruptSparseIsDetected) {
  std::string s = hll::CreateEmpty();
  s.back() = '\x00';  // XZERO now covers 16129 registers, not 16384
  EXPECT_TRUE(hll::IsValid(s));
  uint64_t card = 0;
  EXPECT_FALSE(hll::Count(s, &card));
  hll::Registers max{};
  EXPECT_FALSE(hll::MergeInto(s, &max));
  EXPECT_FALSE(hll::ToDense(&s));
  std::string overflow = hll::CreateEmpty();
  overflow.push_back('\0');  // one register too many
  EXPECT_FALSE(hll::Count(overflow, &card));
  std::string truncated = hll::CreateEmpty();
  truncated.resize(hll::kHeaderSize);
  EXPECT_EQ(hll::Add(&truncated, "a", 3000), hll::Change::kCorrupt);
  EXPECT_FALSE(hll::IsValid("HYLL"));
  EXPECT_FALSE(hll::IsValid(std::string("HYLX\x01", 5) + std::string(13, '\0')));
  EXPECT_FALSE(hll::IsValid(std::string("HYLL\x02", 5) + std::string(13, '\0')));
  EXPECT_FALSE(hll::IsValid(std::string("HYLL\x00", 5) + std::string(13, '\0')));
  // Zero runs past the last register: Redis's merge adds them up and
  // refuses the total (bytes a BITFIELD write left in a model-test sketch).
  std::string long_zeros = hll::CreateEmpty();
  long_zeros.resize(hll::kHeaderSize);
  long_zeros += std::string("\x41\xba\x84\x7e\x43\x76\x30", 7);  // 443 + 1 + 15940 + 13873
  EXPECT_TRUE(hll::IsValid(long_zeros));
  EXPECT_FALSE(hll::MergeInto(long_zeros, &max));
  EXPECT_FALSE(hll::Count(long_zeros, &card));
  EXPECT_FALSE(hll::ToDense(&long_zeros));
}

class HyperLogLogTest : public ServerFixture {
 protected:
  std::string Get(const std::string& key) { return BulkBody(Run({"GET", key})); }
  void AddRange(const std::string& key, int n) {
    for (int i = 0; i < n; i += 1000) {
      std::vector<std::string> args = {"PFADD", key};
      for (int j = i; j < std::min(n, i + 1000); ++j) args.push_back(Named("e", j));
      Run(args);
    }
  }
};

TEST_F(HyperLogLogTest, PfAddPfCountBytesMatchRedis) {
  EXPECT_EQ(Run({"PFADD", "k1", "a", "b", "c"}), Int(1));
  EXPECT_EQ(Get("k1"), kAbc);
  EXPECT_EQ(Run({"PFADD", "k1", "a", "b"}), Int(0));
  EXPECT_EQ(Run({"PFCOUNT", "k1"}), Int(3));
  EXPECT_EQ(Get("k1"), kAbcCounted);
  EXPECT_EQ(Run({"PFADD", "k1", "d"}), Int(1));
  EXPECT_EQ(Get("k1"), kAbcd);
  EXPECT_EQ(Run({"PFADD", "k0"}), Int(1));
  EXPECT_EQ(Get("k0"), kEmptyAdded);
  EXPECT_EQ(Run({"PFADD", "k0"}), Int(0));
  EXPECT_EQ(Run({"PFCOUNT", "nokey"}), Int(0));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "k1"}), Bulk("raw"));
}

TEST_F(HyperLogLogTest, LargerSketchesMatchRedis) {
  struct Case {
    int n;
    size_t len;
    uint64_t fnv;
    int64_t count;
    uint64_t fnv_counted;
  };
  const Case cases[] = {
      {200, 513, 0xf158567683abd43dULL, 200, 0xcf220b3b377acfd5ULL},
      {2000, 12304, 0x1b5576fa1f6b8092ULL, 2000, 0xdd4d26f186b57d33ULL},
      {100000, 12304, 0xafbf1713dc5ba3c8ULL, 100853, 0xfd1fc23694773e63ULL},
  };
  for (const Case& c : cases) {
    const std::string key = Named("n", c.n);
    AddRange(key, c.n);
    std::string bytes = Get(key);
    EXPECT_EQ(bytes.size(), c.len) << key;
    EXPECT_EQ(Fnv1a(bytes), c.fnv) << key;
    EXPECT_EQ(Run({"PFCOUNT", key}), Int(c.count)) << key;
    EXPECT_EQ(Fnv1a(Get(key)), c.fnv_counted) << key;
  }
  Run({"PFADD", "k1", "a", "b", "c", "d"});
  EXPECT_EQ(Run({"PFMERGE", "m", "n200", "k1"}), kOk);
  std::string m = Get("m");
  EXPECT_EQ(m.size(), 521U);
  EXPECT_EQ(Fnv1a(m), 0x202d3d26826b4c8bULL);
  EXPECT_EQ(Run({"PFCOUNT", "m"}), Int(204));
  EXPECT_EQ(Run({"PFMERGE", "m2", "n2000", "k1"}), kOk);
  std::string m2 = Get("m2");
  EXPECT_EQ(m2.size(), 12304U);
  EXPECT_EQ(Fnv1a(m2), 0xf0603a97ba10c485ULL);
  EXPECT_EQ(Run({"PFCOUNT", "m2"}), Int(2005));
  EXPECT_EQ(Run({"PFCOUNT", "n200", "n2000", "k1", "missing"}), Int(2005));
}

TEST_F(HyperLogLogTest, SketchesAreUnsharedToRaw) {
  const std::string empty = hll::CreateEmpty();
  for (const char* key : {"a", "b", "c"}) Run({"SET", key, empty});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "a"}), Bulk("embstr"));
  EXPECT_EQ(Run({"PFADD", "a"}), Int(0));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "a"}), Bulk("raw"));
  EXPECT_EQ(Run({"PFCOUNT", "b"}), Int(0));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "b"}), Bulk("raw"));
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "c"}), "+sparse\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "c"}), Bulk("raw"));
  EXPECT_EQ(Get("a"), empty);
}

TEST_F(HyperLogLogTest, SparseLimitIsConfigurable) {
  Run({"CONFIG", "SET", "hll-sparse-max-bytes", "0"});
  Run({"PFADD", "k", "a"});
  EXPECT_EQ(Get("k").size(), hll::kDenseSize);
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "k"}), "+dense\r\n");
  Run({"CONFIG", "SET", "hll-sparse-max-bytes", "3000"});
  Run({"PFADD", "s", "a"});
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "s"}), "+sparse\r\n");
}

TEST_F(HyperLogLogTest, WrongTypeAndCorruption) {
  const std::string not_hll = Err("WRONGTYPE Key is not a valid HyperLogLog string value.");
  const std::string wrong =
      Err("WRONGTYPE Operation against a key holding the wrong kind of value");
  Run({"SET", "str", "hello"});
  Run({"SET", "int", "12345"});
  Run({"LPUSH", "list", "x"});
  EXPECT_EQ(Run({"PFADD", "str", "a"}), not_hll);
  EXPECT_EQ(Run({"PFADD", "int", "a"}), not_hll);
  EXPECT_EQ(Run({"PFCOUNT", "str"}), not_hll);
  EXPECT_EQ(Run({"PFCOUNT", "str", "x"}), not_hll);
  EXPECT_EQ(Run({"PFMERGE", "d", "str"}), not_hll);
  EXPECT_EQ(Run({"PFADD", "list", "a"}), wrong);
  EXPECT_EQ(Run({"PFCOUNT", "list"}), wrong);
  EXPECT_EQ(Run({"PFMERGE", "list", "x"}), wrong);
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));

  // A sparse code that covers too few registers.
  std::string bad = hll::CreateEmpty();
  bad.back() = '\x00';
  hll::InvalidateCache(&bad);  // a valid cache would be answered without decoding
  Run({"SET", "bad", bad});
  const std::string corrupt = Err("INVALIDOBJ Corrupted HLL object detected");
  EXPECT_EQ(Run({"PFCOUNT", "bad"}), corrupt);
  EXPECT_EQ(Run({"PFCOUNT", "bad", "x"}), corrupt);
  EXPECT_EQ(Run({"PFMERGE", "d", "bad"}), corrupt);
  // A dense value of the wrong size is not a sketch at all.
  std::string short_dense = hll::CreateEmpty();
  short_dense[4] = '\x00';
  Run({"SET", "short", short_dense});
  EXPECT_EQ(Run({"PFCOUNT", "short"}), not_hll);
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
}

TEST_F(HyperLogLogTest, PfDebug) {
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "nokey"}), Err("ERR The specified key does not exist"));
  Run({"PFADD", "h", "a", "b", "c"});
  EXPECT_EQ(Run({"PFDEBUG", "DECODE", "h"}), Bulk("Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"));
  EXPECT_EQ(Run({"PFDEBUG", "FOO", "h"}), Err("ERR Unknown PFDEBUG subcommand 'FOO'"));
  EXPECT_EQ(Run({"PFDEBUG", "TODENSE", "h"}), Int(1));
  EXPECT_EQ(Run({"PFDEBUG", "TODENSE", "h"}), Int(0));
  EXPECT_EQ(Run({"PFDEBUG", "DECODE", "h"}), Err("ERR HLL encoding is not sparse"));
  EXPECT_EQ(Run({"PFCOUNT", "h"}), Int(3));
  const std::string regs = Run({"PFDEBUG", "GETREG", "h"});
  EXPECT_EQ(regs.substr(0, 8), "*16384\r\n");
}

}  // namespace
}  // namespace hyperloglog_test
}  // namespace baton::testing
