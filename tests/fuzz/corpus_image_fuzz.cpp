// Corpus reader on raw bytes taken as an HDF5 file image. Mostly fuzzes libhdf5's own file
// parser, which is not hardened against corrupt files (docs/testing.md), so it is built for
// long runs by hand but not run in ctest; corpus_fuzz is.
#include "fuzz_input.h"
#include "read_corpus_image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  artic::fuzz::read_corpus_image_both_ways(artic::fuzz::text_of(data, size));
  return 0;
}
