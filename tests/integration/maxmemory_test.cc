// maxmemory against the real baton-server: the memory count the limit reads
// on every command, each eviction policy's choice of keys, the OOM error
// once nothing can be evicted, and evictions reaching a replica.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <string>
#include <vector>

#include "support/pair.h"
#include "support/server_process.h"

namespace baton::testing {
namespace maxmemory_test {
namespace {

constexpr char kOom[] = "OOM command not allowed when used memory > 'maxmemory'.";

int64_t UsedMemory(const ServerProcess& s) {
  const std::string v = InfoField(s, "used_memory", "memory");
  return v.empty() ? -1 : std::stoll(v);
}

int64_t EvictedKeys(const ServerProcess& s) {
  const std::string v = InfoField(s, "evicted_keys", "stats");
  return v.empty() ? -1 : std::stoll(v);
}

void SetMaxmemory(const ServerProcess& s, int64_t bytes) {
  ASSERT_EQ(ReplyText(s.Command({"CONFIG", "SET", "maxmemory", std::to_string(bytes)})), "OK");
}

// Pipelines `args_of(i)` for i in [from, to) and returns the replies' texts.
template <typename ArgsOf>
std::vector<std::string> Pipeline(redisContext* c, int from, int to, ArgsOf args_of) {
  for (int i = from; i < to; ++i) EXPECT_TRUE(SendRequest(c, args_of(i)));
  std::vector<std::string> replies;
  for (int i = from; i < to; ++i) replies.push_back(ReplyText(NextReply(c)));
  return replies;
}

std::vector<std::string> SetKeys(redisContext* c, const std::string& prefix, int from, int to,
                                 size_t value_size, const std::string& ttl = "") {
  const std::string value(value_size, 'v');
  return Pipeline(c, from, to, [&](int i) {
    std::vector<std::string> args = {"SET", prefix + std::to_string(i), value};
    if (!ttl.empty()) args.insert(args.end(), {"EX", ttl});
    return args;
  });
}

// How many of prefix0 .. prefix(n-1) exist.
int64_t CountExisting(const ServerProcess& s, const std::string& prefix, int n) {
  std::vector<std::string> args = {"EXISTS"};
  for (int i = 0; i < n; ++i) args.push_back(prefix + std::to_string(i));
  Reply r = s.Command(args);
  return r != nullptr && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
}

size_t Count(const std::vector<std::string>& replies, const std::string& text) {
  size_t n = 0;
  for (const std::string& r : replies) n += r == text ? 1 : 0;
  return n;
}

// The limit is checked before every command against a count that follows
// each allocation: a pipeline of writes is cut off where memory runs out,
// even between two of the cron's full counts (hz 1: one a second).
TEST(MaxmemoryTest, WritesAreCountedBetweenFullCounts) {
  ServerProcess server({"--hz", "1"});
  ASSERT_TRUE(server.Start());
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  SetMaxmemory(server, UsedMemory(server) + 2 * 1024 * 1024);
  const std::vector<std::string> replies = SetKeys(c.get(), "k", 0, 200, 32 * 1024);
  const size_t oks = Count(replies, "OK");
  EXPECT_EQ(oks + Count(replies, kOom), 200U);
  EXPECT_GT(oks, 40U);  // 2 MB hold 64 such values, less their keys' overhead
  EXPECT_LT(oks, 70U);
  EXPECT_EQ(ReplyText(server.Command({"GET", "k0"})).size(), 32U * 1024);  // reads go on
  EXPECT_EQ(EvictedKeys(server), 0);                                       // noeviction
  EXPECT_EQ(ReplyText(server.Command({"FLUSHALL"})), "OK");
  EXPECT_EQ(ReplyText(server.Command({"SET", "after", "flush"})), "OK");
}

// allkeys-lru evicts the keys idle longest: keys written two seconds before
// the others go first (the LRU clock counts seconds, as Redis's does).
TEST(MaxmemoryTest, AllKeysLruEvictsTheLeastRecentlyUsed) {
  ServerProcess server({"--maxmemory-policy", "allkeys-lru", "--maxmemory-samples", "10"});
  ASSERT_TRUE(server.Start());
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(Count(SetKeys(c.get(), "cold:", 0, 1000, 1000), "OK"), 1000U);
  ASSERT_TRUE(WaitFor([&] {
    Reply idle = server.Command({"OBJECT", "IDLETIME", "cold:0"});
    return idle != nullptr && idle->type == REDIS_REPLY_INTEGER && idle->integer >= 2;
  }));
  EXPECT_EQ(Count(SetKeys(c.get(), "hot:", 0, 1000, 1000), "OK"), 1000U);
  const int64_t limit = UsedMemory(server) + 512 * 1024;
  SetMaxmemory(server, limit);
  // 1.5 MB more than the limit allows: about 1000 keys must go.
  EXPECT_EQ(Count(SetKeys(c.get(), "new:", 0, 1500, 1000), "OK"), 1500U);
  EXPECT_GE(EvictedKeys(server), 900);
  // INFO's full count and the limit's running count may differ a little
  // (allocations of other threads, the allocator's own bookkeeping).
  EXPECT_LE(UsedMemory(server), limit + 256 * 1024);
  EXPECT_LE(CountExisting(server, "cold:", 1000), 100);  // the old keys went first
  EXPECT_GE(CountExisting(server, "hot:", 1000), 800);
  EXPECT_GE(CountExisting(server, "new:", 1500), 1200);
}

// allkeys-lfu keeps the keys read often: the frequently read ones survive
// a wave of new keys that evicts as many keys as were read rarely.
TEST(MaxmemoryTest, AllKeysLfuKeepsFrequentlyUsedKeys) {
  ServerProcess server({"--maxmemory-policy", "allkeys-lfu", "--maxmemory-samples", "10"});
  ASSERT_TRUE(server.Start());
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(Count(SetKeys(c.get(), "rare:", 0, 1000, 1000), "OK"), 1000U);
  EXPECT_EQ(Count(SetKeys(c.get(), "often:", 0, 1000, 1000), "OK"), 1000U);
  for (int round = 0; round < 30; ++round) {
    Pipeline(c.get(), 0, 1000, [](int i) {
      return std::vector<std::string>{"GET", "often:" + std::to_string(i)};
    });
  }
  Reply freq = server.Command({"OBJECT", "FREQ", "often:7"});
  ASSERT_TRUE(freq != nullptr && freq->type == REDIS_REPLY_INTEGER);
  EXPECT_GT(freq->integer, 5);  // above a new key's counter
  SetMaxmemory(server, UsedMemory(server) + 512 * 1024);
  EXPECT_EQ(Count(SetKeys(c.get(), "new:", 0, 1500, 1000), "OK"), 1500U);
  EXPECT_GE(EvictedKeys(server), 900);
  EXPECT_GE(CountExisting(server, "often:", 1000), 950);
}

// volatile-* policies evict only keys with a TTL (volatile-ttl the soonest
// to expire first); once none is left, writes fail with Redis's OOM error
// while reads and deletions still work.
TEST(MaxmemoryTest, VolatilePoliciesEvictOnlyKeysWithATtlThenRefuseWrites) {
  ServerProcess server({"--maxmemory-policy", "volatile-ttl", "--maxmemory-samples", "10"});
  ASSERT_TRUE(server.Start());
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(Count(SetKeys(c.get(), "keep:", 0, 500, 1000), "OK"), 500U);
  // ttl:i expires after 1000 + i seconds: low i first.
  Pipeline(c.get(), 0, 500, [](int i) {
    return std::vector<std::string>{"SET", "ttl:" + std::to_string(i), std::string(1000, 't'), "EX",
                                    std::to_string(1000 + i)};
  });
  EXPECT_EQ(CountExisting(server, "ttl:", 500), 500);
  SetMaxmemory(server, UsedMemory(server) + 256 * 1024);
  // About 250 keys' worth over the limit: the TTL keys expiring first go.
  EXPECT_EQ(Count(SetKeys(c.get(), "more:", 0, 500, 1000), "OK"), 500U);
  const int64_t soon_left = CountExisting(server, "ttl:", 150);
  std::vector<std::string> late = {"EXISTS"};
  for (int i = 350; i < 500; ++i) late.push_back("ttl:" + std::to_string(i));
  EXPECT_LE(soon_left, 15);
  Reply late_left = server.Command(late);
  ASSERT_TRUE(late_left != nullptr && late_left->type == REDIS_REPLY_INTEGER);
  EXPECT_GE(late_left->integer, 140);
  EXPECT_EQ(CountExisting(server, "keep:", 500), 500);
  // Past the TTL keys, writes are refused; nothing else is evicted.
  const std::vector<std::string> replies = SetKeys(c.get(), "over:", 0, 600, 1000);
  EXPECT_GT(Count(replies, kOom), 0U);
  EXPECT_EQ(CountExisting(server, "ttl:", 500), 0);
  EXPECT_EQ(CountExisting(server, "keep:", 500), 500);
  EXPECT_EQ(ReplyText(server.Command({"SET", "one", "more"})), kOom);
  EXPECT_EQ(ReplyText(server.Command({"GET", "keep:1"})), std::string(1000, 'v'));
  // Deleting makes room again (200 KB: more than the allocator's caching
  // moves the count by).
  std::vector<std::string> del = {"DEL"};
  for (int i = 0; i < 200; ++i) del.push_back("keep:" + std::to_string(i));
  EXPECT_EQ(ReplyText(server.Command(del)), "200");
  EXPECT_EQ(ReplyText(server.Command({"SET", "one", "more"})), "OK");
}

// Evictions are propagated: the replica ends with the primary's dataset and
// evicts nothing itself.
TEST(MaxmemoryTest, EvictionsReachTheReplica) {
  ServerProcess primary({"--maxmemory-policy", "allkeys-random", "--enable-debug-command", "yes",
                         "--repl-diskless-sync-delay", "0"});
  ServerProcess replica({"--enable-debug-command", "yes"});
  ASSERT_TRUE(primary.Start());
  ASSERT_TRUE(replica.Start());
  Attach(replica, primary);
  Connection c = primary.Connect();
  ASSERT_TRUE(c);
  // 1.5 MB written first: the replication backlog (1 MB, counted as used
  // memory as in Redis) is full before the limit is set.
  EXPECT_EQ(Count(SetKeys(c.get(), "a:", 0, 1500, 1000), "OK"), 1500U);
  SetMaxmemory(primary, UsedMemory(primary) + 256 * 1024);
  for (int db : {0, 3}) {
    ASSERT_EQ(ReplyText(Command(c.get(), {"SELECT", std::to_string(db)})), "OK");
    EXPECT_EQ(Count(SetKeys(c.get(), "b:", 0, 1000, 1000), "OK"), 1000U);
  }
  EXPECT_GE(EvictedKeys(primary), 1000);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(primary, replica); }, std::chrono::seconds(30)));
  EXPECT_EQ(ReplyText(replica.Command({"DEBUG", "DIGEST"})),
            ReplyText(primary.Command({"DEBUG", "DIGEST"})));
  EXPECT_EQ(InfoField(replica, "db0", "keyspace"), InfoField(primary, "db0", "keyspace"));
  EXPECT_EQ(EvictedKeys(replica), 0);
}

}  // namespace
}  // namespace maxmemory_test
}  // namespace baton::testing
