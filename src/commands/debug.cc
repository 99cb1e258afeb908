// DEBUG: the subcommands tests and tools rely on (SLEEP, SET-ACTIVE-EXPIRE,
// OBJECT, POPULATE, DIGEST, DIGEST-VALUE, CHANGE-REPL-ID, LOG, ERROR, HELP).
// Gated by enable-debug-command in the dispatcher.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "baton/commands/helpers.h"
#include "baton/commands/registry.h"
#include "baton/persistence/snapshot.h"
#include "baton/server/server.h"
#include "baton/store/hash_value.h"
#include "baton/store/list_value.h"
#include "baton/store/set_value.h"
#include "baton/store/zset_value.h"
#include "baton/util/strings.h"

namespace baton::commands {
namespace {

using server::CommandContext;
namespace err = server::err;

using Digest = std::array<uint8_t, 20>;

// A small SHA-1 (FIPS 180-1) for DEBUG DIGEST.
class Sha1 {
 public:
  void Update(std::string_view data) {
    total_bits_ += static_cast<uint64_t>(data.size()) * 8;
    while (!data.empty()) {
      const size_t n = std::min(block_.size() - block_len_, data.size());
      std::memcpy(block_.data() + block_len_, data.data(), n);
      block_len_ += n;
      data.remove_prefix(n);
      if (block_len_ == block_.size()) Compress();
    }
  }
  Digest Final() {
    const uint64_t bits = total_bits_;
    block_[block_len_++] = 0x80;
    if (block_len_ > 56) {
      while (block_len_ < 64) block_[block_len_++] = 0;
      Compress();
    }
    while (block_len_ < 56) block_[block_len_++] = 0;
    for (int i = 7; i >= 0; --i) block_[block_len_++] = static_cast<uint8_t>(bits >> (i * 8));
    Compress();
    Digest out{};
    for (size_t i = 0; i < 5; ++i) {
      for (size_t j = 0; j < 4; ++j) out[i * 4 + j] = static_cast<uint8_t>(h_[i] >> (24 - 8 * j));
    }
    return out;
  }

