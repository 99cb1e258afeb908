// Replication (PSYNC2), both sides, interoperable with Redis 7.0.
//
// One `Replication` object per Server (Server::replication_state, created by
// Install()). It owns:
//   - the replication id pair and the master offset (mirrored into
//     Server::role() for INFO, the gate and the switchover);
//   - the backlog (created when the first replica attaches, freed after
//     repl-backlog-ttl seconds without replicas while this node is a master);
//   - `ReplicaLinks`: the replicas attached to this node (master side), each a
//     `ReplicaSession` hung on its Client (Client::replication_state);
//   - `MasterLink`: this node's own link to its master (replica side), an
//     explicit handshake state machine over a raw libuv TCP handle.
//
// The stream. On a master, an EffectSink RESP-encodes each command's effects
// (SELECT when the db changes) and feeds them to the backlog and every
// replica. On a replica, what the master sends is applied through the
// Dispatcher as the master client and the same bytes are forwarded verbatim
// to sub-replicas (chains), so offsets agree along the chain.
//
// Events, for a FAILOVER state machine (switchover/) to subscribe to:
//   OnAck(fn)        a replica acknowledged an offset (REPLCONF ACK);
//   OnLinkState(fn)  the master link changed state (see LinkState);
//   OnReplicaOnline  a replica finished its sync and receives the stream.
// Actions it may call: RequestAcks() (REPLCONF GETACK * to every replica at
// once), ReplicaOf()/BecomeMaster(), ShiftReplicationId(), and
// set_psync_suffix() to append " FAILOVER" to the next PSYNC.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "baton/replication/backlog.h"
#include "baton/server/client.h"
#include "baton/server/server.h"

namespace baton::replication {

// Master side: where one attached replica stands.
enum class ReplicaState {
  kHandshake,        // sent REPLCONF, no SYNC/PSYNC yet (not counted as a replica)
  kWaitBgsaveStart,  // needs a full sync; waits for a fork (diskless delay, another child)
  kWaitBgsaveEnd,    // +FULLRESYNC sent, the child is producing the RDB; stream buffered
  kSendBulk,         // disk sync: the RDB file is being written to the socket
  kWaitAck,          // diskless sync sent; online at the replica's first REPLCONF ACK
  kOnline,           // receives the stream
};

// Master side: one replica, stored in its Client's replication_state.
class ReplicaSession : public server::Client::Extension {
 public:
  ReplicaState state = ReplicaState::kHandshake;
  int64_t listening_port = 0;
  std::string announced_ip;   // REPLCONF ip-address
  bool capa_eof = false;      // understands $EOF:<mark> (diskless)
  bool capa_psync2 = false;   // understands +CONTINUE <replid>
  int64_t ack_offset = 0;     // last REPLCONF ACK
  int64_t ack_time_ms = 0;    // when it arrived (lag)
  int64_t sync_offset = 0;    // the offset the full sync's RDB stands for
  int64_t wait_since_ms = 0;  // entered kWaitBgsaveStart
  bool diskless = false;      // its RDB goes through the child's socket writes
  std::string pending;        // stream held back until the RDB is delivered
  int rdb_fd = -1;            // kSendBulk: the RDB file and how far it went
  int64_t rdb_size = 0;
  int64_t rdb_sent = 0;
  bool pre_psync = false;  // old SYNC: no +FULLRESYNC line
  ~ReplicaSession() override;
};

// Replica side: the master link's state machine (ROLE / INFO names).
enum class LinkState {
  kNone,          // not a replica
  kConnect,       // must (re)connect; the cron retries once a second
  kConnecting,    // TCP connect in flight
  kReceivePong,   // PING sent, waiting for +PONG (or -NOAUTH)
  kReceiveAuth,   // AUTH sent (masterauth)
  kReceivePort,   // REPLCONF listening-port sent
  kReceiveIp,     // REPLCONF ip-address sent (replica-announce-ip)
  kReceiveCapa,   // REPLCONF capa eof capa psync2 sent
  kReceivePsync,  // PSYNC sent, waiting for +FULLRESYNC / +CONTINUE
  kTransfer,      // receiving the RDB payload
  kConnected,     // applying the stream
};
const char* LinkStateName(LinkState s);  // "connect", "handshake", "sync", "connected"...

class Replication;

// Replica side: the link to our master.
class MasterLink {
 public:
  explicit MasterLink(Replication& repl) : repl_(repl) {}
  ~MasterLink();
  MasterLink(const MasterLink&) = delete;
  MasterLink& operator=(const MasterLink&) = delete;

