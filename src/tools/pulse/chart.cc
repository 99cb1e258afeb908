#include "chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace baton::pulse {
namespace {

constexpr double kWidth = 1000;
constexpr double kHeight = 440;
constexpr double kLeft = 72;
constexpr double kRight = 20;
constexpr double kTop = 48;
constexpr double kBottom = 56;
constexpr double kPlotW = kWidth - kLeft - kRight;
constexpr double kPlotH = kHeight - kTop - kBottom;
constexpr double kFloorMs = 0.01;  // bottom of the log scale

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

std::string LatencyLabel(double ms) {
  char buf[32];
  if (ms >= 1000) {
    std::snprintf(buf, sizeof(buf), "%g s", ms / 1000);
  } else {
    std::snprintf(buf, sizeof(buf), "%g ms", ms);
  }
  return buf;
}

// A tick step (seconds) giving at most about 10 ticks.
double TickStep(double duration_s) {
  static constexpr double kSteps[] = {0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800};
  for (double s : kSteps) {
    if (duration_s / s <= 10) return s;
  }
  return 3600;
}

class Scale {
 public:
  Scale(double duration_ms, double top_ms)
      : duration_ms_(std::max(duration_ms, 1.0)),
        log_lo_(std::log10(kFloorMs)),
        log_hi_(std::max(0.0, std::ceil(std::log10(std::max(top_ms, 1.0)) - 1e-9))) {}
  [[nodiscard]] double X(double t_ms) const {
    return kLeft + std::clamp(t_ms / duration_ms_, 0.0, 1.0) * kPlotW;
  }
  [[nodiscard]] double Y(double ms) const {
    const double l = std::log10(std::max(ms, kFloorMs));
    return kTop + kPlotH - (l - log_lo_) / (log_hi_ - log_lo_) * kPlotH;
  }
  [[nodiscard]] int decades_lo() const { return static_cast<int>(std::lround(log_lo_)); }
  [[nodiscard]] int decades_hi() const { return static_cast<int>(std::lround(log_hi_)); }
  [[nodiscard]] double duration_ms() const { return duration_ms_; }

