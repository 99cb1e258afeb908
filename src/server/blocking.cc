#include "baton/server/blocking.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "baton/server/command_context.h"
#include "baton/server/errors.h"
#include "baton/server/server.h"

namespace baton::server {
namespace {

// A waited-on key; compared with (db, string_view) without allocating.
struct WaitKey {
  int db;
  std::string key;
};
struct WaitKeyView {
  int db;
  std::string_view key;
};
struct WaitKeyLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (a.db != b.db) return a.db < b.db;
    return std::string_view(a.key) < std::string_view(b.key);
  }
};

// Per-client: the parked command and what it waits for.
struct ClientBlock final : Client::Extension {
  const CommandSpec* cmd = nullptr;
  std::vector<std::string> args;
  int db = 0;
  int64_t deadline_ms = 0;  // 0: none
  uint64_t sequence = 0;    // blocking order
  std::vector<std::string> keys;
  // Set while the command is re-executed for a ready key.
  const std::string* serving_key = nullptr;
  bool reblocked = false;
};

// Per-server: waiters per key, the ready list, deadlines.
struct BlockingState final : Server::ModuleState {
  std::map<WaitKey, std::list<uint64_t>, WaitKeyLess> waiting;  // client ids, FIFO
  std::vector<WaitKey> ready;
  std::set<WaitKey, WaitKeyLess> ready_set;
  std::set<std::pair<int64_t, uint64_t>> deadlines;  // (deadline, client id)
  std::map<uint64_t, uint64_t> blocked;              // sequence -> client id
  std::deque<uint64_t> unblocked;                    // input to process
  uint64_t next_sequence = 1;
  bool serving = false;
};

BlockingState* StateOf(Server& server) {
  return static_cast<BlockingState*>(server.blocking_state.get());
}

ClientBlock* BlockOf(const Client& client) {
  if (!client.Has(kClientBlocked)) return nullptr;
  return dynamic_cast<ClientBlock*>(client.blocking_state.get());
}

// Takes the client out of every wait structure; keeps its flags.
void Forget(BlockingState& st, Client& client, ClientBlock& block) {
  for (const std::string& key : block.keys) {
    auto it = st.waiting.find(WaitKeyView{block.db, key});
    if (it == st.waiting.end()) continue;
    it->second.remove(client.id());
    if (it->second.empty()) st.waiting.erase(it);
  }
  if (block.deadline_ms != 0) st.deadlines.erase({block.deadline_ms, client.id()});
  st.blocked.erase(block.sequence);
}

// Ends the wait after the client got its answer: its further input runs
// before the loop sleeps.
void FinishUnblock(Server& server, BlockingState& st, Client& client, ClientBlock& block) {
  Forget(st, client, block);
  client.Clear(kClientBlocked);
  client.blocking_state.reset();
  st.unblocked.push_back(client.id());
  server.MarkPendingWrite(client);
}

// Drops a client's wait without answering (disconnect, RESET).
void DropClient(Server& server, Client& client) {
  BlockingState* st = StateOf(server);
  ClientBlock* block = BlockOf(client);
  if (st == nullptr || block == nullptr) return;
  Forget(*st, client, *block);
  client.Clear(kClientBlocked);
  client.blocking_state.reset();
}

// Re-runs a blocked command for `key`. True when the client was answered.
bool Reexecute(Server& server, BlockingState& st, Client& client, ClientBlock& block,
               const std::string& key) {
  block.serving_key = &key;
  block.reblocked = false;
  std::vector<std::string_view> views(block.args.begin(), block.args.end());
  store::Database& db = server.db(block.db);
  CommandContext ctx{server, client, *block.cmd, views, client.reply(), db};
  const size_t mark = client.output().size();
  client.Set(kClientExecuting);
  block.cmd->handler(ctx);
  client.Clear(kClientExecuting);
  block.serving_key = nullptr;

  if (ctx.dirty > 0) server.AddDirty(ctx.dirty);
  if (!ctx.rewritten && ctx.dirty > 0) {
    server.dispatcher().AddEffect(db.index(), block.args);
  }
  for (auto& effect : ctx.effects) server.dispatcher().AddEffect(db.index(), std::move(effect));
  if (block.reblocked) return false;
  if (client.Has(kClientReplyOff)) client.output().resize(mark);
  FinishUnblock(server, st, client, block);
  return true;
}

}  // namespace