 private:
  static uint32_t Rotl(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }
  void Compress() {
    std::array<uint32_t, 80> w{};
    for (size_t i = 0; i < 16; ++i) {
      w[i] = (uint32_t{block_[i * 4]} << 24) | (uint32_t{block_[i * 4 + 1]} << 16) |
             (uint32_t{block_[i * 4 + 2]} << 8) | uint32_t{block_[i * 4 + 3]};
    }
    for (size_t i = 16; i < 80; ++i) w[i] = Rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
    for (size_t i = 0; i < 80; ++i) {
      uint32_t f = 0;
      uint32_t k = 0;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      const uint32_t t = Rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = Rotl(b, 30);
      b = a;
      a = t;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
    h_[4] += e;
    block_len_ = 0;
  }

  std::array<uint32_t, 5> h_ = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::array<uint8_t, 64> block_{};
  size_t block_len_ = 0;
  uint64_t total_bits_ = 0;
};

std::string ToHex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (uint8_t b : d) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// Redis's digest primitives (debug.c): "xor" adds SHA1(data) into the
// digest, order-insensitive; "mix" replaces the digest by SHA1(digest xor
// SHA1(data)), so the order of mixed items matters.
void XorDigest(Digest& acc, std::string_view data) {
  Sha1 h;
  h.Update(data);
  const Digest d = h.Final();
  for (size_t i = 0; i < acc.size(); ++i) acc[i] ^= d[i];
}

void MixDigest(Digest& acc, std::string_view data) {
  XorDigest(acc, data);
  Sha1 h;
  h.Update(std::string_view(reinterpret_cast<const char*>(acc.data()), acc.size()));
  acc = h.Final();
}

std::string_view DigestBytes(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

// A 32-bit integer in network order, as Redis mixes type codes and db ids.
void MixUint32(Digest& acc, uint32_t v) {
  const std::array<char, 4> be = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                                  static_cast<char>(v >> 8), static_cast<char>(v)};
  MixDigest(acc, std::string_view(be.data(), be.size()));
}

// Redis's OBJ_* type codes.
uint32_t RedisTypeCode(store::ValueType type) {
  switch (type) {
    case store::ValueType::kString:
      return 0;
    case store::ValueType::kList:
      return 1;
    case store::ValueType::kSet:
      return 2;
    case store::ValueType::kZSet:
      return 3;
    case store::ValueType::kHash:
      return 4;
    case store::ValueType::kStream:
      return 6;
  }
  return 0;
}

// One member and its score: Redis 7.0 formats the score with "%.17g" in both
// encodings, and adds SHA1(element digest) to the value's digest.
void XorZSetElement(Digest& acc, std::string_view member, double score) {
  char buf[64];
  const int len = std::snprintf(buf, sizeof(buf), "%.17g", score);
  Digest ele{};
  MixDigest(ele, member);
  MixDigest(ele, std::string_view(buf, static_cast<size_t>(len)));
  XorDigest(acc, DigestBytes(ele));
}

// Adds one value to `acc` the way Redis 7.0's xorObjectDigest does, so the
// result depends on contents only, not on the encoding: lists are mixed in
// order, set members xored, hash pairs and zset elements digested apart and
// xored; integers count as their decimal text. A TTL adds a fixed marker.
void AddObjectDigest(Digest& acc, const store::Value& v, bool has_expire) {
  MixUint32(acc, RedisTypeCode(v.type()));
  switch (v.type()) {
    case store::ValueType::kString:
      MixDigest(acc, v.Bytes().view());
      break;
    case store::ValueType::kList:
      v.As<store::ListValue>()->Visit(0, false, [&](std::string_view element) {
        MixDigest(acc, element);
        return true;
      });
      break;
    case store::ValueType::kSet:
      v.As<store::SetValue>()->ForEach([&](std::string_view member) { XorDigest(acc, member); });
      break;
    case store::ValueType::kZSet:
      v.As<store::ZSetValue>()->ForEach([&](std::string_view member, double score) {
        XorZSetElement(acc, member, score);
        return true;
      });
      break;
    case store::ValueType::kHash:
      v.As<store::HashValue>()->ForEach([&](std::string_view field, std::string_view value) {
        Digest ele{};
        MixDigest(ele, field);
        MixDigest(ele, value);
        XorDigest(acc, DigestBytes(ele));
      });
      break;
    case store::ValueType::kStream:
      break;
  }
  if (has_expire) XorDigest(acc, "!!expire!!");
}

// Redis 7.0's computeDatasetDigest: for each non-empty db, mix its id into
// the result, then xor in SHA1 of each key's digest (key mixed, then the
// value). Keys logically expired but not yet deleted count, as in Redis.
// An empty dataset digests to 20 zero bytes.
Digest DatasetDigest(server::Server& server) {
  Digest total{};
  for (int i = 0; i < server.db_count(); ++i) {
    store::Database& db = server.db(i);
    if (db.size() == 0) continue;
    MixUint32(total, static_cast<uint32_t>(i));
    db.ForEach([&](store::KeyEntry* e) {
      Digest key_digest{};
      MixDigest(key_digest, e->Key());
      AddObjectDigest(key_digest, e->value, db.GetExpire(e) != -1);
      XorDigest(total, DigestBytes(key_digest));
    });
  }
  return total;
}

// Bytes the value would take in an RDB file (uncompressed estimate).
size_t SerializedLength(const store::Value& v) {
  if (!v.is_string()) return v.aggregate()->MemoryUsage();
  const store::StringBytes bytes = v.Bytes();
  int64_t n = 0;
  if (bytes.view().size() <= 11 && store::ParseInt64(bytes.view(), &n)) {
    if (n >= INT8_MIN && n <= INT8_MAX) return 2;
    if (n >= INT16_MIN && n <= INT16_MAX) return 3;
    if (n >= INT32_MIN && n <= INT32_MAX) return 5;
  }
  const size_t len = bytes.view().size();
  const size_t header = len < 64 ? 1 : len < 16384 ? 2 : 5;
  return header + len;
}

// DEBUG HELP
void DebugHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANGE-REPL-ID",
      "    Give the instance a new replication ID (testing only).",
      "DIGEST",
      "    Return a hex digest of the whole dataset.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Return a hex digest of the value of each key.",
      "ERROR <string>",
      "    Reply with <string> as an error.",
      "LOG <message>",
      "    Write <message> to the server log.",
      "OBJECT <key>",
      "    Show low level details about the value stored at <key>.",
      "POPULATE <count> [<prefix>] [<size>]",
      "    Create <count> string keys <prefix>:<num> (prefix defaults to 'key'),",
      "    skipping existing keys. Values are value:<num>, padded or cut to <size>.",
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Turn the background expiry of keys off (0) or on (1).",
      "SLEEP <seconds>",
      "    Block the server for <seconds>; decimals allowed.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.Array(std::size(kLines));
  for (std::string_view l : kLines) ctx.reply.Simple(l);
}

// DEBUG SLEEP seconds
void DebugSleep(CommandContext& ctx) {
  const double seconds = std::strtod(std::string(ctx.arg(2)).c_str(), nullptr);
  if (seconds > 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
  }
  ctx.reply.Ok();
}

// DEBUG SET-ACTIVE-EXPIRE 0|1
void DebugSetActiveExpire(CommandContext& ctx) {
  ctx.server.active_expire_enabled = std::atoi(std::string(ctx.arg(2)).c_str()) != 0;
  ctx.reply.Ok();
}

// DEBUG OBJECT key
void DebugObject(CommandContext& ctx) {
  store::KeyEntry* e = ctx.db.Lookup(ctx.arg(2), store::kLookupNoTouch);
  if (e == nullptr) return ctx.reply.Error(err::kNoSuchKey);
  const int64_t now_s = ctx.server.NowMs() / 1000;
  const int64_t idle = std::max<int64_t>(0, now_s - static_cast<int64_t>(e->lru));
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u "
                "lru_seconds_idle:%lld",
                static_cast<const void*>(&e->value), std::string(e->value.EncodingName()).c_str(),
                SerializedLength(e->value), e->lru & ((1U << 24) - 1),
                static_cast<long long>(idle));
  ctx.reply.Simple(buf);
}

// DEBUG POPULATE count [prefix] [size]
void DebugPopulate(CommandContext& ctx) {
  int64_t count = 0;
  int64_t size = -1;
  if (!store::ParseInt64(ctx.arg(2), &count) || count < 0) {
    return ctx.reply.Error(err::kValueMustBePositive);
  }
  if (ctx.argc() == 5 && (!store::ParseInt64(ctx.arg(4), &size) || size < 0)) {
    return ctx.reply.Error(err::kValueMustBePositive);
  }
  const std::string_view prefix = ctx.argc() >= 4 ? ctx.arg(3) : "key";
  // The generated names are distinct: in an empty database none can exist.
  const bool check_existing = ctx.db.size() != 0;
  std::string key(prefix);
  key.push_back(':');
  const size_t key_base = key.size();
  std::string value = "value:";
  char digits[24];
  for (int64_t j = 0; j < count; ++j) {
    const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), j);
    const std::string_view number(digits, static_cast<size_t>(end - digits));
    key.resize(key_base);
    key.append(number);
    if (check_existing && ctx.db.Lookup(key, store::kLookupNoTouch) != nullptr) continue;
    value.resize(6);
    value.append(number);
    if (size >= 0) value.resize(static_cast<size_t>(size), '\0');
    ctx.db.Add(key, store::Value::FromString(value));
  }
  // Like Redis: populated keys are not propagated.
  ctx.PreventPropagation();
  ctx.reply.Ok();
}

