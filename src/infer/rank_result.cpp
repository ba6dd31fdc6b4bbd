#include "infer/rank_result.h"

#include <cstring>
#include <stdexcept>

namespace artic {
namespace {

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_text(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}
void put_floats(std::string& out, const std::vector<float>& v) {
  put<uint64_t>(out, v.size());
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

struct Reader {
  const std::string& s;
  size_t pos = 0;
  void need(size_t n) {
    if (n > s.size() - pos) throw std::runtime_error("invert: a rank's result is cut short");
  }
  template <typename T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, s.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  std::string text() {
    const auto n = static_cast<size_t>(get<uint64_t>());
    need(n);
    std::string t = s.substr(pos, n);
    pos += n;
    return t;
  }
  std::vector<float> floats() {
    const auto n = static_cast<size_t>(get<uint64_t>());
    need(n * sizeof(float));
    std::vector<float> v(n);
    if (n > 0) std::memcpy(v.data(), s.data() + pos, n * sizeof(float));
    pos += n * sizeof(float);
    return v;
  }
};

}  // namespace

std::string encode_rank_result(const RankResult& r, bool with_tracks) {
  std::string out;
  put<int64_t>(out, r.inverted);
  put<double>(out, r.audio_seconds);
  put<uint64_t>(out, r.failures.size());
  for (const auto& f : r.failures) {
    put_text(out, f.path);
    put_text(out, f.reason);
  }
  put<uint64_t>(out, with_tracks ? r.tracks.size() : 0);
  for (size_t k = 0; with_tracks && k < r.tracks.size(); ++k) {
    put<uint64_t>(out, r.inputs[k]);
    put_floats(out, r.tracks[k].mm);
    put_floats(out, r.features[k]);
  }
  return out;
}

RankResult decode_rank_result(const std::string& bytes, const std::vector<std::string>& names,
                              const std::vector<std::string>& channels, double frame_rate) {
  Reader in{bytes};
  RankResult r;
  r.inverted = in.get<int64_t>();
  r.audio_seconds = in.get<double>();
  const auto failures = in.get<uint64_t>();
  for (uint64_t k = 0; k < failures; ++k) {
    InvertFailure f;
    f.path = in.text();
    f.reason = in.text();
    r.failures.push_back(f);
  }
  const auto tracks = in.get<uint64_t>();
  for (uint64_t k = 0; k < tracks; ++k) {
    const auto index = static_cast<size_t>(in.get<uint64_t>());
    if (index >= names.size()) throw std::runtime_error("invert: a rank's result is corrupt");
    r.inputs.push_back(index);
    r.tracks.push_back({names[index], channels, frame_rate, in.floats()});
    r.features.push_back(in.floats());
  }
  return r;
}

}  // namespace artic
