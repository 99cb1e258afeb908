// Legacy session hand-over (SWITCHOVER.md, "Legacy sessions") between real
// baton-server processes: sessions open on the primary before a FAILOVER,
// without CLIENT CAPA redirect, keep working afterwards through the old
// primary, which relays them to the new one with their state (SELECT, the
// client name, MULTI and WATCH, blocked pops), while new sessions and
// subscribers are ordinary sessions of a replica. baton-pulse checks both
// client modes under load: no error, no lost write. Every wait is a bounded poll.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "support/pair.h"
#include "support/pulse_run.h"
#include "support/server_process.h"

namespace baton::testing {
namespace handover_test {
namespace {

constexpr const char* kReadonly = "READONLY You can't write against a read only replica.";

std::string Text(redisContext* c, const std::vector<std::string>& args) {
  return ReplyText(Command(c, args));
}

class HandoverTest : public ::testing::Test {
 protected:
  void StartPair(std::vector<std::string> primary_args = {}) {
    primary_args.insert(primary_args.end(), {"--repl-diskless-sync-delay", "0"});
    primary_ = std::make_unique<ServerProcess>(primary_args);
    replica_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--repl-diskless-sync-delay", "0"});
    ASSERT_TRUE(primary_->Start());
    ASSERT_TRUE(replica_->Start());
    Attach(*replica_, *primary_);
  }

  // FAILOVER to the replica, over a connection of its own, and waits until
  // the roles swapped and the old primary finished its part.
  void SwitchOver() {
    ASSERT_TRUE(WaitFor([&] { return CaughtUp(*primary_, *replica_); }));
    ASSERT_EQ(ReplyText(primary_->Command({"FAILOVER", "TO", "127.0.0.1", PortOf(*replica_)})),
              "OK");
    ASSERT_TRUE(WaitFor([&] {
      return RoleOf(*replica_) == "master" && RoleOf(*primary_) == "slave" &&
             InfoField(*primary_, "master_failover_state") == "no-failover";
    })) << primary_->ReadLog();
  }

