// INFO, COMMAND, SLOWLOG, MONITOR, SHUTDOWN, TIME and LASTSAVE, in process.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "support/server_fixture.h"

namespace baton::testing {
namespace introspection_test {
namespace {

class IntrospectionTest : public ServerFixture {
 protected:
  // The payload of a bulk reply; fails the test when the framing is wrong.
  static std::string BulkBody(const std::string& reply) {
    EXPECT_EQ(reply.substr(0, 1), "$") << reply;
    const size_t eol = reply.find("\r\n");
    if (eol == std::string::npos) return "";
    const size_t len = std::stoul(reply.substr(1, eol - 1));
    EXPECT_EQ(reply.size(), eol + 2 + len + 2) << reply;
    return reply.substr(eol + 2, len);
  }
  std::string InfoText(const std::vector<std::string>& sections) {
    std::vector<std::string> args = {"INFO"};
    args.insert(args.end(), sections.begin(), sections.end());
    return BulkBody(Run(args));
  }
  // The value of `field` in an INFO text, or "<missing>".
  static std::string Field(const std::string& info, const std::string& field) {
    const std::string key = "\r\n" + field + ":";
    size_t at = ("\r\n" + info).find(key);
    if (at == std::string::npos) return "<missing>";
    at += key.size() - 2;
    return info.substr(at, info.find("\r\n", at) - at);
  }
  // ":<v>\r\n", built by appending (GCC 12 warns on "lit" + std::string here).
  static std::string Integer(int64_t v) {
    std::string out(":");
    out += std::to_string(v);
    out += "\r\n";
    return out;
  }
  bool Registered(const std::string& name) { return srv().commands().Find(name) != nullptr; }
};

TEST_F(IntrospectionTest, InfoDefaultHasRedisSectionsInOrder) {
  const std::string info = InfoText({});
  const std::vector<std::string> titles = {
      "# Server", "# Clients", "# Memory",     "# Persistence", "# Stats",   "# Replication",
      "# CPU",    "# Modules", "# Errorstats", "# Cluster",     "# Keyspace"};
  size_t pos = 0;
  for (const auto& t : titles) {
    size_t at = info.find(t + "\r\n", pos);
    ASSERT_NE(at, std::string::npos) << t;
    pos = at;
  }
  EXPECT_EQ(info.find("# Commandstats"), std::string::npos);
  EXPECT_EQ(info.rfind("# Server\r\nredis_version:7.0.15\r\n", 0), 0U);
  EXPECT_NE(Field(info, "baton_version"), "<missing>");
  EXPECT_TRUE(std::regex_match(Field(info, "run_id"), std::regex("[0-9a-f]{40}")));
}

TEST_F(IntrospectionTest, InfoEverythingHasTheFieldsToolsParse) {
  Run({"SET", "k", "v"});
  const std::string info = InfoText({"everything"});
  for (const char* f : {"redis_version",
                        "redis_mode",
                        "os",
                        "arch_bits",
                        "process_id",
                        "run_id",
                        "tcp_port",
                        "uptime_in_seconds",
                        "uptime_in_days",
                        "hz",
                        "configured_hz",
                        "lru_clock",
                        "executable",
                        "config_file",
                        "connected_clients",
                        "maxclients",
                        "blocked_clients",
                        "used_memory",
                        "used_memory_human",
                        "used_memory_rss",
                        "used_memory_peak",
                        "used_memory_peak_human",
                        "total_system_memory",
                        "maxmemory",
                        "maxmemory_human",
                        "maxmemory_policy",
                        "mem_fragmentation_ratio",
                        "mem_allocator",
                        "loading",
                        "rdb_changes_since_last_save",
                        "rdb_bgsave_in_progress",
                        "rdb_last_save_time",
                        "rdb_last_bgsave_status",
                        "aof_enabled",
                        "aof_rewrite_in_progress",
                        "total_connections_received",
                        "total_commands_processed",
                        "instantaneous_ops_per_sec",
                        "total_net_input_bytes",
                        "rejected_connections",
                        "expired_keys",
                        "evicted_keys",
                        "keyspace_hits",
                        "keyspace_misses",
                        "pubsub_channels",
                        "total_error_replies",
                        "role",
                        "connected_slaves",
                        "master_failover_state",
                        "master_replid",
                        "master_replid2",
                        "master_repl_offset",
                        "second_repl_offset",
                        "repl_backlog_active",
                        "repl_backlog_size",
                        "used_cpu_sys",
                        "used_cpu_user",
                        "cluster_enabled"}) {
    EXPECT_NE(Field(info, f), "<missing>") << f;
  }
  EXPECT_EQ(Field(info, "rdb_bgsave_in_progress"), "0");
  EXPECT_EQ(Field(info, "rdb_last_bgsave_status"), "ok");
  EXPECT_EQ(Field(info, "maxmemory_policy"), "noeviction");
  EXPECT_EQ(Field(info, "role"), "master");
  EXPECT_EQ(Field(info, "master_failover_state"), "no-failover");
  EXPECT_EQ(Field(info, "master_replid2"), std::string(40, '0'));
  EXPECT_EQ(Field(info, "second_repl_offset"), "-1");
  EXPECT_EQ(Field(info, "rdb_changes_since_last_save"), "1");
  EXPECT_TRUE(std::regex_match(Field(info, "used_memory"), std::regex("[0-9]+")));
  EXPECT_TRUE(std::regex_match(Field(info, "used_memory_human"),
                               std::regex("[0-9]+(\\.[0-9]{2}[KMGTP]|B)")));
  EXPECT_TRUE(std::regex_match(Field(info, "used_cpu_sys"), std::regex("[0-9]+\\.[0-9]{6}")));
  EXPECT_NE(info.find("# Commandstats\r\n"), std::string::npos);
  EXPECT_NE(info.find("# Latencystats\r\n"), std::string::npos);
}

TEST_F(IntrospectionTest, InfoSectionFraming) {
  EXPECT_EQ(Run({"INFO", "nosuchsection"}), "$0\r\n\r\n");
  EXPECT_EQ(InfoText({"modules"}), "# Modules\r\n");
  EXPECT_EQ(InfoText({"keyspace"}), "# Keyspace\r\n");
  Run({"SET", "a", "1"});
  Run({"SET", "b", "2"});
  // Order follows Redis's, not the request's; names are case-insensitive.
  EXPECT_EQ(InfoText({"KEYSPACE", "modules"}),
            "# Modules\r\n\r\n# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n");
  EXPECT_EQ(InfoText({"keyspace", "keyspace"}), "# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n");
  EXPECT_EQ(InfoText({"cluster"}), "# Cluster\r\ncluster_enabled:0\r\n");
}

TEST_F(IntrospectionTest, InfoIsVerbatimInResp3) {
  client().set_protocol(3);
  EXPECT_EQ(Run({"INFO", "cluster"}), "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
}

TEST_F(IntrospectionTest, InfoCommandAndErrorStats) {
  Run({"SET", "k", "v"});
  Run({"GET"});  // rejected: arity
  Run({"NOSUCHCOMMAND"});
  Run({"SLOWLOG", "LEN"});
  const std::string info = InfoText({"commandstats", "errorstats"});
  EXPECT_TRUE(std::regex_search(
      info, std::regex("\r\ncmdstat_set:calls=1,usec=[0-9]+,usec_per_call=[0-9]+\\.[0-9]{2},"
                       "rejected_calls=0,failed_calls=0\r\n")))
      << info;
  EXPECT_NE(info.find("cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,"
                      "failed_calls=0\r\n"),
            std::string::npos)
      << info;
  EXPECT_NE(info.find("cmdstat_slowlog|len:calls=1,"), std::string::npos) << info;
  EXPECT_NE(info.find("# Errorstats\r\nerrorstat_ERR:count=2\r\n"), std::string::npos) << info;
}

TEST_F(IntrospectionTest, InfoStatsAndClients) {
  Run({"SET", "k", "v"});
  Run({"GET", "k"});
  Run({"GET", "missing"});
  const std::string info = InfoText({"stats", "clients"});
  EXPECT_EQ(Field(info, "keyspace_hits"), "1");
  EXPECT_EQ(Field(info, "keyspace_misses"), "1");
  EXPECT_EQ(Field(info, "total_commands_processed"), "3");
  EXPECT_EQ(Field(info, "connected_clients"), "1");
  EXPECT_EQ(Field(info, "blocked_clients"), "0");
  EXPECT_EQ(Field(info, "maxclients"), "10000");
}

TEST_F(IntrospectionTest, InfoReplicationFollowsTheRole) {
  std::string info = InfoText({"replication"});
  EXPECT_EQ(Field(info, "role"), "master");
  EXPECT_EQ(Field(info, "master_replid"), srv().role().replid);
  EXPECT_EQ(Field(info, "master_host"), "<missing>");
  // A replica whose link never came up (no loop runs in process).
  EXPECT_EQ(Run({"REPLICAOF", "10.0.0.1", "6380"}), kOk);
  info = InfoText({"replication"});
  EXPECT_EQ(info.rfind("# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6380\r\n"
                       "master_link_status:down\r\n",
                       0),
            0U)
      << info;
  EXPECT_EQ(Field(info, "master_link_down_since_seconds"), "-1");
  EXPECT_EQ(Field(info, "slave_read_only"), "1");
  EXPECT_EQ(Run({"REPLICAOF", "NO", "ONE"}), kOk);
  info = InfoText({"replication"});
  EXPECT_EQ(Field(info, "role"), "master");
  EXPECT_EQ(Field(info, "master_host"), "<missing>");
}

TEST_F(IntrospectionTest, CommandCountAndHelp) {
  EXPECT_EQ(Run({"COMMAND", "COUNT"}), Integer(static_cast<int64_t>(srv().commands().size())));
  const std::string help = Run({"COMMAND", "HELP"});
  EXPECT_EQ(help.rfind("*", 0), 0U);
  EXPECT_NE(help.find("+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"),
            std::string::npos);
  EXPECT_EQ(Run({"COMMAND", "FOO"}), Err("ERR unknown subcommand 'FOO'. Try COMMAND HELP."));
  EXPECT_EQ(Run({"COMMAND", "COUNT", "x"}),
            Err("ERR wrong number of arguments for 'command|count' command"));
  const std::string all = Run({"COMMAND"});
  EXPECT_EQ(all.rfind("*" + std::to_string(srv().commands().size()) + "\r\n*10\r\n", 0), 0U);
}

TEST_F(IntrospectionTest, CommandInfoGetMatchesRedis) {
  ASSERT_TRUE(Registered("get"));
  // Byte for byte what Redis 7.0.15 answers.
  EXPECT_EQ(Run({"COMMAND", "INFO", "get"}),
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
            "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n"
            "+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
            "*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
            "$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n"
            ":0\r\n*0\r\n");
}

TEST_F(IntrospectionTest, CommandInfoShapes) {
  ASSERT_TRUE(Registered("set"));
  const std::string set = Run({"COMMAND", "INFO", "SET"});
  EXPECT_EQ(
      set.rfind("*1\r\n*10\r\n$3\r\nset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n",
                0),
      0U)
      << set;
  // Unknown names answer a null entry in place.
  EXPECT_EQ(Run({"COMMAND", "INFO", "nosuch"}), "*1\r\n*-1\r\n");
  // A subcommand by its full name; admin commands show admin and @dangerous.
  EXPECT_EQ(Run({"COMMAND", "INFO", "slowlog|get"}),
            "*1\r\n*10\r\n$11\r\nslowlog|get\r\n:-2\r\n*3\r\n+admin\r\n+loading\r\n+stale\r\n"
            ":0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*2\r\n"
            "$24\r\nrequest_policy:all_nodes\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n");
  // A container lists its subcommands as the tenth element.
  const std::string slowlog = Run({"COMMAND", "INFO", "slowlog"});
  EXPECT_EQ(slowlog.rfind("*1\r\n*10\r\n$7\r\nslowlog\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n*1\r\n"
                          "+@slow\r\n*0\r\n*0\r\n*4\r\n*10\r\n$11\r\nslowlog|len\r\n",
                          0),
            0U)
      << slowlog;
  if (Registered("client") && srv().commands().Find("client")->FindSubcommand("kill")) {
    const std::string kill = Run({"COMMAND", "INFO", "client|kill"});
    EXPECT_EQ(kill.rfind("*1\r\n*10\r\n$11\r\nclient|kill\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n"
                         "+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n",
                         0),
              0U)
        << kill;
  }
  // RESP3: flags, categories, tips, key specs and subcommands are sets.
  client().set_protocol(3);
  const std::string get3 = Run({"COMMAND", "INFO", "get"});
  EXPECT_EQ(get3.rfind("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n", 0), 0U);
  EXPECT_NE(get3.find("~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n"), std::string::npos) << get3;
}

TEST_F(IntrospectionTest, CommandDocs) {
  EXPECT_EQ(Run({"COMMAND", "DOCS", "nosuch"}), "*0\r\n");
  EXPECT_EQ(Run({"COMMAND", "DOCS", "time"}),
            "*2\r\n$4\r\ntime\r\n*8\r\n$7\r\nsummary\r\n$30\r\nReturn the current server time\r\n"
            "$5\r\nsince\r\n$5\r\n2.6.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n"
            "$4\r\nO(1)\r\n");
  const std::string slowlog = Run({"COMMAND", "DOCS", "SLOWLOG"});
  EXPECT_NE(slowlog.find("$11\r\nsubcommands\r\n*8\r\n$11\r\nslowlog|len\r\n"), std::string::npos)
      << slowlog;
  client().set_protocol(3);
  EXPECT_EQ(Run({"COMMAND", "DOCS", "time", "nosuch"}).rfind("%1\r\n$4\r\ntime\r\n%4\r\n", 0), 0U);
}

TEST_F(IntrospectionTest, CommandList) {
  const std::string all = Run({"COMMAND", "LIST"});
  EXPECT_NE(all.find("$7\r\nslowlog\r\n"), std::string::npos);
  EXPECT_NE(all.find("$11\r\nslowlog|len\r\n"), std::string::npos);
  const std::string slow = Run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "SLOWLOG*"});
  EXPECT_EQ(slow.rfind("*5\r\n", 0), 0U) << slow;
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "nomatch*"}), "*0\r\n");
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "MODULE", "x"}), "*0\r\n");
  const std::string admin = Run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "admin"});
  EXPECT_NE(admin.find("$7\r\nmonitor\r\n"), std::string::npos);
  EXPECT_EQ(admin.find("$4\r\ntime\r\n"), std::string::npos);
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "BAD", "x"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"COMMAND", "LIST", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "PATTERN"}), Err("ERR syntax error"));
}

