#include "train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/rng.h"
#include "data/loader.h"
#include "dist/communicator.h"
#include "dist/grad_sync.h"
#include "eval/report.h"
#include "model/flops.h"
#include "monitor/metrics_sink.h"
#include "monitor/targets.h"
#include "train/accumulate.h"
#include "train/batching.h"
#include "train/checkpoint.h"
#include "train/checkpoint_file.h"
#include "train/device_memory.h"
#include "train/init_from.h"
#include "train/placement.h"
#include "train/predict.h"
#include "train/run_files.h"
#include "train/schedule.h"
#include "train/signals.h"
#include "train/update.h"

namespace artic {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

torch::Device pick_device(const TrainingConfig& t, const Topology& topo) {
  const bool cuda = torch::cuda::is_available();
  if (t.device == "cuda" && !cuda) {
    throw ConfigError("training.device = \"cuda\" but no CUDA device is available to this build");
  }
  if (t.precision == "bf16" && (t.device == "cpu" || !cuda)) {
    throw ConfigError("training.precision = \"bf16\" needs a CUDA device; use \"fp32\" on CPU");
  }
  if (t.device == "cpu" || !cuda) return torch::kCPU;
  const int count = static_cast<int>(torch::cuda::device_count());
  return {torch::kCUDA, static_cast<c10::DeviceIndex>(topo.local_rank % count)};
}

ThreadChoice set_threads(const TrainingConfig& t, const Topology& topo) {
  const ThreadChoice c = choose_threads(static_cast<int>(t.threads), topo.local_size);
  torch::set_num_threads(c.threads);
  return c;
}

// The corpus, its splits and the training segments, as every rank sees them.
struct TrainData {
  std::unique_ptr<Corpus> memory;
  std::unique_ptr<CorpusReader> reader;
  FrameSource source;
  std::vector<size_t> train, valid, test;
  std::vector<Segment> segments;
};

TrainData load_data(const Config& config) {
  TrainData d;
  if (config.data.in_memory) {
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
  return d;
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
  if (topo.world_size > 1) host_all_reduce_sum(flat);
  return finalize_normalizer(NormalizerSums::from_flat(flat, nf, na), meta);
}

// Forward + backward matmul FLOPs of a micro-batch's real frames (3x the forward count).
double step_flops(const ModelConfig& model, const ModelShape& shape, const torch::Tensor& lengths) {
  double flops = 0;
  const int64_t* len = lengths.data_ptr<int64_t>();
  for (int64_t i = 0; i < lengths.numel(); ++i) {
    flops += 3.0 * forward_flops_per_frame(model, shape, len[i]) * static_cast<double>(len[i]);
  }
  return flops;
}

MicroBatch to_micro(const TrainBatch& b, const torch::Device& device) {
  const bool pinned = device.is_cuda();
  MicroBatch m;
  m.features = b.features.to(device, pinned);
  m.targets = b.targets.to(device, pinned);
  // Without padding the model gets no mask at all (the host knows; the device need not check).
  if (b.real_frames != b.padded_frames) m.pad_mask = b.pad_mask.to(device, pinned);
  m.lengths = b.lengths;
  m.real_frames = b.real_frames;
  m.padded_frames = b.padded_frames;
  m.all_ranks_real_frames = b.all_ranks_real_frames;
  m.all_ranks_padded_frames = b.all_ranks_padded_frames;
  return m;
}

void set_learning_rate(torch::optim::Optimizer& opt, double lr) {
  for (auto& group : opt.param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }
}

// Everything the loop carries from step to step.
struct Session {
  Session(const Config& b, const Topology& t, RunFiles f, torch::Device d)
      : base(b), config(resolve_stage(b, 0)), topo(t), files(std::move(f)), device(d) {}
  const Config& base;  // as given, with its [[stage]] tables
  Config config;       // the stage in progress (the base itself when it has no stages)
  const Topology& topo;
  RunFiles files;
  torch::Device device;
  TrainData data;
  Normalizer normalizer;
  SequenceRegressor model;
  std::unique_ptr<Communicator> comm;
  std::unique_ptr<OverlapReducer> overlap;  // null: reduce after the last backward
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::unique_ptr<BatchSampler> sampler;
  TrainProgress progress;
  int64_t bucket_bytes = 0;
  std::string stopped = "max_epochs";
  PhaseTimes times;
  // Since the last logged step: the job's real and padded frames and FLOPs (3x forward, real
  // frames), and this rank's real frames.
  int64_t frames_since_log = 0, padded_since_log = 0, rank_frames_since_log = 0;
  double flops_since_log = 0;
  ModelShape shape;
  Clock::time_point last_log = Clock::now();
  // For the terminal progress bar.
  Clock::time_point started = Clock::now();
  int64_t steps_this_run = 0, frames_this_run = 0, rank_frames_this_run = 0, epoch_step = 0;
  double train_seconds = 0;  // this invocation, outside validation and checkpoints
  std::unique_ptr<MetricsSink> metrics;
  TargetFiles targets;  // removed when the session ends
};

CheckpointData checkpoint_data(const Session& s) {
  return {s.progress, s.normalizer, config_to_toml(s.base)};
}

bool staged(const Session& s) {
  return !s.base.stages.empty();
}
// The checksum a checkpoint of these weights stores (parameters and buffers).
std::string weights_hash(const Session& s) {
  auto tensors = s.model->parameters();
  for (const auto& b : s.model->buffers()) tensors.push_back(b);
  return hash_hex(parameter_hash(tensors));
}
int64_t stage_step(const Session& s) {
  return s.progress.step - s.progress.stage_start_step;
}

void save_step_checkpoint(Session& s) {
  if (s.topo.rank == 0) {
    const std::string path = s.files.step_checkpoint(s.progress.step);
    save_checkpoint(path, *s.model, *s.optimizer, checkpoint_data(s));
    s.files.set_latest(path, s.config.checkpoint.keep_last);
  }
  host_barrier();
}

void log_step(Session& s, const AccumulateResult& r, double lr, double grad_norm) {
  const double elapsed = seconds_since(s.last_log);
  StepLog line;
  line.step = s.progress.step;
  line.epoch = s.progress.epoch;
  line.loss = r.loss;
  line.lr = lr;
  line.grad_norm = grad_norm;
  line.world_size = s.topo.world_size;
  line.frames = s.frames_since_log;
  line.rank_frames = s.rank_frames_since_log;
  line.model_flops = s.flops_since_log;
  line.device_memory_peak_bytes = device_memory(s.device).peak_bytes;
  line.wall_seconds = elapsed;
  line.frames_per_second = static_cast<double>(s.frames_since_log) / std::max(elapsed, 1e-9);
  line.rank_frames_per_second =
      static_cast<double>(s.rank_frames_since_log) / std::max(elapsed, 1e-9);
  line.padding_efficiency =
      s.padded_since_log ? static_cast<double>(s.frames_since_log) / s.padded_since_log : 1.0;
  line.times = s.times;
  line.bad_steps = s.progress.bad_steps_total;
  s.files.log_step(line);
  s.times = PhaseTimes();
  s.frames_since_log = s.padded_since_log = s.rank_frames_since_log = 0;
  s.flops_since_log = 0;
  s.last_log = Clock::now();
}

int64_t steps_per_epoch(const Session& s) {
  const int64_t accum = s.config.training.accumulate_grad_batches;
  return (s.sampler->batches_per_epoch() + accum - 1) / accum;
}

void show_progress(Session& s, double loss) {
  s.epoch_step += 1;
  s.steps_this_run += 1;
  const double elapsed = seconds_since(s.started);
  ProgressView v;
  v.epoch = s.progress.epoch;
  v.max_epochs = s.config.training.max_epochs;
  v.epoch_step = s.epoch_step;
  v.epoch_steps = steps_per_epoch(s);
  v.step = stage_step(s);
  v.total_steps = s.progress.total_steps;
  v.loss = loss;
  v.frames_per_second = static_cast<double>(s.frames_this_run) / std::max(elapsed, 1e-9);
  v.eta_seconds = elapsed / static_cast<double>(s.steps_this_run) *
                  static_cast<double>(std::max<int64_t>(0, v.total_steps - v.step));
  s.files.show_progress(v);
}

ValidationReport validation_report(const SplitResult& r, double best_loss) {
  ValidationReport v;
  v.loss = r.loss;
  v.best_loss = best_loss;
  v.articulators = r.metrics.articulators;
  for (const auto& c : r.metrics.per_channel) {
    v.rmse_mm.push_back(c.rmse_mm);
    v.mae_mm.push_back(c.mae_mm);
    v.pearson_r.push_back(c.pearson_r);
  }
  v.mean_rmse_mm = r.metrics.mean.rmse_mm;
  v.mean_mae_mm = r.metrics.mean.mae_mm;
  v.mean_pearson_r = r.metrics.mean.pearson_r;
  return v;
}

// Validation on full utterances; updates best/early-stopping state. True when training should
// stop early.
bool validate(Session& s) {
  const auto t0 = Clock::now();
  const SplitResult r = evaluate_split(
      *s.model, s.data.source, s.data.valid, s.normalizer,
      evaluation_sampler_options(s.config, s.topo.world_size, s.topo.rank), s.device);
  TrainProgress& p = s.progress;
  const bool improved = r.loss < p.best_val_loss - s.config.training.min_delta;
  if (improved) {
    p.best_val_loss = r.loss;
    p.best_epoch = p.epoch;
    p.best_step = p.step;
    p.validations_without_improvement = 0;
    if (s.topo.rank == 0 && s.config.checkpoint.save_best) {
      save_checkpoint(s.files.best_checkpoint(), *s.model, *s.optimizer, checkpoint_data(s));
    }
  } else {
    p.validations_without_improvement += 1;
  }
  s.files.log_validation(p, r, improved, seconds_since(t0));
  if (s.topo.rank == 0) s.metrics->validation(validation_report(r, p.best_val_loss));
  const int64_t patience = s.config.training.patience;
  return patience > 0 && p.validations_without_improvement >= patience;
}

// Skipped, not applied: an update from a non-finite loss or gradient would poison the weights.
bool is_bad_step(const AccumulateResult& r) {
  return !std::isfinite(r.loss) || !std::isfinite(r.grad_norm);
}

StepReport step_report(const Session& s, const AccumulateResult& r, const PhaseTimes& t,
                       const std::vector<MicroBatch>& micro, double lr, double grad_norm) {
  StepReport rep;
  rep.epoch = s.progress.epoch;
  rep.stage = s.progress.stage;
  rep.stage_steps = stage_step(s);
  rep.loss = r.loss;
  rep.learning_rate = lr;
  rep.grad_norm = grad_norm;
  rep.bad_step = is_bad_step(r);
  for (const auto& m : micro) {
    rep.real_frames += m.real_frames;
    rep.padded_frames += m.padded_frames;
  }
  rep.allreduce_bytes = r.allreduce_bytes;
  rep.data_seconds = t.data;
  rep.forward_seconds = t.forward;
  rep.backward_seconds = t.backward;
  rep.allreduce_seconds = t.allreduce;
  rep.optimizer_seconds = t.optimizer;
  const DeviceMemory mem = device_memory(s.device);
  rep.device_memory_bytes = mem.current_bytes;
  rep.device_memory_peak_bytes = mem.peak_bytes;
  return rep;
}

void add_times(PhaseTimes& total, const PhaseTimes& t) {
  total.data += t.data;
  total.forward += t.forward;
  total.backward += t.backward;
  total.allreduce += t.allreduce;
  total.optimizer += t.optimizer;
}

bool any_rank_asks_to_stop() {
  std::vector<int64_t> flag = {stop_requested() ? 1 : 0};
  host_all_reduce_sum(flag);
  return flag[0] > 0;
}

enum class StepOutcome { Continue, EpochEnd, Finished, Preempted, EarlyStop };

// One optimizer step from up to accumulate_grad_batches micro-batches of the loader.
StepOutcome train_step(Session& s, BatchLoader& loader) {
  const auto started = Clock::now();
  const auto& tc = s.config.training;
  std::vector<MicroBatch> micro;
  TrainBatch b;
  const double waited = loader.wait_seconds();
  SamplerState after;
  while (static_cast<int64_t>(micro.size()) < tc.accumulate_grad_batches && loader.next(&b)) {
    s.rank_frames_since_log += b.real_frames;
    s.rank_frames_this_run += b.real_frames;
    after = b.state_after;
    micro.push_back(to_micro(b, s.device));
    micro.back().model_flops = step_flops(s.config.model, s.shape, b.lengths);
  }
  PhaseTimes times;
  times.data = loader.wait_seconds() - waited;
  if (micro.empty()) {
    s.times.data += times.data;
    return StepOutcome::EpochEnd;
  }

  const double lr =
      learning_rate_at(stage_step(s), s.progress.total_steps, s.config.optim, s.config.schedule);
  set_learning_rate(*s.optimizer, lr);
  // Dropout draws from a stream keyed by (seed, rank, step): a resumed run continues it exactly.
  torch::manual_seed(
      Rng::keyed({static_cast<uint64_t>(s.config.run.seed), static_cast<uint64_t>(s.topo.rank),
                  static_cast<uint64_t>(s.progress.step)})
          .next());
  const bool bf16 = s.config.training.precision == "bf16" && s.device.is_cuda();
  const AccumulateResult r =
      accumulate_gradients(*s.model, micro, *s.comm, s.bucket_bytes, bf16, s.overlap.get());
  s.frames_since_log += r.global_frames;
  s.padded_since_log += r.global_padded_frames;
  s.flops_since_log += r.global_model_flops;
  s.frames_this_run += r.global_frames;
  times.forward = r.forward_seconds;
  times.backward = r.backward_seconds;
  times.allreduce = r.allreduce_seconds;
  s.progress.sampler_position = after.position;
  TrainProgress& p = s.progress;
  double grad_norm = 0;
  if (is_bad_step(r)) {
    p.bad_steps_total += 1;
    p.bad_steps_in_a_row += 1;
    log_warn("step " + std::to_string(p.step + 1) +
             ": non-finite loss or gradient norm, step skipped (" +
             std::to_string(p.bad_steps_in_a_row) + " in a row)");
    if (p.bad_steps_in_a_row >= tc.max_bad_steps) {
      throw UserError("training stopped: " + std::to_string(p.bad_steps_in_a_row) +
                      " steps in a row had a non-finite loss or gradient norm "
                      "(training.max_bad_steps); lower "
                      "optim.learning_rate or check the corpus with 'artic corpus info'");
    }
  } else {
    const auto t0 = Clock::now();
    const double clip = s.config.optim.grad_clip > 0 ? s.config.optim.grad_clip : INFINITY;
    grad_norm = r.grad_norm;
    clip_gradients(s.model->parameters(), r.grad_norm_tensor, clip);
    adamw_step(*s.optimizer);
    times.optimizer = seconds_since(t0);
    p.step += 1;
    p.bad_steps_in_a_row = 0;
    if (s.config.dist.check_consistency) check_parameters_consistent(s.model->parameters(), p.step);
  }
  add_times(s.times, times);
  s.train_seconds += seconds_since(started);
  s.metrics->step(step_report(s, r, times, micro, lr, grad_norm));
  if (p.step % s.config.run.log_every == 0 || is_bad_step(r)) {
    log_step(s, r, lr, grad_norm);
  }
  show_progress(s, r.loss);
  if (any_rank_asks_to_stop()) return StepOutcome::Preempted;
  if (s.config.checkpoint.every_steps > 0 && p.step % s.config.checkpoint.every_steps == 0) {
    save_step_checkpoint(s);
  }
  if (tc.eval_every > 0 && stage_step(s) % tc.eval_every == 0 && validate(s)) {
    return StepOutcome::EarlyStop;
  }
  if (tc.max_steps > 0 && stage_step(s) >= tc.max_steps) return StepOutcome::Finished;
  return StepOutcome::Continue;
}

// A damaged checkpoint is refused, naming the newest intact one beside it and how to resume
// from it: going back silently could repeat hours of work without anyone noticing.
CheckpointData load_resume_checkpoint(const std::string& path, SequenceRegressorImpl& model) {
  try {
    return load_checkpoint(path, model, nullptr);
  } catch (const CheckpointDamaged& e) {
    throw CheckpointDamaged(std::string(e.what()) + ". " +
                            intact_checkpoint_advice(path, "--resume-from"));
  }
}

int64_t planned_total_steps(const Session& s) {
  const int64_t micro = s.sampler->batches_per_epoch();
  const int64_t accum = s.config.training.accumulate_grad_batches;
  const int64_t per_epoch = (micro + accum - 1) / accum;
  const int64_t total = per_epoch * s.config.training.max_epochs;
  return s.config.training.max_steps > 0 ? std::min(total, s.config.training.max_steps) : total;
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
  id.model_kind = s.config.model.kind;
  id.parameters = parameter_count(*s.model);
  s.metrics = make_metrics_sink(mc, id);
  s.metrics->planned_steps(s.progress.total_steps);
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
  std::vector<std::string> paths = {(fs::path(s.files.dir()) / "prometheus_targets.json").string()};
  if (!mc.targets_dir.empty()) {
    paths.push_back((fs::path(mc.targets_dir) /
                     shared_targets_name(s.config.run.name, fs::absolute(s.files.dir()).string()))
                        .string());
  }
  s.targets = TargetFiles(paths, targets_json(targets, mc.job, s.config.run.name));
  for (const auto& p : s.targets.paths()) s.files.log("Prometheus targets: " + p);
}

// The stage's training segments, optimizer (fresh) and sampler; later stages shuffle with their
// own seed.
void build_stage(Session& s, int64_t stage) {
  s.config = resolve_stage(s.base, static_cast<size_t>(stage));
  s.data.segments = make_segments(s.data.source, s.data.train, segmenter_options(s.config.data));
  if (s.data.segments.empty()) {
    throw DataError("no training segments: every train utterance is shorter than data.min_length");
  }
  const auto& o = s.config.optim;
  s.optimizer = std::make_unique<torch::optim::AdamW>(s.model->parameters(),
                                                      torch::optim::AdamWOptions(o.learning_rate)
                                                          .betas({o.beta1, o.beta2})
                                                          .eps(o.eps)
                                                          .weight_decay(o.weight_decay));
  const SamplerOptions so =
      training_sampler_options(s.config, stage, s.topo.world_size, s.topo.rank);
  s.sampler = std::make_unique<BatchSampler>(segment_lengths(s.data.segments), so);
  s.files.set_stage(staged(s) ? stage_name(s.base, static_cast<size_t>(stage)) : "");
}

// Fresh per-stage state (epochs, schedule, early stopping) from the current step on.
void start_stage(Session& s, int64_t stage, const std::string& from) {
  TrainProgress& p = s.progress;
  p.stage = stage;
  p.stage_start_step = p.step;
  p.stage_done = false;
  p.epoch = 0;
  p.sampler_position = 0;
  p.epoch_done = false;
  p.best_val_loss = std::numeric_limits<double>::infinity();
  p.best_epoch = p.best_step = -1;
  p.validations_without_improvement = 0;
  p.bad_steps_in_a_row = 0;
  p.total_steps = planned_total_steps(s);
  if (s.metrics) s.metrics->planned_steps(p.total_steps);
  s.stopped = "max_epochs";
  if (!staged(s)) return;
  const auto& st = s.base.stages[static_cast<size_t>(stage)];
  json::Value overrides = json::Value::array();
  std::string text;
  for (const auto& o : st.overrides) {
    overrides.push_back(o);
    text += " " + o;
  }
  const std::string hash = weights_hash(s);
  json::Value e = json::Value::object();
  e.set("type", "stage_start");
  e.set("stage", st.name);
  e.set("index", stage + 1);
  e.set("stages", static_cast<int64_t>(s.base.stages.size()));
  e.set("step", p.step);
  e.set("planned_steps", p.total_steps);
  e.set("train_segments", static_cast<int64_t>(s.data.segments.size()));
  e.set("split_mode", s.config.data.split_mode);
  e.set("learning_rate", s.config.optim.learning_rate);
  e.set("overrides", overrides);
  e.set("from", from);
  e.set("param_hash", hash);
  s.files.log_event("stage " + std::to_string(stage + 1) + "/" +
                        std::to_string(s.base.stages.size()) + " '" + st.name +
                        "' starts at step " + std::to_string(p.step) + " (" +
                        std::to_string(s.data.segments.size()) + " train segments, " +
                        std::to_string(p.total_steps) + " steps planned" +
                        (from.empty() ? "" : ", from " + from) + "):" + text,
                    e);
}

void setup(Session& s, const TrainOptions& options) {
  const ThreadChoice threads = set_threads(s.config.training, s.topo);
  s.data = load_data(s.config);
  const CorpusMeta& meta = s.data.source.meta();
  const ModelShape shape{static_cast<int64_t>(meta.feature_names.size()),
                         static_cast<int64_t>(meta.articulator_names.size())};
  s.shape = shape;
  torch::manual_seed(static_cast<uint64_t>(s.config.run.seed));
  s.model = make_model(s.config.model, shape);
  s.model->to(s.device);
  s.comm = make_communicator(s.config.dist, s.device);
  s.bucket_bytes = static_cast<int64_t>(s.config.dist.bucket_mb * 1024 * 1024);
  auto tensors = s.model->parameters();
  for (const auto& b : s.model->buffers()) tensors.push_back(b);
  broadcast_parameters(*s.comm, tensors, s.bucket_bytes);
  const std::string& overlap = s.config.dist.overlap;
  if (overlap == "on" || (overlap == "auto" && s.comm->name() == "nccl")) {
    s.overlap = std::make_unique<OverlapReducer>(*s.comm, s.model->parameters(), s.bucket_bytes);
  }
  const std::string resume_path = !options.resume_from.empty()
                                      ? options.resume_from
                                      : (options.resume ? s.files.latest_checkpoint() : "");
  if (!resume_path.empty()) {
    const CheckpointData d = load_resume_checkpoint(resume_path, *s.model);
    s.progress = d.progress;
    s.normalizer = d.normalizer;
    build_stage(s, s.progress.stage);
    load_optimizer_state(resume_path, *s.optimizer);
    s.files.log("resumed from " + resume_path + " at step " + std::to_string(s.progress.step) +
                ", epoch " + std::to_string(s.progress.epoch + 1) +
                (staged(s) ? ", stage '" + stage_name(s.base, s.progress.stage) + "'" : ""));
  } else {
    std::string from;
    if (!options.init_from.empty()) {
      from = resolve_init_checkpoint(options.init_from);
      s.normalizer = init_from_checkpoint(from, *s.model, meta);
      s.files.log("initialized from " + from +
                  " (weights and normalizer; fresh optimizer and "
                  "schedule), parameter hash " +
                  weights_hash(s));
    } else {
      s.normalizer = compute_normalizer(s.data, s.topo);
    }
    build_stage(s, 0);
    start_stage(s, 0, from);
  }
  start_monitoring(s);
  s.files.log(describe_setup(s.config, s.topo, s.device.str(), parameter_count(*s.model),
                             s.data.segments.size(), s.data.valid.size(),
                             s.sampler->batches_per_epoch(), s.progress.total_steps));
  if (s.topo.world_size > 1) s.files.log("ranks on " + describe_placement(s.topo));
  if (!s.device.is_cuda()) {
    s.files.log(std::to_string(threads.threads) + " thread(s) per rank (" + threads.reason + ")");
  }
}

// A stage has ended: its result joins the summary's list, and a checkpoint records that it ended
// (a resume then goes straight to the next stage). Its best weights are kept as best-NAME.pt.
void finish_stage(Session& s) {
  TrainProgress& p = s.progress;
  p.stage_done = true;
  if (staged(s)) {
    const std::string name = stage_name(s.base, p.stage);
    const std::string best = s.files.best_checkpoint();
    const std::string kept = (fs::path(best).parent_path() / ("best-" + name + ".pt")).string();
    if (s.topo.rank == 0 && fs::exists(best))
      fs::copy_file(best, kept, fs::copy_options::overwrite_existing);
    host_barrier();
    json::Value e = json::Value::object();
    e.set("type", "stage_end");
    e.set("stage", name);
    e.set("index", p.stage + 1);
    e.set("step", p.step);
    e.set("steps", stage_step(s));
    e.set("epochs", p.epoch + 1);
    e.set("best_epoch", p.best_epoch + 1);
    e.set("best_val_loss", p.best_val_loss);
    e.set("stopped", s.stopped);
    e.set("split_mode", s.config.data.split_mode);
    e.set("sequence_length", s.config.data.sequence_length);
    e.set("best_param_hash", fs::exists(kept) ? hash_hex(checkpoint_param_hash(kept)) : "");
    e.set("last_param_hash", weights_hash(s));
    json::Value list = json::parse(p.stages_json, "checkpoint stages");
    json::Value entry = e;
    list.push_back(entry);
    p.stages_json = json::to_json(list);
    s.files.log_event("stage '" + name + "' ended at step " + std::to_string(p.step) + " (" +
                          s.stopped + ", best validation loss " + std::to_string(p.best_val_loss) +
                          " at epoch " + std::to_string(p.best_epoch + 1) + ")",
                      e);
  }
  save_step_checkpoint(s);
}

// The next stage starts from the best weights of the one that ended (its last weights when it
// kept no best checkpoint), with a fresh optimizer and schedule.
void next_stage(Session& s) {
  const int64_t ended = s.progress.stage;
  const std::string kept = (fs::path(s.files.best_checkpoint()).parent_path() /
                            ("best-" + stage_name(s.base, static_cast<size_t>(ended)) + ".pt"))
                               .string();
  std::string from;
  if (fs::exists(kept)) {
    load_checkpoint(kept, *s.model, nullptr);
    from = kept;
  }
  build_stage(s, ended + 1);
  start_stage(s, ended + 1, from);
  save_step_checkpoint(s);
}

// Runs epochs until done; returns the exit code.
int train_loop(Session& s) {
  const auto& tc = s.config.training;
  int64_t first = s.progress.epoch + (s.progress.epoch_done ? 1 : 0);
  for (int64_t epoch = first; epoch < tc.max_epochs; ++epoch) {
    if (epoch == s.progress.epoch && !s.progress.epoch_done) {
      s.sampler->restore({epoch, s.progress.sampler_position});
      s.epoch_step = s.progress.sampler_position / s.config.training.accumulate_grad_batches;
    } else {
      s.sampler->set_epoch(epoch);
      s.epoch_step = 0;
    }
    s.progress.epoch = epoch;
    s.progress.epoch_done = false;
    LoaderOptions lo;
    lo.prefetch = s.config.batching.prefetch;
    lo.pin_memory = s.device.is_cuda();
    lo.normalize_targets = true;
    BatchLoader loader(*s.sampler, s.data.segments, s.data.source, s.normalizer, lo);
    StepOutcome outcome = StepOutcome::Continue;
    while (outcome == StepOutcome::Continue) outcome = train_step(s, loader);
    if (outcome == StepOutcome::Preempted) {
      save_step_checkpoint(s);
      s.files.log("stop requested by signal " + std::to_string(stop_signal()) +
                  ": checkpoint written at step " + std::to_string(s.progress.step) +
                  "; continue with --resume");
      return kExitPreempted;
    }
    if (outcome == StepOutcome::EarlyStop) {
      s.stopped = "early_stopping";
      break;
    }
    if (outcome == StepOutcome::Finished) {
      s.stopped = "max_steps";
      break;
    }
    s.progress.epoch_done = true;
    s.progress.sampler_position = 0;
    const bool stop_early = tc.eval_every == 0 && validate(s);
    save_step_checkpoint(s);
    if (stop_early) {
      s.stopped = "early_stopping";
      break;
    }
  }
  if (!s.progress.epoch_done) save_step_checkpoint(s);
  return 0;
}

// Test-split evaluation with the best weights (the last ones without validation): eval.json.
void final_evaluation(Session& s) {
  if (s.data.test.empty()) {
    s.files.log("no test split: skipping the final evaluation");
    return;
  }
  const std::string best = s.files.best_checkpoint();
  if (fs::exists(best)) load_checkpoint(best, *s.model, nullptr);
  const SplitResult r = evaluate_split(
      *s.model, s.data.source, s.data.test, s.normalizer,
      evaluation_sampler_options(s.config, s.topo.world_size, s.topo.rank), s.device);
  if (s.topo.rank == 0) {
    s.files.write_eval(r.metrics, "test", fs::exists(best) ? best : s.files.latest_checkpoint());
    s.files.log("test split (" + std::to_string(r.metrics.utterances) + " utterances):\n" +
                metrics_table(r.metrics));
  }
}

bool wants_bar(const TrainOptions& o) {
  if (o.progress != "auto") return o.progress == "bar";
  for (const char* launcher : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_PROCID"}) {
    if (std::getenv(launcher) != nullptr) return false;
  }
  return isatty(STDOUT_FILENO) != 0;
}

}  // namespace

std::string run_directory(const Config& config) {
  return (fs::path(config.run.output_dir) / config.run.name).string();
}

// Before any collective that depends on them (NCCL set-up, parameter broadcast, the normalizer's
// sums), the ranks compare what they chose: a rank that sees no GPU, or was started with other
// settings, would otherwise wait forever in a collective the others never enter.
void check_ranks_agree(const Config& config, const torch::Device& device, const Topology& topo) {
  if (topo.world_size == 1) return;
  const std::vector<std::string> devices =
      host_all_gather(torch::DeviceTypeName(device.type(), true));
  const std::vector<std::string> backends =
      host_all_gather(resolve_backend(config.dist, device.is_cuda()));
  const std::vector<std::string> configs = host_all_gather(config_to_toml(config));
  const std::vector<std::string>& hosts = topo.hosts;
  std::vector<RankChoice> ranks;
  for (size_t r = 0; r < hosts.size(); ++r) {
    ranks.push_back({hosts[r], devices[r], backends[r], configs[r]});
  }
  const std::string problem = rank_disagreement(ranks);
  if (!problem.empty()) throw ConfigError(problem);
  const std::string shared = shared_gpu_problem(hosts, host_all_gather(device_pci_address(device)),
                                                config.dist.allow_shared_gpu);
  if (!shared.empty()) throw ConfigError(shared);
}

// Every rank reads checkpoints (resume, stage hand-off, final evaluation), so every rank must see
// the run directory that rank 0 writes: rank 0 leaves a token there and each rank reads it back.
void check_run_dir_shared(const std::string& dir, const Topology& topo) {
  if (topo.world_size == 1) return;
  const fs::path token = fs::path(dir) / ".artic-shared-check";
  std::string expected;
  if (topo.rank == 0) {
    expected = topo.host + " " + std::to_string(getpid()) + " " +
               std::to_string(Clock::now().time_since_epoch().count());
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
  std::string blind;
  for (size_t r = 0; r < sees.size(); ++r) {
    if (sees[r] == 0)
      blind += (blind.empty() ? "" : ", ") + std::to_string(r) + " (" + topo.hosts[r] + ")";
  }
  if (!blind.empty()) {
    throw ConfigError("run directory " + dir + " is not shared: rank(s) " + blind +
                      " do not see what rank 0 writes there (a node-local path?). Every rank "
                      "reads checkpoints on resume, stage hand-off and the final evaluation: put "
                      "run.output_dir on a file system that all nodes share");
  }
}

int run_training(const Config& config, const TrainOptions& options, const Topology& topo) {
  install_stop_handlers();
  set_collective_timeout(config.dist.timeout_s);
  const torch::Device device = pick_device(config.training, topo);
  check_ranks_agree(config, device, topo);
  Session s(config, topo, RunFiles(run_directory(config), topo.rank == 0, wants_bar(options)),
            device);
  s.files.prepare(options.resume || !options.resume_from.empty(), config);
  check_run_dir_shared(s.files.dir(), topo);
  setup(s, options);
  for (;;) {
    if (!s.progress.stage_done) {
      const int code = train_loop(s);
      if (code != 0) {
        s.metrics->finish();
        return code;
      }
      finish_stage(s);
    }
    if (static_cast<size_t>(s.progress.stage) + 1 >= stage_count(s.base)) break;
    next_stage(s);
  }
  s.files.write_summary(s.config, s.progress, s.stopped, s.data.segments.size(),
                        s.data.valid.size(), s.data.test.size(),
                        parameter_hash(s.model->parameters()),
                        {s.topo.world_size, s.train_seconds, s.frames_this_run,
                         s.rank_frames_this_run, s.topo.hosts, s.topo.local_ranks},
                        staged(s) ? json::parse(s.progress.stages_json, "stages") : json::Value());
  final_evaluation(s);
  s.metrics->finish();
  host_barrier();
  return 0;
}

}  // namespace artic
