#include "prep/prep_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "core/file_read.h"
#include "core/suggest.h"
#include "core/toml_document.h"

namespace artic {
namespace {

enum class Kind { String, Int, Int32, Float, StringList, ChannelMap };  // Int32: FeatureOptions

struct Field {
  const char* section;
  const char* key;
  Kind kind;
  void* ptr;
  double lo, hi;  // numeric range (inclusive)
  std::vector<std::string> choices;
};

constexpr double kBig = std::numeric_limits<double>::max();

std::vector<Field> fields_of(PrepConfig& c) {
  FeatureOptions& f = c.features;
  return {
      {"prep", "input_dir", Kind::String, &c.input_dir, 0, 0, {}},
      {"prep", "list", Kind::String, &c.list, 0, 0, {}},
      {"prep", "output", Kind::String, &c.output, 0, 0, {}},
      {"prep", "preset", Kind::String, &c.preset, 0, 0, {"", "mngu0", "mocha"}},
      {"prep", "speaker_from", Kind::String, &c.speaker_from, 0, 0, {"prefix", "dir", "fixed"}},
      {"prep", "speaker", Kind::String, &c.speaker, 0, 0, {}},
      {"prep", "threads", Kind::Int, &c.threads, 0, 1024, {}},
      {"prep", "gzip", Kind::Int, &c.gzip, 0, 9, {}},
      {"prep", "audio_extensions", Kind::StringList, &c.audio_extensions, 0, 0, {}},
      {"features", "kind", Kind::String, &f.kind, 0, 0, {"logmel", "mfcc"}},
      {"features", "sample_rate", Kind::Int32, &f.sample_rate, 8000, 192000, {}},
      {"features", "window_ms", Kind::Float, &f.window_ms, 1, 200, {}},
      {"features", "hop_ms", Kind::Float, &f.hop_ms, 1, 100, {}},
      {"features", "n_fft", Kind::Int32, &f.n_fft, 16, 65536, {}},
      {"features", "n_mels", Kind::Int32, &f.n_mels, 1, 512, {}},
      {"features", "mfcc_mels", Kind::Int32, &f.mfcc_mels, 1, 512, {}},
      {"features", "n_mfcc", Kind::Int32, &f.n_mfcc, 1, 512, {}},
      {"features", "fmin_hz", Kind::Float, &f.fmin_hz, 0, kBig, {}},
      {"features", "fmax_hz", Kind::Float, &f.fmax_hz, 0, kBig, {}},
      {"tracks", "extension", Kind::String, &c.track_extension, 0, 0, {}},
      {"tracks", "channels", Kind::ChannelMap, &c.channels, 0, 0, {}},
      {"tracks", "scale", Kind::Float, &c.scale, 1e-9, 1e9, {}},
      {"tracks", "lowpass_hz", Kind::Float, &c.lowpass_hz, 0, kBig, {}},
      {"tracks", "max_gap_ms", Kind::Float, &c.max_gap_ms, 0, kBig, {}},
      {"tracks", "length_tolerance_ms", Kind::Float, &c.length_tolerance_ms, 0, kBig, {}},
      {"split", "rule", Kind::String, &c.split_rule, 0, 0, {"ratio", "lists", "speaker", "mngu0"}},
      {"split", "valid_fraction", Kind::Float, &c.valid_fraction, 0, 0.9, {}},
      {"split", "test_fraction", Kind::Float, &c.test_fraction, 0, 0.9, {}},
      {"split", "seed", Kind::Int, &c.seed, 0, 9.0e15, {}},
      {"split", "train_list", Kind::String, &c.train_list, 0, 0, {}},
      {"split", "valid_list", Kind::String, &c.valid_list, 0, 0, {}},
      {"split", "test_list", Kind::String, &c.test_list, 0, 0, {}},
      {"split", "valid_speakers", Kind::StringList, &c.valid_speakers, 0, 0, {}},
      {"split", "test_speakers", Kind::StringList, &c.test_speakers, 0, 0, {}},
  };
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + ("\"" + s + "\"");
  return out;
}

void assign(const Field& f, const toml::node& v, const std::string& where) {
  const std::string name = std::string(f.section) + "." + f.key;
  switch (f.kind) {
    case Kind::String: {
      if (!v.is_string()) throw ConfigError(where + ": " + name + " must be a string");
      const std::string s = v.as_string()->get();
      if (!f.choices.empty() &&
          std::find(f.choices.begin(), f.choices.end(), s) == f.choices.end()) {
        const std::string near = nearest_match(s, f.choices);
        throw ConfigError(where + ": " + name + " must be one of " + join(f.choices) + ", got \"" +
                          s + "\"" + (near.empty() ? "" : " (did you mean \"" + near + "\"?)"));
      }
      *static_cast<std::string*>(f.ptr) = s;
      return;
    }
    case Kind::Int:
    case Kind::Int32: {
      if (!v.is_integer()) throw ConfigError(where + ": " + name + " must be an integer");
      const int64_t x = v.as_integer()->get();
      if (static_cast<double>(x) < f.lo || static_cast<double>(x) > f.hi) {
        std::ostringstream os;
        os << where << ": " << name << " must be in [" << f.lo << ", " << f.hi << "], got " << x;
        throw ConfigError(os.str());
      }
      if (f.kind == Kind::Int32) {
        *static_cast<int*>(f.ptr) = static_cast<int>(x);
      } else {
        *static_cast<int64_t*>(f.ptr) = x;
      }
      return;
    }
    case Kind::Float: {
      if (!v.is_number()) throw ConfigError(where + ": " + name + " must be a number");
      const double x = v.is_integer() ? static_cast<double>(v.as_integer()->get())
                                      : v.as_floating_point()->get();
      if (!std::isfinite(x) || x < f.lo || x > f.hi) {
        std::ostringstream os;
        os << where << ": " << name << " must be a finite number in [" << f.lo << ", "
           << (f.hi == kBig ? std::string("inf") : std::to_string(f.hi)) << "], got " << x;
        throw ConfigError(os.str());
      }
      *static_cast<double*>(f.ptr) = x;
      return;
    }
    case Kind::StringList: {
      const toml::array* a = v.as_array();
      const std::string wrong = where + ": " + name + " must be a list of strings";
      if (a == nullptr) throw ConfigError(wrong);
      std::vector<std::string> out;
      for (const auto& item : *a) {
        if (!item.is_string()) throw ConfigError(wrong);
        out.push_back(item.as_string()->get());
      }
      *static_cast<std::vector<std::string>*>(f.ptr) = out;
      return;
    }
    case Kind::ChannelMap: {
      const toml::array* a = v.as_array();
      const std::string expected = where + ": " + name +
                                   " must be a list of [\"source\", \"target\"] name pairs, e.g. "
                                   "[[\"T1_py\", \"T1_x\"], [\"T1_pz\", \"T1_y\"]]";
      if (a == nullptr) throw ConfigError(expected);
      std::vector<std::pair<std::string, std::string>> out;
      for (const auto& item : *a) {
        const toml::array* pair = item.as_array();
        if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_string() ||
            !(*pair)[1].is_string()) {
          throw ConfigError(expected);
        }
        out.emplace_back((*pair)[0].as_string()->get(), (*pair)[1].as_string()->get());
      }
      *static_cast<std::vector<std::pair<std::string, std::string>>*>(f.ptr) = out;
      return;
    }
  }
}

const Field* find(const std::vector<Field>& fields, const std::string& section,
                  const std::string& key) {
  for (const auto& f : fields) {
    if (section == f.section && key == f.key) return &f;
  }
  return nullptr;
}

std::string unknown(const std::vector<Field>& fields, const std::string& where,
                    const std::string& section, const std::string& key) {
  std::vector<std::string> sections, keys;
  for (const auto& f : fields) {
    if (std::find(sections.begin(), sections.end(), f.section) == sections.end()) {
      sections.emplace_back(f.section);
    }
    if (section == f.section) keys.emplace_back(f.key);
  }
  if (keys.empty()) {
    const std::string near = nearest_match(section, sections);
    return where + ": unknown section [" + section + "]" +
           (near.empty() ? "" : " (did you mean [" + near + "]?)") + "; prep configs have [" +
           sections[0] + "], [" + sections[1] + "], [" + sections[2] + "] and [" + sections[3] +
           "]";
  }
  const std::string near = nearest_match(key, keys);
  return where + ": unknown key " + section + "." + key +
         (near.empty() ? "" : " (did you mean " + section + "." + near + "?)");
}

void apply_preset(PrepConfig& c, const std::string& where) {
  if (c.preset.empty()) return;
  for (const auto& p : prep_presets()) {
    if (p.name != c.preset) continue;
    c.channels = p.channels;
    c.scale = p.scale;
    if (!p.split_rule.empty()) c.split_rule = p.split_rule;
    return;
  }
  throw ConfigError(where + ": unknown preset '" + c.preset + "'");
}

void validate(const PrepConfig& c, const std::string& origin) {
  if (c.input_dir.empty()) {
    throw ConfigError(origin + ": prep.input_dir is required (the folder holding the audio and " +
                      "track files; it is searched recursively)");
  }
  if (c.output.empty()) throw ConfigError(origin + ": prep.output is required (the .h5 to write)");
  if (c.channels.empty()) {
    throw ConfigError(
        origin + ": tracks.channels is empty: list the channels to keep as " +
        "[[\"source\", \"target\"], ...] or set prep.preset = \"mngu0\" or \"mocha\"");
  }
  std::vector<std::string> targets;
  for (const auto& [src, dst] : c.channels) {
    if (src.empty() || dst.empty()) {
      throw ConfigError(origin + ": tracks.channels has an empty channel name");
    }
    if (std::find(targets.begin(), targets.end(), dst) != targets.end()) {
      throw ConfigError(origin + ": tracks.channels names the target '" + dst + "' twice");
    }
    targets.push_back(dst);
  }
  if (c.speaker_from == "fixed" && c.speaker.empty()) {
    throw ConfigError(origin + ": prep.speaker_from = \"fixed\" needs prep.speaker (the name)");
  }
  if (c.audio_extensions.empty()) throw ConfigError(origin + ": prep.audio_extensions is empty");
  if (c.split_rule == "lists" && c.train_list.empty()) {
    throw ConfigError(
        origin + ": split.rule = \"lists\" needs split.train_list (and usually " +
        "split.valid_list and split.test_list): files of utterance ids, one per line");
  }
  if (c.split_rule == "speaker" && c.valid_speakers.empty() && c.test_speakers.empty()) {
    throw ConfigError(origin + ": split.rule = \"speaker\" needs split.valid_speakers and/or " +
                      "split.test_speakers");
  }
  if (c.split_rule == "ratio" && c.valid_fraction + c.test_fraction >= 1.0) {
    throw ConfigError(origin + ": split.valid_fraction + split.test_fraction must be below 1");
  }
  check_feature_options(c.features, origin);
  const double frame_rate = 1000.0 / c.features.hop_ms;
  if (c.lowpass_hz > 0 && c.lowpass_hz >= frame_rate / 2) {
    throw ConfigError(origin + ": tracks.lowpass_hz = " + std::to_string(c.lowpass_hz) +
                      " must be below half the frame rate (" + std::to_string(frame_rate / 2) +
                      " Hz), or 0 to turn the filter off");
  }
}

void apply_override(const std::vector<Field>& fields, const std::string& text) {
  const size_t eq = text.find('=');
  const size_t dot = text.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq) {
    throw ConfigError("--set " + text + ": expected section.key=value, e.g. prep.input_dir=corpus");
  }
  const std::string section = text.substr(0, dot), key = text.substr(dot + 1, eq - dot - 1);
  const std::string value = text.substr(eq + 1);
  const std::string where = "--set " + text;
  const Field* f = find(fields, section, key);
  if (f == nullptr) throw ConfigError(unknown(fields, where, section, key));
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    // A bare word is a string (prep.output=out.h5).
    parsed = toml::table{{"v", value}};
  }
  assign(*f, *parsed.get("v"), where);
}

}  // namespace

