// Shared by the keyspace command files (keys.cc, expire.cc, scan.cc,
// object.cc): their registration functions and type-agnostic key lookups.
#pragma once

#include <cstdint>
#include <string_view>

#include "baton/server/command_context.h"
#include "baton/store/database.h"

namespace baton::server {
class Server;
}  // namespace baton::server

namespace baton::commands {

void RegisterGenericKeyCommands(server::Server& server);  // DEL, RENAME, COPY, FLUSH*...
void RegisterExpireCommands(server::Server& server);      // EXPIRE, TTL, PERSIST...
void RegisterScanCommands(server::Server& server);        // KEYS, SCAN
void RegisterObjectCommand(server::Server& server);       // OBJECT
void RegisterMemoryCommand(server::Server& server);       // MEMORY

// Finds a live key of any type for reading; counts a keyspace hit or miss.
// `flags` adds store::LookupFlags (e.g. kLookupNoTouch).
store::KeyEntry* FindKeyRead(server::CommandContext& ctx, std::string_view key,
                             unsigned flags = store::kLookupNone);
// Same for writing: no hit/miss accounting.
store::KeyEntry* FindKeyWrite(server::CommandContext& ctx, std::string_view key,
                              unsigned flags = store::kLookupNone);

// Parses a database index like Redis's getIntFromObjectOrReply: replies
// `not_int_error` when not an integer (and, when given, when outside int
// range; otherwise Redis's "value must between" text). Returns false after
// replying.
bool ParseDbIndexArg(server::CommandContext& ctx, size_t i, int64_t* out,
                     std::string_view not_int_error = {});

}  // namespace baton::commands
