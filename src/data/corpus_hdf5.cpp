// HDF5 reader and writer of the artic corpus layout (docs/corpus-format.md). The only file that
// includes hdf5.h. Debian's serial HDF5 is not thread-safe, so every call holds one mutex.
#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <stdexcept>

#include "core/error.h"
#include "data/corpus.h"
#include "data/corpus_check.h"

namespace artic {
namespace {

constexpr const char* kFormat = "artic-corpus";
constexpr int64_t kVersion = 1;

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

void silence_hdf5_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

// Owns an HDF5 identifier and closes it with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    std::swap(id_, o.id_);
    std::swap(close_, o.close_);
    return *this;
  }
  ~Handle() {
    if (id_ >= 0 && close_) close_(id_);
  }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

Handle vlen_string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

void check(herr_t status, const std::string& what) {
  if (status < 0) throw DataError(what);
}

// ---------------------------------------------------------------- writing

// Objects are written without modification times, so the same corpus gives the same bytes.
Handle untimed_dataset_plist() {
  Handle p(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(p.get(), false);
  return p;
}

Handle untimed_group_plist() {
  Handle p(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_obj_track_times(p.get(), false);
  return p;
}

void write_string_attr(hid_t obj, const char* name, const std::string& value,
                       const std::string& where) {
  Handle type = vlen_string_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* ptr = value.c_str();
  check(attr.valid() ? H5Awrite(attr.get(), type.get(), &ptr) : -1,
        where + ": cannot write attribute " + name);
}

template <typename T>
void write_number_attr(hid_t obj, const char* name, T value, hid_t file_type, hid_t mem_type,
                       const std::string& where) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(obj, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  check(attr.valid() ? H5Awrite(attr.get(), mem_type, &value) : -1,
        where + ": cannot write attribute " + name);
}

void write_strings(hid_t parent, const char* name, const std::vector<std::string>& values,
                   const std::string& where) {
  Handle type = vlen_string_type();
  const hsize_t dims[1] = {values.size()};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  Handle dcpl = untimed_dataset_plist();
  Handle ds(H5Dcreate2(parent, name, type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
            H5Dclose);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  check(ds.valid() && (values.empty() || H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL,
                                                  H5P_DEFAULT, ptrs.data()) >= 0)
            ? 0
            : -1,
        where + ": cannot write " + name);
}

void write_int64s(hid_t parent, const char* name, const std::vector<int64_t>& values,
                  const std::string& where) {
  const hsize_t dims[1] = {values.size()};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  Handle dcpl = untimed_dataset_plist();
  Handle ds(
      H5Dcreate2(parent, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      H5Dclose);
  check(ds.valid() && (values.empty() || H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL,
                                                  H5P_DEFAULT, values.data()) >= 0)
            ? 0
            : -1,
        where + ": cannot write " + name);
}

void write_matrix(hid_t parent, const char* name, const std::vector<float>& values, int64_t rows,
                  int64_t cols, const CorpusWriteOptions& options, const std::string& where) {
  const hsize_t dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)};
  Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
  Handle dcpl = untimed_dataset_plist();
  if (rows > 0) {
    const hsize_t chunk[2] = {
        static_cast<hsize_t>(std::max<int64_t>(1, std::min(options.chunk_frames, rows))),
        static_cast<hsize_t>(cols)};
    H5Pset_chunk(dcpl.get(), 2, chunk);
    if (options.gzip_level > 0) {
      H5Pset_shuffle(dcpl.get());
      H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options.gzip_level));
    }
  }
  Handle ds(
      H5Dcreate2(parent, name, H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      H5Dclose);
  check(ds.valid() && (rows == 0 || H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                                             H5P_DEFAULT, values.data()) >= 0)
            ? 0
            : -1,
        where + ": cannot write " + name);
}