  std::unique_ptr<ServerProcess> primary_;
  std::unique_ptr<ServerProcess> replica_;
};

TEST_F(HandoverTest, LegacySessionKeepsItsStateAndWritesToTheNewPrimary) {
  StartPair();
  Connection legacy = primary_->Connect();
  ASSERT_TRUE(legacy);
  EXPECT_EQ(Text(legacy.get(), {"SELECT", "3"}), "OK");
  EXPECT_EQ(Text(legacy.get(), {"CLIENT", "SETNAME", "app-1"}), "OK");
  EXPECT_EQ(Text(legacy.get(), {"SET", "k", "before"}), "OK");
  SwitchOver();

  EXPECT_EQ(Text(legacy.get(), {"SET", "k", "after"}), "OK");
  EXPECT_EQ(Text(legacy.get(), {"GET", "k"}), "after");
  EXPECT_EQ(Text(legacy.get(), {"INCR", "n"}), "1");
  // Its data commands run on the new primary, under its name and database.
  Connection on_new = replica_->Connect();
  EXPECT_NE(Text(on_new.get(), {"CLIENT", "LIST"}).find("name=app-1"), std::string::npos);
  EXPECT_EQ(Text(on_new.get(), {"SELECT", "3"}), "OK");
  EXPECT_EQ(Text(on_new.get(), {"GET", "k"}), "after");
  EXPECT_EQ(InfoField(*primary_, "relayed_clients", "clients"), "1");
  // Commands about the node itself answer for the node it is connected to.
  Reply role = Command(legacy.get(), {"ROLE"});
  ASSERT_TRUE(role && role->type == REDIS_REPLY_ARRAY && role->elements > 0);
  EXPECT_EQ(std::string(role->element[0]->str), "slave");
  EXPECT_EQ(Text(legacy.get(), {"CLIENT", "GETNAME"}), "app-1");
  // SELECT applies here and there: a data command and a local one agree.
  EXPECT_EQ(Text(legacy.get(), {"SELECT", "5"}), "OK");
  EXPECT_EQ(Text(legacy.get(), {"SET", "in5", "x"}), "OK");
  EXPECT_EQ(Text(on_new.get(), {"SELECT", "5"}), "OK");
  EXPECT_EQ(Text(on_new.get(), {"GET", "in5"}), "x");
  EXPECT_EQ(Text(legacy.get(), {"SELECT", "3"}), "OK");
  // A pipeline comes back whole and in order.
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(SendRequest(legacy.get(), {"INCR", "n"}));
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(ReplyText(NextReply(legacy.get())), std::to_string(i + 2));
  // A session opened after the switch is an ordinary session of a replica.
  Connection fresh = primary_->Connect();
  EXPECT_EQ(Text(fresh.get(), {"SET", "x", "y"}), kReadonly);
  EXPECT_EQ(Text(fresh.get(), {"SELECT", "3"}), "OK");
  ASSERT_TRUE(WaitFor([&] { return Text(fresh.get(), {"GET", "n"}) == "101"; }));
  // QUIT answers and closes.
  EXPECT_EQ(Text(legacy.get(), {"QUIT"}), "OK");
  ASSERT_TRUE(WaitFor([&] { return InfoField(*primary_, "relayed_clients", "clients") == "0"; }));
}

TEST_F(HandoverTest, TransactionsOpenAtTheSwitchKeepTheirMeaning) {
  StartPair();
  Connection queued = primary_->Connect();
  EXPECT_EQ(Text(queued.get(), {"MULTI"}), "OK");
  EXPECT_EQ(Text(queued.get(), {"INCR", "t"}), "QUEUED");
  Connection dirty = primary_->Connect();
  EXPECT_EQ(Text(dirty.get(), {"WATCH", "w"}), "OK");
  Connection clean = primary_->Connect();
  EXPECT_EQ(Text(clean.get(), {"WATCH", "z"}), "OK");
  Connection doomed = primary_->Connect();
  EXPECT_EQ(Text(doomed.get(), {"MULTI"}), "OK");
  EXPECT_EQ(Text(doomed.get(), {"SET", "only-a-key"}),
            "ERR wrong number of arguments for 'set' command");
  EXPECT_EQ(ReplyText(primary_->Command({"SET", "w", "changed"})), "OK");
  SwitchOver();

  Reply exec = Command(queued.get(), {"EXEC"});
  ASSERT_TRUE(exec && exec->type == REDIS_REPLY_ARRAY && exec->elements == 1);
  EXPECT_EQ(exec->element[0]->integer, 1);

  EXPECT_EQ(Text(dirty.get(), {"MULTI"}), "OK");
  EXPECT_EQ(Text(dirty.get(), {"SET", "w", "mine"}), "QUEUED");
  EXPECT_EQ(Text(dirty.get(), {"EXEC"}), "<nil>");

  EXPECT_EQ(Text(clean.get(), {"MULTI"}), "OK");
  EXPECT_EQ(Text(clean.get(), {"SET", "z", "1"}), "QUEUED");
  exec = Command(clean.get(), {"EXEC"});
  ASSERT_TRUE(exec && exec->type == REDIS_REPLY_ARRAY && exec->elements == 1);

  EXPECT_EQ(Text(doomed.get(), {"EXEC"}),
            "EXECABORT Transaction discarded because of previous errors.");

  EXPECT_EQ(ReplyText(replica_->Command({"GET", "t"})), "1");
  EXPECT_EQ(ReplyText(replica_->Command({"GET", "w"})), "changed");
  EXPECT_EQ(ReplyText(replica_->Command({"GET", "z"})), "1");
}

TEST_F(HandoverTest, BlockedPopsContinueOnTheNewPrimaryWithTheTimeTheyHadLeft) {
  StartPair();
  Connection forever = primary_->Connect();
  Connection short_wait = primary_->Connect();
  ASSERT_TRUE(SendRequest(forever.get(), {"BLPOP", "q", "0"}));
  ASSERT_TRUE(SendRequest(short_wait.get(), {"BRPOP", "q2", "6"}));
  ASSERT_TRUE(WaitFor([&] { return InfoField(*primary_, "blocked_clients", "clients") == "2"; }));
  SwitchOver();
  // Both wait on the new primary now, not here.
  ASSERT_TRUE(WaitFor([&] { return InfoField(*replica_, "blocked_clients", "clients") == "2"; }));
  EXPECT_EQ(InfoField(*primary_, "blocked_clients", "clients"), "0");
  EXPECT_EQ(ReplyText(replica_->Command({"RPUSH", "q", "v"})), "1");
  Reply popped = NextReply(forever.get());
  ASSERT_TRUE(popped && popped->type == REDIS_REPLY_ARRAY && popped->elements == 2);
  EXPECT_EQ(std::string(popped->element[1]->str), "v");
  // The six-second wait ends as a timeout (a nil), not an error.
  EXPECT_EQ(ReplyText(NextReply(short_wait.get())), "<nil>");
}

TEST_F(HandoverTest, SubscribersStayHereAndHearMessagesThroughReplication) {
  StartPair();
  Connection sub = primary_->Connect();
  Reply r = Command(sub.get(), {"SUBSCRIBE", "news"});
  ASSERT_TRUE(r && r->type == REDIS_REPLY_ARRAY);
  SwitchOver();
  EXPECT_EQ(InfoField(*primary_, "relayed_clients", "clients"), "0");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*replica_, *primary_); }));
  EXPECT_EQ(ReplyText(replica_->Command({"PUBLISH", "news", "hello"})), "0");
  Reply message = NextReply(sub.get());
  ASSERT_TRUE(message && message->type == REDIS_REPLY_ARRAY && message->elements == 3);
  EXPECT_EQ(std::string(message->element[2]->str), "hello");
}

