#include "stats.h"

namespace baton::pulse {

TimelineBucket& RunStats::Bucket(uint64_t at_us) {
  const size_t index = static_cast<size_t>(at_us / kBucketUs);
  if (index >= timeline_.size()) timeline_.resize(index + 1);
  if (!timeline_[index]) timeline_[index] = std::make_unique<TimelineBucket>();
  return *timeline_[index];
}

void RunStats::CloseGap(uint64_t at_us) {
  if (at_us < last_success_us_) return;  // replies are not strictly ordered in time
  const uint64_t gap = at_us - last_success_us_;
  if (gap > max_gap_us_) {
    max_gap_us_ = gap;
    max_gap_from_us_ = last_success_us_;
  }
}

void RunStats::RecordSuccess(uint64_t start_us, uint64_t end_us) {
  const uint64_t latency = end_us >= start_us ? end_us - start_us : 0;
  overall_.Record(latency);
  Bucket(start_us).latency.Record(latency);
  CloseGap(end_us);
  if (end_us > last_success_us_) last_success_us_ = end_us;
}

void RunStats::RecordError(std::string_view kind, uint64_t at_us) {
  ++errors_;
  ++errors_by_kind_[std::string(kind)];
  ++Bucket(at_us).errors;
}

void RunStats::Finish(uint64_t end_us) {
  end_us_ = end_us;
  CloseGap(end_us);
}

}  // namespace baton::pulse
