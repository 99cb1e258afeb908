// Loading the AOF at start-up: the manifest, the base (RDB or commands) and
// the incremental files replayed through the command table.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "baton/config/config.h"
#include "baton/persistence/aof.h"
#include "baton/persistence/rdb.h"
#include "baton/util/strings.h"

namespace baton::persistence {
namespace {

// Buffered reading of a file with the offset of what was consumed.
class FileReader {
 public:
  explicit FileReader(std::FILE* f) : f_(f) {}
  // Reads one line ending in "\r\n" (without it). False at EOF first.
  bool Line(std::string* out) {
    out->clear();
    for (;;) {
      if (pos_ == len_ && !Fill()) return false;
      char c = buf_[pos_++];
      ++offset_;
      if (c == '\n') {
        if (!out->empty() && out->back() == '\r') out->pop_back();
        return true;
      }
      out->push_back(c);
      if (out->size() > 1024) return true;  // not a protocol line; the caller rejects it
    }
  }
  // Reads exactly n bytes.
  bool Bytes(size_t n, std::string* out) {
    out->clear();
    out->reserve(n);
    while (out->size() < n) {
      if (pos_ == len_ && !Fill()) return false;
      size_t take = std::min(n - out->size(), len_ - pos_);
      out->append(buf_ + pos_, take);
      pos_ += take;
      offset_ += static_cast<int64_t>(take);
    }
    return true;
  }
  [[nodiscard]] int64_t offset() const { return offset_; }
  [[nodiscard]] bool AtEof() {
    if (pos_ < len_) return false;
    return !Fill();
  }

 private:
  bool Fill() {
    len_ = std::fread(buf_, 1, sizeof(buf_), f_);
    pos_ = 0;
    return len_ > 0;
  }
  std::FILE* f_;
  char buf_[1 << 16];
  size_t pos_ = 0;
  size_t len_ = 0;
  int64_t offset_ = 0;
};

bool IsRdbFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char magic[5] = {};
  size_t n = std::fread(magic, 1, 5, f);
  std::fclose(f);
  return n == 5 && std::memcmp(magic, "REDIS", 5) == 0;
}

std::string BadFormat(const std::string& manifest) {
  return "Bad file format reading the append only file: make a backup of your AOF file, then use "
         "./redis-check-aof --fix <filename.manifest> (" +
         manifest + ")";
}

}  // namespace

AofReplayResult ReplayAofCommands(server::Server& server, const std::string& path) {
  AofReplayResult result;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    result.error = "can't open " + path + ": " + std::strerror(errno);
    return result;
  }
  auto* fake = server.AddClient(nullptr);
  FileReader in(f);
  std::vector<std::vector<std::string>> queued;  // inside MULTI
  bool in_multi = false;
  int64_t multi_start = 0;
  std::string line;
  std::vector<std::string> args;

  auto run = [&](const std::vector<std::string>& cmd_args) -> std::string {
    std::vector<std::string_view> views(cmd_args.begin(), cmd_args.end());
    const server::CommandSpec* container = nullptr;
    const server::CommandSpec* cmd = server.commands().Resolve(views, &container);
    if (cmd == nullptr || cmd->handler == nullptr || !cmd->ArityOk(views.size())) {
      return "Unknown command '" + cmd_args[0] + "' reading the append only file " + path;
    }
    server.dispatcher().Call(*fake, *cmd, views);
    fake->output().clear();
    ++result.commands;
    return "";
  };

  for (;;) {
    const int64_t start = in.offset();
    if (in.AtEof()) break;
    if (!in.Line(&line)) {
      result.truncated = true;
      result.valid_bytes = start;
      break;
    }
    if (!line.empty() && line[0] == '#') continue;  // annotations (timestamps)
    int64_t argc = 0;
    if (line.size() < 2 || line[0] != '*' ||
        !config::ParseStrictInt(std::string_view(line).substr(1), &argc) || argc < 1) {
      result.error = "bad format";
      break;
    }
    args.clear();
    bool torn = false;
    for (int64_t i = 0; i < argc && !torn && result.error.empty(); ++i) {
      int64_t len = 0;
      if (!in.Line(&line)) {
        torn = true;
        break;
      }
      if (line.size() < 2 || line[0] != '$' ||
          !config::ParseStrictInt(std::string_view(line).substr(1), &len) || len < 0) {
        result.error = "bad format";
        break;
      }
      std::string arg;
      std::string crlf;
      if (!in.Bytes(static_cast<size_t>(len), &arg) || !in.Bytes(2, &crlf)) {
        torn = true;
        break;
      }
      if (crlf != "\r\n") {
        result.error = "bad format";
        break;
      }
      args.push_back(std::move(arg));
    }
    if (!result.error.empty()) break;
    if (torn) {
      result.truncated = true;
      result.valid_bytes = in_multi ? multi_start : start;
      break;
    }
    std::string name = util::ToLower(args[0]);
    if (name == "multi") {
      in_multi = true;
      multi_start = start;
      queued.clear();
      continue;
    }
    if (name == "exec") {
      if (!in_multi) {
        result.error = "EXEC without MULTI";
        break;
      }
      in_multi = false;
      for (const auto& q : queued) {
        if (std::string e = run(q); !e.empty()) {
          result.error = e;
          break;
        }
      }
      queued.clear();
      if (!result.error.empty()) break;
      continue;
    }
    if (in_multi) {
      queued.push_back(std::move(args));
      args = {};
      continue;
    }
    if (std::string e = run(args); !e.empty()) {
      result.error = e;
      break;
    }
  }
  if (result.error.empty() && !result.truncated) {
    if (in_multi) {
      // A transaction without its EXEC: revert it like a torn tail.
      result.truncated = true;
      result.valid_bytes = multi_start;
    } else {
      result.valid_bytes = in.offset();
    }
  }
  std::fclose(f);
  server.RemoveClient(fake);
  return result;
}

