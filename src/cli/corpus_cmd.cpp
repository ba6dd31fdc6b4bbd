#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "data/corpus.h"
#include "data/corpus_stats.h"
#include "data/dataset.h"
#include "data/sampler.h"
#include "train/batching.h"
#include "train/config.h"

namespace artic::cli {
namespace {

// All names when there are few; else the first and last few around "...".
std::string names_line(const std::vector<std::string>& names) {
  constexpr size_t kShown = 16;
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names.size() > kShown && i == kShown - 4) {
      out += " ...";
      i = names.size() - 4;
    }
    out += (i ? " " : "") + names[i];
  }
  return out;
}

void print_info(const std::string& path, bool as_json) {
  const Corpus c = read_corpus(path);
  CorpusStats stats = corpus_stats(c);
  std::map<std::string, SplitStats>& splits = stats.splits;
  const std::set<std::string>& speakers = stats.speakers;
  const double rate = c.meta.frame_rate_hz;
  const std::vector<std::string> order = {"train", "valid", "test", "all"};

  if (as_json) {
    nlohmann::ordered_json j = {{"path", path},
                                {"frame_rate_hz", rate},
                                {"feature_kind", c.meta.feature_kind},
                                {"source", c.meta.source},
                                {"num_features", c.num_features()},
                                {"num_articulators", c.num_articulators()},
                                {"num_speakers", speakers.size()},
                                {"articulators", c.meta.articulator_names},
                                {"recipe", c.meta.recipe}};
    nlohmann::ordered_json per = nlohmann::ordered_json::object();
    for (const auto& name : order) {
      if (!splits.count(name)) continue;
      const auto& s = splits[name];
      per[name] = {{"utterances", s.utterances},
                   {"frames", s.frames},
                   {"hours", static_cast<double>(s.frames) / rate / 3600.0},
                   {"length_p50", s.length_percentile(50)},
                   {"length_p95", s.length_percentile(95)},
                   {"length_max", s.lengths.back()}};
    }
    j["splits"] = per;
    std::cout << j.dump() << "\n";
    return;
  }

  std::printf("corpus       %s\n", path.c_str());
  std::printf("format       artic-corpus v1, %.6g frames/s, kind '%s'\n", rate,
              c.meta.feature_kind.c_str());
  std::printf("source       %s\n", c.meta.source.c_str());
  std::printf("created by   %s\n", c.meta.created_by.c_str());
  std::printf("speakers     %zu: %s\n", speakers.size(),
              names_line({speakers.begin(), speakers.end()}).c_str());
  std::printf("features     %lld: %s\n", static_cast<long long>(c.num_features()),
              names_line(c.meta.feature_names).c_str());
  std::printf("articulators %lld: %s\n\n", static_cast<long long>(c.num_articulators()),
              names_line(c.meta.articulator_names).c_str());
  std::printf("%-6s %6s %10s %7s  %s\n", "split", "utts", "frames", "hours",
              "length in frames: min    p5   p50   p95   max");
  for (const auto& name : order) {
    if (!splits.count(name)) continue;
    const auto& s = splits[name];
    std::printf(
        "%-6s %6lld %10lld %7.3f  %22lld %5lld %5lld %5lld %5lld\n", name.c_str(),
        static_cast<long long>(s.utterances), static_cast<long long>(s.frames),
        static_cast<double>(s.frames) / rate / 3600.0, static_cast<long long>(s.lengths.front()),
        static_cast<long long>(s.length_percentile(5)),
        static_cast<long long>(s.length_percentile(50)),
        static_cast<long long>(s.length_percentile(95)), static_cast<long long>(s.lengths.back()));
  }
  if (!c.meta.recipe.empty()) {
    std::printf("\nrecipe (the options that made it):\n%s", c.meta.recipe.c_str());
  }
}

struct BatchesArgs {
  std::string config;
  std::vector<std::string> overrides;
  int world_size = 1;
  int64_t epoch = 0;
  std::string export_path;
};

// Batch max-length histogram rows: lower bounds doubling from 50 frames.
std::vector<int64_t> histogram(const std::vector<std::vector<Batch>>& plan,
                               const std::vector<int64_t>& edges) {
  std::vector<int64_t> counts(edges.size(), 0);
  for (const auto& step : plan) {
    for (const auto& b : step) {
      if (b.items.empty()) continue;
      size_t k = 0;
      while (k + 1 < edges.size() && b.max_length >= edges[k + 1]) ++k;
      counts[k] += 1;
    }
  }
  return counts;
}

// Rank 0's micro-batches of the plan, in training order, as [utterance index, start, length]
// segments (what bench/reference/train_ref.py replays).
void export_plan(const BatchesArgs& args, const Config& config,
                 const std::vector<Segment>& segments,
                 const std::vector<std::vector<Batch>>& plan) {
  nlohmann::ordered_json batches = nlohmann::ordered_json::array();
  for (const auto& step : plan) {
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    for (int64_t i : step[0].items) {
      const Segment& seg = segments[static_cast<size_t>(i)];
      items.push_back({seg.utterance, seg.start, seg.length});
    }
    batches.push_back(items);
  }
  const nlohmann::ordered_json v = {{"corpus", config.data.corpus},
                                    {"split_mode", name_of(config.data.segments.mode)},
                                    {"mode", name_of(config.batching.mode)},
                                    {"max_frames", config.batching.max_frames},
                                    {"world_size", args.world_size},
                                    {"epoch", args.epoch},
                                    {"batches", batches}};
  write_file_atomically(args.export_path, {v.dump(), "\n"}, "the batch plan");
}

