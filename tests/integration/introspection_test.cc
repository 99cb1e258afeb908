// MONITOR, SHUTDOWN and INFO against the real baton-server over TCP.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <string>

#include "support/server_process.h"

namespace baton::testing {
namespace introspection_test {
namespace {

TEST(IntrospectionIntegration, MonitorSeesAnotherClientsCommands) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  Connection monitor = server.Connect();
  Connection other = server.Connect();
  ASSERT_TRUE(monitor && other);
  Reply ok = Command(monitor.get(), {"MONITOR"});
  ASSERT_TRUE(ok && ok->type == REDIS_REPLY_STATUS);
  EXPECT_STREQ(ok->str, "OK");

  Reply set = Command(other.get(), {"SET", "greeting", "hello world"});
  ASSERT_TRUE(set && set->type == REDIS_REPLY_STATUS);

  void* raw = nullptr;
  ASSERT_EQ(redisGetReply(monitor.get(), &raw), REDIS_OK);  // bounded by the 10 s timeout
  Reply line(static_cast<redisReply*>(raw));
  ASSERT_TRUE(line && line->type == REDIS_REPLY_STATUS);
  const std::string text(line->str, line->len);
  EXPECT_NE(text.find("[0 127.0.0.1:"), std::string::npos) << text;
  EXPECT_NE(text.find("] \"SET\" \"greeting\" \"hello world\""), std::string::npos) << text;

  // Closing the monitor leaves the server serving the others.
  monitor.reset();
  Reply get = Command(other.get(), {"GET", "greeting"});
  ASSERT_TRUE(get && get->type == REDIS_REPLY_STRING);
  EXPECT_STREQ(get->str, "hello world");
}

TEST(IntrospectionIntegration, ShutdownExitsCleanlyWithoutReply) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  Reply bad = Command(c.get(), {"SHUTDOWN", "BOGUS"});
  ASSERT_TRUE(bad && bad->type == REDIS_REPLY_ERROR);
  EXPECT_STREQ(bad->str, "ERR syntax error");
  Reply none = Command(c.get(), {"SHUTDOWN", "NOSAVE"});
  EXPECT_EQ(none, nullptr);  // the connection closed instead of answering
  // Signal 0 sends nothing: Stop only waits (bounded) for the exit status.
  EXPECT_EQ(server.Stop(0), 0);
}

TEST(IntrospectionIntegration, InfoReportsTheListeningPort) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  Reply info = server.Command({"INFO", "server"});
  ASSERT_TRUE(info && info->type == REDIS_REPLY_STRING);
  const std::string text(info->str, info->len);
  EXPECT_EQ(text.rfind("# Server\r\nredis_version:7.0.15\r\n", 0), 0U) << text;
  EXPECT_NE(text.find("\r\ntcp_port:" + std::to_string(server.port()) + "\r\n"), std::string::npos)
      << text;
  Reply stats = server.Command({"INFO", "stats"});
  ASSERT_TRUE(stats && stats->type == REDIS_REPLY_STRING);
  EXPECT_NE(std::string(stats->str, stats->len).find("total_connections_received:"),
            std::string::npos);
}

TEST(IntrospectionIntegration, DebugCommandFollowsTheConfig) {
  ServerProcess locked;
  ASSERT_TRUE(locked.Start());
  Reply refused = locked.Command({"DEBUG", "SLEEP", "0"});
  ASSERT_TRUE(refused && refused->type == REDIS_REPLY_ERROR);
  EXPECT_EQ(std::string(refused->str).rfind("ERR DEBUG command not allowed.", 0), 0U);

  ServerProcess open({"--enable-debug-command", "yes"});
  ASSERT_TRUE(open.Start());
  Reply populated = open.Command({"DEBUG", "POPULATE", "1000"});
  ASSERT_TRUE(populated && populated->type == REDIS_REPLY_STATUS);
  Reply keyspace = open.Command({"INFO", "keyspace"});
  ASSERT_TRUE(keyspace && keyspace->type == REDIS_REPLY_STRING);
  EXPECT_NE(std::string(keyspace->str, keyspace->len).find("db0:keys=1000,expires=0"),
            std::string::npos);
}

}  // namespace
}  // namespace introspection_test
}  // namespace baton::testing
