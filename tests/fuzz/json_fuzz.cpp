// Readers of run records: summary.json and eval.json (eval/run_records) and `artic compare`
// (compare_runs) on two run directories holding them. The input is split at its first form feed
// into summary.json and eval.json (the whole input for both without one). UserError is the
// expected refusal, naming the file; any other exception or a crash is a finding. A record that
// reads must write back as a document that reads to the same record.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "eval/compare.h"
#include "eval/run_records.h"
#include "fuzz_input.h"

namespace {

namespace fs = std::filesystem;

// Two run directories in a private temp directory, removed at exit.
struct Runs {
  fs::path root;
  std::vector<std::string> dirs;
  Runs() {
    root = fs::temp_directory_path() / ("artic-json-fuzz-" + std::to_string(getpid()));
    for (const char* name : {"a", "b"}) {
      fs::create_directories(root / name);
      dirs.push_back((root / name).string());
    }
  }
  ~Runs() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  void write(const std::string& summary, const std::string& eval) const {
    for (const auto& d : dirs) {
      std::ofstream(fs::path(d) / "summary.json", std::ios::binary | std::ios::trunc) << summary;
      std::ofstream(fs::path(d) / "eval.json", std::ios::binary | std::ios::trunc) << eval;
    }
  }
};

template <typename Record>
void check_round_trip(const Record& r) {
  const std::string once = artic::Json(r).dump();
  if (artic::Json(artic::Json::parse(once).get<Record>()).dump() != once) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Runs runs;
  const std::string text = artic::fuzz::text_of(data, size);
  const size_t ff = text.find('\f');
  runs.write(ff == std::string::npos ? text : text.substr(0, ff),
             ff == std::string::npos ? text : text.substr(ff + 1));
  bool both = true;
  try {
    check_round_trip(artic::read_run_summary(runs.dirs[0] + "/summary.json"));
  } catch (const artic::UserError&) {
    both = false;
  }
  try {
    check_round_trip(artic::read_eval_record(runs.dirs[0] + "/eval.json"));
  } catch (const artic::UserError&) {
    both = false;
  }
  if (!both) return 0;
  for (bool per_articulator : {false, true}) {
    try {
      artic::compare_runs(runs.dirs, artic::CompareOptions{per_articulator});
    } catch (const artic::UserError&) {
    }
  }
  return 0;
}
