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

// The corpus driver: speakers, lengths and splits, then each utterance rendered from its own
// streams straight into the corpus arrays.
namespace artic::synth {
namespace {

// The RNG's seed: the option is a non-negative int64 (a TOML integer), the same bits.
uint64_t seed_of(const SynthOptions& o) {
  return static_cast<uint64_t>(o.seed);
}

// Writes the utterance's features and targets; returns the frames they were made from.
UtteranceFrames render_utterance(const SynthOptions& o, const Speaker& speaker, const Bands& bands,
                                 uint64_t index, int64_t frames, float* features, float* targets) {
  const double fps = o.frame_rate_hz;
  XoshiroRng plan_rng = stream_rng(seed_of(o), kPlanStream, index);
  XoshiroRng noise = stream_rng(seed_of(o), kNoiseStream, index);
  const std::vector<Segment> segs =
      plan_utterance(static_cast<double>(frames) / fps, speaker, plan_rng);
  const UtteranceAcoustics ua = make_utterance_acoustics(plan_rng, o.snr_db, bands);
  const UtteranceFrames uf = utterance_frames(segs, speaker, ua, frames, fps);

  const size_t nb = bands.hz.size();
  std::vector<double> harmonic(nb), noisy(nb);
  for (int64_t n = 0; n < frames; ++n) {
    spectrum(uf.physical[n], uf.filter[n], uf.source[n], speaker, bands, harmonic.data(),
             noisy.data());
    write_features(ua, bands, harmonic.data(), noisy.data(), o.acoustic_noise, noise,
                   features + n * static_cast<int64_t>(nb));
    write_targets(uf.physical[n], speaker, o.ema_noise_mm, noise, targets + n * kNumChannels);
  }
  return uf;
}

int64_t draw_frames(const SynthOptions& o, uint64_t index) {
  XoshiroRng rng = stream_rng(seed_of(o), kLengthStream, index);
  const double mu = std::log(o.mean_length_s) - 0.5 * o.length_sigma * o.length_sigma;
  const double seconds =
      std::clamp(std::exp(mu + o.length_sigma * rng.normal()), o.min_length_s, o.max_length_s);
  return std::max<int64_t>(1, std::llround(seconds * o.frame_rate_hz));
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

Corpus synthesize(const SynthOptions& options) {
  validate(options);
  const SynthOptions& o = options;
  Corpus corpus;
  corpus.meta.frame_rate_hz = o.frame_rate_hz;
  corpus.meta.feature_kind = "synthetic-logmel";
  corpus.meta.source = "artic synth seed=" + std::to_string(o.seed);
  corpus.meta.recipe = synth_options_to_toml(o);
  for (int b = 0; b < o.num_features; ++b) {
    corpus.meta.feature_names.push_back(format_name("mel_%02d", b));
  }
  corpus.meta.articulator_names.assign(synth::kChannelNames,
                                       synth::kChannelNames + synth::kNumChannels);

  std::vector<synth::Speaker> speakers;
  for (int s = 0; s < o.num_speakers; ++s)
    speakers.push_back(synth::make_speaker(synth::seed_of(o), s));
  const std::vector<int> split = synth::draw_splits(o);
  const char* const kSplitNames[3] = {"train", "valid", "test"};
  int64_t total = 0;
  for (int i = 0; i < o.num_utterances; ++i) {
    UtteranceInfo u;
    const synth::Speaker& spk = speakers[static_cast<size_t>(i % o.num_speakers)];
    u.id = spk.id + format_name("_%04d", i / o.num_speakers + 1);
    u.speaker = spk.id;
    u.split = kSplitNames[split[i]];
    u.offset = total;
    u.length = synth::draw_frames(o, static_cast<uint64_t>(i));
    total += u.length;
    corpus.utterances.push_back(u);
  }
  corpus.features.assign(static_cast<size_t>(total * o.num_features), 0.0f);
  corpus.targets.assign(static_cast<size_t>(total * synth::kNumChannels), 0.0f);
  const synth::Bands bands = synth::make_bands(o.num_features);
  for (size_t i = 0; i < corpus.utterances.size(); ++i) {
    const UtteranceInfo& u = corpus.utterances[i];
    synth::render_utterance(o, speakers[i % speakers.size()], bands, i, u.length,
                            corpus.features.data() + u.offset * o.num_features,
                            corpus.targets.data() + u.offset * synth::kNumChannels);
  }
  return corpus;
}

SpokenUtterance speak_utterance(const SynthOptions& options, int index, double sample_rate_hz) {
  validate(options);
  const SynthOptions& o = options;
  if (index < 0 || index >= o.num_utterances) {
    throw UserError("synth: utterance index " + std::to_string(index) + " is outside [0, " +
                    std::to_string(o.num_utterances) + ")");
  }
  if (!(sample_rate_hz >= 8000.0 && sample_rate_hz <= 192000.0)) {
    throw UserError("synth: the audio sample rate must be in [8000, 192000] Hz, got " +
                    std::to_string(sample_rate_hz));
  }
  const auto i = static_cast<uint64_t>(index);
  const synth::Speaker speaker = synth::make_speaker(synth::seed_of(o), index % o.num_speakers);
  SpokenUtterance out;
  out.id = speaker.id + format_name("_%04d", index / o.num_speakers + 1);
  out.speaker = speaker.id;
  out.frames = synth::draw_frames(o, i);
  out.ema.assign(static_cast<size_t>(out.frames * synth::kNumChannels), 0.0f);
  std::vector<float> features(static_cast<size_t>(out.frames * o.num_features));
  const synth::UtteranceFrames frames =
      synth::render_utterance(o, speaker, synth::make_bands(o.num_features), i, out.frames,
                              features.data(), out.ema.data());
  XoshiroRng rng = synth::stream_rng(synth::seed_of(o), synth::kWaveformStream, i);
  out.sample_rate_hz = sample_rate_hz;
  out.audio = synth::render_waveform(frames, speaker, o.frame_rate_hz, sample_rate_hz, rng);
  return out;
}

}  // namespace artic