void InstallBlocking(Server& server) {
  if (server.blocking_state != nullptr) return;
  server.blocking_state = std::make_unique<BlockingState>();
  Server* s = &server;
  server.dispatcher().AddAfterCommandHook([s]() { ServeReadyKeys(*s); });
  server.AddBeforeSleepTask([s]() {
    ServeReadyKeys(*s);
    CheckBlockedTimeouts(*s);
    ProcessUnblockedClients(*s);
  });
  server.AddCronTask([s]() { CheckBlockedTimeouts(*s); });
  // A safety net for writes that do not signal (RENAME, MOVE, RESTORE...):
  // any change to a waited-on key makes it ready; serving re-checks it.
  server.AddKeyModifiedHook([s](int db, std::string_view key) { SignalKeyReady(*s, db, key); });
  server.AddClientClosedHook([s](Client& c) { DropClient(*s, c); });
  server.AddClientResetHook([s](Client& c) { DropClient(*s, c); });
}

bool ParseBlockingTimeout(CommandContext& ctx, size_t arg_index, int64_t* deadline_ms) {
  long double seconds = 0;
  if (!store::ParseLongDouble(ctx.arg(arg_index), &seconds)) {
    ctx.reply.Error(err::kTimeoutNotFloat);
    return false;
  }
  const long double ms = std::ceil(seconds * 1000.0L);
  // Out of int64 range counts as negative, as Redis's conversion makes it.
  constexpr long double kLimit = 9223372036854775808.0L;
  if (!(ms < kLimit) || ms < 0) {
    ctx.reply.Error(err::kTimeoutNegative);
    return false;
  }
  const auto relative = static_cast<int64_t>(ms);
  if (relative == 0) {
    *deadline_ms = 0;
    return true;
  }
  const int64_t now = ctx.server.NowMs();
  *deadline_ms = relative > std::numeric_limits<int64_t>::max() - now
                     ? std::numeric_limits<int64_t>::max()
                     : now + relative;
  return true;
}

bool MayBlock(const CommandContext& ctx) {
  return !ctx.client.Has(kClientMulti) && !ctx.client.Has(kClientDenyBlocking) &&
         ctx.server.dispatcher().call_depth() <= 1;
}

void BlockForKeys(CommandContext& ctx, std::span<const std::string_view> keys,
                  int64_t deadline_ms) {
  InstallBlocking(ctx.server);
  BlockingState& st = *StateOf(ctx.server);
  if (ClientBlock* existing = BlockOf(ctx.client); existing != nullptr) {
    // Re-executed and still nothing to serve: stay blocked as before.
    existing->reblocked = true;
    return;
  }
  auto block = std::make_unique<ClientBlock>();
  block->cmd = &ctx.cmd;
  block->args.assign(ctx.args.begin(), ctx.args.end());
  block->db = ctx.db.index();
  block->deadline_ms = deadline_ms;
  block->sequence = st.next_sequence++;
  const uint64_t id = ctx.client.id();
  for (std::string_view key : keys) {
    if (std::find(block->keys.begin(), block->keys.end(), key) != block->keys.end()) continue;
    block->keys.emplace_back(key);
    auto it = st.waiting.find(WaitKeyView{block->db, key});
    if (it == st.waiting.end()) {
      it = st.waiting.emplace(WaitKey{block->db, std::string(key)}, std::list<uint64_t>()).first;
    }
    it->second.push_back(id);
  }
  if (deadline_ms != 0) st.deadlines.emplace(deadline_ms, id);
  st.blocked.emplace(block->sequence, id);
  ctx.client.blocking_state = std::move(block);
  ctx.client.Set(kClientBlocked);
}

const std::string* ServingKey(const Client& client) {
  const ClientBlock* block = BlockOf(client);
  return block != nullptr ? block->serving_key : nullptr;
}

