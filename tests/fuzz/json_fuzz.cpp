// JSON reader of run records: json::parse on the whole input and on each line (metrics.jsonl),
// and `artic compare` (compare_runs) on two run directories whose summary.json and eval.json
// are the input split at its first form feed (the whole input for both without one). UserError
// is the expected refusal; a document that parses must print (to_json) as text that parses back
// to the same document.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/json.h"
#include "eval/compare.h"
#include "fuzz_input.h"

namespace {

namespace fs = std::filesystem;
namespace json = artic::json;

void check_round_trip(const json::Value& v) {
  for (int indent : {0, 2}) {
    const std::string once = json::to_json(v, indent);
    if (json::to_json(json::parse(once, "printed.json"), indent) != once) std::abort();
  }
}

bool parse_document(const std::string& text, const std::string& origin) {
  try {
    check_round_trip(json::parse(text, origin));
    return true;
  } catch (const artic::UserError&) {
    return false;
  }
}

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Runs runs;
  const std::string text = artic::fuzz::text_of(data, size);
  const bool whole = parse_document(text, "fuzz.json");
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) parse_document(text.substr(pos, end - pos), "metrics.jsonl");
    pos = end + 1;
  }
  // Run directories only for documents that parse (others fail as above, in load_run).
  const size_t ff = text.find('\f');
  const std::string summary = ff == std::string::npos ? text : text.substr(0, ff);
  const std::string eval = ff == std::string::npos ? text : text.substr(ff + 1);
  if (ff == std::string::npos
          ? !whole
          : !parse_document(summary, "summary.json") || !parse_document(eval, "eval.json")) {
    return 0;
  }
  runs.write(summary, eval);
  for (bool per_articulator : {false, true}) {
    try {
      artic::compare_runs(runs.dirs, artic::CompareOptions{per_articulator});
    } catch (const artic::UserError&) {
    }
  }
  return 0;
}
