#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/server/server.h"

namespace baton::commands {

void RegisterStringCommands(server::Server& server) { (void)server; }

}  // namespace baton::commands
