// The append-only file, Redis 7 multi-part layout: in `dir`/`appenddirname`
// a manifest (`appendfilename`.manifest, lines `file <name> seq <n> type
// b|h|i`), one base file (an RDB, `.base.rdb`, when aof-use-rdb-preamble is
// yes, else commands, `.base.aof`) and incremental files (`.incr.aof`) of
// RESP-encoded effects.
//
// Writing: Aof is a server::EffectSink. Effects are RESP-encoded into a
// buffer (SELECT when the db changes); the buffer is written before the loop
// writes replies (Server::before_replies), so with appendfsync always an
// acknowledged write is on disk (write + fdatasync) before its reply leaves.
// everysec hands fdatasync to a background thread about once a second; no
// leaves it to the OS.
//
// Rewriting (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly yes):
// the parent opens a new incremental file and lists it in the manifest, a
// child writes the new base to a temporary file, and when it succeeds the
// parent renames it, replaces the manifest atomically (the old files become
// history) and deletes the old files.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "baton/server/server.h"

namespace baton::persistence {

// The manifest: which files make up the AOF, in order.
struct AofManifest {
  struct File {
    std::string name;
    int64_t seq = 0;
    char type = 'i';  // 'b' base, 'h' history, 'i' incremental
  };
  std::optional<File> base;
  std::vector<File> history;
  std::vector<File> incrs;
  int64_t base_seq = 0;  // highest base sequence used
  int64_t incr_seq = 0;  // highest incremental sequence used

  // Redis 7.0's text: base first, then history, then incrementals.
  [[nodiscard]] std::string Encode() const;
  // Parses a manifest. Returns "" or what is wrong.
  static std::string Parse(std::string_view text, AofManifest* out);
};

// Where the AOF stands (Redis's aof_state).
enum class AofState {
  kOff,          // appendonly no
  kOn,           // appending to the current incremental file
  kWaitRewrite,  // turned on at run time: the first rewrite has not finished
};

// What INFO persistence reports about the AOF.
struct AofStats {
  int64_t rewrites = 0;
  int64_t consecutive_failures = 0;
  bool last_rewrite_ok = true;
  int64_t last_rewrite_time_sec = -1;
  bool last_write_ok = true;
  int last_write_errno = 0;
  int64_t current_size = 0;  // base + incremental files
  int64_t base_size = 0;     // size after the last rewrite or load
  int64_t delayed_fsync = 0;
};

// Result of replaying one file of commands.
struct AofReplayResult {
  std::string error;        // "" when the file was read to its end
  bool truncated = false;   // the file ends in the middle of a command
  int64_t valid_bytes = 0;  // bytes of complete commands (where to truncate)
  int64_t commands = 0;
};

// Replays RESP commands from `path` into `server` through the command table
// with an in-process client; MULTI ... EXEC blocks run only once complete.
AofReplayResult ReplayAofCommands(server::Server& server, const std::string& path);

class Aof final : public server::EffectSink {
 public:
  explicit Aof(server::Server& server);
  ~Aof() override;
  Aof(const Aof&) = delete;
  Aof& operator=(const Aof&) = delete;

  // server::EffectSink
  void OnEffects(std::span<const server::Effect> effects) override;

  // Start-up: loads the AOF directory. *found is false when there is no
  // manifest. Returns "" or a fatal error.
  std::string Load(bool* found);
  // Start-up, after loading (appendonly yes): creates the directory, a base
  // and an incremental file and the manifest as needed; opens the last
  // incremental file for appending. Returns "" or a fatal error.
  std::string OpenOnStartup();

  // Writes the buffer to the file; fsyncs as appendfsync says (`force`:
  // fsync now, shutdown).
  void Flush(bool force);
  // Once per cron: background fsync (everysec), retries after write errors,
  // scheduled and automatic rewrites.
  void Cron();
  // BGREWRITEAOF. Returns "" or an error (logged).
  std::string StartRewrite();
  // CONFIG SET appendonly yes/no.
  std::string Enable();
  void Disable();
  // The child's done callback and shutdown: forget a running rewrite.
  void AbortRewrite();

  [[nodiscard]] AofState state() const { return state_; }
  [[nodiscard]] bool rewrite_in_progress() const;
  bool rewrite_scheduled = false;
  [[nodiscard]] int64_t CurrentRewriteSeconds() const;
  [[nodiscard]] AofStats& stats() { return stats_; }
  [[nodiscard]] size_t buffer_length() const { return buf_.size(); }
  [[nodiscard]] int pending_fsyncs() const { return fsync_.pending(); }
  [[nodiscard]] const AofManifest& manifest() const { return manifest_; }
  // The directory (appenddirname) and the manifest's file name.
  [[nodiscard]] std::string DirName() const;
  [[nodiscard]] std::string ManifestPath() const;

 private:
  // A thread that runs fdatasync (and closes retired files) off the loop.
  class FsyncThread {
   public:
    FsyncThread();
    ~FsyncThread();
    void Submit(int fd, bool close_after);
    [[nodiscard]] int pending() const { return pending_.load(); }
    // errno of the last failed background fsync (0: none since last asked).
    int TakeError() { return error_.exchange(0); }

   private:
    struct Job {
      int fd;
      bool close_after;
    };
    void Loop();
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    bool stop_ = false;
    std::atomic<int> pending_{0};
    std::atomic<int> error_{0};
    std::thread thread_;
  };

  std::string PersistManifest(const AofManifest& m);
  std::string OpenNewIncr(AofManifest* m);
  std::string CreateBaseNow(AofManifest* m);
  void OnRewriteDone(bool ok, int64_t started_ms);
  void MaybeBackgroundFsync();
  void DeleteHistory();
  void CloseFile();
  void UpdateSize();

  server::Server& server_;
  AofState state_ = AofState::kOff;
  AofManifest manifest_;
  int fd_ = -1;
  int selected_db_ = -1;
  std::string buf_;
  bool loading_ = false;
  int64_t last_fsync_ms_ = 0;
  bool unsynced_ = false;  // written since the last fsync
  pid_t rewrite_child_ = -1;
  int64_t rewrite_started_ms_ = -1;
  bool rewrite_running_ = false;
  AofStats stats_;
  FsyncThread fsync_;
};

}  // namespace baton::persistence
