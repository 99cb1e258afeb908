// The Server: the loop, the clients, the databases, the configuration and the
// command table. Everything that touches the dataset runs on its one thread.
// Passed by reference to whoever needs it; there is no global instance.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "baton/config/config.h"
#include "baton/net/listener.h"
#include "baton/server/client.h"
#include "baton/server/command_table.h"
#include "baton/server/dispatcher.h"
#include "baton/server/eviction.h"
#include "baton/server/pubsub_registry.h"
#include "baton/server/stats.h"
#include "baton/store/database.h"
#include "baton/switchover/pause.h"

namespace baton::server {

// Receives the effects of write commands (replication stream, AOF).
struct Effect {
  int db;
  std::vector<std::string> args;
  // For replicas only, never the AOF: PUBLISH/SPUBLISH, so that subscribers
  // of replicas hear messages (Redis propagates them the same way).
  bool replicas_only = false;
};
class EffectSink {
 public:
  virtual ~EffectSink() = default;
  // One top-level command's effects, already wrapped in MULTI/EXEC when several.
  virtual void OnEffects(std::span<const Effect> effects) = 0;
};

// Replication role as other modules see it. The replication module fills it.
struct ReplicationRole {
  bool is_replica = false;
  std::string master_host;  // as given to REPLICAOF
  int master_port = 0;
  bool master_link_up = false;
  std::string replid;  // 40 hex characters
  std::string replid2 = "0000000000000000000000000000000000000000";
  int64_t master_repl_offset = 0;
  int64_t second_replid_offset = -1;
};

class Server final : public store::KeyspaceListener {
 public:
  // Builds the server from a loaded configuration. Does not bind anything yet.
  explicit Server(config::Config config, uv_loop_t* loop = nullptr);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds listeners and starts timers. Returns "" or an error message.
  std::string Start();
  // Runs the loop until shutdown. Returns the process exit code.
  int Run();
  // Asks the loop to stop after the current iteration (used by SHUTDOWN, signals).
  void StopLoop();

  uv_loop_t* loop() { return loop_; }
  config::Config& config() { return config_; }
  [[nodiscard]] const config::Settings& settings() const { return config_.settings(); }
  CommandTable& commands() { return commands_; }
  Dispatcher& dispatcher() { return dispatcher_; }
  Evictor& evictor() { return evictor_; }
  ServerStats& stats() { return stats_; }
  SlowLog& slowlog() { return slowlog_; }
  switchover::PauseManager& pauses() { return pauses_; }
  ReplicationRole& role() { return role_; }
  [[nodiscard]] int BoundPort() const { return bound_port_; }
  // CONFIG SET port/bind: closes the TCP listeners and listens as configured
  // now (src/server/rebind.cc). Returns "" or an error, after which nothing
  // listens on TCP until the caller restores the old settings and calls it
  // again. A no-op before Start().
  std::string RebindTcp();

  // Databases
  [[nodiscard]] int db_count() const { return static_cast<int>(dbs_.size()); }
  store::Database& db(int index) { return *dbs_[static_cast<size_t>(index)]; }

  // Clients
  Client* AddClient(net::Connection* conn);  // nullptr conn: an in-process client
  // Removes and frees a client (its connection, if any, is already closing).
  void RemoveClient(Client* client);
  Client* FindClient(uint64_t id);
  template <typename Fn>
  void ForEachClient(Fn&& fn) {
    for (auto& [id, c] : clients_) fn(*c);
  }
  [[nodiscard]] size_t client_count() const { return clients_.size(); }
  // Called when a client goes away (blocking, pub/sub, WATCH clean up here).
  using ClientHook = std::function<void(Client&)>;
  void AddClientClosedHook(ClientHook hook) { client_closed_hooks_.push_back(std::move(hook)); }
  // RESET and client teardown: modules clear their per-client state here
  // (MULTI/WATCH, subscriptions, blocking).
  void AddClientResetHook(ClientHook hook) { client_reset_hooks_.push_back(std::move(hook)); }
  void ResetClientState(Client& client) {
    for (auto& hook : client_reset_hooks_) hook(client);
  }
  // Closes clients whose output exceeds client-output-buffer-limit.
  void CheckOutputLimits(Client& client);
  // Queues a client whose output should be written before the loop sleeps.
  void MarkPendingWrite(Client& client);
  // Clients postponed by a pause, in arrival order.
  void AddPostponed(Client& client);
  // Re-runs postponed commands after a pause became less restrictive.
  void ResumePostponed();
  std::vector<Client*>& monitors() { return monitors_; }

