// Shared by the list command files (lists.cc, list_pops.cc).
#pragma once

#include <memory>
#include <string_view>

#include "baton/commands/helpers.h"
#include "baton/store/list_value.h"

namespace baton::server {
class Server;
}  // namespace baton::server

namespace baton::commands {

// An empty list with the server's list-max-listpack-size.
std::unique_ptr<store::ListValue> NewList(const CommandContext& ctx);

// LEFT / RIGHT (any case).
bool ParseListEnd(std::string_view arg, store::ListEnd* end);

// Pushes `element` onto the list `key` (created when `entry` is null), and
// signals the change (WATCH, blocked clients).
void PushToList(CommandContext& ctx, std::string_view key, store::KeyEntry* entry,
                std::string_view element, store::ListEnd end);

// After elements were taken from `key`: deletes it when empty, else signals it.
void AfterListPop(CommandContext& ctx, std::string_view key, const store::ListValue& list);

// LPOP/RPOP/LMPOP/BLPOP... (list_pops.cc).
void RegisterListPopCommands(server::Server& server);

}  // namespace baton::commands
