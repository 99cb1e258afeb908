// Graceful shutdown with a hand-over (SHUTDOWN FAILOVER, shutdown-failover
// yes on SIGTERM) and the rolling upgrade of docs/upgrade.md, between real
// baton-server processes: the replica restarts, the primary hands over and
// exits, and comes back as a replica of the new primary, while baton-pulse
// in redirect mode counts errors and lost writes (both must be zero). Every
// wait is a bounded poll.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <thread>
#include <vector>

#include "support/pair.h"
#include "support/pulse_run.h"
#include "support/server_process.h"

namespace baton::testing {
namespace upgrade_test {
namespace {

std::vector<std::string> NodeArgs(std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--repl-diskless-sync-delay", "0"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Starts `node` on `port` (a restart on the address clients know) and waits
// until it answers.
void Restart(ServerProcess& node, int port) {
  ASSERT_TRUE(node.Launch(port));
  ASSERT_TRUE(WaitFor([&] { return ReplyText(node.Command({"PING"})) == "PONG"; },
                      std::chrono::seconds(20)))
      << node.ReadLog();
}

int64_t CommandsProcessed(const ServerProcess& s) {
  const std::string n = InfoField(s, "total_commands_processed", "stats");
  return n.empty() ? 0 : std::stoll(n);
}

TEST(ShutdownHandoverTest, RefusedWithoutAReplicaAndOnAReplica) {
  ServerProcess primary(NodeArgs());
  ServerProcess replica(NodeArgs());
  ASSERT_TRUE(primary.Start());
  ASSERT_TRUE(replica.Start());
  EXPECT_EQ(ReplyText(primary.Command({"SHUTDOWN", "FAILOVER"})),
            "ERR FAILOVER requires connected replicas.");
  EXPECT_EQ(ReplyText(primary.Command({"SHUTDOWN", "FAILOVER", "NOW"})), "ERR syntax error");
  EXPECT_EQ(ReplyText(primary.Command({"SHUTDOWN", "FAILOVER", "ABORT"})), "ERR syntax error");
  EXPECT_EQ(ReplyText(primary.Command({"SHUTDOWN", "ABORT"})), "ERR No shutdown in progress.");
  Attach(replica, primary);
  EXPECT_EQ(ReplyText(replica.Command({"SHUTDOWN", "FAILOVER"})),
            "ERR FAILOVER is not valid when server is a replica.");
  // Both still serve.
  EXPECT_EQ(ReplyText(primary.Command({"SET", "k", "v"})), "OK");
  EXPECT_TRUE(WaitFor([&] { return ReplyText(replica.Command({"GET", "k"})) == "v"; }));
}

// SHUTDOWN ABORT while the primary waits for a stopped replica's ACK: the
// failover rolls back and the primary takes writes again.
TEST(ShutdownHandoverTest, AbortRollsBackAndKeepsServing) {
  ServerProcess primary(NodeArgs({"--shutdown-timeout", "30"}));
  ServerProcess replica(NodeArgs());
  ASSERT_TRUE(primary.Start());
  ASSERT_TRUE(replica.Start());
  Attach(replica, primary);
  ASSERT_EQ(kill(replica.pid(), SIGSTOP), 0);
  // The primary ran writes the stopped replica has not acknowledged.
  EXPECT_EQ(ReplyText(primary.Command({"SET", "before", "1"})), "OK");
  Connection asker = primary.Connect();
  ASSERT_TRUE(asker);
  redisAppendCommand(asker.get(), "SHUTDOWN FAILOVER");
  int done = 0;
  while (done == 0) ASSERT_EQ(redisBufferWrite(asker.get(), &done), REDIS_OK);
  ASSERT_TRUE(WaitFor([&] {
    return InfoField(primary, "master_failover_state") == "waiting-for-sync";
  })) << primary.ReadLog();
  EXPECT_EQ(ReplyText(primary.Command({"SHUTDOWN", "ABORT"})), "OK");
  EXPECT_EQ(InfoField(primary, "master_failover_state"), "no-failover");
  EXPECT_EQ(InfoField(primary, "role"), "master");
  EXPECT_EQ(ReplyText(primary.Command({"SET", "after", "2"})), "OK");
  ASSERT_EQ(kill(replica.pid(), SIGCONT), 0);
  EXPECT_TRUE(WaitFor([&] { return ReplyText(replica.Command({"GET", "after"})) == "2"; }));
  EXPECT_TRUE(primary.Running());
}

// shutdown-failover yes: SIGTERM hands over first; the replica becomes the
// primary with every write, and the old primary exits cleanly.
TEST(ShutdownHandoverTest, SigtermWithShutdownFailoverHandsOver) {
  ServerProcess primary(NodeArgs({"--shutdown-failover", "yes"}));
  ServerProcess replica(NodeArgs());
  ASSERT_TRUE(primary.Start());
  ASSERT_TRUE(replica.Start());
  Attach(replica, primary);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(ReplyText(primary.Command({"SET", "k" + std::to_string(i), std::to_string(i)})),
              "OK");
  }
  ASSERT_EQ(kill(primary.pid(), SIGTERM), 0);
  EXPECT_EQ(primary.WaitExit(std::chrono::seconds(30)), 0) << primary.ReadLog();
  EXPECT_EQ(InfoField(replica, "role"), "master") << replica.ReadLog();
  EXPECT_EQ(ReplyText(replica.Command({"DBSIZE"})), "100");
  EXPECT_EQ(ReplyText(replica.Command({"GET", "k99"})), "99");
  EXPECT_EQ(ReplyText(replica.Command({"SET", "new", "primary"})), "OK");
  const std::string log = primary.ReadLog();
  EXPECT_NE(log.find("Handing the primary role to a replica"), std::string::npos) << log;
  EXPECT_NE(log.find("Failover to 127.0.0.1:" + PortOf(replica) + " succeeded"), std::string::npos)
      << log;
}

// A replica that never acknowledges: the hand-over times out
// (shutdown-timeout), rolls back, and the shutdown still happens.
TEST(ShutdownHandoverTest, FailedHandOverStillShutsDown) {
  ServerProcess primary(NodeArgs({"--shutdown-timeout", "1"}));
  ServerProcess replica(NodeArgs());
  ASSERT_TRUE(primary.Start());
  ASSERT_TRUE(replica.Start());
  Attach(replica, primary);
  ASSERT_EQ(kill(replica.pid(), SIGSTOP), 0);
  EXPECT_EQ(ReplyText(primary.Command({"SET", "unacknowledged", "1"})), "OK");
  Connection asker = primary.Connect();
  ASSERT_TRUE(asker);
  redisAppendCommand(asker.get(), "SHUTDOWN FAILOVER");
  int done = 0;
  while (done == 0) ASSERT_EQ(redisBufferWrite(asker.get(), &done), REDIS_OK);
  EXPECT_EQ(primary.WaitExit(std::chrono::seconds(30)), 0) << primary.ReadLog();
  ASSERT_EQ(kill(replica.pid(), SIGCONT), 0);
  EXPECT_NE(primary.ReadLog().find("The hand-over failed"), std::string::npos) << primary.ReadLog();
}

// docs/upgrade.md, performed under load: a redirect-capable baton-pulse
// client population sees no error and loses no acknowledged write while
//   1. the replica restarts (the "upgraded" binary),
//   2. the primary runs SHUTDOWN FAILOVER and exits,
//   3. the old primary restarts as a replica of the new one.
TEST(UpgradeTest, RollingUpgradeUnderLoadLosesNothing) {
  ServerProcess a(NodeArgs());
  ServerProcess b(NodeArgs());
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  Attach(b, a);
  const int a_port = a.port();
  const int b_port = b.port();

  PulseRun run;
  std::thread load(
      [&] { run = RunPulse(a_port, "--clients 8 --keys 100 --duration 20 --mode redirect"); });
  const bool loaded = WaitFor([&] { return CommandsProcessed(a) > 2000; });

  // 1. The replica restarts on its address and catches up again.
  EXPECT_EQ(b.Stop(), 0);
  ServerProcess b2(NodeArgs({"--replicaof", "127.0.0.1", std::to_string(a_port)}));
  Restart(b2, b_port);
  const bool b2_synced = WaitFor([&] { return CaughtUp(a, b2); }, std::chrono::seconds(30));

  // 2. The primary hands over and exits.
  Connection asker = a.Connect();
  bool handed_over = false;
  if (asker) {
    redisAppendCommand(asker.get(), "SHUTDOWN FAILOVER");
    int done = 0;
    while (done == 0 && redisBufferWrite(asker.get(), &done) == REDIS_OK) {
    }
    handed_over = a.WaitExit(std::chrono::seconds(30)) == 0;
  }
  const bool b2_primary = WaitFor([&] { return InfoField(b2, "role") == "master"; });

  // 3. The old primary comes back as a replica of the new one.
  ServerProcess a2(NodeArgs({"--replicaof", "127.0.0.1", std::to_string(b_port)}));
  Restart(a2, a_port);
  const bool a2_synced = WaitFor([&] { return CaughtUp(b2, a2); }, std::chrono::seconds(30));

  load.join();
  ASSERT_TRUE(loaded);
  ASSERT_TRUE(b2_synced) << b2.ReadLog();
  ASSERT_TRUE(handed_over) << a.ReadLog();
  ASSERT_TRUE(b2_primary) << b2.ReadLog();
  ASSERT_TRUE(a2_synced) << a2.ReadLog();
  ExpectCleanRun(run);
  EXPECT_GE(run.Number("redirects"), 1) << run.output;
  EXPECT_EQ(run.Raw("verified_on"), "\"127.0.0.1:" + std::to_string(b_port) + "\"") << run.output;
}

}  // namespace
}  // namespace upgrade_test
}  // namespace baton::testing
