// The AOF writer: manifest, incremental files, fsync policies and rewrites.
// Loading lives in aof_load.cc.
#include "baton/persistence/aof.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "baton/persistence/child.h"
#include "baton/persistence/rdb.h"
#include "baton/persistence/snapshot.h"
#include "baton/store/database.h"

namespace baton::persistence {
namespace {

void AppendBulk(std::string& out, std::string_view s) {
  out.push_back('$');
  out.append(std::to_string(s.size()));
  out.append("\r\n");
  out.append(s);
  out.append("\r\n");
}

void AppendCommand(std::string& out, const std::vector<std::string>& args) {
  out.push_back('*');
  out.append(std::to_string(args.size()));
  out.append("\r\n");
  for (const std::string& a : args) AppendBulk(out, a);
}

bool WriteAll(int fd, std::string_view data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

int64_t FileSize(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_size);
}

void FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  (void)fsync(fd);
  close(fd);
}

// A base file made of commands (aof-use-rdb-preamble no): SELECT, then one
// RESTORE ... ABSTTL per key, which Redis and Baton both replay.
std::string WriteCommandBase(server::Server& server, const std::string& path) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return std::string("open: ") + std::strerror(errno);
  std::string buf;
  bool ok = true;
  for (int i = 0; i < server.db_count() && ok; ++i) {
    store::Database& db = server.db(i);
    if (db.size() == 0) continue;
    AppendCommand(buf, {"SELECT", std::to_string(i)});
    db.ForEach([&](store::KeyEntry* e) {
      if (!ok || db.IsExpired(e)) return;
      int64_t when = db.GetExpire(e);
      AppendCommand(buf, {"RESTORE", std::string(e->Key()), std::to_string(when < 0 ? 0 : when),
                          DumpPayload(e->value), "ABSTTL"});
      if (buf.size() > (1 << 20)) {
        ok = WriteAll(fd, buf);
        buf.clear();
      }
    });
  }
  if (ok) ok = WriteAll(fd, buf);
  if (ok) ok = fsync(fd) == 0;
  std::string err = ok ? "" : std::string(std::strerror(errno));
  close(fd);
  if (ok && rename(tmp.c_str(), path.c_str()) != 0) {
    err = std::string("rename: ") + std::strerror(errno);
  }
  if (!err.empty()) unlink(tmp.c_str());
  return err;
}

std::string TempRewriteName(pid_t pid) {
  return "temp-rewriteaof-bg-" + std::to_string(pid) + ".aof";
}

}  // namespace

// ---- Manifest ----

std::string AofManifest::Encode() const {
  std::string out;
  auto line = [&out](const File& f) {
    out += "file " + f.name + " seq " + std::to_string(f.seq) + " type " + f.type + "\n";
  };
  if (base) line(*base);
  for (const File& f : history) line(f);
  for (const File& f : incrs) line(f);
  return out;
}

std::string AofManifest::Parse(std::string_view text, AofManifest* out) {
  AofManifest m;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    // Words separated by spaces; a name may be double-quoted.
    std::vector<std::string> words;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      if (i >= line.size()) break;
      std::string w;
      if (line[i] == '"') {
        ++i;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) ++i;
          w.push_back(line[i++]);
        }
        if (i >= line.size()) return "Invalid AOF manifest file format (unbalanced quotes)";
        ++i;
      } else {
        while (i < line.size() && line[i] != ' ') w.push_back(line[i++]);
      }
      words.push_back(std::move(w));
    }
    if (words.size() % 2 != 0) return "Invalid AOF manifest file format";
    File f;
    bool have_name = false;
    bool have_seq = false;
    bool have_type = false;
    for (size_t k = 0; k < words.size(); k += 2) {
      const std::string& key = words[k];
      const std::string& val = words[k + 1];
      if (key == "file") {
        f.name = val;
        have_name = true;
      } else if (key == "seq") {
        char* endp = nullptr;
        f.seq = std::strtoll(val.c_str(), &endp, 10);
        if (endp == val.c_str() || *endp != '\0' || f.seq < 0) return "Invalid AOF file seq";
        have_seq = true;
      } else if (key == "type") {
        if (val.size() != 1 || (val[0] != 'b' && val[0] != 'h' && val[0] != 'i')) {
          return "Unknown AOF file type";
        }
        f.type = val[0];
        have_type = true;
      }
    }
    if (!have_name || !have_seq || !have_type) return "Invalid AOF manifest file format";
    if (f.name.find('/') != std::string::npos) return "File can't be a path, just a filename";
    switch (f.type) {
      case 'b':
        if (m.base) return "Found duplicate base file information";
        m.base = f;
        m.base_seq = std::max(m.base_seq, f.seq);
        break;
      case 'h':
        m.history.push_back(f);
        break;
      default:
        if (f.seq <= m.incr_seq && !m.incrs.empty()) return "Found a non-monotonic sequence number";
        m.incrs.push_back(f);
        m.incr_seq = f.seq;
        break;
    }
  }
  if (!m.base && m.incrs.empty()) return "Found an empty AOF manifest";
  *out = std::move(m);
  return "";
}

