// CONFIG GET / SET / RESETSTAT / REWRITE / HELP.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/config/config.h"
#include "baton/resp/request_parser.h"
#include "baton/server/logging.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"

namespace baton::commands {
namespace {

using config::ParamSpec;
using server::CommandContext;
namespace err = server::err;

bool HasGlobChars(std::string_view pattern) {
  return pattern.find_first_of("*?[\\") != std::string_view::npos;
}

bool IsLocalClient(const server::Client& client) {
  if (client.Has(server::kClientUnixSocket) || client.Has(server::kClientFake)) return true;
  const std::string& peer = client.peer();
  return peer.rfind("127.", 0) == 0 || peer.rfind("::1:", 0) == 0 || peer.rfind("[::1]:", 0) == 0;
}

std::string SetFailed(std::string_view arg, std::string_view why) {
  return "ERR CONFIG SET failed (possibly related to argument '" + std::string(arg) + "') - " +
         std::string(why);
}

// CONFIG GET parameter [parameter ...]
void ConfigGet(CommandContext& ctx) {
  config::Config& cfg = ctx.server.config();
  std::vector<std::pair<std::string, std::string>> out;
  std::unordered_set<std::string> seen;
  auto add = [&](const std::string& key, const ParamSpec& p) {
    if (seen.insert(key).second) out.emplace_back(key, cfg.Get(p));
  };
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view pattern = ctx.arg(i);
    if (!HasGlobChars(pattern)) {
      // An exact name (or alias) is answered under the name as given.
      if (const ParamSpec* p = cfg.Find(pattern); p != nullptr) add(std::string(pattern), *p);
      continue;
    }
    for (const ParamSpec& p : cfg.params()) {
      if (util::GlobMatch(pattern, p.name, true)) add(p.name, p);
      if (!p.alias.empty() && util::GlobMatch(pattern, p.alias, true)) add(p.alias, p);
    }
  }
  ctx.reply.Map(out.size());
  for (const auto& [key, value] : out) {
    ctx.reply.Bulk(key);
    ctx.reply.Bulk(value);
  }
}

// Why `p` cannot be changed at run time by this client ("" when it can).
std::string_view ChangeDenied(const CommandContext& ctx, const ParamSpec& p) {
  if ((p.flags & config::kParamImmutable) != 0) return "can't set immutable config";
  if ((p.flags & config::kParamProtected) != 0) {
    const auto toggle = static_cast<config::Toggle>(ctx.server.settings().enable_protected_configs);
    const bool allowed = toggle == config::Toggle::kYes ||
                         (toggle == config::Toggle::kLocal && IsLocalClient(ctx.client));
    if (!allowed) return "can't set protected config";
  }
  return "";
}

// CONFIG SET parameter value [parameter value ...]
void ConfigSet(CommandContext& ctx) {
  if ((ctx.argc() - 2) % 2 != 0) return ctx.reply.Error(err::kSyntax);
  config::Config& cfg = ctx.server.config();
  struct Change {
    const ParamSpec* spec;
    std::string_view given;  // the name as the client wrote it (for errors)
    std::string_view value;
    std::string old_value;
  };
  std::vector<Change> changes;
  // 1. Every name must exist, be settable and appear once.
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    std::string_view name = ctx.arg(i);
    const ParamSpec* p = cfg.Find(name);
    if (p == nullptr) {
      return ctx.reply.Error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                             std::string(name) + "'");
    }
    if (std::string_view why = ChangeDenied(ctx, *p); !why.empty()) {
      return ctx.reply.Error(SetFailed(name, why));
    }
    for (const Change& c : changes) {
      if (util::EqualsIgnoreCase(c.given, name)) {
        return ctx.reply.Error(SetFailed(name, "duplicate parameter"));
      }
    }
    changes.push_back({p, name, ctx.arg(i + 1), cfg.Get(*p)});
  }
  // 2. Set every value; restore them all when one does not parse.
  auto restore = [&](size_t count) {
    for (size_t k = count; k-- > 0;)
      (void)cfg.SetFromString(*changes[k].spec, changes[k].old_value);
  };
  for (size_t k = 0; k < changes.size(); ++k) {
    if (std::string e = cfg.SetFromString(*changes[k].spec, changes[k].value); !e.empty()) {
      restore(k);
      return ctx.reply.Error(SetFailed(changes[k].given, e));
    }
  }
  // 3. Apply at run time; when a hook fails, restore and re-apply the old values.
  for (size_t k = 0; k < changes.size(); ++k) {
    if (std::string e = cfg.Apply(*changes[k].spec); !e.empty()) {
      restore(changes.size());
      for (const Change& c : changes) (void)cfg.Apply(*c.spec);
      return ctx.reply.Error(SetFailed(changes[k].given, e));
    }
  }
  ctx.reply.Ok();
}

