#include "data/hdf5.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"

namespace artic::h5 {
namespace {

std::mutex& library_mutex() {
  static std::mutex m;
  return m;
}

void check(herr_t status, const std::string& what) {
  if (status < 0) throw DataError(what);
}

Handle vlen_string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

Handle untimed_dataset_plist() {
  Handle p(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(p.get(), false);
  return p;
}

template <typename T>
void write_number_attr(hid_t obj, const char* name, T value, hid_t file_type, hid_t mem_type,
                       const std::string& path) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(obj, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  check(attr.valid() ? H5Awrite(attr.get(), mem_type, &value) : -1,
        path + ": cannot write attribute " + name);
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

Handle open_1d_dataset(hid_t file, const std::string& name, const std::string& path) {
  Handle ds = open_dataset(file, name, path);
  const auto dims = dataset_dims(ds.get());
  if (dims.size() != 1) {
    throw DataError(path + ": " + name + " must be 1-D, got " + std::to_string(dims.size()) +
                    " dimensions");
  }
  return ds;
}

// "root attribute 'name'" on a file or its root group, else "attribute 'name' of /object".
std::string attr_label(hid_t obj, const char* name) {
  char object[256] = "";
  if (H5Iget_type(obj) != H5I_FILE) H5Iget_name(obj, object, sizeof(object));
  const std::string quoted = std::string("'") + name + "'";
  if (object[0] == '\0' || std::string(object) == "/") return "root attribute " + quoted;
  return "attribute " + quoted + " of " + object;
}

}  // namespace

std::unique_lock<std::mutex> lock() {
  std::unique_lock<std::mutex> held(library_mutex());
  static std::once_flag once;
  // No library clean-up at exit: after a write that failed (a full disk), libhdf5 1.10 keeps a
  // half-closed file that its exit handler dereferences (SIGSEGV). Every file is closed
  // explicitly before then; nothing is left for that handler to do.
  std::call_once(once, [] {
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  });
  return held;
}

// ---------------------------------------------------------------- files

bool is_hdf5(const std::string& path) {
  return H5Fis_hdf5(path.c_str()) > 0;
}

Handle open_read_only(const std::string& path) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_file_locking(fapl.get(), false, true);
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  if (!file.valid()) throw DataError(path + ": cannot open HDF5 file");
  return file;
}

Handle open_image(const std::string& image) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (image.empty() || H5Pset_fapl_core(fapl.get(), 64 * 1024, false) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<char*>(image.data()), image.size()) < 0) {
    return Handle();
  }
  // HDF5 takes two open core files of the same name for one file, so each image gets its own.
  static int64_t opened = 0;
  const std::string name = "artic-corpus-image-" + std::to_string(++opened);
  return Handle(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
}

Handle create_file(const std::string& path) {
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw DataError(path + ": cannot create file (check the directory exists)");
  return file;
}

void flush(hid_t file, const std::string& path) {
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), path + ": cannot flush file");
}

void close_file(Handle file, const std::string& path) {
  check(H5Fclose(file.release()), path + ": cannot close file (disk full?)");
}

// ---------------------------------------------------------------- writing

Handle create_group(hid_t parent, const char* name) {
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_obj_track_times(gcpl.get(), false);
  return Handle(H5Gcreate2(parent, name, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose);
}

void write_string_attr(hid_t obj, const char* name, const std::string& value,
                       const std::string& path) {
  Handle type = vlen_string_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* ptr = value.c_str();
  check(attr.valid() ? H5Awrite(attr.get(), type.get(), &ptr) : -1,
        path + ": cannot write attribute " + name);
}

void write_int64_attr(hid_t obj, const char* name, int64_t value, const std::string& path) {
  write_number_attr(obj, name, value, H5T_STD_I64LE, H5T_NATIVE_INT64, path);
}

void write_double_attr(hid_t obj, const char* name, double value, const std::string& path) {
  write_number_attr(obj, name, value, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, path);
}

void write_strings(hid_t parent, const char* name, const std::vector<std::string>& values,
                   const std::string& path) {
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
        path + ": cannot write " + name);
}

