#include "synth/synth.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/error.h"
#include "synth/acoustics.h"
#include "synth/articulation.h"
#include "synth/frames.h"
#include "synth/plan.h"
#include "synth/speaker.h"
#include "synth/streams.h"
#include "synth/waveform.h"

// The corpus driver: speakers, lengths and splits, then each utterance spoken from its own
// streams.
namespace artic::synth {
namespace {

// The RNG's seed: the option is a non-negative int64 (a TOML integer), the same bits.
uint64_t seed_of(const SynthOptions& o) {
  return static_cast<uint64_t>(o.seed);
}

int64_t draw_frames(const SynthOptions& o, uint64_t index) {
  XoshiroRng rng = stream_rng(seed_of(o), kLengthStream, index);
  const double mu = std::log(o.mean_length_s) - 0.5 * o.length_sigma * o.length_sigma;
  const double seconds =
      std::clamp(std::exp(mu + o.length_sigma * rng.normal()), o.min_length_s, o.max_length_s);
  return std::max<int64_t>(1, std::llround(seconds * kSynthLengthRateHz));
}

std::vector<int> draw_splits(const SynthOptions& o) {
  const int n = o.num_utterances;
  std::vector<int> split(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double u = stream_rng(seed_of(o), kSplitStream, static_cast<uint64_t>(i)).uniform();
    split[i] = u < o.test_fraction ? 2 : u < o.test_fraction + o.valid_fraction ? 1 : 0;
  }
  if (n < 3) return split;
  const double wanted[3] = {1.0, o.valid_fraction, o.test_fraction};
  for (int target = 0; target < 3; ++target) {
    if (wanted[target] <= 0.0) continue;
    int count[3] = {0, 0, 0};
    for (int s : split) ++count[s];
    if (count[target] > 0) continue;
    const int donor = static_cast<int>(std::max_element(count, count + 3) - count);
    for (int i = n - 1; i >= 0; --i) {
      if (split[i] == donor) {
        split[i] = target;
        break;
      }
    }
  }
  return split;
}

// The positive control (SynthOptions::long_range_mm): an offset of every EMA y channel, the same
// over the whole utterance, and a tone over the leading pause whose pitch encodes it (100-900 Hz
// for -2..2 sds; 10 ms fades), at half the recording's RMS. Nothing else in the recording carries
// it, so only a model that sees the utterance's first frames can know it.
void add_long_range_setting(const SynthOptions& o, uint64_t index, double pause_end_s,
                            SpokenUtterance& out) {
  XoshiroRng rng = stream_rng(seed_of(o), kLongRangeStream, index);
  const double z = std::clamp(rng.normal(), -2.0, 2.0);
  const auto offset = static_cast<float>(o.long_range_mm * z);
  for (size_t k = 1; k < out.ema.size(); k += 2) out.ema[k] += offset;
  double energy = 0;
  for (float x : out.audio) energy += static_cast<double>(x) * x;
  const double amplitude = 0.5 * std::sqrt(energy / std::max<size_t>(1, out.audio.size()));
  const double hz = 500.0 + 200.0 * z;
  const auto samples =
      std::min(out.audio.size(), static_cast<size_t>(pause_end_s * kSynthAudioRateHz));
  const double fade = 0.01 * kSynthAudioRateHz;
  for (size_t n = 0; n < samples; ++n) {
    const double t = static_cast<double>(n) / kSynthAudioRateHz;
    const double edge =
        std::min({1.0, static_cast<double>(n) / fade, static_cast<double>(samples - n) / fade});
    out.audio[n] += static_cast<float>(amplitude * edge * std::sin(2 * M_PI * hz * t));
  }
}

}  // namespace
}  // namespace artic::synth

namespace artic {
namespace {

std::string format_name(const char* pattern, int value) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), pattern, value);
  return buf;
}

}  // namespace

std::vector<SynthUtterance> synth_utterances(const SynthOptions& options) {
  validate(options);
  const SynthOptions& o = options;
  const std::vector<int> split = synth::draw_splits(o);
  const char* const kSplitNames[3] = {"train", "valid", "test"};
  std::vector<std::string> speakers;
  for (int s = 0; s < o.num_speakers; ++s) {
    speakers.push_back(synth::make_speaker(synth::seed_of(o), s).id);
  }
  std::vector<SynthUtterance> out;
  out.reserve(static_cast<size_t>(o.num_utterances));
  for (int i = 0; i < o.num_utterances; ++i) {
    SynthUtterance u;
    u.speaker = speakers[static_cast<size_t>(i % o.num_speakers)];
    u.id = u.speaker + format_name("_%04d", i / o.num_speakers + 1);
    u.split = kSplitNames[split[static_cast<size_t>(i)]];
    u.frames = synth::draw_frames(o, static_cast<uint64_t>(i));
    out.push_back(u);
  }
  return out;
}

SpokenUtterance speak_utterance(const SynthOptions& options, int index) {
  validate(options);
  const SynthOptions& o = options;
  if (index < 0 || index >= o.num_utterances) {
    throw UserError("synth: utterance index " + std::to_string(index) + " is outside [0, " +
                    std::to_string(o.num_utterances) + ")");
  }
  const auto i = static_cast<uint64_t>(index);
  const synth::Speaker speaker = synth::make_speaker(synth::seed_of(o), index % o.num_speakers);
  const int64_t length = synth::draw_frames(o, i);
  const int64_t ema_frames = length * (kSynthEmaRateHz / kSynthLengthRateHz);
  XoshiroRng plan_rng = synth::stream_rng(synth::seed_of(o), synth::kPlanStream, i);
  const std::vector<synth::Segment> segs =
      synth::plan_utterance(static_cast<double>(length) / kSynthLengthRateHz, speaker, plan_rng);
  const synth::UtteranceAcoustics ua = synth::make_utterance_acoustics(plan_rng, o.snr_db);
  const synth::UtteranceFrames frames =
      synth::utterance_frames(segs, speaker, ua, ema_frames, kSynthEmaRateHz);

  SpokenUtterance out;
  XoshiroRng noise = synth::stream_rng(synth::seed_of(o), synth::kNoiseStream, i);
  out.ema.assign(static_cast<size_t>(ema_frames * synth::kNumChannels), 0.0f);
  for (int64_t n = 0; n < ema_frames; ++n) {
    synth::write_targets(frames.physical[static_cast<size_t>(n)], speaker, o.ema_noise_mm, noise,
                         out.ema.data() + n * synth::kNumChannels);
  }
  XoshiroRng rng = synth::stream_rng(synth::seed_of(o), synth::kWaveformStream, i);
  out.audio = synth::render_waveform(frames, speaker, ua, kSynthEmaRateHz, kSynthAudioRateHz, rng);
  if (o.long_range_mm > 0) synth::add_long_range_setting(o, i, segs.front().end, out);
  return out;
}

std::vector<std::string> synth_channel_names() {
  return {synth::kChannelNames, synth::kChannelNames + synth::kNumChannels};
}

}  // namespace artic