  // Time, cached per command so one command sees one clock.
  [[nodiscard]] int64_t NowMs() const override { return now_ms_; }
  [[nodiscard]] int64_t NowUs() const { return now_us_; }
  void UpdateCachedTime();
  // Shifts the server's clock (unit tests of expiry). Cumulative.
  void AdvanceClockForTesting(int64_t ms) {
    clock_offset_ms_ += ms;
    UpdateCachedTime();
  }
  [[nodiscard]] int64_t start_time_ms() const { return start_time_ms_; }

  // store::KeyspaceListener
  [[nodiscard]] bool ExpiryMayDelete() const override;
  void OnKeyExpired(store::Database& db, std::string_view key) override;
  void OnKeyModified(store::Database& db, std::string_view key) override;
  // maxmemory-policy is allkeys-lfu or volatile-lfu.
  [[nodiscard]] bool LfuEnabled() const override {
    return config::IsLfuPolicy(settings().maxmemory_policy);
  }
  [[nodiscard]] int64_t LfuLogFactor() const override { return settings().lfu_log_factor; }
  [[nodiscard]] int64_t LfuDecayMinutes() const override { return settings().lfu_decay_time; }
  // Called whenever a key changes (WATCH and client tracking register here).
  using KeyModifiedHook = std::function<void(int db, std::string_view key)>;
  void AddKeyModifiedHook(KeyModifiedHook hook) { key_modified_hooks_.push_back(std::move(hook)); }

  // Effects of write commands, delivered once per top-level command.
  void AddEffectSink(EffectSink* sink) { sinks_.push_back(sink); }
  void RemoveEffectSink(EffectSink* sink) { std::erase(sinks_, sink); }
  [[nodiscard]] bool HasEffectSinks() const { return !sinks_.empty(); }
  void EmitEffects(std::span<const Effect> effects);
  // Increments the dirty counter (changes since the last save).
  void AddDirty(int64_t n) { dirty_ += n; }
  [[nodiscard]] int64_t dirty() const { return dirty_; }
  void set_dirty(int64_t d) { dirty_ = d; }

  // Periodic work registered by modules; runs `hz` times per second.
  void AddCronTask(std::function<void()> task) { cron_tasks_.push_back(std::move(task)); }
  // Work to do just before the loop waits for I/O.
  void AddBeforeSleepTask(std::function<void()> task) {
    before_sleep_tasks_.push_back(std::move(task));
  }
  // Runs after every before-sleep task and before any reply is written: the
  // AOF is written (and fsynced with appendfsync always) here, so a reply
  // never acknowledges a write that is not yet in the AOF.
  std::function<void()> before_replies;

  // Shutdown: saves (when configured) and stops the loop. Returns "" when the
  // server will exit, or the error that prevents it.
  struct ShutdownOptions {
    bool nosave = false;
    bool save = false;
    bool now = false;
    bool force = false;
  };
  std::string Shutdown(const ShutdownOptions& options);
  // Persistence module hook: save before exit. Returns "" or an error.
  std::function<std::string()> save_on_shutdown;
  // Persistence module hook: runs first on every shutdown (flushes the AOF,
  // stops a forked child).
  std::function<void()> prepare_shutdown;
  [[nodiscard]] bool shutting_down() const { return shutting_down_; }

  // Flushes every database (FLUSHALL) and notifies WATCHers of each key.
  void FlushAll();

  // Runs the cron's active expiry cycle once now (unit tests).
  void ActiveExpireCycleForTesting() { ActiveExpireCycle(); }

