#include "baton/persistence/child.h"

#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

#include "baton/server/server.h"

namespace baton::persistence {
namespace {

// The one child of this process. Process-wide on purpose: SIGCHLD and the
// "one fork at a time" rule are properties of the process, not of a Server.
struct ChildState {
  pid_t pid = -1;
  ChildPurpose purpose = ChildPurpose::kNone;
  std::function<void(bool)> done;
  uv_signal_t* watcher = nullptr;  // freed in its close callback
  std::chrono::steady_clock::time_point started;
  bool kill_requested = false;
  bool last_killed = false;
};

ChildState& State() {
  static ChildState state;
  return state;
}

void CloseWatcher() {
  ChildState& st = State();
  if (st.watcher == nullptr) return;
  uv_signal_stop(st.watcher);
  uv_close(reinterpret_cast<uv_handle_t*>(st.watcher),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
  st.watcher = nullptr;
}

// Reaps the child if it exited; `block` waits for it.
void Reap(bool block, bool call_done) {
  ChildState& st = State();
  if (st.pid <= 0) return;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(st.pid, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return;  // still running
  bool ok = false;
  if (r < 0) {
    spdlog::warn("waitpid() on child {} failed: {}", st.pid, std::strerror(errno));
  } else if (WIFEXITED(status)) {
    ok = WEXITSTATUS(status) == 0;
  } else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGUSR1) {
    spdlog::warn("Child {} terminated by signal {}", st.pid, WTERMSIG(status));
  }
  st.last_killed = st.kill_requested;
  std::function<void(bool)> done = std::move(st.done);
  st.done = nullptr;
  st.pid = -1;
  st.purpose = ChildPurpose::kNone;
  st.kill_requested = false;
  CloseWatcher();
  if (call_done && done) done(ok);
}

void OnSigchld(uv_signal_t* /*handle*/, int /*signum*/) { Reap(false, true); }

// In the child: undo the parent's signal set-up so SIGTERM/SIGINT do not
// reach the parent's libuv signal pipe and SIGUSR1 ends the child.
void ResetChildSignals() {
  for (int sig : {SIGTERM, SIGINT, SIGCHLD, SIGUSR1, SIGHUP}) std::signal(sig, SIG_DFL);
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
}

}  // namespace

std::string ChildProcess::Start(server::Server& server, ChildPurpose purpose,
                                std::function<int()> body, std::function<void(bool ok)> done) {
  ChildState& st = State();
  if (st.pid > 0) return "a child process is already running";
  // Watch SIGCHLD before forking so an early exit is not missed.
  auto* watcher = new uv_signal_t;
  uv_signal_init(server.loop(), watcher);
  if (int rc = uv_signal_start(watcher, OnSigchld, SIGCHLD); rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(watcher),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
    return std::string("can't watch SIGCHLD: ") + uv_strerror(rc);
  }
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    uv_close(reinterpret_cast<uv_handle_t*>(watcher),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
    return std::string("fork: ") + std::strerror(e);
  }
  if (pid == 0) {
    ResetChildSignals();
    // An AOF rewrite or a full-sync payload is useless without its parent.
    if (purpose != ChildPurpose::kRdb) prctl(PR_SET_PDEATHSIG, SIGKILL);
    int rc = 1;
    if (body) rc = body();
    _exit(rc);
  }
  st.pid = pid;
  st.purpose = purpose;
  st.done = std::move(done);
  st.watcher = watcher;
  st.started = std::chrono::steady_clock::now();
  st.kill_requested = false;
  return "";
}

ChildPurpose ChildProcess::Running() { return State().purpose; }

pid_t ChildProcess::RunningPid() { return State().pid; }

int64_t ChildProcess::RunningForMs() {
  const ChildState& st = State();
  if (st.pid <= 0) return -1;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               st.started)
      .count();
}

void ChildProcess::Kill() {
  ChildState& st = State();
  if (st.pid <= 0) return;
  st.kill_requested = true;
  kill(st.pid, SIGUSR1);
}

bool ChildProcess::LastWasKilled() { return State().last_killed; }

void ChildProcess::Poll() { Reap(false, true); }

void ChildProcess::Abandon() {
  ChildState& st = State();
  if (st.pid <= 0) return;
  st.kill_requested = true;
  kill(st.pid, SIGUSR1);
  Reap(true, false);
}

}  // namespace baton::persistence
