// Blocking list commands in process: several fake clients on one server.
// Replies to a blocked client land in its output buffer, which the tests read.
#include "baton/server/blocking.h"

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "support/server_fixture.h"

namespace baton::testing {
namespace blocking_test {
namespace {

using server::Client;

std::string Array(const std::vector<std::string>& items) {
  std::string out = "*";
  out += std::to_string(items.size());
  out += "\r\n";
  for (const auto& s : items) {
    out += '$';
    out += std::to_string(s.size());
    out += "\r\n";
    out += s;
    out += "\r\n";
  }
  return out;
}

// Records every propagated effect as one space-joined line.
class RecordingSink : public server::EffectSink {
 public:
  void OnEffects(std::span<const server::Effect> effects) override {
    for (const auto& e : effects) {
      std::string line;
      for (const auto& a : e.args) line += (line.empty() ? "" : " ") + a;
      lines.push_back(line);
    }
  }
  std::vector<std::string> lines;
};

class BlockingTest : public ServerFixture {
 protected:
  // Takes what a client received so far.
  static std::string Take(Client* c) {
    std::string out = c->output();
    c->output().clear();
    return out;
  }
  bool Blocked(Client* c) { return c->Has(server::kClientBlocked); }
};

TEST_F(BlockingTest, PushServesBlockedClientRightAfterTheCommand) {
  Client* a = NewClient();
  EXPECT_EQ(Run({"BLPOP", "k", "0"}, a), "");
  EXPECT_TRUE(Blocked(a));
  EXPECT_EQ(server::BlockedClientCount(srv()), 1u);
  EXPECT_EQ(server::BlockedKeyCount(srv()), 1u);
  EXPECT_EQ(Run({"LPUSH", "k", "v"}), Int(1));
  // Served before the next command, without waiting for the loop.
  EXPECT_EQ(Take(a), Array({"k", "v"}));
  EXPECT_FALSE(Blocked(a));
  EXPECT_EQ(server::BlockedClientCount(srv()), 0u);
  EXPECT_EQ(server::BlockedKeyCount(srv()), 0u);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST_F(BlockingTest, FifoAmongClientsBlockedOnTheSameKey) {
  Client* a = NewClient();
  Client* b = NewClient();
  Client* c = NewClient();
  for (Client* x : {a, b, c}) EXPECT_EQ(Run({"BRPOP", "k", "0"}, x), "");
  EXPECT_EQ(server::BlockedClientCount(srv()), 3u);
  std::vector<uint64_t> order;
  server::ForEachBlockedClient(srv(), [&](Client& x) { order.push_back(x.id()); });
  EXPECT_EQ(order, (std::vector<uint64_t>{a->id(), b->id(), c->id()}));

  EXPECT_EQ(Run({"LPUSH", "k", "1", "2"}), Int(2));  // list: 2 1
  EXPECT_EQ(Take(a), Array({"k", "1"}));
  EXPECT_EQ(Take(b), Array({"k", "2"}));
  EXPECT_EQ(Take(c), "");
  EXPECT_TRUE(Blocked(c));
  EXPECT_EQ(Run({"RPUSH", "k", "3"}), Int(1));
  EXPECT_EQ(Take(c), Array({"k", "3"}));
  EXPECT_EQ(server::BlockedClientCount(srv()), 0u);
}

TEST_F(BlockingTest, OnlyAsManyClientsAsElementsAreServed) {
  Client* a = NewClient();
  Client* b = NewClient();
  EXPECT_EQ(Run({"BLPOP", "k", "0"}, a), "");
  EXPECT_EQ(Run({"BLPOP", "k", "0"}, b), "");
  EXPECT_EQ(Run({"RPUSH", "k", "x"}), Int(1));
  EXPECT_EQ(Take(a), Array({"k", "x"}));
  EXPECT_EQ(Take(b), "");
  EXPECT_TRUE(Blocked(b));
}

TEST_F(BlockingTest, ServedFromWhicheverKeyBecomesReady) {
  Client* a = NewClient();
  EXPECT_EQ(Run({"BLPOP", "k1", "k2", "k1", "0"}, a), "");
  EXPECT_EQ(server::BlockedKeyCount(srv()), 2u);
  EXPECT_EQ(Run({"RPUSH", "k2", "v"}), Int(1));
  EXPECT_EQ(Take(a), Array({"k2", "v"}));
  EXPECT_EQ(server::BlockedKeyCount(srv()), 0u);
}

TEST_F(BlockingTest, TimeoutAnswersNullArray) {
  Client* a = NewClient();
  Client* forever = NewClient();
  EXPECT_EQ(Run({"BLPOP", "k", "1"}, a), "");
  EXPECT_EQ(Run({"BLPOP", "k", "0"}, forever), "");
  EXPECT_EQ(server::BlockedWithTimeoutCount(srv()), 1u);
  AdvanceClock(500);
  server::CheckBlockedTimeouts(srv());
  EXPECT_TRUE(Blocked(a));
  AdvanceClock(600);
  server::CheckBlockedTimeouts(srv());
  EXPECT_EQ(Take(a), "*-1\r\n");
  EXPECT_FALSE(Blocked(a));
  AdvanceClock(1000LL * 3600 * 24 * 365);
  server::CheckBlockedTimeouts(srv());
  EXPECT_TRUE(Blocked(forever));
  EXPECT_EQ(Take(forever), "");
  // A later push goes to the client still waiting, not to the timed-out one.
  EXPECT_EQ(Run({"RPUSH", "k", "v"}), Int(1));
  EXPECT_EQ(Take(forever), Array({"k", "v"}));
  EXPECT_EQ(Take(a), "");
}

TEST_F(BlockingTest, TimeoutRepliesForEveryBlockingListCommand) {
  const std::vector<std::vector<std::string>> cmds = {
      {"BLPOP", "k", "0.5"},
      {"BRPOP", "k", "0.5"},
      {"BLMOVE", "k", "d", "LEFT", "RIGHT", "0.5"},
      {"BRPOPLPUSH", "k", "d", "0.5"},
      {"BLMPOP", "0.5", "1", "k", "LEFT"},
  };
  for (const auto& cmd : cmds) {
    Client* c = NewClient();
    EXPECT_EQ(Run(cmd, c), "") << cmd[0];
    AdvanceClock(600);
    server::CheckBlockedTimeouts(srv());
    EXPECT_EQ(Take(c), "*-1\r\n") << cmd[0];
  }
}

TEST_F(BlockingTest, BlockingMoveIsServedAndChainsToTheNextWaiter) {
  Client* waiter = NewClient();
  Client* mover = NewClient();
  EXPECT_EQ(Run({"BLPOP", "dst", "0"}, waiter), "");
  EXPECT_EQ(Run({"BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"}, mover), "");
  EXPECT_EQ(Run({"RPUSH", "src", "a", "b"}), Int(2));
  EXPECT_EQ(Take(mover), Bulk("b"));
  EXPECT_EQ(Take(waiter), Array({"dst", "b"}));
  EXPECT_EQ(Run({"LRANGE", "src", "0", "-1"}), Array({"a"}));
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
}

TEST_F(BlockingTest, BlockingMPopServesACount) {
  Client* a = NewClient();
  EXPECT_EQ(Run({"BLMPOP", "0", "2", "x", "y", "RIGHT", "COUNT", "2"}, a), "");
  EXPECT_EQ(Run({"RPUSH", "y", "1", "2", "3"}), Int(3));
  EXPECT_EQ(Take(a), "*2\r\n$1\r\ny\r\n" + Array({"3", "2"}));
}

TEST_F(BlockingTest, PropagatesTheNonBlockingForm) {
  RecordingSink sink;
  srv().AddEffectSink(&sink);
  Client* a = NewClient();
  Client* b = NewClient();
  Client* c = NewClient();
  Client* d = NewClient();
  EXPECT_EQ(Run({"BLPOP", "k1", "0"}, a), "");
  EXPECT_EQ(Run({"BLMOVE", "k2", "o", "LEFT", "RIGHT", "0"}, b), "");
  EXPECT_EQ(Run({"BRPOPLPUSH", "k3", "o", "0"}, c), "");
  EXPECT_EQ(Run({"BLMPOP", "0", "1", "k4", "LEFT", "COUNT", "5"}, d), "");
  EXPECT_TRUE(sink.lines.empty());  // blocking changed nothing
  Run({"RPUSH", "k1", "v"});
  Run({"RPUSH", "k2", "v"});
  Run({"RPUSH", "k3", "v"});
  Run({"RPUSH", "k4", "v", "w"});
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"RPUSH k1 v", "LPOP k1", "RPUSH k2 v",
                                                  "LMOVE k2 o LEFT RIGHT", "RPUSH k3 v",
                                                  "RPOPLPUSH k3 o", "RPUSH k4 v w", "LPOP k4 2"}));
  sink.lines.clear();
  // Served at once: the same non-blocking forms.
  Run({"RPUSH", "k", "1", "2"});
  Run({"BRPOP", "k", "0"});
  Run({"BLMOVE", "k", "o", "LEFT", "LEFT", "0"});
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"RPUSH k 1 2", "RPOP k", "LMOVE k o LEFT LEFT"}));
}

