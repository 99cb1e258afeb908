#include "verify.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <charconv>
#include <chrono>
#include <memory>
#include <thread>

namespace baton::pulse {
namespace {

constexpr size_t kBatch = 500;  // keys per DEL / MGET

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Sync = std::unique_ptr<redisContext, ContextFree>;
struct ReplyFree {
  void operator()(redisReply* r) const {
    if (r != nullptr) freeReplyObject(r);
  }
};
using SyncReply = std::unique_ptr<redisReply, ReplyFree>;

Sync Open(const Endpoint& ep, std::string* error) {
  timeval tv{2, 0};
  Sync c(redisConnectWithTimeout(ep.host.c_str(), ep.port, tv));
  if (!c || c->err != 0) {
    *error = "cannot connect to " + ep.ToString() + (c ? ": " + std::string(c->errstr) : "");
    return nullptr;
  }
  redisSetTimeout(c.get(), timeval{15, 0});
  return c;
}

SyncReply Call(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return SyncReply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

void Append(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data());
}

// Runs `build(first, last)` for each batch of global key indexes, pipelined;
// `take` consumes each reply in order. Returns "" or an error.
template <typename Build, typename Take>
std::string Batched(redisContext* c, size_t total, Build build, Take take) {
  size_t batches = 0;
  for (size_t first = 0; first < total; first += kBatch) {
    Append(c, build(first, std::min(total, first + kBatch)));
    ++batches;
  }
  for (size_t b = 0; b < batches; ++b) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK) return std::string("connection error: ") + c->errstr;
    SyncReply r(static_cast<redisReply*>(raw));
    if (std::string e = take(b * kBatch, *r); !e.empty()) return e;
  }
  return "";
}

std::string KeyAt(const Options& o, size_t index) {
  const auto keys = static_cast<size_t>(o.keys);
  return KeyName(static_cast<int>(index / keys), static_cast<int>(index % keys));
}

std::string InfoField(const std::string& info, const std::string& field) {
  const std::string needle = field + ":";
  size_t pos = info.find(needle);
  if (pos == std::string::npos) return "";
  pos += needle.size();
  return info.substr(pos, info.find_first_of("\r\n", pos) - pos);
}

}  // namespace

std::string ResetKeys(const Options& o) {
  std::string error;
  Sync c = Open(o.target, &error);
  if (!c) return error;
  const size_t total = static_cast<size_t>(o.clients) * static_cast<size_t>(o.keys);
  return Batched(
      c.get(), total,
      [&o](size_t first, size_t last) {
        std::vector<std::string> args{"DEL"};
        for (size_t i = first; i < last; ++i) args.push_back(KeyAt(o, i));
        return args;
      },
      [](size_t, const redisReply& r) -> std::string {
        if (r.type == REDIS_REPLY_ERROR) return "DEL failed: " + std::string(r.str, r.len);
        return "";
      });
}

std::string WaitFailoverSettled(const Endpoint& node, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string state;
  while (true) {
    std::string error;
    if (Sync c = Open(node, &error)) {
      SyncReply r = Call(c.get(), {"INFO", "replication"});
      if (r && r->type == REDIS_REPLY_STRING) {
        state = InfoField(std::string(r->str, r->len), "master_failover_state");
        if (state.empty() || state == "no-failover") return state;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return state;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::optional<Endpoint> FindPrimary(const Endpoint& start, std::string* error) {
  Endpoint ep = start;
  for (int hop = 0; hop < 5; ++hop) {
    Sync c = Open(ep, error);
    if (!c) return std::nullopt;
    SyncReply r = Call(c.get(), {"ROLE"});
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
        r->element[0]->type != REDIS_REPLY_STRING) {
      return ep;  // no ROLE: take it as the primary
    }
    const std::string role(r->element[0]->str, r->element[0]->len);
    if (role != "slave" && role != "replica") return ep;
    if (r->elements < 3 || r->element[1]->type != REDIS_REPLY_STRING ||
        r->element[2]->type != REDIS_REPLY_INTEGER) {
      *error = ep.ToString() + " is a replica but ROLE names no primary";
      return std::nullopt;
    }
    ep = Endpoint{std::string(r->element[1]->str, r->element[1]->len),
                  static_cast<int>(r->element[2]->integer)};
  }
  *error = "ROLE did not lead to a primary within 5 hops";
  return std::nullopt;
}

namespace {

Verification VerifyOnce(const Options& o, const std::vector<int64_t>& acks) {
  Verification v;
  std::optional<Endpoint> primary = FindPrimary(o.target, &v.error);
  if (!primary) return v;
  Sync c = Open(*primary, &v.error);
  if (!c) return v;
  v.primary = primary->ToString();
  auto note = [&v, &o](size_t index, int64_t acked, int64_t found) {
    if (v.examples.size() >= 5) return;
    v.examples.push_back(KeyAt(o, index) + ": acknowledged " + std::to_string(acked) + ", found " +
                         std::to_string(found));
  };
  std::string error = Batched(
      c.get(), acks.size(),
      [&o](size_t first, size_t last) {
        std::vector<std::string> args{"MGET"};
        for (size_t i = first; i < last; ++i) args.push_back(KeyAt(o, i));
        return args;
      },
      [&](size_t first, const redisReply& r) -> std::string {
        if (r.type != REDIS_REPLY_ARRAY) {
          return "MGET failed: " + (r.str != nullptr ? std::string(r.str, r.len) : "bad reply");
        }
        for (size_t j = 0; j < r.elements; ++j) {
          const redisReply& e = *r.element[j];
          int64_t found = 0;
          if (e.type == REDIS_REPLY_STRING) {
            auto [ptr, ec] = std::from_chars(e.str, e.str + e.len, found);
            if (ec != std::errc() || ptr != e.str + e.len)
              return "not a counter: " + KeyAt(o, first + j);
          }
          const int64_t acked = acks[first + j];
          ++v.keys_checked;
          if (found < acked) {
            ++v.lost_writes;
            note(first + j, acked, found);
          } else if (found > acked) {
            ++v.extra_writes;
            note(first + j, acked, found);
          }
        }
        return "";
      });
  if (!error.empty()) {
    v.error = error;
    return v;
  }
  v.done = true;
  return v;
}

}  // namespace

Verification VerifyCounters(const Options& o, const std::vector<int64_t>& acks) {
  // A host that stalls for seconds can time a connection out: read again
  // (the counters do not change any more) before giving up.
  constexpr int kAttempts = 3;
  Verification v;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    v = VerifyOnce(o, acks);
    if (v.done ||
        (v.error.rfind("connection error", 0) != 0 && v.error.rfind("cannot connect", 0) != 0)) {
      break;
    }
  }
  return v;
}

}  // namespace baton::pulse
