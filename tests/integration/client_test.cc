// CLIENT commands against the real binary: PAUSE/UNPAUSE postponing writes,
// KILL closing connections, REPLY OFF/SKIP, LIST addresses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace client_test {
namespace {

std::string Str(const Reply& r) {
  if (r == nullptr) return "<null>";
  if (r->type == REDIS_REPLY_NIL) return "<nil>";
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->str == nullptr) return "<type " + std::to_string(r->type) + ">";
  return std::string(r->str, r->len);
}

int64_t ClientId(redisContext* c) {
  Reply r = Command(c, {"CLIENT", "ID"});
  return r != nullptr && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
}

// The CLIENT LIST line of client `id`, seen from `observer`.
std::string ListLine(redisContext* observer, int64_t id) {
  return Str(Command(observer, {"CLIENT", "LIST", "ID", std::to_string(id)}));
}

bool IsPostponed(redisContext* observer, int64_t id) {
  std::string line = ListLine(observer, id);
  size_t flags = line.find(" flags=");
  return flags != std::string::npos &&
         line.substr(flags + 7, line.find(' ', flags + 7) - flags - 7).find('b') !=
             std::string::npos;
}

class ClientIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start()); }
  Connection Open() {
    Connection c = server_.Connect();
    EXPECT_TRUE(c);
    return c;
  }
  ServerProcess server_;
};

TEST_F(ClientIntegrationTest, PauseWritePostponesWritesInArrivalOrder) {
  Connection a = Open();
  Connection b = Open();
  Connection c = Open();
  Connection d = Open();
  ASSERT_TRUE(a && b && c && d);
  ASSERT_EQ(Str(Command(a.get(), {"SET", "log", ">"})), "OK");
  const int64_t b_id = ClientId(b.get());
  const int64_t d_id = ClientId(d.get());
  // A long pause: it must end by UNPAUSE, not by itself.
  ASSERT_EQ(Str(Command(a.get(), {"CLIENT", "PAUSE", "100000", "WRITE"})), "OK");

  ASSERT_TRUE(SendRequest(b.get(), {"APPEND", "log", "b"}));
  ASSERT_TRUE(WaitFor([&] { return IsPostponed(a.get(), b_id); })) << ListLine(a.get(), b_id);
  ASSERT_TRUE(SendRequest(d.get(), {"APPEND", "log", "d"}));
  ASSERT_TRUE(WaitFor([&] { return IsPostponed(a.get(), d_id); })) << ListLine(a.get(), d_id);

  // Reads are served meanwhile and see no postponed write.
  EXPECT_EQ(Str(Command(c.get(), {"GET", "log"})), ">");
  EXPECT_EQ(Str(Command(c.get(), {"PING"})), "PONG");
  EXPECT_TRUE(IsPostponed(a.get(), b_id));

  ASSERT_EQ(Str(Command(a.get(), {"CLIENT", "UNPAUSE"})), "OK");
  Reply rb = NextReply(b.get());
  Reply rd = NextReply(d.get());
  ASSERT_NE(rb, nullptr);
  ASSERT_NE(rd, nullptr);
  EXPECT_EQ(rb->integer, 2);
  EXPECT_EQ(rd->integer, 3);
  EXPECT_EQ(Str(Command(c.get(), {"GET", "log"})), ">bd");
}

TEST_F(ClientIntegrationTest, PauseEndsByItself) {
  Connection a = Open();
  Connection b = Open();
  ASSERT_TRUE(a && b);
  ASSERT_EQ(Str(Command(a.get(), {"CLIENT", "PAUSE", "50", "WRITE"})), "OK");
  // Whether or not it is still paused, the write completes with its reply.
  EXPECT_EQ(Str(Command(b.get(), {"SET", "k", "v"})), "OK");
  EXPECT_EQ(Str(Command(a.get(), {"GET", "k"})), "v");
}

