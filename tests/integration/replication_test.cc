// Replication between baton processes: full sync (disk and diskless), the
// streamed effects of every kind of write, partial resync after the link is
// cut from either side, full resync when the backlog is too small, chains,
// WAIT, ROLE, read-only replicas, min-replicas, and faults (a replica killed
// or stopped, a master killed). Real binaries on random ports; every wait is a
// bounded poll.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace replication_test {
namespace {

std::string Str(const Reply& r) {
  if (r == nullptr) return "<null>";
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_NIL) return "<nil>";
  if (r->str != nullptr) return std::string(r->str, r->len);
  return "<type " + std::to_string(r->type) + ">";
}

std::vector<std::string> BaseArgs() { return {"--enable-debug-command", "yes"}; }

std::vector<std::string> With(std::vector<std::string> extra) {
  std::vector<std::string> a = BaseArgs();
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

bool LinkUp(const ServerProcess& replica) {
  return InfoField(replica, "master_link_status") == "up";
}

// The replica has applied everything the master has produced so far.
bool CaughtUp(const ServerProcess& master, const ServerProcess& replica) {
  const std::string m = InfoField(master, "master_repl_offset");
  return !m.empty() && LinkUp(replica) && InfoField(replica, "slave_repl_offset") == m;
}

std::string Digest(const ServerProcess& s) { return Str(s.Command({"DEBUG", "DIGEST"})); }

// For datasets of 200k keys: a loaded host may time one DEBUG DIGEST out,
// so a failed read is asked again (a real difference stays one).
void ExpectSameDigest(const ServerProcess& master, const ServerProcess& replica) {
  EXPECT_TRUE(WaitFor([&] { return Digest(replica) == Digest(master); }, std::chrono::seconds(30)))
      << Digest(replica) << " vs " << Digest(master);
}

// Writes of every type, with TTLs, in several dbs.
void WriteMix(const ServerProcess& m, const std::string& tag) {
  std::vector<std::vector<std::string>> cmds = {
      {"SET", tag + "s", "v"},
      {"SET", tag + "ttl", "v", "EX", "1000"},
      {"SET", tag + "n", "10"},
      {"INCRBYFLOAT", tag + "n", "1.5"},
      {"APPEND", tag + "s", "w"},
      {"RPUSH", tag + "l", "a", "b", "c"},
      {"LPOP", tag + "l"},
      {"HSET", tag + "h", "f1", "1", "f2", "2"},
      {"SADD", tag + "set", "a", "b", "c", "d"},
      {"SPOP", tag + "set"},
      {"ZADD", tag + "z", "1", "a", "2", "b"},
      {"ZINCRBY", tag + "z", "2.5", "a"},
      {"PFADD", tag + "hll", "a", "b", "c"},
      {"EXPIRE", tag + "h", "500"},
      {"SETEX", tag + "ex", "100", "x"},
      {"SELECT", "0"},
  };
  Connection c = m.Connect();
  ASSERT_TRUE(c);
  for (auto& cmd : cmds) Command(c.get(), cmd);
  Command(c.get(), {"SELECT", "3"});
  Command(c.get(), {"SET", tag + "db3", "x"});
  Command(c.get(), {"MULTI"});
  Command(c.get(), {"INCR", tag + "ctr"});
  Command(c.get(), {"RPUSH", tag + "l3", "x"});
  Reply exec = Command(c.get(), {"EXEC"});
  ASSERT_TRUE(exec != nullptr && exec->type == REDIS_REPLY_ARRAY);
}

class ReplicationTest : public ::testing::TestWithParam<bool> {
 protected:
  // GetParam(): diskless sync.
  std::vector<std::string> MasterArgs(std::vector<std::string> extra = {}) {
    std::vector<std::string> a = With(
        {"--repl-diskless-sync", GetParam() ? "yes" : "no", "--repl-diskless-sync-delay", "0"});
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  void Attach(const ServerProcess& replica, const ServerProcess& master) {
    Reply r = replica.Command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())});
    ASSERT_EQ(Str(r), "OK");
    ASSERT_TRUE(WaitFor([&] { return LinkUp(replica); })) << replica.ReadLog();
  }
};

