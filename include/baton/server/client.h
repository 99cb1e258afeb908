// One client session: its connection, protocol state and per-session flags.
//
// Lifecycle: created when a connection is accepted, registered with the
// Server, destroyed by the Server after the connection reports OnClosed (or
// for in-process test clients, when the test drops it). A Client may exist
// without a connection (the fake client used by unit tests and for loading).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "baton/net/connection.h"
#include "baton/resp/reply_writer.h"
#include "baton/resp/request_parser.h"

namespace baton::server {

class Server;
struct CommandSpec;

enum ClientFlag : uint64_t {
  kClientMulti = 1ULL << 0,      // inside MULTI, queueing
  kClientDirtyExec = 1ULL << 1,  // a queueing error: EXEC answers EXECABORT
  kClientDirtyCas = 1ULL << 2,   // a WATCHed key changed: EXEC answers nil
  kClientMonitor = 1ULL << 3,    // MONITOR: receives every command
  kClientCloseAfterReply = 1ULL << 4,
  kClientCloseAsap = 1ULL << 5,     // output limit hit or killed: close without flushing
  kClientReplica = 1ULL << 6,       // a replica's link (on a master)
  kClientMaster = 1ULL << 7,        // the master's link (on a replica)
  kClientReadonly = 1ULL << 8,      // READONLY was sent
  kClientCapaRedirect = 1ULL << 9,  // CLIENT CAPA redirect
  kClientNoEvict = 1ULL << 10,
  kClientNoTouch = 1ULL << 11,
  kClientReplyOff = 1ULL << 12,       // CLIENT REPLY OFF
  kClientReplySkipNext = 1ULL << 13,  // CLIENT REPLY SKIP: set for the next command
  kClientReplySkip = 1ULL << 14,      // skipping the current command's reply
  kClientBlocked = 1ULL << 15,        // waiting in a blocking command
  kClientPostponed = 1ULL << 16,      // waiting for a client pause to end
  kClientPubsub = 1ULL << 17,         // has subscriptions (RESP2 restricts commands)
  kClientUnixSocket = 1ULL << 18,
  kClientExecuting = 1ULL << 19,              // inside a command call (no re-entry)
  kClientFake = 1ULL << 20,                   // no connection (tests, loading)
  kClientRedirectAfterDemotion = 1ULL << 21,  // MULTI queued on a master that was demoted
  kClientDenyBlocking = 1ULL << 22,
  kClientRelayed = 1ULL << 23,  // legacy session relayed to the new primary
  kClientMultiHasWrite = 1ULL << 24,
  // A relayed session waits for its relayed replies before it reads on
  // (a command that must run here, or too many replies outstanding).
  kClientRelayWait = 1ULL << 25,
  // A queued command may grow memory: EXEC is refused when out of memory.
  kClientMultiDenyOom = 1ULL << 26,
};

class Client final : public net::ConnectionHandler, public resp::ErrorObserver {
 public:
  Client(Server& server, uint64_t id, net::Connection* conn);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // net::ConnectionHandler
  void OnRead(net::Connection& conn, std::string_view data) override;
  void OnClosed(net::Connection& conn) override;
  void OnDrained(net::Connection& conn) override;
  // resp::ErrorObserver
  void OnErrorReply(std::string_view code) override;

  // Runs what is in the input buffer until it is empty or the client blocks.
  void ProcessInput();
  // Parses and runs requests from `buffer`; returns the bytes consumed.
  size_t ProcessBytes(std::string_view buffer);
  // Sends buffered replies to the connection now.
  void Flush();
  // Closes after the pending replies are written (QUIT, protocol error).
  void CloseAfterReply();
  // Closes at the next opportunity without flushing (CLIENT KILL, limits).
  void CloseAsap();

  [[nodiscard]] uint64_t id() const { return id_; }
  [[nodiscard]] net::Connection* connection() const { return conn_; }
  [[nodiscard]] bool Has(uint64_t flag) const { return (flags_ & flag) != 0; }
  void Set(uint64_t flag) { flags_ |= flag; }
  void Clear(uint64_t flag) { flags_ &= ~flag; }
  [[nodiscard]] uint64_t flags() const { return flags_; }

