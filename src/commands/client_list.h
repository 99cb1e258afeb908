// CLIENT LIST / INFO / KILL: the client description line and the filters,
// shared by client.cc (registration) and client_list.cc.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "baton/server/command_context.h"

namespace baton::commands {

enum class ClientType { kNormal, kReplica, kPubsub, kMaster };

// "normal", "master", "replica"/"slave", "pubsub" (any case).
bool ParseClientType(std::string_view text, ClientType* out);
ClientType TypeOf(const server::Client& client);
// "ip:port", or "/path:0" for a unix socket (CLIENT LIST addr= and laddr=).
std::string ClientAddress(const server::Client& client, bool local);
// One CLIENT LIST line without the newline. `current_args` are the arguments
// of the command the client is running (argv-mem), empty for other clients.
std::string DescribeClient(server::Server& server, const server::Client& client,
                           std::span<const std::string_view> current_args);

// CLIENT LIST [TYPE type] | [ID id [id ...]]
void ClientList(server::CommandContext& ctx);
// CLIENT INFO
void ClientInfo(server::CommandContext& ctx);
// CLIENT KILL ip:port | CLIENT KILL filter value [filter value ...]
void ClientKill(server::CommandContext& ctx);

}  // namespace baton::commands
