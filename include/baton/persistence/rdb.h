// The Redis RDB format (version 10 written, versions up to 10 read): the
// bytes of dump files, of replication's full sync and of DUMP/RESTORE.
// Pure with respect to I/O: writers go to a ByteSink, readers take a
// ByteSource, so files, pipes and sockets all share the same code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace baton::server {
class Server;
}
namespace baton::store {
class Value;
}

namespace baton::persistence {

// Where RDB bytes go. Write returns false on an I/O error (the save fails).
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual bool Write(const void* data, size_t len) = 0;
};

// Where RDB bytes come from. Read fills exactly `len` bytes or returns false
// (truncated input or an I/O error).
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual bool Read(void* data, size_t len) = 0;
};

// Replication metadata stored in (and read back from) the AUX fields.
struct ReplicationAux {
  std::string replid;        // repl-id, 40 hex characters, "" if none
  int64_t repl_offset = -1;  // repl-offset, -1 if none
  int repl_stream_db = -1;   // repl-stream-db, -1 if none
};

// Writes every database of `server` as one RDB version 10 stream (header,
// AUX fields, SELECTDB/RESIZEDB per non-empty db, keys with expiries, EOF and
// CRC64 when rdbchecksum is yes; rdbcompression applies LZF).
// Returns "" or an error text.
std::string SaveRdb(server::Server& server, const ReplicationAux& aux, ByteSink& sink);

// Result of a load.
struct LoadResult {
  std::string error;  // "" on success; otherwise what is wrong, for the log
  ReplicationAux aux;
  int64_t keys_loaded = 0;
  int64_t expired_skipped = 0;
  int64_t empty_keys_skipped = 0;  // empty collections, which Redis also drops
  int64_t functions_skipped = 0;   // FUNCTION libraries (Baton has no functions)
  bool file_missing = false;       // LoadRdbFile: the file does not exist (ENOENT)
  int rdb_version = 0;
};

// Reads an RDB stream (versions 1..10) into the server's databases (which
// the caller has emptied or wants merged). Keys already expired are skipped
// on a master and kept on a replica, as Redis does.
LoadResult LoadRdb(server::Server& server, ByteSource& source);

// Convenience wrappers around files. SaveRdbFile writes to a temporary file
// in the same directory, fsyncs and renames it over `path`.
std::string SaveRdbFile(server::Server& server, const ReplicationAux& aux, const std::string& path);
LoadResult LoadRdbFile(server::Server& server, const std::string& path);

// DUMP payload of one value: the RDB value encoding, the 2-byte RDB version
// and the CRC64, as Redis 7.0 produces.
std::string DumpPayload(const store::Value& value);
// Parses a DUMP payload (checking version and CRC). Returns "" and fills
// `out`, or the Redis error text ("DUMP payload version or checksum are wrong").
std::string RestorePayload(std::string_view payload, store::Value& out);

// The same, following the server's configuration: rdbcompression and
// list-max-listpack-size when dumping; the listpack/intset thresholds
// (hash-max-listpack-entries...) choosing the restored value's encoding.
std::string DumpPayload(server::Server& server, const store::Value& value);
std::string RestorePayload(server::Server& server, std::string_view payload, store::Value& out);

}  // namespace baton::persistence
