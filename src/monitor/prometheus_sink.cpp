#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gateway.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <cstdlib>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <map>
#include <system_error>

#include "core/log.h"
#include "monitor/endpoint.h"
#include "monitor/metrics_server.h"
#include "monitor/metrics_sink.h"

namespace artic {
namespace {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Labels;
using prometheus::Registry;

// Step phases take from about a millisecond (optimizer of a tiny model) to a minute (a long
// accumulation group of full utterances on CPU).
const Histogram::BucketBoundaries kStepBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60};

class NullSink : public MetricsSink {
 public:
  void step(const StepRecord&) override {}
  void validation(const ValidationRecord&) override {}
  void planned_steps(int64_t) override {}
  std::string endpoint() const override { return {}; }
  void finish() override {}
};

class PrometheusSink : public MetricsSink {
 public:
  PrometheusSink(const MonitorConfig& config, const RunIdentity& id)
      : config_(config),
        id_(id),
        registry_(std::make_shared<Registry>()),
        labels_{{"job", config.job}, {"rank", std::to_string(id.rank)}} {
    train_loss_ = &gauge("artic_train_loss", "Training loss of the last step (MSE, normalized)");
    lr_ = &gauge("artic_learning_rate", "Learning rate of the last optimizer step");
    grad_norm_ = &gauge("artic_grad_norm", "Global gradient norm before clipping");
    epoch_ = &gauge("artic_epoch", "Current epoch of the stage (0-based)");
    stage_ = &gauge("artic_stage", "Current stage of a staged run (0-based; 0 without stages)");
    planned_ = &gauge("artic_planned_steps", "Optimizer steps the current stage plans");
    stage_steps_ = &gauge("artic_stage_steps", "Optimizer steps done in the current stage");
    steps_ = &counter("artic_optimizer_steps_total", "Optimizer steps taken by this process");
    frames_ = &counter("artic_frames_total", "Real (unpadded) frames trained on by this rank");
    padded_ =
        &counter("artic_padded_frames_total", "Frames trained on by this rank including padding");
    allreduce_bytes_ =
        &counter("artic_allreduce_bytes_total", "Bytes of gradients sent into all-reduce");
    bad_steps_ = &counter("artic_bad_steps_total", "Steps skipped for a non-finite loss");
    auto& memory = prometheus::BuildGauge()
                       .Name("artic_device_memory_bytes")
                       .Help("Memory in use on the training device (CUDA allocator; RSS on CPU)")
                       .Labels(labels_)
                       .Register(*registry_);
    memory_ = &memory.Add({{"device", id.device}, {"kind", "current"}});
    memory_peak_ = &memory.Add({{"device", id.device}, {"kind", "peak"}});
    auto& phases = prometheus::BuildHistogram()
                       .Name("artic_step_seconds")
                       .Help(
                           "Time of each step phase on this rank; on a GPU forward, backward and "
                           "allreduce are device time (CUDA events), data and optimizer host time "
                           "(the optimizer's kernels are launched, not waited for)")
                       .Labels(labels_)
                       .Register(*registry_);
    for (const char* p : {"data", "forward", "backward", "allreduce", "optimizer"}) {
      phase_[p] = &phases.Add({{"phase", p}}, kStepBuckets);
    }
    prometheus::BuildGauge()
        .Name("artic_run_info")
        .Help("Constant 1, labelled with what the run is")
        .Labels(labels_)
        .Register(*registry_)
        .Add({{"run", id.run_name},
              {"host", id.host},
              {"device", id.device},
              {"model", id.model_kind},
              {"world_size", std::to_string(id.world_size)}})
        .Set(1);
    gauge("artic_parameters", "Trainable parameters of the model")
        .Set(static_cast<double>(id.parameters));
    serve();
  }

  void step(const StepRecord& r) override {
    epoch_->Set(static_cast<double>(r.epoch));
    stage_->Set(static_cast<double>(r.stage));
    stage_steps_->Set(static_cast<double>(r.stage_steps));
    lr_->Set(r.learning_rate);
    frames_->Increment(static_cast<double>(r.real_frames));
    padded_->Increment(static_cast<double>(r.padded_frames));
    allreduce_bytes_->Increment(static_cast<double>(r.allreduce_bytes));
    phase_["data"]->Observe(r.times.data);
    phase_["forward"]->Observe(r.times.forward);
    phase_["backward"]->Observe(r.times.backward);
    phase_["allreduce"]->Observe(r.times.allreduce);
    if (r.bad_step) {
      bad_steps_->Increment();
    } else {
      train_loss_->Set(r.loss);
      grad_norm_->Set(r.grad_norm);
      steps_->Increment();
      phase_["optimizer"]->Observe(r.times.optimizer);
    }
    memory_->Set(static_cast<double>(r.device_memory_bytes));
    memory_peak_->Set(static_cast<double>(r.device_memory_peak_bytes));
  }

