// Persistence in process: the AOF manifest format, command replay (torn
// tails, incomplete transactions), the AOF writer, SAVE/BGSAVE/LASTSAVE,
// DEBUG RELOAD, stop-writes-on-bgsave-error and INFO persistence.
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "baton/persistence/aof.h"
#include "baton/persistence/child.h"
#include "baton/persistence/snapshot.h"
#include "support/server_fixture.h"

namespace baton::testing {
namespace persistence_test {
namespace {

using persistence::AofManifest;
using persistence::ChildProcess;
using persistence::ChildPurpose;
using persistence::Persistence;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

std::string Resp(const std::vector<std::string>& args) {
  std::string out = "*";
  out.append(std::to_string(args.size())).append("\r\n");
  for (const auto& a : args) {
    out.append("$").append(std::to_string(a.size())).append("\r\n").append(a).append("\r\n");
  }
  return out;
}

// Each test runs in a fresh temporary working directory (the server, like
// Redis, resolves dbfilename and appenddirname against it).
class PersistenceTest : public ServerFixture {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/baton-unit-persist-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    char cwd[4096];
    ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
    old_cwd_ = cwd;
    ASSERT_EQ(chdir(dir_.c_str()), 0);
    ServerFixture::SetUp();
  }
  void TearDown() override {
    ServerFixture::TearDown();
    ASSERT_EQ(chdir(old_cwd_.c_str()), 0);
    std::string cmd = "rm -rf '" + dir_ + "'";
    (void)std::system(cmd.c_str());
  }
  Persistence& P() { return Persistence::Of(srv()); }
  // Runs the loop until the forked child has been reaped (bounded).
  bool WaitChild() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (ChildProcess::Running() != ChildPurpose::kNone) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(srv().loop(), UV_RUN_NOWAIT);
      ChildProcess::Poll();
      usleep(1000);
    }
    return true;
  }
  std::string InfoField(const std::string& name) {
    std::string info = Run({"INFO", "persistence"});
    size_t at = info.find("\r\n" + name + ":");
    if (at == std::string::npos) return "<missing>";
    at += name.size() + 3;
    return info.substr(at, info.find("\r\n", at) - at);
  }
  std::string dir_;
  std::string old_cwd_;
};

TEST(AofManifestTest, EncodesRedisLineFormat) {
  AofManifest m;
  m.base = AofManifest::File{"appendonly.aof.1.base.rdb", 1, 'b'};
  m.history.push_back({"appendonly.aof.1.incr.aof", 1, 'h'});
  m.incrs.push_back({"appendonly.aof.2.incr.aof", 2, 'i'});
  EXPECT_EQ(m.Encode(),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type h\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
}

TEST(AofManifestTest, ParsesAnyKeyOrderAndQuotes) {
  AofManifest m;
  ASSERT_EQ(AofManifest::Parse("# comment\n"
                               "seq 3 type b file appendonly.aof.3.base.aof\n"
                               "file \"appendonly.aof.4.incr.aof\" seq 4 type i\r\n"
                               "file appendonly.aof.5.incr.aof seq 5 type i\n",
                               &m),
            "");
  ASSERT_TRUE(m.base.has_value());
  EXPECT_EQ(m.base->name, "appendonly.aof.3.base.aof");
  EXPECT_EQ(m.base_seq, 3);
  ASSERT_EQ(m.incrs.size(), 2u);
  EXPECT_EQ(m.incrs[0].name, "appendonly.aof.4.incr.aof");
  EXPECT_EQ(m.incr_seq, 5);
}

TEST(AofManifestTest, RejectsBadManifests) {
  AofManifest m;
  EXPECT_NE(AofManifest::Parse("", &m), "");
  EXPECT_NE(AofManifest::Parse("file a seq 1\n", &m), "");
  EXPECT_NE(AofManifest::Parse("file a seq x type b\n", &m), "");
  EXPECT_NE(AofManifest::Parse("file a seq 1 type z\n", &m), "");
  EXPECT_NE(AofManifest::Parse("file a seq 1 type b\nfile b seq 2 type b\n", &m), "");
  EXPECT_NE(AofManifest::Parse("file ../a seq 1 type b\n", &m), "");
}

TEST_F(PersistenceTest, ReplayRunsCommandsAndRevertsIncompleteMulti) {
  std::string data = Resp({"SELECT", "2"}) + Resp({"SET", "a", "1"}) +
                     Resp({"RPUSH", "l", "x", "y"}) + Resp({"MULTI"}) + Resp({"INCR", "a"}) +
                     Resp({"EXEC"});
  const size_t complete = data.size();
  data += Resp({"MULTI"}) + Resp({"SET", "b", "never"});
  WriteFile("f.aof", data);
  auto r = persistence::ReplayAofCommands(srv(), "f.aof");
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.valid_bytes, static_cast<int64_t>(complete));
  EXPECT_EQ(Run({"SELECT", "2"}), kOk);
  EXPECT_EQ(Run({"GET", "a"}), Bulk("2"));
  EXPECT_EQ(Run({"LLEN", "l"}), Int(2));
  EXPECT_EQ(Run({"EXISTS", "b"}), Int(0));
}

