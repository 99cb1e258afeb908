#include "baton/replication/socket_sink.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace baton::replication {
namespace {
constexpr size_t kChunk = 64 * 1024;
}  // namespace

bool SocketSink::Write(const void* data, size_t len) {
  buf_.append(static_cast<const char*>(data), len);
  if (buf_.size() >= kChunk) return Flush();
  return !fds_.empty();
}

bool SocketSink::Flush() {
  if (!buf_.empty()) {
    std::erase_if(fds_, [&](int fd) {
      if (WriteAll(fd, buf_.data(), buf_.size())) return false;
      shutdown(fd, SHUT_RDWR);
      return true;
    });
    buf_.clear();
  }
  return !fds_.empty();
}

bool SocketSink::WriteAll(int fd, const char* data, size_t len) const {
  size_t done = 0;
  while (done < len) {
    ssize_t n = send(fd, data + done, len - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      int r = poll(&p, 1, static_cast<int>(timeout_ms_));
      if (r <= 0 || (p.revents & (POLLERR | POLLHUP)) != 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace baton::replication
