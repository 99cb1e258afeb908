// FAILOVER in process: argument checks in Redis 7.0's order and text, the
// state names, and the PSYNC FAILOVER refusals of a master. The hand-over
// itself needs two processes (tests/integration/failover_test.cc).
#include "baton/switchover/failover.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/server_fixture.h"

namespace baton::testing {
namespace failover_test {
namespace {

using switchover::FailoverState;
using switchover::FailoverStateName;

class FailoverUnitTest : public ServerFixture {};

TEST_F(FailoverUnitTest, StateNames) {
  EXPECT_STREQ(FailoverStateName(FailoverState::kNone), "no-failover");
  EXPECT_STREQ(FailoverStateName(FailoverState::kWaitForSync), "waiting-for-sync");
  EXPECT_STREQ(FailoverStateName(FailoverState::kInProgress), "failover-in-progress");
}

TEST_F(FailoverUnitTest, ErrorsInOrder) {
  EXPECT_EQ(Run({"FAILOVER", "ABORT"}), Err("ERR No failover in progress."));
  EXPECT_EQ(Run({"FAILOVER", "TIMEOUT", "0"}), Err("ERR FAILOVER timeout must be greater than 0"));
  EXPECT_EQ(Run({"FAILOVER", "TIMEOUT", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"FAILOVER", "TO", "h", "p"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"FAILOVER", "ABORT", "ABORT"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FAILOVER", "TO", "h", "1", "TO", "h", "2"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FAILOVER", "TIMEOUT"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FAILOVER"}), Err("ERR FAILOVER requires connected replicas."));
  EXPECT_EQ(Run({"FAILOVER", "TO", "h", "1", "FORCE"}),
            Err("ERR FAILOVER requires connected replicas."));
  EXPECT_EQ(Run({"failover", "to", "h", "99999", "timeout", "10"}),
            Err("ERR FAILOVER requires connected replicas."));
}

TEST_F(FailoverUnitTest, InfoAndPsyncFailoverOnAMaster) {
  const std::string info = Run({"INFO", "replication"});
  EXPECT_NE(info.find("master_failover_state:no-failover\r\n"), std::string::npos);
  EXPECT_EQ(Run({"PSYNC", "abc", "1", "FAILOVER"}),
            Err("ERR PSYNC FAILOVER can't be sent to a master."));
  EXPECT_EQ(switchover::Failover::Get(srv()).state(), FailoverState::kNone);
}

}  // namespace
}  // namespace failover_test
}  // namespace baton::testing
