#include "train/setup.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "data/corpus.h"
#include "dist/grad_sync.h"
#include "train/checkpoint_file.h"
#include "train/device_memory.h"
#include "train/init_from.h"
#include "train/placement.h"
#include "train/resume_rule.h"
#include "train/stages.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

ThreadChoice set_threads(const TrainingConfig& t, const Topology& topo) {
  const ThreadChoice c = choose_threads(static_cast<int>(t.threads), topo.local_size);
  torch::set_num_threads(c.threads);
  return c;
}

void load_data(TrainData& d, const Config& config, const Corpus* given) {
  if (given == nullptr) check_corpus_exists(config);
  if (given != nullptr) {
    d.source.memory = given;
  } else if (config.data.in_memory) {
    d.memory = std::make_unique<Corpus>(read_corpus(config.data.corpus));
    d.source.memory = d.memory.get();
  } else {
    d.reader = std::make_unique<CorpusReader>(config.data.corpus);
    d.source.reader = d.reader.get();
  }
  d.train = split_indices(d.source.utterances(), "train");
  d.valid = split_indices(d.source.utterances(), "valid");
  d.test = split_indices(d.source.utterances(), "test");
  if (d.train.empty() || d.valid.empty()) {
    throw DataError(config.data.corpus +
                    ": training needs utterances in the train and valid "
                    "splits (train " +
                    std::to_string(d.train.size()) + ", valid " + std::to_string(d.valid.size()) +
                    ")");
  }
}

// Statistics over the train split: each rank sums its share, one all-reduce adds them up.
Normalizer compute_normalizer(const TrainData& d, const Topology& topo) {
  const CorpusMeta& meta = d.source.meta();
  const auto nf = static_cast<int64_t>(meta.feature_names.size());
  const auto na = static_cast<int64_t>(meta.articulator_names.size());
  NormalizerSums sums(nf, na);
  std::vector<float> f, y;
  for (size_t k = static_cast<size_t>(topo.rank); k < d.train.size(); k += topo.world_size) {
    const int64_t len = d.source.utterances()[d.train[k]].length;
    f.resize(static_cast<size_t>(len * nf));
    y.resize(static_cast<size_t>(len * na));
    d.source.read({static_cast<int64_t>(d.train[k]), 0, len}, f.data(), y.data());
    sums.add(f.data(), y.data(), len, nf, na);
  }
  std::vector<double> flat = sums.to_flat();
  host_all_reduce_sum(flat);
  return finalize_normalizer(NormalizerSums::from_flat(flat, nf, na), meta);
}

// A damaged checkpoint is refused, naming the newest intact one beside it and how to resume
// from it: going back silently could repeat hours of work without anyone noticing.
std::unique_ptr<CheckpointReader> open_resume_checkpoint(const std::string& path) {
  try {
    return std::make_unique<CheckpointReader>(path);
  } catch (const CheckpointDamaged& e) {
    throw CheckpointDamaged(std::string(e.what()) + ". " +
                            intact_checkpoint_advice(path, "--resume-from"));
  }
}

// The run's recorded config against the one given (train/resume_rule.h), before any weight is
// read: a changed architecture would otherwise fail later, with a less useful message.
void check_resume_config(const Session& s, const std::string& checkpoint) {
  const Config recorded = parse_config(checkpoint_config(checkpoint), checkpoint + " (its config)");
  const std::string problem = resume_problem(recorded, s.base, s.files.dir(), checkpoint);
  if (!problem.empty()) throw ConfigError(problem);
}

// A run whose every stage ended and whose final records exist has nothing left to continue (one
// killed while writing them gets the missing ones).
void refuse_finished_run(const Session& s, const std::string& checkpoint) {
  const TrainProgress& p = s.progress;
  const bool trained = p.stage_done && static_cast<size_t>(p.stage) + 1 >= stage_count(s.base);
  const fs::path summary = fs::path(s.files.dir()) / "summary.json";
  const bool evaluated = s.data.test.empty() || fs::exists(fs::path(s.files.dir()) / "eval.json");
  if (!trained || !fs::exists(summary) || !evaluated) return;
  throw UserError("run " + s.files.dir() + " finished training (step " + std::to_string(p.step) +
                  ", epoch " + std::to_string(p.epoch + 1) + ", " + checkpoint + "; " +
                  summary.string() +
                  "), so --resume has nothing to continue; to train longer, start a new run "
                  "from its weights: --init-from " +
                  s.files.dir() + " --set run.name=NEW");
}