// ---- The fsync thread ----

Aof::FsyncThread::FsyncThread() = default;

Aof::FsyncThread::~FsyncThread() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Aof::FsyncThread::Submit(int fd, bool close_after) {
  // Started on first use: most servers never hand an fsync off.
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  ++pending_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back({fd, close_after});
  }
  cv_.notify_one();
}

void Aof::FsyncThread::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stop requested and nothing left
    Job job = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    if (fdatasync(job.fd) != 0 && errno != EBADF && errno != EINVAL) error_ = errno;
    if (job.close_after) close(job.fd);
    --pending_;
    lock.lock();
  }
}

// ---- The writer ----

Aof::Aof(server::Server& server) : server_(server) {}

Aof::~Aof() { CloseFile(); }

std::string Aof::DirName() const { return server_.settings().appenddirname; }

std::string Aof::ManifestPath() const {
  return DirName() + "/" + server_.settings().appendfilename + ".manifest";
}

void Aof::OnEffects(std::span<const server::Effect> effects) {
  if (fd_ < 0 || loading_) return;
  for (const server::Effect& e : effects) {
    if (e.replicas_only) continue;  // messages, for replicas' subscribers
    if (e.db != selected_db_) {
      AppendCommand(buf_, {"SELECT", std::to_string(e.db)});
      selected_db_ = e.db;
    }
    AppendCommand(buf_, e.args);
  }
}

void Aof::Flush(bool force) {
  if (fd_ < 0) {
    buf_.clear();
    return;
  }
  const int64_t policy = server_.settings().appendfsync;  // 0 always, 1 everysec, 2 no
  if (!buf_.empty()) {
    size_t off = 0;
    int err = 0;
    while (off < buf_.size()) {
      ssize_t n = write(fd_, buf_.data() + off, buf_.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        err = errno;
        break;
      }
      off += static_cast<size_t>(n);
    }
    stats_.current_size += static_cast<int64_t>(off);
    buf_.erase(0, off);
    if (err != 0) {
      if (policy == 0) {
        spdlog::warn(
            "Can't recover from AOF write error when the AOF fsync policy is 'always'. "
            "Exiting...");
        spdlog::default_logger()->flush();
        _exit(1);
      }
      if (stats_.last_write_ok)
        spdlog::warn("Error writing to the AOF file: {}", std::strerror(err));
      stats_.last_write_ok = false;
      stats_.last_write_errno = err;
      return;  // the rest stays buffered; the cron retries
    }
    if (!stats_.last_write_ok) {
      spdlog::warn("AOF write error looks solved, Redis can write again.");
      stats_.last_write_ok = true;
    }
    unsynced_ = true;
  }
  if (!unsynced_) return;
  if (force || policy == 0) {
    if (fdatasync(fd_) != 0) {
      spdlog::warn(
          "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. "
          "Exiting...",
          std::strerror(errno));
      spdlog::default_logger()->flush();
      _exit(1);
    }
    unsynced_ = false;
    last_fsync_ms_ = server_.NowMs();
  } else if (policy == 1) {
    MaybeBackgroundFsync();
  }
}

