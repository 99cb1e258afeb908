#include "baton/server/command_table.h"

#include <cctype>

#include "baton/util/strings.h"

namespace baton::server {
namespace {

enum AclCategory : uint64_t {
  kAclKeyspace = 1 << 0,
  kAclRead = 1 << 1,
  kAclWrite = 1 << 2,
  kAclSet = 1 << 3,
  kAclSortedSet = 1 << 4,
  kAclList = 1 << 5,
  kAclHash = 1 << 6,
  kAclString = 1 << 7,
  kAclBitmap = 1 << 8,
  kAclHyperloglog = 1 << 9,
  kAclGeo = 1 << 10,
  kAclStream = 1 << 11,
  kAclPubsub = 1 << 12,
  kAclAdmin = 1 << 13,
  kAclFast = 1 << 14,
  kAclSlow = 1 << 15,
  kAclBlocking = 1 << 16,
  kAclDangerous = 1 << 17,
  kAclConnection = 1 << 18,
  kAclTransaction = 1 << 19,
  kAclScripting = 1 << 20,
};

constexpr std::pair<uint64_t, std::string_view> kAclNames[] = {
    {kAclKeyspace, "@keyspace"},
    {kAclRead, "@read"},
    {kAclWrite, "@write"},
    {kAclSet, "@set"},
    {kAclSortedSet, "@sortedset"},
    {kAclList, "@list"},
    {kAclHash, "@hash"},
    {kAclString, "@string"},
    {kAclBitmap, "@bitmap"},
    {kAclHyperloglog, "@hyperloglog"},
    {kAclGeo, "@geo"},
    {kAclStream, "@stream"},
    {kAclPubsub, "@pubsub"},
    {kAclAdmin, "@admin"},
    {kAclFast, "@fast"},
    {kAclSlow, "@slow"},
    {kAclBlocking, "@blocking"},
    {kAclDangerous, "@dangerous"},
    {kAclConnection, "@connection"},
    {kAclTransaction, "@transaction"},
    {kAclScripting, "@scripting"},
};

uint64_t DeriveAclCategories(const CommandSpec& c) {
  uint64_t cats = 0;
  if (c.Has(kCmdWrite)) cats |= kAclWrite;
  if (c.Has(kCmdReadonly)) cats |= kAclRead;
  if (c.Has(kCmdAdmin)) cats |= kAclAdmin | kAclDangerous;
  if (c.Has(kCmdPubsub)) cats |= kAclPubsub;
  if (c.Has(kCmdBlocking)) cats |= kAclBlocking;
  cats |= c.Has(kCmdFast) ? kAclFast : kAclSlow;
  const std::string& g = c.group;
  if (g == "generic") cats |= kAclKeyspace;
  if (g == "string") cats |= kAclString;
  if (g == "bitmap") cats |= kAclBitmap;
  if (g == "list") cats |= kAclList;
  if (g == "hash") cats |= kAclHash;
  if (g == "set") cats |= kAclSet;
  if (g == "sorted_set") cats |= kAclSortedSet;
  if (g == "hyperloglog") cats |= kAclHyperloglog;
  if (g == "geo") cats |= kAclGeo;
  if (g == "stream") cats |= kAclStream;
  if (g == "pubsub") cats |= kAclPubsub;
  if (g == "connection") cats |= kAclConnection;
  if (g == "transactions") cats |= kAclTransaction;
  if (g == "scripting") cats |= kAclScripting;
  return cats;
}

void Finish(CommandSpec& spec, const CommandSpec* parent) {
  spec.parent = parent;
  spec.fullname = parent == nullptr ? spec.name : parent->name + "|" + spec.name;
  if (spec.group.empty() && parent != nullptr) spec.group = parent->group;
  spec.acl_categories = DeriveAclCategories(spec);
  for (CommandSpec& sub : spec.subcommands) Finish(sub, &spec);
}

}  // namespace

// Redis 7.0 keeps may_replicate internal: COMMAND INFO never shows it.
std::vector<std::string_view> CommandFlagNames(uint64_t flags) {
  static constexpr std::pair<uint64_t, std::string_view> kNames[] = {
      {kCmdWrite, "write"},
      {kCmdReadonly, "readonly"},
      {kCmdDenyOom, "denyoom"},
      {kCmdModule, "module"},
      {kCmdAdmin, "admin"},
      {kCmdPubsub, "pubsub"},
      {kCmdNoscript, "noscript"},
      {kCmdBlocking, "blocking"},
      {kCmdLoading, "loading"},
      {kCmdStale, "stale"},
      {kCmdSkipMonitor, "skip_monitor"},
      {kCmdSkipSlowlog, "skip_slowlog"},
      {kCmdAsking, "asking"},
      {kCmdFast, "fast"},
      {kCmdNoAuth, "no_auth"},
      {kCmdSentinel, "sentinel"},
      {kCmdOnlySentinel, "only_sentinel"},
      {kCmdNoMandatoryKeys, "no_mandatory_keys"},
      {kCmdProtected, "protected"},
      {kCmdNoAsyncLoading, "no_async_loading"},
      {kCmdNoMulti, "no_multi"},
      {kCmdMovableKeys, "movablekeys"},
      {kCmdAllowBusy, "allow_busy"},
  };
  std::vector<std::string_view> out;
  for (const auto& [bit, name] : kNames) {
    if ((flags & bit) != 0) out.push_back(name);
  }
  return out;
}

std::vector<std::string_view> AclCategoryNames(uint64_t categories) {
  std::vector<std::string_view> out;
  for (const auto& [bit, name] : kAclNames) {
    if ((categories & bit) != 0) out.push_back(name);
  }
  return out;
}

const CommandSpec* CommandSpec::FindSubcommand(std::string_view sub) const {
  for (const CommandSpec& s : subcommands) {
    if (util::EqualsIgnoreCase(s.name, sub)) return &s;
  }
  return nullptr;
}

std::vector<int> CommandSpec::KeyPositions(std::span<const std::string_view> args) const {
  if (key_finder != nullptr) return key_finder(args);
  std::vector<int> out;
  if (first_key <= 0) return out;
  const int argc = static_cast<int>(args.size());
  int last = last_key >= 0 ? last_key : argc + last_key;
  int step = key_step > 0 ? key_step : 1;
  for (int i = first_key; i <= last && i < argc; i += step) out.push_back(i);
  return out;
}

void CommandTable::Add(CommandSpec spec) {
  Finish(spec, nullptr);
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  // Subcommands point at their parent: fix the pointers after the move.
  for (CommandSpec& sub : owned->subcommands) Finish(sub, owned.get());
  by_name_[owned->name] = owned.get();
  commands_.push_back(std::move(owned));
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  char buf[64] = {};
  if (name.size() >= sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  auto it = by_name_.find(std::string_view(buf, name.size()));
  return it == by_name_.end() ? nullptr : it->second;
}

const CommandSpec* CommandTable::Resolve(std::span<const std::string_view> args,
                                         const CommandSpec** container) const {
  *container = nullptr;
  if (args.empty()) return nullptr;
  const CommandSpec* cmd = Find(args[0]);
  if (cmd == nullptr || cmd->subcommands.empty()) return cmd;
  *container = cmd;
  if (args.size() < 2) return cmd;  // the container itself: arity error follows
  return cmd->FindSubcommand(args[1]);
}

void CommandTable::ResetStats() {
  auto reset = [](const CommandSpec& c) {
    c.calls = c.microseconds = c.rejected_calls = c.failed_calls = 0;
  };
  for (const auto& c : commands_) {
    reset(*c);
    for (const CommandSpec& sub : c->subcommands) reset(sub);
  }
}

}  // namespace baton::server