TEST_P(ReplicationTest, FullSyncThenStreamedWrites) {
  ServerProcess master(MasterArgs());
  ServerProcess replica(With({}));
  ASSERT_TRUE(master.Start());
  ASSERT_TRUE(replica.Start());
  WriteMix(master, "pre:");
  ASSERT_EQ(Str(master.Command({"DEBUG", "POPULATE", "2000", "pop"})), "OK");
  Attach(replica, master);
  EXPECT_EQ(InfoField(replica, "role"), "slave");
  EXPECT_EQ(InfoField(replica, "master_replid"), InfoField(master, "master_replid"));
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); }));
  EXPECT_EQ(Digest(replica), Digest(master));
  EXPECT_EQ(Str(replica.Command({"DBSIZE"})), Str(master.Command({"DBSIZE"})));

  // Streamed writes, a served blocking pop, a key expiring on the master.
  WriteMix(master, "post:");
  Connection blocked = master.Connect();
  ASSERT_TRUE(blocked);
  redisAppendCommand(blocked.get(), "BLPOP waitlist 5");
  int written = 0;  // hiredis only buffers an appended command: send it now
  while (written == 0) ASSERT_EQ(redisBufferWrite(blocked.get(), &written), REDIS_OK);
  redisReply* raw = nullptr;
  ASSERT_TRUE(WaitFor([&] { return InfoField(master, "blocked_clients", "clients") == "1"; }));
  master.Command({"RPUSH", "waitlist", "x", "y"});
  ASSERT_EQ(redisGetReply(blocked.get(), reinterpret_cast<void**>(&raw)), REDIS_OK);
  freeReplyObject(raw);
  master.Command({"SET", "short", "v", "PX", "50"});
  // "short" may expire between two reads: equal once its DEL has arrived too.
  EXPECT_TRUE(WaitFor([&] {
    return CaughtUp(master, replica) && Digest(replica) == Digest(master);
  })) << Digest(replica)
      << " vs " << Digest(master);
  EXPECT_EQ(Str(replica.Command({"LLEN", "waitlist"})), "1");
  // The master's DEL of the expired key reaches the replica (DBSIZE counts
  // keys that are expired but not deleted yet).
  ASSERT_TRUE(WaitFor([&] {
    master.Command({"GET", "short"});
    return CaughtUp(master, replica) &&
           Str(replica.Command({"DBSIZE"})) == Str(master.Command({"DBSIZE"}));
  }));
  // Replica refuses writes; reads work.
  EXPECT_EQ(Str(replica.Command({"SET", "x", "y"})),
            "READONLY You can't write against a read only replica.");
  EXPECT_EQ(Str(replica.Command({"GET", "pre:s"})), "vw");
  // ROLE on both sides.
  Reply role = master.Command({"ROLE"});
  ASSERT_TRUE(role && role->type == REDIS_REPLY_ARRAY && role->elements == 3);
  EXPECT_EQ(std::string(role->element[0]->str), "master");
  ASSERT_TRUE(WaitFor([&] {
    Reply r = master.Command({"ROLE"});
    return r && r->element[2]->elements == 1;
  }));
  Reply rrole = replica.Command({"ROLE"});
  ASSERT_TRUE(rrole && rrole->elements == 5);
  EXPECT_EQ(std::string(rrole->element[0]->str), "slave");
  EXPECT_EQ(std::string(rrole->element[3]->str), "connected");
  EXPECT_EQ(InfoField(master, "connected_slaves"), "1");
  EXPECT_NE(InfoField(master, "slave0").find("state=online"), std::string::npos);
}

