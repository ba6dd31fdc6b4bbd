#include "prep/pairing.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"
#include "core/file_walk.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

void add_unique(std::map<std::string, std::string>& by_id, const std::string& id,
                const std::string& path, const char* kind) {
  const auto [it, inserted] = by_id.emplace(id, path);
  if (!inserted) {
    throw DataError("two " + std::string(kind) + " files for utterance '" + id +
                    "': " + it->second + " and " + path + "; keep one (ids are file basenames)");
  }
}

}  // namespace

std::vector<std::string> read_id_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open the utterance list");
  std::vector<std::string> ids;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    const size_t e = line.find_last_not_of(" \t\r");
    const std::string entry = line.substr(b, e - b + 1);
    if (entry.find_first_of(" \t") != std::string::npos) {
      throw ConfigError(path + ":" + std::to_string(number) + ": expected one utterance id per " +
                        "line, got '" + entry + "'");
    }
    ids.push_back(fs::path(entry).stem().string());
  }
  return ids;
}

std::string speaker_of(const PrepConfig& c, const std::string& id, const std::string& path) {
  if (c.speaker_from == "fixed") return c.speaker;
  if (c.speaker_from == "dir") {
    const std::string dir = fs::path(path).parent_path().filename().string();
    return dir.empty() ? "unknown" : dir;
  }
  const size_t cut = id.find('_');
  return cut == std::string::npos || cut == 0 ? id : id.substr(0, cut);
}

PairingResult pair_files(const PrepConfig& c) {
  std::error_code ec;
  if (!fs::is_directory(c.input_dir, ec)) {
    throw DataError("prep.input_dir '" + c.input_dir + "' is not a folder");
  }
  std::set<std::string> audio_ext;
  for (const auto& e : c.audio_extensions) audio_ext.insert(lowercase(e));
  const std::string track_ext = lowercase(c.track_extension);
  std::vector<std::string> extensions = c.audio_extensions;
  extensions.push_back(c.track_extension);
  std::map<std::string, std::string> audio, track;
  for (const std::string& file : find_files(c.input_dir, extensions)) {
    const fs::path p(file);
    const std::string ext = lowercase(p.extension().string());
    if (audio_ext.count(ext) != 0) add_unique(audio, p.stem().string(), file, "audio");
    if (ext == track_ext) add_unique(track, p.stem().string(), file, "track");
  }
  std::string wanted_audio;
  for (const auto& e : c.audio_extensions) wanted_audio += (wanted_audio.empty() ? "" : "/") + e;
  if (audio.empty()) {
    throw DataError(c.input_dir + " holds no audio files (" + wanted_audio +
                    "; set prep.audio_extensions for others)");
  }
  if (track.empty()) {
    throw DataError(c.input_dir + " holds no track files (" + c.track_extension +
                    "; set tracks.extension for others)");
  }
  std::set<std::string> keep;
  const bool filtered = !c.list.empty();
  PairingResult r;
  if (filtered) {
    for (const auto& id : read_id_list(c.list)) {
      keep.insert(id);
      if (audio.count(id) == 0 || track.count(id) == 0) {
        r.unpaired.push_back(id + ": listed in " + c.list + " but " +
                             (audio.count(id) == 0 ? "no audio file" : "no track file") +
                             " was found");
      }
    }
  }
  for (const auto& [id, path] : audio) {
    if (filtered && keep.count(id) == 0) continue;
    const auto t = track.find(id);
    if (t == track.end()) {
      if (!filtered)
        r.unpaired.push_back(id + ": " + path + " has no " + c.track_extension + " file");
      continue;
    }
    r.utterances.push_back({id, speaker_of(c, id, t->second), path, t->second});
  }
  for (const auto& [id, path] : track) {
    if ((filtered && keep.count(id) == 0) || audio.count(id) != 0) continue;
    if (!filtered) r.unpaired.push_back(id + ": " + path + " has no audio file");
  }
  return r;
}

}  // namespace artic
