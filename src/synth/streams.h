// Every random draw of the synthetic corpus comes from a generator keyed by (seed, stream,
// index), so an utterance or speaker never depends on how many others were drawn before it.
#pragma once

#include <cstdint>

#include "core/rng.h"

namespace artic::synth {

enum Stream : uint64_t {
  kLengthStream = 1,
  kSplitStream,
  kPlanStream,
  kNoiseStream,
  kSpeakerStream,
  kWaveformStream,
  kLongRangeStream
};

inline XoshiroRng stream_rng(uint64_t seed, Stream stream, uint64_t index) {
  const uint64_t h = splitmix64(splitmix64(seed) ^ (stream * 0xD1B54A32D192ED03ULL));
  return XoshiroRng(splitmix64(h ^ (index * 0x8CB92BA72F3D8DD7ULL)));
}

}  // namespace artic::synth
