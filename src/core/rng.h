// The one source of random numbers: engines whose output is identical on every compiler and
// standard library (std::shuffle and std::*_distribution are not), and the mappings from their
// bits to numbers, written once. Sampler plans and synthetic corpora depend on every bit of
// these streams; tests/unit/rng_test.cpp pins them.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

namespace artic {

constexpr uint64_t kSplitMixGamma = 0x9E3779B97F4A7C15ull;

// The splitmix64 output function applied to x + gamma: a bijective 64-bit mix.
inline uint64_t splitmix64(uint64_t x) {
  x += kSplitMixGamma;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// splitmix64 of a counter: any stream can be keyed cheaply (the sampler, splits, dropout seeds).
struct CounterEngine {
  explicit CounterEngine(uint64_t seed) : state(splitmix64(seed)) {}
  uint64_t next() { return splitmix64(state++); }
  uint64_t state;
};

// xoshiro256** seeded with the splitmix64 sequence from the seed (the synthetic corpus).
struct Xoshiro256Engine {
  explicit Xoshiro256Engine(uint64_t seed) {
    for (auto& word : s) {
      word = splitmix64(seed);
      seed += kSplitMixGamma;
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s;
};

// The mappings from an engine's bits to numbers, the same for every engine.
template <typename Engine>
class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  // A stream keyed by several values, e.g. Rng::keyed({seed, epoch, bucket}).
  static Random keyed(std::initializer_list<uint64_t> keys) {
    uint64_t h = 0x243F6A8885A308D3ull;
    for (uint64_t k : keys) h = splitmix64(h ^ k);
    return Random(h);
  }

  uint64_t next() { return engine_.next(); }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Uniform in [0, n) without modulo bias.
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = next();
    while (x >= limit);
    return x % n;
  }
  // The top 31 bits modulo n: one draw, biased by under n / 2^31. Only for the synthetic
  // corpus, whose phone sequences were drawn this way; new code uses below().
  int below_biased(int n) { return static_cast<int>((next() >> 33) % static_cast<uint64_t>(n)); }

  // Index i with probability weights[i] / sum(weights).
  int pick_weighted(const std::vector<double>& weights) {
    double total = 0.0;
    for (double w : weights) total += w;
    double r = uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      r -= weights[i];
      if (r < 0.0) return static_cast<int>(i);
    }
    return static_cast<int>(weights.size()) - 1;
  }

  // Standard normal by Box-Muller; the second value of each pair is kept for the next call.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    constexpr double kPi = 3.14159265358979323846;
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * kPi * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * kPi * u2);
  }

  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  Engine engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

using Rng = Random<CounterEngine>;
using XoshiroRng = Random<Xoshiro256Engine>;

}  // namespace artic