const std::vector<PrepPreset>& prep_presets() {
  static const std::vector<PrepPreset> presets = {
      {"mngu0",
       "MNGU0 day 1: 200 Hz EST binary tracks with 87 channels, py = front-back, pz = vertical; "
       "values in cm (scale 10 gives mm); the standard 1137/63/63 split",
       {{"T1_py", "T1_x"},
        {"T1_pz", "T1_y"},
        {"T2_py", "T2_x"},
        {"T2_pz", "T2_y"},
        {"T3_py", "T3_x"},
        {"T3_pz", "T3_y"},
        {"jaw_py", "JAW_x"},
        {"jaw_pz", "JAW_y"},
        {"upperlip_py", "UL_x"},
        {"upperlip_pz", "UL_y"},
        {"lowerlip_py", "LL_x"},
        {"lowerlip_pz", "LL_y"}},
       10.0,
       200.0,
       "mngu0"},
      {"mocha",
       "MOCHA-TIMIT: 500 Hz EST binary tracks with 20 channels stored in 0.01 mm; tongue tip/"
       "body/dorsum, lower incisor (jaw), lips; add [\"v_x\", \"V_x\"], [\"v_y\", \"V_y\"] for "
       "the velum where a speaker has it",
       {{"tt_x", "T1_x"},
        {"tt_y", "T1_y"},
        {"tb_x", "T2_x"},
        {"tb_y", "T2_y"},
        {"td_x", "T3_x"},
        {"td_y", "T3_y"},
        {"li_x", "JAW_x"},
        {"li_y", "JAW_y"},
        {"ul_x", "UL_x"},
        {"ul_y", "UL_y"},
        {"ll_x", "LL_x"},
        {"ll_y", "LL_y"}},
       0.01,
       500.0,
       ""},
  };
  return presets;
}

