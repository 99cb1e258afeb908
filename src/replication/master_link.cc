// The replica side: the link to our master, as an explicit state machine
// (LinkState), over a raw libuv TCP handle. The handshake lines and the RDB
// payload are read by hand (the payload is not a RESP reply); the stream is
// then applied through the Dispatcher as the master client.
#include <fcntl.h>
#include <netdb.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>

#include "baton/persistence/rdb.h"
#include "baton/replication/replication.h"
#include "baton/server/dispatcher.h"

namespace baton::replication {

using server::Client;

const char* LinkStateName(LinkState s) {
  switch (s) {
    case LinkState::kNone:
      return "none";
    case LinkState::kConnect:
      return "connect";
    case LinkState::kConnecting:
      return "connecting";
    case LinkState::kReceivePong:
    case LinkState::kReceiveAuth:
    case LinkState::kReceivePort:
    case LinkState::kReceiveIp:
    case LinkState::kReceiveCapa:
    case LinkState::kReceivePsync:
      return "handshake";
    case LinkState::kTransfer:
      return "sync";
    case LinkState::kConnected:
      return "connected";
  }
  return "unknown";
}

namespace {

bool InHandshake(LinkState s) {
  return s >= LinkState::kReceivePong && s <= LinkState::kReceivePsync;
}

std::string Encode(std::initializer_list<std::string> args) {
  std::vector<std::string> v(args);
  std::string out;
  EncodeCommand(v, &out);
  return out;
}

}  // namespace

// The TCP handle and its read buffer. Owned by the loop once closing: freed
// in the close callback. `link` is cleared when the MasterLink lets go.
struct MasterLink::Handle {
  uv_tcp_t tcp{};
  uv_connect_t connect_req{};
  MasterLink* link = nullptr;
  char buf[64 * 1024];

  struct WriteReq {
    uv_write_t req{};
    std::string data;
  };

  static void OnConnect(uv_connect_t* req, int status) {
    auto* h = static_cast<Handle*>(req->data);
    if (h->link != nullptr) h->link->OnConnected(status);
  }
  static void OnAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* out) {
    auto* h = static_cast<Handle*>(handle->data);
    *out = uv_buf_init(h->buf, sizeof(h->buf));
  }
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* h = static_cast<Handle*>(stream->data);
    if (h->link == nullptr) return;
    if (nread > 0) {
      h->link->OnData(std::string_view(buf->base, static_cast<size_t>(nread)));
    } else if (nread < 0) {
      h->link->Fail(nread == UV_EOF ? "Connection with master lost."
                                    : std::string("Error reading from MASTER: ") +
                                          uv_strerror(static_cast<int>(nread)));
    }
  }
  static void OnWrite(uv_write_t* req, int status) {
    auto* w = static_cast<WriteReq*>(req->data);
    auto* h = static_cast<Handle*>(req->handle->data);
    delete w;
    if (status < 0 && h->link != nullptr) {
      h->link->Fail(std::string("Error writing to MASTER: ") + uv_strerror(status));
    }
  }
  static void OnClose(uv_handle_t* handle) { delete static_cast<Handle*>(handle->data); }
};

MasterLink::~MasterLink() {
  if (handle_ != nullptr) {
    handle_->link = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&handle_->tcp), Handle::OnClose);
    handle_ = nullptr;
  }
  if (temp_fd_ >= 0) close(temp_fd_);
  if (!temp_path_.empty()) unlink(temp_path_.c_str());
}

Client* MasterLink::master_client() const {
  return master_client_id_ == 0 ? nullptr : repl_.server().FindClient(master_client_id_);
}

void MasterLink::SetState(LinkState s) {
  if (s == state_) return;
  const bool was_up = state_ == LinkState::kConnected;
  state_ = s;
  state_since_ms_ = repl_.server().NowMs();
  repl_.role().master_link_up = s == LinkState::kConnected;
  if (was_up && s != LinkState::kConnected) down_since_ms_ = repl_.server().NowMs();
  repl_.EmitLinkState(s);
}

void MasterLink::CacheMyself() {
  have_cached_master_ = true;
  cached_db_ = 0;
}

void MasterLink::Forget() {
  have_cached_master_ = false;
  SetState(LinkState::kNone);
}

