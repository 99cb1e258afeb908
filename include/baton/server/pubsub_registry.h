// Server-wide pub/sub subscriptions: channel, pattern and shard channel ->
// the clients subscribed, in subscription order (messages are delivered in
// that order). Each client also keeps its own sets (Client::channels(),
// patterns(), shard_channels()); src/commands/pubsub.cc keeps both in step,
// and removes a client from here before it is freed.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace baton::server {

class Client;

class PubsubRegistry {
 public:
  enum class Kind { kChannel = 0, kPattern = 1, kShard = 2 };
  using Subscribers = std::vector<Client*>;

  // Adds `client` to `name`'s subscribers; false when it was there already.
  bool Add(Kind kind, std::string_view name, Client* client);
  // Removes `client` from `name`'s subscribers; false when it was not there.
  bool Remove(Kind kind, std::string_view name, Client* client);
  // The subscribers of `name`, or nullptr when there are none.
  [[nodiscard]] const Subscribers* Find(Kind kind, std::string_view name) const;
  // Channels (patterns, shard channels) with at least one subscriber.
  [[nodiscard]] size_t Count(Kind kind) const { return Table(kind).size(); }
  // Calls fn(name, subscribers) for every channel (pattern...) of `kind`.
  template <typename Fn>
  void ForEach(Kind kind, Fn&& fn) const {
    for (const auto& [name, subs] : Table(kind)) fn(name, subs);
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Map = std::unordered_map<std::string, Subscribers, Hash, std::equal_to<>>;
  [[nodiscard]] const Map& Table(Kind kind) const { return tables_[static_cast<size_t>(kind)]; }
  Map& Table(Kind kind) { return tables_[static_cast<size_t>(kind)]; }

  Map tables_[3];
};

}  // namespace baton::server