TEST_P(ReplicationTest, PartialResyncAfterCutsAndFullWhenBacklogTooSmall) {
  ServerProcess master(MasterArgs({"--repl-backlog-size", "65536"}));
  ServerProcess replica(With({}));
  ASSERT_TRUE(master.Start());
  ASSERT_TRUE(replica.Start());
  Attach(replica, master);
  WriteMix(master, "a:");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); }));

  // Cut from the replica's side: CLIENT KILL TYPE master.
  EXPECT_EQ(Str(replica.Command({"CLIENT", "KILL", "TYPE", "master"})), "1");
  WriteMix(master, "b:");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); })) << replica.ReadLog();
  // Cut from the master's side: CLIENT KILL TYPE replica.
  EXPECT_EQ(Str(master.Command({"CLIENT", "KILL", "TYPE", "replica"})), "1");
  WriteMix(master, "c:");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); })) << replica.ReadLog();
  EXPECT_EQ(Digest(replica), Digest(master));
  EXPECT_NE(replica.ReadLog().find("Successful partial resynchronization"), std::string::npos);
  EXPECT_EQ(replica.ReadLog().find("Full resync from master",
                                   replica.ReadLog().find("Successful partial")),
            std::string::npos);

  // Too much written while the replica is cut off: the backlog cannot serve
  // it. (The link is cut first: bytes already in the replica's socket buffer
  // would otherwise still reach it and leave little to resend.)
  kill(replica.pid(), SIGSTOP);
  master.Command({"CLIENT", "KILL", "TYPE", "replica"});
  std::string big(200000, 'x');
  master.Command({"SET", "big1", big});
  master.Command({"SET", "big2", big});
  kill(replica.pid(), SIGCONT);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); })) << replica.ReadLog();
  EXPECT_EQ(Digest(replica), Digest(master));
  const std::string log = master.ReadLog();
  EXPECT_NE(log.find("for lack of backlog"), std::string::npos) << log;
}

TEST_P(ReplicationTest, ChainWaitAndPromotion) {
  ServerProcess a(MasterArgs());
  ServerProcess b(MasterArgs());
  ServerProcess c(With({}));
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  ASSERT_TRUE(c.Start());
  Attach(b, a);
  Attach(c, b);
  WriteMix(a, "x:");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(a, b) && CaughtUp(b, c); }));
  EXPECT_EQ(Digest(c), Digest(a));
  EXPECT_EQ(InfoField(c, "master_replid"), InfoField(a, "master_replid"));

  // WAIT: one replica of a acknowledges; asking for two times out with 1.
  Connection conn = a.Connect();
  Command(conn.get(), {"SET", "w", "1"});
  EXPECT_EQ(Str(Command(conn.get(), {"WAIT", "1", "5000"})), "1");
  EXPECT_EQ(Str(Command(conn.get(), {"WAIT", "2", "200"})), "1");
  EXPECT_EQ(Str(b.Command({"WAIT", "1", "0"})).rfind("ERR WAIT cannot be used with replica", 0),
            0u);

  // Promote b: its replid shifts, c continues partially with the new id.
  const std::string old_id = InfoField(a, "master_replid");
  EXPECT_EQ(Str(b.Command({"REPLICAOF", "NO", "ONE"})), "OK");
  EXPECT_EQ(InfoField(b, "role"), "master");
  EXPECT_EQ(InfoField(b, "master_replid2"), old_id);
  EXPECT_NE(InfoField(b, "master_replid"), old_id);
  EXPECT_EQ(Str(b.Command({"SET", "after", "promotion"})), "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(b, c); })) << c.ReadLog();
  EXPECT_EQ(Str(c.Command({"GET", "after"})), "promotion");
  EXPECT_EQ(InfoField(c, "master_replid"), InfoField(b, "master_replid"));
  // And a, demoted under b, continues too (its history is b's replid2 history).
  Attach(a, b);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(b, a); })) << a.ReadLog();
  EXPECT_EQ(Digest(a), Digest(b));
}

