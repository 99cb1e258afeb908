// CLIENT LIST, CLIENT INFO and CLIENT KILL.
#include "client_list.h"

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/config/config.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"

namespace baton::commands {
namespace {

using server::Client;
using server::CommandContext;
namespace err = server::err;

// The flags= letters, in Redis's order; "N" when none applies.
std::string FlagLetters(const Client& c) {
  std::string f;
  if (c.Has(server::kClientMonitor)) {
    f += 'O';
  } else if (c.Has(server::kClientReplica)) {
    f += 'S';
  }
  if (c.Has(server::kClientMaster)) f += 'M';
  if (c.Has(server::kClientPubsub)) f += 'P';
  if (c.Has(server::kClientMulti)) f += 'x';
  if (c.Has(server::kClientBlocked) || c.Has(server::kClientPostponed)) f += 'b';
  if (c.Has(server::kClientDirtyCas)) f += 'd';
  if (c.Has(server::kClientCloseAfterReply)) f += 'c';
  if (c.Has(server::kClientCloseAsap)) f += 'A';
  if (c.Has(server::kClientUnixSocket)) f += 'U';
  if (c.Has(server::kClientReadonly)) f += 'r';
  if (c.Has(server::kClientNoEvict)) f += 'e';
  if (c.Has(server::kClientNoTouch)) f += 'T';
  if (f.empty()) f = "N";
  return f;
}

size_t MultiMemory(Client& c) {
  size_t bytes = 0;
  for (const auto& q : c.multi_queue()) {
    for (const std::string& a : q.args) bytes += a.size();
  }
  return bytes;
}

struct KillFilter {
  std::optional<uint64_t> id;
  std::optional<ClientType> type;
  std::optional<std::string> addr;
  std::optional<std::string> laddr;
  std::optional<int64_t> max_age_s;
  bool skip_me = true;
};

// Parses CLIENT KILL's filter pairs. Replies with the error and returns false.
bool ParseKillFilter(CommandContext& ctx, KillFilter* f) {
  if (ctx.argc() % 2 != 0) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    std::string_view value = ctx.arg(i + 1);
    if (ArgIs(ctx, i, "id")) {
      int64_t id = 0;
      if (!config::ParseStrictInt(value, &id) || id <= 0) {
        ctx.reply.Error("ERR client-id should be greater than 0");
        return false;
      }
      f->id = static_cast<uint64_t>(id);
    } else if (ArgIs(ctx, i, "type")) {
      ClientType t{};
      if (!ParseClientType(value, &t)) {
        ctx.reply.Error("ERR Unknown client type '" + std::string(value) + "'");
        return false;
      }
      f->type = t;
    } else if (ArgIs(ctx, i, "addr")) {
      f->addr = std::string(value);
    } else if (ArgIs(ctx, i, "laddr")) {
      f->laddr = std::string(value);
    } else if (ArgIs(ctx, i, "user")) {
      if (value != "default") {
        ctx.reply.Error("ERR No such user '" + std::string(value) + "'");
        return false;
      }
    } else if (ArgIs(ctx, i, "skipme")) {
      if (util::EqualsIgnoreCase(value, "yes")) {
        f->skip_me = true;
      } else if (util::EqualsIgnoreCase(value, "no")) {
        f->skip_me = false;
      } else {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
    } else if (ArgIs(ctx, i, "maxage")) {
      int64_t age = 0;
      if (!config::ParseStrictInt(value, &age)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      f->max_age_s = age;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

bool Matches(CommandContext& ctx, const KillFilter& f, Client& c) {
  if (f.id && c.id() != *f.id) return false;
  if (f.type && TypeOf(c) != *f.type) return false;
  if (f.addr && ClientAddress(c, false) != *f.addr) return false;
  if (f.laddr && ClientAddress(c, true) != *f.laddr) return false;
  if (f.max_age_s && (ctx.server.NowMs() - c.created_ms()) / 1000 <= *f.max_age_s) return false;
  if (f.skip_me && &c == &ctx.client) return false;
  return true;
}

// Closes `c`: after this reply when it is the caller, at once otherwise.
void Kill(CommandContext& ctx, Client& c) {
  if (&c == &ctx.client) {
    c.CloseAfterReply();
  } else {
    c.CloseAsap();
  }
}

}  // namespace

bool ParseClientType(std::string_view text, ClientType* out) {
  if (util::EqualsIgnoreCase(text, "normal")) {
    *out = ClientType::kNormal;
  } else if (util::EqualsIgnoreCase(text, "replica") || util::EqualsIgnoreCase(text, "slave")) {
    *out = ClientType::kReplica;
  } else if (util::EqualsIgnoreCase(text, "pubsub")) {
    *out = ClientType::kPubsub;
  } else if (util::EqualsIgnoreCase(text, "master")) {
    *out = ClientType::kMaster;
  } else {
    return false;
  }
  return true;
}

ClientType TypeOf(const Client& c) {
  if (c.Has(server::kClientMaster)) return ClientType::kMaster;
  if (c.Has(server::kClientReplica) && !c.Has(server::kClientMonitor)) return ClientType::kReplica;
  if (c.Has(server::kClientPubsub)) return ClientType::kPubsub;
  return ClientType::kNormal;
}

std::string ClientAddress(const Client& c, bool local) {
  std::string addr = local ? c.local() : c.peer();
  if (c.Has(server::kClientUnixSocket)) addr += ":0";
  return addr;
}

std::string DescribeClient(server::Server& server, const Client& client,
                           std::span<const std::string_view> current_args) {
  Client& c = const_cast<Client&>(client);  // NOLINT: read-only use of non-const accessors
  const int64_t now = server.NowMs();
  size_t argv_mem = 0;
  for (std::string_view a : current_args) argv_mem += a.size();
  const size_t multi_mem = MultiMemory(c);
  net::Connection* conn = c.connection();
  const size_t qbuf = c.QueryBufferBytes();
  const size_t obl = c.output().size();
  const size_t rbs = c.output().capacity();
  const size_t omem = conn != nullptr ? conn->QueuedBytes() : 0;
  const size_t tot_mem = sizeof(Client) + qbuf + rbs + omem + argv_mem + multi_mem;
  std::string events;
  if (conn != nullptr && conn->reading()) events += 'r';
  if (c.OutputBytes() > 0) events += 'w';
  const int64_t multi =
      c.Has(server::kClientMulti) ? static_cast<int64_t>(c.multi_queue().size()) : -1;

  std::string s;
  s.reserve(320);
  auto field = [&s](std::string_view name, const auto& value) {
    if (!s.empty()) s += ' ';
    s += name;
    s += '=';
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(value)>>) {
      s += std::to_string(value);
    } else {
      s += value;
    }
  };
  field("id", c.id());
  field("addr", ClientAddress(c, false));
  field("laddr", ClientAddress(c, true));
  field("fd", conn != nullptr ? conn->fd() : -1);
  field("name", c.name());
  field("age", (now - c.created_ms()) / 1000);
  field("idle", (now - c.last_interaction_ms()) / 1000);
  field("flags", FlagLetters(c));
  field("db", c.db_index());
  field("sub", c.channels().size());
  field("psub", c.patterns().size());
  field("ssub", c.shard_channels().size());
  field("multi", multi);
  field("qbuf", qbuf);
  field("qbuf-free", 0);
  field("argv-mem", argv_mem);
  field("multi-mem", multi_mem);
  field("rbs", rbs);
  field("rbp", obl);
  field("obl", obl);
  field("oll", 0);
  field("omem", omem);
  field("tot-mem", tot_mem);
  field("events", events);
  field("cmd", c.last_command());
  field("user", std::string_view("default"));
  field("redir", -1);
  field("resp", c.protocol());
  if (c.Has(server::kClientCapaRedirect)) field("capa", std::string_view("r"));
  return s;
}

void ClientList(CommandContext& ctx) {
  std::vector<Client*> chosen;
  if (ctx.argc() == 2) {
    ctx.server.ForEachClient([&chosen](Client& c) { chosen.push_back(&c); });
  } else if (ctx.argc() == 4 && ArgIs(ctx, 2, "type")) {
    ClientType type{};
    if (!ParseClientType(ctx.arg(3), &type)) {
      return ctx.reply.Error("ERR Unknown client type '" + std::string(ctx.arg(3)) + "'");
    }
    ctx.server.ForEachClient([&](Client& c) {
      if (TypeOf(c) == type) chosen.push_back(&c);
    });
  } else if (ctx.argc() >= 4 && ArgIs(ctx, 2, "id")) {
    std::vector<int64_t> ids;
    for (size_t i = 3; i < ctx.argc(); ++i) {
      int64_t id = 0;
      if (!config::ParseStrictInt(ctx.arg(i), &id)) return ctx.reply.Error("ERR Invalid client ID");
      ids.push_back(id);
    }
    for (int64_t id : ids) {
      if (id <= 0) continue;
      if (Client* c = ctx.server.FindClient(static_cast<uint64_t>(id)); c != nullptr) {
        chosen.push_back(c);
      }
    }
  } else {
    return ctx.reply.Error(err::kSyntax);
  }
  std::string text;
  for (Client* c : chosen) {
    const bool me = c == &ctx.client;
    text += DescribeClient(ctx.server, *c, me ? ctx.args : std::span<const std::string_view>());
    text += '\n';
  }
  ctx.reply.Verbatim(text);
}

void ClientInfo(CommandContext& ctx) {
  ctx.reply.Verbatim(DescribeClient(ctx.server, ctx.client, ctx.args) + "\n");
}

void ClientKill(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    // Old form: CLIENT KILL addr:port
    Client* victim = nullptr;
    ctx.server.ForEachClient([&](Client& c) {
      if (victim == nullptr && ClientAddress(c, false) == ctx.arg(2)) victim = &c;
    });
    if (victim == nullptr) return ctx.reply.Error(err::kNoSuchClient);
    ctx.reply.Ok();
    Kill(ctx, *victim);
    return;
  }
  KillFilter filter;
  if (!ParseKillFilter(ctx, &filter)) return;
  std::vector<Client*> victims;
  ctx.server.ForEachClient([&](Client& c) {
    if (Matches(ctx, filter, c)) victims.push_back(&c);
  });
  ctx.reply.Integer(static_cast<int64_t>(victims.size()));
  for (Client* c : victims) Kill(ctx, *c);
}

}  // namespace baton::commands