TEST_F(IntrospectionTest, CommandGetKeys) {
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "set", "a", "b"}), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "nosuch", "a"}), Err("ERR Invalid command specified"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "get", "a", "b"}),
            Err("ERR Invalid number of arguments specified for command"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "get"}),
            Err("ERR wrong number of arguments for 'command|getkeys' command"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "slowlog", "get", "1"}),
            Err("ERR The command has no key arguments"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "slowlog", "nosuch", "1"}),
            Err("ERR Invalid command specified"));
  if (Registered("mset")) {
    EXPECT_EQ(Run({"COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"}),
              "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    EXPECT_EQ(Run({"COMMAND", "GETKEYS", "mset", "a"}),
              Err("ERR Invalid number of arguments specified for command"));
  }
  if (Registered("del")) {
    EXPECT_EQ(Run({"COMMAND", "GETKEYS", "del", "x", "y", "z"}),
              "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n");
  }
  const std::string flags = Run({"COMMAND", "GETKEYSANDFLAGS", "get", "k"});
  EXPECT_EQ(flags, "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n");
}

TEST_F(IntrospectionTest, SlowlogRecordsAndResets) {
  Restart("slowlog-log-slower-than 0\n");
  client().set_name("tester");
  Run({"SET", "k", "v"});
  const std::string entry = Run({"SLOWLOG", "GET", "1"});
  EXPECT_TRUE(std::regex_match(entry, std::regex("\\*1\r\n\\*6\r\n:0\r\n:[0-9]+\r\n:[0-9]+\r\n"
                                                 "\\*3\r\n\\$3\r\nSET\r\n\\$1\r\nk\r\n\\$1\r\nv\r\n"
                                                 "\\$[0-9]+\r\n.*\r\n\\$6\r\ntester\r\n")))
      << entry;
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Integer(2));  // SET and SLOWLOG GET
  EXPECT_EQ(Run({"SLOWLOG", "GET", "-1"}).rfind("*3\r\n", 0), 0U);
  EXPECT_EQ(Run({"SLOWLOG", "GET", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"SLOWLOG", "GET", "-2"}), Err("ERR count should be greater than or equal to -1"));
  EXPECT_EQ(Run({"SLOWLOG", "GET", "x"}), Err("ERR count should be greater than or equal to -1"));
  EXPECT_EQ(Run({"SLOWLOG", "RESET"}), kOk);
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Integer(1));  // the RESET itself, like Redis
  EXPECT_EQ(Run({"SLOWLOG", "FOO"}), Err("ERR unknown subcommand 'FOO'. Try SLOWLOG HELP."));
  EXPECT_EQ(Run({"SLOWLOG", "HELP"}).rfind("*11\r\n+SLOWLOG <subcommand>", 0), 0U);
}