// DEBUG DIGEST
void DebugDigest(CommandContext& ctx) { ctx.reply.Simple(ToHex(DatasetDigest(ctx.server))); }

// DEBUG DIGEST-VALUE [key ...]
void DebugDigestValue(CommandContext& ctx) {
  ctx.reply.Array(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    // Like Redis, logically expired keys still have a digest here.
    store::KeyEntry* e = ctx.db.Lookup(ctx.arg(i), store::kLookupNoTouch | store::kLookupIgnoreTtl);
    Digest d{};
    if (e != nullptr) AddObjectDigest(d, e->value, ctx.db.GetExpire(e) != -1);
    ctx.reply.Simple(ToHex(d));
  }
}

// DEBUG CHANGE-REPL-ID
void DebugChangeReplId(CommandContext& ctx) {
  server::ReplicationRole& role = ctx.server.role();
  role.replid = util::RandomHex(40);
  role.replid2.assign(40, '0');
  role.second_replid_offset = -1;
  ctx.reply.Ok();
}

// DEBUG LOG message
void DebugLog(CommandContext& ctx) {
  spdlog::warn("DEBUG LOG: {}", ctx.arg(2));
  ctx.reply.Ok();
}

// DEBUG ERROR message
void DebugError(CommandContext& ctx) { ctx.reply.Error(ctx.arg(2)); }

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]
void DebugReload(CommandContext& ctx) {
  bool save = true;
  bool flush = true;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "MERGE")) {
      continue;
    } else if (ArgIs(ctx, i, "NOFLUSH")) {
      flush = false;
    } else if (ArgIs(ctx, i, "NOSAVE")) {
      save = false;
    } else {
      return ctx.reply.Error(
          "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
    }
  }
  persistence::Persistence& p = persistence::Persistence::Of(ctx.server);
  if (save && !p.SaveNow().empty()) return ctx.reply.Error("ERR");
  if (!p.Reload(false, flush).empty()) {
    return ctx.reply.Error("ERR Error trying to load the RDB dump, check server logs.");
  }
  ctx.reply.Ok();
}

