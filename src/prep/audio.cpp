#include "prep/audio.h"

#include <samplerate.h>
#include <sndfile.h>

#include <cmath>

#include "core/error.h"

namespace artic {

Audio read_audio(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f == nullptr) {
    throw DataError(path + ": cannot read audio (" + sf_strerror(nullptr) + ")");
  }
  std::vector<float> interleaved(static_cast<size_t>(info.frames * info.channels));
  const sf_count_t got = sf_readf_float(f, interleaved.data(), info.frames);
  sf_close(f);
  if (got <= 0) throw DataError(path + ": the audio file holds no samples");
  Audio a;
  a.sample_rate = info.samplerate;
  a.samples.resize(static_cast<size_t>(got));
  for (sf_count_t i = 0; i < got; ++i) {
    double sum = 0;
    for (int c = 0; c < info.channels; ++c)
      sum += interleaved[static_cast<size_t>(i * info.channels + c)];
    a.samples[static_cast<size_t>(i)] = static_cast<float>(sum / info.channels);
  }
  return a;
}

Audio resample(const Audio& audio, int sample_rate) {
  if (audio.sample_rate == sample_rate) return audio;
  const double ratio = static_cast<double>(sample_rate) / audio.sample_rate;
  Audio out;
  out.sample_rate = sample_rate;
  out.samples.resize(static_cast<size_t>(std::ceil(audio.samples.size() * ratio)) + 16);
  SRC_DATA d{};
  d.data_in = audio.samples.data();
  d.input_frames = static_cast<long>(audio.samples.size());
  d.data_out = out.samples.data();
  d.output_frames = static_cast<long>(out.samples.size());
  d.src_ratio = ratio;
  const int rc = src_simple(&d, SRC_SINC_BEST_QUALITY, 1);
  if (rc != 0) throw DataError(std::string("resampling failed: ") + src_strerror(rc));
  out.samples.resize(static_cast<size_t>(d.output_frames_gen));
  return out;
}

}  // namespace artic