void Aof::MaybeBackgroundFsync() {
  if (fd_ < 0 || !unsynced_) return;
  const int64_t now = server_.NowMs();
  if (now - last_fsync_ms_ < 1000) return;
  if (fsync_.pending() > 0) {
    ++stats_.delayed_fsync;
    return;
  }
  fsync_.Submit(fd_, false);
  unsynced_ = false;
  last_fsync_ms_ = now;
}

void Aof::CloseFile() {
  if (fd_ < 0) return;
  Flush(true);
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  selected_db_ = -1;
}

std::string Aof::PersistManifest(const AofManifest& m) {
  const std::string dir = DirName();
  const std::string tmp = dir + "/temp-" + server_.settings().appendfilename + ".manifest";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return std::string("can't open the AOF manifest: ") + std::strerror(errno);
  bool ok = WriteAll(fd, m.Encode()) && fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (!ok || rename(tmp.c_str(), ManifestPath().c_str()) != 0) {
    if (ok) err = errno;
    unlink(tmp.c_str());
    return std::string("can't persist the AOF manifest: ") + std::strerror(err);
  }
  FsyncDir(dir);
  return "";
}

std::string Aof::OpenNewIncr(AofManifest* m) {
  AofManifest next = *m;
  AofManifest::File f;
  f.seq = next.incr_seq + 1;
  f.name = server_.settings().appendfilename + "." + std::to_string(f.seq) + ".incr.aof";
  f.type = 'i';
  const std::string path = DirName() + "/" + f.name;
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return "can't open the append-only file " + f.name + ": " + std::strerror(errno);
  next.incrs.push_back(f);
  next.incr_seq = f.seq;
  if (std::string e = PersistManifest(next); !e.empty()) {
    close(fd);
    unlink(path.c_str());
    return e;
  }
  *m = std::move(next);
  if (state_ == AofState::kOff) {
    close(fd);
    return "";
  }
  // Switch files: what is buffered belongs to the old one.
  if (fd_ >= 0) {
    Flush(false);
    fsync_.Submit(fd_, true);
  }
  fd_ = fd;
  selected_db_ = -1;
  unsynced_ = false;
  return "";
}

std::string Aof::CreateBaseNow(AofManifest* m) {
  AofManifest::File f;
  f.seq = m->base_seq + 1;
  const bool rdb = server_.settings().aof_use_rdb_preamble;
  f.name = server_.settings().appendfilename + "." + std::to_string(f.seq) +
           (rdb ? ".base.rdb" : ".base.aof");
  f.type = 'b';
  const std::string path = DirName() + "/" + f.name;
  std::string e = rdb ? SaveRdbFile(server_, Persistence::Of(server_).CurrentAux(), path)
                      : WriteCommandBase(server_, path);
  if (!e.empty()) return "can't create the AOF base file " + f.name + ": " + e;
  if (m->base) m->history.push_back({m->base->name, m->base->seq, 'h'});
  m->base = f;
  m->base_seq = f.seq;
  return "";
}

void Aof::UpdateSize() {
  const std::string dir = DirName() + "/";
  int64_t total = 0;
  if (manifest_.base) total += FileSize(dir + manifest_.base->name);
  for (const auto& f : manifest_.incrs) total += FileSize(dir + f.name);
  stats_.current_size = total;
}

std::string Aof::OpenOnStartup() {
  if (!server_.settings().appendonly) return "";
  const std::string dir = DirName();
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return "Can't open or create append-only dir " + dir + ": " + std::strerror(errno);
  }
  state_ = AofState::kOn;
  AofManifest m = manifest_;
  bool changed = false;
  if (!m.base && m.incrs.empty()) {
    if (std::string e = CreateBaseNow(&m); !e.empty()) return e;
    spdlog::info("Creating AOF base file {} on server start", m.base->name);
    changed = true;
  }
  if (m.incrs.empty()) {
    if (std::string e = OpenNewIncr(&m); !e.empty()) return e;
    spdlog::info("Creating AOF incr file {} on server start", m.incrs.back().name);
  } else {
    const std::string path = dir + "/" + m.incrs.back().name;
    int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) return "Can't open the append-only file " + path + ": " + std::strerror(errno);
    fd_ = fd;
    selected_db_ = -1;
    if (changed) {
      if (std::string e = PersistManifest(m); !e.empty()) return e;
    }
  }
  manifest_ = std::move(m);
  UpdateSize();
  stats_.base_size = stats_.current_size;
  return "";
}