 private:
  double duration_ms_;
  double log_lo_;
  double log_hi_;
};

// A path through the points that have latency, broken where buckets are missing.
std::string SeriesPath(const std::vector<ChartPoint>& points, const Scale& scale, bool use_max) {
  std::string d;
  double last_t = -1e18;
  for (const ChartPoint& p : points) {
    if (!p.has_latency) continue;
    const bool contiguous = p.t_ms - last_t <= static_cast<double>(kBucketUs) / 1000.0 * 1.5;
    d += contiguous ? " L" : " M";
    d += Num(scale.X(p.t_ms)) + "," + Num(scale.Y(use_max ? p.max_ms : p.p99_ms));
    last_t = p.t_ms;
  }
  return d.empty() ? d : d.substr(1);
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::vector<ChartPoint> TimelinePoints(const RunStats& stats) {
  std::vector<ChartPoint> points;
  const auto& timeline = stats.timeline();
  for (size_t i = 0; i < timeline.size(); ++i) {
    if (!timeline[i]) continue;
    const TimelineBucket& b = *timeline[i];
    ChartPoint p;
    p.t_ms = static_cast<double>(i * kBucketUs) / 1000.0;
    p.has_latency = b.latency.count() > 0;
    p.max_ms = static_cast<double>(b.latency.max()) / 1000.0;
    p.p99_ms = static_cast<double>(b.latency.Percentile(99)) / 1000.0;
    p.errors = b.errors;
    points.push_back(p);
  }
  return points;
}

std::string RenderChartSvg(const ChartInput& in) {
  double top_ms = 1;
  for (const ChartPoint& p : in.points) top_ms = std::max(top_ms, p.max_ms);
  const Scale scale(in.duration_ms, top_ms);
  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(kWidth) + "\" height=\"" +
       Num(kHeight) + "\" viewBox=\"0 0 " + Num(kWidth) + " " + Num(kHeight) +
       "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + Num(kWidth) + "\" height=\"" + Num(kHeight) +
       "\" fill=\"white\"/>\n";
  s += "<text x=\"" + Num(kLeft) + "\" y=\"20\" font-size=\"14\" font-weight=\"bold\">" +
       XmlEscape(in.title) + "</text>\n";
  // Legend.
  const double lx = kLeft;
  const double ly = 36;
  s += "<g class=\"legend\">";
  s += "<line x1=\"" + Num(lx) + "\" y1=\"" + Num(ly) + "\" x2=\"" + Num(lx + 24) + "\" y2=\"" +
       Num(ly) + "\" stroke=\"#d62728\" stroke-width=\"1.5\"/>";
  s += "<text x=\"" + Num(lx + 30) + "\" y=\"" + Num(ly + 4) + "\">max latency per 10 ms</text>";
  s += "<line x1=\"" + Num(lx + 190) + "\" y1=\"" + Num(ly) + "\" x2=\"" + Num(lx + 214) +
       "\" y2=\"" + Num(ly) + "\" stroke=\"#1f77b4\" stroke-width=\"1.5\"/>";
  s += "<text x=\"" + Num(lx + 220) + "\" y=\"" + Num(ly + 4) + "\">p99 latency per 10 ms</text>";
  s += "<rect x=\"" + Num(lx + 380) + "\" y=\"" + Num(ly - 5) +
       "\" width=\"4\" height=\"10\" fill=\"#b00020\"/>";
  s += "<text x=\"" + Num(lx + 390) + "\" y=\"" + Num(ly + 4) + "\">errors</text>";
  s += "</g>\n";
  // Axes and grid.
  s += "<g class=\"grid\" stroke=\"#ddd\">\n";
  for (int d = scale.decades_lo(); d <= scale.decades_hi(); ++d) {
    const double ms = std::pow(10.0, d);
    const double y = scale.Y(ms);
    s += "<line x1=\"" + Num(kLeft) + "\" y1=\"" + Num(y) + "\" x2=\"" + Num(kLeft + kPlotW) +
         "\" y2=\"" + Num(y) + "\"/>\n";
    s += "<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(y + 4) +
         "\" text-anchor=\"end\" stroke=\"none\" fill=\"#333\">" + LatencyLabel(ms) + "</text>\n";
  }
  const double duration_s = scale.duration_ms() / 1000.0;
  const double step = TickStep(duration_s);
  for (int i = 0; i * step <= duration_s + 1e-9; ++i) {
    const double x = scale.X(i * step * 1000.0);
    s += "<line x1=\"" + Num(x) + "\" y1=\"" + Num(kTop) + "\" x2=\"" + Num(x) + "\" y2=\"" +
         Num(kTop + kPlotH) + "\"/>\n";
    char label[32];
    std::snprintf(label, sizeof(label), "%g s", i * step);
    s += "<text x=\"" + Num(x) + "\" y=\"" + Num(kTop + kPlotH + 16) +
         "\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333\">" + label + "</text>\n";
  }
  s += "</g>\n";
  s += "<rect x=\"" + Num(kLeft) + "\" y=\"" + Num(kTop) + "\" width=\"" + Num(kPlotW) +
       "\" height=\"" + Num(kPlotH) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  s += "<text x=\"" + Num(kLeft + kPlotW / 2) + "\" y=\"" + Num(kHeight - 12) +
       "\" text-anchor=\"middle\">time since start (operations by start time)</text>\n";
  // Series.
  const std::string max_path = SeriesPath(in.points, scale, true);
  const std::string p99_path = SeriesPath(in.points, scale, false);
  if (!max_path.empty()) {
    s += "<path class=\"max\" d=\"" + max_path +
         "\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"1\"/>\n";
  }
  if (!p99_path.empty()) {
    s += "<path class=\"p99\" d=\"" + p99_path +
         "\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1\"/>\n";
  }
  // Error markers along the bottom of the plot.
  s += "<g class=\"errors\" fill=\"#b00020\">\n";
  for (const ChartPoint& p : in.points) {
    if (p.errors == 0) continue;
    s += "<rect x=\"" + Num(scale.X(p.t_ms) - 1) + "\" y=\"" + Num(kTop + kPlotH - 10) +
         "\" width=\"3\" height=\"10\"><title>" + std::to_string(p.errors) + " errors at " +
         Num(p.t_ms) + " ms</title></rect>\n";
  }
  s += "</g>\n";
  if (in.failover_ms) {
    const double x = scale.X(*in.failover_ms);
    s += "<line class=\"failover\" x1=\"" + Num(x) + "\" y1=\"" + Num(kTop) + "\" x2=\"" + Num(x) +
         "\" y2=\"" + Num(kTop + kPlotH) +
         "\" stroke=\"#2ca02c\" stroke-width=\"1.5\" stroke-dasharray=\"6,4\"/>\n";
    s += "<text x=\"" + Num(x + 4) + "\" y=\"" + Num(kTop + 14) +
         "\" fill=\"#2ca02c\">FAILOVER at " + Num(*in.failover_ms) + " ms</text>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace baton::pulse