// Every rank serves its metrics; rank 0 lists all of them in the file_sd targets file(s).
void start_monitoring(Session& s) {
  const MonitorConfig& mc = s.config.monitor;
  RunIdentity id;
  id.rank = s.topo.rank;
  id.local_rank = s.topo.local_rank;
  id.world_size = s.topo.world_size;
  id.host = s.topo.host;
  id.run_name = s.config.run.name;
  id.device = s.device.str();
  id.model_kind = name_of(s.config.model.kind);
  id.parameters = parameter_count(*s.model);
  s.metrics = make_metrics_sink(mc, id);
  if (mc.port == 0) return;
  const std::vector<std::string> addresses = host_all_gather(s.metrics->endpoint());
  const std::vector<std::string>& hosts = s.topo.hosts;
  if (s.topo.rank != 0) return;
  if (s.topo.nodes > 1) {
    for (size_t r = 0; r < addresses.size(); ++r) {
      const std::string& a = addresses[r];
      if (a.rfind("127.", 0) == 0 || a.rfind("[::1]", 0) == 0 || a.rfind("localhost", 0) == 0) {
        log_warn("monitor: rank " + std::to_string(r) + " on " + hosts[r] + " serves metrics on " +
                 a + " (monitor.bind), which a Prometheus on another node cannot reach; on " +
                 std::to_string(s.topo.nodes) +
                 " nodes bind to every interface (monitor.bind = \"0.0.0.0\") or leave it empty");
        break;
      }
    }
  }
  std::vector<ScrapeTarget> targets;
  for (size_t r = 0; r < addresses.size(); ++r) {
    if (!addresses[r].empty()) targets.push_back({addresses[r], static_cast<int>(r), hosts[r]});
  }
  if (targets.empty()) return;
  s.files.log("metrics: http://" + targets[0].address + "/metrics" +
              (targets.size() > 1 ? " (rank 0; every rank's address is in the targets file)" : ""));
  std::vector<std::string> paths = {(fs::path(s.files.dir()) / "prometheus_targets.json").string()};
  if (!mc.targets_dir.empty()) {
    paths.push_back((fs::path(mc.targets_dir) /
                     shared_targets_name(s.config.run.name, fs::absolute(s.files.dir()).string()))
                        .string());
  }
  s.targets = TargetFiles(paths, targets_json(targets, mc.job, s.config.run.name));
  for (const auto& p : s.targets.paths()) s.files.log("Prometheus targets: " + p);
}

void add_observers(Session& s, const TrainOptions& options, const TrainHooks& hooks) {
  s.run_log = std::make_unique<RunLog>(s.files, s.config.run.log_every);
  s.progress_bar = std::make_unique<ProgressBar>(s.files);
  s.monitoring = std::make_unique<Monitoring>(*s.metrics, s.topo.rank == 0);
  s.observers.add(s.run_log.get());
  if (wants_bar(options)) s.observers.add(s.progress_bar.get());
  s.observers.add(s.monitoring.get());
  for (auto* o : hooks.observers) s.observers.add(o);
}

}  // namespace

torch::Device pick_device(const TrainingConfig& t, const Topology& topo) {
  const bool cuda = torch::cuda::is_available();
  if (t.device == DeviceChoice::Cuda && !cuda) {
    throw ConfigError("training.device = \"cuda\" but no CUDA device is available to this build");
  }
  if (t.precision == Precision::Bf16 && (t.device == DeviceChoice::Cpu || !cuda)) {
    throw ConfigError("training.precision = \"bf16\" needs a CUDA device; use \"fp32\" on CPU");
  }
  if (t.device == DeviceChoice::Cpu || !cuda) return torch::kCPU;
  const int count = static_cast<int>(torch::cuda::device_count());
  return {torch::kCUDA, static_cast<c10::DeviceIndex>(topo.local_rank % count)};
}

void check_ranks_agree(const Config& config, const torch::Device& device, const Topology& topo) {
  if (topo.world_size == 1) return;
  // One gather of every rank's choices, unit-separated (config_to_toml escapes control bytes).
  constexpr char kSep = '\x1f';
  const std::vector<std::string> all =
      host_all_gather(torch::DeviceTypeName(device.type(), true) + kSep +
                      name_of(resolve_backend(config.dist, device.is_cuda())) + kSep +
                      device_pci_address(device) + kSep + config_to_toml(config));
  const std::vector<std::string>& hosts = topo.hosts;
  std::vector<RankChoice> ranks;
  std::vector<std::string> gpus;
  for (size_t r = 0; r < hosts.size(); ++r) {
    const std::string& text = all[r];
    const size_t a = text.find(kSep), b = text.find(kSep, a + 1), c = text.find(kSep, b + 1);
    ranks.push_back(
        {hosts[r], text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(c + 1)});
    gpus.push_back(text.substr(b + 1, c - b - 1));
  }
  const std::string problem = rank_disagreement(ranks);
  if (!problem.empty()) throw ConfigError(problem);
  const std::string shared = shared_gpu_problem(hosts, gpus);
  if (!shared.empty()) throw ConfigError(shared);
}

