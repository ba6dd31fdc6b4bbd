// A small counter-based random generator whose output is identical on every compiler and
// standard library (std::shuffle and std::*_distribution are not), for reproducible plans.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

namespace artic {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(splitmix64(seed)) {}
  // A stream keyed by several values, e.g. Rng::keyed({seed, epoch, bucket}).
  static Rng keyed(std::initializer_list<uint64_t> keys) {
    uint64_t h = 0x243F6A8885A308D3ull;
    for (uint64_t k : keys) h = splitmix64(h ^ k);
    return Rng(h);
  }
  uint64_t next() { return splitmix64(state_++); }
  // Uniform in [0, n) without modulo bias.
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = next();
    while (x >= limit);
    return x % n;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  uint64_t state_;
};

}  // namespace artic