  // Starts (or restarts) connecting to host:port.
  void Connect();
  // Drops the connection (keeps the cached master state for a PSYNC).
  void Drop(const char* why);
  // Periodic checks: reconnect, timeouts, the once-a-second ACK.
  void Cron();
  // Sends REPLCONF ACK <offset> now.
  void SendAck();

  [[nodiscard]] LinkState state() const { return state_; }
  [[nodiscard]] server::Client* master_client() const;
  [[nodiscard]] int64_t last_io_ms() const { return last_io_ms_; }
  [[nodiscard]] int64_t down_since_ms() const { return down_since_ms_; }
  [[nodiscard]] int64_t transfer_size() const { return transfer_size_; }
  [[nodiscard]] int64_t transfer_read() const { return transfer_read_; }
  [[nodiscard]] int64_t read_offset() const { return read_offset_; }
  [[nodiscard]] uint64_t master_client_id() const { return master_client_id_; }
  // Whether an applied offset exists (a master client, live or cached).
  [[nodiscard]] bool has_offset() const { return master_client_id_ != 0 || have_cached_master_; }
  // A master turned replica: its own history is what PSYNC offers.
  void CacheMyself();
  // REPLICAOF NO ONE: no cached master any more.
  void Forget();

 private:
  struct Handle;  // the uv_tcp_t and its buffers, freed in the close callback
  friend struct Handle;
  void SetState(LinkState s);
  void OnConnected(int status);
  void OnData(std::string_view data);
  void Send(std::string data);
  bool HandleHandshakeLine(std::string_view line);
  void SendHandshake();
  void SendPsync();
  bool HandlePsyncReply(std::string_view line);
  // Returns bytes of `data` consumed by the RDB payload.
  size_t ReceivePayload(std::string_view data);
  void FinishTransfer();
  void ApplyStream(std::string_view data);
  void CreateMasterClient(int db);
  void Fail(const std::string& why);

  Replication& repl_;
  LinkState state_ = LinkState::kNone;
  Handle* handle_ = nullptr;
  std::string inbuf_;
  int64_t state_since_ms_ = 0;
  int64_t last_io_ms_ = 0;
  int64_t down_since_ms_ = 0;  // 0: never up
  int64_t last_ack_ms_ = 0;
  int64_t last_connect_try_ms_ = 0;
  // Transfer
  std::string fullsync_replid_;
  int64_t fullsync_offset_ = 0;
  bool payload_started_ = false;
  std::string eof_mark_;  // diskless: the 40-byte end mark
  int64_t transfer_size_ = -1;
  int64_t transfer_read_ = 0;
  std::string tail_;  // diskless: last bytes seen, to find the mark
  int temp_fd_ = -1;
  std::string temp_path_;
  // Stream
  uint64_t master_client_id_ = 0;
  int cached_db_ = 0;
  bool have_cached_master_ = false;
  std::string applied_;  // bytes of commands applied but not yet counted (inside MULTI)
  std::string partial_;  // bytes of a request not yet complete
  int64_t read_offset_ = 0;
};

class Replication : public server::Server::ModuleState, public server::EffectSink {
 public:
  explicit Replication(server::Server& server);
  ~Replication() override;

  static Replication& Get(server::Server& server);

  server::Server& server() { return server_; }
  server::ReplicationRole& role() { return server_.role(); }

  // server::EffectSink
  void OnEffects(std::span<const server::Effect> effects) override;
  // Appends raw stream bytes: backlog, offset, every replica.
  void Feed(std::string_view bytes);

  // --- Master side -------------------------------------------------------
  // SYNC / PSYNC from `client`. `replid` "?" and offset -1 ask for a full sync.
  void HandleSync(server::Client& client, std::string_view replid, int64_t offset, bool psync);
  ReplicaSession& Session(server::Client& client);
  void OnReplicaAck(server::Client& client, int64_t offset);
  // Sends REPLCONF GETACK * to every online replica before the loop sleeps.
  void RequestAcks() { getack_pending_ = true; }
  // Replicas whose ACK is at least `offset`.
  [[nodiscard]] int CountAcked(int64_t offset);
  // Replicas online with a lag of at most min-replicas-max-lag.
  [[nodiscard]] int GoodReplicas();
  template <typename Fn>
  void ForEachReplica(Fn&& fn) {
    // A copy: `fn` may close clients (the list shrinks in the closed hook).
    const std::vector<uint64_t> ids = replica_ids_;
    for (uint64_t id : ids) {
      server::Client* c = server_.FindClient(id);
      if (c == nullptr || !c->Has(server::kClientReplica) || !c->replication_state) continue;
      fn(*c, static_cast<ReplicaSession&>(*c->replication_state));
    }
  }
  Backlog* backlog() { return backlog_.get(); }
  // Disconnects every replica (their history no longer matches).
  void DisconnectReplicas();
  // A new replid and no replid2 (a new history).
  void NewReplicationId();

