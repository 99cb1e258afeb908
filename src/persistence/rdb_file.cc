// SaveRdbFile / LoadRdbFile: the RDB format on disk. A save goes to a
// temporary file in the target's directory, is fsynced and renamed over the
// target, so a crash leaves either the old file or the new one.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "baton/persistence/rdb.h"

namespace baton::persistence {
namespace {

class FileSink final : public ByteSink {
 public:
  explicit FileSink(int fd) : fd_(fd) {}
  bool Write(const void* data, size_t len) override {
    const auto* p = static_cast<const char*>(data);
    while (len > 0) {
      const ssize_t n = ::write(fd_, p, len);
      if (n < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
        return false;
      }
      p += n;
      len -= static_cast<size_t>(n);
    }
    return true;
  }
  [[nodiscard]] int error() const { return error_; }

 private:
  int fd_;
  int error_ = 0;
};

// Reads a file through a large buffer.
class FileSource final : public ByteSource {
 public:
  explicit FileSource(int fd) : fd_(fd), buf_(kBufferSize) {}
  bool Read(void* data, size_t len) override {
    auto* out = static_cast<char*>(data);
    while (len > 0) {
      if (pos_ == end_) {
        if (len >= kBufferSize) {  // large reads bypass the buffer
          const ssize_t n = ReadSome(out, len);
          if (n <= 0) return false;
          out += n;
          len -= static_cast<size_t>(n);
          continue;
        }
        const ssize_t n = ReadSome(buf_.data(), buf_.size());
        if (n <= 0) return false;
        pos_ = 0;
        end_ = static_cast<size_t>(n);
      }
      const size_t take = std::min(len, end_ - pos_);
      std::memcpy(out, buf_.data() + pos_, take);
      pos_ += take;
      out += take;
      len -= take;
    }
    return true;
  }
  [[nodiscard]] int error() const { return error_; }

 private:
  static constexpr size_t kBufferSize = 256 * 1024;
  ssize_t ReadSome(char* p, size_t len) {
    for (;;) {
      const ssize_t n = ::read(fd_, p, len);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) error_ = errno;
      return n;
    }
  }
  int fd_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  int error_ = 0;
};

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::atomic<uint64_t> temp_counter{0};

}  // namespace

std::string SaveRdbFile(server::Server& server, const ReplicationAux& aux,
                        const std::string& path) {
  const std::string dir = DirOf(path);
  const std::string temp = dir + "/temp-" + std::to_string(::getpid()) + "-" +
                           std::to_string(temp_counter.fetch_add(1)) + ".rdb";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return "Failed opening the temp RDB file " + temp + " for saving: " + std::strerror(errno);
  }
  FileSink sink(fd);
  std::string error = SaveRdb(server, aux, sink);
  if (!error.empty() && sink.error() != 0) error += std::string(": ") + std::strerror(sink.error());
  if (error.empty() && ::fsync(fd) != 0)
    error = std::string("fsync failed: ") + std::strerror(errno);
  if (::close(fd) != 0 && error.empty()) {
    error = std::string("close failed: ") + std::strerror(errno);
  }
  if (error.empty() && ::rename(temp.c_str(), path.c_str()) != 0) {
    error = "Error moving temp DB file " + temp + " on the final destination " + path + ": " +
            std::strerror(errno);
  }
  if (!error.empty()) {
    ::unlink(temp.c_str());
    return error;
  }
  // Make the rename itself durable.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return "";
}

LoadResult LoadRdbFile(server::Server& server, const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    LoadResult result;
    result.file_missing = errno == ENOENT;
    result.error = "Fatal error opening " + path + ": " + std::strerror(errno);
    return result;
  }
  FileSource source(fd);
  LoadResult result = LoadRdb(server, source);
  if (!result.error.empty() && source.error() != 0) {
    result.error += std::string(" (read error: ") + std::strerror(source.error()) + ")";
  }
  ::close(fd);
  return result;
}

}  // namespace baton::persistence
