// The real baton-server's configuration: config files, the command line,
// standard input, startup failures, unix sockets, CONFIG REWRITE and
// CONFIG SET port at run time.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace config_test {
namespace {

int RandomPort() {
  static std::mt19937 rng(std::random_device{}());
  return std::uniform_int_distribution<int>(20000, 59999)(rng);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// A baton-server started with exactly the given arguments (and optional
// standard input), its output captured to a file.
class Proc {
 public:
  Proc() {
    char tmpl[] = "/tmp/baton-test-XXXXXX";
    char* d = mkdtemp(tmpl);
    dir_ = d != nullptr ? d : "/tmp";
    out_path_ = dir_ + "/out.log";
  }
  ~Proc() {
    Stop();
    if (dir_.rfind("/tmp/baton-test-", 0) == 0) {
      (void)std::system(("rm -rf '" + dir_ + "'").c_str());
    }
  }
  Proc(const Proc&) = delete;
  Proc& operator=(const Proc&) = delete;

  void Start(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), ServerBinary());
    int in_pipe[2] = {-1, -1};
    if (pipe(in_pipe) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in_pipe[0], 0);
      close(in_pipe[1]);
      int fd = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      if (chdir(dir_.c_str()) != 0) _exit(126);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(in_pipe[0]);
    if (!stdin_text.empty()) (void)!write(in_pipe[1], stdin_text.data(), stdin_text.size());
    close(in_pipe[1]);
  }
  // Waits (bounded) for the process to exit; returns its exit code or -1.
  int WaitExit() {
    int code = -1;
    WaitFor([&] {
      int status = 0;
      if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
      }
      return pid_ <= 0;
    });
    return code;
  }
  bool Running() {
    int status = 0;
    if (pid_ <= 0) return false;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    if (WaitExit() == -1 && pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  [[nodiscard]] std::string Output() const { return ReadFile(out_path_); }
  [[nodiscard]] const std::string& dir() const { return dir_; }

 private:
  pid_t pid_ = -1;
  std::string dir_;
  std::string out_path_;
};

Connection ConnectTcp(int port) {
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, timeval{2, 0});
  if (c == nullptr || c->err != 0) {
    if (c != nullptr) redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, timeval{10, 0});
  return Connection(c);
}

bool Pings(int port) {
  Connection c = ConnectTcp(port);
  if (!c) return false;
  Reply r = Command(c.get(), {"PING"});
  return r != nullptr && r->type == REDIS_REPLY_STATUS;
}

// Starts `proc` on a random free port: `make_args(port)` builds the arguments.
bool StartOnRandomPort(Proc& proc, const std::function<std::vector<std::string>(int)>& make_args,
                       int* port, const std::string& stdin_text = "") {
  for (int attempt = 0; attempt < 20; ++attempt) {
    *port = RandomPort();
    proc.Start(make_args(*port), stdin_text);
    bool up = WaitFor([&] { return !proc.Running() || Pings(*port); });
    if (up && proc.Running()) return true;
    proc.Stop();
  }
  return false;
}

std::string ConfigGet(int port, const std::string& name) {
  Connection c = ConnectTcp(port);
  if (!c) return "<no connection>";
  Reply r = Command(c.get(), {"CONFIG", "GET", name});
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return "<bad reply>";
  return std::string(r->element[1]->str, r->element[1]->len);
}

TEST(ServerConfig, VersionAndHelp) {
  int rc = -1;
  std::string out = RunShell(ServerBinary() + " --version 2>&1", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("Baton server v="), std::string::npos) << out;
  out = RunShell(ServerBinary() + " --help 2>&1", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("Usage: baton-server [/path/to/baton.conf]"), std::string::npos) << out;
}

TEST(ServerConfig, UnknownDirectiveIsFatal) {
  Proc proc;
  std::string conf = proc.dir() + "/bad.conf";
  WriteFile(conf, "# comment\nport 0\n\nfoo bar\n");
  proc.Start({conf});
  EXPECT_EQ(proc.WaitExit(), 1);
  std::string out = proc.Output();
  EXPECT_NE(out.find("*** FATAL CONFIG FILE ERROR"), std::string::npos) << out;
  EXPECT_NE(out.find("at line 4\n>>> 'foo bar'\nBad directive or wrong number of arguments"),
            std::string::npos)
      << out;
}

