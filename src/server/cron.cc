// Periodic work: `hz` times a second the server samples its rates, expires
// keys actively, moves rehash buckets, ends pauses and client timeouts, and
// runs the tasks other modules registered.
#include <spdlog/spdlog.h>

#include <chrono>

#include "baton/server/server.h"

namespace baton::server {
namespace {

// Active expiry budget: at most 25% of each cron period, and keys sampled
// per database per round (Redis: 20 per loop, repeat while >10% expired).
constexpr size_t kExpireSamplesPerRound = 20;
constexpr int kExpireCpuPercent = 25;
constexpr size_t kExpireAcceptableStalePercent = 10;
constexpr int64_t kRehashMicrosPerCron = 1000;

}  // namespace

void Server::Cron() {
  UpdateCachedTime();
  stats_.ops.Sample(now_ms_, stats_.total_commands_processed);
  stats_.input_bytes.Sample(now_ms_, stats_.net_input_bytes);
  stats_.output_bytes.Sample(now_ms_, stats_.net_output_bytes);
  size_t used = UsedMemory();
  if (used > peak_memory) peak_memory = used;

  if (pauses_.ExpireAt(now_ms_)) ResumePostponed();
  ActiveExpireCycle();
  // Eviction that ran out of time budget goes on even when no command comes.
  if (settings().maxmemory > 0) evictor_.Perform();
  for (auto& db : dbs_) {
    db->ShrinkIfSparse();
    if (db->rehashing()) db->RehashFor(kRehashMicrosPerCron);
  }
  CheckClientTimeouts();
  for (auto& task : cron_tasks_) task();
}

void Server::ActiveExpireCycle() {
  if (!active_expire_enabled || !ExpiryMayDelete()) return;
  using Clock = std::chrono::steady_clock;
  const int64_t hz = std::max<int64_t>(1, settings().hz);
  const int64_t budget_us = 1000000 * kExpireCpuPercent / 100 / hz;
  const auto start = Clock::now();
  const int db_total = db_count();
  for (int n = 0; n < db_total; ++n) {
    store::Database& db = *dbs_[static_cast<size_t>(active_expire_db_)];
    active_expire_db_ = (active_expire_db_ + 1) % db_total;
    // Keep sampling this db while many sampled keys were expired.
    for (int iteration = 0;; ++iteration) {
      if (db.expires_size() == 0) break;
      auto round = db.ActiveExpireRound(kExpireSamplesPerRound);
      if (round.sampled == 0) break;
      if ((iteration & 15) == 15) {
        auto spent = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
        if (spent.count() > budget_us) return;
      }
      if (round.expired * 100 / round.sampled <= kExpireAcceptableStalePercent) break;
    }
    auto spent = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    if (spent.count() > budget_us) return;
  }
}

void Server::CheckClientTimeouts() {
  const int64_t timeout_s = settings().timeout;
  if (timeout_s <= 0) return;
  for (auto& [id, c] : clients_) {
    if (c->Has(kClientFake) || c->Has(kClientReplica) || c->Has(kClientMaster) ||
        c->Has(kClientBlocked) || c->Has(kClientPubsub)) {
      continue;
    }
    if (now_ms_ - c->last_interaction_ms() > timeout_s * 1000) {
      spdlog::debug("Closing idle client id={}", c->id());
      c->CloseAsap();
    }
  }
}

void Server::CheckOutputLimits(Client& client) {
  if (client.Has(kClientFake) || client.Has(kClientMaster)) return;
  const auto& s = settings();
  const config::OutputBufferLimit& limit = client.Has(kClientReplica)  ? s.obuf_replica
                                           : client.Has(kClientPubsub) ? s.obuf_pubsub
                                                                       : s.obuf_normal;
  const int64_t used = static_cast<int64_t>(client.OutputBytes());
  bool hard = limit.hard_bytes > 0 && used >= limit.hard_bytes;
  bool soft = false;
  if (limit.soft_bytes > 0 && used >= limit.soft_bytes) {
    if (client.obuf_soft_limit_since_ms == 0) {
      client.obuf_soft_limit_since_ms = now_ms_;
    } else if (now_ms_ - client.obuf_soft_limit_since_ms > limit.soft_seconds * 1000) {
      soft = true;
    }
  } else {
    client.obuf_soft_limit_since_ms = 0;
  }
  if (hard || soft) {
    spdlog::warn(
        "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.",
        client.id(), client.peer());
    ++stats_.client_outbuf_limit_disconnections;
    client.CloseAsap();
  }
}

}  // namespace baton::server