  // Active expiry on/off (DEBUG SET-ACTIVE-EXPIRE).
  bool active_expire_enabled = true;
  // Used memory as reported by the allocator (bytes): a full count over every
  // thread (jemalloc's statistics, refreshed: microseconds). The cron calls
  // it every tick.
  [[nodiscard]] size_t UsedMemory() const;
  // The same, cheap enough for every write (the maxmemory check): the last
  // full count plus what this thread allocated and freed since (jemalloc's
  // per-thread totals); other threads' allocations show from the next full
  // count on. Without jemalloc it is UsedMemory().
  [[nodiscard]] size_t UsedMemoryFast() const;
  // Memory that maxmemory does not count: replicas' output buffers (what
  // eviction frees must not be eaten by propagating the evictions).
  [[nodiscard]] size_t MemoryNotCountedForEviction();
  // Peak used memory seen by the cron.
  size_t peak_memory = 0;
  // The executable path and config file, for INFO.
  std::string executable;
  // The allocator name baked in at build time (INFO mem_allocator).
  std::string allocator_name = "libc";
  // A replication-id generator and the run id (40 hex chars).
  [[nodiscard]] const std::string& run_id() const { return run_id_; }

  // Pub/sub subscriptions: channel, pattern and shard channel -> clients.
  PubsubRegistry& pubsub() { return pubsub_; }
  // Per-server state of a command module (the WATCH index), kept alive here.
  struct ModuleState {
    virtual ~ModuleState() = default;
  };
  std::unique_ptr<ModuleState> watch_state;
  // Blocked clients and ready keys (server/blocking.cc).
  std::unique_ptr<ModuleState> blocking_state;
  // Snapshots and AOF (src/persistence/); torn down first in ~Server.
  std::unique_ptr<ModuleState> persistence_state;
  // Replication (src/replication/); torn down early in ~Server (libuv handles).
  std::unique_ptr<ModuleState> replication_state;
  // The FAILOVER state machine (src/switchover/failover.cc); torn down first.
  std::unique_ptr<ModuleState> switchover_state;

 private:
  PubsubRegistry pubsub_;
  void OnAccept(net::Connection* conn);
  void Cron();
  void BeforeSleep();
  void ActiveExpireCycle();
  void CheckClientTimeouts();
  void FreeClosedClients();
  std::string BindListeners();
  static void OnCronTimer(uv_timer_t* timer);
  static void OnPrepare(uv_prepare_t* prepare);
  static void OnSignal(uv_signal_t* handle, int signum);

  config::Config config_;
  uv_loop_t* loop_;
  bool own_loop_ = false;
  CommandTable commands_;
  Dispatcher dispatcher_;
  Evictor evictor_{*this};
  ServerStats stats_;
  SlowLog slowlog_;
  switchover::PauseManager pauses_;
  ReplicationRole role_;
  std::vector<std::unique_ptr<store::Database>> dbs_;
  std::unique_ptr<net::Listener> listener_;
  int bound_port_ = 0;

  std::map<uint64_t, std::unique_ptr<Client>> clients_;
  uint64_t next_client_id_ = 1;
  std::vector<Client*> pending_write_;
  std::vector<Client*> closed_clients_;
  std::deque<uint64_t> postponed_;
  std::vector<Client*> monitors_;

  std::vector<KeyModifiedHook> key_modified_hooks_;
  std::vector<ClientHook> client_closed_hooks_;
  std::vector<ClientHook> client_reset_hooks_;
  std::vector<EffectSink*> sinks_;
  std::vector<std::function<void()>> cron_tasks_;
  std::vector<std::function<void()>> before_sleep_tasks_;
  int64_t dirty_ = 0;

  int64_t now_ms_ = 0;
  int64_t clock_offset_ms_ = 0;
  int64_t now_us_ = 0;
  int64_t start_time_ms_ = 0;
  std::string run_id_;
  bool shutting_down_ = false;
  int active_expire_db_ = 0;
  // UsedMemoryFast()'s baseline: the last full count, the counting thread's
  // totals (an opaque identity) and its net allocated bytes at that moment.
  mutable size_t used_memory_base_ = 0;
  mutable const void* base_thread_totals_ = nullptr;
  mutable uint64_t thread_net_at_base_ = 0;
  uv_timer_t cron_timer_{};
  uv_prepare_t prepare_{};
  uv_signal_t sigterm_{};
  uv_signal_t sigint_{};
  bool handles_started_ = false;
};

}  // namespace baton::server
