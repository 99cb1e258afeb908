// A client or peer connection on the libuv loop: bytes in, bytes out.
//
// Lifecycle: created by a Listener (or Connect) and owned by the loop. Close()
// stops reading, tells the handler once through OnClosed(), and frees the
// object in libuv's close callback, never before. Knows nothing of commands.
#pragma once

#include <uv.h>

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace baton::net {

class Connection;

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Bytes arrived. The view is valid only during the call.
  virtual void OnRead(Connection& conn, std::string_view data) = 0;
  // The connection is closing (peer gone, error, or Close() was called).
  // Called exactly once; the Connection stays valid until this returns.
  virtual void OnClosed(Connection& conn) = 0;
  // All queued output has been written to the socket.
  virtual void OnDrained(Connection& /*conn*/) {}
};

class Connection {
 public:
  enum class Kind { kTcp, kUnix };

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Accepts a pending connection from a listening stream. Returns nullptr on failure.
  static Connection* Accept(uv_loop_t* loop, uv_stream_t* server, Kind kind,
                            ConnectionHandler* handler);

  // Starts delivering OnRead callbacks.
  void StartReading();
  void PauseReading();
  [[nodiscard]] bool reading() const { return reading_; }

  // Writes at once what the socket takes; the rest is queued in order.
  void Write(std::string_view data);
  // Same, taking ownership of the buffer (avoids a copy when queued).
  void Write(std::string&& data);
  [[nodiscard]] size_t QueuedBytes() const { return queued_bytes_; }

  // Closes the connection after the queued output was handed to the kernel
  // when `flush` is true (used for QUIT and protocol errors).
  void Close(bool flush = false);
  [[nodiscard]] bool closing() const { return closing_; }

  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] const std::string& peer() const { return peer_; }    // "ip:port" or the socket path
  [[nodiscard]] const std::string& local() const { return local_; }  // "ip:port" or the socket path
  [[nodiscard]] int fd() const;

  void set_handler(ConnectionHandler* handler) { handler_ = handler; }
  void* user_data = nullptr;

 private:
  Connection(uv_loop_t* loop, Kind kind, ConnectionHandler* handler);
  ~Connection() = default;

  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnReadCb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWriteCb(uv_write_t* req, int status);
  static void OnCloseCb(uv_handle_t* handle);
  void QueueWrite(std::string&& data);
  void FinishClose();
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&handle_); }

  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle_{};
  Kind kind_;
  ConnectionHandler* handler_;
  bool reading_ = false;
  bool closing_ = false;
  bool close_after_flush_ = false;
  size_t queued_bytes_ = 0;
  size_t pending_writes_ = 0;
  std::string peer_;
  std::string local_;
};

}  // namespace baton::net