  resp::ReplyWriter& reply() { return writer_; }
  std::string& output() { return output_; }
  [[nodiscard]] size_t OutputBytes() const;
  [[nodiscard]] size_t QueryBufferBytes() const { return input_.size() + parser_.BufferedBytes(); }
  resp::RequestParser& parser() { return parser_; }

  [[nodiscard]] int protocol() const { return writer_.protocol(); }
  void set_protocol(int p) { writer_.set_protocol(p); }
  [[nodiscard]] int db_index() const { return db_index_; }
  void set_db_index(int db) { db_index_ = db; }
  [[nodiscard]] bool authenticated() const { return authenticated_; }
  void set_authenticated(bool a);

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  const std::string& lib_name() const { return lib_name_; }
  const std::string& lib_ver() const { return lib_ver_; }
  void set_lib_name(std::string v) { lib_name_ = std::move(v); }
  void set_lib_ver(std::string v) { lib_ver_ = std::move(v); }
  [[nodiscard]] const std::string& peer() const;
  [[nodiscard]] const std::string& local() const;

  [[nodiscard]] int64_t created_ms() const { return created_ms_; }
  [[nodiscard]] int64_t last_interaction_ms() const { return last_interaction_ms_; }
  void touch(int64_t now_ms) { last_interaction_ms_ = now_ms; }
  const std::string& last_command() const { return last_command_; }
  void set_last_command(std::string_view c) { last_command_.assign(c); }

  // MULTI queue: owned copies of the queued requests.
  struct QueuedCommand {
    std::vector<std::string> args;
    const CommandSpec* cmd;
  };
  std::vector<QueuedCommand>& multi_queue() { return multi_queue_; }
  // Keys WATCHed by this client: (db, key).
  std::vector<std::pair<int, std::string>>& watched() { return watched_; }

  // A request waiting for a pause to end (kClientPostponed), as owned strings.
  std::vector<std::string>& postponed_args() { return postponed_args_; }

  // Pub/sub subscriptions.
  std::unordered_set<std::string>& channels() { return channels_; }
  std::unordered_set<std::string>& patterns() { return patterns_; }
  std::unordered_set<std::string>& shard_channels() { return shard_channels_; }
  [[nodiscard]] size_t SubscriptionCount() const {
    return channels_.size() + patterns_.size() + shard_channels_.size();
  }

  // Opaque per-client state owned by other modules (blocking, replication, switchover).
  struct Extension {
    virtual ~Extension() = default;
  };
  std::unique_ptr<Extension> blocking_state;
  std::unique_ptr<Extension> replication_state;
  std::unique_ptr<Extension> switchover_state;

  // Time the output buffer first exceeded its soft limit (0: below).
  int64_t obuf_soft_limit_since_ms = 0;
  // Whether this client is queued in the server's pending-write list.
  bool pending_write = false;
  // Commands processed (CLIENT LIST "tot-cmds" analogue) and bytes seen.
  uint64_t commands_processed = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;

 private:
  Server& server_;
  uint64_t id_;
  net::Connection* conn_;
  uint64_t flags_ = 0;
  resp::RequestParser parser_;
  std::string input_;   // bytes read but not yet parsed (while blocked or paused)
  std::string output_;  // replies not yet handed to the connection
  resp::ReplyWriter writer_;
  int db_index_ = 0;
  bool authenticated_ = false;
  std::string name_;
  std::string lib_name_;
  std::string lib_ver_;
  int64_t created_ms_ = 0;
  int64_t last_interaction_ms_ = 0;
  std::string last_command_ = "NULL";
  std::vector<QueuedCommand> multi_queue_;
  std::vector<std::pair<int, std::string>> watched_;
  std::vector<std::string> postponed_args_;
  std::unordered_set<std::string> channels_;
  std::unordered_set<std::string> patterns_;
  std::unordered_set<std::string> shard_channels_;
};

}  // namespace baton::server
