// The declarative command table: one entry per command (and per subcommand of
// containers like CLIENT or CONFIG). The Dispatcher, COMMAND, pause and
// redirect decisions, MULTI rules and replication all read these entries.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace baton::server {

struct CommandContext;

// Redis 7.0 command flags (COMMAND INFO shows their names).
enum CommandFlag : uint64_t {
  kCmdWrite = 1ULL << 0,
  kCmdReadonly = 1ULL << 1,
  kCmdDenyOom = 1ULL << 2,
  kCmdModule = 1ULL << 3,
  kCmdAdmin = 1ULL << 4,
  kCmdPubsub = 1ULL << 5,
  kCmdNoscript = 1ULL << 6,
  kCmdBlocking = 1ULL << 7,
  kCmdLoading = 1ULL << 8,
  kCmdStale = 1ULL << 9,
  kCmdSkipMonitor = 1ULL << 10,
  kCmdSkipSlowlog = 1ULL << 11,
  kCmdAsking = 1ULL << 12,
  kCmdFast = 1ULL << 13,
  kCmdNoAuth = 1ULL << 14,
  kCmdMayReplicate = 1ULL << 15,
  kCmdSentinel = 1ULL << 16,
  kCmdOnlySentinel = 1ULL << 17,
  kCmdNoMandatoryKeys = 1ULL << 18,
  kCmdProtected = 1ULL << 19,
  kCmdNoAsyncLoading = 1ULL << 20,
  kCmdNoMulti = 1ULL << 21,
  kCmdMovableKeys = 1ULL << 22,
  kCmdAllowBusy = 1ULL << 23,
  // Baton-specific, not shown by COMMAND INFO:
  kCmdTouchesArbitraryKeys = 1ULL << 40,  // FLUSHALL, SWAPDB... (WATCH)
};

// Names of the flags above, in COMMAND INFO order.
std::vector<std::string_view> CommandFlagNames(uint64_t flags);

using CommandHandler = void (*)(CommandContext& ctx);
// For commands whose keys cannot be described by first/last/step
// (ZUNIONSTORE, SORT, LMPOP...): returns argument positions of the keys.
using KeyFinder = std::vector<int> (*)(std::span<const std::string_view> args);

struct CommandSpec {
  std::string name;  // lower case, e.g. "get" or, for a subcommand, "kill"
  int arity = 0;     // exact count, or -N for at least N (the name counts)
  uint64_t flags = 0;
  int first_key = 0;  // 0: no keys
  int last_key = 0;   // -1: last argument, -2: second to last...
  int key_step = 0;
  CommandHandler handler = nullptr;
  std::string group;  // COMMAND DOCS group: string, generic, server, connection...
  std::string summary;
  std::string since;
  std::string complexity;
  std::vector<std::string> tips;  // e.g. "nondeterministic_output", "request_policy:all_shards"
  KeyFinder key_finder = nullptr;
  std::vector<CommandSpec> subcommands;
  // Key-spec flags shown by COMMAND INFO / GETKEYSANDFLAGS ("RW", "access",
  // "update"...). Empty: derived from the command flags.
  std::vector<std::string> key_spec_flags;

  // Filled in by the table:
  std::string fullname;  // "get", "client|kill"
  const CommandSpec* parent = nullptr;
  uint64_t acl_categories = 0;

  // Statistics (INFO commandstats).
  mutable uint64_t calls = 0;
  mutable uint64_t microseconds = 0;
  mutable uint64_t rejected_calls = 0;
  mutable uint64_t failed_calls = 0;

  [[nodiscard]] bool Has(uint64_t flag) const { return (flags & flag) != 0; }
  [[nodiscard]] bool ArityOk(size_t argc) const {
    return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
  }
  [[nodiscard]] const CommandSpec* FindSubcommand(std::string_view name) const;
  // Key positions in `args` (first/last/step, or the key finder).
  [[nodiscard]] std::vector<int> KeyPositions(std::span<const std::string_view> args) const;
};

// ACL categories (COMMAND INFO, COMMAND DOCS); derived from flags and group.
std::vector<std::string_view> AclCategoryNames(uint64_t categories);

class CommandTable {
 public:
  void Add(CommandSpec spec);
  // Case-insensitive lookup of a top-level command.
  [[nodiscard]] const CommandSpec* Find(std::string_view name) const;
  // The command a request runs: the subcommand for containers (or nullptr
  // when the subcommand is unknown; `*container` then names the container).
  [[nodiscard]] const CommandSpec* Resolve(std::span<const std::string_view> args,
                                           const CommandSpec** container) const;
  [[nodiscard]] size_t size() const { return commands_.size(); }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& c : commands_) fn(*c);
  }
  void ResetStats();

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::vector<std::unique_ptr<CommandSpec>> commands_;
  std::unordered_map<std::string, CommandSpec*, Hash, std::equal_to<>> by_name_;
};

}  // namespace baton::server
