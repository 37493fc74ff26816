// bench report --html: one self-contained page (inline SVG, no script, nothing fetched) with
// latency by percentile on a log scale (as HdrHistogram's plotter draws it), requests/s and
// p50/p99 over time, and statuses and errors over time, from a result with intervals.
#pragma once

#include <string>

#include "core/bench/bench.hpp"

namespace greenfetch {

std::string bench_html(const BenchResult& result, const std::string& title);

}  // namespace greenfetch
