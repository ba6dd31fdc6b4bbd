#include "infer/inputs.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "/") + s;
  return out;
}

void add_folder(const std::string& dir, const std::set<std::string>& extensions,
                const std::vector<std::string>& wanted, std::vector<std::string>& out) {
  std::error_code ec;
  size_t found = 0;
  for (auto it = fs::recursive_directory_iterator(dir,
                                                  fs::directory_options::follow_directory_symlink |
                                                      fs::directory_options::skip_permission_denied,
                                                  ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    if (extensions.count(lower(it->path().extension().string())) == 0) continue;
    out.push_back(it->path().string());
    ++found;
  }
  if (ec) throw UserError(dir + ": cannot read the folder (" + ec.message() + ")");
  if (found == 0) {
    throw UserError(dir + " holds no audio files (looked for " + joined(wanted) +
                    ", the extensions of the run's corpus recipe)");
  }
}

void add_path(const std::string& p, const std::set<std::string>& extensions,
              const std::vector<std::string>& wanted, std::vector<std::string>& out,
              const std::string& where) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    add_folder(p, extensions, wanted, out);
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
  std::set<std::string> ext;
  for (const auto& e : extensions) ext.insert(lower(e));
  std::vector<std::string> files;
  for (const auto& p : paths) add_path(p, ext, extensions, files, "");
  if (!list.empty()) {
    std::ifstream in(list);
    if (!in) throw UserError(list + ": cannot open the list of recordings");
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const size_t first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      const size_t last = line.find_last_not_of(" \t");
      add_path(line.substr(first, last - first + 1), ext, extensions, files,
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
