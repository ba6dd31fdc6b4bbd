#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "core/error.h"
#include "core/sweep.h"
#include "train/config.h"

extern char** environ;

namespace artic::cli {
namespace {

struct SweepShowArgs {
  std::string sweep, config, variant, print = "table";
};

namespace fs = std::filesystem;

// The sweep file, or one sentence for a training config given in its place.
Sweep read_sweep(const std::string& path) {
  try {
    return load_sweep(path);
  } catch (const ConfigError&) {
    bool training_config = false;
    try {
      training_config = config_to_toml(load_config(path)) != config_to_toml(Config{});
    } catch (const ConfigError&) {
    }
    if (!training_config) throw;
    throw ConfigError(path +
                      " is a training config, not a sweep file: a sweep file names one with "
                      "config = \"...\" and lists [[variant]] tables (docs/launching.md); train "
                      "this one with artic train -c " +
                      path);
  }
}

// The base config: --config as given, else the sweep file's (resolved from the file's folder).
std::string base_config(const Sweep& sweep, const std::string& given, const std::string& origin) {
  if (!given.empty()) return given;
  std::error_code ec;
  if (!sweep.config.empty() && !fs::exists(sweep.config, ec)) {
    throw ConfigError(origin + ": config names " + sweep.config +
                      ", which does not exist (a relative config path is read from the sweep "
                      "file's folder); fix the path or pass --config");
  }
  return sweep.config;
}

// Every variant must load on top of its base config: a bad override fails here, not in a job.
void check_variants(const Sweep& sweep, const std::string& config, const std::string& origin) {
  for (size_t i = 0; i < sweep.variants.size(); ++i) {
    try {
      load_config(config, variant_overrides(sweep, i));
    } catch (const ConfigError& e) {
      throw ConfigError(origin + ": variant '" + sweep.variants[i].name + "': " + e.what());
    }
  }
}

void show(const SweepShowArgs& a) {
  const Sweep sweep = read_sweep(a.sweep);
  const std::string config = base_config(sweep, a.config, a.sweep);
  if (!config.empty()) check_variants(sweep, config, a.sweep);
  const std::vector<SweepTask> tasks = sweep_tasks(sweep);
  if (a.print == "count") {
    std::cout << tasks.size() << "\n";
    return;
  }
  if (a.print == "config") {
    if (config.empty()) throw ConfigError(a.sweep + ": names no config; pass --config");
    std::cout << config << "\n";
    return;
  }
  if (a.print == "table") {
    for (size_t i = 0; i < tasks.size(); ++i) {
      std::cout << i << "  " << tasks[i].name;
      for (const auto& o : tasks[i].overrides) std::cout << "  " << o;
      std::cout << "\n";
    }
    return;
  }
  if (a.variant.empty()) throw UserError("--print " + a.print + " needs --variant NAME|INDEX");
  const SweepTask& task = tasks[find_task(tasks, a.variant, a.sweep)];
  if (a.print == "name") {
    std::cout << task.name << "\n";
  } else {
    for (const auto& o : task.overrides) std::cout << o << "\n";
  }
}

struct SweepRunArgs {
  std::string sweep, config, output_dir;
  std::vector<std::string> overrides;
  int jobs = 1, ranks = 1;
  bool dry_run = false;
};

// One variant's `artic train` (under mpirun with ranks > 1), its run directory and log file.
struct VariantJob {
  std::string name, run_dir, log;
  std::vector<std::string> argv;
  bool done = false;
};

std::string self_path() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("artic") : p.string();
}

std::string quoted(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    const bool plain = a.find_first_of(" \t'\"$`\\*?[]{}()<>|&;") == std::string::npos;
    out += (out.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return out;
}

std::vector<VariantJob> plan(const SweepRunArgs& a, const Sweep& sweep, const std::string& config,
                             const std::string& out_dir) {
  std::vector<VariantJob> jobs;
  for (const SweepTask& task : sweep_tasks(sweep)) {
    VariantJob j;
    j.name = task.name;
    j.run_dir = (fs::path(out_dir) / j.name).string();
    j.log = (fs::path(out_dir) / (j.name + ".out")).string();
    j.done = fs::exists(fs::path(j.run_dir) / "summary.json") &&
             fs::exists(fs::path(j.run_dir) / "eval.json");
    if (a.ranks > 1) {
      j.argv = {"mpirun", "-np", std::to_string(a.ranks), "--oversubscribe"};
      if (geteuid() == 0) j.argv.push_back("--allow-run-as-root");
    }
    for (const auto& x : {self_path(), std::string("train"), std::string("--config"), config,
                          std::string("--progress"), std::string("lines")}) {
      j.argv.push_back(x);
    }
    std::vector<std::string> sets = task.overrides;
    sets.insert(sets.end(), a.overrides.begin(), a.overrides.end());
    sets.push_back("run.output_dir=" + fs::path(j.run_dir).parent_path().string());
    sets.push_back("run.name=" + fs::path(j.run_dir).filename().string());
    for (const auto& o : sets) {
      j.argv.push_back("--set");
      j.argv.push_back(o);
    }
    if (fs::exists(fs::path(j.run_dir) / "checkpoints" / "latest")) j.argv.push_back("--resume");
    jobs.push_back(std::move(j));
  }
  return jobs;
}

// Starts argv with stdout and stderr in `log` and OMP_NUM_THREADS=threads unless already set.
// The child gets SIGTERM when the sweep dies (it checkpoints and stops), so a killed sweep leaves
// no trainer behind that a second sweep would race on the same run directory.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log, int threads) {
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) env_text.emplace_back(*e);
  if (std::getenv("OMP_NUM_THREADS") == nullptr) {
    env_text.push_back("OMP_NUM_THREADS=" + std::to_string(threads));
  }
  std::vector<char*> args, env;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env_text) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) throw UserError("cannot open " + log + ": " + std::strerror(errno));
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    close(out);
    throw UserError(std::string("cannot start a variant: ") + std::strerror(errno));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    execvpe(args[0], args.data(), env.data());
    const int err = errno;
    (void)!write(ready[1], &err, sizeof err);
    _exit(127);
  }
  close(out);
  close(ready[1]);
  int err = 0;
  const ssize_t got = pid > 0 ? read(ready[0], &err, sizeof err) : -1;
  close(ready[0]);
  if (pid < 0) throw UserError(std::string("cannot start a variant: ") + std::strerror(errno));
  if (got == static_cast<ssize_t>(sizeof err)) {
    waitpid(pid, nullptr, 0);
    throw UserError("cannot start " + argv[0] + ": " + std::strerror(err));
  }
  return pid;
}