// DEBUG subcommand [arg ...]
void Debug(CommandContext& ctx) {
  struct Sub {
    std::string_view name;
    size_t min_argc;
    size_t max_argc;  // 0: unbounded
    void (*handler)(CommandContext&);
  };
  static constexpr Sub kSubs[] = {
      {"help", 2, 2, DebugHelp},
      {"sleep", 3, 3, DebugSleep},
      {"set-active-expire", 3, 3, DebugSetActiveExpire},
      {"object", 3, 3, DebugObject},
      {"populate", 3, 5, DebugPopulate},
      {"reload", 2, 5, DebugReload},
      {"digest", 2, 2, DebugDigest},
      {"digest-value", 2, 0, DebugDigestValue},
      {"change-repl-id", 2, 2, DebugChangeReplId},
      {"log", 3, 3, DebugLog},
      {"error", 3, 3, DebugError},
  };
  const size_t argc = ctx.argc();
  for (const Sub& s : kSubs) {
    if (!util::EqualsIgnoreCase(ctx.arg(1), s.name)) continue;
    if (argc < s.min_argc || (s.max_argc != 0 && argc > s.max_argc)) break;
    return s.handler(ctx);
  }
  ctx.reply.Error(err::UnknownSubcommandOrArity("DEBUG", ctx.arg(1)));
}

}  // namespace

void RegisterDebugCommands(server::Server& server) {
  using namespace server;  // NOLINT(google-build-using-namespace): flag names
  server.commands().Add(
      {.name = "debug",
       .arity = -2,
       .flags = kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale | kCmdProtected,
       .handler = Debug,
       .group = "server",
       .summary = "A container for debugging commands",
       .since = "1.0.0",
       .complexity = "Depends on subcommand."});
}

}  // namespace baton::commands
