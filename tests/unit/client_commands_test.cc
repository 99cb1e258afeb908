// CLIENT subcommands, READONLY and READWRITE through the command gate.
#include <string>
#include <vector>

#include "support/server_fixture.h"

namespace baton {
namespace client_commands_test {
namespace {

using server::Client;
using switchover::PausePurpose;
using switchover::PauseType;

class ClientCommandTest : public testing::ServerFixture {
 protected:
  // The bulk payload of a RESP2 bulk reply.
  static std::string Payload(const std::string& reply) {
    size_t start = reply.find("\r\n");
    if (reply.empty() || reply[0] != '$' || start == std::string::npos) return "<not bulk>";
    return reply.substr(start + 2, reply.size() - start - 4);
  }
  // The value of `field=` in a CLIENT LIST line.
  static std::string Field(const std::string& line, const std::string& field) {
    std::string key = " " + field + "=";
    size_t pos = (" " + line).find(key);
    if (pos == std::string::npos) return "<missing>";
    size_t start = pos + key.size() - 1;
    size_t end = line.find_first_of(" \n", start);
    return line.substr(start, end - start);
  }
};

TEST_F(ClientCommandTest, IdAndNames) {
  EXPECT_EQ(Run({"CLIENT", "ID"}), Int(static_cast<int64_t>(client().id())));
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), kNil);
  EXPECT_EQ(Run({"CLIENT", "SETNAME", "worker-1"}), kOk);
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), Bulk("worker-1"));
  EXPECT_EQ(Run({"CLIENT", "SETNAME", "a b"}),
            Err("ERR Client names cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(Run({"CLIENT", "SETNAME", "bad\nname"}),
            Err("ERR Client names cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), Bulk("worker-1"));
  EXPECT_EQ(Run({"CLIENT", "SETNAME", ""}), kOk);
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), kNil);
  EXPECT_EQ(Run({"CLIENT", "SETNAME", "a", "b"}),
            Err("ERR wrong number of arguments for 'client|setname' command"));
  EXPECT_EQ(Run({"CLIENT", "ID", "x"}),
            Err("ERR wrong number of arguments for 'client|id' command"));
}

TEST_F(ClientCommandTest, InfoLineHasRedisFieldsInOrder) {
  Run({"CLIENT", "SETNAME", "me"});
  std::string line = Payload(Run({"CLIENT", "INFO"}));
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  const std::vector<std::string> fields = {
      "id",        "addr",     "laddr",     "fd",   "name", "age",   "idle",
      "flags",     "db",       "sub",       "psub", "ssub", "multi", "qbuf",
      "qbuf-free", "argv-mem", "multi-mem", "rbs",  "rbp",  "obl",   "oll",
      "omem",      "tot-mem",  "events",    "cmd",  "user", "redir", "resp"};
  size_t pos = 0;
  for (const std::string& f : fields) {
    size_t at = line.find(f + "=", pos);
    ASSERT_NE(at, std::string::npos) << f << " in " << line;
    pos = at + f.size();
  }
  EXPECT_EQ(Field(line, "id"), std::to_string(client().id()));
  EXPECT_EQ(Field(line, "name"), "me");
  EXPECT_EQ(Field(line, "flags"), "N");
  EXPECT_EQ(Field(line, "multi"), "-1");
  EXPECT_EQ(Field(line, "cmd"), "client|info");
  EXPECT_EQ(Field(line, "user"), "default");
  EXPECT_EQ(Field(line, "redir"), "-1");
  EXPECT_EQ(Field(line, "resp"), "2");
  EXPECT_EQ(Field(line, "argv-mem"), "10");  // "client" + "info"
  EXPECT_EQ(Field(line, "capa"), "<missing>");
}

TEST_F(ClientCommandTest, CapaRedirectMarksTheClient) {
  EXPECT_EQ(Run({"CLIENT", "CAPA", "foo"}), kOk);
  EXPECT_FALSE(client().Has(server::kClientCapaRedirect));
  EXPECT_EQ(Run({"CLIENT", "CAPA", "other", "ReDiReCt"}), kOk);
  EXPECT_TRUE(client().Has(server::kClientCapaRedirect));
  std::string line = Payload(Run({"CLIENT", "INFO"}));
  EXPECT_EQ(Field(line, "capa"), "r");
  EXPECT_NE(line.find(" resp=2 capa=r\n"), std::string::npos) << line;
}

