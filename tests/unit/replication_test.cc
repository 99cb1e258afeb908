// Replication pieces that need no socket: the backlog ring buffer, the RESP
// encoding of the stream, and the replication commands' replies and errors.
#include "baton/replication/replication.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "baton/replication/backlog.h"
#include "support/server_fixture.h"

namespace baton::testing {
namespace replication_test {
namespace {

using replication::Backlog;

TEST(BacklogTest, KeepsTheNewestBytesAcrossWraps) {
  Backlog b(8, 1);
  EXPECT_EQ(b.histlen(), 0u);
  EXPECT_EQ(b.start_offset(), 1);
  EXPECT_EQ(b.end_offset(), 0);
  EXPECT_TRUE(b.Contains(1));
  b.Append("abcde");
  std::string out;
  ASSERT_TRUE(b.CopyFrom(1, &out));
  EXPECT_EQ(out, "abcde");
  ASSERT_TRUE(b.CopyFrom(4, &out));
  EXPECT_EQ(out, "de");
  ASSERT_TRUE(b.CopyFrom(6, &out));  // the next offset: nothing to send
  EXPECT_EQ(out, "");
  b.Append("fghij");  // wraps: keeps "cdefghij"
  EXPECT_EQ(b.histlen(), 8u);
  EXPECT_EQ(b.start_offset(), 3);
  EXPECT_EQ(b.end_offset(), 10);
  EXPECT_FALSE(b.CopyFrom(2, &out));
  EXPECT_FALSE(b.Contains(12));
  ASSERT_TRUE(b.CopyFrom(3, &out));
  EXPECT_EQ(out, "cdefghij");
  ASSERT_TRUE(b.CopyFrom(9, &out));
  EXPECT_EQ(out, "ij");
  b.Append("0123456789xyz");  // longer than the buffer
  ASSERT_TRUE(b.CopyFrom(b.start_offset(), &out));
  EXPECT_EQ(out, "56789xyz");
  EXPECT_EQ(b.end_offset(), 23);
}

TEST(BacklogTest, ResizeKeepsTheTail) {
  Backlog b(16, 101);
  b.Append("abcdefghijkl");
  b.Resize(4);
  std::string out;
  ASSERT_TRUE(b.CopyFrom(b.start_offset(), &out));
  EXPECT_EQ(out, "ijkl");
  EXPECT_EQ(b.start_offset(), 109);
  b.Resize(32);
  b.Append("mn");
  ASSERT_TRUE(b.CopyFrom(109, &out));
  EXPECT_EQ(out, "ijklmn");
}

TEST(BacklogTest, RandomizedAgainstAString) {
  Backlog b(37, 1);
  std::string all;
  uint64_t seed = 7;
  for (int i = 0; i < 500; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    std::string chunk((seed >> 33) % 50, static_cast<char>('a' + i % 26));
    b.Append(chunk);
    all += chunk;
    const size_t keep = std::min<size_t>(all.size(), 37);
    std::string out;
    ASSERT_TRUE(b.CopyFrom(static_cast<int64_t>(all.size() - keep) + 1, &out));
    ASSERT_EQ(out, all.substr(all.size() - keep));
  }
}

TEST(ReplicationEncodeTest, Multibulk) {
  std::string out;
  const std::vector<std::string> args = {"SET", "k", ""};
  replication::EncodeCommand(args, &out);
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
}

class ReplicationCommandsTest : public ServerFixture {};

TEST_F(ReplicationCommandsTest, ErrorsMatchRedis) {
  EXPECT_EQ(Run({"REPLCONF", "foo", "bar"}), Err("ERR Unrecognized REPLCONF option: foo"));
  EXPECT_EQ(Run({"REPLCONF", "listening-port"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"REPLCONF", "listening-port", "x"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"REPLCONF", "listening-port", "7000", "capa", "eof"}), kOk);
  EXPECT_EQ(Run({"REPLCONF"}), kOk);
  // ACK from a client that is not a replica: no reply at all.
  EXPECT_EQ(Run({"REPLCONF", "ack", "10"}), "");
  EXPECT_EQ(Run({"REPLICAOF", "host", "notaport"}), Err("ERR Invalid master port"));
  EXPECT_EQ(Run({"REPLICAOF", "host", "70000"}), Err("ERR Invalid master port"));
  EXPECT_EQ(Run({"REPLICAOF", "NO", "ONE"}), kOk);
  EXPECT_EQ(Run({"WAIT", "a", "0"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"WAIT", "0", "a"}), Err("ERR timeout is not an integer or out of range"));
  EXPECT_EQ(Run({"WAIT", "0", "-1"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"WAIT", "0", "0"}), Int(0));
  EXPECT_EQ(Run({"PSYNC", "?", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"PSYNC", "?", "-1", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"PSYNC", "?", "-1", "FAILOVER"}),
            Err("ERR PSYNC FAILOVER can't be sent to a master."));
  EXPECT_EQ(Run({"ROLE"}), "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
}

TEST_F(ReplicationCommandsTest, InfoOfAFreshMaster) {
  std::string info = Run({"INFO", "replication"});
  EXPECT_NE(info.find("role:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n"),
            std::string::npos);
  EXPECT_NE(info.find("master_replid2:0000000000000000000000000000000000000000\r\n"
                      "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
                      "repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\n"
                      "repl_backlog_histlen:0\r\n"),
            std::string::npos)
      << info;
  // Writes without replicas do not move the offset (no backlog), like Redis.
  Run({"SET", "k", "v"});
  EXPECT_NE(Run({"INFO", "replication"}).find("master_repl_offset:0\r\n"), std::string::npos);
}

TEST_F(ReplicationCommandsTest, ReplicaRoleAndPromotion) {
  // A master that does not exist: the link stays down, the role is slave.
  EXPECT_EQ(Run({"REPLICAOF", "127.0.0.1", "1"}), kOk);
  EXPECT_EQ(Run({"REPLICAOF", "127.0.0.1", "1"}), "+OK Already connected to specified master\r\n");
  std::string info = Run({"INFO", "replication"});
  EXPECT_NE(info.find("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:1\r\n"
                      "master_link_status:down\r\n"),
            std::string::npos)
      << info;
  EXPECT_EQ(Run({"SET", "k", "v"}), Err("READONLY You can't write against a read only replica."));
  EXPECT_EQ(Run({"WAIT", "0", "0"}).rfind("-ERR WAIT cannot be used with replica instances.", 0),
            0u);
  EXPECT_EQ(Run({"PSYNC", "?", "-1"}),
            Err("NOMASTERLINK Can't SYNC while not connected with my master"));
  std::string role = Run({"ROLE"});
  EXPECT_EQ(role.rfind("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:1\r\n", 0), 0u) << role;
  const std::string old_id = srv().role().replid;
  EXPECT_EQ(Run({"REPLICAOF", "NO", "ONE"}), kOk);
  EXPECT_FALSE(srv().role().is_replica);
  EXPECT_EQ(srv().role().replid2, old_id);
  EXPECT_EQ(srv().role().second_replid_offset, srv().role().master_repl_offset + 1);
  EXPECT_NE(srv().role().replid, old_id);
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
}

}  // namespace
}  // namespace replication_test
}  // namespace baton::testing
