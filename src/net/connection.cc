#include "baton/net/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <array>
#include <cstring>

namespace baton::net {
namespace {

// One read buffer for the whole loop: OnRead consumers copy what they keep,
// so no connection needs a buffer of its own while idle.
constexpr size_t kReadChunk = 64 * 1024;
std::array<char, kReadChunk> read_buffer;
bool read_buffer_busy = false;

struct WriteRequest {
  uv_write_t req;
  std::string data;
  Connection* conn;
};

std::string FormatAddress(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    uv_ip4_name(in, host, sizeof(host));
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    uv_ip6_name(in6, host, sizeof(host));
    port = ntohs(in6->sin6_port);
  } else {
    return "?:0";
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

Connection::Connection(uv_loop_t* loop, Kind kind, ConnectionHandler* handler)
    : kind_(kind), handler_(handler) {
  if (kind == Kind::kTcp) {
    uv_tcp_init(loop, &handle_.tcp);
  } else {
    uv_pipe_init(loop, &handle_.pipe, 0);
  }
  handle_.tcp.data = this;
}

Connection* Connection::Accept(uv_loop_t* loop, uv_stream_t* server, Kind kind,
                               ConnectionHandler* handler) {
  auto* conn = new Connection(loop, kind, handler);
  if (uv_accept(server, conn->stream()) != 0) {
    conn->closing_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(conn->stream()), OnCloseCb);
    return nullptr;
  }
  if (kind == Kind::kTcp) {
    uv_tcp_nodelay(&conn->handle_.tcp, 1);
    sockaddr_storage addr{};
    int len = sizeof(addr);
    if (uv_tcp_getpeername(&conn->handle_.tcp, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      conn->peer_ = FormatAddress(addr);
    }
    len = sizeof(addr);
    if (uv_tcp_getsockname(&conn->handle_.tcp, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      conn->local_ = FormatAddress(addr);
    }
  } else {
    char path[1024];
    size_t size = sizeof(path);
    if (uv_pipe_getsockname(&conn->handle_.pipe, path, &size) == 0) {
      conn->local_.assign(path, size);
      conn->peer_ = conn->local_;
    }
  }
  return conn;
}

int Connection::fd() const {
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<const uv_handle_t*>(&handle_), &fd);
  return fd;
}

void Connection::StartReading() {
  if (reading_ || closing_) return;
  if (uv_read_start(stream(), OnAlloc, OnReadCb) == 0) reading_ = true;
}

void Connection::PauseReading() {
  if (!reading_) return;
  uv_read_stop(stream());
  reading_ = false;
}

void Connection::OnAlloc(uv_handle_t* /*handle*/, size_t /*suggested*/, uv_buf_t* buf) {
  // libuv reads one handle at a time on this thread; the flag guards the assumption.
  if (read_buffer_busy) {
    buf->base = nullptr;
    buf->len = 0;
    return;
  }
  read_buffer_busy = true;
  buf->base = read_buffer.data();
  buf->len = read_buffer.size();
}

void Connection::OnReadCb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* conn = static_cast<Connection*>(stream->data);
  if (buf->base == read_buffer.data()) read_buffer_busy = false;
  if (nread > 0) {
    if (!conn->closing_ && conn->handler_ != nullptr) {
      conn->handler_->OnRead(*conn, std::string_view(buf->base, static_cast<size_t>(nread)));
    }
    return;
  }
  if (nread < 0) conn->Close();  // EOF or error
}

void Connection::Write(std::string_view data) {
  if (closing_ || data.empty()) return;
  if (pending_writes_ == 0) {
    uv_buf_t buf = uv_buf_init(const_cast<char*>(data.data()), static_cast<unsigned>(data.size()));
    int n = uv_try_write(stream(), &buf, 1);
    if (n == static_cast<int>(data.size())) return;
    if (n < 0 && n != UV_EAGAIN) {
      Close();
      return;
    }
    if (n > 0) data.remove_prefix(static_cast<size_t>(n));
  }
  QueueWrite(std::string(data));
}

void Connection::Write(std::string&& data) {
  if (closing_ || data.empty()) return;
  if (pending_writes_ == 0) {
    uv_buf_t buf = uv_buf_init(data.data(), static_cast<unsigned>(data.size()));
    int n = uv_try_write(stream(), &buf, 1);
    if (n == static_cast<int>(data.size())) return;
    if (n < 0 && n != UV_EAGAIN) {
      Close();
      return;
    }
    if (n > 0) data.erase(0, static_cast<size_t>(n));
  }
  QueueWrite(std::move(data));
}

void Connection::QueueWrite(std::string&& data) {
  auto* wr = new WriteRequest{};
  wr->data = std::move(data);
  wr->conn = this;
  wr->req.data = wr;
  uv_buf_t buf = uv_buf_init(wr->data.data(), static_cast<unsigned>(wr->data.size()));
  queued_bytes_ += wr->data.size();
  ++pending_writes_;
  int rc = uv_write(&wr->req, stream(), &buf, 1, OnWriteCb);
  if (rc != 0) {
    // The callback will not run: undo and close.
    queued_bytes_ -= wr->data.size();
    --pending_writes_;
    delete wr;
    Close();
  }
}

void Connection::OnWriteCb(uv_write_t* req, int status) {
  auto* wr = static_cast<WriteRequest*>(req->data);
  Connection* conn = wr->conn;
  conn->queued_bytes_ -= wr->data.size();
  --conn->pending_writes_;
  delete wr;
  if (status != 0) {
    // A cancelled write during close also lands here; Close() is idempotent.
    conn->Close();
  }
  if (conn->pending_writes_ == 0) {
    if (conn->close_after_flush_ && !conn->closing_) {
      conn->FinishClose();
    } else if (!conn->closing_ && conn->handler_ != nullptr) {
      conn->handler_->OnDrained(*conn);
    }
  }
}

void Connection::Close(bool flush) {
  if (closing_ || close_after_flush_) {
    if (!flush && close_after_flush_ && !closing_) FinishClose();
    return;
  }
  if (flush && pending_writes_ > 0) {
    // Stop reading now; close once the queued replies are out.
    PauseReading();
    close_after_flush_ = true;
    return;
  }
  FinishClose();
}

void Connection::FinishClose() {
  if (closing_) return;
  closing_ = true;
  PauseReading();
  if (handler_ != nullptr) handler_->OnClosed(*this);
  handler_ = nullptr;
  // uv_close cancels pending writes; their callbacks run before the close callback.
  uv_close(reinterpret_cast<uv_handle_t*>(stream()), OnCloseCb);
}

void Connection::OnCloseCb(uv_handle_t* handle) {
  auto* conn = static_cast<Connection*>(handle->data);
  delete conn;
}

}  // namespace baton::net
