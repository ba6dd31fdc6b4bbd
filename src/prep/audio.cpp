#include "prep/audio.h"

#include <samplerate.h>
#include <sndfile.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "core/error.h"

namespace artic {
namespace {

// The line of libsndfile's log about the data chunk (WAV, AIFF), e.g. "data : 47360".
std::string data_chunk_line(const std::string& log) {
  const size_t start = log.find("\ndata");
  if (start == std::string::npos) return {};
  const size_t end = log.find('\n', start + 1);
  return log.substr(start + 1, end == std::string::npos ? end : end - start - 1);
}

}  // namespace

Audio read_audio(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f == nullptr) {
    throw DataError(path + ": cannot read audio (" + sf_strerror(nullptr) + ")");
  }
  // libsndfile reads what a truncated file holds and notes, in its log, the header's claim
  // ("data : 47360 (should be 640)"): a recording cut short is an error, not a shorter one.
  std::string log(4096, '\0');
  sf_command(f, SFC_GET_LOG_INFO, log.data(), static_cast<int>(log.size()));
  log.resize(std::strlen(log.c_str()));
  std::vector<float> interleaved(static_cast<size_t>(info.frames * info.channels));
  const sf_count_t got = sf_readf_float(f, interleaved.data(), info.frames);
  sf_close(f);
  if (got <= 0) throw DataError(path + ": the audio file holds no samples");
  const std::string data_line = data_chunk_line(log);
  if (got < info.frames || data_line.find("(should be ") != std::string::npos) {
    throw DataError(path + ": truncated: its header claims more than the file holds (" +
                    (data_line.empty() ? std::to_string(info.frames) + " frames" : data_line) +
                    "; " + std::to_string(got) + " samples at " + std::to_string(info.samplerate) +
                    " Hz remain); copy or export the recording again");
  }
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

int64_t write_wav_pcm16(const std::string& path, const Audio& audio) {
  std::vector<int16_t> pcm(audio.samples.size());
  int64_t clipped = 0;
  for (size_t i = 0; i < pcm.size(); ++i) {
    const double x = audio.samples[i];
    if (!(std::abs(x) <= 1.0)) ++clipped;
    const double v = std::isnan(x) ? 0.0 : std::clamp(x, -1.0, 1.0) * 32767.0;
    pcm[i] = static_cast<int16_t>(std::lround(v));
  }
  SF_INFO info{};
  info.samplerate = audio.sample_rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (f == nullptr) {
    throw DataError(path + ": cannot write audio (" + sf_strerror(nullptr) + ")");
  }
  errno = 0;
  const sf_count_t wrote = sf_write_short(f, pcm.data(), static_cast<sf_count_t>(pcm.size()));
  const int cause = errno;
  const int closed = sf_close(f);
  if (wrote != static_cast<sf_count_t>(pcm.size()) || closed != 0) {
    throw DataError(path + ": writing the audio failed (" +
                    (cause != 0 ? std::string(std::strerror(cause)) : "disk full?") + ")");
  }
  return clipped;
}

}  // namespace artic