TEST_F(ClientCommandTest, FlagsReflectReadonlyNoEvictNoTouch) {
  EXPECT_EQ(Run({"READONLY"}), kOk);
  EXPECT_TRUE(client().Has(server::kClientReadonly));
  EXPECT_EQ(Run({"CLIENT", "NO-EVICT", "on"}), kOk);
  EXPECT_EQ(Run({"CLIENT", "NO-TOUCH", "ON"}), kOk);
  EXPECT_EQ(Field(Payload(Run({"CLIENT", "INFO"})), "flags"), "reT");
  EXPECT_EQ(Run({"READWRITE"}), kOk);
  EXPECT_FALSE(client().Has(server::kClientReadonly));
  EXPECT_EQ(Run({"CLIENT", "NO-EVICT", "off"}), kOk);
  EXPECT_EQ(Run({"CLIENT", "NO-TOUCH", "off"}), kOk);
  EXPECT_EQ(Field(Payload(Run({"CLIENT", "INFO"})), "flags"), "N");
  EXPECT_EQ(Run({"CLIENT", "NO-EVICT", "maybe"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "NO-TOUCH", "maybe"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"READONLY", "x"}), Err("ERR wrong number of arguments for 'readonly' command"));
}

TEST_F(ClientCommandTest, ListAllTypeAndId) {
  Client* other = NewClient();
  Run({"CLIENT", "SETNAME", "second"}, other);
  std::string all = Payload(Run({"CLIENT", "LIST"}));
  EXPECT_NE(all.find("id=" + std::to_string(client().id()) + " "), std::string::npos);
  EXPECT_NE(all.find("id=" + std::to_string(other->id()) + " "), std::string::npos);
  EXPECT_NE(all.find("name=second"), std::string::npos);
  std::string normal = Payload(Run({"CLIENT", "LIST", "TYPE", "normal"}));
  EXPECT_EQ(normal.rfind("id=" + std::to_string(client().id()) + " ", 0), 0u) << normal;
  EXPECT_NE(normal.find("\nid=" + std::to_string(other->id()) + " "), std::string::npos);
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "master"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "replica"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "pubsub"}), "$0\r\n\r\n");
  std::string only = Payload(Run({"CLIENT", "LIST", "ID", std::to_string(other->id()), "999"}));
  EXPECT_EQ(only.find("id=" + std::to_string(client().id()) + " "), std::string::npos);
  EXPECT_EQ(only.substr(0, 3 + std::to_string(other->id()).size()),
            "id=" + std::to_string(other->id()));
  EXPECT_EQ(Run({"CLIENT", "LIST", "ID", "0"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "foo"}), Err("ERR Unknown client type 'foo'"));
  EXPECT_EQ(Run({"CLIENT", "LIST", "ID", "abc"}), Err("ERR Invalid client ID"));
  EXPECT_EQ(Run({"CLIENT", "LIST", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "LIST", "ID"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "normal", "ID", "1"}), Err("ERR syntax error"));
}

TEST_F(ClientCommandTest, ListIsVerbatimInResp3) {
  ASSERT_EQ(Run({"HELLO", "3"}).substr(0, 3), "%7\r");
  std::string r = Run({"CLIENT", "INFO"});
  ASSERT_EQ(r[0], '=');
  EXPECT_NE(r.find("\r\ntxt:id="), std::string::npos);
  EXPECT_NE(r.find(" resp=3\n\r\n"), std::string::npos);
}

