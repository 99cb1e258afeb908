// baton-pulse end to end: a steady run against baton-server and Debian's
// redis-server (no errors, nothing lost), and a real switchover of a Redis
// 7.0 master/replica pair with Redis's own FAILOVER under load.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/pulse_run.h"
#include "support/server_process.h"

namespace baton::testing {
namespace pulse_test {
namespace {

TEST(PulseIntegration, SteadyRunAgainstBaton) {
  ServerProcess baton;
  ASSERT_TRUE(baton.Start());
  PulseRun legacy = RunPulse(baton.port(), "--clients 8 --keys 50 --duration 2 --mode legacy");
  ExpectCleanRun(legacy);
  EXPECT_EQ(legacy.Number("keys_checked"), 400) << legacy.output;
  // Redirect mode on a primary: CLIENT CAPA is accepted, nothing is redirected.
  PulseRun redirect = RunPulse(baton.port(), "--clients 4 --keys 20 --duration 1 --mode redirect");
  ExpectCleanRun(redirect);
  EXPECT_EQ(redirect.Raw("capa_unsupported"), "false") << redirect.output;
  EXPECT_EQ(redirect.Number("redirects"), 0) << redirect.output;
  // The counters the tool acknowledged are really there.
  Reply r = baton.Command({"GET", "pulse:0:0"});
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  EXPECT_GT(std::atoll(r->str), 0);
}

TEST(PulseIntegration, SteadyRunAgainstRedis) {
  if (!HaveProgram("redis-server")) GTEST_SKIP() << "redis-server not installed";
  ServerProcess redis({}, "/usr/bin/redis-server");
  ASSERT_TRUE(redis.Start());
  PulseRun run = RunPulse(redis.port(), "--clients 8 --keys 50 --duration 2 --mode legacy");
  ExpectCleanRun(run);
}

TEST(PulseIntegration, BadCommandLineExitsNonZero) {
  int code = 0;
  std::string out = RunShell(std::string(BATON_PULSE_BINARY) + " --mode sideways 2>&1", &code);
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("--mode"), std::string::npos) << out;
}

// Redis 7.0's FAILOVER under load, seen by a legacy client pinned to the old
// master: errors (by kind) after the demotion, and nothing acknowledged lost
// because Redis waits for the replica before switching.
TEST(PulseIntegration, RedisFailoverUnderLoad) {
  if (!HaveProgram("redis-server")) GTEST_SKIP() << "redis-server not installed";
  // No diskless-sync delay: Redis would otherwise wait 5 s for more replicas.
  ServerProcess master({"--repl-diskless-sync-delay", "0"}, "/usr/bin/redis-server");
  ServerProcess replica({}, "/usr/bin/redis-server");
  ASSERT_TRUE(master.Start());
  ASSERT_TRUE(replica.Start());
  Reply r = replica.Command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())});
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(WaitFor([&] {
    Reply info = replica.Command({"INFO", "replication"});
    return info != nullptr && info->type == REDIS_REPLY_STRING &&
           std::string(info->str).find("master_link_status:up") != std::string::npos;
  }));
  const std::string chart = master.dir() + "/pulse.svg";
  // Nine seconds after the FAILOVER: Redis's switch (it waits for a replica
  // ACK, sent once a second) must end within the run even on a loaded runner.
  PulseRun run = RunPulse(master.port(),
                          "--clients 10 --keys 100 --duration 10 --mode legacy --failover-at 1 "
                          "--chart " +
                              chart);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.json.front(), '{') << run.output;
  EXPECT_EQ(run.Raw("failover_reply"), "\"OK\"") << run.output;
  EXPECT_GT(run.Number("ops"), 0) << run.output;
  EXPECT_GT(run.Number("errors"), 0) << run.output;
  // Pinned to the demoted master, writes are refused as READONLY; on a host
  // slow enough that Redis's switch outlasts the per-request deadline, the
  // paused writes time out first. Either way the errors are of those kinds.
  const std::string kinds = run.Raw("errors_by_kind");
  EXPECT_TRUE(kinds.find("\"READONLY\":") != std::string::npos ||
              kinds.find("\"timeout\":") != std::string::npos)
      << run.output;
  EXPECT_EQ(run.Raw("verified"), "true") << run.output;
  EXPECT_EQ(run.Raw("verified_on"), "\"127.0.0.1:" + std::to_string(replica.port()) + "\"")
      << run.output;
  EXPECT_EQ(run.Number("lost_writes"), 0) << run.output;
  EXPECT_GT(run.Number("unavailable_ms"), 0) << run.output;
  std::string svg = RunShell("cat '" + chart + "'");
  EXPECT_NE(svg.find("class=\"failover\""), std::string::npos);
  EXPECT_NE(svg.find("errors at"), std::string::npos);
}

}  // namespace
}  // namespace pulse_test
}  // namespace baton::testing
