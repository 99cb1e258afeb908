#include "baton/persistence/snapshot.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "baton/persistence/aof.h"
#include "baton/persistence/child.h"
#include "baton/server/errors.h"

namespace baton::persistence {
namespace {

// Like Redis: after a failed BGSAVE, save points wait this long before trying again.
constexpr int64_t kBgsaveRetryDelaySec = 5;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Persistence::Persistence(server::Server& server)
    : server_(server), aof_(std::make_unique<Aof>(server)) {
  rdb_.last_save_time_s = server.start_time_ms() / 1000;
}

Persistence::~Persistence() {
  server_.RemoveEffectSink(aof_.get());
  server_.before_replies = nullptr;
  server_.save_on_shutdown = nullptr;
  server_.prepare_shutdown = nullptr;
  server_.dispatcher().SetDiskErrorCheck(nullptr);
  // A child still running belongs to this server: stop it and wait.
  if (ChildProcess::Running() != ChildPurpose::kNone) ChildProcess::Abandon();
  aof_->Flush(true);
}

void Persistence::Install(server::Server& server) {
  auto owned = std::make_unique<Persistence>(server);
  Persistence* p = owned.get();
  server.persistence_state = std::move(owned);
  server.AddEffectSink(p->aof_.get());
  server.AddCronTask([p] { p->Cron(); });
  server.before_replies = [p] { p->aof_->Flush(false); };
  server.save_on_shutdown = [p] { return p->SaveOnShutdown(); };
  server.prepare_shutdown = [p] { p->PrepareShutdown(); };
  server.dispatcher().SetDiskErrorCheck([p] { return p->DiskError(); });
  server.config().SetApplyHook("appendonly", [p]() -> std::string {
    bool want = p->server_.settings().appendonly;
    if (want && p->aof_->state() == AofState::kOff) return p->aof_->Enable();
    if (!want && p->aof_->state() != AofState::kOff) p->aof_->Disable();
    return "";
  });
}

Persistence& Persistence::Of(server::Server& server) {
  return *static_cast<Persistence*>(server.persistence_state.get());
}

ReplicationAux Persistence::CurrentAux() const {
  ReplicationAux aux;
  const server::ReplicationRole& role = server_.role();
  aux.replid = role.replid;
  aux.repl_offset = role.master_repl_offset;
  aux.repl_stream_db = 0;
  return aux;
}

std::string Persistence::LoadAtStartup() {
  const config::Settings& s = server_.settings();
  if (s.appendonly) {
    bool found = false;
    const auto start = std::chrono::steady_clock::now();
    server_.dispatcher().loading = true;
    std::string e = aof_->Load(&found);
    server_.dispatcher().loading = false;
    if (!e.empty()) return e;
    if (found) spdlog::info("DB loaded from append only file: {:.3f} seconds", SecondsSince(start));
    server_.set_dirty(0);
    return aof_->OpenOnStartup();
  }
  struct stat st {};
  if (stat(s.dbfilename.c_str(), &st) != 0) {
    if (errno == ENOENT) return "";
    return "Fatal error loading the DB: " + std::string(std::strerror(errno)) + ". Exiting.";
  }
  const auto start = std::chrono::steady_clock::now();
  server_.dispatcher().loading = true;
  LoadResult r = LoadRdbFile(server_, s.dbfilename);
  server_.dispatcher().loading = false;
  if (!r.error.empty()) {
    return "Fatal error loading the DB " + s.dbfilename + ": " + r.error +
           ". The file was left untouched. Exiting.";
  }
  rdb_.last_load_keys_loaded = r.keys_loaded;
  rdb_.last_load_keys_expired = r.expired_skipped;
  spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", r.keys_loaded,
               r.expired_skipped);
  spdlog::info("DB loaded from disk: {:.3f} seconds", SecondsSince(start));
  server_.set_dirty(0);
  return "";
}

std::string Persistence::SaveNow() {
  const std::string& path = server_.settings().dbfilename;
  std::string e = SaveRdbFile(server_, CurrentAux(), path);
  if (!e.empty()) {
    spdlog::warn("Failed saving the DB: {}", e);
    return e;
  }
  spdlog::info("DB saved on disk");
  server_.set_dirty(0);
  server_.UpdateCachedTime();
  rdb_.last_save_time_s = server_.NowMs() / 1000;
  rdb_.last_bgsave_ok = true;
  ++rdb_.saves;
  return "";
}

std::string Persistence::StartBackgroundSave() {
  server::Server& server = server_;
  const std::string path = server_.settings().dbfilename;
  const ReplicationAux aux = CurrentAux();
  const int64_t dirty_at_fork = server_.dirty();
  server_.UpdateCachedTime();
  const int64_t started_ms = server_.NowMs();
  rdb_.last_bgsave_try_s = started_ms / 1000;
  std::string e = ChildProcess::Start(
      server_, ChildPurpose::kRdb,
      [&server, path, aux]() -> int {
        std::string err = SaveRdbFile(server, aux, path);
        if (!err.empty()) {
          spdlog::warn("Write error saving DB on disk: {}", err);
          return 1;
        }
        spdlog::info("DB saved on disk");
        return 0;
      },
      [this, dirty_at_fork, started_ms](bool ok) { OnBgsaveDone(ok, dirty_at_fork, started_ms); });
  if (!e.empty()) {
    rdb_.last_bgsave_ok = false;
    spdlog::warn("Can't save in background: {}", e);
    return e;
  }
  spdlog::info("Background saving started by pid {}", ChildProcess::RunningPid());
  rdb_.bgsave_scheduled = false;
  return "";
}

void Persistence::OnBgsaveDone(bool ok, int64_t dirty_at_fork, int64_t started_ms) {
  server_.UpdateCachedTime();
  const int64_t now = server_.NowMs();
  if (ok) {
    spdlog::info("Background saving terminated with success");
    server_.set_dirty(server_.dirty() - dirty_at_fork);
    rdb_.last_save_time_s = now / 1000;
    rdb_.last_bgsave_ok = true;
    ++rdb_.saves;
  } else if (ChildProcess::LastWasKilled()) {
    // Killed on purpose (SIGUSR1): not an error, as in Redis.
    spdlog::warn("Background saving terminated by signal {}", SIGUSR1);
  } else {
    spdlog::warn("Background saving error");
    rdb_.last_bgsave_ok = false;
  }
  rdb_.last_bgsave_time_sec = (now - started_ms) / 1000;
}

bool Persistence::BgsaveInProgress() const { return ChildProcess::Running() == ChildPurpose::kRdb; }

int64_t Persistence::CurrentBgsaveSeconds() const {
  if (!BgsaveInProgress()) return -1;
  return ChildProcess::RunningForMs() / 1000;
}

std::string Persistence::Reload(bool save, bool flush) {
  const std::string& path = server_.settings().dbfilename;
  if (save) {
    if (std::string e = SaveRdbFile(server_, CurrentAux(), path); !e.empty()) {
      spdlog::warn("Failed saving the DB: {}", e);
      return e;
    }
  }
  if (flush) server_.FlushAll();
  server_.dispatcher().loading = true;
  LoadResult r = LoadRdbFile(server_, path);
  server_.dispatcher().loading = false;
  if (!r.error.empty()) {
    spdlog::warn("Error trying to load the RDB dump: {}", r.error);
    return r.error;
  }
  spdlog::warn("DB reloaded by DEBUG RELOAD");
  return "";
}

std::string Persistence::DiskError() const {
  const config::Settings& s = server_.settings();
  if (server_.role().is_replica) return "";
  if (s.stop_writes_on_bgsave_error && !s.save.empty() && !rdb_.last_bgsave_ok) {
    return std::string(server::err::kMisconfRdb);
  }
  if (aof_->state() != AofState::kOff && !aof_->stats().last_write_ok) {
    return std::string(server::err::kMisconfAofPrefix) +
           std::strerror(aof_->stats().last_write_errno);
  }
  return "";
}

void Persistence::Cron() {
  ChildProcess::Poll();
  aof_->Cron();
  if (ChildProcess::Running() != ChildPurpose::kNone) return;
  const config::Settings& s = server_.settings();
  const int64_t now_s = server_.NowMs() / 1000;
  for (const config::SavePoint& sp : s.save) {
    if (server_.dirty() >= sp.changes && now_s - rdb_.last_save_time_s > sp.seconds &&
        (now_s - rdb_.last_bgsave_try_s > kBgsaveRetryDelaySec || rdb_.last_bgsave_ok)) {
      spdlog::info("{} changes in {} seconds. Saving...", sp.changes, sp.seconds);
      (void)StartBackgroundSave();
      return;
    }
  }
  if (rdb_.bgsave_scheduled) (void)StartBackgroundSave();
}

void Persistence::PrepareShutdown() {
  switch (ChildProcess::Running()) {
    case ChildPurpose::kNone:
      break;
    case ChildPurpose::kRdb:
      spdlog::warn("There is a child saving an .rdb. Killing it!");
      ChildProcess::Abandon();
      break;
    case ChildPurpose::kAof:
      spdlog::warn("There is a child rewriting the AOF. Killing it!");
      ChildProcess::Abandon();
      aof_->AbortRewrite();
      break;
    case ChildPurpose::kReplication:
      ChildProcess::Abandon();
      break;
  }
  if (aof_->state() != AofState::kOff) {
    spdlog::info("Calling fsync() on the AOF file.");
    aof_->Flush(true);
  }
}

std::string Persistence::SaveOnShutdown() { return SaveNow(); }

}  // namespace baton::persistence
