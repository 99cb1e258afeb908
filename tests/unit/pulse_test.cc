// baton-pulse's pure parts: option parsing, the latency histogram, run
// statistics, the JSON/table report and the SVG chart.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chart.h"
#include "histogram.h"
#include "options.h"
#include "report.h"
#include "stats.h"

namespace baton::pulse {
namespace pulse_test {
namespace {

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

TEST(PulseOptions, ParsesTheDocumentedCommandLine) {
  ParseOutcome p = ParseOptions({"baton-pulse",   "--host",        "10.0.0.1", "--port",
                                 "7000",          "--clients",     "50",       "--keys",
                                 "1000",          "--duration",    "5",        "--mode",
                                 "redirect",      "--failover-at", "1.5",      "--failover-to",
                                 "10.0.0.2:7001", "--json",        "--chart",  "out.svg"});
  ASSERT_TRUE(p.options.has_value()) << p.message;
  const Options& o = *p.options;
  EXPECT_EQ(o.target, (Endpoint{"10.0.0.1", 7000}));
  EXPECT_EQ(o.clients, 50);
  EXPECT_EQ(o.keys, 1000);
  EXPECT_DOUBLE_EQ(o.duration_s, 5);
  EXPECT_EQ(o.mode, Mode::kRedirect);
  ASSERT_TRUE(o.failover_at_s.has_value());
  EXPECT_DOUBLE_EQ(*o.failover_at_s, 1.5);
  ASSERT_TRUE(o.failover_to.has_value());
  EXPECT_EQ(*o.failover_to, (Endpoint{"10.0.0.2", 7001}));
  EXPECT_TRUE(o.json);
  EXPECT_EQ(o.chart_path, "out.svg");
}

TEST(PulseOptions, DefaultsAndLegacyMode) {
  ParseOutcome p = ParseOptions({"baton-pulse", "--port", "6400", "--mode", "legacy"});
  ASSERT_TRUE(p.options.has_value()) << p.message;
  EXPECT_EQ(p.options->target.host, "127.0.0.1");
  EXPECT_EQ(p.options->mode, Mode::kLegacy);
  EXPECT_FALSE(p.options->failover_at_s.has_value());
  EXPECT_FALSE(p.options->json);
  EXPECT_GT(p.options->timeout_ms, 0);
}

TEST(PulseOptions, RejectsBadInput) {
  EXPECT_FALSE(ParseOptions({"baton-pulse", "--mode", "sideways"}).options.has_value());
  EXPECT_FALSE(ParseOptions({"baton-pulse", "--clients", "0"}).options.has_value());
  EXPECT_FALSE(ParseOptions({"baton-pulse", "--port", "x"}).options.has_value());
  EXPECT_FALSE(ParseOptions({"baton-pulse", "--bogus"}).options.has_value());
  // --failover-to needs --failover-at; the failover must happen during the run.
  EXPECT_FALSE(ParseOptions({"baton-pulse", "--failover-to", "h:1"}).options.has_value());
  EXPECT_FALSE(
      ParseOptions({"baton-pulse", "--duration", "2", "--failover-at", "3"}).options.has_value());
  ParseOutcome bad_to =
      ParseOptions({"baton-pulse", "--failover-at", "1", "--failover-to", "nocolon"});
  EXPECT_FALSE(bad_to.options.has_value());
  EXPECT_NE(bad_to.exit_code, 0);
  EXPECT_NE(bad_to.message.find("HOST:PORT"), std::string::npos);
}

TEST(PulseOptions, HelpExitsWithZero) {
  ParseOutcome p = ParseOptions({"baton-pulse", "--help"});
  EXPECT_FALSE(p.options.has_value());
  EXPECT_EQ(p.exit_code, 0);
  EXPECT_NE(p.message.find("--failover-at"), std::string::npos);
}

TEST(PulseOptions, EndpointSplitsOnTheLastColon) {
  EXPECT_EQ(ParseEndpoint("::1:6379"), (Endpoint{"::1", 6379}));
  EXPECT_EQ(ParseEndpoint("redis.local:1"), (Endpoint{"redis.local", 1}));
  EXPECT_FALSE(ParseEndpoint("host:").has_value());
  EXPECT_FALSE(ParseEndpoint(":6379").has_value());
  EXPECT_FALSE(ParseEndpoint("host:70000").has_value());
  EXPECT_FALSE(ParseEndpoint("host:12ab").has_value());
  EXPECT_EQ(KeyName(3, 17), "pulse:3:17");
}

TEST(PulseHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 20; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 20U);
  EXPECT_EQ(h.min(), 1U);
  EXPECT_EQ(h.max(), 20U);
  EXPECT_EQ(h.Percentile(50), 10U);
  EXPECT_EQ(h.Percentile(100), 20U);
  EXPECT_EQ(h.Percentile(0), 1U);
  EXPECT_DOUBLE_EQ(h.mean(), 10.5);
}

TEST(PulseHistogram, BucketsCoverEveryValueWithSmallError) {
  for (uint64_t v : {31ULL, 32ULL, 33ULL, 63ULL, 64ULL, 1000ULL, 123456ULL, 1ULL << 40}) {
    const size_t b = LatencyHistogram::BucketOf(v);
    const uint64_t upper = LatencyHistogram::UpperBoundOf(b);
    EXPECT_GE(upper, v);
    EXPECT_LE(static_cast<double>(upper - v), static_cast<double>(v) / 32.0 + 1) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::UpperBoundOf(b - 1), v) << v;
    }
  }
}

