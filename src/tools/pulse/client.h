// One pulse connection: an asynchronous hiredis context on the shared libuv
// loop that INCRs its own keys in turn, one request in flight, each with a
// deadline. Failures are counted by kind and the connection is re-established;
// in redirect mode a -REDIRECT moves the connection and re-sends the command.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>

#include "options.h"
#include "stats.h"

struct redisAsyncContext;
struct redisReply;

namespace baton::pulse {

// What every connection shares (owned by the runner, outlives the clients).
struct SharedState {
  uv_loop_t* loop = nullptr;
  const Options* options = nullptr;
  RunStats* stats = nullptr;
  uint64_t t0_ns = 0;  // uv_hrtime() when the load started
  // The longest delay of this process's own loop (a host that took the CPU
  // away stalls the measurement too): see runner.cc.
  uint64_t max_loop_stall_us = 0;
  bool capa_unsupported = false;
  int open_clients = 0;  // clients whose handles are not closed yet

  [[nodiscard]] uint64_t NowUs() const { return (uv_hrtime() - t0_ns) / 1000; }
};

class PulseClient {
 public:
  PulseClient(SharedState& shared, int id);
  ~PulseClient() = default;
  PulseClient(const PulseClient&) = delete;
  PulseClient& operator=(const PulseClient&) = delete;

  void Start();
  // Sends nothing new; the request in flight may still finish (bounded by
  // its deadline), then the connection closes.
  void Stop();

 private:
  enum class State {
    kIdle,       // no connection: the timer connects (after a backoff)
    kHandshake,  // connecting, CLIENT CAPA redirect sent, waiting for its reply
    kInFlight,   // an INCR waits for its reply; the timer is its deadline
    kBackoff,    // connected; the timer sends the next request after an error
    kClosed,     // handles released (or being released)
  };

  static void OnConnect(const redisAsyncContext* ac, int status);
  static void OnDisconnect(const redisAsyncContext* ac, int status);
  static void OnCapaReply(redisAsyncContext* ac, void* reply, void* privdata);
  static void OnIncrReply(redisAsyncContext* ac, void* reply, void* privdata);
  static void OnTimer(uv_timer_t* timer);

  void Connect();
  void SendNext();
  void HandleReply(const redisReply& reply);
  // The connection is gone or unusable: count `kind`, reconnect after a pause.
  void Fail(const char* kind);
  void DropConnection();
  void ArmTimer(uint64_t ms);
  void Close();

  SharedState& shared_;
  const int id_;
  Endpoint endpoint_;  // where this connection talks now
  redisAsyncContext* ac_ = nullptr;
  uv_timer_t timer_{};
  State state_ = State::kIdle;
  bool stopping_ = false;
  bool connected_once_ = false;
  int key_ = 0;                 // the counter in use, 0..keys-1
  bool op_open_ = false;        // an operation was started and not yet resolved
  uint64_t op_start_us_ = 0;    // when the current operation was first sent
  int redirect_hops_ = 0;       // consecutive redirects for the current operation
  uint64_t requests_sent_ = 0;  // tells a reply read at the deadline from a new request
};

}  // namespace baton::pulse
