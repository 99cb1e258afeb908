// Transactions: MULTI EXEC DISCARD WATCH UNWATCH.
//
// Queueing is done by the gate (Dispatcher::Dispatch); this file owns the
// WATCH index, (db, key) -> watching clients, so that a key modification
// costs O(watchers of that key), and runs the queued commands at EXEC.
#include "baton/commands/transactions.h"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/server/errors.h"
#include "baton/server/server.h"

namespace baton::commands {
namespace {

using server::Client;
using server::Server;

// WATCHed keys of every client. A key that was already logically expired
// when it was watched is remembered as such: its deletion by expiry is not a
// change, and it does not abort EXEC by being expired (Redis 7.0).
class WatchIndex final : public Server::ModuleState {
 public:
  explicit WatchIndex(Server& server) : server_(server) {}

  // Watches (db, key) for `client`; watching a key twice is a no-op.
  void Watch(Client& client, int db, std::string_view key) {
    Watchers& watchers = by_key_[db][std::string(key)];
    for (const Watcher& w : watchers) {
      if (w.client == &client) return;
    }
    watchers.push_back({&client, KeyLogicallyExpired(db, key)});
    client.watched().emplace_back(db, std::string(key));
  }

  void UnwatchAll(Client& client) {
    for (const auto& [db, key] : client.watched()) {
      auto db_it = by_key_.find(db);
      if (db_it == by_key_.end()) continue;
      auto it = db_it->second.find(key);
      if (it == db_it->second.end()) continue;
      std::erase_if(it->second, [&](const Watcher& w) { return w.client == &client; });
      if (it->second.empty()) db_it->second.erase(it);
      if (db_it->second.empty()) by_key_.erase(db_it);
    }
    client.watched().clear();
  }

  // A key changed (or was deleted, or flushed): its watchers' EXEC fails.
  void OnKeyModified(int db, std::string_view key) {
    if (by_key_.empty()) return;
    auto db_it = by_key_.find(db);
    if (db_it == by_key_.end()) return;
    auto it = db_it->second.find(key);
    if (it == db_it->second.end()) return;
    std::vector<Client*> dirty;
    for (Watcher& w : it->second) {
      if (w.expired_when_watched) {
        // Deleting (or flushing) a key that was already expired changes nothing.
        if (!KeyPresentAndLive(db, key)) {
          w.expired_when_watched = false;
          continue;
        }
      }
      dirty.push_back(w.client);
    }
    // Unwatching edits the index, so it happens after the walk.
    for (Client* c : dirty) {
      c->Set(server::kClientDirtyCas);
      UnwatchAll(*c);
    }
  }

  // At EXEC: a watched key that expired since WATCH counts as modified.
  bool WatchedKeyExpired(Client& client) {
    for (const auto& [db, key] : client.watched()) {
      auto db_it = by_key_.find(db);
      if (db_it == by_key_.end()) continue;
      auto it = db_it->second.find(key);
      if (it == db_it->second.end()) continue;
      for (const Watcher& w : it->second) {
        if (w.client == &client && !w.expired_when_watched && KeyLogicallyExpired(db, key)) {
          return true;
        }
      }
    }
    return false;
  }

 private:
  struct Watcher {
    Client* client;
    bool expired_when_watched;
  };
  using Watchers = std::vector<Watcher>;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using KeyMap = std::unordered_map<std::string, Watchers, Hash, std::equal_to<>>;

  // The entry, even when logically expired, with no side effects.
  store::KeyEntry* Peek(int db, std::string_view key) {
    if (db < 0 || db >= server_.db_count()) return nullptr;
    return server_.db(db).Lookup(
        key, store::kLookupNoTouch | store::kLookupNoExpire | store::kLookupIgnoreTtl);
  }
  bool KeyLogicallyExpired(int db, std::string_view key) {
    store::KeyEntry* e = Peek(db, key);
    return e != nullptr && server_.db(db).IsExpired(e);
  }
  bool KeyPresentAndLive(int db, std::string_view key) {
    store::KeyEntry* e = Peek(db, key);
    return e != nullptr && !server_.db(db).IsExpired(e);
  }

