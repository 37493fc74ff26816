// --fail-on thresholds, in the spirit of k6's: "p99>200ms,errors>1%,rps<1000". Each one names
// a condition that fails the run (exit status 1) when it holds for the final figures.
#pragma once

#include <string>
#include <vector>

namespace greenfetch {

// What a threshold reads from a run's report.
enum class ThresholdMetric {
  percentile,  // pN: that percentile of successful answers' latency (µs)
  min,         // min/mean/max of successful answers' latency (µs)
  mean,
  max,
  errors,   // failed requests: a count, or with '%' a share of the requests counted
  rps,      // requests counted per second
  dropped,  // --rate: scheduled starts never made, a count or with '%' a share of the scheduled
};

enum class ThresholdOp { less, less_equal, greater, greater_equal };

struct Threshold {
  std::string text;  // as written, for the report
  ThresholdMetric metric = ThresholdMetric::rps;
  double percentile = 0;  // for ThresholdMetric::percentile
  ThresholdOp op = ThresholdOp::greater;
  double value = 0;      // µs for latency metrics, a percentage with percent, else a number
  bool percent = false;  // errors/dropped given as "N%"
};

// One threshold checked against a run.
struct ThresholdOutcome {
  std::string text;
  double actual = 0;        // in the threshold's unit (µs, %, count or requests/s)
  std::string actual_text;  // actual for people: "212.40ms", "1.50%", "980.2"
  bool failed = false;
};

// Parses "EXPR[,EXPR...]"; EXPR is METRIC OP VALUE with METRIC one of pN (p50, p99, p99.9),
// min, mean, max, errors, rps, dropped; OP one of < <= > >=; a latency VALUE takes a unit
// (us, ms, s; none: ms, as in k6). Throws UsageError naming the expression.
std::vector<Threshold> parse_thresholds(const std::string& text);

// Whether the run fails this threshold, given the metric's actual value.
bool threshold_fails(const Threshold& t, double actual);

}  // namespace greenfetch