void SignalKeyReady(Server& server, int db, std::string_view key) {
  BlockingState* st = StateOf(server);
  if (st == nullptr || st->waiting.empty()) return;
  if (st->waiting.find(WaitKeyView{db, key}) == st->waiting.end()) return;
  if (st->ready_set.find(WaitKeyView{db, key}) != st->ready_set.end()) return;
  st->ready_set.insert(WaitKey{db, std::string(key)});
  st->ready.push_back(WaitKey{db, std::string(key)});
}

void ServeReadyKeys(Server& server) {
  BlockingState* st = StateOf(server);
  if (st == nullptr || st->ready.empty() || st->serving) return;
  st->serving = true;
  server.UpdateCachedTime();
  // Serving may make more keys ready (BLMOVE pushing to a waited-on list).
  while (!st->ready.empty()) {
    std::vector<WaitKey> batch;
    batch.swap(st->ready);
    st->ready_set.clear();
    for (const WaitKey& ready : batch) {
      auto it = st->waiting.find(ready);
      if (it == st->waiting.end()) continue;
      const std::vector<uint64_t> waiters(it->second.begin(), it->second.end());
      for (uint64_t id : waiters) {
        Client* client = server.FindClient(id);
        ClientBlock* block = client != nullptr ? BlockOf(*client) : nullptr;
        if (block == nullptr || block->db != ready.db) continue;
        if (!Reexecute(server, *st, *client, *block, ready.key)) break;
      }
    }
  }
  st->serving = false;
}

void CheckBlockedTimeouts(Server& server) {
  BlockingState* st = StateOf(server);
  if (st == nullptr || st->deadlines.empty()) return;
  server.UpdateCachedTime();
  const int64_t now = server.NowMs();
  while (!st->deadlines.empty() && st->deadlines.begin()->first <= now) {
    const uint64_t id = st->deadlines.begin()->second;
    st->deadlines.erase(st->deadlines.begin());
    Client* client = server.FindClient(id);
    ClientBlock* block = client != nullptr ? BlockOf(*client) : nullptr;
    if (block == nullptr) continue;
    client->reply().NullArray();
    FinishUnblock(server, *st, *client, *block);
  }
}

void ProcessUnblockedClients(Server& server) {
  BlockingState* st = StateOf(server);
  if (st == nullptr) return;
  while (!st->unblocked.empty()) {
    const uint64_t id = st->unblocked.front();
    st->unblocked.pop_front();
    Client* client = server.FindClient(id);
    if (client == nullptr || client->Has(kClientBlocked)) continue;
    client->ProcessInput();
    if (!client->output().empty()) server.MarkPendingWrite(*client);
  }
}

bool UnblockClient(Server& server, Client& client, bool with_error) {
  BlockingState* st = StateOf(server);
  ClientBlock* block = BlockOf(client);
  if (st == nullptr || block == nullptr) return false;
  if (with_error) {
    client.reply().Error(err::kUnblockedByClient);
  } else {
    client.reply().NullArray();
  }
  FinishUnblock(server, *st, client, *block);
  return true;
}

bool TakeBlockedCommand(Server& server, Client& client, std::vector<std::string>* args,
                        int64_t* deadline_ms) {
  BlockingState* st = StateOf(server);
  ClientBlock* block = BlockOf(client);
  if (st == nullptr || block == nullptr) return false;
  *args = std::move(block->args);
  *deadline_ms = block->deadline_ms;
  FinishUnblock(server, *st, client, *block);
  return true;
}

size_t BlockedClientCount(Server& server) {
  BlockingState* st = StateOf(server);
  return st != nullptr ? st->blocked.size() : 0;
}

size_t BlockedKeyCount(Server& server) {
  BlockingState* st = StateOf(server);
  return st != nullptr ? st->waiting.size() : 0;
}

size_t BlockedWithTimeoutCount(Server& server) {
  BlockingState* st = StateOf(server);
  return st != nullptr ? st->deadlines.size() : 0;
}

void ForEachBlockedClient(Server& server, const std::function<void(Client&)>& fn) {
  BlockingState* st = StateOf(server);
  if (st == nullptr) return;
  std::vector<uint64_t> ids;
  ids.reserve(st->blocked.size());
  for (const auto& [sequence, id] : st->blocked) ids.push_back(id);
  for (uint64_t id : ids) {
    if (Client* client = server.FindClient(id); client != nullptr) fn(*client);
  }
}

}  // namespace baton::server
