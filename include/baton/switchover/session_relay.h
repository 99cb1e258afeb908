// Legacy session hand-over (SWITCHOVER.md, "Legacy sessions").
//
// When FAILOVER hands the primary role over, the sessions open here that did
// not send CLIENT CAPA redirect are marked relayed (kClientRelayed, up to
// switchover-handover-max-sessions). From then on each request of such a
// session goes, byte for byte, to the new primary over an upstream
// connection of its own, opened at its first request, and the replies come
// back in order, so the client sees a short pause and no error. Before its
// first relayed request the upstream is given the session's state: AUTH with
// masteruser/masterauth when set, HELLO 3, CLIENT SETNAME, the WATCHed keys,
// SELECT, and an open MULTI with what it queued (a transaction already
// doomed here makes its EXEC answer nil or EXECABORT). A session blocked here
// in BLPOP and friends has its command issued there with the time it had
// left.
//
// Data commands (flagged write or readonly, scripts, PUBLISH), transactions
// and WAIT are relayed; so is everything inside MULTI. Other commands (PING,
// INFO, ROLE, CONFIG, CLIENT, SHUTDOWN, QUIT...) concern this node and run
// here, once the relayed replies are back, as for -REDIRECT clients; SELECT,
// HELLO and CLIENT SETNAME run here and are mirrored upstream. RESET,
// SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR and CLIENT REPLY OFF|SKIP end
// the relay (the session is an ordinary one of this node again). A session
// idle for
// switchover-handover-idle-timeout seconds is closed between replies; one
// whose upstream fails is closed after the replies it got.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace baton::server {
class Server;
class Client;
struct CommandSpec;
}  // namespace baton::server

namespace baton::switchover {

class SessionRelay {
 public:
  explicit SessionRelay(server::Server& server);
  ~SessionRelay();
  SessionRelay(const SessionRelay&) = delete;
  SessionRelay& operator=(const SessionRelay&) = delete;

  // FAILOVER handed the primary role to host:port: marks the sessions to
  // relay and re-issues there the commands blocked here. Returns how many
  // sessions were marked.
  size_t HandOver(const std::string& host, int port);

  // The dispatcher hook: true when the request was taken (relayed or held).
  bool OnRequest(server::Client& client, const server::CommandSpec* cmd,
                 std::span<const std::string_view> args);

  // Shutdown: no new request is relayed; sessions hold their input.
  void StopRelaying() { stopping_ = true; }
  // The shutdown was aborted: held requests go on.
  void ResumeRelaying();
  // Replies still expected from the new primary, over every session.
  [[nodiscard]] size_t RepliesOutstanding();
  // Sessions relayed now (INFO clients: relayed_clients).
  [[nodiscard]] size_t SessionCount();

 private:
  struct Session;
  struct Timer;
  friend struct Session;

  Session* SessionOf(server::Client& client);
  void Relay(server::Client& client, Session& session, std::span<const std::string_view> args,
             const server::CommandSpec* cmd);
  void IssueBlocked(server::Client& client, std::vector<std::string> args, int64_t deadline_ms);
  void EndRelay(server::Client& client);
  // After replies arrived: runs a held request once the session is caught up.
  void AfterReplies(server::Client& client);
  void QueueFlush(uint64_t client_id) { to_flush_.push_back(client_id); }
  void BeforeSleep();
  void CheckIdle();

  server::Server& server_;
  sockaddr_storage primary_addr_{};
  std::string primary_;  // "host:port", for the logs
  bool stopping_ = false;
  std::vector<uint64_t> to_flush_;
  Timer* idle_timer_ = nullptr;
};

}  // namespace baton::switchover
