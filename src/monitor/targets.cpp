#include "monitor/targets.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <xxhash.h>

#include "core/log.h"

namespace artic {

namespace fs = std::filesystem;

std::string targets_json(const std::vector<ScrapeTarget>& targets, const std::string& job,
                         const std::string& run) {
  nlohmann::ordered_json groups = nlohmann::ordered_json::array();
  for (const auto& t : targets) {
    if (t.address.empty()) continue;
    groups.push_back(
        {{"targets", {t.address}},
         {"labels",
          {{"job", job}, {"rank", std::to_string(t.rank)}, {"host", t.host}, {"run", run}}}});
  }
  return groups.dump(2) + "\n";
}

std::string shared_targets_name(const std::string& run, const std::string& run_dir) {
  char hash[16];
  std::snprintf(hash, sizeof hash, "%08x", XXH32(run_dir.data(), run_dir.size(), 0));
  std::string name = "artic-" + run + "-" + hash;
  for (char& c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.';
    if (!plain) c = '_';
  }
  return name + ".json";
}

TargetFiles::TargetFiles(std::vector<std::string> paths, const std::string& json) {
  for (auto& path : paths) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    const std::string tmp = path + ".tmp";
    std::ofstream out(tmp, std::ios::trunc);
    out << json;
    out.close();
    if (!out || std::rename(tmp.c_str(), path.c_str()) != 0) {
      log_warn("monitor: cannot write the Prometheus targets file " + path +
               "; Prometheus will not discover this run there");
      fs::remove(tmp, ec);
      continue;
    }
    paths_.push_back(std::move(path));
  }
}

TargetFiles::TargetFiles(TargetFiles&& other) noexcept : paths_(std::move(other.paths_)) {
  other.paths_.clear();
}

TargetFiles& TargetFiles::operator=(TargetFiles&& other) noexcept {
  if (this != &other) {
    TargetFiles gone(std::move(*this));
    paths_ = std::move(other.paths_);
    other.paths_.clear();
  }
  return *this;
}

TargetFiles::~TargetFiles() {
  for (const auto& p : paths_) {
    std::error_code ec;
    fs::remove(p, ec);
  }
}

}  // namespace artic