void MasterLink::Drop(const char* why) {
  if (handle_ != nullptr) {
    if (state_ != LinkState::kNone && state_ != LinkState::kConnect) {
      spdlog::info("Master link dropped: {}", why);
    }
    handle_->link = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&handle_->tcp), Handle::OnClose);
    handle_ = nullptr;
  }
  if (master_client_id_ != 0) {
    Client* c = master_client();
    master_client_id_ = 0;
    if (c != nullptr) {
      cached_db_ = c->db_index();
      have_cached_master_ = true;
      repl_.server().RemoveClient(c);
    }
  }
  inbuf_.clear();
  partial_.clear();
  applied_.clear();
  if (temp_fd_ >= 0) {
    close(temp_fd_);
    temp_fd_ = -1;
  }
  if (!temp_path_.empty()) {
    unlink(temp_path_.c_str());
    temp_path_.clear();
  }
  if (down_since_ms_ == 0 && state_ == LinkState::kConnected) {
    down_since_ms_ = repl_.server().NowMs();
  }
  SetState(repl_.role().is_replica ? LinkState::kConnect : LinkState::kNone);
}

void MasterLink::Fail(const std::string& why) {
  spdlog::warn("{}", why);
  Drop(why.c_str());
}

void MasterLink::Connect() {
  Drop("reconnecting");
  server::Server& srv = repl_.server();
  const server::ReplicationRole& r = repl_.role();
  sockaddr_storage addr{};
  const std::string port = std::to_string(r.master_port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(r.master_host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
    spdlog::warn("Unable to connect to MASTER: can't resolve {}", r.master_host);
    SetState(LinkState::kConnect);
    return;
  }
  std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  handle_ = new Handle;
  handle_->link = this;
  uv_tcp_init(srv.loop(), &handle_->tcp);
  handle_->tcp.data = handle_;
  handle_->connect_req.data = handle_;
  uv_tcp_nodelay(&handle_->tcp, 1);
  int rc = uv_tcp_connect(&handle_->connect_req, &handle_->tcp,
                          reinterpret_cast<const sockaddr*>(&addr), Handle::OnConnect);
  if (rc != 0) {
    Fail(std::string("Unable to connect to MASTER: ") + uv_strerror(rc));
    return;
  }
  last_io_ms_ = srv.NowMs();
  SetState(LinkState::kConnecting);
}

void MasterLink::OnConnected(int status) {
  if (status < 0) {
    Fail(std::string("Error condition on socket for SYNC: ") + uv_strerror(status));
    return;
  }
  spdlog::info("MASTER <-> REPLICA sync started");
  uv_read_start(reinterpret_cast<uv_stream_t*>(&handle_->tcp), Handle::OnAlloc, Handle::OnRead);
  last_io_ms_ = repl_.server().NowMs();
  SetState(LinkState::kReceivePong);
  Send(Encode({"PING"}));
}

void MasterLink::Send(std::string data) {
  if (handle_ == nullptr) return;
  auto* w = new Handle::WriteReq;
  w->data = std::move(data);
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&handle_->tcp), &b, 1, Handle::OnWrite);
  if (rc != 0) {
    delete w;
    Fail(std::string("Error writing to MASTER: ") + uv_strerror(rc));
  }
}

void MasterLink::OnData(std::string_view data) {
  last_io_ms_ = repl_.server().NowMs();
  if (state_ == LinkState::kConnected && inbuf_.empty()) {
    ApplyStream(data);
    return;
  }
  inbuf_.append(data);
  while (!inbuf_.empty()) {
    if (InHandshake(state_)) {
      size_t nl = inbuf_.find('\n');
      if (nl == std::string::npos) return;
      std::string line = inbuf_.substr(0, nl);
      inbuf_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!HandleHandshakeLine(line)) return;
    } else if (state_ == LinkState::kTransfer) {
      size_t used = ReceivePayload(inbuf_);
      if (state_ == LinkState::kTransfer) {
        inbuf_.erase(0, used);
        return;
      }
      if (state_ != LinkState::kConnected) return;
      inbuf_.erase(0, used);
    } else if (state_ == LinkState::kConnected) {
      std::string rest;
      rest.swap(inbuf_);
      ApplyStream(rest);
      return;
    } else {
      inbuf_.clear();
      return;
    }
  }
}

