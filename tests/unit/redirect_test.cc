// Switchover redirect rules (SWITCHOVER.md, "CLIENT CAPA redirect and
// -REDIRECT"), with the replica role simulated by setting server.role().
#include <string>
#include <vector>

#include "baton/server/client.h"
#include "support/server_fixture.h"

namespace baton {
namespace redirect_test {
namespace {

class RedirectTest : public testing::ServerFixture {
 protected:
  void Demote(const std::string& host = "10.1.2.3", int port = 6390) {
    srv().role().is_replica = true;
    srv().role().master_host = host;
    srv().role().master_port = port;
  }
  static constexpr const char* kRedirect = "-REDIRECT 10.1.2.3:6390\r\n";
  static constexpr const char* kReadonly =
      "-READONLY You can't write against a read only replica.\r\n";
};

TEST_F(RedirectTest, PrimaryRunsEverythingLocally) {
  EXPECT_EQ(Run({"CLIENT", "CAPA", "redirect"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
}

TEST_F(RedirectTest, CapableClientOnReplicaIsRedirected) {
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"CLIENT", "CAPA", "REDIRECT"}), kOk);
  Demote();
  EXPECT_EQ(Run({"SET", "k", "w"}), kRedirect);
  EXPECT_EQ(Run({"INCR", "n"}), kRedirect);
  EXPECT_EQ(Run({"GET", "k"}), kRedirect);
  EXPECT_EQ(Run({"EXISTS", "k"}), kRedirect);
  // Commands with neither flag run locally.
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(Run({"ECHO", "x"}), Bulk("x"));
  EXPECT_EQ(Run({"CLIENT", "ID"}), Int(static_cast<int64_t>(client().id())));
  // Nothing changed locally.
  srv().role().is_replica = false;
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"EXISTS", "n"}), Int(0));
}

TEST_F(RedirectTest, ReadonlyClientReadsLocallyButWritesAreRedirected) {
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"CLIENT", "CAPA", "redirect"}), kOk);
  Demote();
  EXPECT_EQ(Run({"READONLY"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"STRLEN", "k"}), Int(1));
  EXPECT_EQ(Run({"DEL", "k"}), kRedirect);
  EXPECT_EQ(Run({"READWRITE"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), kRedirect);
}

TEST_F(RedirectTest, ClientWithoutCapabilityGetsRedisBehaviour) {
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  Demote();
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"SET", "k", "w"}), kReadonly);
  EXPECT_EQ(Run({"CLIENT", "CAPA", "something-else"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "w"}), kReadonly);
}

TEST_F(RedirectTest, HostIsKeptAsGivenToReplicaof) {
  EXPECT_EQ(Run({"CLIENT", "CAPA", "redirect"}), kOk);
  Demote("::1", 7000);
  EXPECT_EQ(Run({"SET", "k", "v"}), "-REDIRECT ::1:7000\r\n");
  Demote("primary.example.org", 6379);
  EXPECT_EQ(Run({"SET", "k", "v"}), "-REDIRECT primary.example.org:6379\r\n");
}

TEST_F(RedirectTest, EarlierGateChecksComeFirst) {
  EXPECT_EQ(Run({"CLIENT", "CAPA", "redirect"}), kOk);
  Demote();
  EXPECT_EQ(Run({"SET", "k"}), Err("ERR wrong number of arguments for 'set' command"));
  EXPECT_EQ(Run({"NOSUCHCOMMAND"}).substr(0, 20), "-ERR unknown command");
}

TEST_F(RedirectTest, RedirectWhileQueueingAbortsTheTransaction) {
  EXPECT_EQ(Run({"CLIENT", "CAPA", "redirect"}), kOk);
  Demote();
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"PING"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"SET", "k", "v"}), kRedirect);
  EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
}

TEST_F(RedirectTest, TransactionQueuedOnPrimaryIsRedirectedAfterDemotion) {
  EXPECT_EQ(Run({"CLIENT", "CAPA", "redirect"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"INCR", "n"}), "+QUEUED\r\n");
  Demote();
  EXPECT_EQ(Run({"EXEC"}), kRedirect);
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
  srv().role().is_replica = false;
  EXPECT_EQ(Run({"EXISTS", "k", "n"}), Int(0));
}

TEST_F(RedirectTest, LocalOnlyTransactionRunsOnReplica) {
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"CLIENT", "CAPA", "redirect"}), kOk);
  EXPECT_EQ(Run({"READONLY"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"PING"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "+QUEUED\r\n");
  Demote();
  EXPECT_EQ(Run({"EXEC"}), "*2\r\n+PONG\r\n$1\r\nv\r\n");
}

TEST_F(RedirectTest, DemotionFlagRedirectsAnyQueuedTransaction) {
  EXPECT_EQ(Run({"CLIENT", "CAPA", "redirect"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"PING"}), "+QUEUED\r\n");
  Demote();
  client().Set(server::kClientRedirectAfterDemotion);
  EXPECT_EQ(Run({"EXEC"}), kRedirect);
  EXPECT_FALSE(client().Has(server::kClientRedirectAfterDemotion));
  EXPECT_FALSE(client().Has(server::kClientMulti));
}

TEST_F(RedirectTest, RedirectedCallsCountAsRejected) {
  EXPECT_EQ(Run({"CLIENT", "CAPA", "redirect"}), kOk);
  Demote();
  EXPECT_EQ(Run({"SET", "k", "v"}), kRedirect);
  const std::string stats = Run({"INFO", "commandstats"});
  EXPECT_NE(stats.find("cmdstat_set:calls=0,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("rejected_calls=1"), std::string::npos) << stats;
}

}  // namespace
}  // namespace redirect_test
}  // namespace baton