TEST_F(ClientCommandTest, KillByIdAndFilters) {
  Client* a = NewClient();
  Client* b = NewClient();
  EXPECT_EQ(Run({"CLIENT", "KILL", "ID", std::to_string(a->id())}), Int(1));
  EXPECT_TRUE(a->Has(server::kClientCloseAsap));
  EXPECT_FALSE(b->Has(server::kClientCloseAsap));
  EXPECT_EQ(Run({"CLIENT", "KILL", "ID", "999999"}), Int(0));
  // SKIPME defaults to yes: every normal client except the caller.
  EXPECT_EQ(Run({"CLIENT", "KILL", "TYPE", "normal"}), Int(2));
  EXPECT_TRUE(b->Has(server::kClientCloseAsap));
  EXPECT_FALSE(client().Has(server::kClientCloseAfterReply));
  EXPECT_EQ(Run({"CLIENT", "KILL", "TYPE", "pubsub"}), Int(0));
  EXPECT_EQ(Run({"CLIENT", "KILL", "USER", "default", "ID", std::to_string(b->id())}), Int(1));
  EXPECT_EQ(Run({"CLIENT", "KILL", "LADDR", "1.1.1.1:1"}), Int(0));
  EXPECT_EQ(Run({"CLIENT", "KILL", "MAXAGE", "1000"}), Int(0));
}

TEST_F(ClientCommandTest, KillYourselfClosesAfterTheReply) {
  std::string id = std::to_string(client().id());
  EXPECT_EQ(Run({"CLIENT", "KILL", "ID", id, "SKIPME", "no"}), Int(1));
  EXPECT_TRUE(client().Has(server::kClientCloseAfterReply));
  EXPECT_FALSE(client().Has(server::kClientCloseAsap));
}

TEST_F(ClientCommandTest, KillErrors) {
  EXPECT_EQ(Run({"CLIENT", "KILL", "1.2.3.4:5"}), Err("ERR No such client"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "addr"}), Err("ERR No such client"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "ID", "abc"}), Err("ERR client-id should be greater than 0"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "ID", "0"}), Err("ERR client-id should be greater than 0"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "TYPE", "foo"}), Err("ERR Unknown client type 'foo'"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "USER", "nouser"}), Err("ERR No such user 'nouser'"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "SKIPME", "foo", "ID", "1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "ID", "1", "SKIPME"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "BOGUS", "1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "KILL"}),
            Err("ERR wrong number of arguments for 'client|kill' command"));
  EXPECT_FALSE(client().Has(server::kClientCloseAfterReply));
}

TEST_F(ClientCommandTest, PauseAndUnpause) {
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "100000", "WRITE"}), kOk);
  EXPECT_TRUE(srv().pauses().IsPaused(PausePurpose::kClientCommand));
  EXPECT_EQ(srv().pauses().Effective(), PauseType::kWrite);
  // Reads run, writes are postponed.
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  Client* writer = NewClient();
  EXPECT_EQ(Run({"SET", "k", "v"}, writer), "");
  EXPECT_TRUE(writer->Has(server::kClientPostponed));
  EXPECT_EQ(Run({"CLIENT", "UNPAUSE"}), kOk);
  EXPECT_EQ(srv().pauses().Effective(), PauseType::kNone);
  srv().ResumePostponed();
  EXPECT_FALSE(writer->Has(server::kClientPostponed));
  EXPECT_EQ(writer->output(), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
}

TEST_F(ClientCommandTest, PauseDefaultsToAll) {
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "100000"}), kOk);
  EXPECT_EQ(srv().pauses().Effective(), PauseType::kAll);
  srv().pauses().Unpause(PausePurpose::kClientCommand);
}

TEST_F(ClientCommandTest, PauseErrors) {
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "10", "foo"}),
            Err("ERR CLIENT PAUSE mode must be WRITE or ALL"));
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "abc", "foo"}),
            Err("ERR CLIENT PAUSE mode must be WRITE or ALL"));
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "abc"}), Err("ERR timeout is not an integer or out of range"));
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "-1"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "10", "write", "x"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT "
                "HELP."));
  EXPECT_EQ(Run({"CLIENT", "PAUSE"}),
            Err("ERR wrong number of arguments for 'client|pause' command"));
  EXPECT_FALSE(srv().pauses().IsPaused(PausePurpose::kClientCommand));
  // A timeout past the clock's range ends at once.
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "9223372036854775807"}), kOk);
  srv().pauses().ExpireAt(srv().NowMs());
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
}

