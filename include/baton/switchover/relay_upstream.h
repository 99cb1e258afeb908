// One outbound TCP connection of the session relay to the new primary:
// bytes queued before it is connected go out once it is, in order.
//
// Lifecycle: created by Connect(); reports arriving bytes and its end
// (once) to its Listener; Release() detaches the listener and closes. The
// object frees itself in libuv's close callback, never before, so pending
// write callbacks always find it alive.
#pragma once

#include <uv.h>

#include <string>
#include <string_view>

namespace baton::switchover {

class RelayUpstream {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnUpstreamData(std::string_view data) = 0;
    // The connection failed or ended; called once, never after Release().
    virtual void OnUpstreamClosed(std::string_view why) = 0;
  };

  RelayUpstream(const RelayUpstream&) = delete;
  RelayUpstream& operator=(const RelayUpstream&) = delete;

  // Starts connecting to `addr`. Returns nullptr and sets `error` when the
  // attempt cannot even start.
  static RelayUpstream* Connect(uv_loop_t* loop, const sockaddr* addr, Listener* listener,
                                std::string* error);

  // Adds bytes to the outgoing buffer (sent by Flush, or on connect).
  void Append(std::string_view data) { out_.append(data); }
  [[nodiscard]] bool HasUnflushed() const { return !out_.empty(); }
  // Writes the buffered bytes now (if connected).
  void Flush();
  // Detaches the listener and closes the connection.
  void Release();

 private:
  struct WriteReq;
  explicit RelayUpstream(Listener* listener) : listener_(listener) {}
  ~RelayUpstream() = default;

  static void OnConnect(uv_connect_t* req, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* handle);
  void Fail(std::string_view why);
  void Close();

  uv_tcp_t tcp_{};
  uv_connect_t connect_req_{};
  Listener* listener_;
  bool connected_ = false;
  bool closed_ = false;
  std::string out_;
  char read_buf_[16 * 1024]{};
};

}  // namespace baton::switchover
