#include "core/crawl/seen_set.hpp"

#include <sys/random.h>

#include <chrono>
#include <cstring>

namespace greenfetch {

namespace {

constexpr std::size_t k_min_slots = 1024;
// Odd 64-bit constants drawn at random for this file (k_length_mul is the golden ratio).
// k_block_b has bytes >= 0x80, so no 8 bytes of ASCII text (which normalized URLs are) can
// cancel it to 0 and wipe out the multiplication.
constexpr std::uint64_t k_length_mul = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t k_block_a = 0x786022ddb5dbc301ULL;
constexpr std::uint64_t k_block_b = 0xe606c4f368e3081bULL;
constexpr std::uint64_t k_fin_1 = 0xbf58476d1ce4e5b9ULL;  // splitmix64 finalizer
constexpr std::uint64_t k_fin_2 = 0x94d049bb133111ebULL;

using u128 = unsigned __int128;

// Multiplies into 128 bits and folds the halves together: every input bit affects many
// output bits.
std::uint64_t fold_mul(std::uint64_t a, std::uint64_t b) {
  u128 p = static_cast<u128>(a) * b;
  return static_cast<std::uint64_t>(p) ^ static_cast<std::uint64_t>(p >> 64);
}

std::uint64_t rotl(std::uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

std::uint64_t load64(const char* p, std::size_t n) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

std::uint64_t random_seed() {
  std::uint64_t seed = 0;
  if (::getrandom(&seed, sizeof seed, 0) != static_cast<ssize_t>(sizeof seed)) {
    seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  return seed;
}

}  // namespace

std::uint64_t SeenSet::hash(std::string_view data, std::uint64_t seed) {
  const char* p = data.data();
  std::size_t n = data.size();
  std::uint64_t h = seed ^ (static_cast<std::uint64_t>(n) * k_length_mul);
  while (n >= 16) {
    h = fold_mul(load64(p, 8) ^ k_block_a ^ h, load64(p + 8, 8) ^ k_block_b) ^ rotl(h, 29);
    p += 16;
    n -= 16;
  }
  // The last 0-15 bytes, zero-padded (the length, mixed in above, tells paddings apart).
  std::uint64_t w0 = load64(p, n < 8 ? n : 8);
  std::uint64_t w1 = n > 8 ? load64(p + 8, n - 8) : 0;
  h = fold_mul(w0 ^ k_block_a ^ h, w1 ^ k_block_b) ^ rotl(h, 29);
  h ^= h >> 30;
  h *= k_fin_1;
  h ^= h >> 27;
  h *= k_fin_2;
  h ^= h >> 31;
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

SeenSet::SeenSet() : m_seed(random_seed()) {}

SeenSet::SeenSet(std::uint64_t seed) : m_seed(seed) {}

// Maps the hash onto [0, slots) by multiplication (no power-of-two size needed).
std::size_t SeenSet::home_slot(std::uint64_t h) const {
  return static_cast<std::size_t>((static_cast<u128>(h) * m_slots.size()) >> 64);
}

bool SeenSet::insert(std::string_view url) {
  if ((m_size + 1) * 4 > m_slots.size() * 3) {
    rehash(m_slots.empty() ? k_min_slots : m_slots.size() + m_slots.size() / 2);
  }
  std::uint64_t h = hash(url, m_seed);
  std::size_t i = home_slot(h);
  while (m_slots[i] != 0) {
    if (m_slots[i] == h) {
      return false;
    }
    i = i + 1 == m_slots.size() ? 0 : i + 1;
  }
  m_slots[i] = h;
  ++m_size;
  return true;
}

bool SeenSet::contains(std::string_view url) const {
  if (m_slots.empty()) {
    return false;
  }
  std::uint64_t h = hash(url, m_seed);
  std::size_t i = home_slot(h);
  while (m_slots[i] != 0) {
    if (m_slots[i] == h) {
      return true;
    }
    i = i + 1 == m_slots.size() ? 0 : i + 1;
  }
  return false;
}

void SeenSet::reserve(std::size_t n) {
  std::size_t slots = n / 3 * 4 + 4;  // load <= 3/4 with n URLs
  if (slots > m_slots.size()) {
    rehash(slots < k_min_slots ? k_min_slots : slots);
  }
}

void SeenSet::rehash(std::size_t slots) {
  std::vector<std::uint64_t> old;
  old.swap(m_slots);
  m_slots.assign(slots, 0);
  for (std::uint64_t h : old) {
    if (h == 0) {
      continue;
    }
    std::size_t i = home_slot(h);
    while (m_slots[i] != 0) {
      i = i + 1 == m_slots.size() ? 0 : i + 1;
    }
    m_slots[i] = h;
  }
}

}  // namespace greenfetch
