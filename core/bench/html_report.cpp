#include "core/bench/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "core/bench/hdr_codec.hpp"

namespace greenfetch {

namespace {

struct Series {
  std::string name;
  std::string color;
  std::vector<std::pair<double, double>> points;  // (x, y)
};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A line chart in SVG. With log_x, x values are > 0 and ticks are at powers of ten, labelled
// by tick_label.
std::string chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                  const std::vector<Series>& series, bool log_x,
                  std::string (*tick_label)(double)) {
  constexpr double k_w = 760;
  constexpr double k_h = 300;
  constexpr double k_left = 70;
  constexpr double k_right = 150;
  constexpr double k_top = 30;
  constexpr double k_bottom = 45;
  double x0 = 1e300;
  double x1 = -1e300;
  double y1 = 0;
  for (const Series& s : series) {
    for (auto [x, y] : s.points) {
      double v = log_x ? std::log10(x) : x;
      x0 = std::min(x0, v);
      x1 = std::max(x1, v);
      y1 = std::max(y1, y);
    }
  }
  std::string out = fmt::format(
      "<figure><figcaption>{}</figcaption><svg class=\"chart\" "
      "xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">\n",
      escape(title), k_w, k_h, k_w, k_h);
  if (x0 > x1) {
    return out + "<text x=\"20\" y=\"40\">no data</text></svg></figure>\n";
  }
  if (x1 - x0 < 1e-9) {
    x1 = x0 + 1;
  }
  y1 = y1 <= 0 ? 1 : y1 * 1.05;
  double pw = k_w - k_left - k_right;
  double ph = k_h - k_top - k_bottom;
  auto px = [&](double x) { return k_left + ((log_x ? std::log10(x) : x) - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return k_top + ph - y / y1 * ph; };
  out += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" stroke=\"#999\"/>\n",
      k_left, k_top, pw, ph);
  for (int i = 0; i <= 4; ++i) {
    double y = y1 * i / 4;
    out += fmt::format(
        "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#eee\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" font-size=\"11\">{:.4g}</text>\n",
        k_left, k_left + pw, py(y), py(y), k_left - 5, py(y) + 4, y);
  }
  if (log_x) {
    for (double e = std::ceil(x0); e <= x1 + 1e-9; e += 1) {
      double x = std::pow(10.0, e);
      out += fmt::format(
          "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"#eee\"/>"
          "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\" font-size=\"11\">{4}</text>\n",
          px(x), k_top, k_top + ph, k_top + ph + 15, tick_label(x));
    }
  } else {
    for (int i = 0; i <= 5; ++i) {
      double x = x0 + (x1 - x0) * i / 5;
      out += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"11\">{}</text>\n",
          px(x), k_top + ph + 15, tick_label(x));
    }
  }
  out += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"12\">{}</text>"
      "<text transform=\"translate(14 {:.1f}) rotate(-90)\" text-anchor=\"middle\" "
      "font-size=\"12\">{}</text>\n",
      k_left + pw / 2, k_h - 8, escape(x_label), k_top + ph / 2, escape(y_label));
  int row = 0;
  for (const Series& s : series) {
    if (s.points.empty()) {
      continue;
    }
    std::string d;
    for (auto [x, y] : s.points) {
      d += fmt::format("{}{:.1f},{:.1f}", d.empty() ? "M" : " L", px(x), py(y));
    }
    out += fmt::format(
        "<path class=\"series\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
        "stroke-width=\"2\"><title>{}</title></path>\n",
        d, s.color, escape(s.name));
    double ly = k_top + 12 + 18 * row++;
    out += fmt::format(
        "<line x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\" "
        "stroke-width=\"3\"/><text x=\"{4:.1f}\" y=\"{5:.1f}\" font-size=\"12\">{6}</text>\n",
        k_left + pw + 10, k_left + pw + 30, ly, s.color, k_left + pw + 35, ly + 4, escape(s.name));
  }
  return out + "</svg></figure>\n";
}

std::string percentile_tick(double x) {
  // x = 1 / (1 - p): 1 -> 0 %, 10 -> 90 %, 100 -> 99 %, ...
  double p = 100.0 * (1.0 - 1.0 / x);
  return fmt::format("{:.{}f}%", p, std::max(0, static_cast<int>(std::log10(x)) - 2));
}

