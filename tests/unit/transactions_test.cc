// MULTI / EXEC / DISCARD / WATCH / UNWATCH through the real gate, in process.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "support/server_fixture.h"

namespace baton::testing {
namespace transactions_test {
namespace {

// Records the effects delivered to replicas / the AOF.
class RecordingSink : public server::EffectSink {
 public:
  void OnEffects(std::span<const server::Effect> effects) override {
    std::vector<std::string> batch;
    for (const auto& e : effects) {
      std::string line;
      for (const auto& a : e.args) line += (line.empty() ? "" : " ") + a;
      batch.push_back(line);
    }
    batches.push_back(batch);
  }
  std::vector<std::vector<std::string>> batches;
};

class TransactionsTest : public ServerFixture {};

TEST_F(TransactionsTest, MultiExecRunsQueuedCommandsInOrder) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"INCR", "k"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"GET", "k"}, NewClient()), kNil);  // nothing ran yet
  EXPECT_EQ(Run({"EXEC"}), "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run({"GET", "k"}), Bulk("2"));
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
}

TEST_F(TransactionsTest, EmptyTransaction) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionsTest, ControlErrors) {
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
  EXPECT_EQ(Run({"DISCARD"}), Err("ERR DISCARD without MULTI"));
  EXPECT_EQ(Run({"WATCH"}), Err("ERR wrong number of arguments for 'watch' command"));
  EXPECT_EQ(Run({"MULTI", "x"}), Err("ERR wrong number of arguments for 'multi' command"));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  // Neither error dooms the transaction.
  EXPECT_EQ(Run({"MULTI"}), Err("ERR MULTI calls can not be nested"));
  EXPECT_EQ(Run({"WATCH", "x"}), Err("ERR WATCH inside MULTI is not allowed"));
  EXPECT_EQ(Run({"PING"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n+PONG\r\n");
}

TEST_F(TransactionsTest, QueueingErrorAbortsExec) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"SET", "k"}), Err("ERR wrong number of arguments for 'set' command"));
  EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  // The client left MULTI.
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));

  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"NOSUCHCOMMAND"}).substr(0, 20), "-ERR unknown command");
  EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
}

TEST_F(TransactionsTest, ExecRefusedByTheGateDiscardsTheTransaction) {
  server::Client* admin = NewClient();
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v"}), "+QUEUED\r\n");
  ASSERT_EQ(Run({"CONFIG", "SET", "maxmemory", "1"}, admin), kOk);
  EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of: OOM command not "
                               "allowed when used memory > 'maxmemory'."));
  EXPECT_FALSE(client().Has(server::kClientMulti));
  EXPECT_TRUE(client().multi_queue().empty());
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
  ASSERT_EQ(Run({"CONFIG", "SET", "maxmemory", "0"}, admin), kOk);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
}

// Out of memory (noeviction), Redis refuses to queue anything in MULTI and
// refuses EXEC only when a queued command may grow memory.
TEST_F(TransactionsTest, MaxmemoryRefusesQueueingAndExecOfGrowingCommands) {
  server::Client* admin = NewClient();
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"DEL", "k"}), "+QUEUED\r\n");
  ASSERT_EQ(Run({"CONFIG", "SET", "maxmemory", "1"}, admin), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n:1\r\n");  // DEL only frees memory
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Err("OOM command not allowed when used memory > 'maxmemory'."));
  EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
  ASSERT_EQ(Run({"CONFIG", "SET", "maxmemory", "0"}, admin), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v2"}), "+QUEUED\r\n");
  ASSERT_EQ(Run({"CONFIG", "SET", "maxmemory", "1"}, admin), kOk);
  EXPECT_EQ(Run({"DISCARD"}), kOk);  // allowed out of memory
  ASSERT_EQ(Run({"CONFIG", "SET", "maxmemory", "0"}, admin), kOk);
}

TEST_F(TransactionsTest, RuntimeErrorsAreElementsOfTheReply) {
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"INCR", "k"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"SET", "n", "5"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n");
  EXPECT_EQ(Run({"GET", "n"}), Bulk("5"));
}

TEST_F(TransactionsTest, DiscardDropsTheQueue) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"DISCARD"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
  EXPECT_TRUE(client().multi_queue().empty());
}

TEST_F(TransactionsTest, WatchedKeyChangedByAnotherClientAbortsExec) {
  server::Client* other = NewClient();
  EXPECT_EQ(Run({"SET", "k", "1"}), kOk);
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "1"}, other), kOk);  // same value still counts
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "mine"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(Run({"GET", "k"}), Bulk("1"));
  // The next transaction is not affected.
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