void print_batches(const BatchesArgs& args) {
  const Config config = load_config(args.config, args.overrides);
  if (args.world_size < 1) throw UserError("--world-size must be at least 1");
  CorpusReader reader(config.data.corpus);
  const FrameSource source{nullptr, &reader};
  const auto train = split_indices(reader.utterances(), "train");
  const auto segments = make_segments(source, train, config.data.segments);
  const auto lengths = segment_lengths(segments);

  std::vector<std::vector<std::vector<Batch>>> plans;
  const std::vector<BatchOrder> orders = {BatchOrder::Bucket, BatchOrder::Random};
  for (const BatchOrder order : orders) {
    SamplerOptions options = training_sampler_options(config, 0, args.world_size, 0);
    options.batching.mode = order;
    plans.push_back(plan_epoch(lengths, options, args.epoch));
  }
  if (!args.export_path.empty()) {
    export_plan(args, config, segments, plans[config.batching.mode == BatchOrder::Bucket ? 0 : 1]);
  }
  std::printf("corpus %s: train split, %zu utterances -> %zu segments (split_mode %s)\n",
              config.data.corpus.c_str(), train.size(), segments.size(),
              name_of(config.data.segments.mode).c_str());
  std::printf("world size %d, batching.max_frames %lld, epoch %lld\n\n", args.world_size,
              static_cast<long long>(config.batching.max_frames),
              static_cast<long long>(args.epoch));
  std::vector<PlanStats> stats;
  for (const auto& p : plans) stats.push_back(plan_stats(p));
  auto row = [&](const char* name, auto value) {
    std::printf("%-24s", name);
    for (size_t m = 0; m < orders.size(); ++m) std::printf(" %12s", value(m).c_str());
    std::printf("\n");
  };
  auto num = [](int64_t v) { return std::to_string(v); };
  row("", [&](size_t m) { return name_of(orders[m]); });
  row("batches per rank", [&](size_t m) { return num(static_cast<int64_t>(plans[m].size())); });
  row("batches (all ranks)", [&](size_t m) { return num(stats[m].batches); });
  row("real frames", [&](size_t m) { return num(stats[m].real_frames); });
  row("padded frames", [&](size_t m) { return num(stats[m].padded_frames); });
  row("padding efficiency", [&](size_t m) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * stats[m].efficiency());
    return std::string(buf);
  });
  row("max batch frames", [&](size_t m) { return num(stats[m].max_batch_frames); });
  row("segments per batch", [&](size_t m) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f",
                  static_cast<double>(segments.size()) / static_cast<double>(stats[m].batches));
    return std::string(buf);
  });
  std::printf("\nbatches by longest segment (frames):\n");
  std::vector<int64_t> edges = {0, 50};
  while (edges.back() < *std::max_element(lengths.begin(), lengths.end())) {
    edges.push_back(edges.back() * 2);
  }
  edges.pop_back();
  std::vector<std::vector<int64_t>> hists;
  for (const auto& p : plans) hists.push_back(histogram(p, edges));
  for (size_t k = 0; k < edges.size(); ++k) {
    const std::string range =
        k + 1 < edges.size() ? std::to_string(edges[k]) + "-" + std::to_string(edges[k + 1] - 1)
                             : std::to_string(edges[k]) + "+";
    row(("  " + range).c_str(), [&](size_t m) { return num(hists[m][k]); });
  }
}

}  // namespace

void add_corpus_command(CLI::App& app) {
  auto* group = app.add_subcommand("corpus", "Inspect an HDF5 corpus");
  group->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto* info = group->add_subcommand(
      "info", "Validate a corpus and print utterances and frames per split, lengths, channels");
  info->add_option("file", *path, "corpus HDF5 file")->required();
  info->add_flag("--json", *as_json, "print JSON instead of a table");
  info->callback([path, as_json] { print_info(*path, *as_json); });

  auto args = std::make_shared<BatchesArgs>();
  auto* batches = group->add_subcommand(
      "batches", "Show the batching plan of a config's train split: bucket vs random side by side");
  batches->add_option("--config,-c", args->config, "training config (TOML)")->required();
  batches->add_option("--set", args->overrides, "override, e.g. --set batching.max_frames=8000");
  batches->add_option("--world-size,-w", args->world_size, "ranks to shard for")
      ->capture_default_str();
  batches->add_option("--epoch", args->epoch, "epoch whose plan to show")->capture_default_str();
  batches->add_option("--export", args->export_path,
                      "write rank 0's batches of the config's batching.mode as JSON "
                      "([utterance index, start, length] per segment)");
  batches->callback([args] { print_batches(*args); });
}

}  // namespace artic::cli
