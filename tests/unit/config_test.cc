// The config module (parsing, file format, rewrite) and CONFIG GET/SET/
// RESETSTAT/REWRITE/HELP through the command gate.
#include "baton/config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "support/server_fixture.h"

namespace baton {
namespace config_test {
namespace {

using config::Config;

std::string GetValue(const Config& cfg, const std::string& name) {
  const config::ParamSpec* p = cfg.Find(name);
  return p == nullptr ? "<missing>" : cfg.Get(*p);
}

// A temporary file removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/baton-config-test-XXXXXX";
    int fd = mkstemp(tmpl);
    path_ = tmpl;
    if (fd >= 0) close(fd);
    Write(text);
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  void Write(const std::string& text) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << text;
  }
  [[nodiscard]] std::string Read() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ConfigParse, MemoryUnits) {
  int64_t v = 0;
  EXPECT_TRUE(config::ParseMemory("1gb", &v));
  EXPECT_EQ(v, 1073741824);
  EXPECT_TRUE(config::ParseMemory("100MB", &v));
  EXPECT_EQ(v, 100LL * 1024 * 1024);
  EXPECT_TRUE(config::ParseMemory("5k", &v));
  EXPECT_EQ(v, 5000);
  EXPECT_TRUE(config::ParseMemory("5kb", &v));
  EXPECT_EQ(v, 5120);
  EXPECT_TRUE(config::ParseMemory("1g", &v));
  EXPECT_EQ(v, 1000000000);
  EXPECT_TRUE(config::ParseMemory("01gb", &v));
  EXPECT_EQ(v, 1073741824);
  EXPECT_TRUE(config::ParseMemory("", &v));
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(config::ParseMemory("-1", &v));
  EXPECT_FALSE(config::ParseMemory("+1gb", &v));
  EXPECT_FALSE(config::ParseMemory(" 1gb", &v));
  EXPECT_FALSE(config::ParseMemory("1.5gb", &v));
  EXPECT_FALSE(config::ParseMemory("1x", &v));
  EXPECT_FALSE(config::ParseMemory("99999999999gb", &v));
}

TEST(ConfigParse, StrictIntegers) {
  int64_t v = 0;
  EXPECT_TRUE(config::ParseStrictInt("-5", &v));
  EXPECT_EQ(v, -5);
  EXPECT_FALSE(config::ParseStrictInt("+5", &v));
  EXPECT_FALSE(config::ParseStrictInt("01", &v));
  EXPECT_FALSE(config::ParseStrictInt("-0", &v));
  EXPECT_FALSE(config::ParseStrictInt(" 1", &v));
  EXPECT_FALSE(config::ParseStrictInt("", &v));
  EXPECT_FALSE(config::ParseStrictInt("99999999999999999999", &v));
}

TEST(ConfigParse, YesNo) {
  bool b = false;
  EXPECT_TRUE(config::ParseYesNo("YES", &b));
  EXPECT_TRUE(b);
  EXPECT_TRUE(config::ParseYesNo("no", &b));
  EXPECT_FALSE(b);
  EXPECT_FALSE(config::ParseYesNo("maybe", &b));
}

TEST(ConfigFile, QuotesCommentsUnitsAndLastWins) {
  Config cfg;
  std::string text =
      "# a comment\n"
      "   # an indented comment\n"
      "\n"
      "maxmemory 100mb\n"
      "requirepass \"pa ss\\\"word\"\n"
      "masteruser 'single quoted'\n"
      "hz 20\r\n"
      "hz 30\n"
      "protected-mode NO\n"
      "save \"\"\n"
      "client-output-buffer-limit normal 1mb 2mb 3\n"
      "client-output-buffer-limit pubsub 4 5 6\n"
      "SLAVE-READ-ONLY no\n";
  ASSERT_EQ(cfg.LoadText(text, "test"), "");
  const auto& s = cfg.settings();
  EXPECT_EQ(s.maxmemory, 100LL * 1024 * 1024);
  EXPECT_EQ(s.requirepass, "pa ss\"word");
  EXPECT_EQ(s.masteruser, "single quoted");
  EXPECT_EQ(s.hz, 30);
  EXPECT_FALSE(s.protected_mode);
  EXPECT_TRUE(s.save.empty());
  EXPECT_EQ(s.obuf_normal.hard_bytes, 1024 * 1024);
  EXPECT_EQ(s.obuf_normal.soft_bytes, 2 * 1024 * 1024);
  EXPECT_EQ(s.obuf_normal.soft_seconds, 3);
  EXPECT_EQ(s.obuf_pubsub.hard_bytes, 4);
  EXPECT_EQ(s.obuf_replica.hard_bytes, 256LL * 1024 * 1024);  // untouched
  EXPECT_FALSE(s.replica_read_only);
  EXPECT_EQ(GetValue(cfg, "client-output-buffer-limit"),
            "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 4 5 6");
}

TEST(ConfigFile, SaveLinesAndReplicaof) {
  Config cfg;
  ASSERT_EQ(cfg.LoadText("save 900 1 300 10\nreplicaof 10.0.0.1 6380\n", "test"), "");
  EXPECT_EQ(GetValue(cfg, "save"), "900 1 300 10");
  EXPECT_EQ(GetValue(cfg, "slaveof"), "10.0.0.1 6380");
  EXPECT_EQ(cfg.settings().replicaof_port, 6380);
  // One quoted word, as `--save "60 100"` on the command line arrives.
  ASSERT_EQ(cfg.LoadText("save \"60 100 5 1\"\n", "test"), "");
  EXPECT_EQ(GetValue(cfg, "save"), "60 100 5 1");
  ASSERT_EQ(cfg.LoadText("save \"\"\n", "test"), "");
  EXPECT_EQ(GetValue(cfg, "save"), "");
}

TEST(ConfigFile, UnknownDirectiveIsFatalWithLineNumber) {
  Config cfg;
  std::string e = cfg.LoadText("# c\nport 0\n\nfoo bar\n", "test");
  EXPECT_NE(e.find("*** FATAL CONFIG FILE ERROR"), std::string::npos) << e;
  EXPECT_NE(e.find("Reading the configuration file, at line 4\n>>> 'foo bar'\n"
                   "Bad directive or wrong number of arguments"),
            std::string::npos)
      << e;
}

TEST(ConfigFile, ValueErrorsUseRedisWording) {
  struct Case {
    const char* line;
    const char* why;
  };
  const Case cases[] = {
      {"port 1 2", "wrong number of arguments"},
      {"maxmemory 1x", "argument must be a memory value"},
      {"hz abc", "argument couldn't be parsed into an integer"},
      {"port 70000", "argument must be between 0 and 65535 inclusive"},
      {"daemonize maybe", "argument must be 'yes' or 'no'"},
      {"save 10", "Invalid save parameters"},
      {"client-output-buffer-limit normal 1 2",
       "Wrong number of arguments in buffer limit "
       "configuration."},
      {"appendfsync x", "argument(s) must be one of the following: everysec, always, no"},
      {"maxmemory-policy x",
       "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
       "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
      {"loglevel x", "argument(s) must be one of the following: debug, verbose, notice, warning"},
      {"requirepass \"unbalanced", "Unbalanced quotes in configuration line"},
  };
  for (const Case& c : cases) {
    Config cfg;
    std::string e = cfg.LoadText(std::string(c.line) + "\n", "test");
    EXPECT_NE(e.find(std::string("\n") + c.why), std::string::npos) << c.line << " -> " << e;
  }
}

TEST(ConfigFile, IncludeAndMissingFile) {
  TempFile inner("maxmemory 5k\nhz 42\n");
  Config cfg;
  ASSERT_EQ(cfg.LoadText("hz 1\ninclude " + inner.path() + "\n", "test"), "");
  EXPECT_EQ(cfg.settings().maxmemory, 5000);
  EXPECT_EQ(cfg.settings().hz, 42);
  Config bad;
  std::string e = bad.LoadText("include /nonexistent/baton.conf\n", "test");
  EXPECT_EQ(e,
            "Fatal error, can't open config file '/nonexistent/baton.conf': No such file or "
            "directory");
}

TEST(ConfigFile, IncludeErrorsReportTheIncludedLine) {
  TempFile inner("hz 5\nbogus directive\n");
  Config cfg;
  std::string e = cfg.LoadText("include " + inner.path() + "\n", "test");
  EXPECT_NE(e.find("at line 2\n>>> 'bogus directive'"), std::string::npos) << e;
}

TEST(ConfigRewrite, KeepsCommentsReplacesInPlaceAndAppends) {
  TempFile file(
      "# top comment\n"
      "port 6379\n"
      "rename-command FLUSHALL \"\"\n"
      "hz 10\n"
      "# between\n"
      "hz 11\n");
  Config cfg;
  ASSERT_EQ(cfg.LoadFile(file.path()), "");
  cfg.set_config_file(file.path());
  const config::ParamSpec* hz = cfg.Find("hz");
  ASSERT_EQ(cfg.SetFromString(*hz, "25"), "");
  ASSERT_EQ(cfg.SetFromString(*cfg.Find("maxmemory"), "1mb"), "");
  ASSERT_EQ(cfg.Rewrite(), "");
  std::string out = file.Read();
  EXPECT_NE(out.find("# top comment\nport 6379\nrename-command FLUSHALL \"\"\nhz 25\n# between\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("hz 11"), std::string::npos) << out;
  EXPECT_NE(out.find("# Generated by CONFIG REWRITE\n"), std::string::npos) << out;
  EXPECT_NE(out.find("maxmemory 1048576\n"), std::string::npos) << out;
  // A second rewrite is stable: one signature, same content.
  ASSERT_EQ(cfg.Rewrite(), "");
  EXPECT_EQ(file.Read(), out);
  // And the file loads back to the same values.
  Config again;
  ASSERT_EQ(again.LoadFile(file.path()), "");
  EXPECT_EQ(again.settings().hz, 25);
  EXPECT_EQ(again.settings().maxmemory, 1048576);
}

TEST(ConfigRewrite, WithoutFileFails) {
  Config cfg;
  EXPECT_EQ(cfg.Rewrite(), "The server is running without a config file");
}

// CONFIG commands through the gate.
class ConfigCommandTest : public testing::ServerFixture {};

TEST_F(ConfigCommandTest, GetExactGlobAliasAndNoDuplicates) {
  EXPECT_EQ(Run({"CONFIG", "GET", "hz"}), "*2\r\n" + Bulk("hz") + Bulk("10"));
  // An exact name is answered under the name as given, aliases too.
  EXPECT_EQ(Run({"CONFIG", "GET", "SLAVE-read-only"}),
            "*2\r\n" + Bulk("SLAVE-read-only") + Bulk("yes"));
  EXPECT_EQ(Run({"CONFIG", "GET", "hz", "hz", "h?"}), "*2\r\n" + Bulk("hz") + Bulk("10"));
  EXPECT_EQ(Run({"CONFIG", "GET", "nothing-matches"}), "*0\r\n");
  // Globs match names and aliases, case-insensitively.
  std::string r = Run({"CONFIG", "GET", "*READ-ONLY"});
  EXPECT_EQ(r, "*4\r\n" + Bulk("replica-read-only") + Bulk("yes") + Bulk("slave-read-only") +
                   Bulk("yes"));
  EXPECT_EQ(Run({"CONFIG", "GET"}), Err("ERR wrong number of arguments for 'config|get' command"));
}

TEST_F(ConfigCommandTest, GetRepliesAMapInResp3) {
  ASSERT_EQ(Run({"HELLO", "3"}).substr(0, 3), "%7\r");
  EXPECT_EQ(Run({"CONFIG", "GET", "maxmemory"}), "%1\r\n" + Bulk("maxmemory") + Bulk("0"));
}

TEST_F(ConfigCommandTest, SetAppliesAndFormatsValues) {
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory", "1GB", "hz", "20"}), kOk);
  EXPECT_EQ(srv().settings().maxmemory, 1073741824);
  EXPECT_EQ(srv().settings().hz, 20);
  EXPECT_EQ(Run({"CONFIG", "GET", "maxmemory"}), "*2\r\n" + Bulk("maxmemory") + Bulk("1073741824"));
  EXPECT_EQ(Run({"CONFIG", "SET", "save", "100 10 200 20"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "GET", "save"}), "*2\r\n" + Bulk("save") + Bulk("100 10 200 20"));
  EXPECT_EQ(Run({"CONFIG", "SET", "save", ""}), kOk);
  EXPECT_TRUE(srv().settings().save.empty());
  EXPECT_EQ(Run({"CONFIG", "SET", "notify-keyspace-events", "KEA"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "GET", "notify-keyspace-events"}),
            "*2\r\n" + Bulk("notify-keyspace-events") + Bulk("AKE"));
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory-clients", "10%"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "GET", "maxmemory-clients"}),
            "*2\r\n" + Bulk("maxmemory-clients") + Bulk("10%"));
  EXPECT_EQ(Run({"CONFIG", "SET", "loglevel", "WARNING"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "GET", "loglevel"}), "*2\r\n" + Bulk("loglevel") + Bulk("warning"));
  EXPECT_EQ(Run({"CONFIG", "SET", "loglevel", "notice"}), kOk);
}

TEST_F(ConfigCommandTest, SetErrorsMatchRedis) {
  EXPECT_EQ(Run({"CONFIG", "SET", "foo", "bar"}),
            Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"));
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory", "abc"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must "
                "be a memory value"));
  EXPECT_EQ(Run({"CONFIG", "SET", "daemonize", "yes"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
                "immutable config"));
  EXPECT_EQ(Run({"CONFIG", "SET", "dir", "/tmp"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected "
                "config"));
  EXPECT_EQ(Run({"CONFIG", "SET", "hz", "1", "HZ", "2"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter"));
  EXPECT_EQ(Run({"CONFIG", "SET", "hz", "abc", "hz", "2"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"));
  EXPECT_EQ(Run({"CONFIG", "SET", "hz", "1", "foo", "1", "hz", "2"}),
            Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"));
  EXPECT_EQ(Run({"CONFIG", "SET", "appendfsync", "x"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) "
                "must be one of the following: everysec, always, no"));
  EXPECT_EQ(Run({"CONFIG", "SET", "slave-read-only", "x"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument "
                "must be 'yes' or 'no'"));
  EXPECT_EQ(Run({"CONFIG", "SET", "hz", "+5"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be "
                "parsed into an integer"));
  EXPECT_EQ(Run({"CONFIG", "SET", "hz", "-5"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be "
                "between 0 and 2147483647 inclusive"));
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory", "1", "hz"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory"}),
            Err("ERR wrong number of arguments for 'config|set' command"));
  // The server keeps serving.
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
}

TEST_F(ConfigCommandTest, SetIsAtomic) {
  ASSERT_EQ(Run({"CONFIG", "SET", "hz", "5"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "SET", "hz", "11", "maxmemory", "10mb", "timeout", "x"}).substr(0, 24),
            "-ERR CONFIG SET failed (");
  EXPECT_EQ(srv().settings().hz, 5);
  EXPECT_EQ(srv().settings().maxmemory, 0);
  EXPECT_EQ(srv().settings().timeout, 0);
}

TEST_F(ConfigCommandTest, FailingApplyHookRestoresEveryValue) {
  srv().config().SetApplyHook("timeout", [] { return std::string("refused by hook"); });
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory", "5mb", "timeout", "30"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'timeout') - refused by "
                "hook"));
  EXPECT_EQ(srv().settings().maxmemory, 0);
  EXPECT_EQ(srv().settings().timeout, 0);
}

TEST_F(ConfigCommandTest, ProtectedConfigsFollowEnableProtectedConfigs) {
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  Restart("enable-protected-configs yes\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "dir", cwd}), kOk);
  EXPECT_EQ(Run({"CONFIG", "GET", "dir"}), "*2\r\n" + Bulk("dir") + Bulk(cwd));
  EXPECT_EQ(Run({"CONFIG", "SET", "dir", "/nonexistent-baton-dir"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or "
                "directory"));
  // "local": allowed from local connections (the in-process client is local).
  Restart("enable-protected-configs local\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "dbfilename", "x.rdb"}), kOk);
  EXPECT_EQ(srv().settings().dbfilename, "x.rdb");
}

TEST_F(ConfigCommandTest, ProtoMaxBulkLenUpdatesClients) {
  EXPECT_EQ(Run({"CONFIG", "SET", "proto-max-bulk-len", "10"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - "
                "argument must be between 1048576 and 9223372036854775807 inclusive"));
  EXPECT_EQ(Run({"CONFIG", "SET", "proto-max-bulk-len", "2mb"}), kOk);
  EXPECT_EQ(srv().settings().proto_max_bulk_len, 2 * 1024 * 1024);
}

TEST_F(ConfigCommandTest, ResetStatClearsCountersButNotTheSlowLog) {
  Run({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  Run({"SET", "k", "v"});
  Run({"GET", "k"});
  Run({"GET", "missing"});
  EXPECT_GT(srv().stats().total_commands_processed, 0u);
  EXPECT_GT(srv().stats().keyspace_hits, 0u);
  ASSERT_FALSE(srv().slowlog().entries().empty());
  EXPECT_EQ(Run({"CONFIG", "RESETSTAT"}), kOk);
  EXPECT_EQ(srv().stats().keyspace_hits, 0u);
  EXPECT_EQ(srv().stats().keyspace_misses, 0u);
  EXPECT_EQ(srv().commands().Find("get")->calls, 0u);
  EXPECT_FALSE(srv().slowlog().entries().empty());
}

TEST_F(ConfigCommandTest, RewriteWithoutConfigFile) {
  EXPECT_EQ(Run({"CONFIG", "REWRITE"}), Err("ERR The server is running without a config file"));
}

TEST_F(ConfigCommandTest, RewriteWritesTheFile) {
  TempFile file("# mine\nhz 10\n");
  srv().config().set_config_file(file.path());
  ASSERT_EQ(Run({"CONFIG", "SET", "hz", "33"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "REWRITE"}), kOk);
  EXPECT_EQ(file.Read().substr(0, 14), "# mine\nhz 33\n#");
}

TEST_F(ConfigCommandTest, HelpAndUnknownSubcommand) {
  std::string help = Run({"CONFIG", "HELP"});
  EXPECT_EQ(help.substr(0, 5), "*11\r\n");
  EXPECT_NE(help.find("+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"),
            std::string::npos);
  EXPECT_EQ(Run({"CONFIG", "FOO"}), Err("ERR unknown subcommand 'FOO'. Try CONFIG HELP."));
}

}  // namespace
}  // namespace config_test
}  // namespace baton
