// Key eviction under maxmemory (Redis's maxmemory-policy): before each
// command, while used memory (less replicas' output buffers) is above
// maxmemory, delete keys the policy picks until it is not.
//
// LRU, LFU and TTL policies approximate the best key as Redis does: each
// round samples maxmemory-samples keys of every database into a pool of the
// 16 best candidates seen so far, and evicts the best one still present.
// Random policies pick a random key, visiting the databases in turn. An
// evicted key is deleted like DEL (WATCH sees it) and propagated to replicas
// and the AOF as DEL, or UNLINK with lazyfree-lazy-eviction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace baton::server {

class Server;

enum class EvictionResult {
  kOk,       // under the limit (or nothing to do)
  kRunning,  // over the limit, keys evicted until the time budget ran out
  kFail,     // over the limit and nothing can be evicted: deny-oom commands fail
};

class Evictor {
 public:
  explicit Evictor(Server& server) : server_(server) {}

  // Evicts until used memory is at most maxmemory, for at most the time
  // maxmemory-eviction-tenacity allows (Redis's performEvictions).
  EvictionResult Perform();

  // Milliseconds spent above maxmemory: in total, and in the current spell
  // (INFO total/current_eviction_exceeded_time).
  [[nodiscard]] int64_t ExceededMsTotal(int64_t now_ms) const;
  [[nodiscard]] int64_t ExceededMsCurrent(int64_t now_ms) const;

 private:
  struct Candidate {
    uint64_t score;  // higher evicts first
    int db;
    std::string key;
  };
  static constexpr size_t kPoolSize = 16;

  // The next key to evict, by the configured policy; false when none is left.
  bool PickKey(int64_t policy, int* db, std::string* key);
  bool PickRandom(bool with_ttl_only, int* db, std::string* key);
  bool PickFromPool(int64_t policy, int* db, std::string* key);
  void Offer(uint64_t score, int db, std::string_view key);
  void NoteOverLimit(bool over);

  Server& server_;
  std::vector<Candidate> pool_;  // ascending score: the best candidate is last
  int next_db_ = 0;              // random policies visit databases in turn
  int64_t over_since_ms_ = -1;   // start of the current spell above the limit
  int64_t exceeded_total_ms_ = 0;
};

}  // namespace baton::server
