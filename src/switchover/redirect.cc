#include "baton/switchover/redirect.h"

#include "baton/commands/transactions.h"
#include "baton/server/client.h"
#include "baton/server/command_table.h"
#include "baton/server/errors.h"
#include "baton/server/server.h"

namespace baton::switchover {
namespace {

using server::Client;
using server::CommandSpec;

bool IsTopLevel(const CommandSpec& cmd, std::string_view name) {
  return cmd.parent == nullptr && cmd.name == name;
}

// MULTI, EXEC, DISCARD, WATCH... are never queued, so they never flag the
// transaction (none of them is flagged write or readonly anyway).
bool QueueNeedsPrimary(Client& client) {
  for (const Client::QueuedCommand& q : client.multi_queue()) {
    if (q.cmd != nullptr && NeedsPrimary(client, *q.cmd)) return true;
  }
  return false;
}

}  // namespace

bool NeedsPrimary(const Client& client, const CommandSpec& cmd) {
  if (cmd.Has(server::kCmdWrite)) return true;
  return cmd.Has(server::kCmdReadonly) && !client.Has(server::kClientReadonly);
}

std::string RedirectError(server::Server& server) {
  const server::ReplicationRole& role = server.role();
  std::string line(server::err::kRedirectPrefix);
  line.append(role.master_host).append(":").append(std::to_string(role.master_port));
  return line;
}

bool CheckRedirect(server::Server& server, Client& client, const CommandSpec& cmd) {
  if (!server.role().is_replica) return false;
  if (!client.Has(server::kClientCapaRedirect) || client.Has(server::kClientMaster)) return false;

  if (IsTopLevel(cmd, "exec") && client.Has(server::kClientMulti)) {
    // A queueing error already doomed the transaction: EXEC reports EXECABORT.
    if (client.Has(server::kClientDirtyExec)) return false;
    if (client.Has(server::kClientRedirectAfterDemotion) || QueueNeedsPrimary(client)) {
      commands::DiscardTransaction(server, client);
      client.Clear(server::kClientRedirectAfterDemotion);
      client.reply().Error(RedirectError(server));
      return true;
    }
    return false;
  }
  if (!NeedsPrimary(client, cmd)) return false;
  if (client.Has(server::kClientMulti)) client.Set(server::kClientDirtyExec);
  client.reply().Error(RedirectError(server));
  return true;
}

void InstallRedirectCheck(server::Server& server) {
  server.dispatcher().SetRedirectCheck(
      [&server](Client& client, const CommandSpec& cmd, std::span<const std::string_view>) {
        return CheckRedirect(server, client, cmd);
      });
}

}  // namespace baton::switchover