void MasterLink::SendHandshake() {
  const server::Server& srv = repl_.server();
  const auto& st = srv.settings();
  std::string out;
  LinkState next = LinkState::kReceivePort;
  if (!st.masterauth.empty()) {
    out += st.masteruser.empty() ? Encode({"AUTH", st.masterauth})
                                 : Encode({"AUTH", st.masteruser, st.masterauth});
    next = LinkState::kReceiveAuth;
  }
  int64_t port = st.replica_announce_port != 0 ? st.replica_announce_port
                 : srv.BoundPort() != 0        ? srv.BoundPort()
                                               : st.port;
  out += Encode({"REPLCONF", "listening-port", std::to_string(port)});
  if (!st.replica_announce_ip.empty()) {
    out += Encode({"REPLCONF", "ip-address", st.replica_announce_ip});
  }
  out += Encode({"REPLCONF", "capa", "eof", "capa", "psync2"});
  SetState(next);
  Send(std::move(out));
}

void MasterLink::SendPsync() {
  const server::ReplicationRole& r = repl_.role();
  std::string suffix = repl_.TakePsyncSuffix();
  std::string cmd;
  if (have_cached_master_) {
    std::vector<std::string> args = {"PSYNC", r.replid, std::to_string(r.master_repl_offset + 1)};
    if (!suffix.empty()) args.push_back(suffix);
    EncodeCommand(args, &cmd);
    spdlog::info("Trying a partial resynchronization (request {}:{}).", r.replid,
                 r.master_repl_offset + 1);
  } else {
    cmd = Encode({"PSYNC", "?", "-1"});
    spdlog::info("Partial resynchronization not possible (no cached master)");
  }
  SetState(LinkState::kReceivePsync);
  Send(std::move(cmd));
}

bool MasterLink::HandleHandshakeLine(std::string_view line) {
  const bool error = !line.empty() && line[0] == '-';
  switch (state_) {
    case LinkState::kReceivePong:
      if (line.empty()) return true;
      // Without AUTH yet a protected master answers -NOAUTH: fine, AUTH follows.
      if (error && line.rfind("-NOAUTH", 0) != 0 && line.rfind("-NOPERM", 0) != 0 &&
          line.rfind("-ERR operation not permitted", 0) != 0) {
        Fail("Error reply to PING from master: '" + std::string(line) + "'");
        return false;
      }
      spdlog::info("Master replied to PING, replication can continue...");
      SendHandshake();
      return true;
    case LinkState::kReceiveAuth:
      if (error) {
        Fail("Unable to AUTH to MASTER: " + std::string(line));
        return false;
      }
      SetState(LinkState::kReceivePort);
      return true;
    case LinkState::kReceivePort:
      if (error)
        spdlog::info("(Non critical) Master does not understand REPLCONF listening-port: {}", line);
      SetState(repl_.server().settings().replica_announce_ip.empty() ? LinkState::kReceiveCapa
                                                                     : LinkState::kReceiveIp);
      return true;
    case LinkState::kReceiveIp:
      if (error)
        spdlog::info("(Non critical) Master does not understand REPLCONF ip-address: {}", line);
      SetState(LinkState::kReceiveCapa);
      return true;
    case LinkState::kReceiveCapa:
      if (error) spdlog::info("(Non critical) Master does not understand REPLCONF capa: {}", line);
      SendPsync();
      return true;
    case LinkState::kReceivePsync:
      if (line.empty()) return true;  // keepalive newline before the reply
      return HandlePsyncReply(line);
    default:
      return false;
  }
}

