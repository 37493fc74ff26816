#include "core/bench/results_file.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <sstream>

#include "core/bench/hdr_codec.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch {

namespace {

constexpr const char* k_counters_prefix = "#[greenfetch bench results: ";

std::string unix_seconds(int64_t us) {
  return fmt::format("{}.{:06}", us / 1'000'000, us % 1'000'000);
}

nlohmann::ordered_json settings_json(const BenchConfig& c) {
  nlohmann::ordered_json targets = nlohmann::ordered_json::array();
  for (const BenchTarget& t : c.targets) {
    targets.push_back(
        {{"method", t.method.empty() ? (t.has_body ? "POST" : "GET") : t.method}, {"url", t.url}});
  }
  return {{"targets", targets},
          {"requests", c.duration.count() > 0 ? 0 : c.requests},
          {"duration_ms", c.duration.count()},
          {"warmup_ms", c.warmup.count()},
          {"concurrency", c.concurrency},
          {"threads", c.threads},
          {"rate", c.rate},
          {"keepalive", c.keepalive && !c.request.forbid_reuse},
          {"streams", c.streams},
          {"segment", fmt::format("{}/{}", c.segment.index, c.segment.count)}};
}

// Histograms of the whole run come from the intervals; these tags go into BenchStats.
Histogram* stats_histogram(BenchStats& s, const std::string& tag) {
  if (tag == "latency") {
    return &s.latency;
  }
  if (tag == "uncorrected") {
    return &s.uncorrected;
  }
  if (tag == "failure_latency") {
    return &s.failure_latency;
  }
  if (tag == "dns") {
    return &s.dns;
  }
  if (tag == "connect") {
    return &s.connect;
  }
  if (tag == "tls") {
    return &s.tls;
  }
  if (tag == "first_byte") {
    return &s.first_byte;
  }
  return nullptr;
}

}  // namespace

std::string results_log(const BenchResult& r, const BenchConfig& config) {
  const BenchStats& s = r.stats;
  std::string out = "#[Histogram log format version 1.3]\n";
  auto start =
      std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(r.start_unix_us));
  out +=
      fmt::format("#[StartTime: {} (seconds since epoch), {:%Y-%m-%dT%H:%M:%S}Z]\n",
                  unix_seconds(r.start_unix_us), std::chrono::floor<std::chrono::seconds>(start));
  out += fmt::format("#[BaseTime: {} (seconds since epoch)]\n", unix_seconds(r.start_unix_us));
  nlohmann::ordered_json statuses = nlohmann::ordered_json::object();
  for (const auto& [code, n] : s.statuses) {
    statuses[std::to_string(code)] = n;
  }
  nlohmann::ordered_json errors = nlohmann::ordered_json::object();
  for (const auto& [kind, n] : s.errors) {
    errors[kind] = n;
  }
  nlohmann::ordered_json j = {{"version", GREENFETCH_VERSION},
                              {"settings", settings_json(config)},
                              {"start_time_unix_us", r.start_unix_us},
                              {"seconds", r.seconds},
                              {"threads", r.threads},
                              {"concurrency", r.concurrency},
                              {"rate", r.rate},
                              {"signal", r.signal},
                              {"libcurl_reason", r.libcurl_reason},
                              {"counters",
                               {{"requests", s.requests},
                                {"successes", s.successes},
                                {"failures", s.failures},
                                {"body_bytes", s.body_bytes},
                                {"bytes_sent", s.bytes_sent},
                                {"bytes_received", s.bytes_received},
                                {"connections", s.connections},
                                {"fast_requests", s.fast_requests},
                                {"libcurl_requests", s.libcurl_requests},
                                {"scheduled", s.scheduled},
                                {"started", s.started},
                                {"late_starts", s.late_starts},
                                {"max_lag_us", s.max_lag_us},
                                {"statuses", statuses},
                                {"errors", errors}}}};
  out += k_counters_prefix + j.dump() + "]\n";
  out +=
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
  for (const BenchInterval& b : r.intervals) {
    // Interval_Max in milliseconds (values are microseconds), as the Java writer's default
    // unit ratio turns nanoseconds into milliseconds.
    out += fmt::format("Tag={},{:.3f},1.000,{:.3f},{}\n", b.tag,
                       static_cast<double>(b.start_unix_us - r.start_unix_us) / 1e6,
                       static_cast<double>(b.max_us) / 1e3, b.histogram);
  }
  return out;
}

