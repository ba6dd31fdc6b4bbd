// The options of the built-in synthetic corpus (docs/synthetic-corpus.md), declared once on the
// core schema engine (core/schema.h): one [synth] section whose keys are `artic synth`'s flags
// with '_' for '-'. The schema carries each key's range and help; it reads a TOML file, sets
// values from flags, and prints the options as TOML, the text recorded in the corpus it makes.
#pragma once

#include <cstdint>
#include <string>

namespace artic {

namespace schema {
class Schema;
}

struct SynthOptions {
  int64_t seed = 1;
  int num_utterances = 500;
  int num_speakers = 4;
  double mean_length_s = 6.0;  // mean utterance length
  double length_sigma = 0.5;   // lognormal shape; gives a tail to 20+ s
  double min_length_s = 1.0;
  double max_length_s = 30.0;
  double valid_fraction = 0.1;
  double test_fraction = 0.1;
  double snr_db = 30.0;       // a typical vowel's RMS over the background noise's, in dB
  double ema_noise_mm = 0.1;  // std of Gaussian sensor noise on every EMA coordinate
  // The positive control of long-range context (docs/synthetic-corpus.md; 0 = off): the std of an
  // utterance-level offset of every EMA y channel, which the recording announces only in its
  // leading pause (a tone whose pitch encodes it).
  double long_range_mm = 0.0;
};

// The fields of `options` (they point into it), all in section "synth".
schema::Schema synth_schema(SynthOptions& options);

// Throws UserError naming the first bad option: a key out of its schema range
// ("synth: synth.ema_noise_mm must be in [0.0, 10.0], got 11.0"), then the checks between keys.
void validate(const SynthOptions& options);

// The defaults overridden by the [synth] table of a TOML document; ConfigError names the file,
// line and key. Each key is checked against its range; validate() checks the keys together.
SynthOptions parse_synth_options(const std::string& toml_text, const std::string& origin);
SynthOptions load_synth_options(const std::string& path);

// The options as a [synth] table that parse_synth_options reads back to the same values;
// with_help adds a comment line per key.
std::string synth_options_to_toml(const SynthOptions& options, bool with_help = false);

// `artic synth`'s flag for a key: "--mean-length" for "mean_length".
std::string synth_flag(const std::string& key);
// The options as the flags that give them: "--seed 1 --utterances 500 ...".
std::string synth_options_to_flags(const SynthOptions& options);

}  // namespace artic
