// Debian's redis-cli against the real baton-server: the modes people use
// every day must work unchanged. Skipped when redis-cli is not installed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "support/server_process.h"

namespace baton::testing {
namespace redis_cli_test {
namespace {

class RedisCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveProgram("redis-cli")) GTEST_SKIP() << "redis-cli not installed";
    ASSERT_TRUE(server_.Start()) << server_.ReadLog();
    cli_ = "redis-cli -h 127.0.0.1 -p " + std::to_string(server_.port());
  }

  // Runs redis-cli with `args` (shell syntax), bounded by `timeout` seconds.
  std::string Cli(const std::string& args, int* code = nullptr, int timeout = 20) {
    return RunShell("timeout " + std::to_string(timeout) + " " + cli_ + " " + args + " 2>&1", code);
  }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = server_.dir() + "/" + name;
    std::ofstream out(path, std::ios::binary);
    out << content;
    return path;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  ServerProcess server_;
  std::string cli_;
};

TEST_F(RedisCliTest, OneShotCommands) {
  int code = -1;
  EXPECT_EQ(Cli("PING", &code), "PONG\n");
  EXPECT_EQ(code, 0);
  EXPECT_EQ(Cli("SET greeting 'hello world'"), "OK\n");
  EXPECT_EQ(Cli("GET greeting"), "hello world\n");
  EXPECT_EQ(Cli("GET nosuchkey"), "\n");  // nil prints as an empty line when not a tty
  EXPECT_EQ(Cli("INCR n"), "1\n");
  EXPECT_EQ(Cli("--no-raw GET nosuchkey"), "(nil)\n");
  EXPECT_EQ(Cli("--no-raw INCR n"), "(integer) 2\n");
  EXPECT_EQ(Cli("NOSUCHCOMMAND a"),
            "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'a' \n\n");
  // -x takes the last argument from standard input.
  EXPECT_EQ(RunShell("printf 'from stdin' | timeout 20 " + cli_ + " -x SET fromstdin"), "OK\n");
  EXPECT_EQ(Cli("GET fromstdin"), "from stdin\n");
}

TEST_F(RedisCliTest, PipeMassInsert) {
  constexpr int kKeys = 100000;
  std::string proto;
  proto.reserve(kKeys * 40);
  for (int i = 0; i < kKeys; ++i) {
    proto += EncodeCommand({"SET", "key:" + std::to_string(i), "value:" + std::to_string(i)});
  }
  std::string path = WriteFile("mass.txt", proto);
  int code = -1;
  std::string out = RunShell("timeout 60 " + cli_ + " --pipe < '" + path + "' 2>&1", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("errors: 0, replies: 100000"), std::string::npos) << out;
  EXPECT_EQ(Cli("DBSIZE"), "100000\n");
  EXPECT_EQ(Cli("GET key:99999"), "value:99999\n");
}

TEST_F(RedisCliTest, PipeReportsErrors) {
  std::string proto = EncodeCommand({"SET", "a", "1"}) + EncodeCommand({"INCR", "a", "extra"}) +
                      EncodeCommand({"INCR", "a"});
  std::string path = WriteFile("errors.txt", proto);
  int code = -1;
  std::string out = RunShell("timeout 20 " + cli_ + " --pipe < '" + path + "' 2>&1", &code);
  EXPECT_NE(out.find("errors: 1, replies: 3"), std::string::npos) << out;
  EXPECT_EQ(Cli("GET a"), "2\n");
}

TEST_F(RedisCliTest, RepeatAndInterval) {
  EXPECT_EQ(Cli("-r 5 PING"), "PONG\nPONG\nPONG\nPONG\nPONG\n");
  EXPECT_EQ(Cli("-r 3 -i 0.01 INCR counter"), "1\n2\n3\n");
}

TEST_F(RedisCliTest, ScanWithPattern) {
  for (int i = 0; i < 300; ++i) {
    server_.Command({"SET", "user:" + std::to_string(i), "x"});
    server_.Command({"SET", "other:" + std::to_string(i), "x"});
  }
  int code = -1;
  std::string out = Cli("--scan --pattern 'user:*'", &code);
  EXPECT_EQ(code, 0);
  std::istringstream lines(out);
  std::string line;
  std::set<std::string> seen;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(line.starts_with("user:")) << line;
    seen.insert(line);
  }
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_EQ(Cli("--scan --pattern 'nomatch*'"), "");
}

