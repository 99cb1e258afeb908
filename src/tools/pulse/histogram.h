// A log-linear latency histogram (values in microseconds): exact below 32,
// then 32 sub-buckets per power of two, so a percentile is within about 3%
// of the true value. Counters grow only as far as the largest value seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace baton::pulse {

class LatencyHistogram {
 public:
  void Record(uint64_t value);
  void Merge(const LatencyHistogram& other);

  [[nodiscard]] uint64_t count() const { return count_; }
  [[nodiscard]] uint64_t max() const { return max_; }
  [[nodiscard]] uint64_t min() const { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] double mean() const {
    return count_ == 0 ? 0 : static_cast<double>(sum_) / static_cast<double>(count_);
  }
  // The smallest bucket bound v such that at least `percent`% of the values
  // are <= v (clipped to the exact maximum). 0 when empty.
  [[nodiscard]] uint64_t Percentile(double percent) const;

  // Bucket arithmetic (exposed for tests).
  static size_t BucketOf(uint64_t value);
  static uint64_t UpperBoundOf(size_t bucket);

 private:
  static constexpr int kSubBits = 5;
  static constexpr uint64_t kSubCount = 1ULL << kSubBits;

  std::vector<uint32_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

}  // namespace baton::pulse
