#include "core/bench/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace greenfetch {

namespace {

constexpr int64_t k_max_highest = int64_t{1} << 62;

}  // namespace

Histogram::Histogram(int64_t lowest, int64_t highest, int significant_digits)
    : m_lowest(lowest), m_highest(highest), m_significant_digits(significant_digits) {
  if (lowest < 1) {
    throw std::invalid_argument("Histogram: lowest must be >= 1");
  }
  if (significant_digits < 1 || significant_digits > 5) {
    throw std::invalid_argument("Histogram: significant_digits must be in [1, 5]");
  }
  if (highest > k_max_highest || highest < 2 * lowest) {
    throw std::invalid_argument("Histogram: highest must be in [2 * lowest, 2^62]");
  }

  // Values below 2 * 10^digits need a counter each to keep `digits` significant digits; round
  // that count up to a power of two so a shift finds the sub-bucket.
  uint64_t single_unit_limit = 2;
  for (int i = 0; i < significant_digits; ++i) {
    single_unit_limit *= 10;
  }
  m_sub_bucket_magnitude = static_cast<int>(std::bit_width(single_unit_limit - 1));
  m_sub_bucket_half_magnitude = m_sub_bucket_magnitude - 1;
  m_sub_bucket_half_count = int64_t{1} << m_sub_bucket_half_magnitude;
  m_unit_magnitude = static_cast<int>(std::bit_width(static_cast<uint64_t>(lowest))) - 1;
  if (m_unit_magnitude + m_sub_bucket_magnitude > 62) {
    throw std::invalid_argument("Histogram: lowest too large for the requested precision");
  }
  m_sub_bucket_mask = ((uint64_t{1} << m_sub_bucket_magnitude) - 1) << m_unit_magnitude;

  // Bucket 0 holds [0, sub_bucket_count << unit); each further bucket doubles the range.
  uint64_t first_untrackable = (uint64_t{1} << m_sub_bucket_magnitude) << m_unit_magnitude;
  m_bucket_count = 1;
  while (first_untrackable <= static_cast<uint64_t>(highest)) {
    first_untrackable <<= 1;
    ++m_bucket_count;
  }
  // Bucket 0 uses all sub-buckets, the others only their upper half (the lower half would
  // duplicate the previous bucket's range).
  m_counts.assign(static_cast<size_t>(m_bucket_count + 1) << m_sub_bucket_half_magnitude, 0);
}

size_t Histogram::index_of(int64_t value) const {
  const auto v = static_cast<uint64_t>(value);
  // Number of significant bits, at least sub_bucket_magnitude + unit_magnitude thanks to the mask.
  const int bits = 64 - std::countl_zero(v | m_sub_bucket_mask);
  const int bucket = bits - m_unit_magnitude - m_sub_bucket_magnitude;
  const uint64_t sub_bucket = v >> (bucket + m_unit_magnitude);
  return (static_cast<size_t>(bucket + 1) << m_sub_bucket_half_magnitude) + sub_bucket -
         static_cast<size_t>(m_sub_bucket_half_count);
}

int64_t Histogram::value_from_index(size_t index) const {
  int bucket = static_cast<int>(index >> m_sub_bucket_half_magnitude) - 1;
  auto sub_bucket =
      static_cast<uint64_t>(index & static_cast<size_t>(m_sub_bucket_half_count - 1)) +
      static_cast<uint64_t>(m_sub_bucket_half_count);
  if (bucket < 0) {
    sub_bucket -= static_cast<uint64_t>(m_sub_bucket_half_count);
    bucket = 0;
  }
  return static_cast<int64_t>(sub_bucket << (bucket + m_unit_magnitude));
}

int64_t Histogram::highest_from_index(size_t index) const {
  const int bucket = std::max(0, static_cast<int>(index >> m_sub_bucket_half_magnitude) - 1);
  return value_from_index(index) + (int64_t{1} << (bucket + m_unit_magnitude)) - 1;
}

int64_t Histogram::clamp(int64_t value) const {
  return std::clamp(value, m_lowest, m_highest);
}

int64_t Histogram::lowest_equivalent(int64_t value) const {
  return value_from_index(index_of(clamp(value)));
}

int64_t Histogram::highest_equivalent(int64_t value) const {
  return highest_from_index(index_of(clamp(value)));
}

