// The replication module: ids and offsets, the stream and the master side
// (attached replicas, full and partial sync, WAIT). The replica side's link
// is in master_link.cc.
#include "baton/replication/replication.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "baton/persistence/child.h"
#include "baton/persistence/rdb.h"
#include "baton/replication/socket_sink.h"
#include "baton/server/errors.h"
#include "baton/util/strings.h"

namespace baton::replication {

using server::Client;

namespace {

constexpr size_t kBulkChunk = 256 * 1024;
constexpr size_t kBulkQueueLimit = 1024 * 1024;

const char* ReplicaStateName(ReplicaState s) {
  switch (s) {
    case ReplicaState::kHandshake:
    case ReplicaState::kWaitBgsaveStart:
    case ReplicaState::kWaitBgsaveEnd:
      return "wait_bgsave";
    case ReplicaState::kSendBulk:
      return "send_bulk";
    case ReplicaState::kWaitAck:
    case ReplicaState::kOnline:
      return "online";
  }
  return "unknown";
}

// The address a replica is known by: its announced ip or its peer ip.
std::string ReplicaIp(const Client& c, const ReplicaSession& s) {
  if (!s.announced_ip.empty()) return s.announced_ip;
  const std::string& peer = c.peer();
  size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

}  // namespace

ReplicaSession::~ReplicaSession() {
  if (rdb_fd >= 0) close(rdb_fd);
}

void EncodeCommand(std::span<const std::string> args, std::string* out) {
  out->push_back('*');
  out->append(std::to_string(args.size()));
  out->append("\r\n");
  for (const std::string& a : args) {
    out->push_back('$');
    out->append(std::to_string(a.size()));
    out->append("\r\n");
    out->append(a);
    out->append("\r\n");
  }
}

Replication::Replication(server::Server& server) : server_(server), link_(*this) {}

Replication::~Replication() = default;

Replication& Replication::Get(server::Server& server) {
  Install(server);
  return static_cast<Replication&>(*server.replication_state);
}

void Install(server::Server& server) {
  if (server.replication_state) return;
  auto owned = std::make_unique<Replication>(server);
  Replication* r = owned.get();
  server.replication_state = std::move(owned);
  server.AddCronTask([r]() { r->CronTick(); });
  server.AddBeforeSleepTask([r]() { r->BeforeSleepTick(); });
  server.dispatcher().SetMinReplicasCheck([r](const server::CommandSpec&) -> std::string_view {
    const int64_t need = r->server().settings().min_replicas_to_write;
    if (need <= 0 || r->server().settings().min_replicas_max_lag <= 0) return {};
    return r->GoodReplicas() < need ? server::err::kNoReplicas : std::string_view();
  });
  server.AddClientClosedHook([r](Client& c) { r->OnClientClosed(c); });
  const auto& s = server.settings();
  if (!s.replicaof_host.empty()) {
    r->ReplicaOf(s.replicaof_host, static_cast<int>(s.replicaof_port));
  }
}

// ---------------------------------------------------------------------------
// The stream

void Replication::OnEffects(std::span<const server::Effect> effects) {
  // A replica forwards its master's bytes instead (MasterLink::ApplyStream).
  if (role().is_replica || !backlog_) return;
  std::string buf;
  for (const server::Effect& e : effects) {
    if (e.db != stream_db_) {
      const std::string select[2] = {"SELECT", std::to_string(e.db)};
      EncodeCommand(select, &buf);
      stream_db_ = e.db;
    }
    EncodeCommand(e.args, &buf);
  }
  Feed(buf);
}

void Replication::Feed(std::string_view bytes) {
  if (!backlog_ || bytes.empty()) return;
  backlog_->Append(bytes);
  role().master_repl_offset += static_cast<int64_t>(bytes.size());
  ForEachReplica([&](Client& c, ReplicaSession& s) {
    switch (s.state) {
      case ReplicaState::kOnline:
        WriteToReplica(c, bytes);
        break;
      case ReplicaState::kWaitBgsaveEnd:
      case ReplicaState::kSendBulk:
      case ReplicaState::kWaitAck:
        s.pending.append(bytes);
        CheckPendingLimit(c, s);
        break;
      default:
        break;
    }
  });
}

void Replication::WriteToReplica(Client& client, std::string_view bytes) {
  if (client.Has(server::kClientCloseAsap)) return;
  client.output().append(bytes);
  server_.MarkPendingWrite(client);
}

// The stream held for a replica during its sync counts toward its output limit.
void Replication::CheckPendingLimit(Client& client, ReplicaSession& s) {
  const config::OutputBufferLimit& limit = server_.settings().obuf_replica;
  const auto used = static_cast<int64_t>(s.pending.size() + client.OutputBytes());
  bool close = limit.hard_bytes > 0 && used >= limit.hard_bytes;
  if (limit.soft_bytes > 0 && used >= limit.soft_bytes) {
    if (client.obuf_soft_limit_since_ms == 0) {
      client.obuf_soft_limit_since_ms = server_.NowMs();
    } else if (server_.NowMs() - client.obuf_soft_limit_since_ms > limit.soft_seconds * 1000) {
      close = true;
    }
  }
  if (close && !client.Has(server::kClientCloseAsap)) {
    spdlog::warn(
        "Client id={} addr={} scheduled to be closed ASAP for overcoming of output "
        "buffer limits.",
        client.id(), client.peer());
    ++server_.stats().client_outbuf_limit_disconnections;
    client.CloseAsap();
  }
}

void Replication::EnsureBacklog() {
  if (backlog_) return;
  backlog_ = std::make_unique<Backlog>(static_cast<size_t>(server_.settings().repl_backlog_size),
                                       role().master_repl_offset + 1);
  stream_db_ = -1;
  if (!sink_registered_) {
    server_.AddEffectSink(this);
    sink_registered_ = true;
  }
}

void Replication::FreeBacklog() { backlog_.reset(); }

void Replication::ShiftReplicationId() {
  server::ReplicationRole& r = role();
  r.replid2 = r.replid;
  r.second_replid_offset = r.master_repl_offset + 1;
  r.replid = util::RandomHex(40);
  spdlog::info(
      "Setting secondary replication ID to {}, valid up to offset: {}. New replication "
      "ID is {}",
      r.replid2, r.second_replid_offset, r.replid);
}

void Replication::NewReplicationId() {
  role().replid = util::RandomHex(40);
  role().replid2.assign(40, '0');
  role().second_replid_offset = -1;
}

void Replication::DisconnectReplicas() {
  ForEachReplica([](Client& c, ReplicaSession&) { c.CloseAsap(); });
}

// ---------------------------------------------------------------------------
// Master side

ReplicaSession& Replication::Session(Client& client) {
  if (!client.replication_state) client.replication_state = std::make_unique<ReplicaSession>();
  return static_cast<ReplicaSession&>(*client.replication_state);
}

bool Replication::TryPartial(Client& client, ReplicaSession& s, std::string_view replid,
                             int64_t offset) {
  const server::ReplicationRole& r = role();
  const bool id_ok =
      replid == r.replid || (replid == r.replid2 && offset <= r.second_replid_offset);
  if (!id_ok || !backlog_ || !backlog_->Contains(offset)) {
    if (replid != "?") {
      if (!id_ok) {
        spdlog::info(
            "Partial resynchronization not accepted: Replication ID mismatch "
            "(Replica asked for '{}', my replication IDs are '{}' and '{}')",
            replid, r.replid, r.replid2);
      } else {
        spdlog::info(
            "Unable to partial resync with replica {} for lack of backlog (Replica "
            "request was: {}).",
            client.peer(), offset);
      }
    }
    return false;
  }
  std::string data;
  backlog_->CopyFrom(offset, &data);
  s.state = ReplicaState::kOnline;
  s.ack_time_ms = server_.NowMs();
  s.ack_offset = offset - 1;
  std::string reply = s.capa_psync2 ? "+CONTINUE " + r.replid + "\r\n" : "+CONTINUE\r\n";
  client.output().append(reply);
  client.output().append(data);
  server_.MarkPendingWrite(client);
  spdlog::info(
      "Partial resynchronization request from {} accepted. Sending {} bytes of backlog "
      "starting from offset {}.",
      client.peer(), data.size(), offset);
  for (auto& fn : online_listeners_) fn(client);
  return true;
}

void Replication::HandleSync(Client& client, std::string_view replid, int64_t offset, bool psync) {
  if (client.Has(server::kClientReplica)) return;  // already a replica: ignored, as Redis
  if (role().is_replica && link_.state() != LinkState::kConnected) {
    client.reply().Error("NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  if (!client.output().empty()) {
    client.reply().Error("ERR SYNC and PSYNC are invalid with pending output");
    return;
  }
  ReplicaSession& s = Session(client);
  client.Set(server::kClientReplica);
  replica_ids_.push_back(client.id());
  if (!psync) s.pre_psync = true;
  if (psync && TryPartial(client, s, replid, offset)) return;
  spdlog::info("Replica {} asks for synchronization", client.peer());
  // The first replica starts a new history (unless we forward our master's).
  if (!backlog_) {
    if (!role().is_replica) NewReplicationId();
    EnsureBacklog();
  }
  s.state = ReplicaState::kWaitBgsaveStart;
  s.wait_since_ms = server_.NowMs();
  s.ack_time_ms = server_.NowMs();
  // A disk save for replication already running: share it.
  if (sync_child_running_ && !sync_child_diskless_) {
    bool attached = false;
    ForEachReplica([&](Client& other, ReplicaSession& o) {
      if (attached || &other == &client || o.state != ReplicaState::kWaitBgsaveEnd) return;
      s.pending = o.pending;
      s.sync_offset = o.sync_offset;
      s.state = ReplicaState::kWaitBgsaveEnd;
      s.diskless = false;
      attached = true;
    });
    if (attached) {
      if (!s.pre_psync) {
        client.output().append("+FULLRESYNC " + role().replid + " " +
                               std::to_string(s.sync_offset) + "\r\n");
      }
      server_.MarkPendingWrite(client);
      return;
    }
  }
  StartFullSync();
}

void Replication::StartFullSync() {
  if (sync_child_running_ ||
      persistence::ChildProcess::Running() != persistence::ChildPurpose::kNone) {
    return;
  }
  const auto& st = server_.settings();
  std::vector<Client*> waiting;
  bool all_eof = true;
  int64_t longest_wait = 0;
  ForEachReplica([&](Client& c, ReplicaSession& s) {
    if (s.state != ReplicaState::kWaitBgsaveStart || c.Has(server::kClientCloseAsap)) return;
    waiting.push_back(&c);
    if (!s.capa_eof) all_eof = false;
    longest_wait = std::max(longest_wait, server_.NowMs() - s.wait_since_ms);
  });
  if (waiting.empty()) return;
  const bool diskless = st.repl_diskless_sync && all_eof;
  if (diskless && st.repl_diskless_sync_delay > 0 &&
      longest_wait < st.repl_diskless_sync_delay * 1000) {
    return;  // more replicas may arrive and share this transfer
  }
  EnsureBacklog();
  ResetStreamDb();
  persistence::ReplicationAux aux;
  aux.replid = role().replid;
  aux.repl_offset = role().master_repl_offset;
  // A replica's forwarded stream continues in its master client's db.
  const Client* master_client = link_.master_client();
  aux.repl_stream_db =
      role().is_replica && master_client != nullptr ? master_client->db_index() : 0;
  std::vector<int> fds;
  for (Client* c : waiting) {
    ReplicaSession& s = Session(*c);
    s.sync_offset = role().master_repl_offset;
    s.state = ReplicaState::kWaitBgsaveEnd;
    s.diskless = diskless;
    s.pending.clear();
    if (!s.pre_psync) {
      c->output().append("+FULLRESYNC " + aux.replid + " " + std::to_string(s.sync_offset) +
                         "\r\n");
    }
    c->Flush();
    if (diskless) {
      if (c->connection() == nullptr || c->connection()->QueuedBytes() > 0) {
        c->CloseAsap();
        continue;
      }
      fds.push_back(c->connection()->fd());
    }
  }
  std::string path;
  std::function<int()> body;
  server::Server* srv = &server_;
  if (diskless) {
    const std::string mark = util::RandomHex(40);
    const int64_t timeout_ms = st.repl_timeout * 1000;
    body = [srv, aux, fds, mark, timeout_ms]() -> int {
      SocketSink sink(fds, timeout_ms);
      const std::string head = "$EOF:" + mark + "\r\n";
      if (!sink.Write(head.data(), head.size())) return 1;
      if (!persistence::SaveRdb(*srv, aux, sink).empty()) return 1;
      if (!sink.Write(mark.data(), mark.size()) || !sink.Flush()) return 1;
      return 0;
    };
    spdlog::info("Starting BGSAVE for SYNC with target: replicas sockets");
  } else {
    path = "temp-repl-" + std::to_string(getpid()) + "-" + std::to_string(++sync_counter_) + ".rdb";
    body = [srv, aux, path]() -> int {
      return persistence::SaveRdbFile(*srv, aux, path).empty() ? 0 : 1;
    };
    spdlog::info("Starting BGSAVE for SYNC with target: disk");
  }
  std::string err = persistence::ChildProcess::Start(
      server_, persistence::ChildPurpose::kReplication, std::move(body),
      [this, diskless, path](bool ok) { OnChildDone(ok, diskless, path); });
  if (!err.empty()) {
    spdlog::warn("BGSAVE for replication failed: {}", err);
    for (Client* c : waiting) c->CloseAsap();
    return;
  }
  sync_child_running_ = true;
  sync_child_diskless_ = diskless;
}

void Replication::OnChildDone(bool ok, bool diskless, const std::string& path) {
  sync_child_running_ = false;
  if (diskless) {
    ForEachReplica([&](Client& c, ReplicaSession& s) {
      if (s.state != ReplicaState::kWaitBgsaveEnd || !s.diskless) return;
      if (!ok) {
        c.CloseAsap();
        return;
      }
      // An ACK already came (the replica loaded the payload before we saw
      // the child exit; SYNC set ack_time_ms to wait_since_ms): online now.
      // Otherwise online at its first ACK, at most a second away.
      if (s.ack_time_ms > s.wait_since_ms) {
        PutOnline(c, s);
        return;
      }
      s.state = ReplicaState::kWaitAck;
      spdlog::info(
          "Streamed RDB transfer with replica {} succeeded (socket). Waiting for "
          "REPLCONF ACK from replica to enable streaming",
          c.peer());
    });
  } else {
    int fd = ok ? open(path.c_str(), O_RDONLY | O_CLOEXEC) : -1;
    struct stat info {};
    if (fd >= 0 && fstat(fd, &info) != 0) {
      close(fd);
      fd = -1;
    }
    if (!path.empty()) unlink(path.c_str());
    ForEachReplica([&](Client& c, ReplicaSession& s) {
      if (s.state != ReplicaState::kWaitBgsaveEnd || s.diskless) return;
      if (fd < 0) {
        spdlog::warn("SYNC failed. BGSAVE child returned an error");
        c.CloseAsap();
        return;
      }
      s.rdb_fd = dup(fd);
      s.rdb_size = static_cast<int64_t>(info.st_size);
      s.rdb_sent = 0;
      s.state = ReplicaState::kSendBulk;
      c.Flush();
      if (c.connection() != nullptr)
        c.connection()->Write("$" + std::to_string(s.rdb_size) + "\r\n");
      SendBulkChunks(c, s);
    });
    if (fd >= 0) close(fd);
  }
  // Replicas that arrived during this save get the next one.
  StartFullSync();
}

void Replication::SendBulkChunks(Client& client, ReplicaSession& s) {
  net::Connection* conn = client.connection();
  if (conn == nullptr || client.Has(server::kClientCloseAsap)) return;
  while (s.rdb_sent < s.rdb_size && conn->QueuedBytes() < kBulkQueueLimit) {
    std::string chunk(std::min<size_t>(kBulkChunk, static_cast<size_t>(s.rdb_size - s.rdb_sent)),
                      '\0');
    ssize_t n = pread(s.rdb_fd, chunk.data(), chunk.size(), s.rdb_sent);
    if (n <= 0) {
      spdlog::warn("Read error sending DB to replica: {}", strerror(errno));
      client.CloseAsap();
      return;
    }
    chunk.resize(static_cast<size_t>(n));
    s.rdb_sent += n;
    conn->Write(std::move(chunk));
  }
  if (s.rdb_sent >= s.rdb_size) {
    close(s.rdb_fd);
    s.rdb_fd = -1;
    spdlog::info("Synchronization with replica {} succeeded", client.peer());
    PutOnline(client, s);
  }
}

void Replication::PutOnline(Client& client, ReplicaSession& s) {
  s.state = ReplicaState::kOnline;
  s.ack_time_ms = server_.NowMs();
  if (!s.pending.empty()) {
    WriteToReplica(client, s.pending);
    std::string().swap(s.pending);
  }
  for (auto& fn : online_listeners_) fn(client);
}

void Replication::OnReplicaAck(Client& client, int64_t offset) {
  if (!client.Has(server::kClientReplica) || !client.replication_state) return;
  ReplicaSession& s = Session(client);
  if (offset > s.ack_offset) s.ack_offset = offset;
  s.ack_time_ms = server_.NowMs();
  if (s.state == ReplicaState::kWaitAck) PutOnline(client, s);
  for (auto& fn : ack_listeners_) fn(client, offset);
  if (!waiters_.empty()) ServeWaiters();
}

int Replication::CountAcked(int64_t offset) {
  int n = 0;
  ForEachReplica([&](Client&, ReplicaSession& s) {
    if (s.state == ReplicaState::kOnline && s.ack_offset >= offset) ++n;
  });
  return n;
}

int Replication::GoodReplicas() {
  int n = 0;
  const int64_t max_lag_ms = server_.settings().min_replicas_max_lag * 1000;
  ForEachReplica([&](Client&, ReplicaSession& s) {
    if (s.state == ReplicaState::kOnline && server_.NowMs() - s.ack_time_ms <= max_lag_ms) ++n;
  });
  return n;
}

// ---------------------------------------------------------------------------
// WAIT

void Replication::BlockForAcks(Client& client, int64_t offset, int64_t numreplicas,
                               int64_t deadline_ms) {
  client.Set(server::kClientBlocked);
  waiters_.push_back({client.id(), offset, numreplicas, deadline_ms});
  RequestAcks();
}

void Replication::ServeWaiters() {
  const int64_t now = server_.NowMs();
  std::erase_if(waiters_, [&](const Waiter& w) {
    Client* c = server_.FindClient(w.client_id);
    if (c == nullptr) return true;
    const int acked = CountAcked(w.offset);
    if (acked < w.numreplicas && (w.deadline_ms == 0 || now < w.deadline_ms)) return false;
    c->Clear(server::kClientBlocked);
    c->reply().Integer(acked);
    server_.MarkPendingWrite(*c);
    unblocked_.push_back(c->id());
    return true;
  });
}

void Replication::OnClientClosed(Client& c) {
  std::erase_if(waiters_, [&](const Waiter& w) { return w.client_id == c.id(); });
  if (c.Has(server::kClientReplica)) std::erase(replica_ids_, c.id());
  if (c.Has(server::kClientMaster) && c.id() == link_.master_client_id()) {
    link_.Drop("Connection with master lost.");
  }
}

// ---------------------------------------------------------------------------
// Role changes

void Replication::ReplicaOf(const std::string& host, int port) {
  server::ReplicationRole& r = role();
  const bool was_master = !r.is_replica;
  link_.Drop("REPLICAOF");
  r.is_replica = true;
  r.master_host = host;
  r.master_port = port;
  r.master_link_up = false;
  if (was_master) {
    // Our own history becomes the "cached master": PSYNC can continue it.
    link_.CacheMyself();
    EnsureBacklog();
  }
  spdlog::info("Connecting to MASTER {}:{}", host, port);
  link_.Connect();
}

void Replication::BecomeMaster() {
  server::ReplicationRole& r = role();
  if (!r.is_replica) return;
  link_.Drop("REPLICAOF NO ONE");
  link_.Forget();
  r.is_replica = false;
  r.master_host.clear();
  r.master_port = 0;
  r.master_link_up = false;
  ShiftReplicationId();
  ResetStreamDb();
  // Sub-replicas reconnect and continue with the shifted id.
  DisconnectReplicas();
  spdlog::info("MASTER MODE enabled (user request from '{}')", "REPLICAOF NO ONE");
}

// ---------------------------------------------------------------------------
// Periodic work

void Replication::CronTick() {
  const int64_t now = server_.NowMs();
  const auto& st = server_.settings();
  link_.Cron();
  if (!waiters_.empty()) ServeWaiters();
  if (backlog_ && backlog_->capacity() != static_cast<size_t>(st.repl_backlog_size)) {
    backlog_->Resize(static_cast<size_t>(st.repl_backlog_size));
  }
  if (now - last_second_ms_ < 1000) return;
  last_second_ms_ = now;

  int replicas = 0;
  ForEachReplica([&](Client& c, ReplicaSession& s) {
    ++replicas;
    switch (s.state) {
      case ReplicaState::kWaitBgsaveStart:
        WriteToReplica(c, "\n");
        break;
      case ReplicaState::kWaitBgsaveEnd:
        if (!s.diskless) WriteToReplica(c, "\n");
        CheckPendingLimit(c, s);
        break;
      case ReplicaState::kOnline:
        // Whole seconds, as Redis counts them: an ACK a second apart never
        // looks late, even with repl-timeout 1.
        if (now / 1000 - s.ack_time_ms / 1000 > st.repl_timeout) {
          spdlog::warn("Disconnecting timedout replica (streaming sync): {}", c.peer());
          c.CloseAsap();
        }
        break;
      default:
        break;
    }
  });
  // PING the replicas now and then, so they can detect a dead link.
  if (replicas > 0 && !role().is_replica && !server_.pauses().WritesPaused() &&
      now - last_ping_ms_ >= st.repl_ping_replica_period * 1000) {
    last_ping_ms_ = now;
    Feed("*1\r\n$4\r\nPING\r\n");
  }
  // The backlog of a master without replicas expires after repl-backlog-ttl.
  if (replicas > 0) {
    no_replicas_since_ms_ = 0;
  } else if (no_replicas_since_ms_ == 0) {
    no_replicas_since_ms_ = now;
  } else if (backlog_ && !role().is_replica && st.repl_backlog_ttl > 0 &&
             now - no_replicas_since_ms_ > st.repl_backlog_ttl * 1000) {
    spdlog::info("Replication backlog freed after {} seconds without connected replicas.",
                 st.repl_backlog_ttl);
    NewReplicationId();
    FreeBacklog();
  }
  StartFullSync();
}

void Replication::BeforeSleepTick() {
  ForEachReplica([&](Client& c, ReplicaSession& s) {
    if (s.state == ReplicaState::kSendBulk) SendBulkChunks(c, s);
  });
  if (getack_pending_) {
    getack_pending_ = false;
    if (!role().is_replica) Feed("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n");
  }
  if (Client* m = link_.master_client(); m != nullptr && m->Has(server::kClientCloseAsap)) {
    link_.Drop("Connection with master lost (killed).");
  }
  if (!unblocked_.empty()) {
    std::vector<uint64_t> ids;
    ids.swap(unblocked_);
    for (uint64_t id : ids) {
      Client* c = server_.FindClient(id);
      if (c == nullptr || c->Has(server::kClientBlocked)) continue;
      c->ProcessInput();
      if (!c->output().empty()) server_.MarkPendingWrite(*c);
    }
  }
}

// ---------------------------------------------------------------------------
// INFO replication

std::vector<std::pair<std::string, std::string>> Replication::InfoFields() {
  std::vector<std::pair<std::string, std::string>> f;
  auto add = [&](std::string k, auto v) {
    if constexpr (std::is_convertible_v<decltype(v), std::string>) {
      f.emplace_back(std::move(k), std::string(v));
    } else {
      f.emplace_back(std::move(k), std::to_string(v));
    }
  };
  const server::ReplicationRole& r = role();
  const auto& st = server_.settings();
  const int64_t now = server_.NowMs();
  add("role", r.is_replica ? "slave" : "master");
  if (r.is_replica) {
    const LinkState ls = link_.state();
    add("master_host", r.master_host);
    add("master_port", static_cast<int64_t>(r.master_port));
    add("master_link_status", ls == LinkState::kConnected ? "up" : "down");
    add("master_last_io_seconds_ago",
        link_.master_client() != nullptr ? (now - link_.last_io_ms()) / 1000 : int64_t{-1});
    add("master_sync_in_progress", ls == LinkState::kTransfer ? 1 : 0);
    const int64_t applied = link_.has_offset() ? r.master_repl_offset : 1;
    add("slave_read_repl_offset", link_.has_offset() ? link_.read_offset() : int64_t{1});
    add("slave_repl_offset", applied);
    if (ls == LinkState::kTransfer) {
      const int64_t size = link_.transfer_size();
      const int64_t read = link_.transfer_read();
      add("master_sync_total_bytes", size);
      add("master_sync_read_bytes", read);
      add("master_sync_left_bytes", size >= 0 ? size - read : int64_t{-1});
      char perc[32];
      snprintf(perc, sizeof(perc), "%.2f",
               size > 0 ? static_cast<double>(read) * 100 / static_cast<double>(size) : 0.0);
      add("master_sync_perc", std::string(perc));
      add("master_sync_last_io_seconds_ago", (now - link_.last_io_ms()) / 1000);
    }
    if (ls != LinkState::kConnected) {
      add("master_link_down_since_seconds",
          link_.down_since_ms() > 0 ? (now - link_.down_since_ms()) / 1000 : int64_t{-1});
    }
    add("slave_priority", st.replica_priority);
    add("slave_read_only", st.replica_read_only ? 1 : 0);
    const config::ParamSpec* p = server_.config().Find("replica-announced");
    add("replica_announced", p != nullptr && server_.config().Get(*p) == "no" ? 0 : 1);
  }
  std::vector<std::string> lines;
  ForEachReplica([&](Client& c, ReplicaSession& s) {
    if (s.state == ReplicaState::kHandshake) return;
    lines.push_back("ip=" + ReplicaIp(c, s) + ",port=" + std::to_string(s.listening_port) +
                    ",state=" + ReplicaStateName(s.state) +
                    ",offset=" + std::to_string(s.ack_offset) +
                    ",lag=" + std::to_string((now - s.ack_time_ms) / 1000));
  });
  add("connected_slaves", static_cast<int64_t>(lines.size()));
  if (st.min_replicas_to_write > 0 && st.min_replicas_max_lag > 0) {
    add("min_slaves_good_slaves", static_cast<int64_t>(GoodReplicas()));
  }
  for (size_t i = 0; i < lines.size(); ++i) add("slave" + std::to_string(i), lines[i]);
  add("master_failover_state", failover_state ? failover_state() : std::string("no-failover"));
  add("master_replid", r.replid);
  add("master_replid2", r.replid2);
  add("master_repl_offset", r.master_repl_offset);
  add("second_repl_offset", r.second_replid_offset);
  add("repl_backlog_active", backlog_ ? 1 : 0);
  add("repl_backlog_size", st.repl_backlog_size);
  add("repl_backlog_first_byte_offset", backlog_ ? backlog_->start_offset() : int64_t{0});
  add("repl_backlog_histlen", backlog_ ? static_cast<int64_t>(backlog_->histlen()) : int64_t{0});
  return f;
}

}  // namespace baton::replication
