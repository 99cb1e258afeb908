#include "baton/switchover/pause.h"

#include <algorithm>

namespace baton::switchover {

void PauseManager::Pause(PausePurpose purpose, PauseType type, int64_t end_ms) {
  Entry& e = pauses_[static_cast<int>(purpose)];
  if (e.type != PauseType::kNone) end_ms = std::max(end_ms, e.end_ms);
  e.type = type;
  e.end_ms = end_ms;
}

void PauseManager::Unpause(PausePurpose purpose) { pauses_[static_cast<int>(purpose)] = Entry{}; }

bool PauseManager::ExpireAt(int64_t now_ms) {
  PauseType before = Effective();
  for (Entry& e : pauses_) {
    if (e.type != PauseType::kNone && e.end_ms <= now_ms) e = Entry{};
  }
  return static_cast<int>(Effective()) < static_cast<int>(before);
}

PauseType PauseManager::Effective() const {
  PauseType most = PauseType::kNone;
  for (const Entry& e : pauses_) {
    if (static_cast<int>(e.type) > static_cast<int>(most)) most = e.type;
  }
  return most;
}

int64_t PauseManager::EndMs() const {
  int64_t end = 0;
  for (const Entry& e : pauses_) {
    if (e.type != PauseType::kNone) end = std::max(end, e.end_ms);
  }
  return end;
}

}  // namespace baton::switchover