void Histogram::add(int64_t value, uint64_t count) {
  m_counts[index_of(value)] += count;
  m_total += count;
  m_min = std::min(m_min, value);
  m_max = std::max(m_max, value);
  const U128 v = static_cast<uint64_t>(value);
  m_sum += v * count;
  m_sum_squares += v * v * count;
}

void Histogram::record(int64_t value, uint64_t count) {
  if (count == 0) {
    return;
  }
  if (value < m_lowest) {
    value = m_lowest;
    m_underflow += count;
  } else if (value > m_highest) {
    value = m_highest;
    m_overflow += count;
  }
  add(value, count);
}

void Histogram::record_corrected(int64_t value, int64_t expected_interval) {
  record(value);
  if (expected_interval <= 0 || value <= expected_interval) {
    return;
  }
  // value - k * interval >= interval  <=>  k <= value / interval - 1.
  const auto last_k = static_cast<uint64_t>(value / expected_interval) - 1;
  if (last_k == 0) {
    return;
  }
  const size_t top = index_of(clamp(value - expected_interval));
  const size_t bottom = index_of(clamp(value - static_cast<int64_t>(last_k) * expected_interval));
  if (last_k <= top - bottom + 1) {
    for (uint64_t k = 1; k <= last_k; ++k) {
      record(value - static_cast<int64_t>(k) * expected_interval);
    }
  } else {
    backfill_by_counter(value, expected_interval, last_k);
  }
}

void Histogram::backfill_by_counter(int64_t value, int64_t interval, uint64_t last_k) {
  // Samples are x_k = value - k * interval for k in [1, last_k], decreasing with k; all > 0.
  const auto v = static_cast<uint64_t>(value);
  const auto step = static_cast<uint64_t>(interval);
  const auto lowest = static_cast<uint64_t>(m_lowest);
  const auto highest = static_cast<uint64_t>(m_highest);

  // x_k > highest  <=>  k * step < v - highest.
  const uint64_t over = v > highest ? std::min(last_k, (v - highest - 1) / step) : 0;
  // x_k < lowest  <=>  k > (v - lowest) / step.
  const uint64_t first_under = v >= lowest ? (v - lowest) / step + 1 : 1;
  const uint64_t under = last_k >= first_under ? last_k - first_under + 1 : 0;
  if (over > 0) {
    m_overflow += over;
    add(m_highest, over);
  }
  if (under > 0) {
    m_underflow += under;
    add(m_lowest, under);
  }

  const uint64_t k_begin = over + 1;
  const uint64_t k_end = std::min(last_k, first_under - 1);
  if (k_begin > k_end) {
    return;
  }
  const U128 u_step = step;
  const auto top_value = static_cast<int64_t>(v - k_begin * step);
  const auto bottom_value = static_cast<int64_t>(v - k_end * step);
  const size_t bottom_index = index_of(bottom_value);
  for (size_t i = index_of(top_value) + 1; i-- > bottom_index;) {
    const auto lo = static_cast<uint64_t>(value_from_index(i));
    const auto hi = static_cast<uint64_t>(highest_from_index(i));
    // lo <= x_k <= hi  <=>  ceil((v - hi) / step) <= k <= floor((v - lo) / step).
    uint64_t k1 = v > hi ? (v - hi + step - 1) / step : 1;
    uint64_t k2 = (v - lo) / step;
    k1 = std::max(k1, k_begin);
    k2 = std::min(k2, k_end);
    if (k1 > k2) {
      continue;
    }
    // m samples first, first - step, ..., first - (m - 1) * step.  The sums below are computed
    // modulo 2^128; their true values fit, so the wrapped intermediates cancel out exactly.
    const uint64_t m = k2 - k1 + 1;
    const U128 first = v - k1 * step;
    const U128 um = m;
    const U128 sum_j = um * (um - 1) / 2;
    // sum of j^2 for j < m = (m - 1) m (2m - 1) / 6; divide the factors first.
    U128 a = um - 1;
    U128 b = um;
    U128 c = 2 * um - 1;
    if (a % 2 == 0) {
      a /= 2;
    } else {
      b /= 2;
    }
    if (a % 3 == 0) {
      a /= 3;
    } else if (b % 3 == 0) {
      b /= 3;
    } else {
      c /= 3;
    }
    const U128 sum_j2 = a * b * c;
    m_counts[i] += m;
    m_total += m;
    m_sum += um * first - u_step * sum_j;
    m_sum_squares += um * first * first - 2 * first * u_step * sum_j + u_step * u_step * sum_j2;
  }
  m_min = std::min(m_min, bottom_value);
  m_max = std::max(m_max, top_value);
}