TEST_F(IntrospectionTest, SlowlogDisabledByNegativeThreshold) {
  Restart("slowlog-log-slower-than -1\n");
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Integer(0));
  EXPECT_EQ(Run({"SLOWLOG", "GET"}), "*0\r\n");
}

TEST_F(IntrospectionTest, MonitorStreamsOtherClientsCommands) {
  server::Client* m = NewClient();
  EXPECT_EQ(Run({"MONITOR"}, m), kOk);
  ASSERT_EQ(srv().monitors().size(), 1U);
  EXPECT_TRUE(m->Has(server::kClientMonitor));
  Run({"SET", "k", "a b"});
  EXPECT_TRUE(std::regex_match(
      m->output(), std::regex("\\+[0-9]+\\.[0-9]{6} \\[0 [^\\]]*\\] \"SET\" \"k\" \"a b\"\r\n")))
      << m->output();
  m->output().clear();
  // Admin commands are not shown.
  Run({"SLOWLOG", "LEN"});
  EXPECT_EQ(m->output(), "");
  // A second MONITOR is ignored without a reply.
  EXPECT_EQ(Run({"MONITOR"}, m), "");
  EXPECT_EQ(srv().monitors().size(), 1U);
  // The monitor cannot touch the keyspace but may still PING.
  EXPECT_EQ(Run({"GET", "k"}, m), Err("ERR Replica can't interact with the keyspace"));
  EXPECT_EQ(Run({"PING"}, m).rfind("+PONG\r\n", 0), 0U);
  // Its own QUIT is answered but not echoed: a closing client takes no more output.
  EXPECT_EQ(Run({"QUIT"}, m), kOk);
  srv().RemoveClient(m);
  EXPECT_TRUE(srv().monitors().empty());
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
}

