// The relay's outbound connection: see include/baton/switchover/relay_upstream.h.
#include "baton/switchover/relay_upstream.h"

#include <string>
#include <utility>

namespace baton::switchover {

struct RelayUpstream::WriteReq {
  uv_write_t req{};
  std::string data;
  RelayUpstream* upstream = nullptr;
};

RelayUpstream* RelayUpstream::Connect(uv_loop_t* loop, const sockaddr* addr, Listener* listener,
                                      std::string* error) {
  auto* up = new RelayUpstream(listener);
  uv_tcp_init(loop, &up->tcp_);
  up->tcp_.data = up;
  up->connect_req_.data = up;
  uv_tcp_nodelay(&up->tcp_, 1);
  const int rc = uv_tcp_connect(&up->connect_req_, &up->tcp_, addr, OnConnect);
  if (rc != 0) {
    *error = uv_strerror(rc);
    up->listener_ = nullptr;
    up->Close();
    return nullptr;
  }
  return up;
}

void RelayUpstream::OnConnect(uv_connect_t* req, int status) {
  auto* up = static_cast<RelayUpstream*>(req->data);
  if (up->closed_) return;
  if (status < 0) {
    up->Fail(std::string("cannot connect: ") + uv_strerror(status));
    return;
  }
  up->connected_ = true;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&up->tcp_), OnAlloc, OnRead);
  up->Flush();
}

void RelayUpstream::OnAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  auto* up = static_cast<RelayUpstream*>(handle->data);
  *buf = uv_buf_init(up->read_buf_, sizeof(up->read_buf_));
}

void RelayUpstream::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* up = static_cast<RelayUpstream*>(stream->data);
  if (up->closed_) return;
  if (nread > 0) {
    if (up->listener_ != nullptr) {
      up->listener_->OnUpstreamData(std::string_view(buf->base, static_cast<size_t>(nread)));
    }
    return;
  }
  if (nread < 0) {
    up->Fail(nread == UV_EOF ? "connection closed by the primary"
                             : std::string("read error: ") + uv_strerror(static_cast<int>(nread)));
  }
}

void RelayUpstream::Flush() {
  if (!connected_ || closed_ || out_.empty()) return;
  auto* w = new WriteReq;
  w->data = std::move(out_);
  out_.clear();
  w->upstream = this;
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  const int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), &b, 1, OnWrite);
  if (rc != 0) {
    delete w;
    Fail(std::string("write error: ") + uv_strerror(rc));
  }
}

void RelayUpstream::OnWrite(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  RelayUpstream* up = w->upstream;
  delete w;
  // The object lives until its close callback, which libuv runs after
  // every write callback (cancelled ones included).
  if (status < 0 && status != UV_ECANCELED) {
    up->Fail(std::string("write error: ") + uv_strerror(status));
  }
}

void RelayUpstream::Fail(std::string_view why) {
  if (closed_) return;
  Listener* listener = std::exchange(listener_, nullptr);
  Close();
  if (listener != nullptr) listener->OnUpstreamClosed(why);
}

void RelayUpstream::Release() {
  listener_ = nullptr;
  Close();
}

void RelayUpstream::Close() {
  if (closed_) return;
  closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClose);
}

void RelayUpstream::OnClose(uv_handle_t* handle) {
  delete static_cast<RelayUpstream*>(handle->data);
}

}  // namespace baton::switchover
