// bench's results file (--results FILE): a run's full record as an HdrHistogram interval log
// (log format 1.3), readable by any HdrHistogram log reader:
//   #[Histogram log format version 1.3]
//   #[StartTime: <unix seconds> (seconds since epoch), <ISO 8601 UTC>]
//   #[BaseTime: <unix seconds> (seconds since epoch)]
//   #[greenfetch bench results: {JSON: settings and counters}]
//   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//   Tag=latency,0.000,1.000,<max in ms>,<base64 compressed V2 histogram of that second>
// Timestamps are seconds after BaseTime; values are microseconds; one interval per second and
// tag (BenchInterval, k_interval_tags). The whole run's histograms are the sums of the
// intervals, so files merge exactly.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/bench/bench.hpp"

namespace greenfetch {

// The file's text for a run (result with intervals) under config.
std::string results_log(const BenchResult& result, const BenchConfig& config);

// Reads results files (path, text) and merges them into one result: histograms added,
// counters summed, intervals aligned by wall clock (whole seconds), the measured time from the
// earliest start to the latest end. Throws UsageError naming the file and line.
BenchResult merge_results(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace greenfetch
