#include "infer/inputs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.h"
#include "core/file_walk.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "/") + s;
  return out;
}

void add_folder(const std::string& dir, const std::vector<std::string>& extensions,
                std::vector<std::string>& out) {
  const std::vector<std::string> found = find_files(dir, extensions);
  if (found.empty()) {
    throw UserError(dir + " holds no audio files (looked for " + joined(extensions) +
                    ", the extensions of the run's corpus recipe)");
  }
  out.insert(out.end(), found.begin(), found.end());
}

void add_path(const std::string& p, const std::vector<std::string>& extensions,
              std::vector<std::string>& out, const std::string& where) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    add_folder(p, extensions, out);
  } else if (fs::exists(p, ec)) {
    out.push_back(p);
  } else {
    throw UserError(where + p + ": no such audio file or folder");
  }
}

}  // namespace

std::vector<InvertInput> collect_inputs(const std::vector<std::string>& paths,
                                        const std::string& list,
                                        const std::vector<std::string>& extensions) {
  std::vector<std::string> files;
  for (const auto& p : paths) add_path(p, extensions, files, "");
  if (!list.empty()) {
    std::ifstream in(list);
    if (!in) throw UserError(list + ": cannot open the list of recordings");
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const size_t first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      const size_t last = line.find_last_not_of(" \t");
      add_path(line.substr(first, last - first + 1), extensions, files,
               list + ":" + std::to_string(n) + ": ");
    }
    if (in.bad()) throw UserError(list + ": cannot read the list of recordings");
  }
  if (files.empty()) {
    throw UserError("nothing to invert: name audio files, folders or --list FILE");
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  std::map<std::string, std::string> by_name;
  std::vector<InvertInput> out;
  for (const auto& f : files) {
    const std::string name = fs::path(f).stem().string();
    const auto [it, fresh] = by_name.emplace(name, f);
    if (!fresh) {
      throw UserError(it->second + " and " + f + " have the same name '" + name +
                      "': their outputs would overwrite each other; invert them separately "
                      "(different --out folders)");
    }
    out.push_back({f, name});
  }
  return out;
}

}  // namespace artic