TEST_F(BlockingTest, InsideMultiNeverBlocks) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"BLPOP", "k", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"BLMOVE", "k", "d", "LEFT", "LEFT", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"BRPOPLPUSH", "k", "d", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"BLMPOP", "0", "1", "k", "LEFT"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*4\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n");
  EXPECT_FALSE(client().Has(server::kClientBlocked));
  EXPECT_EQ(server::BlockedClientCount(srv()), 0u);
}

TEST_F(BlockingTest, WrongTypeKeyKeepsTheClientBlocked) {
  Client* a = NewClient();
  EXPECT_EQ(Run({"BLPOP", "k", "0"}, a), "");
  srv().db(0).Add("k", store::Value::FromString("text"));  // signals the key
  server::ServeReadyKeys(srv());
  EXPECT_TRUE(Blocked(a));
  EXPECT_EQ(Take(a), "");
  srv().db(0).Delete("k");
  EXPECT_EQ(Run({"RPUSH", "k", "v"}), Int(1));
  EXPECT_EQ(Take(a), Array({"k", "v"}));
}

TEST_F(BlockingTest, BlockingMoveToWrongTypeDestinationAnswersWrongType) {
  Client* a = NewClient();
  EXPECT_EQ(Run({"BLMOVE", "src", "s", "LEFT", "LEFT", "0"}, a), "");
  srv().db(0).Add("s", store::Value::FromString("text"));
  EXPECT_EQ(Run({"RPUSH", "src", "v"}), Int(1));
  EXPECT_EQ(Take(a), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_FALSE(Blocked(a));
  EXPECT_EQ(Run({"LLEN", "src"}), Int(1));
}

TEST_F(BlockingTest, DisconnectRemovesTheWaiter) {
  Client* a = NewClient();
  Client* b = NewClient();
  EXPECT_EQ(Run({"BLPOP", "k", "5"}, a), "");
  EXPECT_EQ(Run({"BLPOP", "k", "0"}, b), "");
  srv().RemoveClient(a);
  EXPECT_EQ(server::BlockedClientCount(srv()), 1u);
  EXPECT_EQ(server::BlockedWithTimeoutCount(srv()), 0u);
  EXPECT_EQ(Run({"RPUSH", "k", "v"}), Int(1));
  EXPECT_EQ(Take(b), Array({"k", "v"}));
  srv().RemoveClient(b);
  EXPECT_EQ(Run({"RPUSH", "k", "w"}), Int(1));
  EXPECT_EQ(Run({"LLEN", "k"}), Int(1));
}

TEST_F(BlockingTest, UnblockClientWithTimeoutOrError) {
  Client* a = NewClient();
  Client* b = NewClient();
  EXPECT_FALSE(server::UnblockClient(srv(), *a, false));
  EXPECT_EQ(Run({"BLPOP", "k", "0"}, a), "");
  EXPECT_EQ(Run({"BLMOVE", "k", "d", "LEFT", "LEFT", "0"}, b), "");
  EXPECT_TRUE(server::UnblockClient(srv(), *a, false));
  EXPECT_EQ(Take(a), "*-1\r\n");
  EXPECT_TRUE(server::UnblockClient(srv(), *b, true));
  EXPECT_EQ(Take(b), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  EXPECT_FALSE(server::UnblockClient(srv(), *b, true));
  EXPECT_EQ(server::BlockedClientCount(srv()), 0u);
  EXPECT_EQ(Run({"RPUSH", "k", "v"}), Int(1));
  EXPECT_EQ(Take(a), "");
  EXPECT_EQ(Run({"LLEN", "k"}), Int(1));
}

TEST_F(BlockingTest, ResetHookDropsTheWait) {
  Client* a = NewClient();
  EXPECT_EQ(Run({"BLPOP", "k", "0"}, a), "");
  srv().ResetClientState(*a);
  EXPECT_FALSE(Blocked(a));
  EXPECT_EQ(server::BlockedClientCount(srv()), 0u);
}

TEST_F(BlockingTest, ServesInTheRightDatabase) {
  Client* a = NewClient();
  EXPECT_EQ(Run({"SELECT", "1"}, a), kOk);
  EXPECT_EQ(Run({"BLPOP", "k", "0"}, a), "");
  EXPECT_EQ(Run({"RPUSH", "k", "db0"}), Int(1));
  EXPECT_EQ(Take(a), "");
  EXPECT_EQ(Run({"SELECT", "1"}), kOk);
  EXPECT_EQ(Run({"RPUSH", "k", "db1"}), Int(1));
  EXPECT_EQ(Take(a), Array({"k", "db1"}));
}

}  // namespace
}  // namespace blocking_test
}  // namespace baton::testing