// Redis signals every LTRIM of an existing list, even one that removes
// nothing (checked against redis-server 7.0; found by the model test).
TEST_F(TransactionsTest, LtrimThatRemovesNothingStillBreaksWatch) {
  EXPECT_EQ(Run({"RPUSH", "l", "a", "b"}), Int(2));
  EXPECT_EQ(Run({"WATCH", "l"}), kOk);
  EXPECT_EQ(Run({"LTRIM", "l", "0", "-1"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"LLEN", "l"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
  // A missing key is not touched.
  EXPECT_EQ(Run({"WATCH", "nolist"}), kOk);
  EXPECT_EQ(Run({"LTRIM", "nolist", "0", "-1"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionsTest, ExecAbortReplyIsNullInResp3) {
  server::Client* other = NewClient();
  EXPECT_EQ(Run({"HELLO", "3"}).substr(0, 1), "%");
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "x"}, other), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "_\r\n");
}

TEST_F(TransactionsTest, UnchangedWatchedKeyLetsExecRun) {
  server::Client* other = NewClient();
  EXPECT_EQ(Run({"WATCH", "k", "k2"}), kOk);
  EXPECT_EQ(Run({"SET", "unrelated", "1"}, other), kOk);
  EXPECT_EQ(Run({"GET", "k"}, other), kNil);  // reads do not count
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST_F(TransactionsTest, OwnWriteBeforeMultiAbortsExec) {
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "1"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionsTest, WatchIsPerDatabase) {
  server::Client* other = NewClient();
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"SELECT", "1"}, other), kOk);
  EXPECT_EQ(Run({"SET", "k", "db1"}, other), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
  EXPECT_EQ(Run({"SELECT", "1"}), kOk);
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"DEL", "k"}, other), Int(1));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionsTest, UnwatchForgetsKeys) {
  server::Client* other = NewClient();
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"UNWATCH"}), kOk);
  EXPECT_TRUE(client().watched().empty());
  EXPECT_EQ(Run({"SET", "k", "x"}, other), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionsTest, ExecUnwatchesAndDiscardUnwatches) {
  server::Client* other = NewClient();
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
  EXPECT_TRUE(client().watched().empty());
  EXPECT_EQ(Run({"SET", "k", "x"}, other), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");

  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"DISCARD"}), kOk);
  EXPECT_TRUE(client().watched().empty());
  EXPECT_EQ(Run({"SET", "k", "y"}, other), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionsTest, WatchingTwiceRecordsOnce) {
  EXPECT_EQ(Run({"WATCH", "k", "k"}), kOk);
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(client().watched().size(), 1U);
}

TEST_F(TransactionsTest, FlushallTouchesWatchedKeys) {
  server::Client* other = NewClient();
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  srv().FlushAll();
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
  // A watched key that did not exist is not touched by a flush.
  EXPECT_EQ(Run({"WATCH", "missing"}), kOk);
  EXPECT_EQ(Run({"SET", "other", "v"}, other), kOk);
  srv().FlushAll();
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionsTest, KeyExpiringAfterWatchAbortsExec) {
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "100"}), kOk);
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  AdvanceClock(1000);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"PING"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionsTest, KeyExpiringAfterWatchAndDeletedLazilyAbortsExec) {
  server::Client* other = NewClient();
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "100"}), kOk);
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  AdvanceClock(1000);
  EXPECT_EQ(Run({"GET", "k"}, other), kNil);  // deletes it
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionsTest, KeyAlreadyExpiredAtWatchDoesNotAbort) {
  server::Client* other = NewClient();
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "100"}), kOk);
  AdvanceClock(1000);
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");

  // Its deletion by expiry is not a change either...
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "100"}), kOk);
  AdvanceClock(1000);
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}, other), kNil);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");

  // ...nor is a flush...
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "100"}), kOk);
  AdvanceClock(1000);
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  srv().FlushAll();
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");

  // ...but writing a new value is.
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "100"}), kOk);
  AdvanceClock(1000);
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "new"}, other), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionsTest, ResetEndsTransactionAndWatches) {
  server::Client* other = NewClient();
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"RESET"}), "+RESET\r\n");
  EXPECT_FALSE(client().Has(server::kClientMulti));
  EXPECT_TRUE(client().multi_queue().empty());
  EXPECT_TRUE(client().watched().empty());
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
  EXPECT_EQ(Run({"SET", "k", "x"}, other), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionsTest, ClosedClientLeavesNoWatchBehind) {
  server::Client* watcher = NewClient();
  EXPECT_EQ(Run({"WATCH", "k"}, watcher), kOk);
  srv().RemoveClient(watcher);
  // Touching the key must not reach the removed client.
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"DEL", "k"}), Int(1));
}

TEST_F(TransactionsTest, ExecSelectsDatabasesPerCommand) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SELECT", "2"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"SET", "k", "in2"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*2\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(Run({"GET", "k"}), Bulk("in2"));
  EXPECT_EQ(Run({"SELECT", "0"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
}

TEST_F(TransactionsTest, EffectsOfExecAreWrappedInMultiExec) {
  RecordingSink sink;
  srv().AddEffectSink(&sink);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"GET", "a"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"SET", "b", "2"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*3\r\n+OK\r\n$1\r\n1\r\n+OK\r\n");
  ASSERT_EQ(sink.batches.size(), 1U);
  EXPECT_EQ(sink.batches[0], (std::vector<std::string>{"MULTI", "SET a 1", "SET b 2", "EXEC"}));
}

TEST_F(TransactionsTest, NoMultiCommandsAreRejectedWhileQueueing) {
  bool found = false;
  srv().commands().ForEach([&](const server::CommandSpec& c) {
    if (found || !c.Has(server::kCmdNoMulti) || !c.ArityOk(1) || c.handler == nullptr) return;
    found = true;
    EXPECT_EQ(Run({"MULTI"}), kOk);
    EXPECT_EQ(Run({c.name}), Err("ERR Command not allowed inside a transaction"));
    EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
  });
  if (!found) GTEST_SKIP() << "no no-multi command with arity 1 is registered";
}

TEST_F(TransactionsTest, CommandFlagsMatchRedis) {
  const server::CommandSpec* exec = srv().commands().Find("exec");
  ASSERT_NE(exec, nullptr);
  EXPECT_TRUE(exec->Has(server::kCmdSkipSlowlog));
  EXPECT_FALSE(exec->Has(server::kCmdFast));
  const server::CommandSpec* watch = srv().commands().Find("watch");
  ASSERT_NE(watch, nullptr);
  EXPECT_EQ(watch->arity, -2);
  EXPECT_TRUE(watch->Has(server::kCmdAllowBusy));
  EXPECT_EQ(watch->first_key, 1);
  EXPECT_EQ(watch->last_key, -1);
}

}  // namespace
}  // namespace transactions_test
}  // namespace baton::testing