TEST_F(ClientCommandTest, ReplyModes) {
  // The in-process fixture does not drop replies (Client::ProcessInput does):
  // the flags tell what the connection will do.
  EXPECT_EQ(Run({"CLIENT", "REPLY", "OFF"}), "");
  EXPECT_TRUE(client().Has(server::kClientReplyOff));
  EXPECT_EQ(Run({"CLIENT", "REPLY", "ON"}), kOk);
  EXPECT_FALSE(client().Has(server::kClientReplyOff));
  EXPECT_EQ(Run({"CLIENT", "REPLY", "SKIP"}), "");
  EXPECT_TRUE(client().Has(server::kClientReplySkipNext));
  EXPECT_EQ(Run({"CLIENT", "REPLY", "ON"}), kOk);
  EXPECT_FALSE(client().Has(server::kClientReplySkipNext));
  EXPECT_EQ(Run({"CLIENT", "REPLY", "foo"}), Err("ERR syntax error"));
}

TEST_F(ClientCommandTest, SetInfoStoresLibraryAttributes) {
  EXPECT_EQ(Run({"CLIENT", "SETINFO", "LIB-NAME", "redis-py"}), kOk);
  EXPECT_EQ(Run({"CLIENT", "SETINFO", "lib-ver", "5.0.1"}), kOk);
  EXPECT_EQ(client().lib_name(), "redis-py");
  EXPECT_EQ(client().lib_ver(), "5.0.1");
  EXPECT_EQ(Run({"CLIENT", "SETINFO", "LIB-NAME", "a b"}),
            Err("ERR lib-name cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(Run({"CLIENT", "SETINFO", "FOO", "x"}), Err("ERR Unrecognized option 'FOO'"));
}

TEST_F(ClientCommandTest, TrackingInfoGetRedirAndUnblock) {
  EXPECT_EQ(Run({"CLIENT", "TRACKINGINFO"}), "*6\r\n" + Bulk("flags") + "*1\r\n" + Bulk("off") +
                                                 Bulk("redirect") + Int(-1) + Bulk("prefixes") +
                                                 "*0\r\n");
  EXPECT_EQ(Run({"CLIENT", "GETREDIR"}), Int(-1));
  Client* other = NewClient();
  EXPECT_EQ(Run({"CLIENT", "UNBLOCK", std::to_string(other->id())}), Int(0));
  EXPECT_EQ(Run({"CLIENT", "UNBLOCK", "12345", "ERROR"}), Int(0));
  EXPECT_EQ(Run({"CLIENT", "UNBLOCK", "x", "timeout"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"CLIENT", "UNBLOCK", "1", "foo"}),
            Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
  EXPECT_EQ(Run({"CLIENT", "UNBLOCK", "1", "timeout", "x"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT "
                "HELP."));
}

TEST_F(ClientCommandTest, UnblockEndsABlockingPop) {
  Client* waiter = NewClient();
  EXPECT_EQ(Run({"BLPOP", "list", "0"}, waiter), "");
  ASSERT_TRUE(waiter->Has(server::kClientBlocked));
  EXPECT_EQ(Run({"CLIENT", "UNBLOCK", std::to_string(waiter->id()), "ERROR"}), Int(1));
  EXPECT_FALSE(waiter->Has(server::kClientBlocked));
  EXPECT_EQ(waiter->output().substr(0, 10), "-UNBLOCKED");
}

TEST_F(ClientCommandTest, HelpAndUnknownSubcommand) {
  std::string help = Run({"CLIENT", "HELP"});
  EXPECT_EQ(help.substr(0, 5), "*48\r\n");
  EXPECT_NE(help.find("+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"),
            std::string::npos);
  EXPECT_EQ(Run({"CLIENT", "FOO"}), Err("ERR unknown subcommand 'FOO'. Try CLIENT HELP."));
}

}  // namespace
}  // namespace client_commands_test
}  // namespace baton