void Histogram::add_at_index(size_t index, uint64_t count) {
  if (index >= m_counts.size()) {
    throw std::out_of_range("Histogram: counter index past the end");
  }
  if (count == 0) {
    return;
  }
  const int64_t low = value_from_index(index);
  add(std::max(low, m_lowest), count);
  m_max = std::max(m_max, std::min(highest_from_index(index), m_highest));
}

void Histogram::merge(const Histogram& other) {
  if (m_lowest != other.m_lowest || m_highest != other.m_highest ||
      m_significant_digits != other.m_significant_digits) {
    throw std::invalid_argument("Histogram::merge: histograms have different layouts");
  }
  for (size_t i = 0; i < m_counts.size(); ++i) {
    m_counts[i] += other.m_counts[i];
  }
  m_total += other.m_total;
  m_overflow += other.m_overflow;
  m_underflow += other.m_underflow;
  m_min = std::min(m_min, other.m_min);
  m_max = std::max(m_max, other.m_max);
  m_sum += other.m_sum;
  m_sum_squares += other.m_sum_squares;
}

void Histogram::reset() {
  std::fill(m_counts.begin(), m_counts.end(), 0);
  m_total = 0;
  m_overflow = 0;
  m_underflow = 0;
  m_min = std::numeric_limits<int64_t>::max();
  m_max = 0;
  m_sum = 0;
  m_sum_squares = 0;
}

double Histogram::mean() const {
  if (m_total == 0) {
    return 0.0;
  }
  return static_cast<double>(static_cast<long double>(m_sum) / m_total);
}

double Histogram::stdev() const {
  if (m_total == 0) {
    return 0.0;
  }
  // With q = floor(mean) and r = sum - q * n:  sum (x - mean)^2 = sum (x - q)^2 - r^2 / n.
  // sum (x - q)^2 = S2 - 2 q S1 + n q^2 is evaluated exactly modulo 2^128 (its true value fits),
  // which avoids the cancellation of the textbook S2 / n - mean^2.
  const U128 n = m_total;
  const U128 q = m_sum / n;
  const U128 r = m_sum % n;
  const U128 around_q = m_sum_squares - 2 * q * m_sum + n * q * q;
  const long double lr = static_cast<long double>(r);
  const long double variance = (static_cast<long double>(around_q) - lr * lr / m_total) / m_total;
  return static_cast<double>(std::sqrt(std::max(variance, 0.0L)));
}

int64_t Histogram::percentile(double p) const {
  if (m_total == 0) {
    return 0;
  }
  if (!(p > 0.0)) {
    return min();
  }
  if (p >= 100.0) {
    return max();
  }
  // p arrives in binary (99.9 is 99.90000000000000568...), which must not push an integral
  // p / 100 * count() to the next rank: a relative slack of 2^-50 absorbs that rounding.
  const long double target = static_cast<long double>(p) * m_total / 100.0L;
  auto rank = static_cast<uint64_t>(std::ceil(target - target * 0x1p-50L));
  rank = std::clamp<uint64_t>(rank, 1, m_total);
  uint64_t seen = 0;
  for (size_t i = 0; i < m_counts.size(); ++i) {
    seen += m_counts[i];
    if (seen >= rank) {
      return std::min(highest_from_index(i), m_max);
    }
  }
  return max();  // unreachable: the counts add up to m_total
}

bool Histogram::operator==(const Histogram& other) const {
  return m_lowest == other.m_lowest && m_highest == other.m_highest &&
         m_significant_digits == other.m_significant_digits && m_total == other.m_total &&
         m_overflow == other.m_overflow && m_underflow == other.m_underflow &&
         m_min == other.m_min && m_max == other.m_max && m_sum == other.m_sum &&
         m_sum_squares == other.m_sum_squares && m_counts == other.m_counts;
}

}  // namespace greenfetch