TEST_F(IntrospectionTest, MonitorRefusedInsideExec) {
  if (!Registered("multi") || !Registered("exec")) GTEST_SKIP() << "transactions not registered";
  EXPECT_EQ(Run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Run({"MONITOR"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n");
  EXPECT_TRUE(srv().monitors().empty());
}

TEST_F(IntrospectionTest, ShutdownOptions) {
  EXPECT_EQ(Run({"SHUTDOWN", "FOO"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SHUTDOWN", "NOSAVE", "SAVE"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SHUTDOWN", "NOW", "ABORT"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SHUTDOWN", "ABORT"}), Err("ERR No shutdown in progress."));
  EXPECT_FALSE(srv().shutting_down());
  srv().save_on_shutdown = [] { return std::string("disk full"); };
  EXPECT_EQ(Run({"SHUTDOWN", "SAVE"}), Err("ERR Errors trying to SHUTDOWN. Check logs."));
  EXPECT_FALSE(srv().shutting_down());
  // Success answers nothing: the process exits.
  EXPECT_EQ(Run({"SHUTDOWN", "NOSAVE", "NOW"}), "");
  EXPECT_TRUE(srv().shutting_down());
}

TEST_F(IntrospectionTest, ShutdownForceIgnoresSaveErrors) {
  srv().save_on_shutdown = [] { return std::string("disk full"); };
  EXPECT_EQ(Run({"shutdown", "save", "force"}), "");
  EXPECT_TRUE(srv().shutting_down());
}

TEST_F(IntrospectionTest, TimeAndLastSave) {
  const std::string t = Run({"TIME"});
  std::smatch m;
  ASSERT_TRUE(std::regex_match(t, m,
                               std::regex("\\*2\r\n\\$10\r\n([0-9]{10})\r\n\\$[1-6]\r\n"
                                          "([0-9]{1,6})\r\n")))
      << t;
  EXPECT_EQ(std::stoll(m[1].str()), srv().NowUs() / 1000000);
  EXPECT_EQ(Run({"LASTSAVE"}), Integer(srv().start_time_ms() / 1000));
  EXPECT_EQ(Run({"TIME", "x"}), Err("ERR wrong number of arguments for 'time' command"));
}

}  // namespace
}  // namespace introspection_test
}  // namespace baton::testing

namespace baton::testing {
namespace introspection_test {
namespace {

// MEMORY USAGE counts a key's table entry and its value; MEMORY STATS and
// INFO memory share one accounting; errors as Redis words them.
TEST_F(IntrospectionTest, MemoryUsageStatsAndErrors) {
  EXPECT_EQ(Run({"MEMORY", "USAGE", "missing"}), "$-1\r\n");
  Run({"SET", "small", "v"});
  Run({"SET", "large", std::string(1000, 'x')});
  const std::string small = Run({"MEMORY", "USAGE", "small"});
  const std::string large = Run({"MEMORY", "USAGE", "large", "SAMPLES", "0"});
  ASSERT_EQ(small.substr(0, 1), ":") << small;
  ASSERT_EQ(large.substr(0, 1), ":") << large;
  EXPECT_GT(std::stol(small.substr(1)), 0);
  EXPECT_GE(std::stol(large.substr(1)), 1000 + std::stol(small.substr(1)));
  Run({"HSET", "h", "f", "v"});
  const std::string hash = Run({"MEMORY", "USAGE", "h"});
  ASSERT_EQ(hash.substr(0, 1), ":") << hash;
  EXPECT_GT(std::stol(hash.substr(1)), std::stol(small.substr(1)));

  EXPECT_EQ(Run({"MEMORY", "USAGE", "small", "SAMPLES", "x"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"MEMORY", "USAGE", "small", "SAMPLES", "-1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"MEMORY", "USAGE", "small", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"MEMORY", "USAGE", "small", "SAMPLES"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"MEMORY", "FOO"}), Err("ERR unknown subcommand 'FOO'. Try MEMORY HELP."));
  EXPECT_EQ(Run({"MEMORY"}), Err("ERR wrong number of arguments for 'memory' command"));

  // Sizing keys is not reading them: keyspace hits and misses stay as they were.
  const std::string before = Run({"INFO", "stats"});
  Run({"MEMORY", "USAGE", "small"});
  Run({"MEMORY", "USAGE", "missing"});
  const std::string after = Run({"INFO", "stats"});
  EXPECT_EQ(Field(BulkBody(after), "keyspace_hits"), Field(BulkBody(before), "keyspace_hits"));
  EXPECT_EQ(Field(BulkBody(after), "keyspace_misses"), Field(BulkBody(before), "keyspace_misses"));

  const std::string stats = Run({"MEMORY", "STATS"});
  EXPECT_EQ(stats.substr(0, 4), "*56\r") << stats;  // 27 fields and db.0, as pairs
  EXPECT_NE(stats.find("$10\r\nkeys.count\r\n:3\r\n"), std::string::npos) << stats;
  EXPECT_NE(stats.find("$4\r\ndb.0\r\n*6\r\n"), std::string::npos) << stats;
  // Field names as Redis 7.0 spells them.
  for (const char* name : {"peak.allocated", "overhead.total", "dataset.percentage",
                           "allocator-fragmentation.ratio", "allocator-rss.ratio",
                           "allocator-rss.bytes", "rss-overhead.bytes", "fragmentation.bytes"}) {
    EXPECT_NE(stats.find(std::string("\r\n") + name + "\r\n"), std::string::npos) << name;
  }
  EXPECT_EQ(Run({"MEMORY", "PURGE"}), "+OK\r\n");
  EXPECT_EQ(Run({"MEMORY", "DOCTOR"}).substr(0, 1), "$");
  EXPECT_EQ(Run({"MEMORY", "MALLOC-STATS"}).substr(0, 1), "$");
  EXPECT_EQ(Run({"MEMORY", "HELP"}).substr(0, 4), "*14\r");
}

}  // namespace
}  // namespace introspection_test
}  // namespace baton::testing
