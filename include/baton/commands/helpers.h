// Helpers shared by command handlers: argument parsing with Redis's error
// replies, and typed key lookups that count keyspace hits and misses.
#pragma once

#include <cstdint>
#include <string_view>

#include "baton/server/command_context.h"
#include "baton/server/errors.h"
#include "baton/store/database.h"

namespace baton::commands {

using server::CommandContext;

// Parses args[i] as int64; on failure replies `error` and returns false.
bool ParseIntArg(CommandContext& ctx, size_t i, int64_t* out,
                 std::string_view error = server::err::kNotInteger);
// Parses args[i] as a double (no NaN); on failure replies kNotFloat.
bool ParseDoubleArg(CommandContext& ctx, size_t i, double* out);
// Parses a non-negative int (e.g. COUNT); replies Redis's
// "ERR value is out of range, must be positive" when negative.
bool ParsePositiveArg(CommandContext& ctx, size_t i, int64_t* out);

// True when args[i] equals `word`, ignoring case.
bool ArgIs(const CommandContext& ctx, size_t i, std::string_view word);

enum class Lookup { kMissing, kFound, kWrongType };

// Finds a key for reading. Counts a hit or miss. When the key holds another
// type, replies WRONGTYPE and returns kWrongType.
Lookup LookupRead(CommandContext& ctx, std::string_view key, store::ValueType type,
                  store::KeyEntry** out);
// Same for writing (no hit/miss accounting, no LRU skip).
Lookup LookupWrite(CommandContext& ctx, std::string_view key, store::ValueType type,
                   store::KeyEntry** out);

// Replies with a string value's bytes.
void ReplyStringValue(CommandContext& ctx, const store::Value& value);

}  // namespace baton::commands
