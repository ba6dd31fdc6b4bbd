// The training loop driven on a tiny in-memory corpus with a fake communicator (one rank, no
// MPI): steps, stage transitions, early stopping, checkpoint cadence, skipped steps, preemption
// and resume, and what the observers receive.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "data/corpus.h"
#include "data/dataset.h"
#include "dist/communicator.h"
#include "synth/corpus_files.h"
#include "test_util.h"
#include "train/observer.h"
#include "train/signals.h"
#include "train/trainer.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

// One rank: the sums are the tensors themselves. Counts the collectives and can poison chosen
// all-reduces (1-based) with NaN, as a failing peer or overflow would.
class FakeCommunicator : public Communicator {
 public:
  std::string name() const override { return "fake"; }
  void all_reduce_flat(torch::Tensor& flat) override {
    all_reduces += 1;
    if (poisoned.count(all_reduces) != 0) flat.fill_(NAN);
  }
  void broadcast_flat(torch::Tensor&, int) override { broadcasts += 1; }
  void barrier() override {}
  int all_reduces = 0, broadcasts = 0;
  std::set<int> poisoned;
};

struct Recorder : TrainingObserver {
  void on_start(const StepRecord& r) override { starts.push_back(r); }
  void on_step(const StepRecord& r) override {
    steps.push_back(r);
    if (stop_after_step > 0 && r.step == stop_after_step) std::raise(SIGUSR1);
  }
  void on_validation(const ValidationRecord& r) override { validations.push_back(r); }
  void on_stage_start(const StageStartRecord& r) override {
    stage_starts.push_back(r);
    events.push_back("start " + r.stage);
  }
  void on_stage_end(const StageEndRecord& r) override {
    stage_ends.push_back(r);
    events.push_back("end " + r.stage);
  }
  void on_checkpoint(const CheckpointRecord& r) override { checkpoints.push_back(r); }
  std::vector<StepRecord> starts, steps;
  std::vector<ValidationRecord> validations;
  std::vector<StageStartRecord> stage_starts;
  std::vector<StageEndRecord> stage_ends;
  std::vector<CheckpointRecord> checkpoints;
  std::vector<std::string> events;
  int64_t stop_after_step = 0;
};

const Corpus& tiny_corpus() {
  static const Corpus corpus = [] {
    SynthOptions o;
    o.seed = 7;
    o.num_utterances = 30;
    o.mean_length_s = 1.2;
    o.min_length_s = 0.6;
    o.max_length_s = 2.5;
    o.valid_fraction = 0.2;
    o.test_fraction = 0.2;
    test::TempDir dir;
    const std::string path = dir.file("tiny.h5");
    write_synth_corpus(path, o, 2);
    return read_corpus(path);
  }();
  return corpus;
}

// overrides: "section.key=value"; stages: [[stage]] tables.
Config tiny_config(const std::string& dir, const std::vector<std::string>& overrides = {},
                   const std::string& stages = "") {
  return parse_config(R"(
[run]
name = "loop"
output_dir = ")" + dir + R"("
seed = 3
log_every = 1
[batching]
max_frames = 600
prefetch = 2
[model]
d_model = 16
num_layers = 1
num_heads = 2
ff_dim = 32
[schedule]
warmup_steps = 2
[training]
max_epochs = 2
patience = 0
threads = 1
[checkpoint]
keep_last = 2
)" + stages,
                      "trainer_test", overrides);
}

struct LoopRun {
  int code = 0;
  Recorder seen;
  FakeCommunicator comm;
};

void train(LoopRun& run, const Config& config, const TrainOptions& options = {}) {
  TrainHooks hooks;
  hooks.corpus = &tiny_corpus();
  hooks.communicator = &run.comm;
  hooks.observers = {&run.seen};
  TrainOptions o = options;
  o.progress = "lines";
  run.code = run_training(config, o, Topology(), hooks);
}

std::vector<nlohmann::json> metrics_lines(const std::string& run_dir, const std::string& type) {
  std::vector<nlohmann::json> out;
  std::ifstream in(fs::path(run_dir) / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.at("type") == type) out.push_back(j);
  }
  return out;
}