int run_sweep(const SweepRunArgs& a) {
  const Sweep sweep = read_sweep(a.sweep);
  const std::string config = base_config(sweep, a.config, a.sweep);
  if (config.empty()) {
    throw ConfigError(a.sweep + ": names no config; pass --config or add config = \"...\"");
  }
  for (size_t i = 0; i < sweep.variants.size(); ++i) {
    std::vector<std::string> sets = variant_overrides(sweep, i);
    sets.insert(sets.end(), a.overrides.begin(), a.overrides.end());
    try {
      load_config(config, sets);
    } catch (const ConfigError& e) {
      throw ConfigError(a.sweep + ": variant '" + sweep.variants[i].name + "': " + e.what());
    }
  }
  const Config base = load_config(config, a.overrides);
  const std::string out_dir =
      !a.output_dir.empty() ? a.output_dir
                            : (fs::path(base.run.output_dir) / fs::path(a.sweep).stem()).string();
  std::vector<VariantJob> jobs = plan(a, sweep, config, out_dir);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = std::max(1, cores / std::max(1, a.jobs * a.ranks));
  if (a.dry_run) {
    for (const auto& j : jobs) {
      std::cout << (j.done ? "# done: " : "") << quoted(j.argv) << " > " << j.log << "\n";
    }
    return 0;
  }
  for (const auto& j : jobs) fs::create_directories(fs::path(j.log).parent_path());
  std::map<pid_t, size_t> running;
  std::vector<int> codes(jobs.size(), 0);
  size_t next = 0;
  while (next < jobs.size() || !running.empty()) {
    while (next < jobs.size() && static_cast<int>(running.size()) < a.jobs) {
      const VariantJob& j = jobs[next];
      if (j.done) {
        std::cout << "sweep: " << j.name << " already finished (" << j.run_dir << ")\n";
      } else {
        running[spawn(j.argv, j.log, threads)] = next;
        std::cout << "sweep: " << j.name << " started (log " << j.log << ")\n";
      }
      ++next;
    }
    if (running.empty()) continue;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const size_t i = it->second;
    running.erase(it);
    codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::cout << "sweep: " << jobs[i].name << (codes[i] == 0 ? " finished" : " failed") << " (exit "
              << codes[i] << ")" << (codes[i] == 0 ? "" : ", see " + jobs[i].log) << "\n";
  }
  std::vector<std::string> finished;
  int worst = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (codes[i] == 0) {
      finished.push_back(jobs[i].run_dir);
    } else if (worst == 0) {
      worst = codes[i];
    }
  }
  if (finished.size() >= 2) {
    std::cout << "\n";
    print_comparison(finished);
  } else if (finished.size() == 1) {
    std::cout << "one variant finished: " << finished[0] << " (artic eval --run " << finished[0]
              << ")\n";
  }
  return worst;
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto run = std::make_shared<SweepRunArgs>();
  auto* cmd =
      app.add_subcommand("sweep",
                         "Train every variant of a sweep file on this machine, then compare them "
                         "(docs/launching.md); 'sweep show' lists and checks variants");
  cmd->require_subcommand(0, 1);
  cmd->add_option("--sweep,-s", run->sweep, "sweep TOML file");
  cmd->add_option("file", run->sweep, "sweep TOML file (as --sweep)");
  cmd->add_option("-c,--config", run->config, "base config (default: the sweep file's config)");
  cmd->add_option("--set", run->overrides, "override for every variant (after the variant's own)");
  cmd->add_option("-j,--jobs", run->jobs, "variants trained at the same time")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("-n,--ranks", run->ranks, "ranks per variant (mpirun -np N when > 1)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--output-dir", run->output_dir,
                  "where the variants' run directories go (default: run.output_dir/SWEEP_NAME)");
  cmd->add_flag("--dry-run", run->dry_run, "print each variant's command and stop");
  cmd->footer(
      "Each variant trains into OUTPUT_DIR/NAME (log OUTPUT_DIR/NAME.out); finished variants are "
      "skipped and interrupted ones resumed, so the same command continues a sweep.");
  auto args = std::make_shared<SweepShowArgs>();
  auto* s = cmd->add_subcommand(
      "show", "Check a sweep file against its config and print its variants (for job arrays)");
  s->add_option("sweep", args->sweep, "sweep TOML file")->required();
  s->add_option("-c,--config", args->config, "base config (default: the sweep file's config)");
  s->add_option("--variant", args->variant, "variant name or 0-based index");
  s->add_option("--print", args->print,
                "table (default): every variant; count; config; name or sets (of --variant, "
                "sets one override per line)")
      ->check(CLI::IsMember({"table", "count", "config", "name", "sets"}));
  s->callback([args] { show(*args); });
  cmd->callback([cmd, run] {
    if (cmd->got_subcommand("show")) return;
    if (run->sweep.empty())
      throw UserError("artic sweep needs a sweep file: artic sweep FILE (or 'artic sweep show')");
    const int code = run_sweep(*run);
    if (code != 0) throw ExitRequest{code};
  });
}

}  // namespace artic::cli
