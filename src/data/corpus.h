// The artic corpus (docs/corpus-format.md): frames of every utterance concatenated, plus an index.
// `Corpus` holds it in memory; `CorpusReader` reads one utterance at a time from HDF5.
// Readers validate everything and throw DataError naming the file, dataset or utterance.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace artic {

struct UtteranceInfo {
  std::string id;
  std::string speaker;
  std::string split;   // "train" | "valid" | "test"
  int64_t offset = 0;  // first frame in features/targets
  int64_t length = 0;  // frames
};

struct CorpusMeta {
  std::vector<std::string> feature_names;
  std::vector<std::string> articulator_names;
  double frame_rate_hz = 100.0;
  std::string feature_kind;  // e.g. "logmel", "mfcc"
  std::string source;        // where the data came from
  std::string created_by;    // tool and version that wrote the file
  // The options that made the corpus as TOML, e.g. artic prep's resolved configuration (whose
  // [features] artic invert repeats); empty when the tool recorded none. Written as the root
  // attribute `recipe` only when non-empty.
  std::string recipe;
};

struct Corpus {
  CorpusMeta meta;
  std::vector<UtteranceInfo> utterances;
  std::vector<float> features;  // row-major [total_frames, F]
  std::vector<float> targets;   // row-major [total_frames, A], millimetres

  int64_t num_features() const { return static_cast<int64_t>(meta.feature_names.size()); }
  int64_t num_articulators() const { return static_cast<int64_t>(meta.articulator_names.size()); }
  int64_t total_frames() const;
  const float* features_of(size_t utt) const;
  const float* targets_of(size_t utt) const;
};

// Appends an utterance after the last one: `u` with its offset set, u.length frames of `features`
// and of `targets` (nullptr: zeros) copied.
void append_utterance(Corpus& corpus, UtteranceInfo u, const float* features, const float* targets);

// Checks the in-memory invariants (index contiguous-or-gapped but in range and
// non-overlapping, sizes match, values finite, lengths > 0). Throws DataError with `origin`.
void validate_corpus(const Corpus& corpus, const std::string& origin);

struct CorpusWriteOptions {
  int64_t chunk_frames = 4096;  // HDF5 chunk rows for /features and /targets
  int gzip_level = 0;           // 0 = no compression
};

// Validates the corpus, writes PATH.tmp and renames it to PATH (never a half-written PATH).
void write_corpus(const std::string& path, const Corpus& corpus,
                  const CorpusWriteOptions& options = {});

// Streams utterances from an HDF5 corpus. Opening validates the layout and index;
// values are checked for finiteness as they are read (read_all checks every frame).
class CorpusReader {
 public:
  explicit CorpusReader(const std::string& path);
  // Opens the bytes of a corpus file held in memory (an HDF5 file image); `origin` stands for
  // the path in errors. The bytes are copied, so `image` need not outlive the reader. The same
  // checks as opening a path; nothing touches the file system.
  static std::unique_ptr<CorpusReader> from_image(const std::string& image,
                                                  const std::string& origin);
  ~CorpusReader();
  CorpusReader(const CorpusReader&) = delete;
  CorpusReader& operator=(const CorpusReader&) = delete;

  const std::string& path() const;
  const CorpusMeta& meta() const;
  const std::vector<UtteranceInfo>& utterances() const;
  // Reads utterance `index` into row-major buffers of length*F and length*A floats.
  void read(size_t index, float* features, float* targets) const;
  // Reads frames [start, start + count) of utterance `index`.
  void read_frames(size_t index, int64_t start, int64_t count, float* features,
                   float* targets) const;

 private:
  CorpusReader();
  void open(const std::string& origin);
  static Corpus read_all(const CorpusReader& reader);
  friend Corpus read_corpus(const std::string& path);
  friend Corpus read_corpus_image(const std::string& image, const std::string& origin);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Loads a whole corpus into memory, validating every value.
Corpus read_corpus(const std::string& path);
// The same from a file image in memory (see CorpusReader::from_image).
Corpus read_corpus_image(const std::string& image, const std::string& origin);

}  // namespace artic
