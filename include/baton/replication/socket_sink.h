// Diskless full sync: the forked child writes the RDB straight to the
// replicas' sockets. The sockets are non-blocking (they belong to the
// parent's loop), so writes wait with poll() up to `timeout_ms`. A replica
// that fails or times out is shut down (the parent then sees it close) and
// dropped; the save fails only when no replica is left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "baton/persistence/rdb.h"

namespace baton::replication {

class SocketSink : public persistence::ByteSink {
 public:
  SocketSink(std::vector<int> fds, int64_t timeout_ms)
      : fds_(std::move(fds)), timeout_ms_(timeout_ms) {}
  bool Write(const void* data, size_t len) override;
  // Sends what is buffered.
  bool Flush();

 private:
  bool WriteAll(int fd, const char* data, size_t len) const;

  std::vector<int> fds_;
  int64_t timeout_ms_;
  std::string buf_;
};

}  // namespace baton::replication
