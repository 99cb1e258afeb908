#include "baton/commands/helpers.h"

#include <cmath>

#include "baton/server/server.h"
#include "baton/util/strings.h"

namespace baton::commands {

bool ParseIntArg(CommandContext& ctx, size_t i, int64_t* out, std::string_view error) {
  if (store::ParseInt64(ctx.args[i], out)) return true;
  ctx.reply.Error(error);
  return false;
}

bool ParseDoubleArg(CommandContext& ctx, size_t i, double* out) {
  if (store::ParseDouble(ctx.args[i], out)) return true;
  ctx.reply.Error(server::err::kNotFloat);
  return false;
}

bool ParsePositiveArg(CommandContext& ctx, size_t i, int64_t* out) {
  if (!ParseIntArg(ctx, i, out)) return false;
  if (*out < 0) {
    ctx.reply.Error("ERR value is out of range, must be positive");
    return false;
  }
  return true;
}

bool ArgIs(const CommandContext& ctx, size_t i, std::string_view word) {
  return i < ctx.args.size() && util::EqualsIgnoreCase(ctx.args[i], word);
}

namespace {

Lookup Typed(CommandContext& ctx, store::KeyEntry* entry, store::ValueType type,
             store::KeyEntry** out) {
  *out = entry;
  if (entry == nullptr) return Lookup::kMissing;
  if (entry->value.type() != type) {
    ctx.reply.Error(server::err::kWrongType);
    return Lookup::kWrongType;
  }
  return Lookup::kFound;
}

unsigned LookupFlags(const CommandContext& ctx) {
  unsigned flags = store::kLookupNone;
  if (ctx.client.Has(server::kClientNoTouch) && ctx.cmd.name != "touch")
    flags |= store::kLookupNoTouch;
  if (ctx.client.Has(server::kClientMaster)) flags |= store::kLookupIgnoreTtl;
  return flags;
}

}  // namespace

Lookup LookupRead(CommandContext& ctx, std::string_view key, store::ValueType type,
                  store::KeyEntry** out) {
  store::KeyEntry* entry = ctx.db.Lookup(key, LookupFlags(ctx));
  if (entry == nullptr) {
    ++ctx.server.stats().keyspace_misses;
  } else {
    ++ctx.server.stats().keyspace_hits;
  }
  return Typed(ctx, entry, type, out);
}

Lookup LookupWrite(CommandContext& ctx, std::string_view key, store::ValueType type,
                   store::KeyEntry** out) {
  return Typed(ctx, ctx.db.Lookup(key, LookupFlags(ctx)), type, out);
}

void ReplyStringValue(CommandContext& ctx, const store::Value& value) {
  if (value.is_int()) {
    ctx.reply.BulkInteger(value.int_value());
  } else {
    ctx.reply.Bulk(value.Bytes().view());
  }
}

}  // namespace baton::commands