void write_file(const std::string& path, const Corpus& c, const CorpusWriteOptions& options) {
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw DataError(path + ": cannot create file (check the directory exists)");
  const hid_t root = file.get();
  write_string_attr(root, "format", kFormat, path);
  write_number_attr(root, "version", kVersion, H5T_STD_I64LE, H5T_NATIVE_INT64, path);
  write_number_attr(root, "frame_rate_hz", c.meta.frame_rate_hz, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                    path);
  write_string_attr(root, "feature_kind", c.meta.feature_kind, path);
  write_string_attr(root, "source", c.meta.source, path);
  write_string_attr(root, "created_by", c.meta.created_by, path);

  const int64_t frames = c.total_frames();
  write_matrix(root, "features", c.features, frames, c.num_features(), options, path);
  write_matrix(root, "targets", c.targets, frames, c.num_articulators(), options, path);

  Handle ugcpl = untimed_group_plist();
  Handle utts(H5Gcreate2(root, "utterances", H5P_DEFAULT, ugcpl.get(), H5P_DEFAULT), H5Gclose);
  std::vector<std::string> ids, speakers, splits;
  std::vector<int64_t> offsets, lengths;
  for (const auto& u : c.utterances) {
    ids.push_back(u.id);
    speakers.push_back(u.speaker);
    splits.push_back(u.split);
    offsets.push_back(u.offset);
    lengths.push_back(u.length);
  }
  write_strings(utts.get(), "id", ids, path);
  write_int64s(utts.get(), "offset", offsets, path);
  write_int64s(utts.get(), "length", lengths, path);
  write_strings(utts.get(), "speaker", speakers, path);
  write_strings(utts.get(), "split", splits, path);

  Handle meta(H5Gcreate2(root, "meta", H5P_DEFAULT, ugcpl.get(), H5P_DEFAULT), H5Gclose);
  write_strings(meta.get(), "feature_names", c.meta.feature_names, path);
  write_strings(meta.get(), "articulator_names", c.meta.articulator_names, path);
  check(H5Fflush(root, H5F_SCOPE_GLOBAL), path + ": cannot flush file");
}

// ---------------------------------------------------------------- reading

bool link_exists(hid_t file, const std::string& name) {
  // Checks each path component, since H5Lexists fails on a missing intermediate group.
  size_t pos = 0;
  while ((pos = name.find('/', pos + 1)) != std::string::npos) {
    if (H5Lexists(file, name.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<hsize_t> dataset_dims(hid_t ds) {
  Handle space(H5Dget_space(ds), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

// Every chunk of a chunked dataset is stored (H5Dget_space_status compares bytes, so it calls
// compressed or edge chunks "partly allocated"); other layouts have their storage allocated.
bool fully_written(hid_t ds) {
  Handle space(H5Dget_space(ds), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) == 0) return true;
  Handle dcpl(H5Dget_create_plist(ds), H5Pclose);
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) {
    H5D_space_status_t status = H5D_SPACE_STATUS_ERROR;
    return H5Dget_space_status(ds, &status) >= 0 && status == H5D_SPACE_STATUS_ALLOCATED;
  }
  const auto dims = dataset_dims(ds);
  std::vector<hsize_t> chunk(dims.size());
  hsize_t stored = 0;
  if (dims.empty() ||
      H5Pget_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()) !=
          static_cast<int>(dims.size()) ||
      H5Dget_num_chunks(ds, space.get(), &stored) < 0) {
    return false;
  }
  hsize_t needed = 1;
  for (size_t i = 0; i < dims.size() && needed <= stored; ++i) {
    needed *= (dims[i] + chunk[i] - 1) / std::max<hsize_t>(chunk[i], 1);
  }
  return needed <= stored;
}

Handle open_dataset(hid_t file, const std::string& name, const std::string& path) {
  if (!link_exists(file, name)) throw DataError(path + ": missing dataset " + name);
  Handle ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.valid()) throw DataError(path + ": " + name + " is not a dataset");
  // Values never written read back as fill values, and their declared size costs the file
  // nothing; such a dataset is refused before its size is trusted.
  if (!fully_written(ds.get())) {
    throw DataError(path + ": " + name +
                    " has values that were never written (file incomplete or corrupt?)");
  }
  return ds;
}

H5T_class_t type_class(hid_t ds) {
  Handle type(H5Dget_type(ds), H5Tclose);
  return H5Tget_class(type.get());
}

std::string class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "float";
    case H5T_STRING:
      return "string";
    default:
      return "non-numeric";
  }
}

