#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "core/schema.h"
#include "prep/corpus_import.h"
#include "synth/corpus_files.h"
#include "synth/synth.h"

namespace artic::cli {
namespace {

struct SynthArgs {
  std::string out;
  std::string out_dir;
  std::string config;
  int threads = 0;
  bool force = false;
  bool print_config = false;
  // Per schema key: the flag's option and the text it was given (read only when given).
  std::map<std::string, CLI::Option*> flags;
  std::map<std::string, std::string> texts;
};

// The defaults, then the --config file, then the flags given; checked as a whole.
SynthOptions resolve_options(const SynthArgs& args) {
  SynthOptions options = args.config.empty() ? SynthOptions{} : load_synth_options(args.config);
  const schema::Schema keys = synth_schema(options);
  for (const schema::Field& f : keys.fields()) {
    if (args.flags.at(f.key)->count() > 0) {
      schema::assign_text(f, args.texts.at(f.key), synth_flag(f.key));
    }
  }
  validate(options);
  return options;
}

void show_progress(int64_t done, int64_t total) {
  if (done == total || done % 50 == 0) {
    std::fprintf(stderr, "\rspoken %lld / %lld utterances", static_cast<long long>(done),
                 static_cast<long long>(total));
    if (done == total) std::fprintf(stderr, "\n");
  }
}

void run_synth(const SynthArgs& args) {
  namespace fs = std::filesystem;
  const SynthOptions options = resolve_options(args);
  if (args.print_config) {
    std::printf("%s", synth_options_to_toml(options, true).c_str());
    return;
  }
  if (args.out.empty() && args.out_dir.empty()) {
    throw UserError(
        "artic synth needs --out-dir DIR (the recordings and tracks), --out FILE.h5 (the corpus "
        "imported with configs/prep_synth.toml), or both; --print-config shows the options");
  }
  if (!args.out.empty() && fs::is_directory(args.out)) {
    throw UserError(args.out + " is a folder; --out names the corpus file (e.g. " + args.out +
                    ".h5)");
  }
  if (!args.out.empty() && fs::exists(args.out) && !args.force) {
    throw UserError(args.out + " already exists; pass --force to overwrite it");
  }
  if (!args.out_dir.empty()) {
    const SynthFilesReport r =
        write_synth_files(args.out_dir, options, args.threads, args.force, show_progress);
    std::printf(
        "wrote %s: %lld utterances (%.2f h) as wav/ID.wav (%d Hz) and ema/ID.ema (EST, %d "
        "Hz, cm), train/valid/test.list, synth.toml\n",
        args.out_dir.c_str(), static_cast<long long>(r.utterances), r.seconds / 3600.0,
        kSynthAudioRateHz, kSynthEmaRateHz);
    if (r.clipped_samples > 0) {
      std::fprintf(stderr, "warning: %lld samples clipped at full scale\n",
                   static_cast<long long>(r.clipped_samples));
    }
    if (args.out.empty()) return;
    const PrepReport report =
        import_corpus(synth_prep_config(args.out_dir, args.out), args.threads, {},
                      "artic prep of " + args.out_dir + " made by " + synth_command(options));
    std::printf("%s", format_prep_report(report).c_str());
    return;
  }
  const PrepReport report = write_synth_corpus(args.out, options, args.threads, show_progress);
  std::printf("%s", format_prep_report(report).c_str());
}

}  // namespace

void add_synth_command(CLI::App& app) {
  auto args = std::make_shared<SynthArgs>();
  auto* cmd =
      app.add_subcommand("synth",
                         "Write the built-in synthetic articulatory corpus: recordings and EMA "
                         "tracks (--out-dir), and/or the HDF5 corpus prep makes of them (--out)");
  cmd->add_option("--out-dir", args->out_dir,
                  "folder for wav/ID.wav, ema/ID.ema, the split lists and synth.toml");
  cmd->add_option("--out,-o", args->out,
                  "HDF5 corpus file, imported with configs/prep_synth.toml (compiled in)");
  cmd->add_option("--config,-c", args->config,
                  "TOML file with a [synth] table of the options below (flags override it)");
  SynthOptions defaults;
  const schema::Schema keys = synth_schema(defaults);
  for (const schema::Field& f : keys.fields()) {
    const std::string help =
        f.help + " (" + schema::range_text(f) + "; default " + schema::value_text(f) + ")";
    args->flags[f.key] = cmd->add_option(synth_flag(f.key), args->texts[f.key], help)
                             ->type_name(f.type == schema::Type::Float ? "FLOAT" : "INT");
  }
  cmd->add_option("--threads,-j", args->threads, "utterances spoken in parallel (0 = every core)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--force", args->force, "replace an existing file or folder");
  cmd->add_flag("--print-config", args->print_config,
                "print the resolved options as TOML (what --config reads) and exit");
  cmd->callback([args] { run_synth(*args); });
}

}  // namespace artic::cli
