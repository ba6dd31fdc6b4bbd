#include "train/observers.h"

#include <algorithm>
#include <cstdio>

#include "core/number_text.h"

namespace artic {
namespace {

std::string sci(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2e", v);
  return buf;
}

std::string percent(double part, double whole) {
  return fixed_text(whole > 0 ? 100.0 * part / whole : 0.0, 0) + "%";
}

std::string prefix(const std::string& stage) {
  return stage.empty() ? "" : "[" + stage + "] ";
}

double per_second(double amount, double seconds) {
  return amount / std::max(seconds, 1e-9);
}

std::string step_text(const StepLine& s) {
  const PhaseTimes& t = s.seconds;
  const double total = t.total();
  return prefix(s.stage) + "step " + std::to_string(s.step) + " | epoch " +
         std::to_string(s.epoch + 1) + " | loss " + fixed_text(s.loss, 4) + " | lr " + sci(s.lr) +
         " | grad " + fixed_text(s.grad_norm, 3) + " | " + fixed_text(s.frames_per_second, 0) +
         " frames/s" +
         (s.world_size > 1 ? " (rank 0: " + fixed_text(s.rank_frames_per_second, 0) + ")" : "") +
         " | pad eff " + fixed_text(100 * s.padding_efficiency, 1) + "% | data " +
         percent(t.data, total) + " fwd " + percent(t.forward, total) + " bwd " +
         percent(t.backward, total) + " allreduce " + percent(t.allreduce, total) + " optim " +
         percent(t.optimizer, total);
}

}  // namespace

void RunLog::on_step(const StepRecord& r) {
  frames_ += r.job_frames;
  padded_ += r.job_padded_frames;
  rank_frames_ += r.real_frames;
  flops_ += r.job_model_flops;
  times_ += r.times;
  if (r.step % log_every_ != 0 && !r.bad_step) return;
  const double wall = std::chrono::duration<double>(Clock::now() - last_line_).count();
  StepLine line;
  line.stage = r.stage_name;
  line.step = r.step;
  line.epoch = r.epoch;
  line.loss = r.loss;
  line.lr = r.learning_rate;
  line.grad_norm = r.grad_norm;
  line.world_size = r.world_size;
  line.frames = frames_;
  line.rank_frames = rank_frames_;
  line.model_flops = flops_;
  line.device_memory_peak_bytes = r.device_memory_peak_bytes;
  line.wall_seconds = wall;
  line.frames_per_second = per_second(static_cast<double>(frames_), wall);
  line.rank_frames_per_second = per_second(static_cast<double>(rank_frames_), wall);
  line.padding_efficiency = padded_ ? static_cast<double>(frames_) / padded_ : 1.0;
  line.seconds = times_;
  line.bad_steps = r.bad_steps_total;
  files_.log_quietly(step_text(line));
  files_.append_metrics(metrics_line(line));
  times_ = PhaseTimes();
  frames_ = padded_ = rank_frames_ = 0;
  flops_ = 0;
  last_line_ = Clock::now();
}

void RunLog::on_validation(const ValidationRecord& v) {
  const EvalMetrics& m = v.metrics;
  files_.log(prefix(v.stage) + "validation | epoch " + std::to_string(v.epoch + 1) + " | step " +
             std::to_string(v.step) + " | val loss " + fixed_text(v.loss, 4) +
             (v.improved ? " (best)" : "") + " | RMSE " + fixed_text(m.mean.rmse_mm, 3) +
             " mm | r " + fixed_text(m.mean.pearson_r, 3) + " | MAE " +
             fixed_text(m.mean.mae_mm, 3) + " mm | " + fixed_text(v.seconds, 1) + " s");
  files_.append_metrics(metrics_line(v));
}

void RunLog::on_stage_start(const StageStartRecord& s) {
  std::string overrides;
  for (const auto& o : s.overrides) overrides += " " + o;
  files_.log("stage " + std::to_string(s.index) + "/" + std::to_string(s.stages) + " '" + s.stage +
             "' starts at step " + std::to_string(s.step) + " (" +
             std::to_string(s.train_segments) + " train segments, " +
             std::to_string(s.planned_steps) + " steps planned" +
             (s.from.empty() ? "" : ", from " + s.from) + "):" + overrides);
  files_.append_metrics(metrics_line(s));
}

void RunLog::on_stage_end(const StageEndRecord& s) {
  files_.log("stage '" + s.stage + "' ended at step " + std::to_string(s.step) + " (" + s.stopped +
             ", best validation loss " + std::to_string(s.best_val_loss) + " at epoch " +
             std::to_string(s.best_epoch) + ")");
  files_.append_metrics(metrics_line(s));
}

void ProgressBar::on_start(const StepRecord&) {
  started_ = Clock::now();
  steps_ = frames_ = 0;
}

void ProgressBar::on_step(const StepRecord& r) {
  steps_ += 1;
  frames_ += r.job_frames;
  const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  ProgressView v;
  v.epoch = r.epoch;
  v.max_epochs = r.max_epochs;
  v.epoch_step = r.epoch_step;
  v.epoch_steps = r.epoch_steps;
  v.step = r.stage_steps;
  v.total_steps = r.planned_steps;
  v.loss = r.loss;
  v.frames_per_second = per_second(static_cast<double>(frames_), elapsed);
  v.eta_seconds = elapsed / static_cast<double>(steps_) *
                  static_cast<double>(std::max<int64_t>(0, v.total_steps - v.step));
  files_.show_progress(v);
}

}  // namespace artic