TEST_F(PersistenceTest, ReplayReportsTornTailAndBadFormat) {
  std::string good = Resp({"SET", "a", "1"});
  WriteFile("torn.aof", good + Resp({"SET", "b", "2"}).substr(0, 9));
  auto r = persistence::ReplayAofCommands(srv(), "torn.aof");
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.valid_bytes, static_cast<int64_t>(good.size()));

  WriteFile("bad.aof", good + "garbage\r\n");
  r = persistence::ReplayAofCommands(srv(), "bad.aof");
  EXPECT_NE(r.error, "");

  WriteFile("unknown.aof", Resp({"NOSUCHCOMMAND", "x"}));
  r = persistence::ReplayAofCommands(srv(), "unknown.aof");
  EXPECT_NE(r.error.find("Unknown command"), std::string::npos);
}

TEST_F(PersistenceTest, AofWriterAppendsEffectsWithSelect) {
  Restart("appendonly yes\nappendfsync always\n");
  ASSERT_EQ(P().LoadAtStartup(), "");
  EXPECT_TRUE(Exists("appendonlydir/appendonly.aof.manifest"));
  EXPECT_TRUE(Exists("appendonlydir/appendonly.aof.1.base.rdb"));
  EXPECT_EQ(ReadFile("appendonlydir/appendonly.aof.manifest"),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n");
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));            // reads are not logged
  EXPECT_EQ(Run({"PUBLISH", "news", "hi"}), Int(0));  // nor messages (replicas get them)
  EXPECT_EQ(Run({"SELECT", "3"}), kOk);
  EXPECT_EQ(Run({"INCR", "n"}), Int(1));
  srv().before_replies();
  EXPECT_EQ(ReadFile("appendonlydir/appendonly.aof.1.incr.aof"),
            Resp({"SELECT", "0"}) + Resp({"SET", "k", "v"}) + Resp({"SELECT", "3"}) +
                Resp({"INCR", "n"}));
  EXPECT_EQ(InfoField("aof_enabled"), "1");
  EXPECT_EQ(InfoField("aof_last_write_status"), "ok");

  // A new server loads what the first wrote.
  Restart("appendonly yes\n");
  ASSERT_EQ(P().LoadAtStartup(), "");
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"SELECT", "3"}), kOk);
  EXPECT_EQ(Run({"GET", "n"}), Bulk("1"));
}

