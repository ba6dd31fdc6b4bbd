// A small HDF5 kit: owned identifiers, the library lock, and reading and writing of datasets
// and attributes whose errors (DataError) name the file and the key. It knows no artic layout.
// The only header that includes hdf5.h; include it from .cpp files only.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace artic::h5 {

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
  // Gives up ownership (the caller closes the identifier).
  hid_t release() { return std::exchange(id_, -1); }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// Debian's serial HDF5 is not thread-safe: every HDF5 call, handles closing included, is made
// under this lock. Taking it also turns off libhdf5's printing of errors (they become
// DataErrors).
[[nodiscard]] std::unique_lock<std::mutex> lock();

// ---------------------------------------------------------------- files
bool is_hdf5(const std::string& path);
// Read-only and without HDF5's file locks: Lustre or NFS mounts without lock support would
// refuse the lock (HDF5_USE_FILE_LOCKING=FALSE, built in).
Handle open_read_only(const std::string& path);
// A file image in memory (the core driver, no backing store); invalid if libhdf5 refuses it.
Handle open_image(const std::string& image);
Handle create_file(const std::string& path);
void flush(hid_t file, const std::string& path);
// Closes a file, a DataError if the last writes fail (a destructor cannot report them).
void close_file(Handle file, const std::string& path);

// ---------------------------------------------------------------- writing
// Groups and datasets are written without modification times, so the same content gives the
// same bytes. `path` names the file in errors.
Handle create_group(hid_t parent, const char* name);
void write_string_attr(hid_t obj, const char* name, const std::string& value,
                       const std::string& path);
void write_int64_attr(hid_t obj, const char* name, int64_t value, const std::string& path);
void write_double_attr(hid_t obj, const char* name, double value, const std::string& path);
void write_strings(hid_t parent, const char* name, const std::vector<std::string>& values,
                   const std::string& path);
void write_int64s(hid_t parent, const char* name, const std::vector<int64_t>& values,
                  const std::string& path);

struct MatrixStorage {
  int64_t chunk_rows = 4096;
  int gzip_level = 0;  // 0 = no compression; otherwise shuffle + deflate
};
// A rows x cols float32 dataset from row-major `values`.
void write_float_matrix(hid_t parent, const char* name, const std::vector<float>& values,
                        int64_t rows, int64_t cols, const MatrixStorage& storage,
                        const std::string& path);

// ---------------------------------------------------------------- reading
// `name` is a path from the file's root, e.g. "/meta/feature_names".
bool link_exists(hid_t file, const std::string& name);
// Refuses a missing dataset, a non-dataset and one with values never written.
Handle open_dataset(hid_t file, const std::string& name, const std::string& path);
std::vector<hsize_t> dataset_dims(hid_t ds);
H5T_class_t type_class(hid_t ds);
std::string class_name(H5T_class_t c);

// 1-D datasets; strings either variable-length or fixed-length (h5py's 'S' dtype).
std::vector<std::string> read_string_dataset(hid_t file, const std::string& name,
                                             const std::string& path);
std::vector<int64_t> read_int_dataset(hid_t file, const std::string& name, const std::string& path);

bool attr_exists(hid_t obj, const char* name);
// A single string or number (integer or float, read as double).
std::string read_string_attr(hid_t obj, const char* name, const std::string& path);
double read_number_attr(hid_t obj, const char* name, const std::string& path);

// Rows [first, first + count) of a 2-D dataset with `cols` columns, as float32; `what` names the
// file and dataset in errors.
void read_float_rows(hid_t ds, int64_t first, int64_t count, int64_t cols, float* out,
                     const std::string& what);

}  // namespace artic::h5
