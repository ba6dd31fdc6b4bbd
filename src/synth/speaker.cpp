#include "synth/speaker.h"

#include <cmath>
#include <cstdio>

#include "synth/streams.h"

namespace artic::synth {
namespace {

// Rest positions (mm): origin at the upper incisor edge, x anterior, y up.
constexpr std::array<double, kNumChannels> kRestPosition = {-10, -6, -28, 0,  -42, -2,
                                                            -1,  -4, 12,  10, 11,  -1};

}  // namespace

Speaker make_speaker(uint64_t seed, int index) {
  XoshiroRng rng = stream_rng(seed, kSpeakerStream, static_cast<uint64_t>(index));
  Speaker s;
  char id[16];
  std::snprintf(id, sizeof(id), "spk%02d", index + 1);
  s.id = id;
  s.vtl = rng.uniform(0.84, 1.16);
  s.scale = s.vtl * std::exp(0.05 * rng.normal());
  for (int c = 0; c < kNumChannels; ++c) s.rest[c] = kRestPosition[c] + 0.8 * rng.normal();
  for (int m = kJaw; m <= kLipPro; ++m) s.bias[m] = 0.4 * rng.normal();
  s.f0_hz = 160.0 * std::exp(-1.8 * (s.vtl - 1.0) + 0.08 * rng.normal());
  s.tilt_hz = rng.uniform(300.0, 600.0);
  s.breathiness = rng.uniform(0.02, 0.1);
  s.rate = std::exp(0.08 * rng.normal());
  return s;
}

}  // namespace artic::synth
