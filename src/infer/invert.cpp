#include "infer/invert.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>

#include "core/error.h"
#include "data/dataset.h"
#include "infer/analysis.h"
#include "infer/inputs.h"
#include "infer/rank_result.h"
#include "prep/audio.h"
#include "prep/features.h"
#include "train/batching.h"
#include "train/placement.h"
#include "train/predict.h"
#include "train/trained_model.h"

namespace artic {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A rank's share: inputs dealt largest file first, round robin, so ranks get similar audio.
std::vector<size_t> my_share(const std::vector<InvertInput>& inputs, const Topology& topo) {
  std::vector<std::pair<uintmax_t, size_t>> by_size;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::error_code ec;
    const uintmax_t size = fs::file_size(inputs[i].path, ec);
    by_size.push_back({ec ? 0 : size, i});
  }
  std::stable_sort(by_size.begin(), by_size.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<size_t> mine;
  for (size_t k = static_cast<size_t>(topo.rank); k < by_size.size();
       k += static_cast<size_t>(topo.world_size)) {
    mine.push_back(by_size[k].second);
  }
  std::sort(mine.begin(), mine.end());
  return mine;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

// Rank 0's progress through a phase: a bar redrawn in place, or a line per item.
class Progress {
 public:
  Progress(std::ostream& out, bool bar, bool shown, std::string phase, size_t total)
      : out_(out), bar_(bar), shown_(shown), phase_(std::move(phase)), total_(total) {}
  void step(const std::string& what) {
    ++done_;
    if (!shown_) return;
    if (!bar_) {
      out_ << "invert: " << phase_ << " " << done_ << "/" << total_ << " " << what << "\n"
           << std::flush;
      return;
    }
    const size_t width = 30, filled = total_ ? width * done_ / total_ : width;
    out_ << "\rinvert: " << phase_ << " [" << std::string(filled, '#')
         << std::string(width - filled, ' ') << "] " << done_ << "/" << total_ << std::flush;
    if (done_ == total_) out_ << "\n";
  }

 private:
  std::ostream& out_;
  bool bar_, shown_;
  std::string phase_;
  size_t total_, done_ = 0;
};

void refuse_existing(const InvertOptions& o, const std::vector<InvertInput>& inputs) {
  std::vector<std::string> existing;
  for (OutputFormat f : o.formats) {
    if (f == OutputFormat::H5) {
      const std::string p = output_path(o.out_dir, f, "");
      if (fs::exists(p)) existing.push_back(p);
      continue;
    }
    for (const auto& in : inputs) {
      const std::string p = output_path(o.out_dir, f, in.name);
      if (fs::exists(p)) existing.push_back(p);
    }
  }
  if (existing.empty()) return;
  throw UserError(existing.front() +
                  (existing.size() > 1 ? " and " + std::to_string(existing.size() - 1) +
                                             " other output(s) already exist"
                                       : " already exists") +
                  "; pass --force to replace them, or choose another --out");
}

// Everything every rank checks before any recording is read: the same on every rank.
struct Job {
  TrainedModel tm;
  Analysis analysis;
  std::vector<std::string> feature_names;
  std::vector<InvertInput> inputs;
  std::vector<std::string> names;  // of `inputs`
  double frame_rate = 100;
  bool h5 = false;
  int64_t window = 0, overlap = 0;  // as given, else the run's
};

Job prepare(const InvertOptions& o) {
  if (o.window > 0 && o.overlap >= o.window) {
    throw UserError("--overlap " + std::to_string(o.overlap) + " must be smaller than --window " +
                    std::to_string(o.window));
  }
  if (o.formats.empty()) throw UserError("--format names no output format");
  Job j;
  j.tm = load_trained_model(o.run, o.checkpoint, o.overrides);
  j.window = o.window_given ? o.window : j.tm.config.training.eval_window;
  j.overlap = o.window_given ? o.overlap : j.tm.config.training.eval_overlap;
  j.analysis = run_analysis(o.run, j.tm.config.data.corpus);
  // The analysis must give the model's inputs (a checkpoint used with another run's directory).
  j.feature_names = feature_names(j.analysis.features);
  if (j.feature_names != j.tm.normalizer.feature_names) {
    throw UserError(j.analysis.origin + " gives " + std::to_string(j.feature_names.size()) +
                    " features, but " + j.tm.checkpoint + " reads " +
                    std::to_string(j.tm.normalizer.feature_names.size()) +
                    " other ones: the checkpoint was not trained on this run's corpus");
  }
  j.inputs = collect_inputs(o.inputs, o.list, j.analysis.audio_extensions);
  for (const auto& in : j.inputs) j.names.push_back(in.name);
  if (!o.force) refuse_existing(o, j.inputs);
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (!fs::is_directory(o.out_dir)) {
    throw UserError(o.out_dir + ": cannot create the output folder" +
                    (ec ? " (" + ec.message() + ")" : std::string()));
  }
  j.frame_rate = 1000.0 / j.analysis.features.hop_ms;
  j.h5 = std::find(o.formats.begin(), o.formats.end(), OutputFormat::H5) != o.formats.end();
  return j;
}

// The features of one recording; DataError with the reason it cannot be inverted.
Features analyse(const Job& j, const InvertInput& in, bool no_window, double* seconds,
                 std::string* note) {
  const Audio audio = read_audio(in.path);
  const int want = j.analysis.features.sample_rate;
  if (audio.sample_rate < want) {
    throw DataError("recorded at " + std::to_string(audio.sample_rate) + " Hz, below the " +
                    std::to_string(want) +
                    " Hz the model's features were analysed at (its bands above " +
                    std::to_string(audio.sample_rate / 2) +
                    " Hz would be empty, which upsampling does not fix); use a recording at " +
                    std::to_string(want) + " Hz or more");
  }
  *seconds = static_cast<double>(audio.samples.size()) / static_cast<double>(audio.sample_rate);
  *note =
      seconds_text(*seconds) +
      (audio.sample_rate != want ? ", resampled from " + std::to_string(audio.sample_rate) + " Hz"
                                 : std::string());
  Features f = compute_features(resample(audio, want).samples, j.analysis.features);
  const int64_t budget = j.tm.config.batching.max_frames;
  if (j.window == 0 && f.frames > budget) {
    if (no_window) {
      throw DataError(std::to_string(f.frames) + " frames (" +
                      seconds_text(static_cast<double>(f.frames) / j.frame_rate) +
                      ") are more than the run's frame budget (batching.max_frames = " +
                      std::to_string(budget) +
                      ") for one whole recording, and --no-window asks for whole recordings: "
                      "drop --no-window to predict it in windows, or --set batching.max_frames=" +
                      std::to_string(f.frames) + " if the memory allows whole-recording attention");
    }
    *note += "; over the frame budget (batching.max_frames = " + std::to_string(budget) +
             "): predicted in windows of " + std::to_string(budget) + " frames sharing " +
             std::to_string(budget / 5);
  }
  return f;
}

// This rank's recordings as a corpus without targets (`analysed`: the input index of each
// utterance); the ones that fail go to result.failures.
struct Share {
  Corpus corpus;
  std::vector<size_t> analysed;
  RankResult result;
};

Share analyse_share(const Job& j, const InvertOptions& o, const std::vector<size_t>& mine,
                    Progress& progress) {
  Share s;
  CorpusMeta& meta = s.corpus.meta;
  meta.feature_names = j.feature_names;
  meta.articulator_names = j.tm.normalizer.articulator_names;
  meta.frame_rate_hz = j.frame_rate;
  meta.feature_kind = name_of(j.analysis.features.kind);
  meta.source = "artic invert of " + o.run;
  meta.created_by = std::string("artic ") + ARTIC_VERSION + " invert";
  for (size_t i : mine) {
    const InvertInput& in = j.inputs[i];
    try {
      double seconds = 0;
      std::string note;
      const Features f = analyse(j, in, o.no_window, &seconds, &note);
      UtteranceInfo u;
      u.id = in.name;
      u.speaker = "unknown";
      u.split = "test";
      u.length = f.frames;
      append_utterance(s.corpus, u, f.values.data(), nullptr);
      s.analysed.push_back(i);
      s.result.audio_seconds += seconds;
      progress.step(in.name + " (" + note + ")");
    } catch (const std::exception& e) {
      std::string reason = e.what();
      const std::string prefix = in.path + ": ";
      if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
      s.result.failures.push_back({in.path, reason});
      progress.step(in.name + " failed");
    }
  }
  return s;
}

// The model over the share in the evaluation's sequential batches; each recording's EST and CSV
// files as soon as it is predicted, its trajectories kept for the HDF5 file. Without a window,
// recordings over the frame budget are predicted apart, in windows of the budget.
void predict_and_write(Job& j, const InvertOptions& o, Share& s, Progress& progress) {
  const FrameSource source{&s.corpus, nullptr};
  EvalOptions options = evaluation_options(j.tm.config, s.corpus.meta, 1, 0);
  options.silence_fraction = std::numeric_limits<double>::quiet_NaN();
  options.window = j.window;
  options.overlap = j.overlap;
  const int64_t budget = j.tm.config.batching.max_frames;
  std::vector<size_t> whole, windowed;
  for (size_t k = 0; k < s.corpus.utterances.size(); ++k) {
    const bool over = j.window == 0 && s.corpus.utterances[k].length > budget;
    (over ? windowed : whole).push_back(k);
  }
  const auto na = static_cast<int64_t>(s.corpus.meta.articulator_names.size());
  const UtteranceCallback write = [&](size_t, const UtterancePrediction& u) {
    const auto k = static_cast<size_t>(u.segment.utterance);
    const InvertInput& in = j.inputs[s.analysed[k]];
    Trajectories t{in.name, s.corpus.meta.articulator_names, j.frame_rate,
                   std::vector<float>(u.predicted, u.predicted + u.segment.length * na)};
    j.tm.normalizer.denormalize_targets(t.mm.data(), u.segment.length);
    try {
      for (OutputFormat f : o.formats) {
        if (f == OutputFormat::H5) continue;
        const std::string path = output_path(o.out_dir, f, in.name);
        if (f == OutputFormat::Est) write_est(path, t);
        if (f == OutputFormat::Csv) write_csv(path, t);
      }
      ++s.result.inverted;
      if (j.h5) {
        const float* x = s.corpus.features_of(k);
        s.result.features.emplace_back(x, x + u.segment.length * s.corpus.num_features());
        s.result.inputs.push_back(s.analysed[k]);
        s.result.tracks.push_back(std::move(t));
      }
    } catch (const std::exception& e) {
      s.result.failures.push_back({in.path, e.what()});
    }
    progress.step(in.name);
  };
  predict_utterances(*j.tm.model, source, whole, j.tm.normalizer, options, torch::kCPU, write);
  if (windowed.empty()) return;
  options.window = budget;
  options.overlap = budget / 5;
  predict_utterances(*j.tm.model, source, windowed, j.tm.normalizer, options, torch::kCPU, write);
}

// Every rank's counts and failures into the report (on every rank); rank 0 writes the HDF5 file
// of every rank's trajectories in input order.
void gather(const Job& j, const InvertOptions& o, const Share& s, const Topology& topo,
            InvertReport& report) {
  const std::vector<std::string> all = host_all_gather(encode_rank_result(s.result, j.h5));
  std::vector<std::pair<size_t, size_t>> order;  // input index, position in `tracks`
  std::vector<Trajectories> tracks;
  std::vector<std::vector<float>> features;
  for (const auto& bytes : all) {
    RankResult r =
        decode_rank_result(bytes, j.names, s.corpus.meta.articulator_names, j.frame_rate);
    report.inverted += r.inverted;
    report.audio_seconds += r.audio_seconds;
    report.failures.insert(report.failures.end(), r.failures.begin(), r.failures.end());
    for (size_t k = 0; k < r.tracks.size(); ++k) {
      order.push_back({r.inputs[k], tracks.size()});
      tracks.push_back(std::move(r.tracks[k]));
      features.push_back(std::move(r.features[k]));
    }
  }
  report.recordings = static_cast<int64_t>(j.inputs.size());
  if (j.h5 && topo.rank == 0 && !tracks.empty()) {
    std::sort(order.begin(), order.end());
    std::vector<Trajectories> t;
    std::vector<std::vector<float>> f;
    for (const auto& [input, k] : order) {
      t.push_back(std::move(tracks[k]));
      f.push_back(std::move(features[k]));
    }
    const std::string path = output_path(o.out_dir, OutputFormat::H5, "");
    try {
      write_corpus(path, predictions_layout(t, f, s.corpus.meta));
    } catch (const std::exception& e) {
      report.failures.push_back({path, e.what()});
    }
  }
  std::sort(report.failures.begin(), report.failures.end(),
            [](const InvertFailure& a, const InvertFailure& b) { return a.path < b.path; });
}

}  // namespace

InvertReport invert_recordings(const InvertOptions& o, const Topology& topo,
                               std::ostream& progress) {
  Job j = prepare(o);
  const auto start = Clock::now();
  const std::vector<size_t> mine = my_share(j.inputs, topo);
  torch::set_num_threads(
      choose_threads(static_cast<int>(j.tm.config.training.threads), topo.local_size).threads);
  const std::string share = topo.world_size > 1 ? " (rank 0's share)" : "";
  Progress analysing(progress, o.bar, topo.rank == 0, "features" + share, mine.size());
  Share s = analyse_share(j, o, mine, analysing);
  InvertReport report;
  Progress predicting(progress, o.bar, topo.rank == 0, "model" + share, s.analysed.size());
  predict_and_write(j, o, s, predicting);
  gather(j, o, s, topo, report);
  const double mine_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.seconds =
      static_cast<double>(host_all_reduce_max(static_cast<int64_t>(mine_seconds * 1e6))) / 1e6;
  return report;
}

}  // namespace artic
