// Starts the real baton-server binary (or Debian's redis-server) on
// 127.0.0.1 for integration tests, on a random free port: when the bind
// fails the process exits and the helper retries on another port.
#pragma once

#include <hiredis/hiredis.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace baton::testing {

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r != nullptr) freeReplyObject(r);
  }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const {
    if (c != nullptr) redisFree(c);
  }
};
using Connection = std::unique_ptr<redisContext, ContextDeleter>;

class ServerProcess {
 public:
  // `binary` defaults to the baton-server built with the tests.
  explicit ServerProcess(std::vector<std::string> extra_args = {}, std::string binary = "");
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the process; returns false if it never answered PING.
  bool Start();
  // SIGTERM and wait (bounded); SIGKILL if it does not exit in time.
  int Stop(int signal_number = 15);
  // SIGKILL at once.
  void Kill();
  [[nodiscard]] bool Running();
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] const std::string& log_path() const { return log_path_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] std::string ReadLog() const;

  Connection Connect(int timeout_ms = 2000) const;
  // Runs a command on a fresh connection (printf-style formats are not used;
  // arguments are binary safe).
  Reply Command(const std::vector<std::string>& args) const;

 private:
  std::vector<std::string> extra_args_;
  std::string binary_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string log_path_;
};

// Runs a command on an existing connection.
Reply Command(redisContext* c, const std::vector<std::string>& args);
// Waits (bounded) until `condition` holds; returns whether it did.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));
// Runs a shell command and returns its standard output.
std::string RunShell(const std::string& command, int* exit_code = nullptr);
// Path of the baton-server binary under test.
std::string ServerBinary();
// Whether Debian's redis-server / redis-cli are installed.
bool HaveProgram(const std::string& name);

}  // namespace baton::testing
