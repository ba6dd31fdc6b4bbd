#include "synth/corpus_files.h"

#include <fcntl.h>
#include <stdio.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/parallel_for.h"
#include "prep/audio.h"
#include "prep/est_track.h"
#include "synth/synth.h"
#include "synth_prep_config.h"  // generated from configs/prep_synth.toml: kSynthPrepConfigToml

namespace artic {
namespace {

namespace fs = std::filesystem;

constexpr double kMmPerCm = 10.0;

// The tracks' channel names: MNGU0's, from the mngu0 preset's mapping (source -> artic name).
std::vector<std::string> mngu0_channel_names() {
  const auto& presets = prep_presets();
  const auto it = std::find_if(presets.begin(), presets.end(),
                               [](const PrepPreset& p) { return p.name == "mngu0"; });
  std::vector<std::string> out;
  for (const std::string& name : synth_channel_names()) {
    const auto& ch = it->channels;
    const auto m =
        std::find_if(ch.begin(), ch.end(), [&](const auto& c) { return c.second == name; });
    if (m == ch.end()) throw std::logic_error("the mngu0 preset has no channel for " + name);
    out.push_back(m->first);
  }
  return out;
}

EstTrack ema_track(const std::vector<float>& ema_mm, const std::vector<std::string>& names) {
  EstTrack t;
  t.channel_names = names;
  const auto channels = static_cast<int64_t>(names.size());
  const int64_t frames = static_cast<int64_t>(ema_mm.size()) / channels;
  t.times.resize(static_cast<size_t>(frames));
  t.valid.assign(static_cast<size_t>(frames), 1);
  t.values.resize(ema_mm.size());
  for (int64_t n = 0; n < frames; ++n) t.times[n] = static_cast<double>(n) / kSynthEmaRateHz;
  for (size_t i = 0; i < ema_mm.size(); ++i) {
    t.values[i] = static_cast<float>(ema_mm[i] / kMmPerCm);
  }
  return t;
}

void write_text(const fs::path& path, const std::string& text) {
  write_file_atomically(path.string(), {text});
}

// Speaks every utterance on `threads` workers, each writing its own two files; returns the
// samples clipped.
int64_t write_recordings(const fs::path& dir, const SynthOptions& options,
                         const std::vector<SynthUtterance>& utterances, int threads,
                         const SynthProgress& progress) {
  const std::vector<std::string> names = mngu0_channel_names();
  std::atomic<int64_t> clipped{0};
  parallel_for(
      static_cast<int64_t>(utterances.size()), threads,
      [&](int64_t i) {
        const SpokenUtterance s = speak_utterance(options, static_cast<int>(i));
        const std::string& id = utterances[static_cast<size_t>(i)].id;
        clipped += write_wav_pcm16((dir / "wav" / (id + ".wav")).string(),
                                   Audio{s.audio, kSynthAudioRateHz});
        write_est_track((dir / "ema" / (id + ".ema")).string(), ema_track(s.ema, names),
                        EstEncoding::BinaryLittleEndian);
      },
      progress);
  return clipped;
}

// Removes `path` if it exists; a failure is an error naming it.
void remove_tree(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) throw UserError(path.string() + ": cannot remove it (" + ec.message() + ")");
}

// Marks a folder that synth works in (staging, or an old folder being replaced), so that one left
// by an interrupted synth is removed by the next and a user's folder of that name never is.
constexpr const char* kWorkMark = ".artic-synth-work";

void mark_work(const fs::path& dir) {
  write_text(dir / kWorkMark, "made by artic synth; removed when it finishes\n");
}

void clear_work(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::exists(dir / kWorkMark, ec)) {
    throw UserError(dir.string() +
                    " exists and is not a folder artic synth left behind (synth works under that "
                    "name); move it away");
  }
  remove_tree(dir);
}

