// The append-only file against the real binary: acknowledged writes survive
// a SIGKILL (appendfsync always and everysec), BGREWRITEAOF under write load
// keeps everything, torn tails with aof-load-truncated yes/no, and AOF
// directories exchanged with Debian's redis-server 7.0.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "integration/persistence_util.h"
#include "support/server_process.h"

namespace baton::testing {
namespace aof_test {
namespace {

using persist::DumpAll;
using persist::Exists;
using persist::FillMixed;
using persist::InfoField;
using persist::ReadFile;
using persist::Str;
using persist::WriteFile;

// A client that keeps writing and records what was acknowledged: INCR on a
// few counters and SET of fresh keys.
class AckedWriter {
 public:
  explicit AckedWriter(const ServerProcess& server) : conn_(server.Connect()) {}
  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  ~AckedWriter() { Stop(); }
  // Highest acknowledged value per counter, and the acknowledged SET keys.
  std::vector<int64_t> counters = std::vector<int64_t>(4, 0);
  std::atomic<int64_t> sets_acked{0};
  int64_t errors = 0;

 private:
  void Loop() {
    if (!conn_) return;
    for (int64_t i = 0; !stop_; ++i) {
      const size_t k = static_cast<size_t>(i % 4);
      Reply r = Command(conn_.get(), {"INCR", "counter:" + std::to_string(k)});
      if (!r) break;  // the server is gone
      if (r->type != REDIS_REPLY_INTEGER) {
        ++errors;
        continue;
      }
      counters[k] = r->integer;
      r = Command(conn_.get(), {"SET", "key:" + std::to_string(sets_acked.load()), "v"});
      if (!r) break;
      if (r->type == REDIS_REPLY_STATUS) ++sets_acked;
    }
  }
  Connection conn_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

void ExpectAllAcked(redisContext* c, const AckedWriter& w) {
  for (size_t k = 0; k < w.counters.size(); ++k) {
    Reply r = Command(c, {"GET", "counter:" + std::to_string(k)});
    int64_t got = (r && r->type == REDIS_REPLY_STRING) ? std::stoll(Str(r)) : 0;
    EXPECT_GE(got, w.counters[k]) << "counter " << k;
  }
  // Every acknowledged SET key is there (checked in one pipeline-free pass).
  int64_t missing = 0;
  for (int64_t i = 0; i < w.sets_acked.load(); ++i) {
    Reply r = Command(c, {"EXISTS", "key:" + std::to_string(i)});
    if (!r || r->integer != 1) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << w.sets_acked.load();
}

void CrashAndCheck(const std::string& fsync_policy) {
  ServerProcess first({"--appendonly", "yes", "--appendfsync", fsync_policy});
  ASSERT_TRUE(first.Start()) << first.ReadLog();
  AckedWriter writer(first);
  writer.Start();
  // Let the writer run, then SIGKILL at a random moment.
  std::mt19937 rng(std::random_device{}());
  // With appendfsync always each write waits for an fsync, which a CI runner
  // running other tests beside this one can stretch to tens of milliseconds.
  ASSERT_TRUE(WaitFor([&] { return writer.sets_acked > 50; }, std::chrono::seconds(60)))
      << "acknowledged: " << writer.sets_acked.load();
  std::this_thread::sleep_for(
      std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 400)(rng)));
  first.Kill();
  writer.Stop();
  ASSERT_GT(writer.sets_acked.load(), 0);
  EXPECT_EQ(writer.errors, 0);

  ServerProcess second({"--dir", first.dir(), "--appendonly", "yes"});
  ASSERT_TRUE(second.Start()) << second.ReadLog();
  Connection c = second.Connect();
  ExpectAllAcked(c.get(), writer);
}

TEST(AofIntegrationTest, AppendfsyncAlwaysKeepsEveryAcknowledgedWriteAcrossSigkill) {
  CrashAndCheck("always");
}

// With SIGKILL the page cache survives, so everysec loses nothing either:
// what a reply acknowledged was written to the file before the reply.
TEST(AofIntegrationTest, AppendfsyncEverysecKeepsAcknowledgedWritesAcrossSigkill) {
  CrashAndCheck("everysec");
}

TEST(AofIntegrationTest, BgrewriteaofUnderWriteLoadKeepsEverything) {
  ServerProcess first({"--appendonly", "yes"});
  ASSERT_TRUE(first.Start()) << first.ReadLog();
  Connection c = first.Connect();
  FillMixed(c.get(), 100);
  AckedWriter writer(first);
  writer.Start();
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(WaitFor([&] { return InfoField(c.get(), "aof_rewrite_in_progress") == "0"; }));
    Reply r = Command(c.get(), {"BGREWRITEAOF"});
    EXPECT_EQ(Str(r), "Background append only file rewriting started");
    ASSERT_TRUE(WaitFor([&] {
      return InfoField(c.get(), "aof_rewrites") == std::to_string(round + 1);
    })) << first.ReadLog();
  }
  writer.Stop();
  EXPECT_EQ(InfoField(c.get(), "aof_last_bgrewrite_status"), "ok");
  auto before = DumpAll(c.get());
  const std::string manifest = ReadFile(first.dir() + "/appendonlydir/appendonly.aof.manifest");
  EXPECT_EQ(manifest,
            "file appendonly.aof.4.base.rdb seq 4 type b\n"
            "file appendonly.aof.4.incr.aof seq 4 type i\n");
  EXPECT_FALSE(Exists(first.dir() + "/appendonlydir/appendonly.aof.1.incr.aof"));
  first.Kill();

