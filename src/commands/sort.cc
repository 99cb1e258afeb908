// SORT and SORT_RO over lists, sets and sorted sets: numeric or ALPHA order, weights and
// GET values from other keys (BY/GET patterns, hash fields with "->"),
// LIMIT, and STORE into a list (SORT only).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/commands/string_util.h"
#include "baton/server/server.h"
#include "baton/store/hash_value.h"
#include "baton/store/list_value.h"
#include "baton/store/set_value.h"
#include "baton/store/zset_value.h"

namespace baton::commands {
namespace {

namespace err = server::err;

struct SortOptions {
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::optional<std::string_view> by;
  std::vector<std::string_view> gets;
  std::optional<std::string_view> store;
};

struct SortItem {
  std::string element;
  double score = 0;
  std::optional<std::string> weight;  // ALPHA with BY: the value compared
};

// Parses the options after the key; replies and returns false on error.
bool ParseOptions(CommandContext& ctx, bool readonly, SortOptions* o) {
  for (size_t j = 2; j < ctx.argc(); ++j) {
    const size_t left = ctx.argc() - j - 1;
    if (ArgIs(ctx, j, "asc")) {
      o->desc = false;
    } else if (ArgIs(ctx, j, "desc")) {
      o->desc = true;
    } else if (ArgIs(ctx, j, "alpha")) {
      o->alpha = true;
    } else if (ArgIs(ctx, j, "limit") && left >= 2) {
      if (!ParseIntArg(ctx, j + 1, &o->limit_start) || !ParseIntArg(ctx, j + 2, &o->limit_count)) {
        return false;
      }
      j += 2;
    } else if (!readonly && ArgIs(ctx, j, "store") && left >= 1) {
      o->store = ctx.arg(++j);
    } else if (ArgIs(ctx, j, "by") && left >= 1) {
      o->by = ctx.arg(++j);
      // A pattern without '*' names one constant key: nothing to sort by.
      if (o->by->find('*') == std::string_view::npos) o->dontsort = true;
    } else if (ArgIs(ctx, j, "get") && left >= 1) {
      o->gets.push_back(ctx.arg(++j));
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// The string a BY/GET pattern yields for `element`: "#" is the element
// itself; otherwise the first '*' is replaced by the element and the key read
// as a string, or, with "key->field", the hash field. nullopt when missing.
std::optional<std::string> LookupByPattern(CommandContext& ctx, std::string_view pattern,
                                           std::string_view element) {
  if (pattern == "#") return std::string(element);
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  size_t key_end = pattern.size();
  std::optional<std::string_view> field;
  const size_t arrow = pattern.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < pattern.size()) {
    field = pattern.substr(arrow + 2);
    key_end = arrow;
  }
  std::string key(pattern.substr(0, star));
  key.append(element);
  key.append(pattern.substr(star + 1, key_end - star - 1));
  store::KeyEntry* entry = LookupReadAnyType(ctx, key);
  if (entry == nullptr) return std::nullopt;
  if (field.has_value()) {
    if (entry->value.type() != store::ValueType::kHash) return std::nullopt;
    store::CompactEntry value;
    if (!entry->value.As<store::HashValue>()->Get(*field, &value)) return std::nullopt;
    return std::string(value.text());
  }
  if (!entry->value.is_string()) return std::nullopt;
  std::string scratch;
  return std::string(StringView(entry->value, &scratch));
}

// Parses a weight like strtod: leading spaces allowed, nothing after the
// number (up to a NUL byte), no overflow/underflow, no NaN.
bool ParseWeight(const std::string& text, double* out) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || std::isnan(v)) return false;
  *out = v;
  return true;
}

int BinaryCompare(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Text comparison by the C library's collation, as Redis does when not storing.
int Collate(const std::string& a, const std::string& b) {
  return std::strcoll(a.c_str(), b.c_str());
}

int CompareItems(const SortItem& a, const SortItem& b, const SortOptions& o, bool by_pattern) {
  int cmp = 0;
  const bool binary = o.store.has_value();
  if (!o.alpha) {
    if (a.score > b.score) {
      cmp = 1;
    } else if (a.score < b.score) {
      cmp = -1;
    } else {
      cmp = BinaryCompare(a.element, b.element);  // ties: deterministic order
    }
  } else if (by_pattern) {
    if (!a.weight.has_value() || !b.weight.has_value()) {
      cmp = a.weight.has_value() == b.weight.has_value() ? 0 : (a.weight.has_value() ? 1 : -1);
    } else {
      cmp = binary ? BinaryCompare(*a.weight, *b.weight) : Collate(*a.weight, *b.weight);
    }
  } else {
    cmp = binary ? BinaryCompare(a.element, b.element) : Collate(a.element, b.element);
  }
  return o.desc ? -cmp : cmp;
}

void SortGeneric(CommandContext& ctx, bool readonly) {
  SortOptions o;
  if (!ParseOptions(ctx, readonly, &o)) return;

  store::KeyEntry* entry = LookupReadAnyType(ctx, ctx.arg(1));
  const store::ValueType type = entry == nullptr ? store::ValueType::kList : entry->value.type();
  if (type != store::ValueType::kList && type != store::ValueType::kSet &&
      type != store::ValueType::kZSet) {
    return ctx.reply.Error(err::kWrongType);
  }
  const bool is_list = type == store::ValueType::kList;
  const bool is_set = type == store::ValueType::kSet;
  const bool is_zset = type == store::ValueType::kZSet;

  // Sets have no order of their own: when the result is stored, sort it so
  // replicas and the AOF see the same list.
  if (o.dontsort && is_set && o.store.has_value()) {
    o.dontsort = false;
    o.alpha = true;
    o.by.reset();
  }

  // Redis 7.0's SORT and SORT_RO convert a listpack sorted set to a
  // skiplist, a change OBJECT ENCODING shows afterwards: done here too.
  if (is_zset) store::ZSetValue::ConvertToSkiplist(entry->value);

  int64_t vector_len = 0;
  if (is_zset) {
    vector_len = static_cast<int64_t>(entry->value.As<store::ZSetValue>()->size());
  } else if (entry != nullptr) {
    vector_len = static_cast<int64_t>(is_list ? entry->value.As<store::ListValue>()->size()
                                              : entry->value.As<store::SetValue>()->size());
  }
  int64_t start = o.limit_start < 0 ? 0 : o.limit_start;
  int64_t end = 0;
  if (o.limit_count < 0) {
    end = vector_len - 1;
  } else {
    end = o.limit_count > INT64_MAX - start ? INT64_MAX : start + o.limit_count - 1;
  }
  if (start >= vector_len) {
    start = vector_len - 1;
    end = vector_len - 2;
  }
  if (end >= vector_len) end = vector_len - 1;

  std::vector<SortItem> items;
  if (entry != nullptr && is_list && o.dontsort) {
    // Unsorted list: the list's own order (reversed by DESC), fetching only
    // the LIMIT range.
    if (end >= start) {
      const auto* list = entry->value.As<store::ListValue>();
      const auto want = static_cast<size_t>(end - start + 1);
      const auto first = static_cast<size_t>(o.desc ? vector_len - start - 1 : start);
      items.reserve(want);
      list->Visit(first, o.desc, [&](std::string_view e) {
        items.push_back({std::string(e)});
        return items.size() < want;
      });
      end -= start;
      start = 0;
    }
  } else if (entry != nullptr && is_list) {
    const auto* list = entry->value.As<store::ListValue>();
    items.reserve(list->size());
    list->Visit(0, false, [&](std::string_view e) {
      items.push_back({std::string(e)});
      return true;
    });
  } else if (is_zset && o.dontsort) {
    // Unsorted sorted set: its own order (reversed by DESC), LIMIT range only.
    if (end >= start) {
      const auto* zset = entry->value.As<store::ZSetValue>();
      const auto want = static_cast<size_t>(end - start + 1);
      const auto len = static_cast<size_t>(vector_len);
      const auto skip = static_cast<size_t>(start);
      const size_t first = o.desc ? len - skip - want : skip;
      items.reserve(want);
      zset->Walk(first, first + want, o.desc, [&](std::string_view member, double) {
        items.push_back({std::string(member)});
        return true;
      });
    }
    end -= start;
    start = 0;
  } else if (is_zset) {
    const auto* zset = entry->value.As<store::ZSetValue>();
    items.reserve(zset->size());
    zset->ForEach([&](std::string_view member, double) {
      items.push_back({std::string(member)});
      return true;
    });
  } else if (entry != nullptr) {
    const auto* set = entry->value.As<store::SetValue>();
    items.reserve(set->size());
    set->ForEach([&](std::string_view e) { items.push_back({std::string(e)}); });
  }

  if (!o.dontsort) {
    bool conversion_error = false;
    for (SortItem& item : items) {
      std::optional<std::string> by_value;
      if (o.by.has_value()) {
        by_value = LookupByPattern(ctx, *o.by, item.element);
        if (!by_value.has_value()) continue;
      }
      if (o.alpha) {
        if (o.by.has_value()) item.weight = std::move(by_value);
      } else if (!ParseWeight(by_value.has_value() ? *by_value : item.element, &item.score)) {
        conversion_error = true;
      }
    }
    if (conversion_error) return ctx.reply.Error(err::kSortScores);
    const bool by_pattern = o.by.has_value();
    std::stable_sort(items.begin(), items.end(), [&](const SortItem& a, const SortItem& b) {
      return CompareItems(a, b, o, by_pattern) < 0;
    });
  }

  const int64_t count = end - start + 1;
  const int64_t output_len = o.gets.empty() ? count : static_cast<int64_t>(o.gets.size()) * count;
  if (!o.store.has_value()) {
    ctx.reply.Array(static_cast<size_t>(output_len));
    for (int64_t j = start; j <= end; ++j) {
      const std::string& element = items[static_cast<size_t>(j)].element;
      if (o.gets.empty()) ctx.reply.Bulk(element);
      for (std::string_view pattern : o.gets) {
        std::optional<std::string> v = LookupByPattern(ctx, pattern, element);
        if (v.has_value()) {
          ctx.reply.Bulk(*v);
        } else {
          ctx.reply.Null();
        }
      }
    }
    return;
  }

  auto list = std::make_unique<store::ListValue>(ctx.server.settings().list_max_listpack_size);
  for (int64_t j = start; j <= end; ++j) {
    const std::string& element = items[static_cast<size_t>(j)].element;
    if (o.gets.empty()) list->Push(element, store::ListEnd::kTail);
    for (std::string_view pattern : o.gets) {
      std::optional<std::string> v = LookupByPattern(ctx, pattern, element);
      list->Push(v.has_value() ? std::string_view(*v) : std::string_view(), store::ListEnd::kTail);
    }
  }
  if (output_len > 0) {
    ctx.db.Set(*o.store, store::Value::FromAggregate(std::move(list)));
    ctx.MarkDirty(output_len);
  } else if (ctx.db.Delete(*o.store)) {
    ctx.MarkDirty();
  }
  ctx.reply.Integer(output_len);
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE dest]
void Sort(CommandContext& ctx) { SortGeneric(ctx, false); }

// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
void SortRo(CommandContext& ctx) { SortGeneric(ctx, true); }

// The sorted key, and the destination of the last STORE option.
std::vector<int> SortKeys(std::span<const std::string_view> args) {
  std::vector<int> keys = {1};
  int store_pos = 0;
  auto is = [](std::string_view a, std::string_view word) {
    return a.size() == word.size() &&
           std::equal(a.begin(), a.end(), word.begin(),
                      [](char x, char y) { return std::tolower(x) == std::tolower(y); });
  };
  for (size_t i = 2; i < args.size(); ++i) {
    if (is(args[i], "limit")) {
      i += 2;
    } else if (is(args[i], "get") || is(args[i], "by")) {
      i += 1;
    } else if (is(args[i], "store") && i + 1 < args.size()) {
      store_pos = static_cast<int>(i + 1);
    }
  }
  if (store_pos != 0) keys.push_back(store_pos);
  return keys;
}

std::vector<int> SortRoKeys(std::span<const std::string_view> /*args*/) { return {1}; }

constexpr const char* kSortComplexity =
    "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
    "number of returned elements. When the elements are not sorted, complexity is O(N).";

}  // namespace

void RegisterSortCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  CommandTable& t = server.commands();
  t.Add({.name = "sort",
         .arity = -2,
         .flags = kCmdWrite | kCmdDenyOom,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = Sort,
         .group = "generic",
         .summary = "Sort the elements in a list, set or sorted set",
         .since = "1.0.0",
         .complexity = kSortComplexity,
         .key_finder = SortKeys,
         .key_spec_flags = {"RO", "access"}});
  t.Add({.name = "sort_ro",
         .arity = -2,
         .flags = kCmdReadonly,
         .first_key = 1,
         .last_key = 1,
         .key_step = 1,
         .handler = SortRo,
         .group = "generic",
         .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
         .since = "7.0.0",
         .complexity = kSortComplexity,
         .key_finder = SortRoKeys,
         .key_spec_flags = {"RO", "access"}});
}

}  // namespace baton::commands
