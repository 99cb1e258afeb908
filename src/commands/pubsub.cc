// Pub/sub: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH SSUBSCRIBE
// SUNSUBSCRIBE SPUBLISH PUBSUB.
//
// Subscriptions live in the Server's PubsubRegistry and in the client's own
// sets. Messages are written to each subscriber's output buffer in the
// subscriber's protocol (RESP3: push) and the subscriber is queued for
// writing; a subscriber that does not read is bounded by
// client-output-buffer-limit pubsub.
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/server/errors.h"
#include "baton/server/pubsub_registry.h"
#include "baton/server/server.h"
#include "baton/util/strings.h"

namespace baton::commands {
namespace {

using server::Client;
using server::PubsubRegistry;
using Kind = PubsubRegistry::Kind;

// The words of one kind of subscription.
struct KindNames {
  Kind kind;
  std::string_view subscribe;
  std::string_view unsubscribe;
  std::string_view deny_blocking;
};
constexpr KindNames kChannels{Kind::kChannel, "subscribe", "unsubscribe",
                              server::err::kSubscribeDenyBlocking};
constexpr KindNames kPatterns{Kind::kPattern, "psubscribe", "punsubscribe",
                              server::err::kPsubscribeDenyBlocking};
constexpr KindNames kShards{Kind::kShard, "ssubscribe", "sunsubscribe",
                            server::err::kSsubscribeDenyBlocking};

std::unordered_set<std::string>& ClientSet(Client& c, Kind kind) {
  switch (kind) {
    case Kind::kChannel:
      return c.channels();
    case Kind::kPattern:
      return c.patterns();
    case Kind::kShard:
      return c.shard_channels();
  }
  return c.channels();
}

// The count in (un)subscribe confirmations: shard subscriptions are counted
// apart from channels and patterns.
int64_t ConfirmationCount(Client& c, Kind kind) {
  const size_t n =
      kind == Kind::kShard ? c.shard_channels().size() : c.channels().size() + c.patterns().size();
  return static_cast<int64_t>(n);
}

// [verb, name (nil when none), count]
void Confirm(CommandContext& ctx, std::string_view verb, const std::string* name, Kind kind) {
  ctx.reply.Push(3);
  ctx.reply.Bulk(verb);
  if (name != nullptr) {
    ctx.reply.Bulk(*name);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Integer(ConfirmationCount(ctx.client, kind));
}

void ClearPubsubFlagIfIdle(Client& c) {
  if (c.SubscriptionCount() == 0) c.Clear(server::kClientPubsub);
}

void SubscribeGeneric(CommandContext& ctx, const KindNames& k) {
  Client& c = ctx.client;
  // A client that cannot block expects one reply per command; inside EXEC,
  // SUBSCRIBE and PSUBSCRIBE are still allowed, SSUBSCRIBE is not.
  if (c.Has(server::kClientDenyBlocking) &&
      (k.kind == Kind::kShard || !c.Has(server::kClientMulti))) {
    return ctx.reply.Error(k.deny_blocking);
  }
  PubsubRegistry& registry = ctx.server.pubsub();
  std::unordered_set<std::string>& mine = ClientSet(c, k.kind);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string name(ctx.arg(i));
    if (mine.insert(name).second) registry.Add(k.kind, name, &c);
    Confirm(ctx, k.subscribe, &name, k.kind);
  }
  c.Set(server::kClientPubsub);
}

// Removes one subscription from both sides; false when there was none.
bool Drop(PubsubRegistry& registry, Client& c, Kind kind, const std::string& name) {
  if (ClientSet(c, kind).erase(name) == 0) return false;
  registry.Remove(kind, name, &c);
  return true;
}

void UnsubscribeGeneric(CommandContext& ctx, const KindNames& k) {
  Client& c = ctx.client;
  PubsubRegistry& registry = ctx.server.pubsub();
  if (ctx.argc() == 1) {
    std::unordered_set<std::string>& mine = ClientSet(c, k.kind);
    if (mine.empty()) {
      Confirm(ctx, k.unsubscribe, nullptr, k.kind);
    } else {
      std::vector<std::string> names(mine.begin(), mine.end());
      for (const std::string& name : names) {
        Drop(registry, c, k.kind, name);
        Confirm(ctx, k.unsubscribe, &name, k.kind);
      }
    }
  } else {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      std::string name(ctx.arg(i));
      Drop(registry, c, k.kind, name);
      Confirm(ctx, k.unsubscribe, &name, k.kind);
    }
  }
  ClearPubsubFlagIfIdle(c);
}

// Silently drops every subscription (RESET, client teardown).
void UnsubscribeAll(server::Server& server, Client& c) {
  PubsubRegistry& registry = server.pubsub();
  for (Kind kind : {Kind::kChannel, Kind::kPattern, Kind::kShard}) {
    std::unordered_set<std::string>& mine = ClientSet(c, kind);
    for (const std::string& name : mine) registry.Remove(kind, name, &c);
    mine.clear();
  }
  c.Clear(server::kClientPubsub);
}

// Appends one message to a subscriber's output and queues it for writing.
// `parts` are the elements after the message kind.
void Deliver(server::Server& server, Client& sub, std::string_view kind,
             std::initializer_list<std::string_view> parts) {
  // Like Redis, a client that is being closed or has replies switched off
  // gets nothing (it still counts as a receiver).
  if (sub.Has(server::kClientCloseAsap) || sub.Has(server::kClientCloseAfterReply) ||
      sub.Has(server::kClientReplyOff)) {
    return;
  }
  resp::ReplyWriter& w = sub.reply();
  w.Push(parts.size() + 1);
  w.Bulk(kind);
  for (std::string_view p : parts) w.Bulk(p);
  server.MarkPendingWrite(sub);
  server.CheckOutputLimits(sub);
}

// Sends `message` to the subscribers of `channel` (and, unless shard, of the
// patterns matching it). Returns the number of receivers.
int64_t Publish(server::Server& server, std::string_view channel, std::string_view message,
                bool shard) {
  PubsubRegistry& registry = server.pubsub();
  int64_t receivers = 0;
  // Copies: a delivery never edits the registry, but stay safe against it.
  if (const PubsubRegistry::Subscribers* subs =
          registry.Find(shard ? Kind::kShard : Kind::kChannel, channel)) {
    std::vector<Client*> targets(*subs);
    for (Client* sub : targets) {
      Deliver(server, *sub, shard ? "smessage" : "message", {channel, message});
      ++receivers;
    }
  }
  if (shard || registry.Count(Kind::kPattern) == 0) return receivers;
  std::vector<std::pair<std::string, Client*>> matches;
  registry.ForEach(Kind::kPattern,
                   [&](const std::string& pattern, const PubsubRegistry::Subscribers& subs) {
                     if (!util::GlobMatch(pattern, channel)) return;
                     for (Client* sub : subs) matches.emplace_back(pattern, sub);
                   });
  for (const auto& [pattern, sub] : matches) {
    Deliver(server, *sub, "pmessage", {pattern, channel, message});
    ++receivers;
  }
  return receivers;
}

// SUBSCRIBE channel [channel ...]
void Subscribe(CommandContext& ctx) { SubscribeGeneric(ctx, kChannels); }

// UNSUBSCRIBE [channel [channel ...]]
void Unsubscribe(CommandContext& ctx) { UnsubscribeGeneric(ctx, kChannels); }

// PSUBSCRIBE pattern [pattern ...]
void Psubscribe(CommandContext& ctx) { SubscribeGeneric(ctx, kPatterns); }

// PUNSUBSCRIBE [pattern [pattern ...]]
void Punsubscribe(CommandContext& ctx) { UnsubscribeGeneric(ctx, kPatterns); }

// SSUBSCRIBE shardchannel [shardchannel ...]
void Ssubscribe(CommandContext& ctx) { SubscribeGeneric(ctx, kShards); }

// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
void Sunsubscribe(CommandContext& ctx) { UnsubscribeGeneric(ctx, kShards); }

// PUBLISH channel message
// Replicas receive it too (their subscribers hear it); the AOF skips it.
void PublishCommand(CommandContext& ctx) {
  ctx.reply.Integer(Publish(ctx.server, ctx.arg(1), ctx.arg(2), false));
  ctx.PropagateToReplicasOnly({"PUBLISH", std::string(ctx.arg(1)), std::string(ctx.arg(2))});
}

// SPUBLISH shardchannel message
void SpublishCommand(CommandContext& ctx) {
  ctx.reply.Integer(Publish(ctx.server, ctx.arg(1), ctx.arg(2), true));
  ctx.PropagateToReplicasOnly({"SPUBLISH", std::string(ctx.arg(1)), std::string(ctx.arg(2))});
}

// Lists the active channels of `kind` matching the optional pattern.
void ListChannels(CommandContext& ctx, Kind kind) {
  if (ctx.argc() > 3) {
    return ctx.reply.Error(server::err::UnknownSubcommandOrArity("PUBSUB", ctx.arg(1)));
  }
  const bool filter = ctx.argc() == 3;
  std::vector<std::string_view> names;
  ctx.server.pubsub().ForEach(kind, [&](const std::string& name, const auto& /*subs*/) {
    if (!filter || util::GlobMatch(ctx.arg(2), name)) names.push_back(name);
  });
  ctx.reply.Array(names.size());
  for (std::string_view n : names) ctx.reply.Bulk(n);
}

// Replies channel, subscriber count for each channel argument.
void CountSubscribers(CommandContext& ctx, Kind kind) {
  ctx.reply.Array((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const PubsubRegistry::Subscribers* subs = ctx.server.pubsub().Find(kind, ctx.arg(i));
    ctx.reply.Bulk(ctx.arg(i));
    ctx.reply.Integer(subs == nullptr ? 0 : static_cast<int64_t>(subs->size()));
  }
}

// PUBSUB CHANNELS [pattern]
void PubsubChannels(CommandContext& ctx) { ListChannels(ctx, Kind::kChannel); }

// PUBSUB SHARDCHANNELS [pattern]
void PubsubShardChannels(CommandContext& ctx) { ListChannels(ctx, Kind::kShard); }

// PUBSUB NUMSUB [channel [channel ...]]
void PubsubNumsub(CommandContext& ctx) { CountSubscribers(ctx, Kind::kChannel); }

// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
void PubsubShardNumsub(CommandContext& ctx) { CountSubscribers(ctx, Kind::kShard); }

// PUBSUB NUMPAT
void PubsubNumpat(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub().Count(Kind::kPattern)));
}

