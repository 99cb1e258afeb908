// FAILOVER between real processes: a baton master hands over to its baton
// replica (any replica, or FAILOVER TO), the roles swap, the data stays, the
// old master continues partially under the shifted replication id, and a
// redirect-capable client doing INCRs throughout sees -REDIRECT and loses no
// acknowledged write. Errors in Redis's order and text, ABORT, TIMEOUT, and
// interop both ways with Debian's redis-server 7.0. Every wait is a bounded poll.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/pair.h"
#include "support/server_process.h"

namespace baton::testing {
namespace failover_test {
namespace {

bool LinkUp(const ServerProcess& replica) {
  return InfoField(replica, "master_link_status") == "up";
}

std::vector<std::string> BatonArgs() {
  return {"--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"};
}

void Fill(const ServerProcess& s, const std::string& tag) {
  Connection c = s.Connect();
  ASSERT_TRUE(c);
  for (int i = 0; i < 200; ++i) {
    Command(c.get(), {"SET", tag + std::to_string(i), std::to_string(i)});
  }
  Command(c.get(), {"RPUSH", tag + "list", "a", "b", "c"});
  Command(c.get(), {"HSET", tag + "hash", "f", "v"});
  Command(c.get(), {"SELECT", "2"});
  Command(c.get(), {"SET", tag + "db2", "x"});
}

// The roles swapped: `new_master` is a master, `old_master` its connected replica.
void ExpectSwapped(const ServerProcess& old_master, const ServerProcess& new_master) {
  ASSERT_TRUE(WaitFor([&] { return RoleOf(new_master) == "master"; })) << new_master.ReadLog();
  ASSERT_TRUE(WaitFor([&] { return RoleOf(old_master) == "slave" && LinkUp(old_master); }))
      << old_master.ReadLog();
  EXPECT_EQ(InfoField(old_master, "master_port"), PortOf(new_master));
  ASSERT_TRUE(
      WaitFor([&] { return InfoField(old_master, "master_failover_state") == "no-failover"; }));
  EXPECT_EQ(InfoField(new_master, "master_failover_state"), "no-failover");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(new_master, old_master); }));
  // Writes go to the new master and reach the old one.
  EXPECT_EQ(ReplyText(new_master.Command({"SET", "after", "failover"})), "OK");
  ASSERT_TRUE(WaitFor([&] {
    return ReplyText(old_master.Command({"GET", "after"})) == "failover";
  }));
  EXPECT_EQ(ReplyText(old_master.Command({"SET", "x", "y"})),
            "READONLY You can't write against a read only replica.");
}

