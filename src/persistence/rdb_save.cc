// SaveRdb: a whole dataset as one RDB version 10 stream, laid out as Redis
// 7.0 writes it.
#include <string>

#include "baton/persistence/rdb.h"
#include "baton/server/server.h"
#include "baton/server/version.h"
#include "rdb_format.h"

namespace baton::persistence {
namespace {

void AuxString(rdb::Encoder& enc, std::string_view key, std::string_view value) {
  enc.Byte(rdb::kOpAux);
  enc.String(key);
  enc.String(value);
}

void AuxInt(rdb::Encoder& enc, std::string_view key, int64_t value) {
  enc.Byte(rdb::kOpAux);
  enc.String(key);
  enc.IntString(value);
}

}  // namespace

namespace rdb {

EncodeOptions EncodeOptionsOf(const server::Server& server) {
  return {.compress = server.settings().rdbcompression,
          .list_fill = server.settings().list_max_listpack_size};
}

}  // namespace rdb

std::string SaveRdb(server::Server& server, const ReplicationAux& aux, ByteSink& sink) {
  rdb::Encoder enc(&sink, rdb::EncodeOptionsOf(server));
  enc.Raw("REDIS0010");
  AuxString(enc, "redis-ver", server::kRedisCompatVersion);
  AuxInt(enc, "redis-bits", static_cast<int64_t>(sizeof(void*) * 8));
  AuxInt(enc, "ctime", server.NowMs() / 1000);
  AuxInt(enc, "used-mem", static_cast<int64_t>(server.UsedMemory()));
  if (!aux.replid.empty()) {
    AuxInt(enc, "repl-stream-db", aux.repl_stream_db < 0 ? 0 : aux.repl_stream_db);
    AuxString(enc, "repl-id", aux.replid);
    AuxInt(enc, "repl-offset", aux.repl_offset);
  }
  AuxInt(enc, "aof-base", 0);

  const int64_t policy = server.settings().maxmemory_policy;
  const bool lru = config::IsLruPolicy(policy);
  const bool lfu = config::IsLfuPolicy(policy);
  for (int i = 0; i < server.db_count(); ++i) {
    store::Database& db = server.db(i);
    if (db.size() == 0) continue;
    enc.Byte(rdb::kOpSelectDb);
    enc.Len(static_cast<uint64_t>(i));
    enc.Byte(rdb::kOpResizeDb);
    enc.Len(db.size());
    enc.Len(db.expires_size());
    bool ok = true;
    db.ForEach([&](store::KeyEntry* entry) {
      if (!ok) return;
      if (entry->has_expire) {
        const int64_t when = db.GetExpire(entry);
        if (when >= 0) {
          enc.Byte(rdb::kOpExpireTimeMs);
          enc.Int64LE(when);
        }
      }
      if (lru) {
        enc.Byte(rdb::kOpIdle);
        enc.Len(static_cast<uint64_t>(db.IdleSeconds(entry)));
      } else if (lfu) {
        enc.Byte(rdb::kOpFreq);
        enc.Byte(db.LfuCounter(entry));
      }
      enc.Byte(rdb::Encoder::TypeOf(entry->value));
      enc.String(entry->Key());
      enc.ObjectBody(entry->value);
      ok = enc.MaybeFlush();
    });
    if (!ok) break;
  }
  enc.Byte(rdb::kOpEof);
  if (!enc.Flush()) return "Write error saving the RDB data";
  const uint64_t crc = server.settings().rdbchecksum ? enc.Crc() : 0;
  enc.Int64LE(static_cast<int64_t>(crc));
  if (!enc.Flush()) return "Write error saving the RDB data";
  return "";
}

}  // namespace baton::persistence
