// Corpus reader on HDF5 file images. The input is not the image itself: it drives a writer that
// builds a corpus-like file with libhdf5 in memory (each attribute, group and dataset of the
// layout present or not, of any type, shape, storage and value), and the image of that file goes
// to the reader. So fuzzing reaches artic's checks, not libhdf5's parser of corrupt files
// (corpus_image_fuzz). Reading is in read_corpus_image.h.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "data/hdf5.h"
#include "read_corpus_image.h"

namespace {

using Provider = FuzzedDataProvider;

using artic::h5::Handle;

// What an object of the layout holds: what artic expects there, or something else.
enum class Kind { Expected, Missing, Strings, Integers, Floats, Group };

Kind pick_kind(Provider& p) {
  // Mostly what the layout expects, so that later checks are reached.
  return p.PickValueInArray({Kind::Expected, Kind::Expected, Kind::Expected, Kind::Expected,
                             Kind::Expected, Kind::Expected, Kind::Missing, Kind::Strings,
                             Kind::Integers, Kind::Floats, Kind::Group});
}

hid_t string_type(Provider& p) {
  const hid_t t = H5Tcopy(H5T_C_S1);
  if (p.ConsumeBool()) {
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, p.ConsumeBool() ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
  } else {
    H5Tset_size(t, p.ConsumeIntegralInRange<size_t>(1, 16));
    H5Tset_strpad(t, p.PickValueInArray({H5T_STR_NULLPAD, H5T_STR_NULLTERM, H5T_STR_SPACEPAD}));
  }
  return t;
}

hid_t integer_type(Provider& p) {
  return H5Tcopy(p.PickValueInArray(
      {H5T_STD_I64LE, H5T_STD_I32LE, H5T_STD_U64LE, H5T_STD_I8LE, H5T_STD_I64BE, H5T_STD_U16LE}));
}

hid_t float_type(Provider& p) {
  const int which = p.ConsumeIntegralInRange(0, 3);
  if (which == 3) {  // IEEE half, as h5py writes float16
    const hid_t t = H5Tcopy(H5T_IEEE_F32LE);
    H5Tset_fields(t, 15, 10, 5, 0, 10);
    H5Tset_size(t, 2);
    H5Tset_ebias(t, 15);
    return t;
  }
  return H5Tcopy(which == 0 ? H5T_IEEE_F32LE : which == 1 ? H5T_IEEE_F64LE : H5T_IEEE_F64BE);
}

double a_double(Provider& p, bool clean) {
  if (clean) return p.ConsumeIntegralInRange(-100, 100) / 8.0;
  switch (p.ConsumeIntegralInRange(0, 3)) {
    case 0:
      return p.ConsumeIntegralInRange(-4, 200);
    case 1:
      return p.PickValueInArray({std::numeric_limits<double>::quiet_NaN(),
                                 std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(), 1e300, -0.0, 1e-310});
    default:
      return p.ConsumeFloatingPoint<double>();
  }
}

int64_t an_integer(Provider& p, bool clean) {
  if (clean) return p.ConsumeIntegralInRange<int64_t>(0, 12);
  if (p.ConsumeBool()) return p.ConsumeIntegralInRange<int64_t>(-2, 40);
  return p.ConsumeIntegral<int64_t>();
}

std::string a_string(Provider& p, const std::vector<std::string>& likely) {
  if (!likely.empty() && p.ConsumeBool()) {
    return likely[p.ConsumeIntegralInRange<size_t>(0, likely.size() - 1)];
  }
  return p.ConsumeRandomLengthString(12);
}

// A dataspace: `dims` as they are, or (sometimes) a scalar or another rank.
hid_t dataspace(Provider& p, std::vector<hsize_t> dims) {
  if (p.ConsumeIntegralInRange(0, 15) == 0) {
    if (p.ConsumeBool()) return H5Screate(H5S_SCALAR);
    dims.push_back(p.ConsumeIntegralInRange<hsize_t>(0, 3));
  }
  return H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
}

hssize_t points(hid_t space) {
  return std::max<hssize_t>(0, H5Sget_simple_extent_npoints(space));
}

// Writes `count` values of `kind` through `write(mem_type, buffer)`: strings often from
// `likely`, numbers finite and small when `clean`.
void write_values(Provider& p, Kind kind, hid_t file_type, hssize_t count,
                  const std::vector<std::string>& likely, bool clean,
                  const std::function<void(hid_t, const void*)>& write) {
  if (count == 0) return;
  const auto n = static_cast<size_t>(count);
  if (kind == Kind::Strings) {
    std::vector<std::string> values(n);
    for (auto& v : values) v = a_string(p, likely);
    if (H5Tis_variable_str(file_type) > 0) {
      std::vector<const char*> ptrs;
      for (const auto& v : values) ptrs.push_back(v.c_str());
      write(file_type, ptrs.data());
    } else {
      const size_t size = H5Tget_size(file_type);
      std::vector<char> buf(n * size, '\0');
      for (size_t i = 0; i < n; ++i) values[i].copy(buf.data() + i * size, size);
      write(file_type, buf.data());
    }
  } else if (kind == Kind::Integers) {
    std::vector<int64_t> values(n);
    for (auto& v : values) v = an_integer(p, clean);
    write(H5T_NATIVE_INT64, values.data());
  } else {
    std::vector<double> values(n);
    for (auto& v : values) v = a_double(p, clean);
    write(H5T_NATIVE_DOUBLE, values.data());
  }
}

hid_t type_of(Provider& p, Kind kind) {
  return kind == Kind::Strings    ? string_type(p)
         : kind == Kind::Integers ? integer_type(p)
                                  : float_type(p);
}

// An attribute of `kind` (Expected: of kind `expected`, mostly with clean values).
void attribute(Provider& p, hid_t loc, const char* name, Kind kind, Kind expected,
               const std::vector<std::string>& likely) {
  const bool clean = kind == Kind::Expected && p.ConsumeIntegralInRange(0, 3) != 0;
  if (kind == Kind::Expected) kind = expected;
  if (kind == Kind::Missing || kind == Kind::Group) return;
  Handle type(type_of(p, kind), H5Tclose);
  Handle space(dataspace(p, {}), H5Sclose);
  Handle attr(H5Acreate2(loc, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  write_values(p, kind, type.get(), points(space.get()), likely, clean,
               [&](hid_t mem, const void* buf) { H5Awrite(attr.get(), mem, buf); });
}

// A dataset of `kind` (Expected: of kind `expected`, mostly with clean values).
void dataset(Provider& p, hid_t loc, const char* name, Kind kind, Kind expected,
             std::vector<hsize_t> dims, const std::vector<std::string>& likely) {
  const bool clean = kind == Kind::Expected && p.ConsumeIntegralInRange(0, 3) != 0;
  if (kind == Kind::Expected) kind = expected;
  if (kind == Kind::Missing) return;
  if (kind == Kind::Group) {
    Handle group(H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    return;
  }
  Handle type(type_of(p, kind), H5Tclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  const int storage = p.ConsumeIntegralInRange(0, 3);  // contiguous, chunked, gzip, unwritten
  if (storage == 3 && !dims.empty()) {
    // Declared but never written (read back as the fill value): a huge first dimension costs
    // the file nothing.
    dims[0] = p.ConsumeIntegralInRange<hsize_t>(0, hsize_t{1} << 40);
  }
  Handle space(dataspace(p, dims), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (storage > 0 && rank > 0) {
    std::vector<hsize_t> chunk(static_cast<size_t>(rank));
    for (auto& c : chunk) c = p.ConsumeIntegralInRange<hsize_t>(1, 4);
    H5Pset_chunk(dcpl.get(), rank, chunk.data());
    if (storage == 2) H5Pset_deflate(dcpl.get(), 1);
  }
  Handle ds(H5Dcreate2(loc, name, type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
            H5Dclose);
  if (ds.get() < 0 || storage == 3) return;
  write_values(p, kind, type.get(), points(space.get()), likely, clean,
               [&](hid_t mem, const void* buf) {
                 H5Dwrite(ds.get(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
               });
}

// The corpus layout of docs/corpus-format.md, each object as the input says; the file image.
std::string build_image(Provider& p) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(fapl.get(), 64 * 1024, false);
  Handle file(H5Fcreate("corpus_fuzz.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
  const hid_t root = file.get();

  attribute(p, root, "format", pick_kind(p), Kind::Strings, {"artic-corpus"});
  attribute(p, root, "version", pick_kind(p), Kind::Integers, {});
  attribute(p, root, "frame_rate_hz", pick_kind(p), Kind::Floats, {});
  for (const char* name : {"feature_kind", "source", "created_by"}) {
    attribute(p, root, name, pick_kind(p), Kind::Strings, {});
  }
  const auto rows = p.ConsumeIntegralInRange<hsize_t>(0, 40);
  const auto features = p.ConsumeIntegralInRange<hsize_t>(0, 5);
  const auto articulators = p.ConsumeIntegralInRange<hsize_t>(0, 5);
  dataset(p, root, "features", pick_kind(p), Kind::Floats, {rows, features}, {});
  dataset(p, root, "targets", pick_kind(p), Kind::Floats, {rows, articulators}, {});

  const auto utterances = p.ConsumeIntegralInRange<hsize_t>(0, 6);
  const auto count = [&] {
    return p.ConsumeIntegralInRange(0, 7) == 0 ? p.ConsumeIntegralInRange<hsize_t>(0, 7)
                                               : utterances;
  };
  const Kind utts_kind = pick_kind(p);
  if (utts_kind == Kind::Expected || utts_kind == Kind::Group) {
    Handle utts(H5Gcreate2(root, "utterances", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    const std::vector<std::string> ids = {"u0", "u1", "u2", "u3", "u4", "u5", ""};
    dataset(p, utts.get(), "id", pick_kind(p), Kind::Strings, {count()}, ids);
    dataset(p, utts.get(), "offset", pick_kind(p), Kind::Integers, {count()}, {});
    dataset(p, utts.get(), "length", pick_kind(p), Kind::Integers, {count()}, {});
    dataset(p, utts.get(), "speaker", pick_kind(p), Kind::Strings, {count()}, {});
    dataset(p, utts.get(), "split", pick_kind(p), Kind::Strings, {count()},
            {"train", "valid", "test"});
  } else {
    dataset(p, root, "utterances", utts_kind, utts_kind, {utterances}, {});
  }
  const Kind meta_kind = pick_kind(p);
  if (meta_kind == Kind::Expected || meta_kind == Kind::Group) {
    Handle meta(H5Gcreate2(root, "meta", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    const auto names = [&](hsize_t n) {
      return p.ConsumeIntegralInRange(0, 7) == 0 ? p.ConsumeIntegralInRange<hsize_t>(0, 7) : n;
    };
    dataset(p, meta.get(), "feature_names", pick_kind(p), Kind::Strings, {names(features)},
            {"f0", "f1", "f2"});
    dataset(p, meta.get(), "articulator_names", pick_kind(p), Kind::Strings, {names(articulators)},
            {"T1_x", "T1_y"});
  } else {
    dataset(p, root, "meta", meta_kind, meta_kind, {2}, {});
  }

  H5Fflush(root, H5F_SCOPE_GLOBAL);
  const ssize_t size = H5Fget_file_image(root, nullptr, 0);
  std::string image(static_cast<size_t>(std::max<ssize_t>(size, 0)), '\0');
  if (size > 0) H5Fget_file_image(root, image.data(), image.size());
  return image;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Provider p(data, size);
  artic::fuzz::read_corpus_image_both_ways(build_image(p));
  return 0;
}
