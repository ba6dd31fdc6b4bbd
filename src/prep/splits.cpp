#include "prep/splits.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "core/rng.h"

namespace artic {
namespace {

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// MNGU0: the last two digits of the id; "x0" with x odd = valid, x even = test.
std::string mngu0_split(const std::string& id) {
  std::string digits;
  for (auto it = id.rbegin(); it != id.rend() && digits.size() < 2; ++it) {
    if (std::isdigit(static_cast<unsigned char>(*it))) {
      digits.insert(digits.begin(), *it);
    } else if (!digits.empty()) {
      break;
    }
  }
  if (digits.size() < 2) return "";
  if (digits[1] != '0') return "train";
  return (digits[0] - '0') % 2 == 1 ? "valid" : "test";
}

void from_lists(const PrepConfig& c, const std::vector<UtteranceFiles>& utts,
                SplitAssignment& out) {
  std::map<std::string, std::string> split_of;
  std::map<std::string, std::string> list_of;
  const std::pair<const char*, const std::string*> lists[] = {
      {"train", &c.train_list}, {"valid", &c.valid_list}, {"test", &c.test_list}};
  for (const auto& [name, path] : lists) {
    if (path->empty()) continue;
    for (const auto& id : read_id_list(*path)) {
      const auto [it, inserted] = split_of.emplace(id, name);
      if (!inserted && it->second != name) {
        throw ConfigError("utterance '" + id + "' is in both " + list_of[id] + " and " + *path +
                          "; an utterance belongs to one split");
      }
      list_of.emplace(id, *path);
    }
  }
  std::set<std::string> present;
  for (size_t i = 0; i < utts.size(); ++i) {
    present.insert(utts[i].id);
    const auto it = split_of.find(utts[i].id);
    if (it == split_of.end()) {
      out.left_out.push_back(utts[i].id + ": in none of the split lists");
    } else {
      out.split[i] = it->second;
    }
  }
  int64_t missing = 0;
  std::string example;
  for (const auto& [id, list] : list_of) {
    if (present.count(id) != 0) continue;
    if (missing++ == 0) example = "'" + id + "' (" + list + ")";
  }
  if (missing > 0) {
    out.warnings.push_back(std::to_string(missing) +
                           " listed utterances have no audio+track pair, e.g. " + example);
  }
}

void by_speaker(const PrepConfig& c, const std::vector<UtteranceFiles>& utts,
                SplitAssignment& out) {
  std::set<std::string> speakers;
  for (const auto& u : utts) speakers.insert(u.speaker);
  std::map<std::string, std::string> split_of;
  const std::pair<const std::vector<std::string>*, const char*> lists[] = {
      {&c.valid_speakers, "valid"}, {&c.test_speakers, "test"}};
  for (const auto& [list, name] : lists) {
    for (const auto& s : *list) {
      if (speakers.count(s) == 0) {
        throw ConfigError("split." + std::string(name) + "_speakers names '" + s +
                          "', who has no utterances; the speakers are: " + join(speakers));
      }
      if (!split_of.emplace(s, name).second) {
        throw ConfigError("speaker '" + s + "' is in both split.valid_speakers and " +
                          "split.test_speakers");
      }
    }
  }
  for (size_t i = 0; i < utts.size(); ++i) {
    const auto it = split_of.find(utts[i].speaker);
    out.split[i] = it == split_of.end() ? "train" : it->second;
  }
}

// Per speaker: shuffle the ids with the seed, the first share goes to valid, the next to test.
void by_ratio(const PrepConfig& c, const std::vector<UtteranceFiles>& utts, SplitAssignment& out) {
  std::map<std::string, std::vector<size_t>> of_speaker;
  for (size_t i = 0; i < utts.size(); ++i) of_speaker[utts[i].speaker].push_back(i);
  for (auto& [speaker, index] : of_speaker) {
    uint64_t key = 0;
    for (char ch : speaker) key = splitmix64(key ^ static_cast<unsigned char>(ch));
    Rng rng = Rng::keyed({static_cast<uint64_t>(c.seed), key});
    rng.shuffle(index);
    const double n = static_cast<double>(index.size());
    auto count = [&](double fraction) {
      if (fraction <= 0) return size_t{0};
      return std::max<size_t>(n >= 3 ? 1 : 0, static_cast<size_t>(std::llround(fraction * n)));
    };
    const size_t n_valid = count(c.valid_fraction);
    const size_t n_test =
        std::min(count(c.test_fraction), index.size() - std::min(index.size(), n_valid));
    for (size_t k = 0; k < index.size(); ++k) {
      out.split[index[k]] = k < n_valid ? "valid" : k < n_valid + n_test ? "test" : "train";
    }
  }
}

}  // namespace

SplitAssignment assign_splits(const PrepConfig& c, const std::vector<UtteranceFiles>& utts) {
  SplitAssignment out;
  out.split.assign(utts.size(), "");
  if (c.split_rule == "lists") {
    from_lists(c, utts, out);
  } else if (c.split_rule == "speaker") {
    by_speaker(c, utts, out);
  } else if (c.split_rule == "mngu0") {
    for (size_t i = 0; i < utts.size(); ++i) {
      out.split[i] = mngu0_split(utts[i].id);
      if (out.split[i].empty()) {
        out.left_out.push_back(utts[i].id + ": split.rule = \"mngu0\" needs two digits at the " +
                               "end of the id");
      }
    }
  } else {
    by_ratio(c, utts, out);
  }
  return out;
}

}  // namespace artic
