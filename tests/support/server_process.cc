#include "support/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
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

bool ServerProcess::Launch(int port) {
  port_ = port;
  std::vector<std::string> args = {binary_, "--port", std::to_string(port_), "--bind",  "127.0.0.1",
                                   "--dir", dir_,     "--logfile",           log_path_, "--save",
                                   ""};
  if (!unix_socket_.empty()) {
    args.insert(args.end(), {"--unixsocket", unix_socket_});
  }
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string stdio_path = dir_ + "/stdio.log";
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    // A test that crashes or is killed by ctest's timeout must not leave a
    // server behind: it would hold ctest's output pipe open (ctest waits for
    // it) and the port. So the server dies with the test, and writes its
    // early messages (before --logfile applies) to a file, not the pipe.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int fd = open(stdio_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  return true;
}

int ServerProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  int code = -1;
  WaitFor(
      [&] {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
        pid_ = -1;
        code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
      },
      timeout);
  return code;
}

bool ServerProcess::Start() {
  // A unix-socket-only server cannot collide on a port: one attempt.
  const int attempts = unix_socket_.empty() ? 20 : 1;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (!Launch(unix_socket_.empty() ? RandomPort() : 0)) return false;
    bool up = WaitFor(
        [&] {
          int status = 0;
          if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return true;  // exited: probably the port was taken
          }
          Reply r = Command({"PING"});
          if (r == nullptr) return false;
          // With requirepass set, NOAUTH proves the server is up too.
          return r->type == REDIS_REPLY_STATUS ||
                 (r->type == REDIS_REPLY_ERROR && std::string(r->str).rfind("NOAUTH", 0) == 0);
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

namespace {

size_t ProcStatusBytes(pid_t pid, const std::string& field) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return static_cast<size_t>(std::strtoull(line.c_str() + field.size() + 1, nullptr, 10)) *
             1024;
    }
  }
  return 0;
}

}  // namespace

size_t ServerProcess::RssBytes() const { return ProcStatusBytes(pid_, "VmRSS"); }
size_t ServerProcess::PeakRssBytes() const { return ProcStatusBytes(pid_, "VmHWM"); }

Connection ServerProcess::Connect(int timeout_ms) const {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  redisContext* c = port_ == 0 && !unix_socket_.empty()
                        ? redisConnectUnixWithTimeout(unix_socket_.c_str(), tv)
                        : redisConnectWithTimeout("127.0.0.1", port_, tv);
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

namespace {

// hiredis's argv form of `args` (the strings must outlive the call).
struct Argv {
  explicit Argv(const std::vector<std::string>& args) {
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
  }
  std::vector<const char*> argv;
  std::vector<size_t> lens;
};

}  // namespace

Reply Command(redisContext* c, const std::vector<std::string>& args) {
  Argv a(args);
  void* r = redisCommandArgv(c, static_cast<int>(args.size()), a.argv.data(), a.lens.data());
  return Reply(static_cast<redisReply*>(r));
}

bool SendRequest(redisContext* c, const std::vector<std::string>& args) {
  Argv a(args);
  if (redisAppendCommandArgv(c, static_cast<int>(args.size()), a.argv.data(), a.lens.data()) !=
      REDIS_OK) {
    return false;
  }
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(c, &done) != REDIS_OK) return false;
  }
  return true;
}

Reply NextReply(redisContext* c) {
  void* r = nullptr;
  if (redisGetReply(c, &r) != REDIS_OK) return nullptr;
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

std::string InfoField(const ServerProcess& server, const std::string& field,
                      const std::string& section) {
  Reply r = server.Command({"INFO", section});
  if (r == nullptr || r->type != REDIS_REPLY_STRING) return "";
  const std::string_view text(r->str, r->len);
  const std::string key = field + ":";
  size_t pos = 0;
  if (!text.starts_with(key)) {
    pos = text.find("\r\n" + key);
    if (pos == std::string_view::npos) return "";
    pos += 2;
  }
  pos += key.size();
  return std::string(text.substr(pos, text.find("\r\n", pos) - pos));
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

RawClient::RawClient(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Close();
}

RawClient::~RawClient() { Close(); }

void RawClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool RawClient::Send(std::string_view data) {
  while (!data.empty() && fd_ >= 0) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return data.empty();
}

std::string RawClient::ReadUntil(const std::function<bool(const std::string&)>& done,
                                 std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (fd_ >= 0 && !closed_ && !done(received_)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) break;
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;  // EOF, or ECONNRESET when unread input was discarded
      break;
    }
    received_.append(buf, static_cast<size_t>(n));
  }
  return received_;
}

std::string RawClient::ReadBytes(size_t n, std::chrono::milliseconds timeout) {
  return ReadUntil([n](const std::string& s) { return s.size() >= n; }, timeout);
}

std::string RawClient::ReadUntilClosed(std::chrono::milliseconds timeout) {
  return ReadUntil([](const std::string&) { return false; }, timeout);
}

std::string RawClient::Roundtrip(std::string_view request, size_t reply_size) {
  Take();
  if (!Send(request)) return "";
  ReadBytes(reply_size);
  return Take();
}

namespace {

// Parses one reply starting at `pos`; returns the position after it, or
// npos when more bytes are needed.
size_t SkipReply(std::string_view d, size_t pos) {
  constexpr size_t kMore = std::string_view::npos;
  if (pos >= d.size()) return kMore;
  size_t eol = d.find("\r\n", pos);
  if (eol == std::string_view::npos) return kMore;
  const char type = d[pos];
  const long long n = std::atoll(std::string(d.substr(pos + 1, eol - pos - 1)).c_str());
  size_t next = eol + 2;
  switch (type) {
    case '$':
    case '=':
    case '!':
      if (n < 0) return next;
      return d.size() >= next + static_cast<size_t>(n) + 2 ? next + static_cast<size_t>(n) + 2
                                                           : kMore;
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      if (n < 0) return next;
      long long items = (type == '%' || type == '|') ? 2 * n : n;
      for (long long i = 0; i < items; ++i) {
        next = SkipReply(d, next);
        if (next == kMore) return kMore;
      }
      if (type == '|') return SkipReply(d, next);  // attributes precede the reply
      return next;
    }
    default:  // + - : _ , # ( and inline lines
      return next;
  }
}

}  // namespace

size_t CompleteReplyLength(std::string_view data) {
  size_t end = SkipReply(data, 0);
  return end == std::string_view::npos ? 0 : end;
}

std::string RawClient::Call(std::string_view request) {
  if (!Send(request)) return "";
  ReadUntil([](const std::string& s) { return CompleteReplyLength(s) > 0; });
  size_t n = CompleteReplyLength(received_);
  if (n == 0) return Take();
  std::string out = received_.substr(0, n);
  received_.erase(0, n);
  return out;
}

std::string RawClient::Take() {
  std::string out;
  out.swap(received_);
  return out;
}

std::string EncodeCommand(const std::vector<std::string>& args) {
  // Appends only: GCC 12 warns (-Wrestrict, falsely) on "literal" + std::string&&.
  std::string out = "*";
  out += std::to_string(args.size());
  out += "\r\n";
  for (const auto& a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

}  // namespace baton::testing