TEST(PulseHistogram, PercentilesOfAUniformSpread) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.Record(v);
  auto near = [](uint64_t got, double want) {
    return static_cast<double>(got) >= want && static_cast<double>(got) <= want * 1.04;
  };
  EXPECT_TRUE(near(h.Percentile(50), 50000)) << h.Percentile(50);
  EXPECT_TRUE(near(h.Percentile(99), 99000)) << h.Percentile(99);
  EXPECT_TRUE(near(h.Percentile(99.9), 99900)) << h.Percentile(99.9);
  EXPECT_EQ(h.Percentile(100), 100000U);  // clipped to the exact maximum
}

TEST(PulseHistogram, OneOutlierShowsInTheTailOnly) {
  LatencyHistogram h;
  for (int i = 0; i < 999; ++i) h.Record(200);
  h.Record(1'500'000);
  EXPECT_LE(h.Percentile(99), 210U);
  EXPECT_EQ(h.Percentile(99.9), h.Percentile(99));
  EXPECT_EQ(h.Percentile(99.95), 1'500'000U);
  EXPECT_EQ(h.max(), 1'500'000U);
  LatencyHistogram empty;
  EXPECT_EQ(empty.Percentile(99), 0U);
  empty.Merge(h);
  EXPECT_EQ(empty.count(), 1000U);
  EXPECT_EQ(empty.max(), 1'500'000U);
}

