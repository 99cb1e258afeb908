#include "report.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>

namespace baton::pulse {
namespace {

double Ms(uint64_t us) { return static_cast<double>(us) / 1000.0; }

// Numbers in JSON: finite, three decimals at most, no exponent.
std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string Line(const char* label, const std::string& value) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), "  %-22s %s\n", label, value.c_str());
  return buf;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

}  // namespace

Report BuildReport(const Options& options, const RunStats& stats, double elapsed_s) {
  Report r;
  r.mode = std::string(ModeName(options.mode));
  r.target = options.target.ToString();
  r.clients = options.clients;
  r.keys = options.keys;
  r.duration_s = options.duration_s;
  if (options.failover_at_s) r.failover_at_ms = *options.failover_at_s * 1000.0;
  r.ops = stats.ops();
  r.errors = stats.errors();
  r.errors_by_kind = stats.errors_by_kind();
  r.redirects = stats.redirects();
  r.reconnects = stats.reconnects();
  r.ops_per_sec = elapsed_s > 0 ? static_cast<double>(r.ops) / elapsed_s : 0;
  r.unavailable_ms = Ms(stats.unavailable_us());
  r.unavailable_from_ms = Ms(stats.unavailable_from_us());
  const LatencyHistogram& h = stats.latency();
  r.max_latency_ms = Ms(h.max());
  r.p50_latency_ms = Ms(h.Percentile(50));
  r.p99_latency_ms = Ms(h.Percentile(99));
  r.p999_latency_ms = Ms(h.Percentile(99.9));
  return r;
}

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  out += "\"";
  return out;
}

std::string FormatJson(const Report& r) {
  const Verification& v = r.verification;
  std::string j = "{";
  auto field = [&j](std::string_view name, const std::string& value) {
    if (j.size() > 1) j += ",";
    j += JsonString(name);
    j += ":";
    j += value;
  };
  auto u64 = [](uint64_t n) { return std::to_string(n); };
  field("mode", JsonString(r.mode));
  field("target", JsonString(r.target));
  field("clients", std::to_string(r.clients));
  field("keys", std::to_string(r.keys));
  field("duration_s", JsonNumber(r.duration_s));
  field("failover_at_ms", r.failover_at_ms < 0 ? "null" : JsonNumber(r.failover_at_ms));
  field("failover_reply", JsonString(r.failover_reply));
  field("capa_unsupported", r.capa_unsupported ? "true" : "false");
  field("ops", u64(r.ops));
  field("ops_per_sec", JsonNumber(r.ops_per_sec));
  field("errors", u64(r.errors));
  std::string kinds = "{";
  for (const auto& [kind, n] : r.errors_by_kind) {
    if (kinds.size() > 1) kinds += ",";
    kinds += JsonString(kind) + ":" + u64(n);
  }
  kinds += "}";
  field("errors_by_kind", kinds);
  field("redirects", u64(r.redirects));
  field("reconnects", u64(r.reconnects));
  field("unavailable_ms", JsonNumber(r.unavailable_ms));
  field("unavailable_from_ms", JsonNumber(r.unavailable_from_ms));
  field("max_latency_ms", JsonNumber(r.max_latency_ms));
  field("p50_latency_ms", JsonNumber(r.p50_latency_ms));
  field("p99_latency_ms", JsonNumber(r.p99_latency_ms));
  field("p999_latency_ms", JsonNumber(r.p999_latency_ms));
  field("pulse_stall_ms", JsonNumber(r.pulse_stall_ms));
  field("verified", v.done ? "true" : "false");
  field("verify_error", JsonString(v.error));
  field("verified_on", JsonString(v.primary));
  field("keys_checked", u64(v.keys_checked));
  // Unknown when the counters could not be read: null rather than a reassuring 0.
  field("lost_writes", v.done ? u64(v.lost_writes) : "null");
  field("extra_writes", v.done ? u64(v.extra_writes) : "null");
  j += "}";
  return j;
}

std::string FormatTable(const Report& r) {
  const Verification& v = r.verification;
  std::string t = "baton-pulse: " + r.mode + " mode against " + r.target + ", " +
                  std::to_string(r.clients) + " connections x " + std::to_string(r.keys) +
                  " keys, " + Fixed(r.duration_s, 1) + " s\n";
  if (r.failover_at_ms >= 0) {
    t += Line("failover sent at", Fixed(r.failover_at_ms, 0) + " ms, reply: " +
                                      (r.failover_reply.empty() ? "(none)" : r.failover_reply));
  }
  if (r.capa_unsupported) {
    t += Line("note", "the server rejected CLIENT CAPA redirect: no redirect support");
  }
  t += Line("ops", std::to_string(r.ops) + " (" + Fixed(r.ops_per_sec, 0) + " ops/s)");
  t += Line("errors", std::to_string(r.errors));
  for (const auto& [kind, n] : r.errors_by_kind) {
    t += Line(("  " + kind).c_str(), std::to_string(n));
  }
  t += Line("redirects followed", std::to_string(r.redirects));
  t += Line("reconnects", std::to_string(r.reconnects));
  t += Line("unavailable", Fixed(r.unavailable_ms, 1) + " ms (longest span without a reply, from " +
                               Fixed(r.unavailable_from_ms, 0) + " ms)");
  t += Line("latency max", Fixed(r.max_latency_ms, 3) + " ms");
  t += Line("latency p50", Fixed(r.p50_latency_ms, 3) + " ms");
  t += Line("latency p99", Fixed(r.p99_latency_ms, 3) + " ms");
  t += Line("latency p99.9", Fixed(r.p999_latency_ms, 3) + " ms");
  t += Line("pulse stalled", Fixed(r.pulse_stall_ms, 1) +
                                 " ms (longest lateness of this tool's own loop: host or tool)");
  if (v.done) {
    t += Line("verified on", v.primary + " (" + std::to_string(v.keys_checked) + " keys)");
    t += Line("lost writes",
              std::to_string(v.lost_writes) + " (keys below their highest acknowledged count)");
    t += Line("extra writes", std::to_string(v.extra_writes) +
                                  " (applied INCRs whose reply was lost: timeout/disconnect)");
    for (const std::string& e : v.examples) t += Line("  e.g.", e);
  } else {
    t += Line("verification", "not done: " + v.error);
  }
  return t;
}

}  // namespace baton::pulse
