// DUMP/RESTORE payloads: one value's RDB encoding, then the RDB version as
// two little-endian bytes, then the CRC64 of all that (8 bytes, little-endian).
#include <string>

#include "baton/persistence/rdb.h"
#include "baton/server/errors.h"
#include "baton/server/server.h"
#include "baton/store/value.h"
#include "crc64.h"
#include "rdb_format.h"

namespace baton::persistence {
namespace {

constexpr size_t kFooterSize = 10;

std::string Dump(const store::Value& value, const rdb::EncodeOptions& options) {
  rdb::Encoder enc(nullptr, options);
  enc.Object(value);
  enc.Byte(static_cast<uint8_t>(rdb::kVersion & 0xFF));
  enc.Byte(static_cast<uint8_t>(rdb::kVersion >> 8));
  enc.Int64LE(static_cast<int64_t>(enc.Crc()));
  return std::move(enc.buffer());
}

std::string Restore(std::string_view payload, const rdb::LoadLimits& limits, store::Value& out) {
  if (payload.size() < kFooterSize) return std::string(server::err::kDumpPayloadWrong);
  const auto* footer =
      reinterpret_cast<const uint8_t*>(payload.data()) + payload.size() - kFooterSize;
  const int version = footer[0] | (footer[1] << 8);
  if (version > rdb::kVersion) return std::string(server::err::kDumpPayloadWrong);
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) stored = (stored << 8) | footer[2 + i];
  if (Crc64(0, payload.data(), payload.size() - 8) != stored) {
    return std::string(server::err::kDumpPayloadWrong);
  }
  rdb::MemorySource source(payload.substr(0, payload.size() - kFooterSize));
  rdb::Decoder in(source);
  in.set_crc_enabled(false);
  uint8_t type = 0;
  if (!in.Byte(&type) || type >= rdb::kOpFunction2 || !in.Object(type, limits, &out)) {
    return std::string(server::err::kBadDataFormat);
  }
  return "";
}

}  // namespace

std::string DumpPayload(const store::Value& value) { return Dump(value, rdb::EncodeOptions{}); }

std::string DumpPayload(server::Server& server, const store::Value& value) {
  return Dump(value, rdb::EncodeOptionsOf(server));
}

std::string RestorePayload(std::string_view payload, store::Value& out) {
  return Restore(payload, rdb::LoadLimits{}, out);
}

std::string RestorePayload(server::Server& server, std::string_view payload, store::Value& out) {
  return Restore(payload, rdb::LoadLimitsOf(server), out);
}

}  // namespace baton::persistence
