#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "prep/corpus_import.h"
#include "prep/prep_config.h"

namespace artic::cli {
namespace {

struct PrepArgs {
  std::string config;
  std::vector<std::string> overrides;
  int threads = -1;
  bool force = false;
  bool print_config = false;
  bool list_presets = false;
};

// A bar on a terminal; otherwise a line at every tenth of the files.
void show_progress(int64_t done, int64_t total) {
  static const bool tty = isatty(fileno(stderr)) != 0;
  if (tty) {
    const int width = 40;
    const int fill = static_cast<int>(width * done / total);
    std::fprintf(stderr, "\rprep [%.*s%*s] %lld/%lld files", fill,
                 "########################################", width - fill, "",
                 static_cast<long long>(done), static_cast<long long>(total));
    if (done == total) std::fprintf(stderr, "\n");
  } else if (done == total || (done * 10 / total) != ((done - 1) * 10 / total)) {
    std::fprintf(stderr, "prep: %lld/%lld files\n", static_cast<long long>(done),
                 static_cast<long long>(total));
  }
}

void run_prep(const PrepArgs& args) {
  if (args.list_presets) {
    for (const auto& p : prep_presets()) {
      std::printf("%s: %s\n  channels:", p.name.c_str(), p.description.c_str());
      for (const auto& [src, dst] : p.channels) std::printf(" %s->%s", src.c_str(), dst.c_str());
      std::printf("\n  scale to mm: %g; split rule: %s\n", p.scale,
                  p.split_rule.empty() ? "(config's)" : p.split_rule.c_str());
    }
    return;
  }
  if (args.config.empty())
    throw UserError("artic prep needs --config PREP.toml (see docs/corpora.md)");
  const PrepConfig config = load_prep_config(args.config, args.overrides);
  if (args.print_config) {
    std::printf("%s", prep_config_to_toml(config, true).c_str());
    return;
  }
  if (std::filesystem::exists(config.output) && !args.force) {
    throw UserError(config.output + " already exists; pass --force to overwrite it");
  }
  const int threads = args.threads >= 0 ? args.threads : static_cast<int>(config.threads);
  const PrepReport report = import_corpus(config, threads, show_progress);
  std::printf("%s", format_prep_report(report).c_str());
}

}  // namespace

void add_prep_command(CLI::App& app) {
  auto args = std::make_shared<PrepArgs>();
  auto* cmd = app.add_subcommand(
      "prep",
      "Import a corpus of audio + EST articulatory tracks (MNGU0, MOCHA-TIMIT, ...) into HDF5");
  cmd->add_option("--config,-c", args->config, "prep config (TOML; docs/corpora.md)");
  cmd->add_option("--set", args->overrides, "override a key: section.key=value (repeatable)");
  cmd->add_option("--threads,-j", args->threads, "files imported in parallel (0 = every core)");
  cmd->add_flag("--force", args->force, "overwrite an existing output file");
  cmd->add_flag("--print-config", args->print_config, "print the resolved config and exit");
  cmd->add_flag("--list-presets", args->list_presets, "describe the corpus presets and exit");
  cmd->callback([args] { run_prep(*args); });
}

}  // namespace artic::cli
