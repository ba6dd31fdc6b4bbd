// The per-frame state of an utterance as the corpus renders it: the physical tract, its filter
// and the source, at the articulation rate (the EMA tracks' 200 Hz). The tracks and the waveform
// are both made from it.
#pragma once

#include <cstdint>
#include <vector>

#include "synth/acoustics.h"
#include "synth/articulation.h"
#include "synth/plan.h"
#include "synth/speaker.h"

namespace artic::synth {

struct UtteranceFrames {
  std::vector<Physical> physical;
  std::vector<Filter> filter;
  std::vector<FrameSource> source;
};

// `frames` frames at `fps` of the plan `segs` spoken by `speaker` under the prosody of `ua`.
UtteranceFrames utterance_frames(const std::vector<Segment>& segs, const Speaker& speaker,
                                 const UtteranceAcoustics& ua, int64_t frames, double fps);

}  // namespace artic::synth