std::string Aof::Load(bool* found) {
  *found = false;
  const std::string manifest_path = ManifestPath();
  std::FILE* mf = std::fopen(manifest_path.c_str(), "rb");
  if (mf == nullptr) {
    if (errno == ENOENT) return "";
    return "Fatal error: can't open the AOF manifest " + manifest_path +
           " for reading: " + std::strerror(errno);
  }
  std::string text;
  char chunk[4096];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), mf)) > 0) text.append(chunk, n);
  std::fclose(mf);
  AofManifest m;
  if (std::string e = AofManifest::Parse(text, &m); !e.empty()) {
    return "Fatal error: the AOF manifest " + manifest_path + " is invalid: " + e;
  }
  *found = true;
  const std::string dir = DirName() + "/";
  std::vector<AofManifest::File> files;
  if (m.base) files.push_back(*m.base);
  for (const auto& f : m.incrs) files.push_back(f);
  for (const auto& f : files) {
    struct stat st {};
    if (stat((dir + f.name).c_str(), &st) != 0) {
      return "Fatal error: the append only file " + f.name + " listed in " + manifest_path +
             " doesn't exist";
    }
  }
  loading_ = true;
  std::string error;
  for (size_t k = 0; k < files.size() && error.empty(); ++k) {
    const AofManifest::File& f = files[k];
    const std::string path = dir + f.name;
    const bool last = k + 1 == files.size();
    if (f.type == 'b' && IsRdbFile(path)) {
      spdlog::info("Reading RDB base file on AOF loading...");
      LoadResult r = LoadRdbFile(server_, path);
      if (!r.error.empty()) {
        error = "Fatal error loading the AOF base file " + f.name + ": " + r.error;
        break;
      }
      spdlog::info("DB loaded from base file {}", f.name);
      continue;
    }
    AofReplayResult r = ReplayAofCommands(server_, path);
    if (!r.error.empty()) {
      error = r.error == "bad format" ? BadFormat(ManifestPath()) + ": " + f.name : r.error;
      break;
    }
    if (r.truncated) {
      if (!last) {
        error = "Fatal error: the truncated file " + f.name + " is not the last file";
        break;
      }
      if (!server_.settings().aof_load_truncated) {
        error = "Unexpected end of file reading the append only file " + f.name +
                ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
                "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
                "configuration option to yes and restart the server.";
        break;
      }
      spdlog::warn("!!! Warning: short read while loading the AOF file {}!!!", f.name);
      spdlog::warn("!!! Truncating the AOF {} at offset {} !!!", f.name, r.valid_bytes);
      if (truncate(path.c_str(), r.valid_bytes) != 0) {
        error = "Error truncating the AOF file " + f.name + ": " + std::strerror(errno);
        break;
      }
      spdlog::warn("AOF {} loaded anyway because aof-load-truncated is enabled", f.name);
    }
    spdlog::info("DB loaded from {} file {}", f.type == 'b' ? "base" : "incr", f.name);
  }
  loading_ = false;
  if (!error.empty()) return error;
  manifest_ = std::move(m);
  UpdateSize();
  stats_.base_size = stats_.current_size;
  return "";
}

}  // namespace baton::persistence
