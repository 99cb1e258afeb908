// Snapshots: SAVE, BGSAVE, save points, LASTSAVE, load at start-up, save on
// shutdown, DEBUG RELOAD and stop-writes-on-bgsave-error. The RDB bytes come
// from rdb.h; forks go through ChildProcess. One Persistence object per
// Server (Server::persistence_state), created by Install(); it also owns the
// AOF (aof.h).
//
// Paths are relative to the working directory: like Redis, the server
// chdir()s to `dir` at start-up and on CONFIG SET dir.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "baton/persistence/rdb.h"
#include "baton/server/server.h"

namespace baton::persistence {

class Aof;

// What INFO persistence reports about snapshots.
struct RdbStats {
  int64_t last_save_time_s = 0;       // LASTSAVE / rdb_last_save_time
  bool last_bgsave_ok = true;         // rdb_last_bgsave_status
  int64_t last_bgsave_try_s = 0;      // when the last BGSAVE attempt started
  int64_t last_bgsave_time_sec = -1;  // rdb_last_bgsave_time_sec
  int64_t saves = 0;                  // rdb_saves
  int64_t last_load_keys_loaded = 0;
  int64_t last_load_keys_expired = 0;
  bool bgsave_scheduled = false;  // BGSAVE SCHEDULE waiting for the other child
};

class Persistence final : public server::Server::ModuleState {
 public:
  explicit Persistence(server::Server& server);
  ~Persistence() override;
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  // Creates the server's Persistence and hooks it in (cron, shutdown, the
  // disk-error gate check, config apply hooks, the AOF effect sink).
  static void Install(server::Server& server);
  // The server's Persistence (Install() must have run).
  static Persistence& Of(server::Server& server);

  // Loads the dataset at start-up, before listening: the AOF when appendonly
  // is yes, else `dbfilename` if it exists; then opens the AOF for writing.
  // Returns "" or a fatal error (the caller logs it and exits non-zero; the
  // files are left untouched).
  std::string LoadAtStartup();

  // SAVE: a synchronous save of dbfilename. Returns "" or an error (logged).
  std::string SaveNow();
  // BGSAVE: forks a child writing dbfilename. Returns "" or an error.
  std::string StartBackgroundSave();
  // Whether a BGSAVE child is running.
  [[nodiscard]] bool BgsaveInProgress() const;
  // DEBUG RELOAD: save (unless !save), empty (unless !flush) and load back.
  std::string Reload(bool save, bool flush);
  // -MISCONF text when writes must be refused, else "".
  [[nodiscard]] std::string DiskError() const;

  [[nodiscard]] RdbStats& rdb() { return rdb_; }
  [[nodiscard]] const RdbStats& rdb() const { return rdb_; }
  // Seconds the running BGSAVE has taken so far (-1 when none).
  [[nodiscard]] int64_t CurrentBgsaveSeconds() const;
  Aof& aof() { return *aof_; }

  // The AUX fields written with every RDB (replication id and offset).
  [[nodiscard]] ReplicationAux CurrentAux() const;

 private:
  void Cron();
  void PrepareShutdown();
  std::string SaveOnShutdown();
  void OnBgsaveDone(bool ok, int64_t dirty_at_fork, int64_t started_ms);

  server::Server& server_;
  RdbStats rdb_;
  std::unique_ptr<Aof> aof_;
};

}  // namespace baton::persistence