bool MasterLink::HandlePsyncReply(std::string_view line) {
  server::ReplicationRole& r = repl_.role();
  if (line.rfind("+FULLRESYNC", 0) == 0) {
    // +FULLRESYNC <replid> <offset>
    size_t a = line.find(' ');
    size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    if (b == std::string_view::npos || b - a - 1 != 40) {
      Fail("Master replied with wrong +FULLRESYNC syntax.");
      return false;
    }
    fullsync_replid_ = std::string(line.substr(a + 1, 40));
    fullsync_offset_ = std::strtoll(std::string(line.substr(b + 1)).c_str(), nullptr, 10);
    spdlog::info("Full resync from master: {}:{}", fullsync_replid_, fullsync_offset_);
    have_cached_master_ = false;
    payload_started_ = false;
    eof_mark_.clear();
    tail_.clear();
    transfer_size_ = -1;
    transfer_read_ = 0;
    temp_path_ =
        "temp-" + std::to_string(repl_.server().NowMs()) + "." + std::to_string(getpid()) + ".rdb";
    temp_fd_ = open(temp_path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (temp_fd_ < 0) {
      Fail("Opening the temp file needed for MASTER <-> REPLICA synchronization: " +
           std::string(strerror(errno)));
      return false;
    }
    SetState(LinkState::kTransfer);
    return true;
  }
  if (line.rfind("+CONTINUE", 0) == 0) {
    std::string_view rest = line.substr(9);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.size() >= 40) {
      std::string new_id(rest.substr(0, 40));
      if (new_id != r.replid) {
        // The master's history continues ours under a new name.
        r.replid2 = r.replid;
        r.second_replid_offset = r.master_repl_offset + 1;
        r.replid = new_id;
        spdlog::info("Master replication ID changed to {}", new_id);
        repl_.DisconnectReplicas();
      }
    }
    spdlog::info("Successful partial resynchronization with master.");
    repl_.EnsureBacklog();
    CreateMasterClient(cached_db_);
    SetState(LinkState::kConnected);
    SendAck();
    spdlog::info("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    return true;
  }
  Fail("Unexpected reply to PSYNC from master: " + std::string(line));
  return false;
}

size_t MasterLink::ReceivePayload(std::string_view data) {
  size_t pos = 0;
  if (!payload_started_) {
    while (pos < data.size() && data[pos] == '\n') ++pos;  // keepalives
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) return pos;
    std::string line(data.substr(pos, nl - pos));
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] != '$') {
      Fail("Bad protocol from MASTER, the first byte is not '$' (we received '" + line +
           "'), are you sure the host and port are right?");
      return pos;
    }
    if (line.rfind("$EOF:", 0) == 0 && line.size() == 5 + 40) {
      eof_mark_ = line.substr(5);
      transfer_size_ = -1;
      spdlog::info("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk");
    } else {
      transfer_size_ = std::strtoll(line.c_str() + 1, nullptr, 10);
      spdlog::info("MASTER <-> REPLICA sync: receiving {} bytes from master to disk",
                   transfer_size_);
    }
    payload_started_ = true;
  }
  std::string_view rest = data.substr(pos);
  if (transfer_size_ >= 0) {
    rest = rest.substr(0, static_cast<size_t>(transfer_size_ - transfer_read_));
  }
  if (!rest.empty() &&
      write(temp_fd_, rest.data(), rest.size()) != static_cast<ssize_t>(rest.size())) {
    Fail(
        "Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA "
        "synchronization");
    return data.size();
  }
  transfer_read_ += static_cast<int64_t>(rest.size());
  pos += rest.size();
  bool done = false;
  if (transfer_size_ >= 0) {
    done = transfer_read_ == transfer_size_;
  } else {
    tail_.append(rest);
    if (tail_.size() > 40) tail_.erase(0, tail_.size() - 40);
    if (tail_ == eof_mark_) {
      done = true;
      if (ftruncate(temp_fd_, transfer_read_ - 40) != 0) {
        Fail("Error truncating the RDB file received from the master");
        return pos;
      }
    }
  }
  if (done) FinishTransfer();
  return pos;
}