BenchResult merge_results(const std::vector<std::pair<std::string, std::string>>& files) {
  BenchResult out;
  out.threads = 0;
  int64_t first_start = 0;
  int64_t last_end = 0;
  bool any = false;
  // (unix second, tag): kept encoded, so that memory follows the file sizes, not 190 KB per
  // histogram and second.
  std::map<std::pair<int64_t, std::string>, BenchInterval> intervals;
  for (const auto& [path, text] : files) {
    std::istringstream in(text);
    std::string line;
    uint64_t n = 0;
    bool have_counters = false;
    double base = 0;
    // clang 14 cannot capture a structured binding: the fuzz build names it by an init-capture.
    auto where = [&, &file = path] { return fmt::format("{}:{}", file, n); };
    while (std::getline(in, line)) {
      ++n;
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      if (line.rfind("#[BaseTime: ", 0) == 0) {
        base = std::strtod(line.c_str() + 12, nullptr);
        continue;
      }
      if (line.rfind(k_counters_prefix, 0) == 0) {
        std::string body = line.substr(std::string(k_counters_prefix).size());
        if (!body.empty() && body.back() == ']') {
          body.pop_back();
        }
        nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
        if (j.is_discarded() || !j.contains("counters")) {
          throw UsageError(where() + ": the results line is not valid JSON");
        }
        try {
          const nlohmann::json& c = j.at("counters");
          BenchStats s;
          s.requests = c.at("requests");
          s.successes = c.at("successes");
          s.failures = c.at("failures");
          s.body_bytes = c.at("body_bytes");
          s.bytes_sent = c.at("bytes_sent");
          s.bytes_received = c.at("bytes_received");
          s.connections = c.at("connections");
          // Files written before the fast path came (all libcurl) have neither.
          s.fast_requests = c.value("fast_requests", uint64_t{0});
          s.libcurl_requests = c.value("libcurl_requests", s.requests);
          s.scheduled = c.at("scheduled");
          s.started = c.at("started");
          s.late_starts = c.at("late_starts");
          s.max_lag_us = c.at("max_lag_us");
          for (const auto& [code, v] : c.at("statuses").items()) {
            s.statuses[std::stol(code)] = v.get<uint64_t>();
          }
          for (const auto& [kind, v] : c.at("errors").items()) {
            s.errors[kind] = v.get<uint64_t>();
          }
          out.stats.merge(s);
          int64_t start = j.at("start_time_unix_us");
          auto end =
              start + static_cast<int64_t>(std::llround(j.at("seconds").get<double>() * 1e6));
          first_start = any ? std::min(first_start, start) : start;
          last_end = any ? std::max(last_end, end) : end;
          any = true;
          out.start_unix_us = first_start;
          out.threads += j.at("threads").get<int>();
          out.concurrency += j.at("concurrency").get<std::size_t>();
          out.rate += j.at("rate").get<double>();
          if (out.libcurl_reason.empty()) {
            out.libcurl_reason = j.value("libcurl_reason", std::string());
          }
          if (out.signal == 0) {
            out.signal = j.at("signal").get<int>();
          }
        } catch (const nlohmann::json::exception& e) {
          throw UsageError(where() + ": results line: " + e.what());
        } catch (const std::exception& e) {
          throw UsageError(where() + ": results line: " + e.what());
        }
        have_counters = true;
        continue;
      }
      if (line.empty() || line.front() == '#' || line.front() == '"') {
        continue;
      }
      // Tag=NAME,start,length,max,histogram
      std::vector<std::string> fields;
      std::size_t at = 0;
      for (std::size_t comma; (comma = line.find(',', at)) != std::string::npos; at = comma + 1) {
        fields.push_back(line.substr(at, comma - at));
      }
      fields.push_back(line.substr(at));
      if (fields.size() != 5 || fields[0].rfind("Tag=", 0) != 0) {
        throw UsageError(where() + ": not an interval line (Tag=NAME,start,length,max,histogram)");
      }
      std::string tag = fields[0].substr(4);
      double offset = std::strtod(fields[1].c_str(), nullptr);
      try {
        Histogram h = hdr_decode_base64(fields[4]);
        if (Histogram* total = stats_histogram(out.stats, tag)) {
          total->merge(h);
        }
        auto second = static_cast<int64_t>(std::floor(base + offset + 1e-7));
        auto [it, fresh] = intervals.try_emplace({second, tag});
        BenchInterval& b = it->second;
        if (fresh) {
          b.start_unix_us = second * 1'000'000;
          b.tag = tag;
          b.histogram = fields[4];
        } else {
          h.merge(hdr_decode_base64(b.histogram));
          b.histogram = hdr_encode_base64(h);
        }
        b.count = h.count();
        b.max_us = h.max();
      } catch (const std::exception& e) {
        throw UsageError(where() + ": " + e.what());
      }
    }
    if (!have_counters) {
      throw UsageError(path + ": not a greenfetch bench results file (no results line)");
    }
  }
  out.seconds = static_cast<double>(last_end - first_start) / 1e6;
  for (auto& [key, b] : intervals) {
    out.intervals.push_back(std::move(b));
  }
  return out;
}

}  // namespace greenfetch
