#include "baton/server/pubsub_registry.h"

#include <algorithm>

namespace baton::server {

bool PubsubRegistry::Add(Kind kind, std::string_view name, Client* client) {
  Map& table = Table(kind);
  auto it = table.find(name);
  if (it == table.end()) it = table.emplace(std::string(name), Subscribers{}).first;
  Subscribers& subs = it->second;
  if (std::find(subs.begin(), subs.end(), client) != subs.end()) return false;
  subs.push_back(client);
  return true;
}

bool PubsubRegistry::Remove(Kind kind, std::string_view name, Client* client) {
  Map& table = Table(kind);
  auto it = table.find(name);
  if (it == table.end()) return false;
  Subscribers& subs = it->second;
  auto pos = std::find(subs.begin(), subs.end(), client);
  if (pos == subs.end()) return false;
  subs.erase(pos);
  if (subs.empty()) table.erase(it);
  return true;
}

const PubsubRegistry::Subscribers* PubsubRegistry::Find(Kind kind, std::string_view name) const {
  const Map& table = Table(kind);
  auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second;
}

}  // namespace baton::server
