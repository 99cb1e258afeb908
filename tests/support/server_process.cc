#include "support/server_process.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace baton::testing {
namespace {

int RandomPort() {
  static std::mt19937 rng(std::random_device{}());
  return std::uniform_int_distribution<int>(20000, 59999)(rng);
}

std::string MakeTempDir() {
  char tmpl[] = "/tmp/baton-test-XXXXXX";
  char* d = mkdtemp(tmpl);
  return d != nullptr ? d : "/tmp";
}

}  // namespace

std::string ServerBinary() {
  const char* env = std::getenv("BATON_SERVER_BINARY");
  return env != nullptr ? env : BATON_SERVER_BINARY;
}

bool HaveProgram(const std::string& name) {
  std::string cmd = "command -v " + name + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args, std::string binary)
    : extra_args_(std::move(extra_args)), binary_(binary.empty() ? ServerBinary() : binary) {
  dir_ = MakeTempDir();
  log_path_ = dir_ + "/server.log";
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop();
  std::string cmd = "rm -rf '" + dir_ + "'";
  if (dir_.rfind("/tmp/baton-test-", 0) == 0) (void)std::system(cmd.c_str());
}

bool ServerProcess::Start() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    port_ = RandomPort();
    std::vector<std::string> args = {binary_, "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                     "--dir", dir_, "--logfile", log_path_, "--save", ""};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    bool up = WaitFor(
        [&] {
          int status = 0;
          if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return true;  // exited: probably the port was taken
          }
          Reply r = Command({"PING"});
          return r != nullptr && r->type == REDIS_REPLY_STATUS;
        },
        std::chrono::seconds(10));
    if (up && pid_ > 0) return true;
    if (pid_ > 0) Kill();
  }
  return false;
}

int ServerProcess::Stop(int signal_number) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal_number);
  int status = 0;
  for (int i = 0; i < 1000; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  return -1;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool ServerProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string ServerProcess::ReadLog() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Connection ServerProcess::Connect(int timeout_ms) const {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
  if (c == nullptr || c->err != 0) {
    if (c != nullptr) redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, timeval{10, 0});
  return Connection(c);
}

Reply ServerProcess::Command(const std::vector<std::string>& args) const {
  Connection c = Connect();
  if (!c) return nullptr;
  return testing::Command(c.get(), args);
}

Reply Command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  void* r = redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data());
  return Reply(static_cast<redisReply*>(r));
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

std::string RunShell(const std::string& command, int* exit_code) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int status = pclose(p);
  if (exit_code != nullptr) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace baton::testing
