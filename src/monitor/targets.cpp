#include "monitor/targets.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/json.h"
#include "core/log.h"

namespace artic {

namespace fs = std::filesystem;

std::string targets_json(const std::vector<ScrapeTarget>& targets, const std::string& job,
                         const std::string& run) {
  json::Value groups = json::Value::array();
  for (const auto& t : targets) {
    if (t.address.empty()) continue;
    json::Value addresses = json::Value::array();
    addresses.push_back(t.address);
    json::Value labels = json::Value::object();
    labels.set("job", job);
    labels.set("rank", std::to_string(t.rank));
    labels.set("host", t.host);
    labels.set("run", run);
    json::Value group = json::Value::object();
    group.set("targets", std::move(addresses));
    group.set("labels", std::move(labels));
    groups.push_back(std::move(group));
  }
  return json::to_json(groups, 2) + "\n";
}

std::string shared_targets_name(const std::string& run, const std::string& run_dir) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (const unsigned char c : run_dir) h = (h ^ c) * 16777619u;
  char hash[16];
  std::snprintf(hash, sizeof hash, "%08x", h);
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
