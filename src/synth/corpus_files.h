// The built-in corpus on disk, laid out as a real corpus is (docs/synthetic-corpus.md):
// DIR/wav/ID.wav (16 kHz 16-bit PCM), DIR/ema/ID.ema (EST binary, 200 Hz, MNGU0's channel names,
// in cm), DIR/{train,valid,test}.list and DIR/synth.toml (the options). `artic prep` imports it
// with configs/prep_synth.toml, which is compiled in for write_synth_corpus().
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "prep/corpus_import.h"
#include "prep/prep_config.h"
#include "synth/synth_options.h"

namespace artic {

struct SynthFilesReport {
  int64_t utterances = 0;
  double seconds = 0;           // of audio
  int64_t clipped_samples = 0;  // beyond [-1, 1] in the WAVs (0 unless the levels are wrong)
};

using SynthProgress = std::function<void(int64_t done, int64_t total)>;

// Writes the corpus `options` describe into `dir`, built in a sibling folder and renamed into
// place when whole, so `dir` never holds half a corpus. Throws UserError when `dir` exists and
// !replace. `threads` <= 0 means every core; the files do not depend on it.
SynthFilesReport write_synth_files(const std::string& dir, const SynthOptions& options, int threads,
                                   bool replace, const SynthProgress& progress = {});

// configs/prep_synth.toml as compiled in, reading the corpus in `dir` and writing `output`.
PrepConfig synth_prep_config(const std::string& dir, const std::string& output);

// "artic synth --seed 1 --utterances 500 ...": the command that makes these options' corpus.
std::string synth_command(const SynthOptions& options);

// The built-in corpus as HDF5: write_synth_files into a folder beside `output`, `artic prep` of it
// with synth_prep_config, the folder removed. meta.source is synth_command(options).
PrepReport write_synth_corpus(const std::string& output, const SynthOptions& options, int threads,
                              const SynthProgress& progress = {});

}  // namespace artic