TEST(FailoverTest, ErrorsInRedisOrder) {
  ServerProcess master(BatonArgs());
  ServerProcess replica(BatonArgs());
  ASSERT_TRUE(master.Start());
  ASSERT_TRUE(replica.Start());
  auto fo = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "FAILOVER");
    return ReplyText(master.Command(args));
  };
  EXPECT_EQ(fo({"ABORT"}), "ERR No failover in progress.");
  EXPECT_EQ(fo({"TIMEOUT", "0"}), "ERR FAILOVER timeout must be greater than 0");
  EXPECT_EQ(fo({"TIMEOUT", "-5"}), "ERR FAILOVER timeout must be greater than 0");
  EXPECT_EQ(fo({"TIMEOUT", "1.5"}), "ERR value is not an integer or out of range");
  EXPECT_EQ(fo({"TO", "h", "port"}), "ERR value is not an integer or out of range");
  EXPECT_EQ(fo({"ABORT", "TIMEOUT", "0"}), "ERR syntax error");
  EXPECT_EQ(fo({"TIMEOUT", "0", "BLAH"}), "ERR FAILOVER timeout must be greater than 0");
  EXPECT_EQ(fo({"BLAH", "TIMEOUT", "0"}), "ERR syntax error");
  EXPECT_EQ(fo({"TO", "h"}), "ERR syntax error");
  EXPECT_EQ(fo({"FORCE", "FORCE"}), "ERR syntax error");
  EXPECT_EQ(fo({"TIMEOUT", "5", "TIMEOUT", "6"}), "ERR syntax error");
  EXPECT_EQ(fo({}), "ERR FAILOVER requires connected replicas.");
  EXPECT_EQ(fo({"FORCE"}), "ERR FAILOVER requires connected replicas.");
  // PSYNC ... FAILOVER sent to a master.
  EXPECT_EQ(ReplyText(master.Command({"PSYNC", "abc", "1", "FAILOVER"})),
            "ERR PSYNC FAILOVER can't be sent to a master.");

  Attach(replica, master);
  EXPECT_EQ(ReplyText(replica.Command({"FAILOVER"})),
            "ERR FAILOVER is not valid when server is a replica.");
  EXPECT_EQ(ReplyText(replica.Command({"PSYNC", "not-my-replid", "1", "FAILOVER"})),
            "ERR PSYNC FAILOVER replid must match my replid.");
  EXPECT_EQ(fo({"FORCE"}),
            "ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
  EXPECT_EQ(fo({"TO", "127.0.0.1", PortOf(replica), "FORCE"}),
            "ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
  EXPECT_EQ(fo({"TIMEOUT", "100", "FORCE"}),
            "ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
  EXPECT_EQ(fo({"TO", "127.0.0.1", PortOf(master)}),
            "ERR FAILOVER target HOST and PORT is not a replica.");
  EXPECT_EQ(fo({"TO", "10.1.2.3", PortOf(replica)}),
            "ERR FAILOVER target HOST and PORT is not a replica.");
  // Nothing changed.
  EXPECT_EQ(RoleOf(master), "master");
  EXPECT_EQ(InfoField(master, "master_failover_state"), "no-failover");
  Reply info = master.Command({"COMMAND", "INFO", "failover"});
  ASSERT_TRUE(info && info->type == REDIS_REPLY_ARRAY && info->elements == 1);
  const redisReply* flags = info->element[0]->element[2];
  std::vector<std::string> names;
  for (size_t i = 0; i < flags->elements; ++i) names.emplace_back(flags->element[i]->str);
  EXPECT_EQ(names, (std::vector<std::string>{"admin", "noscript", "stale"}));
}

TEST(FailoverTest, FailoverToAnyReplicaSwapsRolesWithPartialResync) {
  ServerProcess master(BatonArgs());
  ServerProcess replica(BatonArgs());
  ASSERT_TRUE(master.Start());
  ASSERT_TRUE(replica.Start());
  Fill(master, "a:");
  Attach(replica, master);
  Fill(master, "b:");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); }));
  const std::string digest = ReplyText(master.Command({"DEBUG", "DIGEST"}));
  const std::string old_replid = InfoField(master, "master_replid");
  const std::string offset = InfoField(master, "master_repl_offset");

  EXPECT_EQ(ReplyText(master.Command({"FAILOVER"})), "OK");
  ExpectSwapped(master, replica);
  // The new master's history continues the old one under a new id.
  EXPECT_EQ(InfoField(replica, "master_replid2"), old_replid);
  EXPECT_NE(InfoField(replica, "master_replid"), old_replid);
  EXPECT_EQ(InfoField(master, "master_replid"), InfoField(replica, "master_replid"));
  EXPECT_GE(std::stoll(InfoField(replica, "second_repl_offset")), std::stoll(offset) + 1);
  // No data copied: the old master continued partially.
  const std::string log = master.ReadLog();
  EXPECT_NE(log.find("Successful partial resynchronization with master."), std::string::npos)
      << log;
  EXPECT_EQ(log.find("Full resync from master"), std::string::npos) << log;
  EXPECT_NE(replica.ReadLog().find("Partial resynchronization request from"), std::string::npos);
  // The data is intact on both (plus the one key written after).
  EXPECT_EQ(ReplyText(replica.Command({"DEL", "after"})), "1");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(replica, master); }));
  EXPECT_EQ(ReplyText(replica.Command({"DEBUG", "DIGEST"})), digest);
  EXPECT_EQ(ReplyText(master.Command({"DEBUG", "DIGEST"})), digest);

  // And back again, with FAILOVER TO.
  EXPECT_EQ(ReplyText(replica.Command(
                {"FAILOVER", "TO", "127.0.0.1", PortOf(master), "TIMEOUT", "5000"})),
            "OK");
  ExpectSwapped(replica, master);
  EXPECT_EQ(ReplyText(master.Command({"DEL", "after"})), "1");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); }));
  EXPECT_EQ(ReplyText(master.Command({"DEBUG", "DIGEST"})), digest);
  EXPECT_EQ(ReplyText(replica.Command({"DEBUG", "DIGEST"})), digest);
}

