// Listening sockets (TCP addresses and a unix socket) that hand accepted
// connections to a callback. Knows nothing of commands.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "baton/net/connection.h"

namespace baton::net {

class Listener {
 public:
  using AcceptCallback = std::function<void(Connection*)>;

  Listener(uv_loop_t* loop, AcceptCallback on_accept);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds and listens on host:port. Returns 0 or a libuv error code
  // (UV_EADDRINUSE when the port is taken). `port` 0 asks the kernel for one.
  int ListenTcp(const std::string& host, int port, int backlog);
  // Binds a unix socket at `path` with the given permission bits.
  int ListenUnix(const std::string& path, int permissions, int backlog);
  // The port actually bound by the first TCP listener (useful with port 0).
  [[nodiscard]] int BoundPort() const;
  // Stops listening and closes every socket (the handles are freed in close callbacks).
  void CloseAll();
  // Closes the TCP sockets only, keeping the unix socket (rebinding at run time).
  void CloseTcp();

 private:
  struct Socket;
  static void OnConnection(uv_stream_t* server, int status);

  uv_loop_t* loop_;
  AcceptCallback on_accept_;
  std::vector<Socket*> sockets_;
};

}  // namespace baton::net