TEST_F(PersistenceTest, AofLoadTruncatedYesTruncatesNoRefuses) {
  Restart("appendonly yes\n");
  ASSERT_EQ(P().LoadAtStartup(), "");
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  srv().before_replies();
  Restart("appendonly no\n");  // closes the file
  const std::string incr = "appendonlydir/appendonly.aof.1.incr.aof";
  const std::string whole = ReadFile(incr);
  WriteFile(incr, whole + Resp({"SET", "torn", "x"}).substr(0, 12));

  Restart("appendonly yes\naof-load-truncated no\n");
  EXPECT_NE(P().LoadAtStartup(), "");
  EXPECT_EQ(ReadFile(incr).size(), whole.size() + 12);  // untouched

  Restart("appendonly yes\naof-load-truncated yes\n");
  ASSERT_EQ(P().LoadAtStartup(), "");
  EXPECT_EQ(ReadFile(incr), whole);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"EXISTS", "torn"}), Int(0));
}

TEST_F(PersistenceTest, SaveResetsDirtyAndLastSave) {
  EXPECT_EQ(Run({"SET", "a", "1"}), kOk);
  EXPECT_EQ(Run({"SET", "b", "2"}), kOk);
  EXPECT_EQ(InfoField("rdb_changes_since_last_save"), "2");
  EXPECT_EQ(Run({"SAVE"}), kOk);
  EXPECT_EQ(InfoField("rdb_changes_since_last_save"), "0");
  EXPECT_EQ(InfoField("rdb_saves"), "1");
  EXPECT_TRUE(Exists("dump.rdb"));
  EXPECT_EQ(Run({"LASTSAVE"}), Int(P().rdb().last_save_time_s));
  EXPECT_EQ(Run({"BGSAVE", "NOW"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"BGSAVE", "SCHEDULE", "x"}), Err("ERR syntax error"));
}

TEST_F(PersistenceTest, DebugReloadKeepsTheData) {
  Restart("enable-debug-command yes\n");
  EXPECT_EQ(Run({"SET", "s", "v"}), kOk);
  EXPECT_EQ(Run({"RPUSH", "l", "a", "b", "c"}), Int(3));
  EXPECT_EQ(Run({"HSET", "h", "f", "1"}), Int(1));
  EXPECT_EQ(Run({"SADD", "st", "m"}), Int(1));
  EXPECT_EQ(Run({"ZADD", "z", "1.5", "m"}), Int(1));
  EXPECT_EQ(Run({"PEXPIRE", "s", "100000"}), Int(1));
  EXPECT_EQ(Run({"DEBUG", "RELOAD"}), kOk);
  EXPECT_EQ(Run({"GET", "s"}), Bulk("v"));
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}),
            std::string("*3\r\n") + Bulk("a") + Bulk("b") + Bulk("c"));
  EXPECT_EQ(Run({"HGET", "h", "f"}), Bulk("1"));
  EXPECT_EQ(Run({"SISMEMBER", "st", "m"}), Int(1));
  EXPECT_EQ(Run({"ZSCORE", "z", "m"}), Bulk("1.5"));
  EXPECT_NE(Run({"PTTL", "s"}), Int(-1));
  EXPECT_EQ(Run({"DEBUG", "RELOAD", "BOGUS"}),
            Err("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."));
}

TEST_F(PersistenceTest, BgsaveWritesTheDumpInAChild) {
  EXPECT_EQ(Run({"SET", "a", "1"}), kOk);
  EXPECT_EQ(Run({"BGSAVE"}), "+Background saving started\r\n");
  EXPECT_EQ(Run({"BGSAVE"}), Err("ERR Background save already in progress"));
  EXPECT_EQ(Run({"SAVE"}), Err("ERR Background save already in progress"));
  ASSERT_TRUE(WaitChild());
  EXPECT_TRUE(Exists("dump.rdb"));
  EXPECT_EQ(InfoField("rdb_last_bgsave_status"), "ok");
  EXPECT_EQ(InfoField("rdb_changes_since_last_save"), "0");
  EXPECT_EQ(InfoField("rdb_bgsave_in_progress"), "0");
}

