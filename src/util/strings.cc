#include "baton/util/strings.h"

#include <cctype>
#include <random>

namespace baton::util {
namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Recursive matcher with a depth bound so hostile patterns cannot blow the stack.
bool Match(std::string_view p, std::string_view s, bool nocase, int depth) {
  if (depth > 1000) return false;
  while (!p.empty()) {
    switch (p[0]) {
      case '*': {
        while (p.size() > 1 && p[1] == '*') p.remove_prefix(1);
        if (p.size() == 1) return true;
        for (size_t i = 0; i <= s.size(); ++i) {
          if (Match(p.substr(1), s.substr(i), nocase, depth + 1)) return true;
        }
        return false;
      }
      case '?':
        if (s.empty()) return false;
        s.remove_prefix(1);
        break;
      case '[': {
        if (s.empty()) return false;
        p.remove_prefix(1);
        bool negate = !p.empty() && p[0] == '^';
        if (negate) p.remove_prefix(1);
        bool matched = false;
        while (!p.empty() && p[0] != ']') {
          if (p[0] == '\\' && p.size() >= 2) {
            p.remove_prefix(1);
            if (p[0] == s[0]) matched = true;
          } else if (p.size() >= 3 && p[1] == '-') {
            char lo = p[0];
            char hi = p[2];
            if (lo > hi) std::swap(lo, hi);
            char c = s[0];
            if (nocase) {
              lo = Lower(lo);
              hi = Lower(hi);
              c = Lower(c);
            }
            if (c >= lo && c <= hi) matched = true;
            p.remove_prefix(2);
          } else if (nocase ? Lower(p[0]) == Lower(s[0]) : p[0] == s[0]) {
            matched = true;
          }
          p.remove_prefix(1);
        }
        if (negate) matched = !matched;
        if (!matched) return false;
        s.remove_prefix(1);
        if (p.empty()) return s.empty();  // unterminated class: Redis treats end as ']'
        break;
      }
      case '\\':
        if (p.size() >= 2) p.remove_prefix(1);
        [[fallthrough]];
      default:
        if (s.empty()) return false;
        if (nocase ? Lower(p[0]) != Lower(s[0]) : p[0] != s[0]) return false;
        s.remove_prefix(1);
        break;
    }
    p.remove_prefix(1);
  }
  return s.empty();
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  return Match(pattern, text, nocase, 0);
}

std::string RandomHex(size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out(n, '0');
  for (char& c : out) c = kHex[rd() & 15];
  return out;
}

}  // namespace baton::util
