// Pub/sub through the real gate, in process: subscribers are fake clients
// whose output buffers hold the messages.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/server_fixture.h"

namespace baton::testing {
namespace pubsub_test {
namespace {

class PubsubTest : public ServerFixture {
 protected:
  // Takes what was delivered to `c` since the last call.
  static std::string Drain(server::Client* c) {
    std::string out = c->output();
    c->output().clear();
    return out;
  }
  // ["subscribe", channel, count] and friends, RESP2.
  static std::string Confirm(const std::string& verb, const std::string& name, int64_t n) {
    return "*3\r\n" + Bulk(verb) + Bulk(name) + Int(n);
  }
  static std::string Message(const std::string& channel, const std::string& payload) {
    return "*3\r\n" + Bulk("message") + Bulk(channel) + Bulk(payload);
  }
};

TEST_F(PubsubTest, SubscribeConfirmsEachChannel) {
  EXPECT_EQ(
      Run({"SUBSCRIBE", "a", "b", "a"}),
      Confirm("subscribe", "a", 1) + Confirm("subscribe", "b", 2) + Confirm("subscribe", "a", 2));
  EXPECT_TRUE(client().Has(server::kClientPubsub));
  EXPECT_EQ(Run({"PSUBSCRIBE", "p*"}), Confirm("psubscribe", "p*", 3));
  // Shard channels are counted apart.
  EXPECT_EQ(Run({"SSUBSCRIBE", "s"}), Confirm("ssubscribe", "s", 1));
}

TEST_F(PubsubTest, PublishDeliversToChannelAndPatternSubscribers) {
  server::Client* s1 = NewClient();
  server::Client* s2 = NewClient();
  Run({"SUBSCRIBE", "news"}, s1);
  Run({"PSUBSCRIBE", "n*", "x*"}, s2);
  Run({"SUBSCRIBE", "news"}, s2);
  EXPECT_EQ(Run({"PUBLISH", "news", "hello"}), Int(3));
  EXPECT_EQ(Drain(s1), Message("news", "hello"));
  EXPECT_EQ(Drain(s2), Message("news", "hello") + "*4\r\n" + Bulk("pmessage") + Bulk("n*") +
                           Bulk("news") + Bulk("hello"));
  EXPECT_EQ(Run({"PUBLISH", "other", "x"}), Int(0));
  EXPECT_EQ(Drain(s1), "");
  EXPECT_EQ(Drain(s2), "");
}

TEST_F(PubsubTest, PatternsUseGlobMatching) {
  server::Client* sub = NewClient();
  Run({"PSUBSCRIBE", "h?llo", "b[ae]d", "esc\\*"}, sub);
  EXPECT_EQ(Run({"PUBLISH", "hallo", "1"}), Int(1));
  EXPECT_EQ(Run({"PUBLISH", "hllo", "1"}), Int(0));
  EXPECT_EQ(Run({"PUBLISH", "bed", "1"}), Int(1));
  EXPECT_EQ(Run({"PUBLISH", "bid", "1"}), Int(0));
  EXPECT_EQ(Run({"PUBLISH", "esc*", "1"}), Int(1));
  EXPECT_EQ(Run({"PUBLISH", "escX", "1"}), Int(0));
}

TEST_F(PubsubTest, Resp3SubscriberGetsPushes) {
  server::Client* sub = NewClient();
  EXPECT_EQ(Run({"HELLO", "3"}, sub).substr(0, 1), "%");
  EXPECT_EQ(Run({"SUBSCRIBE", "c"}, sub), ">3\r\n" + Bulk("subscribe") + Bulk("c") + Int(1));
  EXPECT_EQ(Run({"PUBLISH", "c", "m"}), Int(1));
  EXPECT_EQ(Drain(sub), ">3\r\n" + Bulk("message") + Bulk("c") + Bulk("m"));
  // RESP3 subscribers can run any command.
  EXPECT_EQ(Run({"SET", "k", "v"}, sub), kOk);
  // A RESP3 client publishing to itself sees the push before the reply.
  EXPECT_EQ(Run({"PUBLISH", "c", "self"}, sub),
            ">3\r\n" + Bulk("message") + Bulk("c") + Bulk("self") + Int(1));
  EXPECT_EQ(Run({"UNSUBSCRIBE"}, sub), ">3\r\n" + Bulk("unsubscribe") + Bulk("c") + Int(0));
  EXPECT_EQ(Run({"UNSUBSCRIBE"}, sub), ">3\r\n" + Bulk("unsubscribe") + "_\r\n" + Int(0));
}

TEST_F(PubsubTest, Resp2SubscribedContextRestrictsCommands) {
  Run({"SUBSCRIBE", "c"});
  EXPECT_EQ(Run({"GET", "k"}),
            Err("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                "RESET are allowed in this context"));
  EXPECT_EQ(Run({"PING"}), "*2\r\n" + Bulk("pong") + Bulk(""));
  EXPECT_EQ(Run({"UNSUBSCRIBE", "c"}), Confirm("unsubscribe", "c", 0));
  EXPECT_FALSE(client().Has(server::kClientPubsub));
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
}

TEST_F(PubsubTest, UnsubscribeWithoutSubscriptions) {
  EXPECT_EQ(Run({"UNSUBSCRIBE"}), "*3\r\n" + Bulk("unsubscribe") + kNil + Int(0));
  EXPECT_EQ(Run({"PUNSUBSCRIBE"}), "*3\r\n" + Bulk("punsubscribe") + kNil + Int(0));
  EXPECT_EQ(Run({"SUNSUBSCRIBE"}), "*3\r\n" + Bulk("sunsubscribe") + kNil + Int(0));
  EXPECT_FALSE(client().Has(server::kClientPubsub));
  // Unsubscribing from a channel never subscribed still confirms it.
  EXPECT_EQ(Run({"UNSUBSCRIBE", "x"}), Confirm("unsubscribe", "x", 0));
}

TEST_F(PubsubTest, UnsubscribeAllListsEveryChannel) {
  Run({"SUBSCRIBE", "a", "b"});
  Run({"PSUBSCRIBE", "p"});
  std::string out = Run({"UNSUBSCRIBE"});
  // Order is unspecified; the counts go down from 2 to 1.
  const std::string first_a = Confirm("unsubscribe", "a", 2) + Confirm("unsubscribe", "b", 1);
  const std::string first_b = Confirm("unsubscribe", "b", 2) + Confirm("unsubscribe", "a", 1);
  EXPECT_TRUE(out == first_a || out == first_b) << out;
  // The pattern keeps the client in the subscribed context.
  EXPECT_TRUE(client().Has(server::kClientPubsub));
  EXPECT_EQ(Run({"PUNSUBSCRIBE"}), Confirm("punsubscribe", "p", 0));
  EXPECT_FALSE(client().Has(server::kClientPubsub));
}

TEST_F(PubsubTest, ShardSubscriptionKeepsContextUntilGone) {
  Run({"SSUBSCRIBE", "s"});
  Run({"SUBSCRIBE", "c"});
  EXPECT_EQ(Run({"UNSUBSCRIBE"}), Confirm("unsubscribe", "c", 0));
  EXPECT_TRUE(client().Has(server::kClientPubsub));
  EXPECT_EQ(Run({"SUNSUBSCRIBE", "s"}), Confirm("sunsubscribe", "s", 0));
  EXPECT_FALSE(client().Has(server::kClientPubsub));
}

TEST_F(PubsubTest, SpublishReachesOnlyShardSubscribers) {
  server::Client* shard = NewClient();
  server::Client* plain = NewClient();
  Run({"SSUBSCRIBE", "s"}, shard);
  Run({"SUBSCRIBE", "s"}, plain);
  Run({"PSUBSCRIBE", "*"}, plain);
  EXPECT_EQ(Run({"SPUBLISH", "s", "m"}), Int(1));
  EXPECT_EQ(Drain(shard), "*3\r\n" + Bulk("smessage") + Bulk("s") + Bulk("m"));
  EXPECT_EQ(Drain(plain), "");
  EXPECT_EQ(Run({"PUBLISH", "s", "m"}), Int(2));
  EXPECT_EQ(Drain(shard), "");
}

TEST_F(PubsubTest, PubsubIntrospection) {
  server::Client* s1 = NewClient();
  server::Client* s2 = NewClient();
  Run({"SUBSCRIBE", "alpha", "beta"}, s1);
  Run({"SUBSCRIBE", "alpha"}, s2);
  Run({"PSUBSCRIBE", "a*", "b*"}, s1);
  Run({"PSUBSCRIBE", "a*"}, s2);
  Run({"SSUBSCRIBE", "shard1"}, s2);

  EXPECT_EQ(Run({"PUBSUB", "NUMSUB", "alpha", "beta", "gamma"}),
            "*6\r\n" + Bulk("alpha") + Int(2) + Bulk("beta") + Int(1) + Bulk("gamma") + Int(0));
  EXPECT_EQ(Run({"PUBSUB", "NUMSUB"}), "*0\r\n");
  EXPECT_EQ(Run({"PUBSUB", "NUMPAT"}), Int(2));
  EXPECT_EQ(Run({"PUBSUB", "CHANNELS", "b*"}), "*1\r\n" + Bulk("beta"));
  std::string all = Run({"PUBSUB", "CHANNELS"});
  EXPECT_TRUE(all == "*2\r\n" + Bulk("alpha") + Bulk("beta") ||
              all == "*2\r\n" + Bulk("beta") + Bulk("alpha"))
      << all;
  EXPECT_EQ(Run({"PUBSUB", "SHARDCHANNELS"}), "*1\r\n" + Bulk("shard1"));
  EXPECT_EQ(Run({"PUBSUB", "SHARDCHANNELS", "x*"}), "*0\r\n");
  EXPECT_EQ(Run({"PUBSUB", "SHARDNUMSUB", "shard1", "alpha"}),
            "*4\r\n" + Bulk("shard1") + Int(1) + Bulk("alpha") + Int(0));

  // Unsubscribing removes empty channels.
  Run({"UNSUBSCRIBE", "beta"}, s1);
  EXPECT_EQ(Run({"PUBSUB", "CHANNELS", "b*"}), "*0\r\n");
  Run({"PUNSUBSCRIBE"}, s1);
  EXPECT_EQ(Run({"PUBSUB", "NUMPAT"}), Int(1));
}

TEST_F(PubsubTest, PubsubErrors) {
  EXPECT_EQ(Run({"PUBSUB"}), Err("ERR wrong number of arguments for 'pubsub' command"));
  EXPECT_EQ(Run({"PUBSUB", "foo"}), Err("ERR unknown subcommand 'foo'. Try PUBSUB HELP."));
  EXPECT_EQ(Run({"PUBSUB", "channels", "a", "b"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB "
                "HELP."));
  EXPECT_EQ(Run({"PUBSUB", "SHARDCHANNELS", "a", "b"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try "
                "PUBSUB HELP."));
  EXPECT_EQ(Run({"PUBSUB", "NUMPAT", "x"}),
            Err("ERR wrong number of arguments for 'pubsub|numpat' command"));
  EXPECT_EQ(Run({"PUBLISH", "c"}), Err("ERR wrong number of arguments for 'publish' command"));
  EXPECT_EQ(Run({"SUBSCRIBE"}), Err("ERR wrong number of arguments for 'subscribe' command"));
  EXPECT_EQ(Run({"PSUBSCRIBE"}), Err("ERR wrong number of arguments for 'psubscribe' command"));
  EXPECT_EQ(Run({"SSUBSCRIBE"}), Err("ERR wrong number of arguments for 'ssubscribe' command"));
}

TEST_F(PubsubTest, PubsubHelp) {
  std::string help = Run({"PUBSUB", "HELP"});
  EXPECT_EQ(help.substr(0, 5), "*14\r\n");
  EXPECT_NE(help.find("+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"),
            std::string::npos);
  EXPECT_NE(help.find("+    Prints this help.\r\n"), std::string::npos);
}

TEST_F(PubsubTest, ResetAndCloseUnsubscribeEverything) {
  server::Client* sub = NewClient();
  Run({"SUBSCRIBE", "c"}, sub);
  Run({"PSUBSCRIBE", "c*"}, sub);
  Run({"SSUBSCRIBE", "s"}, sub);
  EXPECT_EQ(Run({"RESET"}, sub), "+RESET\r\n");
  EXPECT_FALSE(sub->Has(server::kClientPubsub));
  EXPECT_EQ(sub->SubscriptionCount(), 0U);
  EXPECT_EQ(Run({"PUBLISH", "c", "m"}), Int(0));
  EXPECT_EQ(Run({"SPUBLISH", "s", "m"}), Int(0));
  EXPECT_EQ(Run({"PUBSUB", "NUMPAT"}), Int(0));

  server::Client* gone = NewClient();
  Run({"SUBSCRIBE", "c"}, gone);
  Run({"PSUBSCRIBE", "*"}, gone);
  srv().RemoveClient(gone);
  EXPECT_EQ(Run({"PUBLISH", "c", "m"}), Int(0));
  EXPECT_EQ(Run({"PUBSUB", "NUMSUB", "c"}), "*2\r\n" + Bulk("c") + Int(0));
}

TEST_F(PubsubTest, SubscribeInsideMultiRunsAtExec) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SUBSCRIBE", "c"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"SSUBSCRIBE", "s"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*2\r\n" + Confirm("subscribe", "c", 1) +
                               Err("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"));
  EXPECT_TRUE(client().Has(server::kClientPubsub));
  EXPECT_FALSE(client().Has(server::kClientDenyBlocking));
}

TEST_F(PubsubTest, PublishIsPausedByWritePause) {
  const server::CommandSpec* publish = srv().commands().Find("publish");
  ASSERT_NE(publish, nullptr);
  EXPECT_TRUE(publish->Has(server::kCmdMayReplicate));
  EXPECT_TRUE(publish->Has(server::kCmdFast));
  EXPECT_FALSE(publish->Has(server::kCmdWrite));
  const server::CommandSpec* subscribe = srv().commands().Find("subscribe");
  ASSERT_NE(subscribe, nullptr);
  EXPECT_TRUE(subscribe->Has(server::kCmdPubsub));
  EXPECT_TRUE(subscribe->Has(server::kCmdNoscript));
}

TEST_F(PubsubTest, ReplyOffSubscriberStillCounts) {
  server::Client* sub = NewClient();
  Run({"HELLO", "3"}, sub);
  Run({"SUBSCRIBE", "c"}, sub);
  sub->output().clear();
  sub->Set(server::kClientReplyOff);
  EXPECT_EQ(Run({"PUBLISH", "c", "m"}), Int(1));
  EXPECT_EQ(Drain(sub), "");
}

}  // namespace
}  // namespace pubsub_test
}  // namespace baton::testing
