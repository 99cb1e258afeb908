// Blocking list commands across real connections to the baton-server binary.
// Waits use bounded polls on INFO's blocked_clients; blocked commands carry a
// timeout of a few seconds so a bug fails the test instead of hanging it.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace blocking_test {
namespace {

class BlockingIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start()) << server_.ReadLog(); }

  // blocked_clients from INFO clients, or -1 when unreadable.
  int BlockedClients() {
    Reply r = server_.Command({"INFO", "clients"});
    if (!r || r->type != REDIS_REPLY_STRING) return -1;
    const std::string info(r->str, r->len);
    const std::string field = "blocked_clients:";
    const size_t at = info.find(field);
    if (at == std::string::npos) return -1;
    return std::stoi(info.substr(at + field.size()));
  }
  bool WaitBlocked(int n) {
    return WaitFor([&] { return BlockedClients() == n; });
  }
  // Sends a command without reading its reply.
  static void Send(redisContext* c, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data());
    int done = 0;
    while (done == 0) {
      if (redisBufferWrite(c, &done) != REDIS_OK) break;
    }
  }
  static Reply Read(redisContext* c) {
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK) return nullptr;
    return Reply(static_cast<redisReply*>(r));
  }
  static std::vector<std::string> Strings(const redisReply* r) {
    std::vector<std::string> out;
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return out;
    for (size_t i = 0; i < r->elements; ++i)
      out.emplace_back(r->element[i]->str, r->element[i]->len);
    return out;
  }

  ServerProcess server_;
};

TEST_F(BlockingIntegrationTest, BlpopInOneConnectionIsServedByLpushFromAnother) {
  Connection waiter = server_.Connect();
  Connection pusher = server_.Connect();
  ASSERT_TRUE(waiter && pusher);
  Reply got;
  std::thread t([&] { got = Command(waiter.get(), {"BLPOP", "k", "5"}); });
  ASSERT_TRUE(WaitBlocked(1));
  Reply pushed = Command(pusher.get(), {"LPUSH", "k", "v"});
  t.join();
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->integer, 1);
  ASSERT_TRUE(got);
  EXPECT_EQ(Strings(got.get()), (std::vector<std::string>{"k", "v"}));
  EXPECT_EQ(BlockedClients(), 0);
  Reply exists = Command(pusher.get(), {"EXISTS", "k"});
  ASSERT_TRUE(exists);
  EXPECT_EQ(exists->integer, 0);
}

TEST_F(BlockingIntegrationTest, BlpopTimesOutWithNil) {
  Connection c = server_.Connect();
  ASSERT_TRUE(c);
  Reply r = Command(c.get(), {"BLPOP", "nothing", "0.1"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, REDIS_REPLY_NIL);
  Reply m = Command(c.get(), {"BLMOVE", "nothing", "d", "LEFT", "RIGHT", "0.1"});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, REDIS_REPLY_NIL);
  // The connection keeps working afterwards.
  Reply p = Command(c.get(), {"PING"});
  ASSERT_TRUE(p);
  EXPECT_EQ(std::string(p->str, p->len), "PONG");
}

TEST_F(BlockingIntegrationTest, PipelinedCommandsWaitBehindTheBlockedOne) {
  Connection waiter = server_.Connect();
  Connection pusher = server_.Connect();
  ASSERT_TRUE(waiter && pusher);
  Send(waiter.get(), {"BLPOP", "q", "5"});
  Send(waiter.get(), {"RPUSH", "after", "x"});
  Send(waiter.get(), {"PING"});
  ASSERT_TRUE(WaitBlocked(1));
  // The RPUSH sent after BLPOP has not run while the client waits.
  Reply len = Command(pusher.get(), {"LLEN", "after"});
  ASSERT_TRUE(len);
  EXPECT_EQ(len->integer, 0);
  Reply pushed = Command(pusher.get(), {"LPUSH", "q", "v"});
  ASSERT_TRUE(pushed);
  Reply first = Read(waiter.get());
  Reply second = Read(waiter.get());
  Reply third = Read(waiter.get());
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(Strings(first.get()), (std::vector<std::string>{"q", "v"}));
  EXPECT_EQ(second->integer, 1);
  EXPECT_EQ(std::string(third->str, third->len), "PONG");
}

TEST_F(BlockingIntegrationTest, ClientsAreServedInTheOrderTheyBlocked) {
  constexpr int kClients = 3;
  std::vector<Connection> conns;
  for (int i = 0; i < kClients; ++i) {
    conns.push_back(server_.Connect());
    ASSERT_TRUE(conns.back());
  }
  for (int i = 0; i < kClients; ++i) {
    Send(conns[static_cast<size_t>(i)].get(), {"BLPOP", "k", "5"});
    ASSERT_TRUE(WaitBlocked(i + 1));
  }
  Connection pusher = server_.Connect();
  ASSERT_TRUE(pusher);
  Reply pushed = Command(pusher.get(), {"RPUSH", "k", "0", "1", "2"});
  ASSERT_TRUE(pushed);
  for (int i = 0; i < kClients; ++i) {
    Reply r = Read(conns[static_cast<size_t>(i)].get());
    ASSERT_TRUE(r);
    EXPECT_EQ(Strings(r.get()), (std::vector<std::string>{"k", std::to_string(i)}));
  }
}

TEST_F(BlockingIntegrationTest, DisconnectedWaiterDoesNotConsume) {
  Connection waiter = server_.Connect();
  ASSERT_TRUE(waiter);
  Send(waiter.get(), {"BRPOPLPUSH", "src", "dst", "0"});
  ASSERT_TRUE(WaitBlocked(1));
  waiter.reset();
  ASSERT_TRUE(WaitBlocked(0));
  Connection c = server_.Connect();
  ASSERT_TRUE(c);
  Reply pushed = Command(c.get(), {"RPUSH", "src", "v"});
  ASSERT_TRUE(pushed);
  Reply len = Command(c.get(), {"LLEN", "src"});
  ASSERT_TRUE(len);
  EXPECT_EQ(len->integer, 1);
  Reply dst = Command(c.get(), {"EXISTS", "dst"});
  ASSERT_TRUE(dst);
  EXPECT_EQ(dst->integer, 0);
}

}  // namespace
}  // namespace blocking_test
}  // namespace baton::testing
