#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "core/error.h"
#include "data/corpus.h"
#include "synth/synth.h"

namespace artic::cli {
namespace {

struct SynthArgs {
  SynthOptions options;
  std::string out;
  int gzip = 0;
  bool force = false;
};

void run_synth(const SynthArgs& args) {
  namespace fs = std::filesystem;
  if (fs::exists(args.out) && !args.force) {
    throw UserError(args.out + " already exists; pass --force to overwrite it");
  }
  const fs::path parent = fs::path(args.out).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  Corpus corpus = synthesize(args.options);
  corpus.meta.created_by = std::string("artic ") + ARTIC_VERSION + " synth";
  CorpusWriteOptions write;
  write.gzip_level = args.gzip;
  write_corpus(args.out, corpus, write);
  std::printf("wrote %s: %zu utterances, %lld frames (%.2f h), %lld features, %lld articulators\n",
              args.out.c_str(), corpus.utterances.size(),
              static_cast<long long>(corpus.total_frames()),
              static_cast<double>(corpus.total_frames()) / corpus.meta.frame_rate_hz / 3600.0,
              static_cast<long long>(corpus.num_features()),
              static_cast<long long>(corpus.num_articulators()));
}

}  // namespace

void add_synth_command(CLI::App& app) {
  auto args = std::make_shared<SynthArgs>();
  auto& o = args->options;
  auto* cmd =
      app.add_subcommand("synth", "Write the built-in synthetic articulatory corpus (HDF5)");
  cmd->add_option("--out,-o", args->out, "output corpus file")->required();
  cmd->add_option("--seed", o.seed, "random seed (same seed, same corpus)")->capture_default_str();
  cmd->add_option("--utterances", o.num_utterances, "number of utterances")->capture_default_str();
  cmd->add_option("--speakers", o.num_speakers, "number of speakers")->capture_default_str();
  cmd->add_option("--features", o.num_features, "acoustic feature channels (40..80)")
      ->capture_default_str();
  cmd->add_option("--mean-length", o.mean_length_s, "mean utterance length in seconds")
      ->capture_default_str();
  cmd->add_option("--length-sigma", o.length_sigma, "lognormal shape of lengths")
      ->capture_default_str();
  cmd->add_option("--max-length", o.max_length_s, "longest utterance in seconds")
      ->capture_default_str();
  cmd->add_option("--valid-fraction", o.valid_fraction, "share of utterances in valid")
      ->capture_default_str();
  cmd->add_option("--test-fraction", o.test_fraction, "share of utterances in test")
      ->capture_default_str();
  cmd->add_option("--gzip", args->gzip, "gzip level 0-9 for the frame datasets")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  cmd->add_flag("--force", args->force, "overwrite an existing file");
  cmd->callback([args] { run_synth(*args); });
}

}  // namespace artic::cli
