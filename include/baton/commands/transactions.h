// MULTI/EXEC/WATCH state shared with other modules: the gate (an EXEC it
// rejects discards the transaction) and anything that must end a client's
// transaction (RESET, client teardown already do it through hooks).
#pragma once

namespace baton::server {
class Server;
class Client;
}  // namespace baton::server

namespace baton::commands {

// Leaves MULTI: drops the queued commands and the MULTI flags, and unwatches
// every key the client watches.
void DiscardTransaction(server::Server& server, server::Client& client);

}  // namespace baton::commands
