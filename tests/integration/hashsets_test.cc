// Hashes and sets against Debian's real redis-server: deterministic replies
// must be identical, and many small hashes/sets must cost Baton clearly less
// resident memory than Redis.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace hashsets_test {
namespace {

using Args = std::vector<std::string>;

// Type and text of a reply, recursively, for comparisons.
std::string Describe(const redisReply* r) {
  if (r == nullptr) return "(no reply)";
  std::string out = std::to_string(r->type);
  out += ':';
  if (r->type == REDIS_REPLY_INTEGER) {
    out += std::to_string(r->integer);
    return out;
  }
  if (r->str != nullptr) out.append(r->str, r->len);
  for (size_t i = 0; i < r->elements; ++i) {
    out += '[';
    out += Describe(r->element[i]);
    out += ']';
  }
  return out;
}

// Sends `commands` pipelined on one connection and returns the replies described.
std::vector<std::string> RunAll(const ServerProcess& server, const std::vector<Args>& commands) {
  Connection c = server.Connect();
  std::vector<std::string> out;
  if (c == nullptr) return out;
  for (const Args& cmd : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(c.get(), static_cast<int>(argv.size()), argv.data(), lens.data());
  }
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c.get(), &raw) != REDIS_OK) break;
    Reply r(static_cast<redisReply*>(raw));
    out.push_back(Describe(r.get()));
  }
  return out;
}

class HashSetsInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Both servers use Debian's libjemalloc, which keeps freed pages resident
    // for about ten seconds; the RSS deltas below would then depend on how
    // recently each server freed (say) an old hash table after growing it,
    // i.e. on the host's speed. With decay off, freed pages leave RSS at
    // once in both, and the deltas measure live memory. The children
    // inherit the variable; each test runs in its own process under ctest.
    setenv("MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0", 1);
    ASSERT_TRUE(baton_.Start());
    ASSERT_TRUE(redis_.Start());
    unsetenv("MALLOC_CONF");
  }
  ServerProcess baton_{{"--save", ""}};
  ServerProcess redis_{{"--save", "", "--appendonly", "no"}, "/usr/bin/redis-server"};
};

TEST_F(HashSetsInteropTest, DeterministicRepliesMatchRedis) {
  const std::vector<Args> script = {
      {"CONFIG", "SET", "hash-max-listpack-entries", "4"},
      {"CONFIG", "SET", "set-max-intset-entries", "4"},
      {"HSET", "h", "a", "1", "b", "2", "c", "3"},
      {"HINCRBY", "h", "a", "41"},
      {"HINCRBYFLOAT", "h", "f", "2.50"},
      {"HINCRBYFLOAT", "h", "b", "x"},
      {"HGETALL", "h"},
      {"OBJECT", "ENCODING", "h"},
      {"HSET", "h", "d", "4", "e", "5"},
      {"OBJECT", "ENCODING", "h"},
      {"HMGET", "h", "a", "zz", "e"},
      {"HDEL", "h", "a", "b", "c", "d", "e", "f"},
      {"EXISTS", "h"},
      {"SADD", "s", "3", "1", "2"},
      {"SMEMBERS", "s"},
      {"OBJECT", "ENCODING", "s"},
      {"SADD", "s", "-100000", "7"},
      {"OBJECT", "ENCODING", "s"},
      {"SADD", "t", "2", "3", "4"},
      {"SINTERCARD", "2", "s", "t", "LIMIT", "1"},
      {"SDIFFSTORE", "d", "t", "s"},
      {"SMEMBERS", "d"},
      {"OBJECT", "ENCODING", "d"},
      {"SMOVE", "t", "d", "2"},
      {"SCARD", "d"},
      {"SPOP", "d", "0"},
      {"SPOP", "x", "-1"},
      {"SRANDMEMBER", "t", "-9223372036854775808"},
      {"HRANDFIELD", "nokey", "4611686018427387904", "WITHVALUES"},
      {"SSCAN", "t", "0", "COUNT", "0"},
      {"SET", "str", "v"},
      {"SUNION", "t", "str"},
      {"HLEN", "str"},
  };
  const auto expected = RunAll(redis_, script);
  const auto actual = RunAll(baton_, script);
  ASSERT_EQ(expected.size(), script.size());
  ASSERT_EQ(actual.size(), script.size());
  for (size_t i = 0; i < script.size(); ++i) {
    EXPECT_EQ(actual[i], expected[i])
        << script[i][0] << " " << (script[i].size() > 1 ? script[i][1] : "");
  }
}

// Loads `n` keys made by `make(i)` pipelined, in batches; returns the RSS growth.
template <typename Make>
size_t LoadAndMeasure(const ServerProcess& server, int n, Make&& make) {
  const size_t before = server.RssBytes();
  constexpr int kBatch = 10000;
  for (int start = 0; start < n; start += kBatch) {
    std::vector<Args> batch;
    for (int i = start; i < start + kBatch && i < n; ++i) batch.push_back(make(i));
    if (RunAll(server, batch).size() != batch.size()) return 0;
  }
  const size_t after = server.RssBytes();
  return after > before ? after - before : 0;
}

TEST_F(HashSetsInteropTest, SmallHashesAndSetsUseLessMemoryThanRedis) {
  // Enough keys that the per-key cost dominates the RSS delta, few enough
  // to load in well under a minute on a loaded 2-core machine.
  constexpr int kKeys = 100000;
  auto hash = [](int i) {
    std::string key = "h:";
    key += std::to_string(i);
    return Args{"HSET", key, "f1", "v1", "f2", "v2"};
  };
  auto set = [](int i) {
    std::string key = "s:";
    key += std::to_string(i);
    return Args{"SADD", key, "1", "2", "3"};
  };
  const size_t redis_hashes = LoadAndMeasure(redis_, kKeys, hash);
  const size_t baton_hashes = LoadAndMeasure(baton_, kKeys, hash);
  const size_t redis_sets = LoadAndMeasure(redis_, kKeys, set);
  const size_t baton_sets = LoadAndMeasure(baton_, kKeys, set);
  ASSERT_GT(redis_hashes, 0u);
  ASSERT_GT(redis_sets, 0u);
  EXPECT_LE(static_cast<double>(baton_hashes), 0.9 * static_cast<double>(redis_hashes));
  EXPECT_LE(static_cast<double>(baton_sets), 0.9 * static_cast<double>(redis_sets));
  RecordProperty("hash_rss_ratio", std::to_string(static_cast<double>(baton_hashes) /
                                                  static_cast<double>(redis_hashes)));
  RecordProperty("set_rss_ratio",
                 std::to_string(static_cast<double>(baton_sets) / static_cast<double>(redis_sets)));
}

}  // namespace
}  // namespace hashsets_test
}  // namespace baton::testing