TEST(PulseStats, UnavailableIsTheLongestSpanWithoutASuccess) {
  RunStats s(4);
  s.RecordSuccess(0, 1'000);
  s.RecordSuccess(1'000, 2'000);
  s.RecordError("READONLY", 50'000);
  s.RecordSuccess(2'000, 802'000);  // 800 ms stall
  s.RecordSuccess(802'000, 803'000);
  s.Finish(900'000);
  EXPECT_EQ(s.ops(), 4U);
  EXPECT_EQ(s.unavailable_us(), 800'000U);
  EXPECT_EQ(s.unavailable_from_us(), 2'000U);
  EXPECT_EQ(s.errors(), 1U);
  EXPECT_EQ(s.errors_by_kind().at("READONLY"), 1U);
  EXPECT_EQ(s.latency().max(), 800'000U);
  // Operations are bucketed by start time, errors by when they happened.
  ASSERT_GE(s.timeline().size(), 6U);
  ASSERT_TRUE(s.timeline()[0]);
  EXPECT_EQ(s.timeline()[0]->latency.count(), 3U);  // started at 0, 1 and 2 ms
  ASSERT_TRUE(s.timeline()[5]);
  EXPECT_EQ(s.timeline()[5]->errors, 1U);
}

TEST(PulseStats, ATailWithoutSuccessCountsUntilTheEnd) {
  RunStats s(1);
  s.RecordSuccess(0, 100'000);
  s.Finish(3'100'000);
  EXPECT_EQ(s.unavailable_us(), 3'000'000U);
}

TEST(PulseStats, AcksKeepTheHighestCount) {
  RunStats s(3);
  s.RecordAck(1, 5);
  s.RecordAck(1, 3);
  s.RecordAck(2, 1);
  EXPECT_EQ(s.acks(), (std::vector<int64_t>{0, 5, 1}));
}

Report SampleReport() {
  Options o;
  o.target = {"127.0.0.1", 6379};
  o.clients = 2;
  o.keys = 3;
  o.duration_s = 2;
  o.failover_at_s = 1;
  RunStats s(6);
  s.RecordSuccess(0, 250);
  s.RecordSuccess(250, 1'250);
  s.RecordError("READONLY", 1'000);
  s.RecordError("READONLY", 1'100);
  s.RecordError("disconnect", 1'200);
  s.Finish(2'000'000);
  Report r = BuildReport(o, s, 2.0);
  r.failover_reply = "OK";
  r.verification.done = true;
  r.verification.primary = "127.0.0.1:6380";
  r.verification.keys_checked = 6;
  r.verification.extra_writes = 1;
  return r;
}

TEST(PulseReport, JsonHasTheAgreedFields) {
  const std::string j = FormatJson(SampleReport());
  EXPECT_EQ(j.front(), '{');
  EXPECT_EQ(j.back(), '}');
  EXPECT_EQ(j.find('\n'), std::string::npos);
  for (const char* f :
       {"\"ops\":2", "\"errors\":3", "\"errors_by_kind\":{\"READONLY\":2,\"disconnect\":1}",
        "\"lost_writes\":0", "\"extra_writes\":1", "\"unavailable_ms\":", "\"max_latency_ms\":1",
        "\"p99_latency_ms\":1", "\"p999_latency_ms\":1", "\"mode\":\"legacy\"",
        "\"failover_at_ms\":1000", "\"verified\":true"}) {
    EXPECT_NE(j.find(f), std::string::npos) << f << " in " << j;
  }
  EXPECT_EQ(Count(j, "{"), Count(j, "}"));
}

TEST(PulseReport, UnverifiedCountsAreNull) {
  Report r = SampleReport();
  r.verification = Verification{};
  r.verification.error = "cannot connect to \"x\"";
  const std::string j = FormatJson(r);
  EXPECT_NE(j.find("\"lost_writes\":null"), std::string::npos) << j;
  EXPECT_NE(j.find("\"verify_error\":\"cannot connect to \\\"x\\\"\""), std::string::npos) << j;
}

TEST(PulseReport, JsonStringEscapes) {
  EXPECT_EQ(JsonString("a\"b\\c\nd\te\x01"), "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
  EXPECT_EQ(JsonString(""), "\"\"");
}

TEST(PulseReport, TableNamesEveryNumber) {
  const std::string t = FormatTable(SampleReport());
  for (const char* f : {"ops", "errors", "READONLY", "disconnect", "unavailable", "latency max",
                        "latency p50", "latency p99", "latency p99.9", "lost writes",
                        "extra writes", "reply was lost", "failover sent at"}) {
    EXPECT_NE(t.find(f), std::string::npos) << f << " in\n" << t;
  }
}

TEST(PulseChart, SvgHasSeriesErrorsAndTheFailoverLine) {
  ChartInput in;
  in.title = "run <1> & co";
  in.duration_ms = 2000;
  in.failover_ms = 1000;
  for (int i = 0; i < 200; ++i) {
    ChartPoint p;
    p.t_ms = i * 10.0;
    p.has_latency = i != 120;  // one bucket without a reply breaks the line
    p.max_ms = i == 100 ? 900 : 0.5;
    p.p99_ms = 0.3;
    p.errors = (i >= 100 && i < 103) ? 7 : 0;
    in.points.push_back(p);
  }
  const std::string svg = RenderChartSvg(in);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0U);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_NE(svg.find("</svg>\n"), std::string::npos);
  EXPECT_NE(svg.find("run &lt;1&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(Count(svg, "class=\"max\""), 1U);
  EXPECT_EQ(Count(svg, "class=\"p99\""), 1U);
  EXPECT_EQ(Count(svg, "7 errors at"), 3U);
  // The failover line sits in the middle of the plot (x = 72 + 0.5 * 908).
  EXPECT_NE(svg.find("class=\"failover\" x1=\"526.0\""), std::string::npos) << svg;
  // The gap at bucket 120 starts a new segment in both series.
  const size_t max_at = svg.find("class=\"max\" d=\"");
  const std::string max_path = svg.substr(max_at, svg.find("\"", max_at + 16) - max_at);
  EXPECT_EQ(Count(max_path, "M"), 2U);
  // The scale reaches the 900 ms spike: a "1 s" grid label.
  EXPECT_NE(svg.find(">1 s<"), std::string::npos);
  EXPECT_EQ(Count(svg, "<text"), Count(svg, "</text>"));
  EXPECT_EQ(Count(svg, "<g"), Count(svg, "</g>"));
}

TEST(PulseChart, EmptyRunStillRenders) {
  ChartInput in;
  in.duration_ms = 1000;
  const std::string svg = RenderChartSvg(in);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(svg.find("class=\"failover\""), std::string::npos);
  EXPECT_EQ(svg.find("class=\"max\""), std::string::npos);
}

TEST(PulseChart, TimelinePointsFollowTheStats) {
  RunStats s(1);
  s.RecordSuccess(5'000, 6'000);
  s.RecordError("timeout", 25'000);
  const std::vector<ChartPoint> points = TimelinePoints(s);
  ASSERT_EQ(points.size(), 2U);
  EXPECT_TRUE(points[0].has_latency);
  EXPECT_DOUBLE_EQ(points[0].max_ms, 1.0);
  EXPECT_FALSE(points[1].has_latency);
  EXPECT_DOUBLE_EQ(points[1].t_ms, 20.0);
  EXPECT_EQ(points[1].errors, 1U);
}

}  // namespace
}  // namespace pulse_test
}  // namespace baton::pulse