void MasterLink::FinishTransfer() {
  server::Server& srv = repl_.server();
  server::ReplicationRole& r = repl_.role();
  close(temp_fd_);
  temp_fd_ = -1;
  spdlog::info("MASTER <-> REPLICA sync: Flushing old data");
  // A new history: sub-replicas must sync again.
  repl_.DisconnectReplicas();
  repl_.FreeBacklog();
  srv.FlushAll();
  spdlog::info("MASTER <-> REPLICA sync: Loading DB in memory");
  persistence::LoadResult res = persistence::LoadRdbFile(srv, temp_path_);
  // Loading blocks the loop (a million keys: tens of seconds here): without
  // a fresh clock the link would look silent since before the load and time
  // out at once.
  srv.UpdateCachedTime();
  unlink(temp_path_.c_str());
  temp_path_.clear();
  if (!res.error.empty()) {
    srv.FlushAll();
    Fail("Failed trying to load the MASTER synchronization DB from disk: " + res.error);
    return;
  }
  r.replid = fullsync_replid_;
  r.master_repl_offset = fullsync_offset_;
  r.replid2.assign(40, '0');
  r.second_replid_offset = -1;
  repl_.EnsureBacklog();
  CreateMasterClient(res.aux.repl_stream_db >= 0 ? res.aux.repl_stream_db : 0);
  read_offset_ = r.master_repl_offset;
  SetState(LinkState::kConnected);
  spdlog::info("MASTER <-> REPLICA sync: Finished with success ({} keys)", res.keys_loaded);
  SendAck();
}

void MasterLink::CreateMasterClient(int db) {
  server::Server& srv = repl_.server();
  Client* c = srv.AddClient(nullptr);
  c->Set(server::kClientMaster);
  c->set_authenticated(true);
  if (db >= 0 && db < srv.db_count()) c->set_db_index(db);
  master_client_id_ = c->id();
  partial_.clear();
  applied_.clear();
  read_offset_ = repl_.role().master_repl_offset;
  last_io_ms_ = srv.NowMs();
}

void MasterLink::ApplyStream(std::string_view data) {
  Client* c = master_client();
  if (c == nullptr) return;
  server::Server& srv = repl_.server();
  read_offset_ += static_cast<int64_t>(data.size());
  size_t pos = 0;
  while (pos < data.size()) {
    auto res = c->parser().Parse(data.substr(pos));
    partial_.append(data.substr(pos, res.consumed));
    pos += res.consumed;
    if (res.status == resp::RequestParser::Status::kNeedMore) break;
    if (res.status == resp::RequestParser::Status::kError) {
      Fail("Protocol error from MASTER: " + c->parser().Error());
      return;
    }
    srv.dispatcher().Dispatch(*c, c->parser().Args());
    if (master_client_id_ == 0) return;  // the command dropped the link (REPLICAOF...)
    c->output().clear();
    applied_.append(partial_);
    partial_.clear();
    // Inside MULTI the offset waits for EXEC, as Redis counts it.
    if (!c->Has(server::kClientMulti)) {
      repl_.Feed(applied_);
      if (!repl_.backlog())
        repl_.role().master_repl_offset += static_cast<int64_t>(applied_.size());
      applied_.clear();
    }
  }
}

void MasterLink::SendAck() {
  if (state_ != LinkState::kConnected) return;
  last_ack_ms_ = repl_.server().NowMs();
  Send(Encode({"REPLCONF", "ACK", std::to_string(repl_.role().master_repl_offset)}));
}

void MasterLink::Cron() {
  const server::Server& srv = repl_.server();
  const int64_t now = srv.NowMs();
  // Whole seconds, as Redis counts them (the master PINGs once a period).
  const int64_t timeout_s = srv.settings().repl_timeout;
  const auto late = [&](int64_t since_ms) { return now / 1000 - since_ms / 1000 > timeout_s; };
  switch (state_) {
    case LinkState::kNone:
      return;
    case LinkState::kConnect:
      if (now - state_since_ms_ >= 1000 || handle_ == nullptr) {
        if (now - last_connect_try_ms_ >= 1000) {
          last_connect_try_ms_ = now;
          Connect();
        }
      }
      return;
    case LinkState::kConnected:
      if (late(last_io_ms_)) {
        Fail("MASTER timeout: no data nor PING received...");
        return;
      }
      if (now - last_ack_ms_ >= 1000) SendAck();
      return;
    case LinkState::kTransfer:
      if (late(last_io_ms_)) {
        Fail(
            "Timeout receiving bulk data from MASTER... If the problem persists try to set the "
            "'repl-timeout' parameter in redis.conf to a larger value.");
      }
      return;
    default:
      if (late(state_since_ms_)) Fail("Timeout connecting to the MASTER...");
      return;
  }
}

}  // namespace baton::replication
