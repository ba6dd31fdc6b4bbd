#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "core/schema.h"
#include "data/corpus.h"
#include "synth/synth.h"

namespace artic::cli {
namespace {

struct SynthArgs {
  std::string out;
  std::string config;
  int gzip = 0;
  bool force = false;
  bool print_config = false;
  // Per schema key: the flag's option and the text it was given (read only when given).
  std::map<std::string, CLI::Option*> flags;
  std::map<std::string, std::string> texts;
};

// "--mean-length" for the key "mean_length".
std::string flag_name(const std::string& key) {
  std::string flag = "--" + key;
  for (char& c : flag) c = c == '_' ? '-' : c;
  return flag;
}

// The defaults, then the --config file, then the flags given; checked as a whole.
SynthOptions resolve_options(const SynthArgs& args) {
  SynthOptions options = args.config.empty() ? SynthOptions{} : load_synth_options(args.config);
  const schema::Schema keys = synth_schema(options);
  for (const schema::Field& f : keys.fields()) {
    if (args.flags.at(f.key)->count() > 0) {
      schema::assign_text(f, args.texts.at(f.key), flag_name(f.key));
    }
  }
  validate(options);
  return options;
}

void run_synth(const SynthArgs& args) {
  namespace fs = std::filesystem;
  const SynthOptions options = resolve_options(args);
  if (args.print_config) {
    std::printf("%s", synth_options_to_toml(options, true).c_str());
    return;
  }
  if (args.out.empty()) {
    throw UserError("artic synth needs --out FILE.h5 (or --print-config to show the options)");
  }
  if (fs::exists(args.out) && !args.force) {
    throw UserError(args.out + " already exists; pass --force to overwrite it");
  }
  const fs::path parent = fs::path(args.out).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  Corpus corpus = synthesize(options);
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
  auto* cmd =
      app.add_subcommand("synth", "Write the built-in synthetic articulatory corpus (HDF5)");
  cmd->add_option("--out,-o", args->out, "output corpus file");
  cmd->add_option("--config,-c", args->config,
                  "TOML file with a [synth] table of the options below (flags override it)");
  SynthOptions defaults;
  const schema::Schema keys = synth_schema(defaults);
  for (const schema::Field& f : keys.fields()) {
    const std::string help =
        f.help + " (" + schema::range_text(f) + "; default " + schema::value_text(f) + ")";
    args->flags[f.key] = cmd->add_option(flag_name(f.key), args->texts[f.key], help)
                             ->type_name(f.type == schema::Type::Float ? "FLOAT" : "INT");
  }
  cmd->add_option("--gzip", args->gzip, "gzip level 0-9 for the frame datasets")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  cmd->add_flag("--force", args->force, "overwrite an existing file");
  cmd->add_flag("--print-config", args->print_config,
                "print the resolved options as TOML (what --config reads) and exit");
  cmd->callback([args] { run_synth(*args); });
}

}  // namespace artic::cli