// CONFIG RESETSTAT
void ConfigResetStat(CommandContext& ctx) {
  ctx.server.stats().Reset();
  ctx.server.commands().ResetStats();
  ctx.reply.Ok();
}

// CONFIG REWRITE
void ConfigRewrite(CommandContext& ctx) {
  config::Config& cfg = ctx.server.config();
  if (cfg.config_file().empty()) {
    return ctx.reply.Error("ERR The server is running without a config file");
  }
  if (std::string e = cfg.Rewrite(); !e.empty()) return ctx.reply.Error("ERR " + e);
  ctx.reply.Ok();
}

// CONFIG HELP
void ConfigHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

// Run-time effects of CONFIG SET (hz is installed by Server::Start).
void InstallApplyHooks(server::Server& server) {
  config::Config& cfg = server.config();
  cfg.SetApplyHook("loglevel", [&server] {
    server::SetLogLevel(static_cast<int>(server.settings().loglevel));
    return std::string();
  });
  cfg.SetApplyHook("maxmemory", [&server] {
    const int64_t limit = server.settings().maxmemory;
    if (limit > 0 && server.UsedMemory() > static_cast<size_t>(limit)) {
      spdlog::warn(
          "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the "
          "current memory usage ({}): keys will be evicted, or writes refused, as "
          "maxmemory-policy says",
          limit, server.UsedMemory());
      server.evictor().Perform();  // starts at once; the cron carries on
    }
    return std::string();
  });
  cfg.SetApplyHook("proto-max-bulk-len", [&server] {
    resp::ParserLimits limits;
    limits.max_bulk_len = server.settings().proto_max_bulk_len;
    server.ForEachClient([&limits](server::Client& c) { c.parser().SetLimits(limits); });
    return std::string();
  });
  cfg.SetApplyHook("dir", [&server] {
    if (chdir(server.settings().dir.c_str()) != 0) return std::string(std::strerror(errno));
    return std::string();
  });
  cfg.SetApplyHook("port", [&server] {
    return server.RebindTcp().empty() ? std::string() : "Unable to listen on this port";
  });
  cfg.SetApplyHook("bind", [&server] {
    return server.RebindTcp().empty() ? std::string() : "Failed to bind to specified addresses.";
  });
}

}  // namespace

void RegisterConfigCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  InstallApplyHooks(server);
  const uint64_t kAdmin = kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale;
  server.commands().Add(
      {.name = "config",
       .arity = -2,
       .group = "server",
       .summary = "A container for server configuration commands",
       .since = "2.0.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "get",
            .arity = -3,
            .flags = kAdmin,
            .handler = ConfigGet,
            .summary = "Get the values of configuration parameters",
            .since = "2.0.0",
            .complexity = "O(N) when N is the number of configuration parameters provided"},
           {.name = "set",
            .arity = -4,
            .flags = kAdmin,
            .handler = ConfigSet,
            .summary = "Set configuration parameters to the given values",
            .since = "2.0.0",
            .complexity = "O(N) when N is the number of configuration parameters provided",
            .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}},
           {.name = "resetstat",
            .arity = 2,
            .flags = kAdmin,
            .handler = ConfigResetStat,
            .summary = "Reset the stats returned by INFO",
            .since = "2.0.0",
            .complexity = "O(1)",
            .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}},
           {.name = "rewrite",
            .arity = 2,
            .flags = kAdmin,
            .handler = ConfigRewrite,
            .summary = "Rewrite the configuration file with the in memory configuration",
            .since = "2.8.0",
            .complexity = "O(1)",
            .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}},
           {.name = "help",
            .arity = 2,
            .flags = kCmdLoading | kCmdStale,
            .handler = ConfigHelp,
            .summary = "Show helpful text about the different subcommands",
            .since = "5.0.0",
            .complexity = "O(1)"},
       }});
}

}  // namespace baton::commands