// A redirect-aware writer: INCRs over many keys; on -REDIRECT host:port it
// reconnects there and sends the same command again (it was not executed).
TEST(FailoverTest, RedirectClientLosesNoAcknowledgedWrite) {
  ServerProcess master(BatonArgs());
  ServerProcess replica(BatonArgs());
  ASSERT_TRUE(master.Start());
  ASSERT_TRUE(replica.Start());
  Attach(replica, master);

  std::atomic<bool> stop{false};
  std::atomic<int> acked_total{0};
  std::atomic<int> redirects{0};
  std::atomic<int> acked_after_redirect{0};
  std::vector<std::string> other_errors;
  std::map<std::string, long long> acked;  // key -> last acknowledged value
  std::thread writer([&] {
    Connection c = master.Connect();
    if (!c) return;
    Command(c.get(), {"CLIENT", "CAPA", "redirect"});
    for (int i = 0; !stop.load(); ++i) {
      const std::string key = "ctr:" + std::to_string(i % 50);
      Reply r = Command(c.get(), {"INCR", key});
      if (r == nullptr) {
        other_errors.emplace_back("connection lost");
        return;
      }
      if (r->type == REDIS_REPLY_ERROR) {
        const std::string e(r->str, r->len);
        if (e.rfind("REDIRECT ", 0) != 0) {
          other_errors.push_back(e);
          return;
        }
        ++redirects;
        const std::string addr = e.substr(9);
        const size_t colon = addr.rfind(':');
        c.reset(redisConnect(addr.substr(0, colon).c_str(), std::stoi(addr.substr(colon + 1))));
        if (!c || c->err != 0) {
          other_errors.emplace_back("cannot connect to " + addr);
          return;
        }
        Command(c.get(), {"CLIENT", "CAPA", "redirect"});
        --i;  // the same INCR again
        continue;
      }
      acked[key] = r->integer;
      ++acked_total;
      if (redirects.load() > 0) ++acked_after_redirect;
    }
  });
  // A capable client blocked in BLPOP is redirected and stays connected.
  Connection blocked = master.Connect();
  ASSERT_TRUE(blocked);
  EXPECT_EQ(ReplyText(Command(blocked.get(), {"CLIENT", "CAPA", "redirect"})), "OK");
  redisAppendCommand(blocked.get(), "BLPOP nothing-here 0");
  int done = 0;
  while (done == 0) ASSERT_EQ(redisBufferWrite(blocked.get(), &done), REDIS_OK);
  ASSERT_TRUE(WaitFor([&] { return InfoField(master, "blocked_clients", "clients") == "1"; }));
  ASSERT_TRUE(WaitFor([&] { return acked_total.load() >= 200; }));
  const std::string failover =
      ReplyText(master.Command({"FAILOVER", "TO", "127.0.0.1", PortOf(replica)}));
  if (failover != "OK") {
    stop = true;
    writer.join();
    FAIL() << failover << "\n"
           << master.Command({"INFO", "replication"})->str << "\n"
           << master.ReadLog() << "\n"
           << replica.ReadLog();
  }
  redisReply* raw = nullptr;
  ASSERT_EQ(redisGetReply(blocked.get(), reinterpret_cast<void**>(&raw)), REDIS_OK);
  Reply blpop(raw);
  EXPECT_EQ(ReplyText(blpop), "REDIRECT 127.0.0.1:" + PortOf(replica));
  EXPECT_EQ(ReplyText(Command(blocked.get(), {"PING"})), "PONG");
  const bool moved_on = WaitFor([&] { return acked_after_redirect.load() >= 200; });
  stop = true;
  writer.join();
  ASSERT_TRUE(moved_on) << master.ReadLog();
  EXPECT_TRUE(other_errors.empty()) << other_errors.front();
  EXPECT_GE(redirects.load(), 1);
  ExpectSwapped(master, replica);
  // Every acknowledged value is there, on the new master and on the old one.
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(replica, master); }));
  for (const auto& [key, value] : acked) {
    EXPECT_EQ(ReplyText(replica.Command({"GET", key})), std::to_string(value)) << key;
    EXPECT_EQ(ReplyText(master.Command({"GET", key})), std::to_string(value)) << key;
  }
}