std::string seconds_tick(double x) {
  return fmt::format("{:.3g}s", x);
}

Series percentile_series(const std::string& name, const std::string& color, const Histogram& h) {
  Series s{name, color, {}};
  if (h.count() == 0) {
    return s;
  }
  // From 0 % to 99.999 % (or as far as the count allows), 20 points per decade.
  double top = std::min(1e5, std::max(10.0, static_cast<double>(h.count())));
  for (double e = 0; e <= std::log10(top) + 1e-9; e += 0.05) {
    double x = std::pow(10.0, e);
    double p = 100.0 * (1.0 - 1.0 / x);
    s.points.emplace_back(x, static_cast<double>(h.percentile(p)) / 1e3);
  }
  return s;
}

}  // namespace

std::string bench_html(const BenchResult& r, const std::string& title) {
  const char* k_colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
  int64_t t0 = r.start_unix_us / 1'000'000;
  // Per second: requests (successes, failures), p50/p99 of successes, counts by status class.
  std::map<std::string, std::map<int64_t, double>> per_tag;
  std::map<int64_t, std::pair<double, double>> percentiles;
  for (const BenchInterval& b : r.intervals) {
    int64_t sec = b.start_unix_us / 1'000'000 - t0;
    per_tag[b.tag][sec] += static_cast<double>(b.count);
    if (b.tag == "latency") {
      Histogram h = hdr_decode_base64(b.histogram);
      percentiles[sec] = {static_cast<double>(h.percentile(50)) / 1e3,
                          static_cast<double>(h.percentile(99)) / 1e3};
    }
  }
  auto over_time = [&](const std::string& tag, const std::string& name, const char* color) {
    Series s{name, color, {}};
    auto it = per_tag.find(tag);
    int64_t last = 0;  // the last second anything completed
    for (const char* done : {"latency", "failure_latency"}) {
      auto d = per_tag.find(done);
      if (d != per_tag.end() && !d->second.empty()) {
        last = std::max(last, d->second.rbegin()->first);
      }
    }
    if (it == per_tag.end()) {
      return s;
    }
    for (int64_t sec = 0; sec <= last; ++sec) {
      auto v = it->second.find(sec);
      s.points.emplace_back(static_cast<double>(sec), v == it->second.end() ? 0 : v->second);
    }
    return s;
  };
  std::vector<Series> rps = {over_time("latency", "successes/s", k_colors[0]),
                             over_time("failure_latency", "failures/s", k_colors[1])};
  Series p50{"p50", k_colors[0], {}};
  Series p99{"p99", k_colors[1], {}};
  for (const auto& [sec, v] : percentiles) {
    p50.points.emplace_back(static_cast<double>(sec), v.first);
    p99.points.emplace_back(static_cast<double>(sec), v.second);
  }
  std::vector<Series> statuses;
  int c = 2;
  for (const char* tag :
       {"status_1xx", "status_2xx", "status_3xx", "status_4xx", "status_5xx", "status_error"}) {
    if (per_tag.count(tag) != 0) {
      statuses.push_back(over_time(tag, std::string(tag).substr(7), k_colors[c++ % 6]));
    }
  }
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += "<title>" + escape(title) +
         "</title>\n<style>body{font-family:sans-serif;margin:2em;"
         "color:#222}pre{background:#f6f6f6;padding:1em;overflow-x:auto}figure{margin:1em 0}"
         "figcaption{font-weight:bold;margin-bottom:.3em}</style></head><body>\n";
  out += "<h1>" + escape(title) + "</h1>\n<pre>" + escape(bench_text(r)) + "</pre>\n";
  out += chart("Latency by percentile", "percentile (log scale)", "ms",
               {percentile_series("successful answers", k_colors[0], r.stats.latency),
                percentile_series("failures", k_colors[1], r.stats.failure_latency)},
               true, percentile_tick);
  out += chart("Requests per second over time", "seconds since start", "requests/s", rps, false,
               seconds_tick);
  out += chart("Latency of successful answers over time", "seconds since start", "ms", {p50, p99},
               false, seconds_tick);
  out += chart("Statuses and errors over time", "seconds since start", "requests/s", statuses,
               false, seconds_tick);
  out += "</body></html>\n";
  return out;
}

}  // namespace greenfetch