  // --- Both --------------------------------------------------------------
  // REPLICAOF host port: becomes (or re-targets) a replica.
  void ReplicaOf(const std::string& host, int port);
  // REPLICAOF NO ONE: promotion; shifts the replication id.
  void BecomeMaster();
  // replid2 = replid, second_replid_offset = offset + 1, a new replid.
  void ShiftReplicationId();
  MasterLink& link() { return link_; }
  // The WAIT command's blocked clients.
  void BlockForAcks(server::Client& client, int64_t offset, int64_t numreplicas,
                    int64_t deadline_ms);

  // Events (see the file comment).
  using AckListener = std::function<void(server::Client& replica, int64_t offset)>;
  using LinkListener = std::function<void(LinkState state)>;
  using ReplicaListener = std::function<void(server::Client& replica)>;
  void OnAck(AckListener fn) { ack_listeners_.push_back(std::move(fn)); }
  void OnLinkState(LinkListener fn) { link_listeners_.push_back(std::move(fn)); }
  void OnReplicaOnline(ReplicaListener fn) { online_listeners_.push_back(std::move(fn)); }
  void EmitLinkState(LinkState s) {
    for (auto& fn : link_listeners_) fn(s);
  }
  // INFO master_failover_state (the switchover module may set it).
  std::function<std::string()> failover_state;
  // Appended to the next PSYNC sent to our master (" FAILOVER"), then cleared.
  void set_psync_suffix(std::string s) { psync_suffix_ = std::move(s); }
  std::string TakePsyncSuffix() { return std::exchange(psync_suffix_, std::string()); }

  // INFO replication, in Redis 7.0's order.
  std::vector<std::pair<std::string, std::string>> InfoFields();

  // Creates the backlog if missing (new history: new replid when `fresh`).
  void EnsureBacklog();
  void FreeBacklog();
  // Forget the db of the stream: the next effect starts with SELECT.
  void ResetStreamDb() { stream_db_ = -1; }

  // Hooks run by the server (Install registers them).
  void CronTick();
  void BeforeSleepTick();
  void OnClientClosed(server::Client& c);

 private:
  bool TryPartial(server::Client& client, ReplicaSession& s, std::string_view replid,
                  int64_t offset);
  void StartFullSync();
  void OnChildDone(bool ok, bool diskless, const std::string& path);
  void PutOnline(server::Client& client, ReplicaSession& s);
  void SendBulkChunks(server::Client& client, ReplicaSession& s);
  void WriteToReplica(server::Client& client, std::string_view bytes);
  void ServeWaiters();
  void CheckPendingLimit(server::Client& client, ReplicaSession& s);

  server::Server& server_;
  std::unique_ptr<Backlog> backlog_;
  int stream_db_ = -1;
  int64_t no_replicas_since_ms_ = 0;
  int64_t last_ping_ms_ = 0;
  int64_t last_second_ms_ = 0;
  uint64_t sync_counter_ = 0;
  bool sink_registered_ = false;
  bool getack_pending_ = false;
  bool sync_child_running_ = false;
  bool sync_child_diskless_ = false;
  MasterLink link_;
  std::string psync_suffix_;
  struct Waiter {
    uint64_t client_id;
    int64_t offset;
    int64_t numreplicas;
    int64_t deadline_ms;  // 0: none
  };
  std::vector<Waiter> waiters_;
  std::vector<uint64_t> replica_ids_;  // clients flagged kClientReplica, in attach order
  std::vector<uint64_t> unblocked_;
  std::vector<AckListener> ack_listeners_;
  std::vector<LinkListener> link_listeners_;
  std::vector<ReplicaListener> online_listeners_;
};

// Creates the module state and its hooks (effect sink, cron, before-sleep,
// min-replicas check, client hooks). Idempotent. Connects to the master of
// the `replicaof` directive once the loop runs.
void Install(server::Server& server);

// RESP multibulk encoding of one command.
void EncodeCommand(std::span<const std::string> args, std::string* out);

}  // namespace baton::replication