TEST(FailoverTest, AbortAndTimeoutRollBack) {
  ServerProcess master(BatonArgs());
  ServerProcess replica(BatonArgs());
  ASSERT_TRUE(master.Start());
  ASSERT_TRUE(replica.Start());
  Attach(replica, master);
  EXPECT_EQ(ReplyText(master.Command({"SET", "k", "1"})), "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); }));
  const std::string replid = InfoField(master, "master_replid");

  // A stopped replica never acknowledges: the failover waits.
  ASSERT_EQ(kill(replica.pid(), SIGSTOP), 0);
  EXPECT_EQ(ReplyText(master.Command({"SET", "k", "2"})), "OK");
  EXPECT_EQ(ReplyText(master.Command({"FAILOVER"})), "OK");
  EXPECT_EQ(InfoField(master, "master_failover_state"), "waiting-for-sync");
  EXPECT_EQ(ReplyText(master.Command({"FAILOVER"})), "ERR FAILOVER already in progress.");
  EXPECT_EQ(ReplyText(master.Command({"REPLICAOF", "127.0.0.1", "1"})),
            "ERR REPLICAOF not allowed while failing over.");
  EXPECT_EQ(ReplyText(master.Command({"PSYNC", "?", "-1"})),
            "NOMASTERLINK Can't SYNC while failing over");
  // A write waits for the pause...
  Connection writer = master.Connect();
  ASSERT_TRUE(writer);
  redisAppendCommand(writer.get(), "INCR k");
  int done = 0;
  while (done == 0) ASSERT_EQ(redisBufferWrite(writer.get(), &done), REDIS_OK);
  EXPECT_EQ(ReplyText(master.Command({"GET", "k"})), "2");
  // ...and runs after ABORT.
  EXPECT_EQ(ReplyText(master.Command({"FAILOVER", "ABORT"})), "OK");
  redisReply* raw = nullptr;
  ASSERT_EQ(redisGetReply(writer.get(), reinterpret_cast<void**>(&raw)), REDIS_OK);
  Reply incr(raw);
  EXPECT_EQ(ReplyText(incr), "3");
  EXPECT_EQ(InfoField(master, "master_failover_state"), "no-failover");
  EXPECT_EQ(RoleOf(master), "master");

  // TIMEOUT without FORCE: rolled back when it passes.
  EXPECT_EQ(ReplyText(master.Command({"FAILOVER", "TIMEOUT", "300"})), "OK");
  EXPECT_EQ(InfoField(master, "master_failover_state"), "waiting-for-sync");
  ASSERT_TRUE(WaitFor([&] { return InfoField(master, "master_failover_state") == "no-failover"; }));
  EXPECT_NE(master.ReadLog().find("Replica never caught up before timeout"), std::string::npos);
  EXPECT_EQ(RoleOf(master), "master");
  EXPECT_EQ(ReplyText(master.Command({"INCR", "k"})), "4");
  EXPECT_EQ(InfoField(master, "master_replid"), replid);
  ASSERT_EQ(kill(replica.pid(), SIGCONT), 0);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); }));
  EXPECT_EQ(ReplyText(replica.Command({"GET", "k"})), "4");
}