INSTANTIATE_TEST_SUITE_P(DiskAndDiskless, ReplicationTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Diskless" : "Disk"; });

TEST(ReplicationFaultTest, ErrorsRoleMinReplicasAndStaleData) {
  ServerProcess master(With({"--repl-diskless-sync-delay", "0"}));
  ASSERT_TRUE(master.Start());
  EXPECT_EQ(Str(master.Command({"REPLCONF", "foo", "bar"})),
            "ERR Unrecognized REPLCONF option: foo");
  EXPECT_EQ(Str(master.Command({"REPLCONF", "listening-port"})), "ERR syntax error");
  EXPECT_EQ(Str(master.Command({"REPLICAOF", "127.0.0.1", "notaport"})), "ERR Invalid master port");
  EXPECT_EQ(Str(master.Command({"WAIT", "x", "0"})), "ERR value is not an integer or out of range");
  EXPECT_EQ(Str(master.Command({"WAIT", "0", "-1"})), "ERR timeout is negative");
  EXPECT_EQ(Str(master.Command({"WAIT", "0", "0"})), "0");
  EXPECT_EQ(Str(master.Command({"REPLICAOF", "NO", "ONE"})), "OK");
  EXPECT_EQ(Str(master.Command({"CONFIG", "SET", "min-replicas-to-write", "1"})), "OK");
  EXPECT_EQ(Str(master.Command({"SET", "k", "v"})),
            "NOREPLICAS Not enough good replicas to write.");
  EXPECT_EQ(Str(master.Command({"CONFIG", "SET", "min-replicas-to-write", "0"})), "OK");

  // A replica of a dead master: stale data served, or MASTERDOWN when told not to.
  ServerProcess replica(With({"--replica-serve-stale-data", "no"}));
  ASSERT_TRUE(replica.Start());
  EXPECT_EQ(Str(replica.Command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())})), "OK");
  EXPECT_EQ(Str(replica.Command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())})),
            "OK Already connected to specified master");
  ASSERT_TRUE(WaitFor([&] { return LinkUp(replica); })) << replica.ReadLog();
  master.Command({"SET", "k", "v"});
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); }));
  master.Kill();
  ASSERT_TRUE(WaitFor([&] { return InfoField(replica, "master_link_status") == "down"; }));
  EXPECT_EQ(Str(replica.Command({"GET", "k"})),
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
  EXPECT_EQ(Str(replica.Command({"CONFIG", "SET", "replica-serve-stale-data", "yes"})), "OK");
  EXPECT_EQ(Str(replica.Command({"GET", "k"})), "v");
  EXPECT_EQ(Str(replica.Command({"PING"})), "PONG");
}

TEST(ReplicationFaultTest, KilledReplicaDuringSyncAndSlowReplicaDisconnected) {
  ServerProcess master(With(
      {"--repl-diskless-sync", "no", "--client-output-buffer-limit", "replica", "1mb", "0", "0"}));
  ASSERT_TRUE(master.Start());
  {
    // 200k keys take well under a second, but a loaded host has stalled
    // this reply past the default 10 s read timeout.
    Connection c = master.Connect();
    ASSERT_TRUE(c);
    redisSetTimeout(c.get(), timeval{120, 0});
    ASSERT_EQ(Str(Command(c.get(), {"DEBUG", "POPULATE", "200000", "k", "100"})), "OK");
  }
  {
    ServerProcess doomed(With({}));
    ASSERT_TRUE(doomed.Start());
    doomed.Command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())});
    ASSERT_TRUE(WaitFor([&] {
      const std::string s = InfoField(master, "slave0");
      return !s.empty();
    }));
    doomed.Kill();
  }
  // The master still serves and syncs a new replica.
  ServerProcess replica(With({}));
  ASSERT_TRUE(replica.Start());
  replica.Command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())});
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); }, std::chrono::seconds(60)))
      << master.ReadLog();
  ExpectSameDigest(master, replica);

  // A replica that stops reading is cut off by the output-buffer limit.
  kill(replica.pid(), SIGSTOP);
  std::string big(1 << 20, 'y');
  bool cut = WaitFor(
      [&] {
        master.Command({"SET", "big", big});
        return InfoField(master, "connected_slaves") == "0";
      },
      std::chrono::seconds(20));
  kill(replica.pid(), SIGCONT);
  EXPECT_TRUE(cut);
  EXPECT_EQ(Str(master.Command({"PING"})), "PONG");
  EXPECT_NE(master.ReadLog().find("output buffer limits"), std::string::npos);
  // It comes back and catches up (a full sync of 200k keys: slow on a busy host).
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(master, replica); }, std::chrono::seconds(60)))
      << replica.ReadLog();
  ExpectSameDigest(master, replica);
}

}  // namespace
}  // namespace replication_test
}  // namespace baton::testing
