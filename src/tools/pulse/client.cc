#include "client.h"

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <string_view>

namespace baton::pulse {
namespace {

constexpr uint64_t kErrorBackoffMs = 10;  // pause after an error, like a retrying client
constexpr int kMaxRedirectHops = 5;       // per operation, then it is an error

std::string_view ReplyText(const redisReply& reply) {
  return reply.str == nullptr ? std::string_view() : std::string_view(reply.str, reply.len);
}

std::string ErrorKind(std::string_view text) {
  size_t space = text.find(' ');
  std::string kind(text.substr(0, space));
  return kind.empty() ? "ERR" : kind;
}

}  // namespace

redisAsyncContext* ConnectAsync(uv_loop_t* loop, const Endpoint& endpoint);

redisAsyncContext* ConnectAsync(uv_loop_t* loop, const Endpoint& endpoint) {
  redisAsyncContext* ac = redisAsyncConnect(endpoint.host.c_str(), endpoint.port);
  if (ac == nullptr) return nullptr;
  if (ac->err != 0 || redisLibuvAttach(ac, loop) != REDIS_OK) {
    redisAsyncFree(ac);
    return nullptr;
  }
  return ac;
}

PulseClient::PulseClient(SharedState& shared, int id)
    : shared_(shared), id_(id), endpoint_(shared.options->target) {}

void PulseClient::Start() {
  uv_timer_init(shared_.loop, &timer_);
  timer_.data = this;
  ++shared_.open_clients;
  Connect();
}

void PulseClient::Stop() {
  stopping_ = true;
  if (state_ == State::kIdle || state_ == State::kBackoff || state_ == State::kHandshake) Close();
}

void PulseClient::ArmTimer(uint64_t ms) { uv_timer_start(&timer_, OnTimer, ms, 0); }

void PulseClient::Connect() {
  if (stopping_) return Close();
  if (connected_once_) shared_.stats->RecordReconnect();
  connected_once_ = true;
  ac_ = ConnectAsync(shared_.loop, endpoint_);
  if (ac_ == nullptr) return Fail("connect");
  ac_->data = this;
  redisAsyncSetConnectCallback(ac_, OnConnect);
  redisAsyncSetDisconnectCallback(ac_, OnDisconnect);
  if (shared_.options->mode == Mode::kRedirect) {
    // Commands issued while connecting are sent once the connection is up.
    const char* argv[] = {"CLIENT", "CAPA", "redirect"};
    state_ = State::kHandshake;
    ++requests_sent_;
    if (redisAsyncCommandArgv(ac_, OnCapaReply, this, 3, argv, nullptr) != REDIS_OK) {
      return Fail("disconnect");
    }
    ArmTimer(static_cast<uint64_t>(shared_.options->timeout_ms));
    return;
  }
  SendNext();
}

void PulseClient::SendNext() {
  if (stopping_) return Close();
  if (!op_open_) {
    op_open_ = true;
    op_start_us_ = shared_.NowUs();
    redirect_hops_ = 0;
  }
  const std::string key = KeyName(id_, key_);
  const char* argv[] = {"INCR", key.c_str()};
  const size_t lens[] = {4, key.size()};
  state_ = State::kInFlight;
  ++requests_sent_;
  if (redisAsyncCommandArgv(ac_, OnIncrReply, this, 2, argv, lens) != REDIS_OK) {
    return Fail("disconnect");
  }
  ArmTimer(static_cast<uint64_t>(shared_.options->timeout_ms));
}

void PulseClient::OnConnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<PulseClient*>(ac->data);
  if (status == REDIS_OK || self == nullptr || ac != self->ac_) return;
  // hiredis frees the context after this callback.
  self->ac_ = nullptr;
  self->Fail("connect");
}

void PulseClient::OnDisconnect(const redisAsyncContext* ac, int /*status*/) {
  auto* self = static_cast<PulseClient*>(ac->data);
  if (self == nullptr || ac != self->ac_) return;  // a context we already dropped
  self->ac_ = nullptr;                             // hiredis frees it after this callback
  self->Fail("disconnect");
}

