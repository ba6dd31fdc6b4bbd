// Reader and writer of the artic corpus layout (docs/corpus-format.md) on the HDF5 kit
// (data/hdf5.h).
#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "core/error.h"
#include "data/corpus.h"
#include "data/corpus_check.h"
#include "data/hdf5.h"

namespace artic {
namespace {

constexpr const char* kFormat = "artic-corpus";
constexpr int64_t kVersion = 1;

using h5::Handle;

void write_file(const std::string& path, const Corpus& c, const CorpusWriteOptions& options) {
  Handle file = h5::create_file(path);
  const hid_t root = file.get();
  h5::write_string_attr(root, "format", kFormat, path);
  h5::write_int64_attr(root, "version", kVersion, path);
  h5::write_double_attr(root, "frame_rate_hz", c.meta.frame_rate_hz, path);
  h5::write_string_attr(root, "feature_kind", c.meta.feature_kind, path);
  h5::write_string_attr(root, "source", c.meta.source, path);
  h5::write_string_attr(root, "created_by", c.meta.created_by, path);
  if (!c.meta.recipe.empty()) h5::write_string_attr(root, "recipe", c.meta.recipe, path);

  const int64_t frames = c.total_frames();
  const h5::MatrixStorage storage{options.chunk_frames, options.gzip_level};
  h5::write_float_matrix(root, "features", c.features, frames, c.num_features(), storage, path);
  h5::write_float_matrix(root, "targets", c.targets, frames, c.num_articulators(), storage, path);

  Handle utts = h5::create_group(root, "utterances");
  std::vector<std::string> ids, speakers, splits;
  std::vector<int64_t> offsets, lengths;
  for (const auto& u : c.utterances) {
    ids.push_back(u.id);
    speakers.push_back(u.speaker);
    splits.push_back(u.split);
    offsets.push_back(u.offset);
    lengths.push_back(u.length);
  }
  h5::write_strings(utts.get(), "id", ids, path);
  h5::write_int64s(utts.get(), "offset", offsets, path);
  h5::write_int64s(utts.get(), "length", lengths, path);
  h5::write_strings(utts.get(), "speaker", speakers, path);
  h5::write_strings(utts.get(), "split", splits, path);

  Handle meta = h5::create_group(root, "meta");
  h5::write_strings(meta.get(), "feature_names", c.meta.feature_names, path);
  h5::write_strings(meta.get(), "articulator_names", c.meta.articulator_names, path);
  h5::flush(root, path);
  utts = Handle();
  meta = Handle();
  h5::close_file(std::move(file), path);
}

std::string optional_string_attr(hid_t file, const char* name, const std::string& path) {
  return h5::attr_exists(file, name) ? h5::read_string_attr(file, name, path) : "";
}

// One of the two frame matrices: its handle and shape.
struct Matrix {
  Handle ds;
  int64_t rows = 0;
  int64_t cols = 0;
};

Matrix open_matrix(hid_t file, const std::string& name, const std::string& path) {
  Matrix m;
  m.ds = h5::open_dataset(file, name, path);
  const auto dims = h5::dataset_dims(m.ds.get());
  if (dims.size() != 2) {
    throw DataError(path + ": " + name + " must be 2-D [frames, channels], got " +
                    std::to_string(dims.size()) + " dimensions");
  }
  if (h5::type_class(m.ds.get()) != H5T_FLOAT) {
    throw DataError(path + ": " + name + " must hold floats (float16/32/64), got " +
                    h5::class_name(h5::type_class(m.ds.get())));
  }
  m.rows = static_cast<int64_t>(dims[0]);
  m.cols = static_cast<int64_t>(dims[1]);
  return m;
}

void read_rows(const Matrix& m, int64_t first, int64_t count, float* out, const std::string& what) {
  h5::read_float_rows(m.ds.get(), first, count, m.cols, out, what);
}

}  // namespace

struct CorpusReader::Impl {
  std::string path;
  Handle file;
  Matrix features;
  Matrix targets;
  CorpusMeta meta;
  std::vector<UtteranceInfo> utterances;
};

CorpusReader::CorpusReader() : impl_(std::make_unique<Impl>()) {}

CorpusReader::CorpusReader(const std::string& path) : CorpusReader() {
  const auto lock = h5::lock();
  if (FILE* probe = std::fopen(path.c_str(), "rb")) {
    std::fclose(probe);
  } else {
    throw DataError(path + ": cannot open corpus file (does it exist?)");
  }
  if (!h5::is_hdf5(path)) {
    throw DataError(path +
                    ": not an HDF5 file (expected an artic corpus; see docs/corpus-format.md)");
  }
  // Every rank opens the corpus, so without file locks (see h5::open_read_only).
  impl_->file = h5::open_read_only(path);
  open(path);
}

std::unique_ptr<CorpusReader> CorpusReader::from_image(const std::string& image,
                                                       const std::string& origin) {
  std::unique_ptr<CorpusReader> reader(new CorpusReader());
  const auto lock = h5::lock();
  reader->impl_->file = h5::open_image(image);
  if (!reader->impl_->file.valid()) {
    throw DataError(origin + ": not an HDF5 file image (expected an artic corpus)");
  }
  reader->open(origin);
  return reader;
}

// Reads and checks the layout and index of the file in impl_->file; the HDF5 mutex is held.
void CorpusReader::open(const std::string& path) {
  auto& s = *impl_;
  s.path = path;
  const hid_t f = s.file.get();

  const std::string format = h5::read_string_attr(f, "format", path);
  if (format != kFormat) {
    throw DataError(path + ": root attribute 'format' is '" + format + "', expected '" + kFormat +
                    "'");
  }
  const double version = h5::read_number_attr(f, "version", path);
  if (version != static_cast<double>(kVersion)) {
    throw DataError(path + ": corpus format version " + std::to_string(version) +
                    " is not supported (this artic reads version " + std::to_string(kVersion) +
                    ")");
  }
  s.meta.frame_rate_hz = h5::read_number_attr(f, "frame_rate_hz", path);
  if (!(s.meta.frame_rate_hz > 0)) {
    throw DataError(path + ": root attribute 'frame_rate_hz' must be > 0");
  }
  s.meta.feature_kind = optional_string_attr(f, "feature_kind", path);
  s.meta.source = optional_string_attr(f, "source", path);
  s.meta.created_by = optional_string_attr(f, "created_by", path);
  s.meta.recipe = optional_string_attr(f, "recipe", path);

  s.features = open_matrix(f, "/features", path);
  s.targets = open_matrix(f, "/targets", path);
  if (s.features.rows != s.targets.rows) {
    throw DataError(path + ": shape mismatch: /features has " + std::to_string(s.features.rows) +
                    " frames but /targets has " + std::to_string(s.targets.rows));
  }
  s.meta.feature_names = h5::read_string_dataset(f, "/meta/feature_names", path);
  s.meta.articulator_names = h5::read_string_dataset(f, "/meta/articulator_names", path);
  if (static_cast<int64_t>(s.meta.feature_names.size()) != s.features.cols) {
    throw DataError(path + ": shape mismatch: /features has " + std::to_string(s.features.cols) +
                    " channels but /meta/feature_names has " +
                    std::to_string(s.meta.feature_names.size()) + " names");
  }
  if (static_cast<int64_t>(s.meta.articulator_names.size()) != s.targets.cols) {
    throw DataError(path + ": shape mismatch: /targets has " + std::to_string(s.targets.cols) +
                    " channels but /meta/articulator_names has " +
                    std::to_string(s.meta.articulator_names.size()) + " names");
  }
  if (s.features.cols == 0 || s.targets.cols == 0) {
    throw DataError(path + ": /features and /targets must have at least one channel");
  }

  const auto ids = h5::read_string_dataset(f, "/utterances/id", path);
  const auto offsets = h5::read_int_dataset(f, "/utterances/offset", path);
  const auto lengths = h5::read_int_dataset(f, "/utterances/length", path);
  const auto speakers = h5::read_string_dataset(f, "/utterances/speaker", path);
  const auto splits = h5::read_string_dataset(f, "/utterances/split", path);
  const size_t n = ids.size();
  auto same_count = [&](size_t count, const char* name) {
    if (count != n) {
      throw DataError(path + ": shape mismatch: /utterances/id has " + std::to_string(n) +
                      " entries but /utterances/" + name + " has " + std::to_string(count));
    }
  };
  same_count(offsets.size(), "offset");
  same_count(lengths.size(), "length");
  same_count(speakers.size(), "speaker");
  same_count(splits.size(), "split");
  if (n == 0) throw DataError(path + ": the corpus has no utterances");
  s.utterances.resize(n);
  for (size_t i = 0; i < n; ++i) {
    s.utterances[i] = UtteranceInfo{ids[i], speakers[i], splits[i], offsets[i], lengths[i]};
  }
  check_index(s.utterances, s.features.rows, path);
}

CorpusReader::~CorpusReader() {
  const auto lock = h5::lock();
  impl_.reset();
}

const std::string& CorpusReader::path() const {
  return impl_->path;
}
const CorpusMeta& CorpusReader::meta() const {
  return impl_->meta;
}
const std::vector<UtteranceInfo>& CorpusReader::utterances() const {
  return impl_->utterances;
}

void CorpusReader::read(size_t index, float* features, float* targets) const {
  read_frames(index, 0, impl_->utterances.at(index).length, features, targets);
}

void CorpusReader::read_frames(size_t index, int64_t start, int64_t count, float* features,
                               float* targets) const {
  const auto& s = *impl_;
  const UtteranceInfo& u = s.utterances.at(index);
  if (start < 0 || count < 0 || start + count > u.length) {
    throw std::out_of_range("frames [" + std::to_string(start) + ", " +
                            std::to_string(start + count) + ") outside utterance '" + u.id + "'");
  }
  {
    const auto lock = h5::lock();
    read_rows(s.features, u.offset + start, count, features, s.path + ": /features");
    read_rows(s.targets, u.offset + start, count, targets, s.path + ": /targets");
  }
  check_finite(features, count, s.features.cols, "/features", u, s.meta.feature_names, s.path,
               start);
  check_finite(targets, count, s.targets.cols, "/targets", u, s.meta.articulator_names, s.path,
               start);
}

Corpus CorpusReader::read_all(const CorpusReader& reader) {
  const std::string& path = reader.path();
  Corpus c;
  c.meta = reader.meta();
  c.utterances = reader.utterances();
  const auto& s = *reader.impl_;
  c.features.resize(static_cast<size_t>(s.features.rows * s.features.cols));
  c.targets.resize(static_cast<size_t>(s.targets.rows * s.targets.cols));
  {
    const auto lock = h5::lock();
    read_rows(s.features, 0, s.features.rows, c.features.data(), path + ": /features");
    read_rows(s.targets, 0, s.targets.rows, c.targets.data(), path + ": /targets");
  }
  validate_corpus(c, path);
  return c;
}

Corpus read_corpus(const std::string& path) {
  return CorpusReader::read_all(CorpusReader(path));
}

Corpus read_corpus_image(const std::string& image, const std::string& origin) {
  return CorpusReader::read_all(*CorpusReader::from_image(image, origin));
}

void write_corpus(const std::string& path, const Corpus& corpus,
                  const CorpusWriteOptions& options) {
  validate_corpus(corpus, path);
  const std::string tmp = path + ".tmp";
  {
    const auto lock = h5::lock();
    try {
      write_file(tmp, corpus, options);
    } catch (...) {
      std::remove(tmp.c_str());
      throw;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw DataError(path + ": cannot move the written corpus into place");
  }
}

}  // namespace artic