// SIGTERM on the old primary while a relayed session pipelines: the
// session gets every reply to what it sent, then the connection closes.
TEST_F(HandoverTest, ShutdownOfTheOldPrimaryClosesRelayedSessionsBetweenReplies) {
  StartPair();
  Connection legacy = primary_->Connect();
  EXPECT_EQ(Text(legacy.get(), {"PING"}), "PONG");
  SwitchOver();
  constexpr int kSent = 2000;
  for (int i = 0; i < kSent; ++i) ASSERT_TRUE(SendRequest(legacy.get(), {"INCR", "drained"}));
  ASSERT_TRUE(WaitFor([&] { return ReplyText(replica_->Command({"GET", "drained"})) != "<nil>"; }));
  ASSERT_EQ(kill(primary_->pid(), SIGTERM), 0);
  int answered = 0;
  for (; answered < kSent; ++answered) {
    Reply r = NextReply(legacy.get());
    if (r == nullptr) break;
    ASSERT_EQ(r->type, REDIS_REPLY_INTEGER) << ReplyText(r);
    ASSERT_EQ(r->integer, answered + 1);
  }
  EXPECT_EQ(primary_->WaitExit(), 0) << primary_->ReadLog();
  // Every INCR answered was applied on the new primary, and no other.
  EXPECT_EQ(ReplyText(replica_->Command({"GET", "drained"})), std::to_string(answered));
  EXPECT_GT(answered, 0);
}

TEST_F(HandoverTest, SwitchedOffLegacySessionsSeeReadonly) {
  StartPair({"--switchover-handover", "no"});
  Connection legacy = primary_->Connect();
  EXPECT_EQ(Text(legacy.get(), {"PING"}), "PONG");
  SwitchOver();
  EXPECT_EQ(Text(legacy.get(), {"SET", "k", "v"}), kReadonly);
  EXPECT_EQ(InfoField(*primary_, "relayed_clients", "clients"), "0");
}

// Between the old primary's PSYNC FAILOVER and the target's answer the old
// primary is already a replica but its writes are still paused: a write of
// a legacy session arriving then waits and is relayed, not refused. The
// stopped target holds the switch in that state (FORCE moves on without its
// ACK; it had everything before it stopped).
TEST_F(HandoverTest, WriteArrivingWhileTheSwitchFinishesIsRelayedNotRefused) {
  StartPair();
  Connection legacy = primary_->Connect();
  ASSERT_TRUE(legacy);
  EXPECT_EQ(Text(legacy.get(), {"SET", "n", "10"}), "OK");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*primary_, *replica_); }));
  ASSERT_EQ(kill(replica_->pid(), SIGSTOP), 0);
  EXPECT_EQ(ReplyText(primary_->Command(
                {"FAILOVER", "TO", "127.0.0.1", PortOf(*replica_), "TIMEOUT", "100", "FORCE"})),
            "OK");
  ASSERT_TRUE(WaitFor(
      [&] { return InfoField(*primary_, "master_failover_state") == "failover-in-progress"; }));
  EXPECT_EQ(RoleOf(*primary_), "slave");
  ASSERT_TRUE(SendRequest(legacy.get(), {"INCR", "n"}));
  // The INCR is in the old primary's hands before the target wakes up.
  ASSERT_TRUE(WaitFor([&] {
    return ReplyText(primary_->Command({"CLIENT", "LIST"})).find("cmd=incr") != std::string::npos;
  })) << primary_->ReadLog();
  ASSERT_EQ(kill(replica_->pid(), SIGCONT), 0);
  EXPECT_EQ(ReplyText(NextReply(legacy.get())), "11") << primary_->ReadLog();
  ASSERT_TRUE(WaitFor([&] { return RoleOf(*replica_) == "master"; }));
  EXPECT_EQ(ReplyText(replica_->Command({"GET", "n"})), "11");
}

// baton-pulse under load, FAILOVER at 1 s: legacy clients (relayed) and
// redirect clients (which follow -REDIRECT) see no error and lose nothing.
// The per-request deadline outlasts the multi-second freezes of a loaded
// 2-core VM: a timeout there makes a legacy client reconnect, and a session
// opened after the switch is, by design, an ordinary one (READONLY).
constexpr int kStallProofDeadlineMs = 30000;
TEST_F(HandoverTest, PulseSeesNoErrorInEitherModeAcrossFailover) {
  StartPair();
  PulseRun legacy = RunPulse(primary_->port(),
                             "--clients 10 --keys 100 --duration 4 --mode legacy "
                             "--failover-at 1",
                             kStallProofDeadlineMs);
  ExpectCleanRun(legacy);
  EXPECT_EQ(legacy.Raw("failover_reply"), "\"OK\"") << legacy.output;
  EXPECT_EQ(legacy.Raw("verified_on"), "\"127.0.0.1:" + PortOf(*replica_) + "\"") << legacy.output;
  // And back: the old primary, a replica now, becomes the primary again.
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*replica_, *primary_); }));
  PulseRun redirect = RunPulse(replica_->port(),
                               "--clients 10 --keys 100 --duration 4 --mode redirect "
                               "--failover-at 1",
                               kStallProofDeadlineMs);
  ExpectCleanRun(redirect);
  EXPECT_EQ(redirect.Raw("verified_on"), "\"127.0.0.1:" + PortOf(*primary_) + "\"")
      << redirect.output;
}

}  // namespace
}  // namespace handover_test
}  // namespace baton::testing
