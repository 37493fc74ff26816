#pragma once
// Latency histogram for `greenfetch bench`.
//
// Written for this project: no Debian package ships HdrHistogram for C/C++, so this is an
// original implementation of the same log-linear bucketing idea (bucket layout as described in
// HdrHistogram's documentation), not a copy of any HdrHistogram source.
//
// Layout (defaults: lowest 1 us, highest 3,600,000,000 us = 1 hour, 3 significant digits):
//   * Every value v is mapped to a counter whose "equivalent range" [low, high] contains v.
//     Values below 2 * 10^digits (rounded up to a power of two: 2048 sub-buckets for 3 digits)
//     times the unit (2^floor(log2(lowest))) get their own counter: they are stored exactly.
//   * Above that, bucket b (b >= 1) covers [1024 << b, 2048 << b) with 1024 linear sub-buckets
//     of width 2^b each, so a counter's width is always < low / 1024 (for 3 digits).
//   * Precision guarantee (3 digits): for any recorded value v, v <= highest_equivalent(v) and
//     highest_equivalent(v) - v < v / 1024 (relative error < 0.0977 % < 0.1 %); values < 2048
//     are exact.  In general the bound is v / 2^ceil(log2(10^digits)) <= v / 10^digits.
//   * Memory (defaults): 22 buckets -> (22 + 1) * 1024 = 23,552 counters of uint64_t =
//     188,416 bytes, allocated once in the constructor; memory_bytes() adds sizeof(Histogram).
//     Nothing is ever allocated afterwards.
//
// min(), max(), mean() and stdev() are exact (tracked as exact integer sums, not estimated from
// the buckets), over the values as recorded, i.e. after clamping to [lowest, highest].
// stdev() is the population standard deviation (divides by count(), as HdrHistogram does).
// Exactness of the sums holds while count() < 2^64 (the 128-bit sums cannot overflow then for
// the default range).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace greenfetch {

class Histogram {
 public:
  // Throws std::invalid_argument unless 1 <= lowest, 2 * lowest <= highest <= 2^62 and
  // 1 <= significant_digits <= 5.
  explicit Histogram(int64_t lowest = 1, int64_t highest = 3'600'000'000,
                     int significant_digits = 3);

  // O(1), no allocation, no floating point.  Values < lowest are recorded as lowest (and
  // counted in underflow()); values > highest are recorded as highest (counted in overflow()).
  void record(int64_t value, uint64_t count = 1);

  // Coordinated-omission correction with HdrHistogram's recordValueWithExpectedInterval
  // semantics: records value, then, if expected_interval > 0 and value > expected_interval, also
  // records value - k * expected_interval for k = 1, 2, ... while that is >= expected_interval
  // (down to and including the interval).  A 1,000,000 us stall at a 1,000 us interval thus
  // adds 999 back-filled samples (999,000 ... 1,000).  Cost is
  // O(min(back-filled samples, counters spanned)), so huge stalls stay cheap.
  void record_corrected(int64_t value, int64_t expected_interval);

  // Adds other's counts.  Throws std::invalid_argument if the layouts (lowest, highest,
  // significant digits) differ.
  void merge(const Histogram& other);
  void reset();

  uint64_t count() const { return m_total; }
  uint64_t overflow() const { return m_overflow; }
  uint64_t underflow() const { return m_underflow; }
  // All of these return 0 on an empty histogram.
  int64_t min() const { return m_total == 0 ? 0 : m_min; }
  int64_t max() const { return m_total == 0 ? 0 : m_max; }
  double mean() const;
  double stdev() const;

  // p in [0, 100] (clamped; NaN counts as 0).  Nearest-rank percentile: the value with rank
  // ceil(p / 100 * count()) (at least 1) in sorted order, p taken as the decimal it was written
  // as (percentile(99.9) of 1000 values is rank 999), reported as the highest value
  // equivalent to its counter (as HdrHistogram does), but never above max().  percentile(0) is
  // exactly min() and percentile(100) exactly max().  One pass over the counters.
  int64_t percentile(double p) const;

  bool operator==(const Histogram& other) const;

  // Calls f(bucket_low, bucket_high, count) for every non-empty counter, in increasing order;
  // [bucket_low, bucket_high] is the counter's inclusive equivalent range.
  template <class F>
  void for_each_bucket(F&& f) const {
    for (size_t i = 0; i < m_counts.size(); ++i) {
      if (m_counts[i] != 0) {
        f(value_from_index(i), highest_from_index(i), m_counts[i]);
      }
    }
  }

  // Calls f(index, count) for every non-zero counter, in index order (HdrHistogram's counts
  // array layout, which the interval-log encoding carries).
  template <class F>
  void for_each_count(F&& f) const {
    for (size_t i = 0; i < m_counts.size(); ++i) {
      if (m_counts[i] != 0) {
        f(i, m_counts[i]);
      }
    }
  }
  // Adds count samples at counter `index` (as decoded from an encoded histogram): they count
  // as the counter's lowest value for min, mean and stdev, and its highest for max, so those
  // are exact within the counter's width. Throws std::out_of_range past counts_length().
  void add_at_index(size_t index, uint64_t count);

  size_t memory_bytes() const { return sizeof(*this) + m_counts.capacity() * sizeof(uint64_t); }

  int64_t lowest() const { return m_lowest; }
  int64_t highest() const { return m_highest; }
  int significant_digits() const { return m_significant_digits; }
  size_t counts_length() const { return m_counts.size(); }
  int bucket_count() const { return m_bucket_count; }
  // Range of values sharing value's counter (value is clamped to [lowest, highest] first).
  int64_t lowest_equivalent(int64_t value) const;
  int64_t highest_equivalent(int64_t value) const;

 private:
  __extension__ using U128 = unsigned __int128;

  size_t index_of(int64_t value) const;
  int64_t value_from_index(size_t index) const;
  int64_t highest_from_index(size_t index) const;
  int64_t clamp(int64_t value) const;
  // Adds `count` samples of an already clamped value.
  void add(int64_t value, uint64_t count);
  // Bulk back-fill of value - k * interval, k in [1, last_k], walking counters.
  void backfill_by_counter(int64_t value, int64_t interval, uint64_t last_k);

  int64_t m_lowest;
  int64_t m_highest;
  int m_significant_digits;
  int m_unit_magnitude;        // floor(log2(lowest))
  int m_sub_bucket_magnitude;  // log2(sub-bucket count), 11 for 3 digits
  int m_sub_bucket_half_magnitude;
  int64_t m_sub_bucket_half_count;
  uint64_t m_sub_bucket_mask;  // (sub-bucket count - 1) << unit magnitude
  int m_bucket_count;

  std::vector<uint64_t> m_counts;
  uint64_t m_total = 0;
  uint64_t m_overflow = 0;
  uint64_t m_underflow = 0;
  int64_t m_min = std::numeric_limits<int64_t>::max();  // INT64_MAX / 0 while empty
  int64_t m_max = 0;
  U128 m_sum = 0;
  U128 m_sum_squares = 0;
};

}  // namespace greenfetch
