#include "prep/corpus_import.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/file_walk.h"
#include "core/parallel_for.h"
#include "data/corpus.h"
#include "prep/import_utterance.h"
#include "prep/pairing.h"
#include "prep/splits.h"

namespace artic {
namespace {

std::vector<ChannelRange> channel_ranges(const Corpus& corpus) {
  const int64_t a = corpus.num_articulators(), n = corpus.total_frames();
  std::vector<ChannelRange> out(static_cast<size_t>(a));
  for (int64_t k = 0; k < a; ++k) {
    double sum = 0, sq = 0, lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int64_t f = 0; f < n; ++f) {
      const double v = corpus.targets[static_cast<size_t>(f * a + k)];
      sum += v;
      sq += v * v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    ChannelRange& r = out[static_cast<size_t>(k)];
    r.name = corpus.meta.articulator_names[static_cast<size_t>(k)];
    r.mean = sum / static_cast<double>(n);
    r.std = std::sqrt(std::max(0.0, sq / static_cast<double>(n) - r.mean * r.mean));
    r.min = lo;
    r.max = hi;
  }
  return out;
}

// EMA sensors move a few millimetres around their mean; a median spread outside 0.8..40 mm
// means the values are in other units.
void check_units(const PrepConfig& c, PrepReport& report) {
  std::vector<double> spreads;
  for (const auto& ch : report.channels) spreads.push_back(ch.std);
  std::sort(spreads.begin(), spreads.end());
  const double median = spreads[spreads.size() / 2];
  if (median >= 0.8 && median <= 40.0) return;
  char text[400];
  std::snprintf(text, sizeof text,
                "the articulator channels vary by a median standard deviation of %.4g mm, which "
                "is not what EMA in millimetres looks like (typically 1-10 mm): check "
                "tracks.scale = %g (MNGU0 stores cm: 10; MOCHA-TIMIT stores 0.01 mm: 0.01)",
                median, c.scale);
  report.warnings.push_back(text);
}

// speaker_from = "dir" names speakers after the tracks' folders: a folder holding every track, or
// one named like a kind of file (ema/, wav/), is a layout folder, and a speaker split over it
// means nothing.
void check_dir_speakers(const PrepConfig& c, PrepReport& report) {
  if (c.speaker_from != "dir") return;
  std::set<std::string> layout_names = {"ema", "pos", "track", "tracks", "wav", "audio"};
  layout_names.insert(lowercase(c.track_extension.substr(c.track_extension.rfind('.') + 1)));
  for (const auto& [speaker, n] : report.utterances_per_speaker) {
    const bool all = report.utterances_per_speaker.size() == 1 && report.imported > 1;
    if (!all && layout_names.count(lowercase(speaker)) == 0) continue;
    report.warnings.push_back(
        "prep.speaker_from = \"dir\" named speaker '" + speaker + "' after the folder that holds " +
        (all ? "every track (" + std::to_string(n) + ")" : std::to_string(n) + " tracks") +
        (all ? "" : ", a name for a kind of file rather than a speaker") +
        ": a speaker-based split over it means nothing; put each speaker's tracks in a folder "
        "named after the speaker, or use speaker_from = \"prefix\" or \"fixed\"");
    return;
  }
}

}  // namespace

PrepReport import_corpus(const PrepConfig& c, int threads,
                         const std::function<void(int64_t, int64_t)>& progress,
                         const std::string& source) {
  PrepReport report;
  report.output = c.output;
  const PairingResult pairs = pair_files(c);
  report.pairs = static_cast<int64_t>(pairs.utterances.size());
  report.skipped = pairs.unpaired;
  const SplitAssignment splits = assign_splits(c, pairs.utterances);
  report.skipped.insert(report.skipped.end(), splits.left_out.begin(), splits.left_out.end());
  report.warnings = splits.warnings;
  std::vector<UtteranceFiles> todo;
  std::vector<std::string> todo_split;
  for (size_t i = 0; i < pairs.utterances.size(); ++i) {
    if (splits.split[i].empty()) continue;
    todo.push_back(pairs.utterances[i]);
    todo_split.push_back(splits.split[i]);
  }
  if (todo.empty()) {
    throw DataError("no utterance of " + c.input_dir + " can be imported: " +
                    (report.skipped.empty() ? std::string("none found") : report.skipped.front()));
  }
  at::set_num_threads(1);  // one utterance per thread
  std::vector<ImportedUtterance> results(todo.size());
  parallel_for(
      static_cast<int64_t>(todo.size()), threads,
      [&](int64_t i) {
        results[static_cast<size_t>(i)] = import_utterance(c, todo[static_cast<size_t>(i)]);
      },
      progress);

  Corpus corpus;
  for (const auto& [src, dst] : c.channels) corpus.meta.articulator_names.push_back(dst);
  corpus.meta.frame_rate_hz = 1000.0 / c.features.hop_ms;
  corpus.meta.feature_kind = name_of(c.features.kind);
  corpus.meta.source = !source.empty()
                           ? source
                           : "artic prep of " + c.input_dir +
                                 (c.preset.empty() ? std::string() : " (preset " + c.preset + ")");
  corpus.meta.created_by = std::string("artic ") + ARTIC_VERSION + " prep";
  // The feature analysis travels with the corpus (and into runs): artic invert repeats it.
  corpus.meta.recipe = prep_config_to_toml(c);
  std::vector<double> rates;
  for (size_t i = 0; i < results.size(); ++i) {
    ImportedUtterance& r = results[i];
    report.warnings.insert(report.warnings.end(), r.warnings.begin(), r.warnings.end());
    if (!r.skipped.empty()) {
      report.skipped.push_back(r.skipped);
      continue;
    }
    if (corpus.meta.feature_names.empty()) corpus.meta.feature_names = r.feature_names;
    UtteranceInfo u;
    u.id = todo[i].id;
    u.speaker = todo[i].speaker;
    u.split = todo_split[i];
    u.length = r.frames;
    append_utterance(corpus, u, r.features.data(), r.targets.data());
    report.utterances_per_split[u.split] += 1;
    report.frames_per_split[u.split] += u.length;
    report.utterances_per_speaker[u.speaker] += 1;
    if (r.gap_samples_filled > 0) {
      ++report.utterances_with_gaps;
      report.gap_samples_filled += r.gap_samples_filled;
    }
    rates.push_back(r.track_rate_hz);
    if (r.audio_rate_hz != c.features.sample_rate) report.resampled_from_hz[r.audio_rate_hz] += 1;
    r = ImportedUtterance{};  // free as we go
  }
  report.imported = static_cast<int64_t>(corpus.utterances.size());
  if (report.imported == 0) {
    throw DataError("every utterance was skipped, e.g. " + report.skipped.back());
  }
  std::sort(rates.begin(), rates.end());
  report.track_rate_hz = rates[rates.size() / 2];
  report.hours = static_cast<double>(corpus.total_frames()) / corpus.meta.frame_rate_hz / 3600.0;
  report.feature_names = corpus.meta.feature_names;
  report.channels = channel_ranges(corpus);
  report.sample_rate_hz = c.features.sample_rate;
  check_units(c, report);
  check_dir_speakers(c, report);
  for (const char* split : {"train", "valid", "test"}) {
    if (report.utterances_per_split.count(split) == 0) {
      report.warnings.push_back(std::string("the ") + split + " split is empty");
    }
  }
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(c.output).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  CorpusWriteOptions write;
  write.gzip_level = static_cast<int>(c.gzip);
  write_corpus(c.output, corpus, write);  // validates, writes OUTPUT.tmp, renames
  return report;
}

std::string format_prep_report(const PrepReport& r) {
  std::ostringstream os;
  char line[512];
  std::snprintf(line, sizeof line,
                "wrote %s: %lld utterances (%.2f h) of %lld pairs found; %zu features, %zu "
                "articulators; tracks at %.0f Hz\n",
                r.output.c_str(), static_cast<long long>(r.imported), r.hours,
                static_cast<long long>(r.pairs), r.feature_names.size(), r.channels.size(),
                r.track_rate_hz);
  os << line;
  for (const char* split : {"train", "valid", "test"}) {
    const auto u = r.utterances_per_split.find(split);
    const auto f = r.frames_per_split.find(split);
    std::snprintf(line, sizeof line, "  %-5s %6lld utterances %9lld frames\n", split,
                  static_cast<long long>(u == r.utterances_per_split.end() ? 0 : u->second),
                  static_cast<long long>(f == r.frames_per_split.end() ? 0 : f->second));
    os << line;
  }
  os << "  speakers:";
  for (const auto& [speaker, n] : r.utterances_per_speaker)
    os << " " << speaker << " (" << n << ")";
  os << "\n";
  if (r.utterances_with_gaps > 0) {
    os << "  filled short gaps (breaks or NaN) in " << r.utterances_with_gaps << " utterances, "
       << r.gap_samples_filled << " samples\n";
  }
  os << "  articulators (mm):   mean     std      min      max\n";
  for (const auto& ch : r.channels) {
    std::snprintf(line, sizeof line, "    %-10s %8.2f %8.2f %8.2f %8.2f\n", ch.name.c_str(),
                  ch.mean, ch.std, ch.min, ch.max);
    os << line;
  }
  for (const auto& [rate, n] : r.resampled_from_hz) {
    os << "  resampled " << n << " recording(s) from " << rate << " Hz to " << r.sample_rate_hz
       << " Hz (features.sample_rate)\n";
  }
  if (!r.skipped.empty()) {
    os << "skipped " << r.skipped.size() << ":\n";
    for (const auto& s : r.skipped) os << "  " << s << "\n";
  }
  if (!r.warnings.empty()) {
    os << "warnings " << r.warnings.size() << ":\n";
    for (const auto& w : r.warnings) os << "  " << w << "\n";
  }
  os << "next: artic corpus info " << r.output << "; then train on it with artic train -c "
     << "CONFIG.toml --set data.corpus=" << r.output << "\n";
  return os.str();
}

}  // namespace artic