void check_run_dir_shared(const std::string& dir, const Topology& topo) {
  if (topo.world_size == 1) return;
  const fs::path token = fs::path(dir) / ".artic-shared-check";
  std::string expected;
  if (topo.rank == 0) {
    expected = topo.host + " " + std::to_string(getpid()) + " " +
               std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    write_file_atomically(token.string(), {expected}, "the shared-directory check");
  }
  host_broadcast(expected, 0);
  // NFS may show a new file only after its attribute cache expires (acdirmin, 3 s by default).
  std::string seen;
  for (int attempt = 0; attempt < 40 && seen != expected; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    std::ifstream in(token);
    seen.clear();
    std::getline(in, seen);
  }
  const std::vector<int64_t> sees = host_all_gather(static_cast<int64_t>(seen == expected));
  if (topo.rank == 0) fs::remove(token);
  std::vector<int> blind_ranks;
  for (size_t r = 0; r < sees.size(); ++r) {
    if (sees[r] == 0) blind_ranks.push_back(static_cast<int>(r));
  }
  const std::string blind = ranks_with_hosts(blind_ranks, topo.hosts);
  if (!blind.empty()) {
    throw ConfigError("run directory " + dir + " is not shared: rank(s) " + blind +
                      " do not see what rank 0 writes there (a node-local path?). Every rank "
                      "reads checkpoints on resume, stage hand-off and the final evaluation: put "
                      "run.output_dir on a file system that all nodes share");
  }
}

bool wants_bar(const TrainOptions& o) {
  if (o.progress != "auto") return o.progress == "bar";
  for (const char* launcher : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_PROCID"}) {
    if (std::getenv(launcher) != nullptr) return false;
  }
  return isatty(STDOUT_FILENO) != 0;
}

void setup(Session& s, const TrainOptions& options, const TrainHooks& hooks) {
  const ThreadChoice threads = set_threads(s.config.training, s.topo);
  load_data(s.data, s.config, hooks.corpus);
  const CorpusMeta& meta = s.data.source.meta();
  s.shape = {static_cast<int64_t>(meta.feature_names.size()),
             static_cast<int64_t>(meta.articulator_names.size())};
  torch::manual_seed(static_cast<uint64_t>(s.config.run.seed));
  s.model = make_model(s.config.model, s.shape);
  s.model->to(s.device);
  if (hooks.communicator != nullptr) {
    s.comm = hooks.communicator;
  } else {
    s.owned_comm = make_communicator(s.config.dist, s.device);
    s.comm = s.owned_comm.get();
  }
  s.bucket_bytes = static_cast<int64_t>(s.config.dist.bucket_mb * 1024 * 1024);
  auto tensors = s.model->parameters();
  for (const auto& b : s.model->buffers()) tensors.push_back(b);
  broadcast_parameters(*s.comm, tensors, s.bucket_bytes);
  const Overlap overlap = s.config.dist.overlap;
  if (overlap == Overlap::On || (overlap == Overlap::Auto && s.comm->name() == "nccl")) {
    s.overlap = std::make_unique<OverlapReducer>(*s.comm, s.model->parameters(), s.bucket_bytes);
  }
  const std::string resume_path = !options.resume_from.empty()
                                      ? options.resume_from
                                      : (options.resume ? s.files.latest_checkpoint() : "");
  std::string start_line, from;
  if (!resume_path.empty()) {
    const auto checkpoint = open_resume_checkpoint(resume_path);
    check_resume_config(s, resume_path);
    const CheckpointData d = checkpoint->load(*s.model, nullptr);
    s.progress = d.progress;
    s.normalizer = d.normalizer;
    refuse_finished_run(s, resume_path);
    build_stage(s, s.progress.stage);
    checkpoint->load_optimizer(*s.optimizer);
    start_line = "resumed from " + resume_path + " at step " + std::to_string(s.progress.step) +
                 ", epoch " + std::to_string(s.progress.epoch + 1) +
                 (staged(s) ? ", stage '" + stage_name(s.base, s.progress.stage) + "'" : "");
  } else {
    if (!options.init_from.empty()) {
      from = resolve_init_checkpoint(options.init_from);
      s.normalizer = init_from_checkpoint(from, *s.model, meta);
      start_line = "initialized from " + from +
                   " (weights and normalizer; fresh optimizer and schedule), parameter hash " +
                   weights_hash(s);
    } else {
      s.normalizer = compute_normalizer(s.data, s.topo);
    }
    build_stage(s, 0);
  }
  // Validated: from here on the command writes to the run directory.
  s.files.open(s.base, resume_path.empty() ? -1 : s.progress.step);
  check_run_dir_shared(s.files.dir(), s.topo);
  s.files.write_corpus_recipe(s.config.data.corpus, meta);
  s.files.log("run directory: " + fs::absolute(s.files.dir()).lexically_normal().string());
  start_monitoring(s);
  add_observers(s, options, hooks);
  if (!start_line.empty()) s.files.log(start_line);
  if (resume_path.empty()) start_stage(s, 0, from);
  s.files.log(describe_setup(s.config, s.topo, s.device.str(), parameter_count(*s.model),
                             s.data.segments.size(), s.data.valid.size(),
                             s.sampler->batches_per_epoch(), s.progress.total_steps));
  if (s.topo.world_size > 1) s.files.log("ranks on " + describe_placement(s.topo));
  if (!s.device.is_cuda()) {
    s.files.log(std::to_string(threads.threads) + " thread(s) per rank (" + threads.reason + ")");
  }
}

}  // namespace artic
