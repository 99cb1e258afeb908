// LoadRdb: reads an RDB stream of versions 1..10 into the server's databases.
#include <charconv>
#include <string>

#include "baton/persistence/rdb.h"
#include "baton/server/server.h"
#include "baton/store/value.h"
#include "rdb_format.h"

namespace baton::persistence {
namespace {

constexpr int kMinVersion = 1;
// The CRC64 trailer exists from version 5 on.
constexpr int kFirstVersionWithCrc = 5;

bool ParseAuxInt(const std::string& s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

std::string Hex64(uint64_t v) {
  char buf[17];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, 16);
  return {buf, static_cast<size_t>(end - buf)};
}

}  // namespace

namespace rdb {

LoadLimits LoadLimitsOf(const server::Server& server) {
  const auto& s = server.settings();
  return {.hash_max_entries = static_cast<size_t>(s.hash_max_listpack_entries),
          .hash_max_value = static_cast<size_t>(s.hash_max_listpack_value),
          .set_max_intset_entries = static_cast<size_t>(s.set_max_intset_entries),
          .zset_max_entries = static_cast<size_t>(s.zset_max_listpack_entries),
          .zset_max_value = static_cast<size_t>(s.zset_max_listpack_value),
          .list_fill = s.list_max_listpack_size};
}

}  // namespace rdb

LoadResult LoadRdb(server::Server& server, ByteSource& source) {
  LoadResult result;
  rdb::Decoder in(source);
  auto fail = [&]() -> LoadResult& {
    result.error = in.error().empty() ? "invalid RDB data" : in.error();
    return result;
  };

  char header[9];
  if (!in.Read(header, sizeof(header))) return fail();
  if (std::string_view(header, 5) != "REDIS") {
    in.Fail("wrong signature trying to load DB (not an RDB stream)");
    return fail();
  }
  int version = 0;
  for (size_t i = 5; i < 9; ++i) {
    if (header[i] < '0' || header[i] > '9') {
      in.Fail("invalid RDB version field");
      return fail();
    }
    version = version * 10 + (header[i] - '0');
  }
  result.rdb_version = version;
  if (version < kMinVersion || version > rdb::kVersion) {
    in.Fail("Can't handle RDB format version " + std::to_string(version));
    return fail();
  }

  const rdb::LoadLimits limits = rdb::LoadLimitsOf(server);
  const bool is_replica = server.role().is_replica;
  const int64_t now_ms = server.NowMs();
  const bool lfu = server.LfuEnabled();
  store::Database* db = &server.db(0);
  int64_t expire_ms = -1;
  int64_t lru_idle = -1;
  int lfu_freq = -1;
  std::string key;
  std::string aux_value;

  for (;;) {
    uint8_t type = 0;
    if (!in.Byte(&type)) return fail();
    switch (type) {
      case rdb::kOpExpireTimeMs:
        if (!in.Int64LE(&expire_ms)) return fail();
        continue;
      case rdb::kOpExpireTime: {
        int32_t seconds = 0;
        if (!in.Int32LE(&seconds)) return fail();
        expire_ms = int64_t{seconds} * 1000;
        continue;
      }
      case rdb::kOpFreq: {
        uint8_t freq = 0;
        if (!in.Byte(&freq)) return fail();
        lfu_freq = freq;
        continue;
      }
      case rdb::kOpIdle: {
        uint64_t idle = 0;
        if (!in.Len(&idle)) return fail();
        lru_idle = static_cast<int64_t>(idle & 0x7fffffffffffffffULL);
        continue;
      }
      case rdb::kOpSelectDb: {
        uint64_t index = 0;
        if (!in.Len(&index)) return fail();
        if (index >= static_cast<uint64_t>(server.db_count())) {
          in.Fail("Data file was created with a Redis server configured to handle more than " +
                  std::to_string(server.db_count()) + " databases");
          return fail();
        }
        db = &server.db(static_cast<int>(index));
        continue;
      }
      case rdb::kOpResizeDb: {
        uint64_t size = 0;
        uint64_t expires = 0;
        if (!in.Len(&size) || !in.Len(&expires)) return fail();
        continue;
      }
      case rdb::kOpAux: {
        if (!in.String(&key) || !in.String(&aux_value)) return fail();
        int64_t v = 0;
        if (key == "repl-id") {
          result.aux.replid = aux_value;
        } else if (key == "repl-offset" && ParseAuxInt(aux_value, &v)) {
          result.aux.repl_offset = v;
        } else if (key == "repl-stream-db" && ParseAuxInt(aux_value, &v)) {
          result.aux.repl_stream_db = static_cast<int>(v);
        }
        continue;  // other fields (redis-ver, ctime, lua scripts...) are informative
      }
      case rdb::kOpModuleAux:
        in.Fail("the RDB has module auxiliary data, which Baton cannot load (no modules)");
        return fail();
      case rdb::kOpFunctionPreGa:
        in.Fail("Pre-release function format not supported");
        return fail();
      case rdb::kOpFunction2:
        // A function library's code. Baton has no functions: skipped.
        if (!in.String(&aux_value)) return fail();
        ++result.functions_skipped;
        continue;
      case rdb::kOpEof:
        break;
      default: {
        if (!in.String(&key)) return fail();
        store::Value value;
        if (!in.Object(type, limits, &value)) {
          if (!in.empty_key()) return fail();
          ++result.empty_keys_skipped;
        } else if (expire_ms != -1 && !is_replica && expire_ms < now_ms) {
          ++result.expired_skipped;  // expired: a master drops it (a replica waits for a DEL)
        } else {
          store::KeyEntry* entry = db->Set(key, std::move(value));
          if (expire_ms != -1) db->SetExpire(entry, expire_ms);
          if (lfu && lfu_freq >= 0) {
            const auto minutes = static_cast<uint32_t>(now_ms / 60000) & 0xFFFF;
            entry->lru = (minutes << 8) | static_cast<uint32_t>(lfu_freq);
          } else if (!lfu && lru_idle >= 0) {
            const int64_t clock = now_ms / 1000;
            entry->lru = static_cast<uint32_t>(lru_idle < clock ? clock - lru_idle : 0);
          }
          ++result.keys_loaded;
        }
        expire_ms = -1;
        lru_idle = -1;
        lfu_freq = -1;
        continue;
      }
    }
    break;  // EOF
  }

  if (version >= kFirstVersionWithCrc) {
    const uint64_t computed = in.crc();
    in.set_crc_enabled(false);
    int64_t stored = 0;
    if (!in.Int64LE(&stored)) return fail();
    const auto expected = static_cast<uint64_t>(stored);
    if (expected != 0 && server.settings().rdbchecksum && expected != computed) {
      in.Fail("Wrong RDB checksum expected: (" + Hex64(expected) + ") got: (" + Hex64(computed) +
              ")");
      return fail();
    }
  }
  return result;
}

}  // namespace baton::persistence
