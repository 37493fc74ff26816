#include "core/bench/threshold.hpp"

#include <cmath>
#include <cstdlib>

#include "core/input/url_source.hpp"

namespace greenfetch {

namespace {

bool is_latency(ThresholdMetric m) {
  return m == ThresholdMetric::percentile || m == ThresholdMetric::min ||
         m == ThresholdMetric::mean || m == ThresholdMetric::max;
}

std::string trim(const std::string& s) {
  std::size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) {
    return {};
  }
  std::size_t b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

// A finite number at the start of text; the rest goes to `rest`.
bool leading_number(const std::string& text, double& out, std::string& rest) {
  if (text.empty() || (text.front() != '.' && (text.front() < '0' || text.front() > '9'))) {
    return false;
  }
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(out) || out < 0) {
    return false;
  }
  rest = trim(std::string(end));
  return true;
}

Threshold parse_one(const std::string& expr) {
  Threshold t;
  t.text = expr;
  auto bad = [&](const std::string& why) {
    return UsageError("--fail-on: '" + expr + "': " + why);
  };
  std::size_t op_at = expr.find_first_of("<>");
  if (op_at == std::string::npos) {
    throw bad("no comparison (< <= > >=), as in p99>200ms or errors>1%");
  }
  std::string name = trim(expr.substr(0, op_at));
  bool equal = op_at + 1 < expr.size() && expr[op_at + 1] == '=';
  t.op = expr[op_at] == '<' ? (equal ? ThresholdOp::less_equal : ThresholdOp::less)
                            : (equal ? ThresholdOp::greater_equal : ThresholdOp::greater);
  std::string value = trim(expr.substr(op_at + (equal ? 2 : 1)));
  if (name == "min") {
    t.metric = ThresholdMetric::min;
  } else if (name == "mean") {
    t.metric = ThresholdMetric::mean;
  } else if (name == "max") {
    t.metric = ThresholdMetric::max;
  } else if (name == "errors") {
    t.metric = ThresholdMetric::errors;
  } else if (name == "rps") {
    t.metric = ThresholdMetric::rps;
  } else if (name == "dropped") {
    t.metric = ThresholdMetric::dropped;
  } else if (name.size() > 1 && name.front() == 'p') {
    std::string rest;
    if (!leading_number(name.substr(1), t.percentile, rest) || !rest.empty() ||
        t.percentile > 100) {
      throw bad("'" + name + "' is not a percentile (p50, p99, p99.9)");
    }
    t.metric = ThresholdMetric::percentile;
  } else {
    throw bad("unknown metric '" + name + "' (pN, min, mean, max, errors, rps, dropped)");
  }
  std::string unit;
  if (!leading_number(value, t.value, unit)) {
    throw bad("'" + value + "' is not a number");
  }
  if (is_latency(t.metric)) {
    double scale = unit == "us" ? 1 : unit == "ms" || unit.empty() ? 1e3 : unit == "s" ? 1e6 : -1;
    if (scale < 0) {
      throw bad("'" + unit + "' is not a unit of time (us, ms, s)");
    }
    t.value *= scale;
  } else if (unit == "%" &&
             (t.metric == ThresholdMetric::errors || t.metric == ThresholdMetric::dropped)) {
    t.percent = true;
  } else if (!unit.empty()) {
    throw bad("unexpected '" + unit + "' after the number");
  }
  return t;
}

}  // namespace

std::vector<Threshold> parse_thresholds(const std::string& text) {
  std::vector<Threshold> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string expr =
        trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (expr.empty()) {
      throw UsageError("--fail-on: empty expression in '" + text + "'");
    }
    out.push_back(parse_one(expr));
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

bool threshold_fails(const Threshold& t, double actual) {
  switch (t.op) {
    case ThresholdOp::less:
      return actual < t.value;
    case ThresholdOp::less_equal:
      return actual <= t.value;
    case ThresholdOp::greater:
      return actual > t.value;
    case ThresholdOp::greater_equal:
      return actual >= t.value;
  }
  return false;
}

}  // namespace greenfetch
