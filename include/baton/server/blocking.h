// Blocking commands waiting for keys (BLPOP, BLMOVE, BLMPOP; later BZPOPMIN,
// BZMPOP...): the generic machinery.
//
// A handler that finds nothing to serve calls BlockForKeys(): the client is
// parked (kClientBlocked, so Client::ProcessInput keeps but does not run its
// further input) in a FIFO per (db, key), with an optional deadline.
//
// Writes that may feed a waiter call SignalKeyReady(); the key goes on a
// "ready" list (only when someone waits on it). The ready list is drained
// right after the command that filled it returns (a Dispatcher after-command
// hook, so before the next command runs) and again before the loop sleeps.
// Draining a key re-executes the waiters' commands in FIFO order with
// ServingKey() naming that key: the handler serves from that key alone,
// replies and propagates its non-blocking form (ctx.PropagateAs), or calls
// BlockForKeys() again, which keeps the client blocked with its original
// deadline (and ends the draining of that key: the next waiters could not be
// served either).
//
// Timeouts are checked before every loop sleep and by the cron (granularity
// 1000/hz ms at worst, like Redis); a timed-out client gets a null array.
// Unblocked clients have the input they sent meanwhile processed before the
// loop sleeps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace baton::server {

class Server;
class Client;
struct CommandContext;

// Sets up the per-server state and the hooks (after-command, before-sleep,
// cron, key-modified, client-closed, client-reset). Idempotent: every family
// with blocking commands calls it from its Register function.
void InstallBlocking(Server& server);

// Parses a timeout in seconds (float; 0 = forever) into an absolute deadline
// in ms (0 = none). Replies Redis's error and returns false when invalid.
bool ParseBlockingTimeout(CommandContext& ctx, size_t arg_index, int64_t* deadline_ms);

// False inside MULTI/EXEC (and for clients that deny blocking): blocking
// commands then answer as if they had timed out at once.
[[nodiscard]] bool MayBlock(const CommandContext& ctx);

// Parks the client on `keys` (duplicates ignored) until one is ready or the
// deadline (0: none) passes. While its command is being re-executed, keeps
// it blocked as it was.
void BlockForKeys(CommandContext& ctx, std::span<const std::string_view> keys, int64_t deadline_ms);

// While a blocked command is re-executed: the key that became ready (serve
// from it alone); nullptr for an ordinary first execution.
[[nodiscard]] const std::string* ServingKey(const Client& client);

// A write may have made `key` servable (a push, a key created...). Cheap when
// nobody waits on it.
void SignalKeyReady(Server& server, int db, std::string_view key);

// Serves the waiters of ready keys (also runs by itself after each command).
void ServeReadyKeys(Server& server);
// Answers a null array to blocked clients whose deadline passed.
void CheckBlockedTimeouts(Server& server);
// Runs the input unblocked clients sent while they were blocked.
void ProcessUnblockedClients(Server& server);

// CLIENT UNBLOCK: ends the wait of a client blocked on keys, answering a null
// array (as a timeout) or, with `with_error`, "-UNBLOCKED client unblocked
// via CLIENT UNBLOCK". False when the client is not blocked on keys.
bool UnblockClient(Server& server, Client& client, bool with_error);

// Ends the wait of a client blocked on keys without answering it, and hands
// back its command and deadline (0: none), for the session relay to issue
// on the new primary. False when the client is not blocked on keys.
bool TakeBlockedCommand(Server& server, Client& client, std::vector<std::string>* args,
                        int64_t* deadline_ms);

// INFO clients: blocked_clients, and the number of keys waited on.
[[nodiscard]] size_t BlockedClientCount(Server& server);
[[nodiscard]] size_t BlockedKeyCount(Server& server);
// Clients blocked with a deadline (INFO clients_in_timeout_table).
[[nodiscard]] size_t BlockedWithTimeoutCount(Server& server);

// Every client blocked on keys, in the order they blocked (for the switchover:
// on demotion these get -REDIRECT or stay blocked).
void ForEachBlockedClient(Server& server, const std::function<void(Client&)>& fn);

}  // namespace baton::server