// Puts `staging` in place of `target` so that an interruption leaves a whole folder at `target`:
// one atomic exchange of the two names (Linux's RENAME_EXCHANGE) where the file system has it,
// else the old one renamed aside first; the old folder, marked as synth's, is removed last.
void swap_in(const fs::path& staging, const fs::path& target) {
  std::error_code ec;
  if (fs::exists(target, ec) &&
      renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
    mark_work(staging);
    fs::remove(target / kWorkMark, ec);
    remove_tree(staging);
    return;
  }
  const fs::path aside = target.string() + ".replaced";
  clear_work(aside);
  const bool had = fs::exists(target, ec);
  if (had) {
    fs::rename(target, aside, ec);
    if (ec) throw UserError(target.string() + ": cannot move it aside (" + ec.message() + ")");
    mark_work(aside);
  }
  fs::rename(staging, target, ec);
  if (ec) {
    std::error_code back;
    if (had) fs::rename(aside, target, back);
    if (had && !back) fs::remove(target / kWorkMark, back);
    throw UserError(target.string() + ": cannot move the corpus into place (" + ec.message() + ")");
  }
  fs::remove(target / kWorkMark, ec);
  if (had) remove_tree(aside);
}

}  // namespace

SynthFilesReport write_synth_files(const std::string& dir, const SynthOptions& options, int threads,
                                   bool replace, const SynthProgress& progress) {
  const std::vector<SynthUtterance> utterances = synth_utterances(options);
  fs::path target = fs::path(dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();  // "data/synth/"
  if (!target.has_filename() || target.filename() == "." || target.filename() == "..") {
    throw UserError("artic synth: '" + dir + "' is not a folder name");
  }
  if (fs::exists(target) && !replace) {
    throw UserError(dir + " already exists; pass --force to replace it");
  }
  const fs::path staging = target.string() + ".partial";
  clear_work(staging);
  std::error_code ec;
  fs::create_directories(staging / "wav", ec);
  if (!ec) fs::create_directories(staging / "ema", ec);
  if (ec) throw UserError(staging.string() + ": cannot create the folder (" + ec.message() + ")");
  mark_work(staging);

  SynthFilesReport report;
  report.utterances = static_cast<int64_t>(utterances.size());
  try {
    report.clipped_samples = write_recordings(staging, options, utterances, threads, progress);
  } catch (...) {
    fs::remove_all(staging, ec);  // a full disk or a bad folder: no half corpus is left
    throw;
  }
  std::string lists[3];
  const char* const kSplits[3] = {"train", "valid", "test"};
  for (const SynthUtterance& u : utterances) {
    report.seconds += static_cast<double>(u.frames) / kSynthLengthRateHz;
    for (int s = 0; s < 3; ++s) {
      if (u.split == kSplits[s]) lists[s] += u.id + "\n";
    }
  }
  for (int s = 0; s < 3; ++s) write_text(staging / (std::string(kSplits[s]) + ".list"), lists[s]);
  write_text(staging / "synth.toml",
             "# artic synth: the options this corpus was made with (artic synth --config)\n" +
                 synth_options_to_toml(options));
  swap_in(staging, target);
  return report;
}

PrepConfig synth_prep_config(const std::string& dir, const std::string& output) {
  return parse_prep_config(
      kSynthPrepConfigToml, "configs/prep_synth.toml (compiled in)",
      {"prep.input_dir=" + dir, "prep.output=" + output, "split.train_list=" + dir + "/train.list",
       "split.valid_list=" + dir + "/valid.list", "split.test_list=" + dir + "/test.list"});
}

std::string synth_command(const SynthOptions& options) {
  return "artic synth " + synth_options_to_flags(options);
}

PrepReport write_synth_corpus(const std::string& output, const SynthOptions& options, int threads,
                              const SynthProgress& progress) {
  const std::string dir = output + ".synth";
  clear_work(dir);
  write_synth_files(dir, options, threads, false, progress);
  mark_work(dir);
  try {
    PrepReport report =
        import_corpus(synth_prep_config(dir, output), threads, {}, synth_command(options));
    remove_tree(dir);
    return report;
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    throw;
  }
}

}  // namespace artic