  Server& server_;
  std::unordered_map<int, KeyMap> by_key_;
};

WatchIndex& Index(Server& server) { return static_cast<WatchIndex&>(*server.watch_state); }

// Drops the queue and the MULTI flags (the watches stay).
void LeaveMulti(Client& c) {
  c.multi_queue().clear();
  c.Clear(server::kClientMulti | server::kClientDirtyExec | server::kClientDirtyCas |
          server::kClientMultiHasWrite | server::kClientMultiDenyOom);
}

// MULTI
void Multi(CommandContext& ctx) {
  if (ctx.client.Has(server::kClientMulti)) return ctx.reply.Error(server::err::kMultiNested);
  ctx.client.Set(server::kClientMulti);
  ctx.reply.Ok();
}

// EXEC
void Exec(CommandContext& ctx) {
  Client& c = ctx.client;
  if (!c.Has(server::kClientMulti)) return ctx.reply.Error(server::err::kExecWithoutMulti);
  WatchIndex& index = Index(ctx.server);
  if (c.Has(server::kClientDirtyExec)) {
    DiscardTransaction(ctx.server, c);
    return ctx.reply.Error(server::err::kExecAbort);
  }
  if (c.Has(server::kClientDirtyCas) || index.WatchedKeyExpired(c)) {
    DiscardTransaction(ctx.server, c);
    return ctx.reply.NullArray();
  }
  index.UnwatchAll(c);
  std::vector<Client::QueuedCommand> queue = std::move(c.multi_queue());
  c.multi_queue().clear();
  // The queued commands' replies follow the header: Call appends them.
  ctx.reply.Array(queue.size());
  // Like Redis: MULTI stays set while the queue runs, and blocking commands
  // (and SSUBSCRIBE) see a client that cannot block.
  const bool could_block = !c.Has(server::kClientDenyBlocking);
  c.Set(server::kClientDenyBlocking);
  for (const Client::QueuedCommand& q : queue) {
    std::vector<std::string_view> args(q.args.begin(), q.args.end());
    ctx.server.dispatcher().Call(c, *q.cmd, args);
  }
  if (could_block) c.Clear(server::kClientDenyBlocking);
  LeaveMulti(c);
}

// DISCARD
void Discard(CommandContext& ctx) {
  if (!ctx.client.Has(server::kClientMulti)) {
    return ctx.reply.Error(server::err::kDiscardWithoutMulti);
  }
  DiscardTransaction(ctx.server, ctx.client);
  ctx.reply.Ok();
}

// WATCH key [key ...]
void Watch(CommandContext& ctx) {
  if (ctx.client.Has(server::kClientMulti)) return ctx.reply.Error(server::err::kWatchInMulti);
  // A transaction already doomed gains nothing from more watches.
  if (!ctx.client.Has(server::kClientDirtyCas)) {
    WatchIndex& index = Index(ctx.server);
    for (size_t i = 1; i < ctx.argc(); ++i) index.Watch(ctx.client, ctx.db.index(), ctx.arg(i));
  }
  ctx.reply.Ok();
}

// UNWATCH
void Unwatch(CommandContext& ctx) {
  Index(ctx.server).UnwatchAll(ctx.client);
  ctx.client.Clear(server::kClientDirtyCas);
  ctx.reply.Ok();
}

}  // namespace

void DiscardTransaction(server::Server& server, server::Client& client) {
  LeaveMulti(client);
  if (server.watch_state) Index(server).UnwatchAll(client);
}

void RegisterTransactionCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  auto index = std::make_unique<WatchIndex>(server);
  WatchIndex* raw = index.get();
  server.watch_state = std::move(index);
  server.AddKeyModifiedHook([raw](int db, std::string_view key) { raw->OnKeyModified(db, key); });
  server.AddClientResetHook([&server](Client& c) { DiscardTransaction(server, c); });
  server.AddClientClosedHook([&server](Client& c) { DiscardTransaction(server, c); });

  constexpr uint64_t kControl = kCmdNoscript | kCmdLoading | kCmdStale | kCmdFast | kCmdAllowBusy;
  CommandTable& t = server.commands();
  t.Add({.name = "multi",
         .arity = 1,
         .flags = kControl,
         .handler = Multi,
         .group = "transactions",
         .summary = "Mark the start of a transaction block",
         .since = "1.2.0",
         .complexity = "O(1)"});
  t.Add({.name = "exec",
         .arity = 1,
         .flags = kCmdNoscript | kCmdLoading | kCmdStale | kCmdSkipSlowlog,
         .handler = Exec,
         .group = "transactions",
         .summary = "Execute all commands issued after MULTI",
         .since = "1.2.0",
         .complexity = "Depends on commands in the transaction"});
  t.Add({.name = "discard",
         .arity = 1,
         .flags = kControl,
         .handler = Discard,
         .group = "transactions",
         .summary = "Discard all commands issued after MULTI",
         .since = "2.0.0",
         .complexity = "O(N), when N is the number of queued commands"});
  t.Add({.name = "watch",
         .arity = -2,
         .flags = kControl,
         .first_key = 1,
         .last_key = -1,
         .key_step = 1,
         .handler = Watch,
         .group = "transactions",
         .summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
         .since = "2.2.0",
         .complexity = "O(1) for every key.",
         .key_spec_flags = {"RO"}});
  t.Add({.name = "unwatch",
         .arity = 1,
         .flags = kControl,
         .handler = Unwatch,
         .group = "transactions",
         .summary = "Forget about all watched keys",
         .since = "2.2.0",
         .complexity = "O(1)"});
}

}  // namespace baton::commands
