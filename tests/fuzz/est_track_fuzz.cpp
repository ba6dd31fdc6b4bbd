// EST track reader (parse_est_track, what read_est_track runs on a file's bytes). A DataError is
// the expected refusal; a track that parses must survive format -> parse -> format unchanged.
#include <cstdlib>

#include "core/error.h"
#include "fuzz_input.h"
#include "prep/est_track.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using artic::EstEncoding;
  artic::EstTrack track;
  try {
    track = artic::parse_est_track(artic::fuzz::text_of(data, size), "fuzz.ema");
  } catch (const artic::DataError&) {
    return 0;
  }
  for (EstEncoding e : {EstEncoding::BinaryLittleEndian, EstEncoding::BinaryBigEndian}) {
    const std::string once = artic::format_est_track(track, e);
    const std::string twice =
        artic::format_est_track(artic::parse_est_track(once, "formatted.ema"), e);
    if (once != twice) std::abort();
  }
  artic::format_est_track(track, EstEncoding::Ascii);
  track.frame_rate();
  return 0;
}
