#include "baton/server/errors.h"

#include "baton/util/strings.h"

namespace baton::server::err {

std::string UnknownCommand(std::string_view name, std::span<const std::string_view> args) {
  std::string listed;
  for (size_t i = 1; i < args.size() && listed.size() < 128; ++i) {
    std::string_view shown = args[i].substr(0, 128 - listed.size());
    listed += "'";
    listed += shown;
    listed += "' ";
  }
  return "ERR unknown command '" + std::string(name.substr(0, 128)) +
         "', with args beginning with: " + listed;
}

std::string UnknownSubcommand(std::string_view container, std::string_view sub) {
  return "ERR unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try " +
         util::ToUpper(container) + " HELP.";
}

std::string WrongArity(std::string_view fullname) {
  return "ERR wrong number of arguments for '" + std::string(fullname) + "' command";
}

std::string InvalidExpire(std::string_view command) {
  return "ERR invalid expire time in '" + util::ToLower(command) + "' command";
}

std::string PubsubContext(std::string_view command) {
  return "ERR Can't execute '" + util::ToLower(command) +
         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
         "context";
}

}  // namespace baton::server::err