void write_int64s(hid_t parent, const char* name, const std::vector<int64_t>& values,
                  const std::string& path) {
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
        path + ": cannot write " + name);
}

void write_float_matrix(hid_t parent, const char* name, const std::vector<float>& values,
                        int64_t rows, int64_t cols, const MatrixStorage& storage,
                        const std::string& path) {
  const hsize_t dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)};
  Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
  Handle dcpl = untimed_dataset_plist();
  if (rows > 0) {
    const hsize_t chunk[2] = {
        static_cast<hsize_t>(std::max<int64_t>(1, std::min(storage.chunk_rows, rows))),
        static_cast<hsize_t>(cols)};
    H5Pset_chunk(dcpl.get(), 2, chunk);
    if (storage.gzip_level > 0) {
      H5Pset_shuffle(dcpl.get());
      H5Pset_deflate(dcpl.get(), static_cast<unsigned>(storage.gzip_level));
    }
  }
  Handle ds(
      H5Dcreate2(parent, name, H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      H5Dclose);
  check(ds.valid() && (rows == 0 || H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                                             H5P_DEFAULT, values.data()) >= 0)
            ? 0
            : -1,
        path + ": cannot write " + name);
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

std::vector<hsize_t> dataset_dims(hid_t ds) {
  Handle space(H5Dget_space(ds), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
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

std::vector<std::string> read_string_dataset(hid_t file, const std::string& name,
                                             const std::string& path) {
  Handle ds = open_1d_dataset(file, name, path);
  return read_string_values(ds.get(), false, dataset_dims(ds.get())[0], path + ": " + name);
}

std::vector<int64_t> read_int_dataset(hid_t file, const std::string& name,
                                      const std::string& path) {
  Handle ds = open_1d_dataset(file, name, path);
  if (type_class(ds.get()) != H5T_INTEGER) {
    throw DataError(path + ": " + name + " must hold integers, got " +
                    class_name(type_class(ds.get())));
  }
  std::vector<int64_t> out(dataset_dims(ds.get())[0]);
  if (!out.empty()) {
    check(H5Dread(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
          path + ": cannot read " + name);
  }
  return out;
}

bool attr_exists(hid_t obj, const char* name) {
  return H5Aexists(obj, name) > 0;
}

std::string read_string_attr(hid_t obj, const char* name, const std::string& path) {
  const std::string label = attr_label(obj, name);
  if (!attr_exists(obj, name)) throw DataError(path + ": missing " + label);
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw DataError(path + ": " + label + " must be a single string");
  }
  return read_string_values(attr.get(), true, 1, path + ": " + label)[0];
}

double read_number_attr(hid_t obj, const char* name, const std::string& path) {
  const std::string label = attr_label(obj, name);
  if (!attr_exists(obj, name)) throw DataError(path + ": missing " + label);
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw DataError(path + ": " + label + " must be a single number");
  }
  double value = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value), path + ": cannot read " + label);
  return value;
}

void read_float_rows(hid_t ds, int64_t first, int64_t count, int64_t cols, float* out,
                     const std::string& what) {
  if (count == 0) return;
  Handle file_space(H5Dget_space(ds), H5Sclose);
  const hsize_t start[2] = {static_cast<hsize_t>(first), 0};
  const hsize_t n[2] = {static_cast<hsize_t>(count), static_cast<hsize_t>(cols)};
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, n, nullptr),
        what + ": bad frame range");
  Handle mem_space(H5Screate_simple(2, n, nullptr), H5Sclose);
  check(H5Dread(ds, H5T_NATIVE_FLOAT, mem_space.get(), file_space.get(), H5P_DEFAULT, out),
        what + ": read failed (file truncated or corrupt?)");
}

}  // namespace artic::h5
