// The switchover redirect decision (SWITCHOVER.md, "CLIENT CAPA redirect and
// -REDIRECT"), installed in the Dispatcher at the redirect gate position.
//
// On a replica, a client that sent CLIENT CAPA redirect gets
// `-REDIRECT <master-host>:<master-port>` for commands flagged write, and for
// commands flagged readonly unless it sent READONLY; other commands run
// locally. Inside MULTI a redirected command flags the transaction (EXEC then
// answers EXECABORT). A transaction queued while the node was a primary whose
// EXEC arrives after the demotion is discarded and EXEC answers -REDIRECT.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace baton::server {
class Server;
class Client;
struct CommandSpec;
}  // namespace baton::server

namespace baton::switchover {

// Registers the check with server.dispatcher(). Called once when the server is built.
void InstallRedirectCheck(server::Server& server);

// Whether `cmd` from `client` must go to the primary (ignores the role).
[[nodiscard]] bool NeedsPrimary(const server::Client& client, const server::CommandSpec& cmd);

// The gate check itself: true when it answered the client (the command stops).
bool CheckRedirect(server::Server& server, server::Client& client, const server::CommandSpec& cmd);

// The error line (without '-') pointing at the current primary.
[[nodiscard]] std::string RedirectError(server::Server& server);

}  // namespace baton::switchover
