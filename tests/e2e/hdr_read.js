// Reads HdrHistogram interval logs (greenfetch bench --results files) with hdr-histogram-js, an
// independent implementation: adds up the intervals of every tag over all the files given and
// prints {tag: {count, min, max, p50, p90, p99, p999, intervals}} as one JSON line, plus
// "start_time_sec" of the first file. Usage: node hdr_read.js FILE...
import fs from "node:fs";
import hdr from "hdr-histogram-js";

const totals = {};
let startTime = null;
for (const path of process.argv.slice(2)) {
  const reader = new hdr.HistogramLogReader(fs.readFileSync(path, "utf8"), 64);
  let h;
  while ((h = reader.nextIntervalHistogram()) !== null) {
    if (startTime === null) {
      startTime = reader.startTimeSec;
    }
    const t = totals[h.tag] ?? (totals[h.tag] = {
      sum: hdr.build({ bitBucketSize: 64, numberOfSignificantValueDigits: 3,
                       lowestDiscernibleValue: 1, highestTrackableValue: 3600000000 }),
      intervals: 0, seconds: [] });
    t.sum.add(h);
    t.intervals += 1;
    t.seconds.push(h.startTimeStampMsec / 1000);
  }
}
const out = { start_time_sec: startTime, tags: {} };
for (const [tag, t] of Object.entries(totals)) {
  const s = t.sum;
  out.tags[tag] = {
    count: s.totalCount, min: s.minNonZeroValue, max: s.maxValue,
    p50: s.getValueAtPercentile(50), p90: s.getValueAtPercentile(90),
    p99: s.getValueAtPercentile(99), p999: s.getValueAtPercentile(99.9),
    intervals: t.intervals, first_second: Math.min(...t.seconds),
  };
}
console.log(JSON.stringify(out));
