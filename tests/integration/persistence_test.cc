// Snapshots against the real binary: SAVE/BGSAVE then a restart loads the
// same data, save points fire, a corrupt or truncated dump is refused at
// start-up and left untouched, SHUTDOWN SAVE/NOSAVE and SIGTERM, and interop
// with Debian's redis-server 7.0 and redis-check-rdb.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/persistence_util.h"
#include "support/server_process.h"

namespace baton::testing {
namespace persistence_test {
namespace {

using persist::DumpAll;
using persist::Exists;
using persist::FillMixed;
using persist::InfoField;
using persist::ReadFile;
using persist::Str;
using persist::WriteFile;

const std::vector<std::string> kDebug = {"--enable-debug-command", "yes"};

std::vector<std::string> Args(std::vector<std::string> extra) {
  extra.insert(extra.end(), kDebug.begin(), kDebug.end());
  return extra;
}

TEST(PersistenceIntegrationTest, SaveThenRestartLoadsTheSameData) {
  ServerProcess first(Args({}));
  ASSERT_TRUE(first.Start()) << first.ReadLog();
  Connection c = first.Connect();
  ASSERT_TRUE(c);
  FillMixed(c.get());
  auto before = DumpAll(c.get());
  std::string digest = Str(Command(c.get(), {"DEBUG", "DIGEST"}));
  EXPECT_EQ(Str(Command(c.get(), {"SAVE"})), "OK");
  EXPECT_EQ(InfoField(c.get(), "rdb_changes_since_last_save"), "0");
  EXPECT_EQ(first.Stop(), 0);

  ServerProcess second(Args({"--dir", first.dir()}));
  ASSERT_TRUE(second.Start()) << second.ReadLog();
  Connection c2 = second.Connect();
  ASSERT_TRUE(c2);
  EXPECT_EQ(DumpAll(c2.get()), before);
  EXPECT_EQ(Str(Command(c2.get(), {"DEBUG", "DIGEST"})), digest);
  EXPECT_NE(InfoField(c2.get(), "rdb_last_load_keys_loaded"), "0");
}

TEST(PersistenceIntegrationTest, BgsaveThenRestartLoadsTheSameData) {
  ServerProcess first(Args({}));
  ASSERT_TRUE(first.Start()) << first.ReadLog();
  Connection c = first.Connect();
  ASSERT_TRUE(c);
  FillMixed(c.get());
  auto before = DumpAll(c.get());
  std::string lastsave = Str(Command(c.get(), {"LASTSAVE"}));
  EXPECT_EQ(Str(Command(c.get(), {"BGSAVE"})), "Background saving started");
  ASSERT_TRUE(WaitFor([&] {
    return InfoField(c.get(), "rdb_bgsave_in_progress") == "0" &&
           InfoField(c.get(), "rdb_saves") == "1";
  })) << first.ReadLog();
  EXPECT_EQ(InfoField(c.get(), "rdb_last_bgsave_status"), "ok");
  EXPECT_EQ(InfoField(c.get(), "rdb_changes_since_last_save"), "0");
  EXPECT_GE(std::stoll(Str(Command(c.get(), {"LASTSAVE"}))), std::stoll(lastsave));
  EXPECT_NE(first.ReadLog().find("Background saving terminated with success"), std::string::npos);
  EXPECT_EQ(first.Stop(), 0);

  ServerProcess second(Args({"--dir", first.dir()}));
  ASSERT_TRUE(second.Start()) << second.ReadLog();
  Connection c2 = second.Connect();
  EXPECT_EQ(DumpAll(c2.get()), before);
}

TEST(PersistenceIntegrationTest, SavePointFiresFromTheCron) {
  ServerProcess server(Args({"--save", "1 2"}));
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  Connection c = server.Connect();
  EXPECT_EQ(Str(Command(c.get(), {"SET", "a", "1"})), "OK");
  EXPECT_EQ(Str(Command(c.get(), {"SET", "b", "2"})), "OK");
  EXPECT_EQ(Str(Command(c.get(), {"SET", "c", "3"})), "OK");
  ASSERT_TRUE(WaitFor([&] { return InfoField(c.get(), "rdb_saves") == "1"; })) << server.ReadLog();
  EXPECT_TRUE(Exists(server.dir() + "/dump.rdb"));
  EXPECT_NE(server.ReadLog().find("2 changes in 1 seconds. Saving..."), std::string::npos)
      << server.ReadLog();
}

TEST(PersistenceIntegrationTest, CorruptOrTruncatedDumpIsRefusedAndLeftUntouched) {
  ServerProcess first(Args({}));
  ASSERT_TRUE(first.Start());
  Connection c = first.Connect();
  FillMixed(c.get(), 50);
  EXPECT_EQ(Str(Command(c.get(), {"SAVE"})), "OK");
  EXPECT_EQ(first.Stop(), 0);
  const std::string path = first.dir() + "/dump.rdb";
  const std::string good = ReadFile(path);
  ASSERT_GT(good.size(), 100u);

  // Truncated.
  const std::string truncated = good.substr(0, good.size() / 2);
  WriteFile(path, truncated);
  {
    ServerProcess second(Args({"--dir", first.dir()}));
    ASSERT_TRUE(second.Launch(0));
    EXPECT_NE(second.WaitExit(), 0);
    EXPECT_NE(second.ReadLog().find("Fatal error loading the DB"), std::string::npos)
        << second.ReadLog();
    EXPECT_EQ(ReadFile(path), truncated);
  }
  // A flipped byte in the middle (the CRC64 catches it).
  std::string corrupt = good;
  corrupt[corrupt.size() / 2] = static_cast<char>(corrupt[corrupt.size() / 2] ^ 0x5a);
  WriteFile(path, corrupt);
  {
    ServerProcess third(Args({"--dir", first.dir()}));
    ASSERT_TRUE(third.Launch(0));
    EXPECT_NE(third.WaitExit(), 0);
    EXPECT_NE(third.ReadLog().find("Fatal error loading the DB"), std::string::npos)
        << third.ReadLog();
    EXPECT_EQ(ReadFile(path), corrupt);
  }
}

TEST(PersistenceIntegrationTest, ShutdownSaveNosaveAndSigterm) {
  // SHUTDOWN SAVE saves even without save points.
  ServerProcess a(Args({}));
  ASSERT_TRUE(a.Start());
  {
    Connection c = a.Connect();
    EXPECT_EQ(Str(Command(c.get(), {"SET", "k", "saved"})), "OK");
    Command(c.get(), {"SHUTDOWN", "SAVE"});
  }
  EXPECT_EQ(a.WaitExit(), 0);
  EXPECT_TRUE(Exists(a.dir() + "/dump.rdb"));

  // SHUTDOWN NOSAVE with save points: nothing written.
  ServerProcess b(Args({"--save", "3600 1"}));
  ASSERT_TRUE(b.Start());
  {
    Connection c = b.Connect();
    EXPECT_EQ(Str(Command(c.get(), {"SET", "k", "v"})), "OK");
    Command(c.get(), {"SHUTDOWN", "NOSAVE"});
  }
  EXPECT_EQ(b.WaitExit(), 0);
  EXPECT_FALSE(Exists(b.dir() + "/dump.rdb"));

  // SIGTERM with save points saves, like Redis.
  ServerProcess d(Args({"--save", "3600 1"}));
  ASSERT_TRUE(d.Start());
  {
    Connection c = d.Connect();
    EXPECT_EQ(Str(Command(c.get(), {"SET", "k", "by-sigterm"})), "OK");
  }
  EXPECT_EQ(d.Stop(SIGTERM), 0);
  EXPECT_TRUE(Exists(d.dir() + "/dump.rdb"));
  ServerProcess e(Args({"--dir", d.dir()}));
  ASSERT_TRUE(e.Start());
  EXPECT_EQ(Str(e.Command({"GET", "k"})), "by-sigterm");
}

TEST(PersistenceIntegrationTest, DumpLoadsInRedisServerAndPassesRedisCheckRdb) {
  if (!HaveProgram("redis-server") || !HaveProgram("redis-check-rdb")) GTEST_SKIP();
  ServerProcess baton(Args({}));
  ASSERT_TRUE(baton.Start());
  Connection c = baton.Connect();
  FillMixed(c.get());
  auto before = DumpAll(c.get());
  EXPECT_EQ(Str(Command(c.get(), {"SAVE"})), "OK");

  int code = -1;
  std::string out = RunShell("redis-check-rdb '" + baton.dir() + "/dump.rdb' 2>&1", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("RDB looks OK"), std::string::npos) << out;

  ServerProcess redis(Args({"--dir", baton.dir()}), "/usr/bin/redis-server");
  ASSERT_TRUE(redis.Start()) << redis.ReadLog();
  Connection rc = redis.Connect();
  EXPECT_EQ(DumpAll(rc.get()), before);
}

TEST(PersistenceIntegrationTest, RedisServerDumpLoadsInBaton) {
  if (!HaveProgram("redis-server")) GTEST_SKIP();
  ServerProcess redis(Args({}), "/usr/bin/redis-server");
  ASSERT_TRUE(redis.Start()) << redis.ReadLog();
  Connection rc = redis.Connect();
  FillMixed(rc.get());
  auto before = DumpAll(rc.get());
  EXPECT_EQ(Str(Command(rc.get(), {"SAVE"})), "OK");

  ServerProcess baton(Args({"--dir", redis.dir()}));
  ASSERT_TRUE(baton.Start()) << baton.ReadLog();
  Connection c = baton.Connect();
  EXPECT_EQ(DumpAll(c.get()), before);
}

}  // namespace
}  // namespace persistence_test
}  // namespace baton::testing
