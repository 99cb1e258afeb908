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
  // Serve on a unix socket only (--port 0 --unixsocket path): call before
  // Start(); readiness and Connect() then go through the socket.
  void UseUnixSocket(std::string path) { unix_socket_ = std::move(path); }
  // Launches once on `port` without waiting for readiness (for tests of
  // start-up failures); pair with WaitExit().
  bool Launch(int port);
  // Waits (bounded) for the process to exit; its exit code, 128+signal, or
  // -1 if it is still running after `timeout`.
  int WaitExit(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGTERM and wait (bounded); SIGKILL if it does not exit in time.
  int Stop(int signal_number = 15);
  // SIGKILL at once.
  void Kill();
  [[nodiscard]] bool Running();
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] const std::string& log_path() const { return log_path_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] const std::string& unix_socket() const { return unix_socket_; }
  // Resident set size and its peak (VmRSS / VmHWM from /proc), in bytes; 0 if unknown.
  [[nodiscard]] size_t RssBytes() const;
  [[nodiscard]] size_t PeakRssBytes() const;
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
  std::string unix_socket_;
};

// A plain TCP client for bytes hiredis cannot send (malformed requests) and
// for checking reply bytes exactly. Every read is bounded by a timeout.
class RawClient {
 public:
  explicit RawClient(int port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  [[nodiscard]] bool ok() const { return fd_ >= 0; }
  // Sends everything (MSG_NOSIGNAL); false if the peer closed or reset.
  bool Send(std::string_view data);
  // Reads until `done(received)` holds, the peer closes, or `timeout` passes;
  // returns what arrived by then (all of it, since construction or Take()).
  std::string ReadUntil(const std::function<bool(const std::string&)>& done,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until at least `n` bytes arrived (bounded).
  std::string ReadBytes(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until the peer closes (bounded); `closed()` tells whether it did.
  std::string ReadUntilClosed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends a request and reads `reply_size` bytes of reply.
  std::string Roundtrip(std::string_view request, size_t reply_size);
  // Sends a request and returns exactly one complete RESP2/RESP3 reply (or
  // what arrived before the timeout / close). Later bytes stay buffered.
  std::string Call(std::string_view request);
  // Returns and forgets what was received so far.
  std::string Take();
  // Whether the peer closed the connection (EOF or reset).
  [[nodiscard]] bool closed() const { return closed_; }
  void Close();

 private:
  int fd_ = -1;
  bool closed_ = false;
  std::string received_;
};

// Length of the first complete RESP2/RESP3 reply in `data`, 0 if incomplete.
size_t CompleteReplyLength(std::string_view data);

// RESP encoding of a command, as clients send it.
std::string EncodeCommand(const std::vector<std::string>& args);

// Runs a command on an existing connection.
Reply Command(redisContext* c, const std::vector<std::string>& args);
// Sends one request without waiting for its reply (pipelines, blocking
// commands); false when it could not be written.
bool SendRequest(redisContext* c, const std::vector<std::string>& args);
// The next reply on `c` (nullptr when the connection failed).
Reply NextReply(redisContext* c);
// The value of `field` in INFO `section` of `server` ("" when absent or
// when the server does not answer).
std::string InfoField(const ServerProcess& server, const std::string& field,
                      const std::string& section = "replication");
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
