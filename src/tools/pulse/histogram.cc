#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace baton::pulse {

size_t LatencyHistogram::BucketOf(uint64_t value) {
  if (value < kSubCount) return static_cast<size_t>(value);
  const int exponent = std::bit_width(value) - 1;  // >= kSubBits
  const int shift = exponent - kSubBits;
  const uint64_t sub = (value >> shift) - kSubCount;  // 0..kSubCount-1
  return static_cast<size_t>(kSubCount + static_cast<uint64_t>(shift) * kSubCount + sub);
}

uint64_t LatencyHistogram::UpperBoundOf(size_t bucket) {
  if (bucket < kSubCount) return bucket;
  const uint64_t shift = (bucket - kSubCount) / kSubCount;
  const uint64_t sub = (bucket - kSubCount) % kSubCount;
  const uint64_t next = (kSubCount + sub + 1) << shift;
  return next - 1;
}

void LatencyHistogram::Record(uint64_t value) {
  const size_t b = BucketOf(value);
  if (b >= counts_.size()) counts_.resize(b + 1, 0);
  ++counts_[b];
  ++count_;
  sum_ += value;
  max_ = std::max(max_, value);
  min_ = std::min(min_, value);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

uint64_t LatencyHistogram::Percentile(double percent) const {
  if (count_ == 0) return 0;
  percent = std::clamp(percent, 0.0, 100.0);
  // The rank of the value we want, 1-based: ceil(p% of n), at least 1.
  // (The small slack keeps 99.9% of 1000 at rank 999 despite rounding.)
  auto rank =
      static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_) - 1e-9));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (seen >= rank) return std::min(UpperBoundOf(b), max_);
  }
  return max_;
}

}  // namespace baton::pulse
