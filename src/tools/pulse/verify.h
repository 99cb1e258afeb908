// Synchronous steps before and after the load: clearing the run's keys,
// finding the current primary (following ROLE), waiting for a failover to
// settle, and checking every counter against its highest acknowledged count.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "options.h"
#include "report.h"

namespace baton::pulse {

// Deletes every key the run will use. Returns "" or an error.
std::string ResetKeys(const Options& options);

// Waits (bounded) until INFO replication on `node` no longer shows a
// failover in progress. Returns the last master_failover_state seen.
std::string WaitFailoverSettled(const Endpoint& node, int timeout_ms);

// Follows ROLE from `start` to the primary (at most a few hops).
std::optional<Endpoint> FindPrimary(const Endpoint& start, std::string* error);

// Reads every counter from the primary and compares it with `acks`
// (index = client * keys + k).
Verification VerifyCounters(const Options& options, const std::vector<int64_t>& acks);

}  // namespace baton::pulse