// PUBSUB HELP
void PubsubHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterPubsubCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  server.AddClientResetHook([&server](Client& c) { UnsubscribeAll(server, c); });
  server.AddClientClosedHook([&server](Client& c) { UnsubscribeAll(server, c); });

  constexpr uint64_t kSub = kCmdPubsub | kCmdNoscript | kCmdLoading | kCmdStale;
  constexpr uint64_t kPub = kCmdPubsub | kCmdLoading | kCmdStale | kCmdFast | kCmdMayReplicate;
  CommandTable& t = server.commands();
  t.Add({.name = "subscribe",
         .arity = -2,
         .flags = kSub,
         .handler = Subscribe,
         .group = "pubsub",
         .summary = "Listen for messages published to the given channels",
         .since = "2.0.0",
         .complexity = "O(N) where N is the number of channels to subscribe to."});
  t.Add({.name = "unsubscribe",
         .arity = -1,
         .flags = kSub,
         .handler = Unsubscribe,
         .group = "pubsub",
         .summary = "Stop listening for messages posted to the given channels",
         .since = "2.0.0",
         .complexity = "O(N) where N is the number of clients already subscribed to a channel."});
  t.Add({.name = "psubscribe",
         .arity = -2,
         .flags = kSub,
         .handler = Psubscribe,
         .group = "pubsub",
         .summary = "Listen for messages published to channels matching the given patterns",
         .since = "2.0.0",
         .complexity =
             "O(N) where N is the number of patterns the client is already subscribed to."});
  t.Add({.name = "punsubscribe",
         .arity = -1,
         .flags = kSub,
         .handler = Punsubscribe,
         .group = "pubsub",
         .summary = "Stop listening for messages posted to channels matching the given patterns",
         .since = "2.0.0",
         .complexity = "O(N+M) where N is the number of patterns the client is already "
                       "subscribed and M is the number of total patterns subscribed in the "
                       "system (by any client)."});
  t.Add({.name = "publish",
         .arity = 3,
         .flags = kPub,
         .handler = PublishCommand,
         .group = "pubsub",
         .summary = "Post a message to a channel",
         .since = "2.0.0",
         .complexity = "O(N+M) where N is the number of clients subscribed to the receiving "
                       "channel and M is the total number of subscribed patterns (by any "
                       "client)."});
  t.Add({.name = "ssubscribe",
         .arity = -2,
         .flags = kSub,
         .first_key = 1,
         .last_key = -1,
         .key_step = 1,
         .handler = Ssubscribe,
         .group = "pubsub",
         .summary = "Listen for messages published to the given shard channels",
         .since = "7.0.0",
         .complexity = "O(N) where N is the number of shard channels to subscribe to.",
         .key_spec_flags = {"not_key"}});
  t.Add(
      {.name = "sunsubscribe",
       .arity = -1,
       .flags = kSub,
       .first_key = 1,
       .last_key = -1,
       .key_step = 1,
       .handler = Sunsubscribe,
       .group = "pubsub",
       .summary = "Stop listening for messages posted to the given shard channels",
       .since = "7.0.0",
       .complexity = "O(N) where N is the number of clients already subscribed to a shard channel.",
       .key_spec_flags = {"not_key"}});
  t.Add({.name = "spublish",
         .arity = 3,
         .flags = kPub,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = SpublishCommand,
         .group = "pubsub",
         .summary = "Post a message to a shard channel",
         .since = "7.0.0",
         .complexity =
             "O(N) where N is the number of clients subscribed to the receiving shard channel.",
         .key_spec_flags = {"not_key"}});

  constexpr uint64_t kInfo = kCmdPubsub | kCmdLoading | kCmdStale;
  auto sub = [](const char* name, int arity, CommandHandler handler, const char* summary,
                const char* since, const char* complexity) {
    return CommandSpec{.name = name,
                       .arity = arity,
                       .flags = kInfo,
                       .handler = handler,
                       .group = "pubsub",
                       .summary = summary,
                       .since = since,
                       .complexity = complexity};
  };
  std::vector<CommandSpec> subs;
  subs.push_back(sub("channels", -2, PubsubChannels, "List active channels", "2.8.0",
                     "O(N) where N is the number of active channels, and assuming constant "
                     "time pattern matching (relatively short channels and patterns)"));
  subs.push_back(sub("numpat", 2, PubsubNumpat,
                     "Get the count of unique patterns pattern subscriptions", "2.8.0", "O(1)"));
  subs.push_back(sub("numsub", -2, PubsubNumsub, "Get the count of subscribers for channels",
                     "2.8.0",
                     "O(N) for the NUMSUB subcommand, where N is the number of requested "
                     "channels"));
  subs.push_back(sub("shardchannels", -2, PubsubShardChannels, "List active shard channels",
                     "7.0.0",
                     "O(N) where N is the number of active shard channels, and assuming "
                     "constant time pattern matching (relatively short shard channels)."));
  subs.push_back(sub("shardnumsub", -2, PubsubShardNumsub,
                     "Get the count of subscribers for shard channels", "7.0.0",
                     "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
                     "shard channels"));
  subs.push_back(CommandSpec{.name = "help",
                             .arity = 2,
                             .flags = kCmdLoading | kCmdStale,
                             .handler = PubsubHelp,
                             .group = "pubsub",
                             .summary = "Show helpful text about the different subcommands",
                             .since = "6.2.0",
                             .complexity = "O(1)"});
  t.Add({.name = "pubsub",
         .arity = -2,
         .group = "pubsub",
         .summary = "A container for Pub/Sub commands",
         .since = "2.8.0",
         .complexity = "Depends on subcommand.",
         .subcommands = std::move(subs)});
}

}  // namespace baton::commands
