// The crawl's seen-set when no --state folder keeps one on disk: which normalized URLs were
// already queued, in about 11-16 bytes per URL instead of the URL itself.
//
// What is stored is a 64-bit hash of each URL, in an open-addressing table (linear probing,
// 8 bytes per slot, 0 marks an empty slot). The table grows by half when it would pass 3/4
// full, so its load stays between 1/2 and 3/4: 8 / 0.75 = 10.7 to 8 / 0.5 = 16 bytes per URL
// (while it grows the old and the new table coexist for a moment: 2.5 times that).
//
// Storing hashes means two different URLs can collide, and the second is then wrongly taken
// as seen (never as the other way round: a URL inserted is always found). With a good 64-bit
// hash the chance of any collision among n URLs is about n^2 / 2^65: 3e-8 at 1 million URLs,
// 3e-6 at 10 million, 3e-4 at 100 million. The hash is this file's own (multiply-fold mixing
// of 16-byte blocks, then the splitmix64 finalizer), keyed with a random seed per set so that
// a hostile site cannot precompute URLs that collide or pile up in one cluster of the table.
// Hash values differ from run to run (and between little- and big-endian machines): the set
// lives in memory only.
//
// URLs are compared as bytes: normalize them (scheme/host case, default port, fragment, ...)
// before insert(). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace greenfetch {

class SeenSet {
 public:
  // With a random hash seed (getrandom()).
  SeenSet();
  // With a fixed seed: the same hashes every run (for tests and reproducible runs).
  explicit SeenSet(std::uint64_t seed);

  // Adds url; returns false if it (or, rarely, a URL with the same hash) was already there.
  bool insert(std::string_view url);
  bool contains(std::string_view url) const;

  // Makes room for n URLs in total without growing again.
  void reserve(std::size_t n);

  std::size_t size() const { return m_size; }
  // Bytes of the hash table (what grows with the number of URLs).
  std::size_t memory_bytes() const { return m_slots.capacity() * sizeof(std::uint64_t); }
  std::size_t slot_count() const { return m_slots.size(); }

  // The 64-bit hash used, never 0.
  static std::uint64_t hash(std::string_view data, std::uint64_t seed);

 private:
  std::size_t home_slot(std::uint64_t h) const;
  void rehash(std::size_t slots);

  std::vector<std::uint64_t> m_slots;
  std::size_t m_size = 0;
  std::uint64_t m_seed = 0;
};

}  // namespace greenfetch