  ServerProcess second({"--dir", first.dir(), "--appendonly", "yes"});
  ASSERT_TRUE(second.Start()) << second.ReadLog();
  Connection c2 = second.Connect();
  ExpectAllAcked(c2.get(), writer);
  EXPECT_EQ(DumpAll(c2.get()), before);
}

TEST(AofIntegrationTest, TornTailRefusedOrTruncatedPerAofLoadTruncated) {
  ServerProcess first({"--appendonly", "yes"});
  ASSERT_TRUE(first.Start());
  Connection c = first.Connect();
  EXPECT_EQ(Str(Command(c.get(), {"SET", "kept", "1"})), "OK");
  EXPECT_EQ(Str(Command(c.get(), {"RPUSH", "list", "a", "b"})), "2");
  first.Kill();
  const std::string incr = first.dir() + "/appendonlydir/appendonly.aof.1.incr.aof";
  const std::string whole = ReadFile(incr);
  ASSERT_FALSE(whole.empty());
  const std::string torn = whole + "*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$5\r\nval";
  WriteFile(incr, torn);
  {
    ServerProcess refuse(
        {"--dir", first.dir(), "--appendonly", "yes", "--aof-load-truncated", "no"});
    ASSERT_TRUE(refuse.Launch(0));
    EXPECT_NE(refuse.WaitExit(), 0);
    EXPECT_NE(refuse.ReadLog().find("Unexpected end of file reading the append only file"),
              std::string::npos)
        << refuse.ReadLog();
    EXPECT_EQ(ReadFile(incr), torn);
  }
  ServerProcess accept(
      {"--dir", first.dir(), "--appendonly", "yes", "--aof-load-truncated", "yes"});
  ASSERT_TRUE(accept.Start()) << accept.ReadLog();
  EXPECT_EQ(Str(accept.Command({"GET", "kept"})), "1");
  EXPECT_EQ(Str(accept.Command({"LLEN", "list"})), "2");
  EXPECT_EQ(Str(accept.Command({"EXISTS", "torn"})), "0");
  EXPECT_NE(accept.ReadLog().find("aof-load-truncated is enabled"), std::string::npos);
  EXPECT_EQ(ReadFile(incr), whole);
  // Appending after the truncation keeps the file valid.
  EXPECT_EQ(Str(accept.Command({"SET", "after", "2"})), "OK");
}

// An AOF directory written by redis-server 7.0 (RDB base or command base
// plus incremental commands) loads into Baton, and Baton's loads into Redis.
void RedisAofInterop(const std::string& preamble) {
  if (!HaveProgram("redis-server")) GTEST_SKIP();
  ServerProcess redis({"--appendonly", "yes", "--aof-use-rdb-preamble", preamble},
                      "/usr/bin/redis-server");
  ASSERT_TRUE(redis.Start()) << redis.ReadLog();
  Connection rc = redis.Connect();
  FillMixed(rc.get(), 100);
  EXPECT_EQ(Str(Command(rc.get(), {"BGREWRITEAOF"})),
            "Background append only file rewriting started");
  ASSERT_TRUE(WaitFor([&] { return InfoField(rc.get(), "aof_rewrites") == "1"; }));
  // More writes after the rewrite land in the incremental file.
  EXPECT_EQ(Str(Command(rc.get(), {"INCRBY", "int:1", "5"})), "1005");
  EXPECT_EQ(Str(Command(rc.get(), {"LPUSH", "list:small", "head"})), "101");
  EXPECT_EQ(Str(Command(rc.get(), {"MULTI"})), "OK");
  Command(rc.get(), {"HSET", "hash:small", "tx", "1"});
  Command(rc.get(), {"SREM", "set:int", "7"});
  Command(rc.get(), {"EXEC"});
  auto before = DumpAll(rc.get());
  EXPECT_EQ(redis.Stop(), 0);

  ServerProcess baton({"--dir", redis.dir(), "--appendonly", "yes"});
  ASSERT_TRUE(baton.Start()) << baton.ReadLog();
  Connection c = baton.Connect();
  EXPECT_EQ(DumpAll(c.get()), before);
  // And back: Baton's own AOF (after a rewrite and more writes) loads in Redis.
  EXPECT_EQ(Str(Command(c.get(), {"BGREWRITEAOF"})),
            "Background append only file rewriting started");
  ASSERT_TRUE(WaitFor([&] { return InfoField(c.get(), "aof_rewrites") == "1"; }));
  EXPECT_EQ(Str(Command(c.get(), {"SET", "from-baton", "yes"})), "OK");
  auto after = DumpAll(c.get());
  EXPECT_EQ(baton.Stop(), 0);
  ServerProcess redis2({"--dir", redis.dir(), "--appendonly", "yes"}, "/usr/bin/redis-server");
  ASSERT_TRUE(redis2.Start()) << redis2.ReadLog();
  Connection rc2 = redis2.Connect();
  EXPECT_EQ(DumpAll(rc2.get()), after);
}

TEST(AofIntegrationTest, RedisAofWithRdbBaseLoadsInBatonAndBack) { RedisAofInterop("yes"); }

TEST(AofIntegrationTest, RedisAofWithCommandBaseLoadsInBatonAndBack) { RedisAofInterop("no"); }

}  // namespace
}  // namespace aof_test
}  // namespace baton::testing