bool Aof::rewrite_in_progress() const { return rewrite_running_; }

int64_t Aof::CurrentRewriteSeconds() const {
  if (!rewrite_running_) return -1;
  return (server_.NowMs() - rewrite_started_ms_) / 1000;
}

std::string Aof::StartRewrite() {
  if (rewrite_running_) return "a rewrite is already running";
  if (ChildProcess::Running() != ChildPurpose::kNone) return "another child process is running";
  const std::string dir = DirName();
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return "Can't open or create append-only dir " + dir + ": " + std::strerror(errno);
  }
  if (manifest_.incrs.empty() && !manifest_.base) {
    // Continue the sequence numbers of files left by an earlier run.
    std::string text;
    if (FILE* f = std::fopen(ManifestPath().c_str(), "rb")) {
      char chunk[4096];
      size_t n;
      while ((n = std::fread(chunk, 1, sizeof(chunk), f)) > 0) text.append(chunk, n);
      std::fclose(f);
      AofManifest old;
      if (AofManifest::Parse(text, &old).empty()) manifest_ = std::move(old);
    }
  }
  Flush(true);
  if (std::string e = OpenNewIncr(&manifest_); !e.empty()) {
    spdlog::warn("Can't open new incr AOF: {}", e);
    return e;
  }
  if (state_ != AofState::kOff) {
    spdlog::info("Creating AOF incr file {} on background rewrite", manifest_.incrs.back().name);
  }
  server::Server& server = server_;
  const bool rdb = server_.settings().aof_use_rdb_preamble;
  const ReplicationAux aux = Persistence::Of(server_).CurrentAux();
  server_.UpdateCachedTime();
  const int64_t started = server_.NowMs();
  std::string e = ChildProcess::Start(
      server_, ChildPurpose::kAof,
      [&server, dir, rdb, aux]() -> int {
        const std::string name = TempRewriteName(getpid());
        const std::string path = dir + "/" + name;
        std::string err = rdb ? SaveRdbFile(server, aux, path) : WriteCommandBase(server, path);
        if (!err.empty()) {
          spdlog::warn("Error writing the AOF base file {}: {}", name, err);
          return 1;
        }
        spdlog::info("Successfully created the temporary AOF base file {}", name);
        return 0;
      },
      [this, started](bool ok) { OnRewriteDone(ok, started); });
  if (!e.empty()) {
    spdlog::warn("Can't rewrite append only file in background: {}", e);
    stats_.last_rewrite_ok = false;
    return e;
  }
  rewrite_running_ = true;
  rewrite_child_ = ChildProcess::RunningPid();
  rewrite_started_ms_ = started;
  rewrite_scheduled = false;
  spdlog::info("Background append only file rewriting started by pid {}", rewrite_child_);
  return "";
}

