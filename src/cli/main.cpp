#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/heap.h"

int main(int argc, char** argv) {
  artic::keep_freed_memory_for_reuse();
  CLI::App app{"artic: train transformers for acoustic-to-articulatory inversion", "artic"};
  app.set_version_flag("--version", std::string("artic ") + ARTIC_VERSION);
  app.require_subcommand(1);
  artic::cli::add_synth_command(app);
  artic::cli::add_prep_command(app);
  artic::cli::add_corpus_command(app);
  artic::cli::add_config_command(app);
  artic::cli::add_train_command(app);
  artic::cli::add_eval_command(app);
  artic::cli::add_invert_command(app);
  artic::cli::add_compare_command(app);
  artic::cli::add_sweep_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const artic::ExitRequest& e) {
    return e.code;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "artic: error: %s (run 'artic --help' for usage)\n", e.what());
    return artic::kExitUser;
  } catch (const artic::UserError& e) {
    std::fprintf(stderr, "artic: error: %s\n", e.what());
    return artic::kExitUser;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "artic: internal error: %s\n", e.what());
    return artic::kExitInternal;
  }
  // Output to a full disk or a closed pipe is an error, not a silent success.
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    std::fprintf(stderr, "artic: error: cannot write to standard output (%s)\n",
                 std::strerror(errno));
    return artic::kExitUser;
  }
  return artic::kExitOk;
}
