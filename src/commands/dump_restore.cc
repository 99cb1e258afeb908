// DUMP and RESTORE: a key's value as Redis 7.0's serialized payload.
#include <string>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/persistence/rdb.h"
#include "baton/server/errors.h"
#include "baton/server/server.h"
#include "keyspace.h"

namespace baton::commands {
namespace {

namespace err = server::err;
using server::kCmdDenyOom;
using server::kCmdReadonly;
using server::kCmdWrite;

constexpr int64_t kMaxFreq = 255;

// DUMP key
void Dump(CommandContext& ctx) {
  store::KeyEntry* e = FindKeyRead(ctx, ctx.arg(1));
  if (e == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(persistence::DumpPayload(ctx.server, e->value));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void Restore(CommandContext& ctx) {
  bool replace = false;
  bool absttl = false;
  int64_t idle = -1;
  int64_t freq = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    const bool has_value = j + 1 < ctx.argc();
    if (ArgIs(ctx, j, "replace")) {
      replace = true;
    } else if (ArgIs(ctx, j, "absttl")) {
      absttl = true;
    } else if (ArgIs(ctx, j, "idletime") && has_value && freq == -1) {
      if (!ParseIntArg(ctx, j + 1, &idle)) return;
      if (idle < 0) return ctx.reply.Error(err::kInvalidIdletime);
      ++j;
    } else if (ArgIs(ctx, j, "freq") && has_value && idle == -1) {
      if (!ParseIntArg(ctx, j + 1, &freq)) return;
      if (freq < 0 || freq > kMaxFreq) return ctx.reply.Error(err::kInvalidFreq);
      ++j;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  const std::string_view key = ctx.arg(1);
  if (!replace && FindKeyWrite(ctx, key) != nullptr) return ctx.reply.Error(err::kBusyKey);
  int64_t ttl = 0;
  if (!ParseIntArg(ctx, 2, &ttl)) return;
  if (ttl < 0) return ctx.reply.Error(err::kInvalidTtl);

  store::Value value;
  const std::string error = persistence::RestorePayload(ctx.server, ctx.arg(3), value);
  if (!error.empty()) return ctx.reply.Error(error);

  const bool deleted = replace && ctx.db.Delete(key);
  const int64_t now = ctx.server.NowMs();
  if (ttl != 0 && !absttl) ttl += now;
  if (ttl != 0 && ttl <= now && !ctx.server.role().is_replica) {
    // Already expired: the key just goes away.
    if (deleted) {
      ctx.PropagateAs({"DEL", std::string(key)});
      ctx.MarkDirty();
    }
    return ctx.reply.Ok();
  }
  store::KeyEntry* e = ctx.db.Add(key, std::move(value));
  if (ttl != 0) {
    ctx.db.SetExpire(e, ttl);
    if (!absttl) {
      // Propagate the expiry as an absolute time.
      std::vector<std::string> effect(ctx.args.begin(), ctx.args.end());
      effect[2] = std::to_string(ttl);
      effect.emplace_back("ABSTTL");
      ctx.PropagateAs(std::move(effect));
    }
  }
  if (ctx.server.LfuEnabled()) {
    if (freq >= 0) {
      const auto minutes = static_cast<uint32_t>(now / 60000) & 0xFFFF;
      e->lru = (minutes << 8) | static_cast<uint32_t>(freq);
    }
  } else if (idle >= 0) {
    const int64_t clock = now / 1000;
    e->lru = static_cast<uint32_t>(idle < clock ? clock - idle : 0);
  }
  ctx.MarkDirty();
  ctx.reply.Ok();
}

}  // namespace

void RegisterDumpRestoreCommands(server::Server& server) {
  server::CommandTable& t = server.commands();
  t.Add({.name = "dump",
         .arity = 2,
         .flags = kCmdReadonly,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = Dump,
         .group = "generic",
         .summary = "Return a serialized version of the value stored at the specified key.",
         .since = "2.6.0",
         .complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is "
                       "the number of Redis objects composing the value and M their average size. "
                       "For small string values the time complexity is thus O(1)+O(1*M) where M "
                       "is small, so simply O(1).",
         .tips = {"nondeterministic_output"},
         .key_spec_flags = {"RO", "access"}});
  t.Add({.name = "restore",
         .arity = -4,
         .flags = kCmdWrite | kCmdDenyOom,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = Restore,
         .group = "generic",
         .summary = "Create a key using the provided serialized value, previously obtained using "
                    "DUMP.",
         .since = "2.6.0",
         .complexity = "O(1) to create the new key and additional O(N*M) to reconstruct the "
                       "serialized value, where N is the number of Redis objects composing the "
                       "value and M their average size. For small string values the time "
                       "complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However "
                       "for sorted set values the complexity is O(N*M*log(N)) because inserting "
                       "values into sorted sets is O(log(N)).",
         .key_spec_flags = {"OW", "update"}});
}

}  // namespace baton::commands