void PulseClient::OnCapaReply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* self = static_cast<PulseClient*>(privdata);
  if (ac != self->ac_ || self->state_ != State::kHandshake) return;
  uv_timer_stop(&self->timer_);
  if (reply == nullptr) {  // the context is going away
    self->ac_ = nullptr;
    return self->Fail("disconnect");
  }
  // Redis 7.0 has no CLIENT CAPA: the run goes on without redirect support.
  if (static_cast<redisReply*>(reply)->type == REDIS_REPLY_ERROR) {
    self->shared_.capa_unsupported = true;
  }
  self->SendNext();
}

void PulseClient::OnIncrReply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* self = static_cast<PulseClient*>(privdata);
  if (ac != self->ac_ || self->state_ != State::kInFlight) return;
  uv_timer_stop(&self->timer_);
  if (reply == nullptr) {
    self->ac_ = nullptr;
    return self->Fail("disconnect");
  }
  self->HandleReply(*static_cast<redisReply*>(reply));
}

void PulseClient::HandleReply(const redisReply& reply) {
  const uint64_t now = shared_.NowUs();
  RunStats& stats = *shared_.stats;
  if (reply.type == REDIS_REPLY_INTEGER) {
    stats.RecordAck(static_cast<size_t>(id_) * static_cast<size_t>(shared_.options->keys) +
                        static_cast<size_t>(key_),
                    reply.integer);
    stats.RecordSuccess(op_start_us_, now);
    op_open_ = false;
    key_ = (key_ + 1) % shared_.options->keys;
    return SendNext();
  }
  const std::string_view text = ReplyText(reply);
  if (reply.type == REDIS_REPLY_ERROR && shared_.options->mode == Mode::kRedirect &&
      text.starts_with("REDIRECT ") && redirect_hops_ < kMaxRedirectHops) {
    if (std::optional<Endpoint> to = ParseEndpoint(text.substr(9))) {
      // Not an error: move to the primary and send the same INCR there. The
      // operation keeps its start time, so its latency includes the move.
      stats.RecordRedirect();
      ++redirect_hops_;
      endpoint_ = *to;
      DropConnection();  // deferred by hiredis while in its callback
      state_ = State::kIdle;
      connected_once_ = false;  // a redirect is not counted as a reconnect
      ArmTimer(0);
      return;
    }
  }
  stats.RecordError(reply.type == REDIS_REPLY_ERROR ? ErrorKind(text) : "unexpected-reply", now);
  op_open_ = false;  // the operation failed; the next one starts after a pause
  state_ = State::kBackoff;
  if (stopping_) return Close();
  ArmTimer(kErrorBackoffMs);
}

void PulseClient::Fail(const char* kind) {
  shared_.stats->RecordError(kind, shared_.NowUs());
  op_open_ = false;
  DropConnection();
  state_ = State::kIdle;
  if (stopping_) return Close();
  ArmTimer(kErrorBackoffMs);
}

void PulseClient::DropConnection() {
  if (ac_ == nullptr) return;
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;  // callbacks for `ac` are ignored from now on
  redisAsyncFree(ac);
}

void PulseClient::OnTimer(uv_timer_t* timer) {
  auto* self = static_cast<PulseClient*>(timer->data);
  switch (self->state_) {
    case State::kIdle:
      return self->Connect();
    case State::kBackoff:
      return self->SendNext();
    case State::kHandshake:
    case State::kInFlight: {
      // libuv runs due timers before it polls sockets: after a stall of this
      // process (a host that took the CPU away), a reply that arrived in
      // time may not have been read yet. Read what is there first.
      redisAsyncContext* ac = self->ac_;
      const uint64_t request = self->requests_sent_;
      const State waiting = self->state_;
      if (ac != nullptr) redisAsyncHandleRead(ac);
      if (self->ac_ != ac || self->state_ != waiting || self->requests_sent_ != request) {
        return;  // answered (or failed otherwise) just now
      }
      // The deadline passed: the reply may still come, but not to us.
      return self->Fail("timeout");
    }
    case State::kClosed:
      return;
  }
}

void PulseClient::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  DropConnection();
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* h) {
    auto* self = static_cast<PulseClient*>(h->data);
    --self->shared_.open_clients;
  });
}

}  // namespace baton::pulse
