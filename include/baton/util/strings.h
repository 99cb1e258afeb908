// Small string helpers shared by every layer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace baton::util {

// ASCII case-insensitive equality (command and option names).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

// Glob-style match with *, ?, [abc], [^a-z] and \ escapes, as KEYS, SCAN
// MATCH, PSUBSCRIBE and CONFIG GET use it.
bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

// `n` random lowercase hex digits from std::random_device: run ids and
// replication ids.
std::string RandomHex(size_t n);

}  // namespace baton::util