PrepConfig parse_prep_config(const std::string& toml_text, const std::string& origin,
                             const std::vector<std::string>& overrides) {
  const toml::table root = parse_toml_document(toml_text, origin);
  PrepConfig c;
  std::vector<Field> fields = fields_of(c);
  // The preset goes first so that explicit keys override what it sets.
  if (const auto* p = root.at_path("prep.preset").node()) {
    assign(*find(fields, "prep", "preset"), *p, toml_location(origin, *p));
  }
  for (const auto& o : overrides) {
    if (o.rfind("prep.preset=", 0) == 0) apply_override(fields, o);
  }
  apply_preset(c, origin);
  for (const auto& [skey, snode] : root) {
    const std::string section(skey.str());
    const toml::table* table = snode.as_table();
    if (table == nullptr) {
      throw ConfigError(toml_location(origin, snode) + ": '" + section + "' must be a section ([" +
                        section + "]); prep configs have [prep], [features], [tracks] and [split]");
    }
    bool known = false;
    for (const auto& f : fields) known = known || section == f.section;
    if (!known) throw ConfigError(unknown(fields, toml_location(origin, snode), section, ""));
    for (const auto& [kkey, knode] : *table) {
      const std::string key(kkey.str());
      const Field* f = find(fields, section, key);
      if (f == nullptr)
        throw ConfigError(unknown(fields, toml_location(origin, knode), section, key));
      if (section == "prep" && key == "preset") continue;
      assign(*f, knode, toml_location(origin, knode));
    }
  }
  for (const auto& o : overrides) apply_override(fields, o);
  validate(c, origin);
  return c;
}

