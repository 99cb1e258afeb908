#include "baton/server/stats.h"

#include <string_view>

namespace baton::server {

void RateMeter::Sample(int64_t now_ms, uint64_t value) {
  if (last_ms_ != 0 && now_ms > last_ms_) {
    double rate =
        static_cast<double>(value - last_value_) * 1000.0 / static_cast<double>(now_ms - last_ms_);
    samples_[index_] = rate;
    index_ = (index_ + 1) % kSamples;
    if (count_ < kSamples) ++count_;
  }
  last_ms_ = now_ms;
  last_value_ = value;
}

double RateMeter::PerSecond() const {
  if (count_ == 0) return 0;
  double sum = 0;
  for (size_t i = 0; i < count_; ++i) sum += samples_[i];
  return sum / static_cast<double>(count_);
}

void ServerStats::Reset() {
  ServerStats fresh;
  *this = fresh;
}

void SlowLog::MaybeRecord(int64_t threshold_us, size_t max_len, int64_t duration_us, int64_t now_s,
                          std::span<const std::string_view> args, const std::string& peer,
                          const std::string& name) {
  if (threshold_us < 0 || duration_us < threshold_us) return;
  SlowLogEntry e;
  e.id = next_id_++;
  e.timestamp_s = now_s;
  e.duration_us = duration_us;
  const size_t shown = std::min<size_t>(args.size(), 32);
  for (size_t i = 0; i < shown; ++i) {
    if (shown < args.size() && i == shown - 1) {
      e.args.push_back("... (" + std::to_string(args.size() - shown + 1) + " more arguments)");
      break;
    }
    std::string_view a = args[i];
    if (a.size() > 128) {
      e.args.push_back(std::string(a.substr(0, 128)) + "... (" + std::to_string(a.size() - 128) +
                       " more bytes)");
    } else {
      e.args.emplace_back(a);
    }
  }
  e.peer = peer;
  e.client_name = name;
  entries_.push_front(std::move(e));
  Trim(max_len);
}

void SlowLog::Trim(size_t max_len) {
  while (entries_.size() > max_len) entries_.pop_back();
}

}  // namespace baton::server