TEST(ServerConfig, BadCommandLineValueIsFatal) {
  Proc proc;
  proc.Start({"--port", "0", "--maxmemory", "1x"});
  EXPECT_EQ(proc.WaitExit(), 1);
  EXPECT_NE(proc.Output().find("argument must be a memory value"), std::string::npos)
      << proc.Output();
}

TEST(ServerConfig, MissingConfigFileIsFatal) {
  Proc proc;
  proc.Start({"/nonexistent/baton.conf"});
  EXPECT_EQ(proc.WaitExit(), 1);
  EXPECT_NE(proc.Output().find("can't open config file"), std::string::npos) << proc.Output();
}

TEST(ServerConfig, FileThenCommandLineOverrides) {
  Proc proc;
  std::string conf = proc.dir() + "/baton.conf";
  std::string inc = proc.dir() + "/included.conf";
  WriteFile(inc, "maxmemory-policy allkeys-lru\n");
  WriteFile(conf,
            "# Baton test config\n"
            "port 1\n"
            "bind 127.0.0.1\n"
            "hz 25\n"
            "maxmemory 1mb\n"
            "timeout 5\n"
            "timeout 7\n"
            "save \"\"\n"
            "requirepass \"\"\n"
            "client-output-buffer-limit normal 1mb 512kb 10\n"
            "client-output-buffer-limit pubsub 64mb 16mb 90\n"
            "include " +
                inc + "\n");
  int port = 0;
  ASSERT_TRUE(StartOnRandomPort(
      proc,
      [&](int p) {
        return std::vector<std::string>{conf, "--port", std::to_string(p), "--hz", "30"};
      },
      &port))
      << proc.Output();
  EXPECT_EQ(ConfigGet(port, "port"), std::to_string(port));
  EXPECT_EQ(ConfigGet(port, "hz"), "30");
  EXPECT_EQ(ConfigGet(port, "maxmemory"), "1048576");
  EXPECT_EQ(ConfigGet(port, "timeout"), "7");
  EXPECT_EQ(ConfigGet(port, "save"), "");
  EXPECT_EQ(ConfigGet(port, "maxmemory-policy"), "allkeys-lru");
  EXPECT_EQ(ConfigGet(port, "client-output-buffer-limit"),
            "normal 1048576 524288 10 slave 268435456 67108864 60 pubsub 67108864 16777216 90");
}

TEST(ServerConfig, CommandLineOnly) {
  Proc proc;
  int port = 0;
  ASSERT_TRUE(StartOnRandomPort(
      proc,
      [&](int p) {
        return std::vector<std::string>{
            "--port", std::to_string(p), "--bind", "127.0.0.1", "--save", "", "--maxmemory", "2mb"};
      },
      &port))
      << proc.Output();
  EXPECT_EQ(ConfigGet(port, "save"), "");
  EXPECT_EQ(ConfigGet(port, "maxmemory"), "2097152");
  EXPECT_EQ(ConfigGet(port, "config_file_missing_param"), "<bad reply>");
}

TEST(ServerConfig, ConfigFromStandardInput) {
  Proc proc;
  int port = 0;
  ASSERT_TRUE(StartOnRandomPort(
      proc,
      [&](int p) {
        return std::vector<std::string>{"-", "--port", std::to_string(p)};
      },
      &port, "bind 127.0.0.1\nsave \"\"\nhz 33\n"))
      << proc.Output();
  EXPECT_EQ(ConfigGet(port, "hz"), "33");
}

TEST(ServerConfig, FailedBindExitsWithAClearLogLine) {
  ServerProcess holder;
  ASSERT_TRUE(holder.Start());
  Proc proc;
  proc.Start({"--port", std::to_string(holder.port()), "--bind", "127.0.0.1", "--save", ""});
  int rc = proc.WaitExit();
  EXPECT_NE(rc, 0);
  EXPECT_NE(rc, -1);
  std::string out = proc.Output();
  EXPECT_NE(out.find("Could not create server TCP listening socket 127.0.0.1:" +
                     std::to_string(holder.port())),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Failed listening on port " + std::to_string(holder.port())),
            std::string::npos)
      << out;
}

