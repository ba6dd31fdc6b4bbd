#include "core/sweep.h"

#include <toml++/toml.h>

#include <filesystem>
#include <set>

#include "core/error.h"
#include "core/file_read.h"
#include "core/toml_document.h"

namespace artic {
namespace {

std::vector<std::string> overrides_of(const toml::node& node, const std::string& origin) {
  const toml::array* list = node.as_array();
  if (list == nullptr) {
    throw ConfigError(toml_location(origin, node) +
                      ": 'set' must be a list of \"section.key=value\" strings");
  }
  std::vector<std::string> out;
  for (const auto& item : *list) {
    const auto* s = item.as_string();
    const std::string text = s != nullptr ? s->get() : std::string();
    const size_t eq = text.find('=');
    const size_t dot = text.find('.');
    if (s == nullptr || eq == std::string::npos || dot == std::string::npos || dot == 0 ||
        dot + 1 >= eq) {
      throw ConfigError(toml_location(origin, item) +
                        ": each 'set' entry must be a \"section.key=value\" " +
                        "string, e.g. \"data.sequence_length=500\"");
    }
    out.push_back(text);
  }
  return out;
}

bool plain_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return name != "." && name != "..";
}

}  // namespace

Sweep parse_sweep(const std::string& toml_text, const std::string& origin) {
  const toml::table root = parse_toml_document(toml_text, origin);
  Sweep sweep;
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    const std::string where = toml_location(origin, node);
    if (k == "config") {
      if (!node.is_string()) throw ConfigError(where + ": 'config' must be a file path string");
      sweep.config = node.as_string()->get();
    } else if (k == "set") {
      sweep.common = overrides_of(node, origin);
    } else if (k == "seeds") {
      const toml::array* list = node.as_array();
      const std::string wrong = where +
                                ": 'seeds' must be a list of distinct integers >= 0, e.g. " +
                                "seeds = [1, 2, 3, 4, 5]";
      if (list == nullptr || list->empty()) throw ConfigError(wrong);
      for (const auto& item : *list) {
        const auto seed = item.value_exact<int64_t>();
        if (!seed || *seed < 0) throw ConfigError(wrong);
        for (int64_t other : sweep.seeds) {
          if (other == *seed) throw ConfigError(wrong + " (" + std::to_string(*seed) + " twice)");
        }
        sweep.seeds.push_back(*seed);
      }
    } else if (k == "variant") {
      const toml::array* list = node.as_array();
      if (list == nullptr || !list->is_array_of_tables()) {
        throw ConfigError(where + ": 'variant' must be an array of tables ([[variant]])");
      }
      for (const auto& item : *list) {
        const toml::table& t = *item.as_table();
        SweepVariant v;
        for (const auto& [vkey, vnode] : t) {
          const std::string vk(vkey.str());
          const std::string vwhere = toml_location(origin, vnode);
          if (vk == "name") {
            v.name = vnode.is_string() ? vnode.as_string()->get() : std::string();
            if (!plain_name(v.name)) {
              throw ConfigError(vwhere + ": variant name must be letters, digits, '.', '_' or " +
                                "'-' (it names the run directory)");
            }
          } else if (vk == "set") {
            v.overrides = overrides_of(vnode, origin);
          } else {
            throw ConfigError(vwhere + ": unknown key '" + vk +
                              "' in [[variant]] (expected name, set)");
          }
        }
        if (v.name.empty()) {
          throw ConfigError(toml_location(origin, item) + ": [[variant]] " +
                            std::to_string(sweep.variants.size() + 1) + " has no name");
        }
        sweep.variants.push_back(std::move(v));
      }
    } else {
      throw ConfigError(where + ": unknown key '" + k +
                        "' (expected config, set, seeds, [[variant]])");
    }
  }
  if (sweep.variants.empty()) {
    throw ConfigError(origin + ": no [[variant]] tables; a sweep needs at least one variant");
  }
  std::set<std::string> names;
  for (const auto& v : sweep.variants) {
    if (!names.insert(v.name).second) {
      throw ConfigError(origin + ": variant name '" + v.name + "' is used twice");
    }
  }
  return sweep;
}

Sweep load_sweep(const std::string& path) {
  const FileRead file = read_whole_file(path, 16ull << 20);
  if (!file.error.empty())
    throw ConfigError(path + ": cannot open sweep file (" + file.error + ")");
  Sweep sweep = parse_sweep(file.bytes, path);
  namespace fs = std::filesystem;
  if (!sweep.config.empty() && fs::path(sweep.config).is_relative()) {
    sweep.config = (fs::path(path).parent_path() / sweep.config).lexically_normal().string();
  }
  return sweep;
}

std::vector<std::string> variant_overrides(const Sweep& sweep, size_t index) {
  std::vector<std::string> all = sweep.common;
  const auto& own = sweep.variants.at(index).overrides;
  all.insert(all.end(), own.begin(), own.end());
  return all;
}

std::vector<SweepTask> sweep_tasks(const Sweep& sweep) {
  std::vector<SweepTask> tasks;
  for (size_t i = 0; i < sweep.variants.size(); ++i) {
    if (sweep.seeds.empty()) {
      tasks.push_back({i, sweep.variants[i].name, variant_overrides(sweep, i)});
      continue;
    }
    for (int64_t seed : sweep.seeds) {
      SweepTask t{i, sweep.variants[i].name + "/seed-" + std::to_string(seed),
                  variant_overrides(sweep, i)};
      t.overrides.push_back("run.seed=" + std::to_string(seed));
      tasks.push_back(std::move(t));
    }
  }
  return tasks;
}

size_t find_task(const std::vector<SweepTask>& tasks, const std::string& name_or_index,
                 const std::string& origin) {
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].name == name_or_index) return i;
  }
  if (!name_or_index.empty() &&
      name_or_index.find_first_not_of("0123456789") == std::string::npos &&
      name_or_index.size() < 9) {
    const size_t i = std::stoul(name_or_index);
    if (i < tasks.size()) return i;
  }
  std::string names;
  for (const auto& t : tasks) names += (names.empty() ? "" : ", ") + t.name;
  throw ConfigError(origin + ": no variant '" + name_or_index + "' (indices 0.." +
                    std::to_string(tasks.size() - 1) + ": " + names + ")");
}

}  // namespace artic
