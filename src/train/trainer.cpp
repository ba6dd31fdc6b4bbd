#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "core/log.h"
#include "core/rng.h"
#include "data/loader.h"
#include "dist/grad_sync.h"
#include "eval/report.h"
#include "model/flops.h"
#include "train/accumulate.h"
#include "train/batching.h"
#include "train/device_memory.h"
#include "train/predict.h"
#include "train/schedule.h"
#include "train/setup.h"
#include "train/signals.h"
#include "train/stages.h"
#include "train/update.h"

namespace artic {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
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

// Where the run stands, as the fields of a step record that do not depend on the step's result.
StepRecord position(const Session& s) {
  StepRecord r;
  r.step = s.progress.step;
  r.epoch = s.progress.epoch;
  r.stage = s.progress.stage;
  r.stage_name = stage_label(s);
  r.stage_steps = stage_step(s);
  r.planned_steps = s.progress.total_steps;
  r.epoch_step = s.epoch_step;
  r.epoch_steps = steps_per_epoch(s);
  r.max_epochs = s.config.training.max_epochs;
  r.bad_steps_total = s.progress.bad_steps_total;
  r.world_size = s.topo.world_size;
  return r;
}

// Validation on full utterances; updates best/early-stopping state. True when training should
// stop early.
bool validate(Session& s) {
  const auto t0 = Clock::now();
  const SplitResult r = evaluate_split(
      *s.model, s.data.source, s.data.valid, s.normalizer,
      evaluation_options(s.config, s.data.source.meta(), s.topo.world_size, s.topo.rank), s.device);
  TrainProgress& p = s.progress;
  const bool improved = r.loss < p.best_val_loss - s.config.training.min_delta;
  if (improved) {
    p.best_val_loss = r.loss;
    p.best_epoch = p.epoch;
    p.best_step = p.step;
    p.validations_without_improvement = 0;
    if (s.config.checkpoint.save_best) save_best_checkpoint(s);
  } else {
    p.validations_without_improvement += 1;
  }
  ValidationRecord v;
  v.stage = stage_label(s);
  v.step = p.step;
  v.epoch = p.epoch;
  v.loss = r.loss;
  v.best_loss = p.best_val_loss;
  v.improved = improved;
  v.seconds = seconds_since(t0);
  v.metrics = r.metrics;
  s.observers.validation(v);
  const int64_t patience = s.config.training.patience;
  return patience > 0 && p.validations_without_improvement >= patience;
}

// Skipped, not applied: an update from a non-finite loss or gradient would poison the weights.
bool is_bad_step(const AccumulateResult& r) {
  return !std::isfinite(r.loss) || !std::isfinite(r.grad_norm);
}

bool any_rank_asks_to_stop() {
  std::vector<int64_t> flag = {stop_requested() ? 1 : 0};
  host_all_reduce_sum(flag);
  return flag[0] > 0;
}

void count_bad_step(Session& s) {
  TrainProgress& p = s.progress;
  p.bad_steps_total += 1;
  p.bad_steps_in_a_row += 1;
  log_warn("step " + std::to_string(p.step + 1) +
           ": non-finite loss or gradient norm, step skipped (" +
           std::to_string(p.bad_steps_in_a_row) + " in a row)");
  if (p.bad_steps_in_a_row >= s.config.training.max_bad_steps) {
    throw UserError("training stopped: " + std::to_string(p.bad_steps_in_a_row) +
                    " steps in a row had a non-finite loss or gradient norm "
                    "(training.max_bad_steps); lower "
                    "optim.learning_rate or check the corpus with 'artic corpus info'");
  }
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
  int64_t rank_frames = 0, rank_padded = 0;
  while (static_cast<int64_t>(micro.size()) < tc.accumulate_grad_batches && loader.next(&b)) {
    rank_frames += b.real_frames;
    rank_padded += b.padded_frames;
    after = b.state_after;
    micro.push_back(to_micro(b, s.device));
    micro.back().model_flops = step_flops(s.config.model, s.shape, b.lengths);
  }
  if (micro.empty()) return StepOutcome::EpochEnd;
  PhaseTimes times;
  times.data = loader.wait_seconds() - waited;

  const double lr =
      learning_rate_at(stage_step(s), s.progress.total_steps, s.config.optim, s.config.schedule);
  set_learning_rate(*s.optimizer, lr);
  // Dropout draws from a stream keyed by (seed, rank, step): a resumed run continues it exactly.
  torch::manual_seed(
      Rng::keyed({static_cast<uint64_t>(s.config.run.seed), static_cast<uint64_t>(s.topo.rank),
                  static_cast<uint64_t>(s.progress.step)})
          .next());
  const bool bf16 = s.config.training.precision == Precision::Bf16 && s.device.is_cuda();
  const AccumulateResult r =
      accumulate_gradients(*s.model, micro, *s.comm, s.bucket_bytes, bf16, s.overlap.get());
  times.forward = r.forward_seconds;
  times.backward = r.backward_seconds;
  times.allreduce = r.allreduce_seconds;
  s.progress.sampler_position = after.position;
  const bool bad = is_bad_step(r);
  if (bad) {
    count_bad_step(s);
  } else {
    const auto t0 = Clock::now();
    const double clip = s.config.optim.grad_clip > 0 ? s.config.optim.grad_clip : INFINITY;
    clip_gradients(s.model->parameters(), r.grad_norm_tensor, clip);
    adamw_step(*s.optimizer);
    times.optimizer = seconds_since(t0);
    s.progress.step += 1;
    s.progress.bad_steps_in_a_row = 0;
    if (s.config.dist.check_consistency) {
      check_parameters_consistent(s.model->parameters(), s.progress.step);
    }
  }
  s.epoch_step += 1;
  s.frames_this_run += r.global_frames;
  s.rank_frames_this_run += rank_frames;
  s.train_seconds += seconds_since(started);

  StepRecord rec = position(s);
  rec.loss = r.loss;
  rec.learning_rate = lr;
  rec.grad_norm = bad ? 0 : r.grad_norm;
  rec.bad_step = bad;
  rec.real_frames = rank_frames;
  rec.padded_frames = rank_padded;
  rec.job_frames = r.global_frames;
  rec.job_padded_frames = r.global_padded_frames;
  rec.job_model_flops = r.global_model_flops;
  rec.allreduce_bytes = r.allreduce_bytes;
  rec.times = times;
  rec.seconds = seconds_since(started);
  const DeviceMemory mem = device_memory(s.device);
  rec.device_memory_bytes = mem.current_bytes;
  rec.device_memory_peak_bytes = mem.peak_bytes;
  s.observers.step(rec);

  if (any_rank_asks_to_stop()) return StepOutcome::Preempted;
  const int64_t every = s.config.checkpoint.every_steps;
  if (every > 0 && !bad && s.progress.step % every == 0) save_step_checkpoint(s);
  if (tc.eval_every > 0 && !bad && stage_step(s) % tc.eval_every == 0 && validate(s)) {
    return StepOutcome::EarlyStop;
  }
  if (tc.max_steps > 0 && stage_step(s) >= tc.max_steps) return StepOutcome::Finished;
  return StepOutcome::Continue;
}

// Runs the stage's epochs until done; returns the exit code.
int train_loop(Session& s) {
  const auto& tc = s.config.training;
  int64_t first = s.progress.epoch + (s.progress.epoch_done ? 1 : 0);
  for (int64_t epoch = first; epoch < tc.max_epochs; ++epoch) {
    if (epoch == s.progress.epoch && !s.progress.epoch_done) {
      s.sampler->restore({epoch, s.progress.sampler_position});
      s.epoch_step = s.progress.sampler_position / tc.accumulate_grad_batches;
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
    if (outcome == StepOutcome::EarlyStop || outcome == StepOutcome::Finished) {
      s.stopped = outcome == StepOutcome::EarlyStop ? "early_stopping" : "max_steps";
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

RunSummary summary(const Session& s) {
  const TrainProgress& p = s.progress;
  RunSummary r;
  r.name = s.config.run.name;
  r.train_segments = static_cast<int64_t>(s.data.segments.size());
  r.valid_segments = static_cast<int64_t>(s.data.valid.size());
  r.test_utterances = static_cast<int64_t>(s.data.test.size());
  r.epochs = p.epoch + 1;
  r.best_epoch = p.best_epoch + 1;
  r.steps = p.step;
  r.best_val_loss = p.best_val_loss;
  r.split_mode = name_of(s.config.data.segments.mode);
  r.sequence_length = s.config.data.segments.sequence_length;
  r.stopped = s.stopped;
  r.bad_steps = p.bad_steps_total;
  r.param_hash = hash_hex(parameter_hash(s.model->parameters()));
  r.throughput = {s.topo.world_size,      s.train_seconds, s.frames_this_run,
                  s.rank_frames_this_run, s.topo.hosts,    s.topo.local_ranks};
  r.stages = p.stages;
  return r;
}

std::string throughput_line(const RunThroughput& t) {
  if (t.frames == 0) {
    return "throughput: not measured, this invocation trained nothing (training had ended; it "
           "wrote the final records that were missing)";
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "throughput: %.0f frames/s (%d %s), rank 0 %.0f frames/s, over %.1f s of training",
                t.frames_per_second(), t.world_size, t.world_size == 1 ? "rank" : "ranks",
                t.rank_frames_per_second(), t.seconds);
  return line;
}

// Test-split evaluation with the best weights (the last ones without validation): eval.json.
void final_evaluation(Session& s) {
  if (s.data.test.empty()) {
    s.files.log("no test split: skipping the final evaluation");
    return;
  }
  const std::string best = s.files.best_checkpoint();
  if (fs::exists(best)) load_checkpoint(best, *s.model, nullptr);
  const EvalOptions options =
      evaluation_options(s.config, s.data.source.meta(), s.topo.world_size, s.topo.rank);
  const SplitResult r =
      evaluate_split(*s.model, s.data.source, s.data.test, s.normalizer, options, s.device);
  s.files.write_eval(
      eval_record("test", fs::exists(best) ? best : s.files.latest_checkpoint(), r, options));
  s.files.log("test split (" + std::to_string(r.metrics.utterances) + " utterances):\n" +
              metrics_table(r.metrics) +
              (r.speech.utterances > 0 ? speech_line(r.speech, r.metrics.frames) : ""));
}

}  // namespace

std::string run_directory(const Config& config) {
  return (fs::path(config.run.output_dir) / config.run.name).string();
}

int run_training(const Config& config, const TrainOptions& options, const Topology& topo,
                 const TrainHooks& hooks) {
  install_stop_handlers();
  set_collective_timeout(config.dist.timeout_s);
  const torch::Device device = pick_device(config.training, topo);
  check_ranks_agree(config, device, topo);
  Session s(config, topo, RunFiles(run_directory(config), topo.rank == 0, wants_bar(options)),
            device);
  s.files.check(options.resume || !options.resume_from.empty());
  setup(s, options, hooks);
  s.observers.start(position(s));
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
  // A run resumed after its training ended writes only the final records that are missing.
  const bool trained_now = s.frames_this_run > 0;
  const fs::path dir(s.files.dir());
  if (trained_now || !fs::exists(dir / "summary.json")) {
    const RunSummary sum = summary(s);
    s.files.log(throughput_line(sum.throughput));
    s.files.write_summary(sum);
  }
  if (trained_now || !fs::exists(dir / "eval.json")) final_evaluation(s);
  s.metrics->finish();
  host_barrier();
  return 0;
}

}  // namespace artic
