#include "baton/server/client.h"

#include <spdlog/spdlog.h>

#include "baton/server/server.h"

namespace baton::server {
namespace {
const std::string kNoPeer = "";
}  // namespace

Client::Client(Server& server, uint64_t id, net::Connection* conn)
    : server_(server), id_(id), conn_(conn), writer_(&output_, 2, this) {
  created_ms_ = server.NowMs();
  last_interaction_ms_ = created_ms_;
  authenticated_ = server.settings().requirepass.empty();
  if (conn_ == nullptr) {
    Set(kClientFake);
    authenticated_ = true;
  } else if (conn_->kind() == net::Connection::Kind::kUnix) {
    Set(kClientUnixSocket);
  }
  resp::ParserLimits limits;
  limits.max_bulk_len = server.settings().proto_max_bulk_len;
  parser_.SetLimits(limits);
  parser_.SetUnauthenticated(!authenticated_);
}

Client::~Client() = default;

void Client::set_authenticated(bool a) {
  authenticated_ = a;
  parser_.SetUnauthenticated(!a);
}

const std::string& Client::peer() const { return conn_ != nullptr ? conn_->peer() : kNoPeer; }
const std::string& Client::local() const { return conn_ != nullptr ? conn_->local() : kNoPeer; }

size_t Client::OutputBytes() const {
  return output_.size() + (conn_ != nullptr ? conn_->QueuedBytes() : 0);
}

void Client::OnRead(net::Connection& /*conn*/, std::string_view data) {
  net_input_bytes += data.size();
  server_.stats().net_input_bytes += data.size();
  ++server_.stats().total_reads_processed;
  if (Has(kClientCloseAsap) || Has(kClientCloseAfterReply)) return;
  if (input_.empty()) {
    // Common case: parse straight from the read buffer. The parser copies
    // what it needs of a partial request, so leftovers exist only when the
    // client blocked or paused in the middle of a pipeline.
    size_t used = ProcessBytes(data);
    if (used < data.size()) input_.assign(data.substr(used));
  } else {
    input_.append(data);
    ProcessInput();
  }
  if (!output_.empty()) server_.MarkPendingWrite(*this);
}

void Client::ProcessInput() {
  size_t used = ProcessBytes(input_);
  input_.erase(0, used);
  if (input_.capacity() > 64 * 1024 && input_.size() < 16 * 1024) input_.shrink_to_fit();
}

size_t Client::ProcessBytes(std::string_view buffer) {
  size_t pos = 0;
  while (pos < buffer.size()) {
    if (Has(kClientBlocked) || Has(kClientPostponed) || Has(kClientRelayWait) ||
        Has(kClientCloseAfterReply) || Has(kClientCloseAsap)) {
      break;
    }
    auto result = parser_.Parse(buffer.substr(pos));
    pos += result.consumed;
    if (result.status == resp::RequestParser::Status::kNeedMore) {
      if (static_cast<int64_t>(parser_.BufferedBytes()) >
          server_.settings().client_query_buffer_limit) {
        spdlog::warn("Closing client that reached max query buffer length: id={} addr={}", id_,
                     peer());
        ++server_.stats().client_qbuf_limit_disconnections;
        CloseAsap();
      }
      break;
    }
    if (result.status == resp::RequestParser::Status::kError) {
      spdlog::debug("Protocol error ({}) from client id={} addr={}", parser_.Error(), id_, peer());
      // The parser reports "Protocol error: ..."; Redis sends it as an ERR error.
      writer_.Error("ERR " + parser_.Error());
      CloseAfterReply();
      break;
    }
    // CLIENT REPLY SKIP applies to the command after the one that set it.
    if (Has(kClientReplySkipNext)) {
      Clear(kClientReplySkipNext);
      Set(kClientReplySkip);
    }
    const size_t mark = output_.size();
    server_.dispatcher().Dispatch(*this, parser_.Args());
    if (Has(kClientReplySkip) || Has(kClientReplyOff)) {
      output_.resize(mark);
      Clear(kClientReplySkip);
    }
  }
  return pos;
}

void Client::Flush() {
  if (output_.empty() || conn_ == nullptr) return;
  net_output_bytes += output_.size();
  server_.stats().net_output_bytes += output_.size();
  ++server_.stats().total_writes_processed;
  conn_->Write(std::string_view(output_));
  output_.clear();
  if (output_.capacity() > 64 * 1024) std::string().swap(output_);
}

void Client::CloseAfterReply() {
  Set(kClientCloseAfterReply);
  server_.MarkPendingWrite(*this);
}

void Client::CloseAsap() {
  Set(kClientCloseAsap);
  server_.MarkPendingWrite(*this);
}

void Client::OnErrorReply(std::string_view code) {
  auto& stats = server_.stats();
  ++stats.total_error_replies;
  // errorstats keeps at most 128 distinct codes, like Redis.
  auto it = stats.error_codes.find(std::string(code));
  if (it != stats.error_codes.end()) {
    ++it->second;
  } else if (stats.error_codes.size() < 128) {
    stats.error_codes.emplace(std::string(code), 1);
  }
}

void Client::OnClosed(net::Connection& /*conn*/) {
  conn_ = nullptr;
  server_.RemoveClient(this);
}

void Client::OnDrained(net::Connection& /*conn*/) {}

}  // namespace baton::server