// Reads strings stored either as variable-length or fixed-length (h5py's 'S' dtype).
std::vector<std::string> read_string_values(hid_t obj, bool is_attr, size_t count,
                                            const std::string& what) {
  Handle type(is_attr ? H5Aget_type(obj) : H5Dget_type(obj), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) {
    throw DataError(what + " must hold strings, got " + class_name(H5Tget_class(type.get())));
  }
  std::vector<std::string> out(count);
  if (count == 0) return out;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem = vlen_string_type();
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    std::vector<char*> ptrs(count, nullptr);
    const herr_t status = is_attr
                              ? H5Aread(obj, mem.get(), ptrs.data())
                              : H5Dread(obj, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
    if (status < 0) throw DataError(what + ": cannot read strings");
    for (size_t i = 0; i < count; ++i) out[i] = ptrs[i] ? ptrs[i] : "";
    Handle space(is_attr ? H5Aget_space(obj) : H5Dget_space(obj), H5Sclose);
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
    return out;
  }
  const size_t size = H5Tget_size(type.get());
  Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem.get(), size);
  H5Tset_strpad(mem.get(), H5T_STR_NULLPAD);
  std::vector<char> buf(count * size);
  const herr_t status = is_attr
                            ? H5Aread(obj, mem.get(), buf.data())
                            : H5Dread(obj, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
  if (status < 0) throw DataError(what + ": cannot read strings");
  for (size_t i = 0; i < count; ++i) {
    const char* s = buf.data() + i * size;
    size_t n = 0;
    while (n < size && s[n] != '\0') ++n;
    out[i] = std::string(s, n);
  }
  return out;
}

std::vector<std::string> read_string_dataset(hid_t file, const std::string& name,
                                             const std::string& path) {
  Handle ds = open_dataset(file, name, path);
  const auto dims = dataset_dims(ds.get());
  if (dims.size() != 1) {
    throw DataError(path + ": " + name + " must be 1-D, got " + std::to_string(dims.size()) +
                    " dimensions");
  }
  return read_string_values(ds.get(), false, dims[0], path + ": " + name);
}

std::vector<int64_t> read_int_dataset(hid_t file, const std::string& name,
                                      const std::string& path) {
  Handle ds = open_dataset(file, name, path);
  const auto dims = dataset_dims(ds.get());
  if (dims.size() != 1) {
    throw DataError(path + ": " + name + " must be 1-D, got " + std::to_string(dims.size()) +
                    " dimensions");
  }
  if (type_class(ds.get()) != H5T_INTEGER) {
    throw DataError(path + ": " + name + " must hold integers, got " +
                    class_name(type_class(ds.get())));
  }
  std::vector<int64_t> out(dims[0]);
  if (!out.empty()) {
    check(H5Dread(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
          path + ": cannot read " + name);
  }
  return out;
}

bool attr_exists(hid_t obj, const char* name) {
  return H5Aexists(obj, name) > 0;
}

std::string read_string_attr(hid_t obj, const char* name, const std::string& path, bool required) {
  if (!attr_exists(obj, name)) {
    if (required) throw DataError(path + ": missing root attribute '" + name + "'");
    return "";
  }
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw DataError(path + ": root attribute '" + name + "' must be a single string");
  }
  return read_string_values(attr.get(), true, 1, path + ": root attribute '" + name + "'")[0];
}

double read_number_attr(hid_t obj, const char* name, const std::string& path) {
  if (!attr_exists(obj, name)) throw DataError(path + ": missing root attribute '" + name + "'");
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw DataError(path + ": root attribute '" + name + "' must be a single number");
  }
  double value = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value),
        path + ": cannot read root attribute '" + name + "'");
  return value;
}

// One of the two frame matrices: its handle, shape, and a checked row reader.
struct Matrix {
  Handle ds;
  int64_t rows = 0;
  int64_t cols = 0;
};

Matrix open_matrix(hid_t file, const std::string& name, const std::string& path) {
  Matrix m;
  m.ds = open_dataset(file, name, path);
  const auto dims = dataset_dims(m.ds.get());
  if (dims.size() != 2) {
    throw DataError(path + ": " + name + " must be 2-D [frames, channels], got " +
                    std::to_string(dims.size()) + " dimensions");
  }
  if (type_class(m.ds.get()) != H5T_FLOAT) {
    throw DataError(path + ": " + name + " must hold floats (float16/32/64), got " +
                    class_name(type_class(m.ds.get())));
  }
  m.rows = static_cast<int64_t>(dims[0]);
  m.cols = static_cast<int64_t>(dims[1]);
  return m;
}