TEST_F(RedisCliTest, LatencyProducesASample) {
  // Not a TTY: --latency samples for about a second and prints one line.
  int code = -1;
  std::string out = Cli("--latency", &code, 10);
  EXPECT_EQ(code, 0) << out;
  int min = -1, max = -1, samples = -1;
  double avg = -1;
  ASSERT_EQ(std::sscanf(out.c_str(), "%d %d %lf %d", &min, &max, &avg, &samples), 4) << out;
  EXPECT_GT(samples, 0);
}

TEST_F(RedisCliTest, StatPrintsRollingStats) {
  int code = -1;
  // Line-buffered so the lines printed before the timeout are not lost.
  std::string out = RunShell("timeout 2 stdbuf -oL " + cli_ + " --stat -i 0.2 2>&1", &code);
  EXPECT_EQ(code, 124) << "--stat runs until stopped: " << out;  // stopped by timeout
  EXPECT_NE(out.find("keys       mem      clients blocked requests"), std::string::npos) << out;
  EXPECT_NE(out.find("(+"), std::string::npos) << "no sample line: " << out;
  EXPECT_NE(out.find("clients"), std::string::npos) << out;
  EXPECT_EQ(out.find("ERR"), std::string::npos) << out;
  EXPECT_EQ(out.find("rror"), std::string::npos) << out;
}

TEST_F(RedisCliTest, CommandsFromStandardInput) {
  std::string script =
      "SET fruit apple\nGET fruit\nAPPEND fruit s\nGET fruit\nDEL fruit\nGET fruit\n";
  std::string path = WriteFile("script.txt", script);
  int code = -1;
  std::string out = RunShell("timeout 20 " + cli_ + " < '" + path + "' 2>&1", &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out, "OK\napple\n6\napples\n1\n\n");
}

TEST_F(RedisCliTest, Resp3Mode) {
  EXPECT_EQ(Cli("-3 --no-raw GET missing"), "(nil)\n");
  std::string out = Cli("-3 --no-raw HELLO 3");
  EXPECT_NE(out.find("1# \"server\" => \"redis\""), std::string::npos) << out;
  EXPECT_NE(out.find("2# \"version\" => \"7.0.15\""), std::string::npos) << out;
  EXPECT_NE(out.find("3# \"proto\" => (integer) 3"), std::string::npos) << out;
  // Without -3 the same command still answers, as a flat RESP2 array.
  out = Cli("--no-raw HELLO 2");
  EXPECT_NE(out.find(" 1) \"server\"\n 2) \"redis\""), std::string::npos) << out;
}

TEST_F(RedisCliTest, MonitorSeesOtherClientsCommands) {
  std::string out_path = server_.dir() + "/monitor.txt";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::string port = std::to_string(server_.port());
    execlp("timeout", "timeout", "20", "redis-cli", "-h", "127.0.0.1", "-p", port.c_str(),
           "monitor", static_cast<char*>(nullptr));
    _exit(127);
  }
  // MONITOR answers OK first; wait for it before writing.
  EXPECT_TRUE(WaitFor([&] { return ReadFile(out_path).find("OK") != std::string::npos; }));
  // Keep writing until the monitor reports the command (bounded).
  bool seen = WaitFor([&] {
    server_.Command({"SET", "watched", "value 1"});
    return ReadFile(out_path).find("\"SET\" \"watched\" \"value 1\"") != std::string::npos;
  });
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  std::string out = ReadFile(out_path);
  EXPECT_TRUE(seen) << out;
  // Lines look like: 1700000000.123456 [0 127.0.0.1:12345] "SET" "watched" "value 1"
  EXPECT_NE(out.find(" [0 127.0.0.1:"), std::string::npos) << out;
}

}  // namespace
}  // namespace redis_cli_test
}  // namespace baton::testing