TEST(Loop, StepsValidationsCheckpointsAndWhatObserversReceive) {
  test::TempDir dir;
  LoopRun run;
  const Config config = tiny_config(dir.path(), {"checkpoint.every_steps=2"});
  train(run, config);
  ASSERT_EQ(run.code, 0);
  const Recorder& r = run.seen;
  ASSERT_EQ(r.starts.size(), 1u);
  const int64_t planned = r.starts[0].planned_steps;
  const int64_t per_epoch = r.starts[0].epoch_steps;
  ASSERT_GT(per_epoch, 1) << "the test needs several steps per epoch";
  EXPECT_EQ(planned, 2 * per_epoch);
  ASSERT_EQ(static_cast<int64_t>(r.steps.size()), planned);
  for (size_t i = 0; i < r.steps.size(); ++i) {
    const StepRecord& s = r.steps[i];
    EXPECT_EQ(s.step, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(s.stage_steps, s.step);
    EXPECT_EQ(s.epoch, static_cast<int64_t>(i) / per_epoch);
    EXPECT_EQ(s.epoch_step, static_cast<int64_t>(i) % per_epoch + 1);
    EXPECT_FALSE(s.bad_step);
    EXPECT_TRUE(std::isfinite(s.loss) && s.loss > 0);
    EXPECT_GT(s.job_frames, 0);
    EXPECT_EQ(s.job_frames, s.real_frames) << "one rank";
    EXPECT_GE(s.padded_frames, s.real_frames);
    EXPECT_LE(s.padded_frames, 600);
    EXPECT_GT(s.job_model_flops, 0);
    EXPECT_GT(s.allreduce_bytes, 0);
    EXPECT_GT(s.learning_rate, 0);
  }
  EXPECT_LT(r.steps.back().loss, r.steps.front().loss);
  // One bucket holds every gradient: one all-reduce per step; the parameters were broadcast.
  EXPECT_EQ(run.comm.all_reduces, planned);
  EXPECT_GE(run.comm.broadcasts, 1);

  ASSERT_EQ(r.validations.size(), 2u) << "one per epoch (eval_every = 0)";
  EXPECT_TRUE(r.validations[0].improved);
  EXPECT_EQ(r.validations[0].step, per_epoch);
  EXPECT_EQ(r.validations[1].step, planned);
  EXPECT_EQ(r.validations[0].metrics.articulators.size(), 12u);

  // Cadence: a step checkpoint at every multiple of every_steps and at every epoch end; a best
  // checkpoint at every improvement.
  std::set<int64_t> step_checkpoints;
  int64_t best = 0;
  for (const auto& c : r.checkpoints) {
    if (c.kind == "step") step_checkpoints.insert(c.step);
    if (c.kind == "best") best += 1;
  }
  std::set<int64_t> expected;
  for (int64_t s = 2; s <= planned; s += 2) expected.insert(s);
  expected.insert(per_epoch);
  expected.insert(planned);
  EXPECT_EQ(step_checkpoints, expected);
  int64_t improvements = 0;
  for (const auto& v : r.validations) improvements += v.improved ? 1 : 0;
  EXPECT_EQ(best, improvements);
  const std::string run_dir = dir.file("loop");
  int64_t kept = 0;
  for (const auto& e : fs::directory_iterator(fs::path(run_dir) / "checkpoints")) {
    kept += e.path().filename().string().rfind("step-", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(kept, 2) << "checkpoint.keep_last";

  // The run log wrote what the observers saw.
  const auto lines = metrics_lines(run_dir, "step");
  ASSERT_EQ(static_cast<int64_t>(lines.size()), planned) << "log_every = 1";
  EXPECT_EQ(lines.back().at("step"), planned);
  EXPECT_DOUBLE_EQ(lines.back().at("loss").get<double>(), r.steps.back().loss);
  EXPECT_EQ(lines.back().at("frames"), r.steps.back().job_frames);
  EXPECT_EQ(metrics_lines(run_dir, "validation").size(), 2u);
  const RunSummary summary = read_run_summary(run_dir + "/summary.json");
  EXPECT_EQ(summary.steps, planned);
  EXPECT_EQ(summary.epochs, 2);
  EXPECT_EQ(summary.stopped, "max_epochs");
  EXPECT_EQ(summary.throughput.frames, [&] {
    int64_t f = 0;
    for (const auto& s : r.steps) f += s.job_frames;
    return f;
  }());
  const EvalRecord eval = read_eval_record(run_dir + "/eval.json");
  EXPECT_EQ(eval.split, "test");
  const auto test_utterances = split_indices(tiny_corpus().utterances, "test");
  EXPECT_EQ(eval.metrics.utterances, static_cast<int64_t>(test_utterances.size()));
  // One record per test utterance, in the split's order; pooled, they give the split's RMSE and
  // MAE, and their speech frames the speech-only figures (a synthetic corpus has pauses).
  ASSERT_EQ(eval.utterances.size(), test_utterances.size());
  ASSERT_GT(eval.speech.utterances, 0);
  EXPECT_DOUBLE_EQ(eval.silence_fraction, 0.25);
  EXPECT_LT(eval.speech.frames, eval.metrics.frames);
  for (size_t c = 0; c < eval.metrics.articulators.size(); ++c) {
    double sq = 0, abs = 0, speech_sq = 0, frames = 0, speech_frames = 0;
    for (size_t k = 0; k < test_utterances.size(); ++k) {
      const UtteranceMetrics& u = eval.utterances[k];
      EXPECT_EQ(u.id, tiny_corpus().utterances[test_utterances[k]].id);
      EXPECT_LE(u.speech_frames, u.frames);
      sq += u.all[c].rmse_mm * u.all[c].rmse_mm * static_cast<double>(u.frames);
      abs += u.all[c].mae_mm * static_cast<double>(u.frames);
      speech_sq += u.speech[c].rmse_mm * u.speech[c].rmse_mm * static_cast<double>(u.speech_frames);
      frames += static_cast<double>(u.frames);
      speech_frames += static_cast<double>(u.speech_frames);
    }
    EXPECT_NEAR(std::sqrt(sq / frames), eval.metrics.per_channel[c].rmse_mm, 1e-9);
    EXPECT_NEAR(abs / frames, eval.metrics.per_channel[c].mae_mm, 1e-9);
    EXPECT_NEAR(std::sqrt(speech_sq / speech_frames), eval.speech.per_channel[c].rmse_mm, 1e-9);
    EXPECT_EQ(speech_frames, static_cast<double>(eval.speech.frames));
  }
}

// training.eval_window: the same training, validated and tested in windows (recorded in eval.json).
TEST(Loop, ValidationAndTestPredictInWindowsWhenEvalWindowIsSet) {
  test::TempDir a, b;
  LoopRun whole, windowed;
  train(whole, tiny_config(a.path()));
  train(windowed, tiny_config(b.path(), {"training.eval_window=40", "training.eval_overlap=10"}));
  ASSERT_EQ(whole.seen.steps.size(), windowed.seen.steps.size());
  for (size_t k = 0; k < whole.seen.steps.size(); ++k) {
    EXPECT_EQ(whole.seen.steps[k].loss, windowed.seen.steps[k].loss) << k;
  }
  ASSERT_EQ(whole.seen.validations.size(), windowed.seen.validations.size());
  EXPECT_NE(whole.seen.validations.back().loss, windowed.seen.validations.back().loss);
  const EvalRecord w = read_eval_record(b.path() + "/loop/eval.json");
  const EvalRecord f = read_eval_record(a.path() + "/loop/eval.json");
  EXPECT_EQ(w.window, 40);
  EXPECT_EQ(w.overlap, 10);
  EXPECT_EQ(f.window, 0);
  EXPECT_NE(w.metrics.mean.rmse_mm, f.metrics.mean.rmse_mm);
}

TEST(Loop, EarlyStoppingEndsTheRunAfterPatienceValidations) {
  test::TempDir dir;
  LoopRun run;
  // No validation after the first can beat the best by min_delta.
  train(run, tiny_config(dir.path(), {"training.max_epochs=10", "training.patience=2",
                                      "training.min_delta=1e9"}));
  ASSERT_EQ(run.code, 0);
  const Recorder& r = run.seen;
  ASSERT_EQ(r.validations.size(), 3u);
  EXPECT_TRUE(r.validations[0].improved);
  EXPECT_FALSE(r.validations[1].improved);
  EXPECT_FALSE(r.validations[2].improved);
  EXPECT_EQ(static_cast<int64_t>(r.steps.size()), 3 * r.starts[0].epoch_steps);
  const RunSummary summary = read_run_summary(dir.file("loop/summary.json"));
  EXPECT_EQ(summary.stopped, "early_stopping");
  EXPECT_EQ(summary.epochs, 3);
  EXPECT_EQ(summary.best_epoch, 1);
}

TEST(Loop, StagesRunInOrderAndTheNextStartsFromTheBestWeights) {
  test::TempDir dir;
  LoopRun run;
  train(run, tiny_config(dir.path(), {}, R"(
[[stage]]
name = "chunks"
data.split_mode = "fixed"
data.sequence_length = 50
training.max_epochs = 1
[[stage]]
name = "full"
training.max_epochs = 1
optim.learning_rate = 5e-4
)"));
  ASSERT_EQ(run.code, 0);
  const Recorder& r = run.seen;
  EXPECT_EQ(r.events,
            (std::vector<std::string>{"start chunks", "end chunks", "start full", "end full"}));
  ASSERT_EQ(r.stage_starts.size(), 2u);
  ASSERT_EQ(r.stage_ends.size(), 2u);
  EXPECT_EQ(r.stage_starts[1].from, dir.file("loop/checkpoints/best-chunks.pt"));
  EXPECT_EQ(r.stage_starts[1].param_hash, r.stage_ends[0].best_param_hash);
  EXPECT_EQ(r.stage_starts[1].step, r.stage_ends[0].step);
  EXPECT_DOUBLE_EQ(r.stage_starts[1].learning_rate, 5e-4);
  EXPECT_GT(r.stage_starts[0].train_segments, r.stage_starts[1].train_segments)
      << "50-frame chunks outnumber whole utterances";
  int64_t stage2 = 0;
  for (const auto& s : r.steps) {
    if (s.stage == 1) {
      EXPECT_EQ(s.stage_name, "full");
      EXPECT_EQ(s.stage_steps, ++stage2);
      EXPECT_EQ(s.step, r.stage_ends[0].step + stage2);
    } else {
      EXPECT_EQ(s.stage_name, "chunks");
    }
  }
  EXPECT_EQ(stage2, r.stage_ends[1].steps);
  const RunSummary summary = read_run_summary(dir.file("loop/summary.json"));
  ASSERT_EQ(summary.stages.size(), 2u);
  EXPECT_EQ(summary.stages[0].stage, "chunks");
  EXPECT_EQ(summary.stages[1].last_param_hash, r.stage_ends[1].last_param_hash);
  EXPECT_TRUE(fs::exists(dir.file("loop/checkpoints/best-full.pt")));
}

TEST(Loop, ANonFiniteStepIsSkippedAndTooManyEndTheRun) {
  test::TempDir dir;
  LoopRun run;
  run.comm.poisoned = {3};
  train(run, tiny_config(dir.path(), {"training.max_steps=5", "training.max_epochs=5"}));
  ASSERT_EQ(run.code, 0);
  const auto& steps = run.seen.steps;
  ASSERT_EQ(steps.size(), 6u) << "five applied steps and the skipped one";
  EXPECT_TRUE(steps[2].bad_step);
  EXPECT_FALSE(std::isfinite(steps[2].loss));
  EXPECT_EQ(steps[2].step, 2) << "a skipped step does not count";
  EXPECT_EQ(steps[3].step, 3);
  EXPECT_FALSE(steps[3].bad_step);
  EXPECT_TRUE(std::isfinite(steps[3].loss)) << "the weights were not touched by the NaN";
  const RunSummary summary = read_run_summary(dir.file("loop/summary.json"));
  EXPECT_EQ(summary.bad_steps, 1);
  EXPECT_EQ(summary.stopped, "max_steps");
  EXPECT_EQ(summary.steps, 5);

  test::TempDir dir2;
  LoopRun failing;
  failing.comm.poisoned = {2, 3};
  EXPECT_THROW(train(failing, tiny_config(dir2.path(), {"training.max_bad_steps=2"})), UserError);
}

TEST(Loop, APreemptedRunResumesToTheSameWeights) {
  test::TempDir a, b;
  LoopRun whole;
  train(whole, tiny_config(a.path()));
  ASSERT_EQ(whole.code, 0);

  LoopRun first;
  first.seen.stop_after_step = 3;
  train(first, tiny_config(b.path()));
  EXPECT_EQ(first.code, kExitPreempted);
  EXPECT_EQ(first.seen.steps.size(), 3u);
  EXPECT_FALSE(fs::exists(b.file("loop/summary.json")));
  LoopRun second;
  TrainOptions resume;
  resume.resume = true;
  train(second, tiny_config(b.path()), resume);
  ASSERT_EQ(second.code, 0);
  ASSERT_FALSE(second.seen.steps.empty());
  EXPECT_EQ(second.seen.steps.front().step, 4);
  EXPECT_EQ(second.seen.starts[0].step, 3);
  const RunSummary one = read_run_summary(a.file("loop/summary.json"));
  const RunSummary two = read_run_summary(b.file("loop/summary.json"));
  EXPECT_EQ(one.steps, two.steps);
  EXPECT_EQ(one.param_hash, two.param_hash) << "bit-identical resume";
  EXPECT_EQ(one.best_val_loss, two.best_val_loss);
}

}  // namespace
}  // namespace artic
