// Client pauses, kept per purpose (CLIENT PAUSE, FAILOVER, SHUTDOWN).
//
// The effective pause is the most restrictive type among the active purposes
// and ends at the latest of their end times. CLIENT UNPAUSE lifts only the
// client-command purpose. A WRITE pause postpones commands flagged write or
// may-replicate (and EXEC of a transaction holding one) and stops active
// expiry; an ALL pause postpones every command. Replica links are never paused.
#pragma once

#include <array>
#include <cstdint>

namespace baton::switchover {

enum class PauseType : int { kNone = 0, kWrite = 1, kAll = 2 };

enum class PausePurpose : int {
  kClientCommand = 0,  // CLIENT PAUSE / UNPAUSE
  kFailover = 1,       // FAILOVER waiting for the target to catch up
  kShutdown = 2,       // SHUTDOWN waiting for replicas
};
inline constexpr int kPausePurposeCount = 3;

class PauseManager {
 public:
  // Starts or extends the pause of `purpose` (the later end time is kept for
  // the same purpose; the new type replaces the old one).
  void Pause(PausePurpose purpose, PauseType type, int64_t end_ms);
  // Lifts one purpose's pause.
  void Unpause(PausePurpose purpose);
  // Drops pauses whose end time has passed. Returns true when the effective
  // pause became less restrictive (postponed clients may run again).
  bool ExpireAt(int64_t now_ms);
  [[nodiscard]] PauseType Effective() const;
  // End of the effective pause (0 when none).
  [[nodiscard]] int64_t EndMs() const;
  [[nodiscard]] bool WritesPaused() const { return Effective() != PauseType::kNone; }
  [[nodiscard]] bool IsPaused(PausePurpose purpose) const {
    return pauses_[static_cast<int>(purpose)].type != PauseType::kNone;
  }

 private:
  struct Entry {
    PauseType type = PauseType::kNone;
    int64_t end_ms = 0;
  };
  std::array<Entry, kPausePurposeCount> pauses_{};
};

}  // namespace baton::switchover
