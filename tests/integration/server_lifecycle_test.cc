// Start-up and shutdown of the real binary: signals, a taken port, and
// serving on a unix socket only.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <string>

#include "support/server_process.h"

namespace baton::testing {
namespace server_lifecycle_test {
namespace {

bool LogContains(const ServerProcess& server, const std::string& text) {
  return server.ReadLog().find(text) != std::string::npos;
}

TEST(ServerLifecycleTest, SigtermExitsCleanlyWithLogLine) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  EXPECT_EQ(server.Stop(SIGTERM), 0);
  EXPECT_TRUE(LogContains(server, "Received SIGTERM scheduling shutdown...")) << server.ReadLog();
  EXPECT_TRUE(LogContains(server, "ready to exit, bye bye")) << server.ReadLog();
}

TEST(ServerLifecycleTest, SigintExitsCleanlyWithLogLine) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  EXPECT_EQ(server.Stop(SIGINT), 0);
  EXPECT_TRUE(LogContains(server, "Received SIGINT scheduling shutdown...")) << server.ReadLog();
  EXPECT_TRUE(LogContains(server, "ready to exit, bye bye")) << server.ReadLog();
}

TEST(ServerLifecycleTest, RepliesQueuedBeforeSigtermAreDelivered) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  Connection conn = server.Connect();
  ASSERT_TRUE(conn);
  Reply r = Command(conn.get(), {"ECHO", "before"});
  ASSERT_TRUE(r);
  EXPECT_EQ(std::string(r->str, r->len), "before");
  EXPECT_EQ(server.Stop(SIGTERM), 0);
  // The connection is closed now.
  r = Command(conn.get(), {"PING"});
  EXPECT_FALSE(r);
}

// Holds a listening socket on a random free loopback port.
class PortHolder {
 public:
  PortHolder() {
    std::mt19937 rng(std::random_device{}());
    for (int attempt = 0; attempt < 50 && port_ == 0; ++attempt) {
      int candidate = std::uniform_int_distribution<int>(20000, 59999)(rng);
      fd_ = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(candidate));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && listen(fd_, 1) == 0) {
        port_ = candidate;
      } else {
        close(fd_);
        fd_ = -1;
      }
    }
  }
  ~PortHolder() {
    if (fd_ >= 0) close(fd_);
  }
  PortHolder(const PortHolder&) = delete;
  PortHolder& operator=(const PortHolder&) = delete;
  [[nodiscard]] int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(ServerLifecycleTest, PortInUseFailsWithNonZeroExitAndLogsThePort) {
  PortHolder holder;
  ASSERT_NE(holder.port(), 0);
  ServerProcess server;
  ASSERT_TRUE(server.Launch(holder.port()));
  int code = server.WaitExit();
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "still running on a taken port";
  std::string log = server.ReadLog();
  EXPECT_NE(log.find(std::to_string(holder.port())), std::string::npos) << log;
  EXPECT_NE(log.find("already in use"), std::string::npos) << log;
}

TEST(ServerLifecycleTest, UnixSocketOnly) {
  ServerProcess server;
  server.UseUnixSocket(server.dir() + "/s.sock");
  // Start() overrides the port with 0 for a unix-socket-only server.
  ASSERT_TRUE(server.Start()) << server.ReadLog();
  EXPECT_EQ(server.port(), 0);
  Connection conn = server.Connect();
  ASSERT_TRUE(conn);
  Reply r = Command(conn.get(), {"ECHO", "over unix"});
  ASSERT_TRUE(r);
  EXPECT_EQ(std::string(r->str, r->len), "over unix");
  if (HaveProgram("redis-cli")) {
    int code = -1;
    std::string out = RunShell("redis-cli -s '" + server.unix_socket() + "' PING", &code);
    EXPECT_EQ(code, 0);
    EXPECT_EQ(out, "PONG\n");
  }
  EXPECT_TRUE(LogContains(server, "Ready to accept connections unix")) << server.ReadLog();
  EXPECT_FALSE(LogContains(server, "Ready to accept connections tcp")) << server.ReadLog();
  EXPECT_EQ(server.Stop(), 0);
  // The socket file is removed on a clean exit.
  EXPECT_NE(access(server.unix_socket().c_str(), F_OK), 0);
}

}  // namespace
}  // namespace server_lifecycle_test
}  // namespace baton::testing
