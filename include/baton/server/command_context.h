// What a command handler gets: the arguments, the client, the selected
// database and the reply writer. Handlers never touch sockets.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "baton/resp/reply_writer.h"
#include "baton/server/client.h"
#include "baton/server/command_table.h"
#include "baton/store/database.h"

namespace baton::server {

class Server;

struct CommandContext {
  Server& server;
  Client& client;
  const CommandSpec& cmd;
  std::span<const std::string_view> args;
  resp::ReplyWriter& reply;
  store::Database& db;

  [[nodiscard]] size_t argc() const { return args.size(); }
  [[nodiscard]] std::string_view arg(size_t i) const { return args[i]; }

  // The command changed the dataset `n` times. Unless PropagateAs() is used,
  // the command is propagated to replicas and the AOF as it was received.
  void MarkDirty(int64_t n = 1) { dirty += n; }
  // Propagates `effect` (in the selected db) instead of the command as
  // received; may be called several times (SPOP with a count, expiry...).
  void PropagateAs(std::vector<std::string> effect) {
    effects.push_back(std::move(effect));
    rewritten = true;
  }
  // Propagates `effect` to replicas only, not to the AOF (PUBLISH, SPUBLISH).
  void PropagateToReplicasOnly(std::vector<std::string> effect) {
    PropagateAs(std::move(effect));
    replicas_only = true;
  }
  // Keeps the command from being propagated even though it was dirty.
  void PreventPropagation() { rewritten = true; }

  int64_t dirty = 0;
  bool rewritten = false;
  bool replicas_only = false;
  std::vector<std::vector<std::string>> effects;
};

}  // namespace baton::server