TEST_F(ClientIntegrationTest, KillAnotherConnectionById) {
  Connection a = Open();
  Connection victim = Open();
  ASSERT_TRUE(a && victim);
  const int64_t id = ClientId(victim.get());
  EXPECT_EQ(Str(Command(a.get(), {"CLIENT", "KILL", "ID", std::to_string(id)})), "1");
  EXPECT_EQ(Command(victim.get(), {"PING"}), nullptr);
  EXPECT_EQ(Str(Command(a.get(), {"PING"})), "PONG");
  EXPECT_TRUE(WaitFor([&] { return ListLine(a.get(), id).empty(); }));
}

TEST_F(ClientIntegrationTest, KillByAddressOldForm) {
  Connection a = Open();
  Connection victim = Open();
  ASSERT_TRUE(a && victim);
  std::string line = ListLine(a.get(), ClientId(victim.get()));
  size_t at = line.find(" addr=");
  ASSERT_NE(at, std::string::npos);
  std::string addr = line.substr(at + 6, line.find(' ', at + 6) - at - 6);
  EXPECT_EQ(addr.rfind("127.0.0.1:", 0), 0u) << line;
  EXPECT_NE(line.find(" laddr=127.0.0.1:" + std::to_string(server_.port()) + " "),
            std::string::npos)
      << line;
  EXPECT_EQ(Str(Command(a.get(), {"CLIENT", "KILL", addr})), "OK");
  EXPECT_EQ(Command(victim.get(), {"PING"}), nullptr);
  EXPECT_EQ(Str(Command(a.get(), {"CLIENT", "KILL", addr})), "ERR No such client");
}

TEST_F(ClientIntegrationTest, KillYourselfGetsTheReplyFirst) {
  Connection a = Open();
  ASSERT_TRUE(a);
  const int64_t id = ClientId(a.get());
  EXPECT_EQ(Str(Command(a.get(), {"CLIENT", "KILL", "ID", std::to_string(id), "SKIPME", "no"})),
            "1");
  EXPECT_EQ(Command(a.get(), {"PING"}), nullptr);
  EXPECT_TRUE(server_.Running());
}

TEST_F(ClientIntegrationTest, ReplyOffAndSkip) {
  Connection a = Open();
  ASSERT_TRUE(a);
  ASSERT_TRUE(SendRequest(a.get(), {"CLIENT", "REPLY", "SKIP"}));
  ASSERT_TRUE(SendRequest(a.get(), {"SET", "skipped", "1"}));
  ASSERT_TRUE(SendRequest(a.get(), {"PING", "after-skip"}));
  EXPECT_EQ(Str(NextReply(a.get())), "after-skip");
  ASSERT_TRUE(SendRequest(a.get(), {"CLIENT", "REPLY", "OFF"}));
  ASSERT_TRUE(SendRequest(a.get(), {"SET", "off", "1"}));
  ASSERT_TRUE(SendRequest(a.get(), {"GET", "off"}));
  ASSERT_TRUE(SendRequest(a.get(), {"CLIENT", "REPLY", "ON"}));
  EXPECT_EQ(Str(NextReply(a.get())), "OK");
  EXPECT_EQ(Str(Command(a.get(), {"MGET", "skipped", "off"})), "<type 2>");
  Reply both = Command(a.get(), {"MGET", "skipped", "off"});
  ASSERT_NE(both, nullptr);
  ASSERT_EQ(both->elements, 2u);
  EXPECT_STREQ(both->element[0]->str, "1");
  EXPECT_STREQ(both->element[1]->str, "1");
}

TEST_F(ClientIntegrationTest, CapaRedirectShowsInList) {
  Connection a = Open();
  ASSERT_TRUE(a);
  EXPECT_EQ(Str(Command(a.get(), {"CLIENT", "CAPA", "redirect"})), "OK");
  std::string info = Str(Command(a.get(), {"CLIENT", "INFO"}));
  EXPECT_NE(info.find(" resp=2 capa=r\n"), std::string::npos) << info;
  EXPECT_NE(info.find(" events=r "), std::string::npos) << info;
  EXPECT_EQ(Str(Command(a.get(), {"READONLY"})), "OK");
  EXPECT_EQ(Str(Command(a.get(), {"READWRITE"})), "OK");
}

}  // namespace
}  // namespace client_test
}  // namespace baton::testing
