// Helpers shared by the persistence and AOF integration tests: a mixed
// dataset, a type-aware dump of a whole server for key-by-key comparison,
// file utilities and INFO field reading.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing::persist {

inline std::string Str(const Reply& r) {
  if (!r) return "<no reply>";
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_NIL) return "<nil>";
  if (r->str == nullptr) return "<type " + std::to_string(r->type) + ">";
  return std::string(r->str, r->len);
}

inline std::string InfoField(redisContext* c, const std::string& field) {
  Reply r = Command(c, {"INFO", "persistence"});
  std::string info = Str(r);
  size_t at = info.find(field + ":");
  if (at == std::string::npos) return "<missing>";
  at += field.size() + 1;
  return info.substr(at, info.find("\r\n", at) - at);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

inline bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// Writes strings (int and raw), lists, hashes, sets (intset and hashtable),
// sorted sets, keys with TTLs and keys in other databases; small and large
// (encoding-changing) aggregates.
inline void FillMixed(redisContext* c, int n = 200) {
  auto run = [c](const std::vector<std::string>& args) {
    Reply r = Command(c, args);
    ASSERT_TRUE(r);
    ASSERT_NE(r->type, REDIS_REPLY_ERROR) << args[0] << ": " << Str(r);
  };
  for (int i = 0; i < n; ++i) {
    const std::string s = std::to_string(i);
    run({"SET", "str:" + s, "value-" + s + std::string(static_cast<size_t>(i % 50), 'x')});
    run({"SET", "int:" + s, std::to_string(i * 1000)});
    run({"RPUSH", "list:small", s});
    run({"RPUSH", "list:big:" + std::to_string(i % 3), std::string(100, 'a' + (i % 26)) + s});
    run({"HSET", "hash:small", "f" + s, s});
    run({"HSET", "hash:big", "field-" + s, std::string(80, 'h') + s});
    run({"SADD", "set:int", s});
    run({"SADD", "set:str", "member-" + s});
    run({"ZADD", "zset:small", std::to_string(i * 0.5), "m" + s});
    run({"ZADD", "zset:big", std::to_string(i * 1.25), std::string(70, 'z') + s});
  }
  run({"SET", "ttl:key", "expiring", "PX", "600000"});
  run({"HSET", "ttl:hash", "a", "1"});
  run({"PEXPIRE", "ttl:hash", "700000"});
  run({"SET", "binary", std::string("a\0b\r\n\xff", 6)});
  run({"SELECT", "5"});
  run({"SET", "db5:key", "in-db-5"});
  run({"LPUSH", "db5:list", "x", "y"});
  run({"SELECT", "0"});
}

// Every key of every database, rendered with its type, contents (sorted
// where the order is not part of the type) and whether it has a TTL.
inline std::map<std::string, std::string> DumpAll(redisContext* c) {
  std::map<std::string, std::string> out;
  for (int db = 0; db < 16; ++db) {
    Command(c, {"SELECT", std::to_string(db)});
    Reply keys = Command(c, {"KEYS", "*"});
    if (!keys || keys->type != REDIS_REPLY_ARRAY) continue;
    for (size_t i = 0; i < keys->elements; ++i) {
      std::string key(keys->element[i]->str, keys->element[i]->len);
      std::string type = Str(Command(c, {"TYPE", key}));
      std::string v = type + "|";
      auto items = [&](const std::vector<std::string>& args, bool sort) {
        Reply r = Command(c, args);
        std::vector<std::string> parts;
        if (r && r->type == REDIS_REPLY_ARRAY) {
          for (size_t k = 0; k < r->elements; ++k) {
            parts.emplace_back(r->element[k]->str, r->element[k]->len);
          }
        }
        if (sort) std::sort(parts.begin(), parts.end());
        for (const auto& p : parts) v += p + ",";
      };
      if (type == "string") {
        v += Str(Command(c, {"GET", key}));
      } else if (type == "list") {
        items({"LRANGE", key, "0", "-1"}, false);
      } else if (type == "set") {
        items({"SMEMBERS", key}, true);
      } else if (type == "hash") {
        items({"HGETALL", key}, true);
      } else if (type == "zset") {
        items({"ZRANGE", key, "0", "-1", "WITHSCORES"}, false);
      }
      Reply ttl = Command(c, {"PTTL", key});
      v += (ttl && ttl->integer > 0) ? "|ttl" : "|none";
      out[std::to_string(db) + ":" + key] = v;
    }
  }
  Command(c, {"SELECT", "0"});
  return out;
}

}  // namespace baton::testing::persist
