// Edinburgh Speech Tools track files (the `.ema` files of MNGU0 and MOCHA-TIMIT): an ASCII
// header (`EST_File Track`, `Key Value` lines in any order, `EST_Header_End`) followed by
// binary float32 frames (time, valid flag when breaks are present, channels; `ByteOrder 01`
// little-endian, `10` big-endian, absent = host order) or ASCII lines (`time valid v0 v1 ...`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace artic {

struct EstTrack {
  std::vector<std::string> channel_names;
  std::vector<double> times;   // seconds, one per frame
  std::vector<uint8_t> valid;  // 1 = a measured frame, 0 = a break
  std::vector<float> values;   // row-major [frames, channels]

  int64_t frames() const { return static_cast<int64_t>(times.size()); }
  int64_t channels() const { return static_cast<int64_t>(channel_names.size()); }
  // Frames per second from the time stamps (median spacing); 0 with fewer than two frames.
  double frame_rate() const;
};

// Throws DataError naming `origin` and what is wrong: not a track file, a missing or bad
// NumFrames/NumChannels, an unknown ByteOrder, no EST_Header_End, a body shorter or longer than
// the header says, a malformed ASCII line.
EstTrack parse_est_track(const std::string& bytes, const std::string& origin);
EstTrack read_est_track(const std::string& path);

enum class EstEncoding { Ascii, BinaryLittleEndian, BinaryBigEndian };

// Writes a track with breaks present (one valid flag per frame), as speech-tools does;
// write_est_track writes it atomically (PATH.tmp renamed into place), a failure naming the cause
// ("No space left on device").
std::string format_est_track(const EstTrack& track, EstEncoding encoding);
void write_est_track(const std::string& path, const EstTrack& track, EstEncoding encoding);

}  // namespace artic
