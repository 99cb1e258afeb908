#include "baton/net/listener.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace baton::net {

struct Listener::Socket {
  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle{};
  Connection::Kind kind = Connection::Kind::kTcp;
  Listener* owner = nullptr;
  std::string unix_path;
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&handle); }
};

Listener::Listener(uv_loop_t* loop, AcceptCallback on_accept)
    : loop_(loop), on_accept_(std::move(on_accept)) {}

Listener::~Listener() { CloseAll(); }

int Listener::ListenTcp(const std::string& host, int port, int backlog) {
  sockaddr_storage addr{};
  int rc = 0;
  if (host.find(':') != std::string::npos) {
    rc = uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr));
  } else {
    rc = uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  }
  if (rc != 0) return rc;
  auto* sock = new Socket();
  sock->owner = this;
  sock->kind = Connection::Kind::kTcp;
  uv_tcp_init(loop_, &sock->handle.tcp);
  sock->handle.tcp.data = sock;
  unsigned flags = addr.ss_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
  rc = uv_tcp_bind(&sock->handle.tcp, reinterpret_cast<const sockaddr*>(&addr), flags);
  if (rc == 0) rc = uv_listen(sock->stream(), backlog, OnConnection);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(sock->stream()),
             [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); });
    return rc;
  }
  sockets_.push_back(sock);
  return 0;
}

int Listener::ListenUnix(const std::string& path, int permissions, int backlog) {
  ::unlink(path.c_str());  // a stale socket file from a previous run
  auto* sock = new Socket();
  sock->owner = this;
  sock->kind = Connection::Kind::kUnix;
  sock->unix_path = path;
  uv_pipe_init(loop_, &sock->handle.pipe, 0);
  sock->handle.pipe.data = sock;
  int rc = uv_pipe_bind(&sock->handle.pipe, path.c_str());
  if (rc == 0 && permissions != 0) ::chmod(path.c_str(), static_cast<mode_t>(permissions));
  if (rc == 0) rc = uv_listen(sock->stream(), backlog, OnConnection);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(sock->stream()),
             [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); });
    return rc;
  }
  sockets_.push_back(sock);
  return 0;
}

int Listener::BoundPort() const {
  for (Socket* sock : sockets_) {
    if (sock->kind != Connection::Kind::kTcp) continue;
    sockaddr_storage addr{};
    int len = sizeof(addr);
    if (uv_tcp_getsockname(&sock->handle.tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      continue;
    }
    if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  }
  return 0;
}

void Listener::CloseAll() {
  for (Socket* sock : sockets_) {
    if (!sock->unix_path.empty()) ::unlink(sock->unix_path.c_str());
    uv_close(reinterpret_cast<uv_handle_t*>(sock->stream()),
             [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); });
  }
  sockets_.clear();
}

void Listener::CloseTcp() {
  std::erase_if(sockets_, [](Socket* sock) {
    if (sock->kind != Connection::Kind::kTcp) return false;
    uv_close(reinterpret_cast<uv_handle_t*>(sock->stream()),
             [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); });
    return true;
  });
}

void Listener::OnConnection(uv_stream_t* server, int status) {
  if (status < 0) return;
  auto* sock = static_cast<Socket*>(server->data);
  Listener* self = sock->owner;
  Connection* conn = Connection::Accept(self->loop_, server, sock->kind, nullptr);
  if (conn != nullptr) self->on_accept_(conn);
}

}  // namespace baton::net