TEST(ServerConfig, UnixSocketOnly) {
  Proc proc;
  std::string sock = proc.dir() + "/baton.sock";
  proc.Start({"--port", "0", "--unixsocket", sock, "--save", ""});
  Connection conn;
  ASSERT_TRUE(WaitFor([&] {
    if (!proc.Running()) return true;
    redisContext* c = redisConnectUnix(sock.c_str());
    if (c == nullptr || c->err != 0) {
      if (c != nullptr) redisFree(c);
      return false;
    }
    conn.reset(c);
    return true;
  }));
  ASSERT_TRUE(conn) << proc.Output();
  redisSetTimeout(conn.get(), timeval{10, 0});
  Reply pong = Command(conn.get(), {"PING"});
  ASSERT_NE(pong, nullptr);
  EXPECT_STREQ(pong->str, "PONG");
  Reply info = Command(conn.get(), {"CLIENT", "INFO"});
  ASSERT_NE(info, nullptr);
  std::string line(info->str, info->len);
  EXPECT_NE(line.find(" addr=" + sock + ":0 laddr=" + sock + ":0 "), std::string::npos) << line;
  EXPECT_NE(line.find(" flags=U "), std::string::npos) << line;
  Reply port = Command(conn.get(), {"CONFIG", "GET", "port"});
  ASSERT_NE(port, nullptr);
  ASSERT_EQ(port->elements, 2u);
  EXPECT_STREQ(port->element[1]->str, "0");
  if (HaveProgram("redis-cli")) {
    EXPECT_EQ(RunShell("redis-cli -s " + sock + " ping"), "PONG\n");
  }
}

TEST(ServerConfig, RewriteKeepsCommentsAndPersists) {
  Proc proc;
  std::string conf = proc.dir() + "/baton.conf";
  WriteFile(conf, "# keep me\nbind 127.0.0.1\nsave \"\"\nhz 10\n# and me\n");
  int port = 0;
  ASSERT_TRUE(StartOnRandomPort(
      proc,
      [&](int p) {
        return std::vector<std::string>{conf, "--port", std::to_string(p)};
      },
      &port))
      << proc.Output();
  Connection c = ConnectTcp(port);
  ASSERT_TRUE(c);
  Reply r = Command(c.get(), {"CONFIG", "SET", "hz", "40", "maxmemory", "3mb"});
  ASSERT_NE(r, nullptr);
  EXPECT_STREQ(r->str, "OK");
  r = Command(c.get(), {"CONFIG", "REWRITE"});
  ASSERT_NE(r, nullptr);
  EXPECT_STREQ(r->str, "OK");
  std::string text = ReadFile(conf);
  EXPECT_EQ(text.rfind("# keep me\nbind 127.0.0.1\nsave \"\"\nhz 40\n# and me\n", 0), 0u) << text;
  EXPECT_NE(text.find("maxmemory 3145728\n"), std::string::npos) << text;
  EXPECT_NE(text.find("port " + std::to_string(port) + "\n"), std::string::npos) << text;
}

TEST(ServerConfig, SetPortRebindsAtRunTime) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  Connection c = server.Connect();
  ASSERT_TRUE(c);
  // A port in use: Redis's error, and the old port keeps serving.
  ServerProcess holder;
  ASSERT_TRUE(holder.Start());
  Reply r = Command(c.get(), {"CONFIG", "SET", "port", std::to_string(holder.port())});
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(std::string(r->str, r->len),
            "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on "
            "this port");
  EXPECT_TRUE(Pings(server.port()));
  EXPECT_EQ(ConfigGet(server.port(), "port"), std::to_string(server.port()));
  // A free port: the server moves there; the open connection stays.
  int moved = 0;
  for (int attempt = 0; attempt < 20 && moved == 0; ++attempt) {
    int candidate = RandomPort();
    r = Command(c.get(), {"CONFIG", "SET", "port", std::to_string(candidate)});
    ASSERT_NE(r, nullptr);
    if (r->type == REDIS_REPLY_STATUS) moved = candidate;
  }
  ASSERT_NE(moved, 0);
  EXPECT_TRUE(Pings(moved));
  EXPECT_FALSE(Pings(server.port()));
  r = Command(c.get(), {"PING"});
  ASSERT_NE(r, nullptr);
  EXPECT_STREQ(r->str, "PONG");
}

}  // namespace
}  // namespace config_test
}  // namespace baton::testing