PrepConfig load_prep_config(const std::string& path, const std::vector<std::string>& overrides) {
  const FileRead file = read_whole_file(path, 16ull << 20);
  if (!file.error.empty()) {
    throw ConfigError(path + ": cannot open the prep config (" + file.error + ")");
  }
  return parse_prep_config(file.bytes, path, overrides);
}

std::string prep_config_to_toml(const PrepConfig& config) {
  PrepConfig c = config;
  std::ostringstream os;
  std::string section;
  for (const Field& f : fields_of(c)) {
    if (section != f.section) {
      section = f.section;
      os << (os.tellp() > 0 ? "\n" : "") << "[" << section << "]\n";
    }
    os << f.key << " = ";
    switch (f.kind) {
      case Kind::String:
        os << toml::value<std::string>(*static_cast<std::string*>(f.ptr));
        break;
      case Kind::Int:
        os << *static_cast<int64_t*>(f.ptr);
        break;
      case Kind::Int32:
        os << *static_cast<int*>(f.ptr);
        break;
      case Kind::Float:
        os << toml::value<double>(*static_cast<double*>(f.ptr));
        break;
      case Kind::StringList: {
        toml::array a;
        for (const auto& s : *static_cast<std::vector<std::string>*>(f.ptr)) a.push_back(s);
        os << a;
        break;
      }
      case Kind::ChannelMap: {
        os << "[";
        bool first = true;
        for (const auto& [s, t] :
             *static_cast<std::vector<std::pair<std::string, std::string>>*>(f.ptr)) {
          os << (first ? "" : ", ") << "[" << toml::value<std::string>(s) << ", "
             << toml::value<std::string>(t) << "]";
          first = false;
        }
        os << "]";
        break;
      }
    }
    os << "\n";
  }
  return os.str();
}

}  // namespace artic
