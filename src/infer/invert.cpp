#include "infer/invert.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "data/dataset.h"
#include "infer/analysis.h"
#include "infer/inputs.h"
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

void put_bytes(std::string& out, const void* p, size_t n) {
  out.append(static_cast<const char*>(p), n);
}
template <typename T>
void put(std::string& out, T v) {
  put_bytes(out, &v, sizeof v);
}
void put_text(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}
void put_floats(std::string& out, const std::vector<float>& v) {
  put<uint64_t>(out, v.size());
  put_bytes(out, v.data(), v.size() * sizeof(float));
}

// Reads what put_* wrote (ranks of one job: same byte order and sizes).
struct Reader {
  const std::string& s;
  size_t pos = 0;
  template <typename T>
  T get() {
    T v;
    std::memcpy(&v, s.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  std::string text() {
    const auto n = static_cast<size_t>(get<uint64_t>());
    std::string t = s.substr(pos, n);
    pos += n;
    return t;
  }
  std::vector<float> floats() {
    const auto n = static_cast<size_t>(get<uint64_t>());
    std::vector<float> v(n);
    std::memcpy(v.data(), s.data() + pos, n * sizeof(float));
    pos += n * sizeof(float);
    return v;
  }
};

struct RankResult {
  int64_t inverted = 0;
  double audio_seconds = 0;
  std::vector<InvertFailure> failures;
  std::vector<std::pair<size_t, Trajectories>> tracks;  // input index, trajectories
  std::vector<std::vector<float>> features;             // of `tracks`, for the HDF5 file
};

std::string encode(const RankResult& r, bool with_tracks) {
  std::string out;
  put<int64_t>(out, r.inverted);
  put<double>(out, r.audio_seconds);
  put<uint64_t>(out, r.failures.size());
  for (const auto& f : r.failures) {
    put_text(out, f.path);
    put_text(out, f.reason);
  }
  put<uint64_t>(out, with_tracks ? r.tracks.size() : 0);
  for (size_t k = 0; with_tracks && k < r.tracks.size(); ++k) {
    put<uint64_t>(out, r.tracks[k].first);
    put_floats(out, r.tracks[k].second.mm);
    put_floats(out, r.features[k]);
  }
  return out;
}

RankResult decode(const std::string& bytes, const std::vector<InvertInput>& inputs,
                  const std::vector<std::string>& channels, double frame_rate) {
  Reader in{bytes};
  RankResult r;
  r.inverted = in.get<int64_t>();
  r.audio_seconds = in.get<double>();
  const auto failures = in.get<uint64_t>();
  for (uint64_t k = 0; k < failures; ++k) {
    InvertFailure f;
    f.path = in.text();
    f.reason = in.text();
    r.failures.push_back(f);
  }
  const auto tracks = in.get<uint64_t>();
  for (uint64_t k = 0; k < tracks; ++k) {
    const auto index = static_cast<size_t>(in.get<uint64_t>());
    Trajectories t{inputs[index].name, channels, frame_rate, in.floats()};
    r.tracks.push_back({index, std::move(t)});
    r.features.push_back(in.floats());
  }
  return r;
}

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

}  // namespace

InvertReport invert_recordings(const InvertOptions& o, const Topology& topo,
                               std::ostream& progress) {
  if (o.window > 0 && o.overlap >= o.window) {
    throw UserError("--overlap " + std::to_string(o.overlap) + " must be smaller than --window " +
                    std::to_string(o.window));
  }
  if (o.formats.empty()) throw UserError("--format names no output format");
  TrainedModel tm = load_trained_model(o.run, o.checkpoint, o.overrides);
  const Analysis analysis = run_analysis(o.run, tm.config.data.corpus);
  // The analysis must give the model's inputs (a checkpoint used with another run's directory).
  const std::vector<std::string> names =
      compute_features(std::vector<float>(static_cast<size_t>(analysis.features.sample_rate), 0),
                       analysis.features)
          .names;
  if (names != tm.normalizer.feature_names) {
    throw UserError(analysis.origin + " gives " + std::to_string(names.size()) + " features, but " +
                    tm.checkpoint + " reads " + std::to_string(tm.normalizer.feature_names.size()) +
                    " other ones: the checkpoint was not trained on this run's corpus");
  }
  const std::vector<InvertInput> inputs =
      collect_inputs(o.inputs, o.list, analysis.audio_extensions);
  if (!o.force) refuse_existing(o, inputs);
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (!fs::is_directory(o.out_dir)) {
    throw UserError(o.out_dir + ": cannot create the output folder" +
                    (ec ? " (" + ec.message() + ")" : std::string()));
  }
  const auto start = Clock::now();
  const bool h5 =
      std::find(o.formats.begin(), o.formats.end(), OutputFormat::H5) != o.formats.end();
  const double frame_rate = 1000.0 / analysis.features.hop_ms;
  const std::vector<size_t> mine = my_share(inputs, topo);
  torch::set_num_threads(
      choose_threads(static_cast<int>(tm.config.training.threads), topo.local_size).threads);
  const std::string share = topo.world_size > 1 ? " (rank 0's share)" : "";
  Progress analysing(progress, o.bar, topo.rank == 0, "features" + share, mine.size());

  // Features of this rank's recordings, as a corpus without targets.
  Corpus corpus;
  corpus.meta.feature_names = names;
  corpus.meta.articulator_names = tm.normalizer.articulator_names;
  corpus.meta.frame_rate_hz = frame_rate;
  corpus.meta.feature_kind = name_of(analysis.features.kind);
  corpus.meta.source = "artic invert of " + o.run;
  corpus.meta.created_by = std::string("artic ") + ARTIC_VERSION + " invert";
  RankResult result;
  std::vector<size_t> analysed;  // input index of each corpus utterance
  const auto na = static_cast<int64_t>(corpus.meta.articulator_names.size());
  for (size_t i : mine) {
    const InvertInput& in = inputs[i];
    try {
      const Audio audio = read_audio(in.path);
      const int want = analysis.features.sample_rate;
      if (audio.sample_rate < want) {
        throw DataError("recorded at " + std::to_string(audio.sample_rate) + " Hz, below the " +
                        std::to_string(want) +
                        " Hz the model's features were analysed at (its bands above " +
                        std::to_string(audio.sample_rate / 2) +
                        " Hz would be empty, which upsampling does not fix); use a recording at " +
                        std::to_string(want) + " Hz or more");
      }
      const Features f = compute_features(resample(audio, want).samples, analysis.features);
      const int64_t budget = tm.config.batching.max_frames;
      if (o.window == 0 && f.frames > budget) {
        throw DataError(std::to_string(f.frames) + " frames (" +
                        seconds_text(static_cast<double>(f.frames) / frame_rate) +
                        ") are more than the run's frame budget (batching.max_frames = " +
                        std::to_string(budget) +
                        ") for one whole recording: pass --window N --overlap M (e.g. --window " +
                        std::to_string(budget) + " --overlap " + std::to_string(budget / 5) +
                        "), or --set batching.max_frames=" + std::to_string(f.frames) +
                        " if the memory allows whole-recording attention");
      }
      UtteranceInfo u;
      u.id = in.name;
      u.speaker = "unknown";
      u.split = "test";
      u.offset = corpus.total_frames();
      u.length = f.frames;
      corpus.utterances.push_back(u);
      corpus.features.insert(corpus.features.end(), f.values.begin(), f.values.end());
      corpus.targets.resize(corpus.targets.size() + static_cast<size_t>(f.frames * na), 0.0f);
      analysed.push_back(i);
      result.audio_seconds +=
          static_cast<double>(audio.samples.size()) / static_cast<double>(audio.sample_rate);
      analysing.step(in.name + " (" +
                     seconds_text(static_cast<double>(audio.samples.size()) / audio.sample_rate) +
                     (audio.sample_rate != want
                          ? ", resampled from " + std::to_string(audio.sample_rate) + " Hz"
                          : std::string()) +
                     ")");
    } catch (const std::exception& e) {
      std::string reason = e.what();
      const std::string prefix = in.path + ": ";
      if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
      result.failures.push_back({in.path, reason});
      analysing.step(in.name + " failed");
    }
  }

  // The model over them, in the evaluation's sequential batches; then this rank's files.
  const FrameSource source{&corpus, nullptr};
  EvalOptions options = evaluation_options(tm.config, corpus.meta, 1, 0);
  options.silence_fraction = std::numeric_limits<double>::quiet_NaN();
  options.window = o.window;
  options.overlap = o.overlap;
  std::vector<size_t> all(corpus.utterances.size());
  std::iota(all.begin(), all.end(), size_t{0});
  InvertReport report;
  Progress predicting(progress, o.bar, topo.rank == 0, "model" + share, all.size());
  predict_utterances(
      *tm.model, source, all, tm.normalizer, options, torch::kCPU,
      [&](size_t k, const UtterancePrediction& u) {
        const InvertInput& in = inputs[analysed[k]];
        Trajectories t{in.name, corpus.meta.articulator_names, frame_rate,
                       std::vector<float>(u.predicted, u.predicted + u.segment.length * na)};
        tm.normalizer.denormalize_targets(t.mm.data(), u.segment.length);
        try {
          for (OutputFormat f : o.formats) {
            if (f == OutputFormat::H5) continue;
            const std::string path = output_path(o.out_dir, f, in.name);
            if (f == OutputFormat::Est) write_est(path, t);
            if (f == OutputFormat::Csv) write_csv(path, t);
            report.outputs.push_back(path);
          }
          ++result.inverted;
          if (h5) {
            const float* x = corpus.features_of(k);
            result.features.emplace_back(x, x + u.segment.length * corpus.num_features());
            result.tracks.push_back({analysed[k], std::move(t)});
          }
        } catch (const std::exception& e) {
          result.failures.push_back({in.path, e.what()});
        }
        predicting.step(in.name);
      });

  // Every rank's counts and failures (and, for the HDF5 file, trajectories) to every rank.
  const std::vector<std::string> all_results = host_all_gather(encode(result, h5));
  std::vector<std::pair<size_t, std::pair<Trajectories, std::vector<float>>>> gathered;
  for (const auto& bytes : all_results) {
    RankResult r = decode(bytes, inputs, corpus.meta.articulator_names, frame_rate);
    report.inverted += r.inverted;
    report.audio_seconds += r.audio_seconds;
    report.failures.insert(report.failures.end(), r.failures.begin(), r.failures.end());
    for (size_t k = 0; k < r.tracks.size(); ++k) {
      gathered.push_back(
          {r.tracks[k].first, {std::move(r.tracks[k].second), std::move(r.features[k])}});
    }
  }
  report.recordings = static_cast<int64_t>(inputs.size());
  std::sort(report.failures.begin(), report.failures.end(),
            [](const InvertFailure& a, const InvertFailure& b) { return a.path < b.path; });
  if (h5 && topo.rank == 0 && !gathered.empty()) {
    std::sort(gathered.begin(), gathered.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Trajectories> t;
    std::vector<std::vector<float>> f;
    for (auto& g : gathered) {
      t.push_back(std::move(g.second.first));
      f.push_back(std::move(g.second.second));
    }
    const std::string path = output_path(o.out_dir, OutputFormat::H5, "");
    try {
      write_corpus(path, predictions_layout(t, f, corpus.meta));
      report.outputs.push_back(path);
    } catch (const std::exception& e) {
      report.failures.push_back({path, e.what()});
    }
  }
  const double mine_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.seconds =
      static_cast<double>(host_all_reduce_max(static_cast<int64_t>(mine_seconds * 1e6))) / 1e6;
  return report;
}

}  // namespace artic