TEST_F(PersistenceTest, FailedBgsaveStopsWritesWithMisconf) {
  Restart("dbfilename no-such-dir/dump.rdb\n");
  EXPECT_EQ(Run({"SET", "a", "1"}), kOk);
  EXPECT_EQ(Run({"BGSAVE"}), "+Background saving started\r\n");
  ASSERT_TRUE(WaitChild());
  EXPECT_EQ(InfoField("rdb_last_bgsave_status"), "err");
  const std::string misconf =
      "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
      "to disk. Commands that may modify the data set are disabled, because this instance is "
      "configured to report errors during writes if RDB snapshotting fails "
      "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
      "RDB error.";
  EXPECT_EQ(Run({"SET", "a", "2"}), Err(misconf));
  EXPECT_EQ(Run({"PING"}), Err(misconf));
  EXPECT_EQ(Run({"GET", "a"}), Bulk("1"));
  EXPECT_EQ(Run({"CONFIG", "SET", "stop-writes-on-bgsave-error", "no"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "2"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "SET", "save", ""}), kOk);  // no save points: no MISCONF
  EXPECT_EQ(Run({"SET", "a", "3"}), kOk);
}

TEST_F(PersistenceTest, BgrewriteaofBuildsANewBaseAndDropsHistory) {
  Restart("appendonly yes\n");
  ASSERT_EQ(P().LoadAtStartup(), "");
  EXPECT_EQ(Run({"SET", "a", "1"}), kOk);
  EXPECT_EQ(Run({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
  EXPECT_EQ(Run({"BGREWRITEAOF"}),
            Err("ERR Background append only file rewriting already in progress"));
  EXPECT_EQ(Run({"BGSAVE"}),
            Err("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
                "SCHEDULE in order to schedule a BGSAVE whenever possible."));
  EXPECT_EQ(Run({"SET", "b", "2"}), kOk);  // goes to the new incr file
  srv().before_replies();
  ASSERT_TRUE(WaitChild());
  EXPECT_EQ(ReadFile("appendonlydir/appendonly.aof.manifest"),
            "file appendonly.aof.2.base.rdb seq 2 type b\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  EXPECT_FALSE(Exists("appendonlydir/appendonly.aof.1.base.rdb"));
  EXPECT_FALSE(Exists("appendonlydir/appendonly.aof.1.incr.aof"));
  EXPECT_EQ(InfoField("aof_rewrites"), "1");
  Restart("appendonly yes\n");
  ASSERT_EQ(P().LoadAtStartup(), "");
  EXPECT_EQ(Run({"MGET", "a", "b"}), std::string("*2\r\n") + Bulk("1") + Bulk("2"));
}

TEST_F(PersistenceTest, ConfigSetAppendonlyYesRewritesThenAppends) {
  EXPECT_EQ(Run({"SET", "before", "1"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "SET", "appendonly", "yes"}), kOk);
  EXPECT_EQ(Run({"SET", "after", "2"}), kOk);
  srv().before_replies();
  ASSERT_TRUE(WaitChild());
  EXPECT_EQ(InfoField("aof_enabled"), "1");
  EXPECT_EQ(Run({"CONFIG", "SET", "appendonly", "no"}), kOk);
  EXPECT_EQ(InfoField("aof_enabled"), "0");
  Restart("appendonly yes\n");
  ASSERT_EQ(P().LoadAtStartup(), "");
  EXPECT_EQ(Run({"MGET", "before", "after"}), std::string("*2\r\n") + Bulk("1") + Bulk("2"));
}

TEST_F(PersistenceTest, CorruptDumpIsRefusedAndLeftAlone) {
  EXPECT_EQ(Run({"SET", "a", "1"}), kOk);
  EXPECT_EQ(Run({"SAVE"}), kOk);
  std::string dump = ReadFile("dump.rdb");
  std::string torn = dump.substr(0, dump.size() - 5);
  WriteFile("dump.rdb", torn);
  Restart("");
  EXPECT_NE(P().LoadAtStartup(), "");
  EXPECT_EQ(ReadFile("dump.rdb"), torn);
}

}  // namespace
}  // namespace persistence_test
}  // namespace baton::testing