void read_rows(const Matrix& m, int64_t first, int64_t count, float* out, const std::string& what) {
  if (count == 0) return;
  Handle file_space(H5Dget_space(m.ds.get()), H5Sclose);
  const hsize_t start[2] = {static_cast<hsize_t>(first), 0};
  const hsize_t n[2] = {static_cast<hsize_t>(count), static_cast<hsize_t>(m.cols)};
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, n, nullptr),
        what + ": bad frame range");
  Handle mem_space(H5Screate_simple(2, n, nullptr), H5Sclose);
  check(H5Dread(m.ds.get(), H5T_NATIVE_FLOAT, mem_space.get(), file_space.get(), H5P_DEFAULT, out),
        what + ": read failed (file truncated or corrupt?)");
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
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  silence_hdf5_errors();
  if (FILE* probe = std::fopen(path.c_str(), "rb")) {
    std::fclose(probe);
  } else {
    throw DataError(path + ": cannot open corpus file (does it exist?)");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw DataError(path +
                    ": not an HDF5 file (expected an artic corpus; see docs/corpus-format.md)");
  }
  // Read-only and without HDF5's file locks: every rank opens the corpus, and Lustre or NFS
  // mounts without lock support would refuse the lock (HDF5_USE_FILE_LOCKING=FALSE, built in).
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_file_locking(fapl.get(), false, true);
  impl_->file = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  if (!impl_->file.valid()) throw DataError(path + ": cannot open HDF5 file");
  open(path);
}

std::unique_ptr<CorpusReader> CorpusReader::from_image(const std::string& image,
                                                       const std::string& origin) {
  std::unique_ptr<CorpusReader> reader(new CorpusReader());
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  silence_hdf5_errors();
  // The core driver without a backing store, initialised with a copy of the image.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (image.empty() || H5Pset_fapl_core(fapl.get(), 64 * 1024, false) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<char*>(image.data()), image.size()) < 0) {
    throw DataError(origin + ": not an HDF5 file image (expected an artic corpus)");
  }
  // HDF5 takes two open core files of the same name for one file, so each image gets its own.
  static int64_t opened = 0;
  const std::string name = "artic-corpus-image-" + std::to_string(++opened);
  reader->impl_->file = Handle(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
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

  const std::string format = read_string_attr(f, "format", path, true);
  if (format != kFormat) {
    throw DataError(path + ": root attribute 'format' is '" + format + "', expected '" + kFormat +
                    "'");
  }
  const double version = read_number_attr(f, "version", path);
  if (version != static_cast<double>(kVersion)) {
    throw DataError(path + ": corpus format version " + std::to_string(version) +
                    " is not supported (this artic reads version " + std::to_string(kVersion) +
                    ")");
  }
  s.meta.frame_rate_hz = read_number_attr(f, "frame_rate_hz", path);
  if (!(s.meta.frame_rate_hz > 0)) {
    throw DataError(path + ": root attribute 'frame_rate_hz' must be > 0");
  }
  s.meta.feature_kind = read_string_attr(f, "feature_kind", path, false);
  s.meta.source = read_string_attr(f, "source", path, false);
  s.meta.created_by = read_string_attr(f, "created_by", path, false);

  s.features = open_matrix(f, "/features", path);
  s.targets = open_matrix(f, "/targets", path);
  if (s.features.rows != s.targets.rows) {
    throw DataError(path + ": shape mismatch: /features has " + std::to_string(s.features.rows) +
                    " frames but /targets has " + std::to_string(s.targets.rows));
  }
  s.meta.feature_names = read_string_dataset(f, "/meta/feature_names", path);
  s.meta.articulator_names = read_string_dataset(f, "/meta/articulator_names", path);
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

  const auto ids = read_string_dataset(f, "/utterances/id", path);
  const auto offsets = read_int_dataset(f, "/utterances/offset", path);
  const auto lengths = read_int_dataset(f, "/utterances/length", path);
  const auto speakers = read_string_dataset(f, "/utterances/speaker", path);
  const auto splits = read_string_dataset(f, "/utterances/split", path);
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
  std::lock_guard<std::mutex> lock(hdf5_mutex());
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
    std::lock_guard<std::mutex> lock(hdf5_mutex());
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
    std::lock_guard<std::mutex> lock(hdf5_mutex());
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
    std::lock_guard<std::mutex> lock(hdf5_mutex());
    silence_hdf5_errors();
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
