// What a pulse run observed: every reply's latency (overall and per 10 ms
// bucket of the time the operation started), errors by kind, the longest
// span without any successful reply, and the highest count acknowledged for
// every key. Times are microseconds since the start of the load.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "histogram.h"

namespace baton::pulse {

inline constexpr uint64_t kBucketUs = 10'000;  // 10 ms per timeline bucket

struct TimelineBucket {
  LatencyHistogram latency;  // operations started in this bucket
  uint32_t errors = 0;       // errors that happened in this bucket
};

class RunStats {
 public:
  explicit RunStats(size_t key_count) : acks_(key_count, 0) {}

  // A successful operation started at `start_us` and answered at `end_us`.
  void RecordSuccess(uint64_t start_us, uint64_t end_us);
  // An error of `kind` ("READONLY", "disconnect", "timeout", "connect"...) at `at_us`.
  void RecordError(std::string_view kind, uint64_t at_us);
  // INCR on key `key` answered `value`: keep the highest acknowledged count.
  void RecordAck(size_t key, int64_t value) {
    if (value > acks_[key]) acks_[key] = value;
  }
  void RecordRedirect() { ++redirects_; }
  void RecordReconnect() { ++reconnects_; }
  // Closes the last span without a successful reply at the end of the run.
  void Finish(uint64_t end_us);

  [[nodiscard]] uint64_t ops() const { return overall_.count(); }
  [[nodiscard]] uint64_t errors() const { return errors_; }
  [[nodiscard]] const std::map<std::string, uint64_t>& errors_by_kind() const {
    return errors_by_kind_;
  }
  [[nodiscard]] uint64_t redirects() const { return redirects_; }
  [[nodiscard]] uint64_t reconnects() const { return reconnects_; }
  [[nodiscard]] const LatencyHistogram& latency() const { return overall_; }
  [[nodiscard]] const std::vector<int64_t>& acks() const { return acks_; }
  // The longest span with no successful reply from any client, and where it began.
  [[nodiscard]] uint64_t unavailable_us() const { return max_gap_us_; }
  [[nodiscard]] uint64_t unavailable_from_us() const { return max_gap_from_us_; }
  [[nodiscard]] uint64_t end_us() const { return end_us_; }
  // Buckets of kBucketUs, index = time / kBucketUs; null where nothing happened.
  [[nodiscard]] const std::vector<std::unique_ptr<TimelineBucket>>& timeline() const {
    return timeline_;
  }

 private:
  TimelineBucket& Bucket(uint64_t at_us);
  void CloseGap(uint64_t at_us);

  LatencyHistogram overall_;
  std::vector<std::unique_ptr<TimelineBucket>> timeline_;
  std::map<std::string, uint64_t> errors_by_kind_;
  std::vector<int64_t> acks_;
  uint64_t errors_ = 0;
  uint64_t redirects_ = 0;
  uint64_t reconnects_ = 0;
  uint64_t last_success_us_ = 0;
  uint64_t max_gap_us_ = 0;
  uint64_t max_gap_from_us_ = 0;
  uint64_t end_us_ = 0;
};

}  // namespace baton::pulse