TEST(FailoverTest, ForceToUnresponsiveTargetRollsBackWithItsReplid) {
  // FORCE goes on at the deadline; the stopped target never answers the
  // handshake, which times out (repl-timeout 1): primary again, same replid.
  std::vector<std::string> args = BatonArgs();
  args.insert(args.end(), {"--repl-timeout", "1"});
  ServerProcess master(args);
  ServerProcess replica(BatonArgs());
  ASSERT_TRUE(master.Start());
  ASSERT_TRUE(replica.Start());
  Attach(replica, master);
  EXPECT_EQ(ReplyText(master.Command({"SET", "k", "1"})), "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); }));
  const std::string replid = InfoField(master, "master_replid");
  ASSERT_EQ(kill(replica.pid(), SIGSTOP), 0);
  EXPECT_EQ(ReplyText(master.Command({"SET", "k", "2"})), "OK");
  EXPECT_EQ(ReplyText(master.Command(
                {"FAILOVER", "TO", "127.0.0.1", PortOf(replica), "TIMEOUT", "100", "FORCE"})),
            "OK");
  ASSERT_TRUE(WaitFor(
      [&] { return InfoField(master, "master_failover_state") == "failover-in-progress"; }));
  EXPECT_EQ(RoleOf(master), "slave");
  ASSERT_TRUE(WaitFor([&] { return InfoField(master, "master_failover_state") == "no-failover"; }))
      << master.ReadLog();
  EXPECT_NE(master.ReadLog().find("Failover target rejected psync request"), std::string::npos);
  EXPECT_EQ(RoleOf(master), "master");
  EXPECT_EQ(InfoField(master, "master_replid"), replid);
  EXPECT_EQ(ReplyText(master.Command({"INCR", "k"})), "3");
  // The target comes back and continues partially from the same history.
  ASSERT_EQ(kill(replica.pid(), SIGCONT), 0);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); })) << replica.ReadLog();
  EXPECT_EQ(ReplyText(replica.Command({"GET", "k"})), "3");
}

class FailoverInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveProgram("redis-server")) GTEST_SKIP() << "redis-server not installed";
  }
};

TEST_F(FailoverInteropTest, BatonMasterToRedisReplica) {
  ServerProcess baton(BatonArgs());
  ServerProcess redis({"--enable-debug-command", "yes"}, "/usr/bin/redis-server");
  ASSERT_TRUE(baton.Start());
  ASSERT_TRUE(redis.Start());
  Fill(baton, "a:");
  Attach(redis, baton);
  EXPECT_EQ(ReplyText(baton.Command({"FAILOVER", "TO", "127.0.0.1", PortOf(redis)})), "OK");
  ExpectSwapped(baton, redis);
  EXPECT_NE(baton.ReadLog().find("Successful partial resynchronization with master."),
            std::string::npos);
  EXPECT_EQ(ReplyText(baton.Command({"GET", "a:7"})), "7");
  EXPECT_EQ(ReplyText(redis.Command({"GET", "a:7"})), "7");
}

TEST_F(FailoverInteropTest, RedisMasterToBatonReplica) {
  ServerProcess redis({"--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"},
                      "/usr/bin/redis-server");
  ServerProcess baton(BatonArgs());
  ASSERT_TRUE(redis.Start());
  ASSERT_TRUE(baton.Start());
  Fill(redis, "a:");
  Attach(baton, redis);
  EXPECT_EQ(ReplyText(redis.Command({"FAILOVER"})), "OK");
  ExpectSwapped(redis, baton);
  EXPECT_NE(redis.ReadLog().find("Master accepted a Partial Resynchronization"), std::string::npos)
      << redis.ReadLog();
  EXPECT_EQ(ReplyText(redis.Command({"GET", "a:7"})), "7");
  EXPECT_EQ(ReplyText(baton.Command({"GET", "a:7"})), "7");
}

}  // namespace
}  // namespace failover_test
}  // namespace baton::testing
