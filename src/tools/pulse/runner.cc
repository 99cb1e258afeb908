#include "runner.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <uv.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "chart.h"
#include "client.h"
#include "verify.h"

namespace baton::pulse {

redisAsyncContext* ConnectAsync(uv_loop_t* loop, const Endpoint& endpoint);

namespace {

// The one-shot FAILOVER request, sent on its own connection.
struct FailoverSender {
  SharedState* shared = nullptr;
  redisAsyncContext* ac = nullptr;
  uv_timer_t timer{};  // when to send, then the deadline for the reply
  bool sent = false;
  bool done = false;
  double sent_at_ms = -1;
  std::string reply;

  void Finish(std::string text) {
    if (done) return;
    done = true;
    reply = std::move(text);
    if (ac != nullptr) {
      redisAsyncContext* a = ac;
      ac = nullptr;
      redisAsyncFree(a);
    }
    uv_timer_stop(&timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  }

  static void OnReply(redisAsyncContext* a, void* r, void* privdata) {
    auto* self = static_cast<FailoverSender*>(privdata);
    if (a != self->ac) return;
    auto* reply = static_cast<redisReply*>(r);
    if (reply == nullptr) {
      self->ac = nullptr;
      return self->Finish("(connection lost)");
    }
    std::string text = reply->str != nullptr ? std::string(reply->str, reply->len) : "";
    if (reply->type == REDIS_REPLY_ERROR) text = "-" + text;
    self->Finish(text);
  }

  static void OnTimer(uv_timer_t* t) {
    auto* self = static_cast<FailoverSender*>(t->data);
    if (self->sent) return self->Finish("(no reply before the deadline)");
    self->Send();
  }

  void Send() {
    sent = true;
    sent_at_ms = static_cast<double>(shared->NowUs()) / 1000.0;
    const Options& o = *shared->options;
    ac = ConnectAsync(shared->loop, o.target);
    if (ac == nullptr) return Finish("(cannot connect)");
    std::vector<std::string> args{"FAILOVER"};
    if (o.failover_to) {
      args.insert(args.end(), {"TO", o.failover_to->host, std::to_string(o.failover_to->port)});
    }
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.c_str());
      lens.push_back(a.size());
    }
    if (redisAsyncCommandArgv(ac, OnReply, this, static_cast<int>(argv.size()), argv.data(),
                              lens.data()) != REDIS_OK) {
      return Finish("(cannot send)");
    }
    uv_timer_start(&timer, OnTimer, static_cast<uint64_t>(o.timeout_ms), 0);
  }
};

// Measures how late this process's loop runs: a timer due every kTickMs
// that fires later than that means the tool (or its host) stalled, and
// nothing it measured during that time is the server's doing alone.
struct StallProbe {
  static constexpr uint64_t kTickMs = 10;
  uv_timer_t timer{};
  SharedState* shared = nullptr;
  uint64_t last_us = 0;

  static void OnTick(uv_timer_t* t) {
    auto* self = static_cast<StallProbe*>(t->data);
    const uint64_t now = self->shared->NowUs();
    const uint64_t late = now - self->last_us;
    if (late > kTickMs * 1000) {
      self->shared->max_loop_stall_us =
          std::max(self->shared->max_loop_stall_us, late - kTickMs * 1000);
    }
    self->last_us = now;
  }
};

struct StopTimer {
  uv_timer_t timer{};
  uv_timer_t* probe = nullptr;
  std::vector<std::unique_ptr<PulseClient>>* clients = nullptr;
  uint64_t stopped_at_us = 0;
  SharedState* shared = nullptr;
};

}  // namespace

RunResult RunPulse(const Options& options) {
  RunResult result;
  if (std::string e = ResetKeys(options); !e.empty()) {
    result.error = "preparing the keys on " + options.target.ToString() + ": " + e;
    return result;
  }
  const size_t key_count = static_cast<size_t>(options.clients) * static_cast<size_t>(options.keys);
  RunStats stats(key_count);
  uv_loop_t loop;
  uv_loop_init(&loop);
  SharedState shared;
  shared.loop = &loop;
  shared.options = &options;
  shared.stats = &stats;
  shared.t0_ns = uv_hrtime();

  std::vector<std::unique_ptr<PulseClient>> clients;
  for (int i = 0; i < options.clients; ++i) {
    clients.push_back(std::make_unique<PulseClient>(shared, i));
  }
  for (auto& c : clients) c->Start();

  StallProbe probe;
  probe.shared = &shared;
  probe.last_us = shared.NowUs();
  uv_timer_init(&loop, &probe.timer);
  probe.timer.data = &probe;
  uv_timer_start(&probe.timer, StallProbe::OnTick, StallProbe::kTickMs, StallProbe::kTickMs);

  StopTimer stop;
  stop.probe = &probe.timer;
  stop.clients = &clients;
  stop.shared = &shared;
  uv_timer_init(&loop, &stop.timer);
  stop.timer.data = &stop;
  uv_timer_start(
      &stop.timer,
      [](uv_timer_t* t) {
        auto* s = static_cast<StopTimer*>(t->data);
        s->stopped_at_us = s->shared->NowUs();
        for (auto& c : *s->clients) c->Stop();
        uv_close(reinterpret_cast<uv_handle_t*>(s->probe), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
      },
      static_cast<uint64_t>(options.duration_s * 1000.0), 0);

  FailoverSender failover;
  failover.shared = &shared;
  if (options.failover_at_s) {
    uv_timer_init(&loop, &failover.timer);
    failover.timer.data = &failover;
    uv_timer_start(&failover.timer, FailoverSender::OnTimer,
                   static_cast<uint64_t>(*options.failover_at_s * 1000.0), 0);
  }

  uv_run(&loop, UV_RUN_DEFAULT);  // returns once every handle is closed
  const uint64_t end_us = shared.NowUs();
  stats.Finish(end_us);
  uv_loop_close(&loop);
  clients.clear();

  result.report = BuildReport(options, stats, static_cast<double>(end_us) / 1e6);
  result.report.capa_unsupported = shared.capa_unsupported;
  result.report.pulse_stall_ms = static_cast<double>(shared.max_loop_stall_us) / 1000.0;
  if (options.failover_at_s) {
    result.report.failover_reply = failover.reply;
    if (failover.sent_at_ms >= 0) result.report.failover_at_ms = failover.sent_at_ms;
    // A failover may still be finishing (waiting for the replica): let it settle.
    WaitFailoverSettled(options.target, 10000);
  }
  result.report.verification = VerifyCounters(options, stats.acks());
  if (!options.chart_path.empty()) {
    ChartInput chart;
    chart.title = "baton-pulse " + result.report.mode + " mode, " + options.target.ToString() +
                  ", " + std::to_string(options.clients) + " connections";
    chart.duration_ms = static_cast<double>(end_us) / 1000.0;
    if (result.report.failover_at_ms >= 0) chart.failover_ms = result.report.failover_at_ms;
    chart.points = TimelinePoints(stats);
    result.chart_svg = RenderChartSvg(chart);
  }
  result.ok = true;
  return result;
}

}  // namespace baton::pulse
