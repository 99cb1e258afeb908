// Explicit registration of every command family, called once from the
// Server's constructor. No static self-registration: this file is the list.
#pragma once

namespace baton::server {
class Server;
class CommandTable;
}  // namespace baton::server

namespace baton::commands {

void RegisterAll(server::Server& server);

// One per family (src/commands/<family>.cc).
void RegisterConnectionCommands(server::Server& server);
void RegisterStringCommands(server::Server& server);
void RegisterBitmapCommands(server::Server& server);
void RegisterKeyCommands(server::Server& server);
void RegisterServerCommands(server::Server& server);
void RegisterClientCommands(server::Server& server);
void RegisterConfigCommands(server::Server& server);
void RegisterIntrospectionCommands(server::Server& server);  // COMMAND, INFO, SLOWLOG, MONITOR
void RegisterDebugCommands(server::Server& server);
void RegisterHashCommands(server::Server& server);
void RegisterSetCommands(server::Server& server);
void RegisterTransactionCommands(server::Server& server);  // MULTI EXEC DISCARD WATCH UNWATCH
void RegisterPubsubCommands(server::Server& server);
void RegisterListCommands(server::Server& server);       // lists, BLPOP and the other blocking pops
void RegisterSortedSetCommands(server::Server& server);  // sorted sets, BZPOPMIN...
void RegisterHyperLogLogCommands(server::Server& server);  // PFADD PFCOUNT PFMERGE PFDEBUG
void RegisterSortCommands(server::Server& server);         // SORT SORT_RO
void RegisterPersistenceCommands(server::Server& server);  // SAVE BGSAVE BGREWRITEAOF LASTSAVE
// REPLICAOF SLAVEOF SYNC PSYNC REPLCONF WAIT ROLE
void RegisterReplicationCommands(server::Server& server);
void RegisterFailoverCommands(server::Server& server);     // FAILOVER
void RegisterDumpRestoreCommands(server::Server& server);  // DUMP RESTORE

}  // namespace baton::commands
