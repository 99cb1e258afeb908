#include "baton/commands/registry.h"

namespace baton::commands {

void RegisterAll(server::Server& server) {
  RegisterConnectionCommands(server);
  RegisterStringCommands(server);
  RegisterBitmapCommands(server);
  RegisterKeyCommands(server);
  RegisterServerCommands(server);
  RegisterClientCommands(server);
  RegisterConfigCommands(server);
  RegisterIntrospectionCommands(server);
  RegisterDebugCommands(server);
  RegisterHashCommands(server);
  RegisterSetCommands(server);
  RegisterTransactionCommands(server);
  RegisterPubsubCommands(server);
  RegisterListCommands(server);
  RegisterSortedSetCommands(server);
  RegisterHyperLogLogCommands(server);
  RegisterSortCommands(server);
  RegisterPersistenceCommands(server);  // also installs persistence::Persistence
  RegisterReplicationCommands(server);
  RegisterFailoverCommands(server);  // after replication: it subscribes to its events
  RegisterDumpRestoreCommands(server);
}

}  // namespace baton::commands
