// DEBUG: the enable-debug-command gate and the subcommands tests rely on.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "support/server_fixture.h"

namespace baton::testing {
namespace debug_test {
namespace {

constexpr const char* kZeroDigest = "0000000000000000000000000000000000000000";

class DebugTest : public ServerFixture {
 protected:
  void SetUp() override { Restart("enable-debug-command yes\n"); }
  std::string Digest() { return Run({"DEBUG", "DIGEST"}); }
  std::string Get(const std::string& key) {
    store::KeyEntry* e = srv().db(0).Lookup(key, store::kLookupNoTouch);
    return e == nullptr ? "(nil)" : std::string(e->value.Bytes().view());
  }
};

TEST_F(DebugTest, RefusedUnlessEnabled) {
  Restart("");
  EXPECT_EQ(Run({"DEBUG", "SLEEP", "0"}),
            Err("ERR DEBUG command not allowed. If the enable-debug-command option is set to "
                "\"local\", you can run it from a local connection, otherwise you need to set "
                "this option in the configuration file, and then restart the server."));
  Restart("enable-debug-command local\n");  // in-process clients count as local
  EXPECT_EQ(Run({"DEBUG", "SLEEP", "0"}), kOk);
  Restart("enable-debug-command yes\n");
  EXPECT_EQ(Run({"DEBUG", "SLEEP", "0"}), kOk);
}

TEST_F(DebugTest, UnknownSubcommandOrArity) {
  EXPECT_EQ(Run({"DEBUG", "JMAP"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'JMAP'. Try DEBUG HELP."));
  EXPECT_EQ(Run({"DEBUG", "object"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'object'. Try DEBUG "
                "HELP."));
  EXPECT_EQ(Run({"DEBUG"}), Err("ERR wrong number of arguments for 'debug' command"));
  const std::string help = Run({"DEBUG", "HELP"});
  EXPECT_EQ(help.rfind("*", 0), 0U);
  EXPECT_NE(help.find("+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"),
            std::string::npos);
}

TEST_F(DebugTest, ObjectDescribesTheValue) {
  Run({"SET", "s", "bar"});
  Run({"SET", "n", "12345"});
  Run({"SET", "long", std::string(60, 'x')});
  const std::regex shape(
      "\\+Value at:0x[0-9a-f]+ refcount:1 encoding:([a-z]+) serializedlength:([0-9]+) "
      "lru:[0-9]+ lru_seconds_idle:([0-9]+)\r\n");
  std::smatch m;
  std::string r = Run({"DEBUG", "OBJECT", "s"});
  ASSERT_TRUE(std::regex_match(r, m, shape)) << r;
  EXPECT_EQ(m[1].str(), "embstr");
  EXPECT_EQ(m[2].str(), "4");
  EXPECT_EQ(m[3].str(), "0");
  r = Run({"DEBUG", "OBJECT", "n"});
  ASSERT_TRUE(std::regex_match(r, m, shape)) << r;
  EXPECT_EQ(m[1].str(), "int");
  EXPECT_EQ(m[2].str(), "3");
  r = Run({"DEBUG", "OBJECT", "long"});
  ASSERT_TRUE(std::regex_match(r, m, shape)) << r;
  EXPECT_EQ(m[1].str(), "raw");
  EXPECT_EQ(Run({"DEBUG", "OBJECT", "missing"}), Err("ERR no such key"));
  // Idle time grows with the clock and DEBUG OBJECT does not touch the key.
  AdvanceClock(5000);
  r = Run({"DEBUG", "OBJECT", "s"});
  ASSERT_TRUE(std::regex_match(r, m, shape)) << r;
  EXPECT_EQ(m[3].str(), "5");
}

TEST_F(DebugTest, PopulateCreatesMissingKeysOnly) {
  Run({"SET", "key:1", "mine"});
  EXPECT_EQ(Run({"DEBUG", "POPULATE", "3"}), kOk);
  EXPECT_EQ(srv().db(0).size(), 3U);
  EXPECT_EQ(Get("key:0"), "value:0");
  EXPECT_EQ(Get("key:1"), "mine");
  EXPECT_EQ(Get("key:2"), "value:2");
  EXPECT_EQ(Run({"DEBUG", "POPULATE", "2", "p", "10"}), kOk);
  EXPECT_EQ(Get("p:1"), std::string("value:1\0\0\0", 10));
  EXPECT_EQ(Run({"DEBUG", "POPULATE", "1", "q", "2"}), kOk);
  EXPECT_EQ(Get("q:0"), "va");
  EXPECT_EQ(Run({"DEBUG", "POPULATE", "0"}), kOk);
  for (const char* bad : {"-1", "x"}) {
    EXPECT_EQ(Run({"DEBUG", "POPULATE", bad}), Err("ERR value is out of range, must be positive"));
  }
  EXPECT_EQ(Run({"DEBUG", "POPULATE", "1", "p", "x"}),
            Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(srv().db(0).size(), 6U);
}

TEST_F(DebugTest, PopulateManyKeys) {
  EXPECT_EQ(Run({"DEBUG", "POPULATE", "100000"}), kOk);
  EXPECT_EQ(srv().db(0).size(), 100000U);
  EXPECT_EQ(Get("key:99999"), "value:99999");
}

TEST_F(DebugTest, DigestIsOrderAndEncodingIndependent) {
  EXPECT_EQ(Digest(), std::string("+") + kZeroDigest + "\r\n");
  Run({"SET", "a", "1"});
  Run({"SET", "b", "hello"});
  const std::string d1 = Digest();
  EXPECT_TRUE(std::regex_match(d1, std::regex("\\+[0-9a-f]{40}\r\n"))) << d1;
  EXPECT_NE(d1, std::string("+") + kZeroDigest + "\r\n");
  // Same data inserted in another order, with "1" stored raw instead of int.
  Restart("enable-debug-command yes\n");
  Run({"SET", "b", "hello"});
  srv().db(0).Set("a", store::Value::FromRawString("1"));
  EXPECT_EQ(Digest(), d1);
  // Any change of value, key, db or TTL changes it.
  Run({"SET", "b", "hellO"});
  EXPECT_NE(Digest(), d1);
  Run({"SET", "b", "hello"});
  EXPECT_EQ(Digest(), d1);
  srv().db(0).SetExpire(srv().db(0).Lookup("b"), srv().NowMs() + 100000);
  EXPECT_NE(Digest(), d1);
}

TEST_F(DebugTest, DigestValue) {
  Run({"SET", "a", "1"});
  const std::string r = Run({"DEBUG", "DIGEST-VALUE", "a", "missing"});
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r, m, std::regex("\\*2\r\n\\+([0-9a-f]{40})\r\n\\+([0-9]{40})\r\n")))
      << r;
  EXPECT_NE(m[1].str(), kZeroDigest);
  EXPECT_EQ(m[2].str(), kZeroDigest);
  EXPECT_EQ(Run({"DEBUG", "DIGEST-VALUE"}), "*0\r\n");
  // The value digest ignores the key name.
  Run({"SET", "other", "1"});
  EXPECT_EQ(Run({"DEBUG", "DIGEST-VALUE", "other"}), "*1\r\n+" + m[1].str() + "\r\n");
}

TEST_F(DebugTest, SetActiveExpireAndSleep) {
  EXPECT_EQ(Run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), kOk);
  EXPECT_FALSE(srv().active_expire_enabled);
  EXPECT_EQ(Run({"DEBUG", "SET-ACTIVE-EXPIRE", "1"}), kOk);
  EXPECT_TRUE(srv().active_expire_enabled);
  EXPECT_EQ(Run({"DEBUG", "SLEEP", "0.001"}), kOk);
  EXPECT_EQ(Run({"DEBUG", "SLEEP", "x"}), kOk);  // like atof: not a number sleeps 0
}

TEST_F(DebugTest, ChangeReplIdAndMisc) {
  const std::string before = srv().role().replid;
  srv().role().replid2 = before;
  EXPECT_EQ(Run({"DEBUG", "CHANGE-REPL-ID"}), kOk);
  EXPECT_NE(srv().role().replid, before);
  EXPECT_TRUE(std::regex_match(srv().role().replid, std::regex("[0-9a-f]{40}")));
  EXPECT_EQ(srv().role().replid2, kZeroDigest);
  EXPECT_EQ(Run({"DEBUG", "ERROR", "ERR custom failure"}), Err("ERR custom failure"));
  EXPECT_EQ(Run({"DEBUG", "LOG", "hello"}), kOk);
}

}  // namespace
}  // namespace debug_test
}  // namespace baton::testing
