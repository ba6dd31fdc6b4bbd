#include "synth/frames.h"

#include <algorithm>
#include <cmath>

namespace artic::synth {

UtteranceFrames utterance_frames(const std::vector<Segment>& segs, const Speaker& speaker,
                                 const UtteranceAcoustics& ua, int64_t frames, double fps) {
  const auto motor = motor_trajectory(segs, frames, fps);
  const auto source = source_trajectory(segs, frames, fps);
  UtteranceFrames out;
  out.physical.reserve(static_cast<size_t>(frames));
  out.filter.reserve(static_cast<size_t>(frames));
  out.source.reserve(static_cast<size_t>(frames));
  const double pressure_step = 1.0 - std::exp(-1.0 / (fps * 0.03));
  double pressure = 0.0;
  for (int64_t n = 0; n < frames; ++n) {
    const Physical p = physical(motor[n]);
    const Filter filter = make_filter(p, speaker);
    const auto& s = source[n];
    const double t = frame_time(n, fps);
    const double flow = std::clamp(s[kFlow], 0.0, 1.2);
    const double gain = std::max(s[kGain], 0.0);
    const double effort = effort_at(ua, t);
    pressure += pressure_step * (flow * filter.closed * (1.0 - filter.nasal) - pressure);
    out.physical.push_back(p);
    out.filter.push_back(filter);
    out.source.push_back(FrameSource{s[kVoice], s[kAspiration], flow, gain * std::exp(effort),
                                     pressure, f0_at(ua, speaker, gain, t),
                                     speaker.tilt_hz * std::exp(0.3 * effort)});
  }
  return out;
}

}  // namespace artic::synth