void Aof::OnRewriteDone(bool ok, int64_t started_ms) {
  if (!rewrite_running_) return;
  rewrite_running_ = false;
  server_.UpdateCachedTime();
  stats_.last_rewrite_time_sec = (server_.NowMs() - started_ms) / 1000;
  const std::string dir = DirName();
  const std::string temp = TempRewriteName(rewrite_child_);
  const bool killed = ChildProcess::LastWasKilled();
  if (ok) {
    spdlog::info("Background AOF rewrite terminated with success");
    AofManifest m = manifest_;
    AofManifest::File base;
    base.seq = m.base_seq + 1;
    base.name = server_.settings().appendfilename + "." + std::to_string(base.seq) +
                (server_.settings().aof_use_rdb_preamble ? ".base.rdb" : ".base.aof");
    base.type = 'b';
    std::string err;
    if (rename((dir + "/" + temp).c_str(), (dir + "/" + base.name).c_str()) != 0) {
      err = std::string("rename: ") + std::strerror(errno);
    } else {
      spdlog::info("Successfully renamed the temporary AOF base file {} into {}", temp, base.name);
      if (m.base) m.history.push_back({m.base->name, m.base->seq, 'h'});
      // Every incremental file but the one opened when the rewrite started is history now.
      while (m.incrs.size() > 1) {
        AofManifest::File f = m.incrs.front();
        f.type = 'h';
        m.history.push_back(f);
        m.incrs.erase(m.incrs.begin());
      }
      m.base = base;
      m.base_seq = base.seq;
      err = PersistManifest(m);
      if (!err.empty()) unlink((dir + "/" + base.name).c_str());
    }
    if (err.empty()) {
      manifest_ = std::move(m);
      DeleteHistory();
      UpdateSize();
      stats_.base_size = stats_.current_size;
      stats_.last_rewrite_ok = true;
      stats_.consecutive_failures = 0;
      ++stats_.rewrites;
      if (state_ == AofState::kWaitRewrite) state_ = AofState::kOn;
      spdlog::info("Background AOF rewrite finished successfully");
      return;
    }
    spdlog::warn("Error installing the rewritten AOF: {}", err);
  } else if (killed) {
    spdlog::warn("Background AOF rewrite terminated by signal {}", SIGUSR1);
  } else {
    spdlog::warn("Background AOF rewrite terminated with error");
  }
  unlink((dir + "/" + temp).c_str());
  if (!killed) {
    stats_.last_rewrite_ok = false;
    ++stats_.consecutive_failures;
    if (state_ == AofState::kWaitRewrite) rewrite_scheduled = true;
  }
}

void Aof::AbortRewrite() {
  if (!rewrite_running_) return;
  rewrite_running_ = false;
  unlink((DirName() + "/" + TempRewriteName(rewrite_child_)).c_str());
}

void Aof::DeleteHistory() {
  if (manifest_.history.empty()) return;
  for (const auto& f : manifest_.history) {
    spdlog::info("Removing the history file {} in the background", f.name);
    unlink((DirName() + "/" + f.name).c_str());
  }
  manifest_.history.clear();
  (void)PersistManifest(manifest_);
}

std::string Aof::Enable() {
  const std::string dir = DirName();
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return "Can't open or create append-only dir " + dir + ": " + std::strerror(errno);
  }
  state_ = AofState::kWaitRewrite;
  if (ChildProcess::Running() != ChildPurpose::kNone) {
    rewrite_scheduled = true;
    spdlog::warn(
        "AOF was enabled but there is already another background operation. An AOF background "
        "was scheduled to start when possible.");
    return "";
  }
  if (std::string e = StartRewrite(); !e.empty()) {
    state_ = AofState::kOff;
    CloseFile();
    spdlog::warn(
        "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. "
        "Check the above logs for more info about the error.");
    return e;
  }
  return "";
}

void Aof::Disable() {
  if (state_ == AofState::kOff) return;
  CloseFile();
  if (rewrite_running_) {
    spdlog::warn("Killing running AOF rewrite child: {}", rewrite_child_);
    ChildProcess::Abandon();
    AbortRewrite();
  }
  state_ = AofState::kOff;
  rewrite_scheduled = false;
}

void Aof::Cron() {
  if (int e = fsync_.TakeError(); e != 0) {
    spdlog::warn("Error trying to fsync the AOF in the background: {}", std::strerror(e));
    stats_.last_write_ok = false;
    stats_.last_write_errno = e;
  }
  if (state_ != AofState::kOff) {
    if (!stats_.last_write_ok && !buf_.empty()) Flush(false);
    if (server_.settings().appendfsync == 1) MaybeBackgroundFsync();
  }
  if (ChildProcess::Running() != ChildPurpose::kNone) return;
  if (rewrite_scheduled) {
    (void)StartRewrite();
    return;
  }
  const config::Settings& s = server_.settings();
  if (state_ == AofState::kOn && s.auto_aof_rewrite_percentage > 0 &&
      stats_.current_size > s.auto_aof_rewrite_min_size) {
    const int64_t base = stats_.base_size > 0 ? stats_.base_size : 1;
    const int64_t growth = stats_.current_size * 100 / base - 100;
    if (growth >= s.auto_aof_rewrite_percentage) {
      spdlog::info("Starting automatic rewriting of AOF on {}% growth", growth);
      (void)StartRewrite();
    }
  }
}

}  // namespace baton::persistence
