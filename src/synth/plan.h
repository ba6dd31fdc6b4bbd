// An utterance plan: the timed sequence of phone segments a speaker produces, each with its
// (jittered) motor targets, their dominance and the source settings.
#pragma once

#include <vector>

#include "core/rng.h"
#include "synth/phones.h"
#include "synth/speaker.h"

namespace artic::synth {

struct Segment {
  double start = 0.0;
  double end = 0.0;
  MotorVec target{};
  MotorVec strength{};
  SourceVec source{};
};

// A leading pause, phrases of 2..11 syllables separated by pauses while they fit in `length_s`,
// and a final pause running past the end.
std::vector<Segment> plan_utterance(double length_s, const Speaker& speaker, XoshiroRng& rng);

}  // namespace artic::synth