  // Validation series appear with the first validation, on the rank that reports them.
  void validation(const ValidationRecord& r) override {
    if (validations_ == nullptr) {
      validations_ = &counter("artic_validations_total", "Validation passes finished");
      val_loss_ = &gauge("artic_val_loss", "Validation loss (MSE, normalized)");
      best_val_loss_ = &gauge("artic_best_val_loss", "Best validation loss so far");
      rmse_ = &family("artic_val_rmse_mm", "Validation RMSE per articulator (all = mean)");
      mae_ = &family("artic_val_mae_mm", "Validation MAE per articulator (all = mean)");
      r_ = &family("artic_val_pearson_r", "Validation Pearson r per articulator (all = mean)");
    }
    validations_->Increment();
    val_loss_->Set(r.loss);
    best_val_loss_->Set(r.best_loss);
    const EvalMetrics& m = r.metrics;
    for (size_t c = 0; c < m.articulators.size(); ++c) {
      const Labels a{{"articulator", m.articulators[c]}};
      rmse_->Add(a).Set(m.per_channel[c].rmse_mm);
      mae_->Add(a).Set(m.per_channel[c].mae_mm);
      r_->Add(a).Set(m.per_channel[c].pearson_r);
    }
    const Labels all{{"articulator", "all"}};
    rmse_->Add(all).Set(m.mean.rmse_mm);
    mae_->Add(all).Set(m.mean.mae_mm);
    r_->Add(all).Set(m.mean.pearson_r);
  }

  void planned_steps(int64_t total) override { planned_->Set(static_cast<double>(total)); }

  std::string endpoint() const override { return endpoint_; }

  void finish() override {
    if (config_.pushgateway.empty()) return;
    try {
      const HostPort gw = parse_host_port(config_.pushgateway, "monitor.pushgateway");
      const std::string reach = tcp_probe(gw, 3.0);
      if (!reach.empty()) {
        log_warn("monitor: push gateway " + config_.pushgateway + " unreachable (" + reach +
                 "); final metrics of rank " + std::to_string(id_.rank) + " not pushed");
        return;
      }
      // Grouped by run too: concurrent runs and sweep tasks of one job name keep their own.
      prometheus::Gateway gateway("http://" + gw.host, std::to_string(gw.port), config_.job,
                                  {{"run", id_.run_name}, {"rank", std::to_string(id_.rank)}});
      gateway.RegisterCollectable(registry_);
      const int code = gateway.Push();
      if (code < 200 || code >= 300) {
        log_warn("monitor: push gateway " + config_.pushgateway + " answered " +
                 std::to_string(code) + "; final metrics of rank " + std::to_string(id_.rank) +
                 " not pushed");
      }
    } catch (const std::exception& e) {
      log_warn(std::string("monitor: push to the gateway failed: ") + e.what());
    }
  }

 private:
  Gauge& gauge(const std::string& name, const std::string& help) {
    return prometheus::BuildGauge()
        .Name(name)
        .Help(help)
        .Labels(labels_)
        .Register(*registry_)
        .Add({});
  }
  Counter& counter(const std::string& name, const std::string& help) {
    return prometheus::BuildCounter()
        .Name(name)
        .Help(help)
        .Labels(labels_)
        .Register(*registry_)
        .Add({});
  }
  prometheus::Family<Gauge>& family(const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Labels(labels_).Register(*registry_);
  }

  // Binds monitor.bind:(port + local_rank), or the next free port with port_fallback. Under Slurm
  // the fallback is always on: array tasks and jobs that share a node cannot agree on ports.
  void serve() {
    if (config_.port == 0) return;
    const bool fallback = config_.port_fallback || std::getenv("SLURM_JOB_ID") != nullptr;
    const int first = static_cast<int>(config_.port) + id_.local_rank;
    const int last = fallback ? std::min(first + 100, 65535) : first;
    std::string error;
    for (int port = first; port <= last; ++port) {
      try {
        server_ = std::make_unique<MetricsServer>(config_.bind, port, [this] {
          return prometheus::TextSerializer().Serialize(registry_->Collect());
        });
      } catch (const std::system_error& e) {
        error = e.what();
        if (e.code().value() != EADDRINUSE) break;
        continue;
      }
      endpoint_ = scrape_address(config_.bind, id_.host, port);
      if (port != first) {
        log_warn("monitor: port " + std::to_string(first) + " on " + config_.bind +
                 " is in use; rank " + std::to_string(id_.rank) + " serves metrics on port " +
                 std::to_string(port) +
                 (config_.port_fallback ? " (monitor.port_fallback)" : " (always under Slurm)"));
      }
      return;
    }
    log_warn("monitor: cannot serve metrics on " + bind_address(config_.bind, first) + " (" +
             (fallback && error.find("in use") != std::string::npos
                  ? "no free port up to " + std::to_string(last)
                  : error) +
             "); rank " + std::to_string(id_.rank) +
             " serves no metrics. Choose another monitor.port or set monitor.port_fallback = "
             "true");
  }

  MonitorConfig config_;
  RunIdentity id_;
  std::shared_ptr<Registry> registry_;
  Labels labels_;
  std::unique_ptr<MetricsServer> server_;
  std::string endpoint_;
  Gauge *train_loss_, *lr_, *grad_norm_, *epoch_, *stage_, *stage_steps_, *planned_, *memory_,
      *memory_peak_;
  Counter *steps_, *frames_, *padded_, *allreduce_bytes_, *bad_steps_;
  std::map<std::string, Histogram*> phase_;
  Counter* validations_ = nullptr;
  Gauge *val_loss_ = nullptr, *best_val_loss_ = nullptr;
  prometheus::Family<Gauge>*rmse_ = nullptr, *mae_ = nullptr, *r_ = nullptr;
};

}  // namespace

std::unique_ptr<MetricsSink> make_metrics_sink(const MonitorConfig& config,
                                               const RunIdentity& identity) {
  if (config.port == 0 && config.pushgateway.empty()) return std::make_unique<NullSink>();
  return std::make_unique<PrometheusSink>(config, identity);
}

}  // namespace artic
