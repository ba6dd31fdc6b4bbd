#include "prep/est_track.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/file_read.h"

namespace artic {
namespace {

// What `>>` skips around the key; the value is trimmed of the same, so a name that ends in '\r'
// (a CR-LF file with a stray CR) reads the same once written back.
constexpr const char* kSpace = " \t\n\v\f\r";

bool host_little_endian() {
  const uint16_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

float read_float(const char* p, bool swap) {
  char b[4];
  std::memcpy(b, p, 4);
  if (swap) {
    std::swap(b[0], b[3]);
    std::swap(b[1], b[2]);
  }
  float v;
  std::memcpy(&v, b, 4);
  return v;
}

void put_float(std::string& out, float v, bool swap) {
  char b[4];
  std::memcpy(b, &v, 4);
  if (swap) {
    std::swap(b[0], b[3]);
    std::swap(b[1], b[2]);
  }
  out.append(b, 4);
}

int64_t header_count(const std::map<std::string, std::string>& h, const std::string& key,
                     int64_t max, const std::string& origin) {
  const auto it = h.find(key);
  if (it == h.end()) throw DataError(origin + ": EST header has no " + key);
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (end == it->second.c_str() || *end != '\0' || v < 0 || v > max) {
    throw DataError(origin + ": EST header " + key + " must be a count from 0 to " +
                    std::to_string(max) + ", got '" + it->second + "'");
  }
  return v;
}

}  // namespace

double EstTrack::frame_rate() const {
  if (times.size() < 2) return 0;
  std::vector<double> d;
  for (size_t i = 1; i < times.size(); ++i) d.push_back(times[i] - times[i - 1]);
  std::nth_element(d.begin(), d.begin() + static_cast<long>(d.size() / 2), d.end());
  const double step = d[d.size() / 2];
  return step > 0 ? 1.0 / step : 0;
}

EstTrack parse_est_track(const std::string& bytes, const std::string& origin) {
  size_t pos = 0;
  auto next_line = [&](std::string* line) {
    if (pos >= bytes.size()) return false;
    const size_t nl = bytes.find('\n', pos);
    const size_t end = nl == std::string::npos ? bytes.size() : nl;
    *line = bytes.substr(pos, end - pos);
    if (!line->empty() && line->back() == '\r') line->pop_back();
    pos = nl == std::string::npos ? bytes.size() : nl + 1;
    return true;
  };
  std::string line;
  if (!next_line(&line) || line.rfind("EST_File", 0) != 0) {
    throw DataError(origin + ": not an EST track file (the first line must be 'EST_File Track')");
  }
  {
    std::istringstream first(line);
    std::string tag, kind;
    first >> tag >> kind;
    if (kind != "Track") {
      throw DataError(origin + ": EST file of type '" + kind + "', expected 'Track'");
    }
  }
  std::map<std::string, std::string> header;
  std::map<int64_t, std::string> names;
  bool ended = false;
  int line_no = 1;
  while (next_line(&line)) {
    ++line_no;
    if (line == "EST_Header_End") {
      ended = true;
      break;
    }
    std::istringstream in(line);
    std::string key;
    if (!(in >> key)) continue;
    std::string value;
    std::getline(in, value);
    value.erase(0, value.find_first_not_of(kSpace));
    value.erase(value.find_last_not_of(kSpace) + 1);
    if (key.rfind("Channel_", 0) == 0) {
      char* end = nullptr;
      const long long idx = std::strtoll(key.c_str() + 8, &end, 10);
      if (*end == '\0' && idx >= 0) {
        names[idx] = value;
        continue;
      }
    }
    header[key] = value;
  }
  if (!ended) {
    throw DataError(origin + ": EST header has no 'EST_Header_End' line (truncated header?)");
  }
  EstTrack t;
  const int64_t frames = header_count(header, "NumFrames", int64_t{1} << 40, origin);
  const int64_t channels = header_count(header, "NumChannels", 65536, origin);
  const bool breaks = header.count("BreaksPresent") > 0;
  const bool binary = header.count("DataType") > 0 && header["DataType"] == "binary";
  bool swap = false;
  if (header.count("ByteOrder")) {
    const std::string& bo = header["ByteOrder"];
    if (bo != "01" && bo != "10") {
      throw DataError(origin + ": unknown EST ByteOrder '" + bo +
                      "' (expected 01 = little-endian or 10 = big-endian)");
    }
    swap = (bo == "01") != host_little_endian();
  }
  for (int64_t c = 0; c < channels; ++c) {
    const auto it = names.find(c);
    t.channel_names.push_back(it != names.end() ? it->second : "channel_" + std::to_string(c));
  }
  // Binary: the body size is checked before anything is allocated (no overflow: frames <= 2^40,
  // per_frame <= 2^17). ASCII: frames are appended as they are read.
  const int64_t per_frame = channels + 1 + (breaks ? 1 : 0);
  if (binary) {
    const int64_t need = frames * per_frame * 4;
    const int64_t have = static_cast<int64_t>(bytes.size() - pos);
    if (have != need) {
      throw DataError(origin + ": EST binary body is " + std::to_string(have) + " bytes, but " +
                      std::to_string(frames) + " frames x " + std::to_string(per_frame) +
                      " floats need " + std::to_string(need) +
                      (have < need ? " (truncated file?)" : " (wrong NumFrames or NumChannels?)"));
    }
    t.times.resize(static_cast<size_t>(frames));
    t.valid.assign(static_cast<size_t>(frames), 1);
    t.values.resize(static_cast<size_t>(frames * channels));
    const char* p = bytes.data() + pos;
    for (int64_t f = 0; f < frames; ++f) {
      t.times[static_cast<size_t>(f)] = read_float(p, swap);
      p += 4;
      if (breaks) {
        t.valid[static_cast<size_t>(f)] = read_float(p, swap) != 0.0f ? 1 : 0;
        p += 4;
      }
      for (int64_t c = 0; c < channels; ++c, p += 4) {
        t.values[static_cast<size_t>(f * channels + c)] = read_float(p, swap);
      }
    }
    return t;
  }
  int64_t f = 0;
  while (next_line(&line)) {
    ++line_no;
    std::istringstream in(line);
    std::vector<std::string> tokens;
    for (std::string tok; in >> tok;) tokens.push_back(tok);
    if (tokens.empty()) continue;
    if (f >= frames) {
      throw DataError(origin + ":" + std::to_string(line_no) + ": more frames than NumFrames " +
                      std::to_string(frames));
    }
    if (static_cast<int64_t>(tokens.size()) != per_frame) {
      throw DataError(origin + ":" + std::to_string(line_no) + ": expected " +
                      std::to_string(per_frame) + " numbers (time," + (breaks ? " valid," : "") +
                      " " + std::to_string(channels) + " channels), got " +
                      std::to_string(tokens.size()));
    }
    size_t k = 0;
    auto number = [&](const std::string& s) {
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (end == s.c_str() || *end != '\0') {
        throw DataError(origin + ":" + std::to_string(line_no) + ": '" + s + "' is not a number");
      }
      return v;
    };
    t.times.push_back(number(tokens[k++]));
    t.valid.push_back(breaks ? (number(tokens[k++]) != 0 ? 1 : 0) : 1);
    for (int64_t c = 0; c < channels; ++c) {
      t.values.push_back(static_cast<float>(number(tokens[k++])));
    }
    ++f;
  }
  if (f != frames) {
    throw DataError(origin + ": EST ASCII body has " + std::to_string(f) +
                    " frames, the header says NumFrames " + std::to_string(frames) +
                    (f < frames ? " (truncated file?)" : ""));
  }
  return t;
}

EstTrack read_est_track(const std::string& path) {
  const FileRead file = read_whole_file(path, 4ull << 30);
  if (!file.error.empty()) {
    throw DataError(path + ": cannot open EST track file (" + file.error + ")");
  }
  return parse_est_track(file.bytes, path);
}

std::string format_est_track(const EstTrack& t, EstEncoding encoding) {
  const bool binary = encoding != EstEncoding::Ascii;
  std::string out = "EST_File Track\n";
  out += std::string("DataType ") + (binary ? "binary" : "ascii") + "\n";
  if (binary) {
    out += std::string("ByteOrder ") + (encoding == EstEncoding::BinaryLittleEndian ? "01" : "10") +
           "\n";
  }
  out += "NumFrames " + std::to_string(t.frames()) + "\n";
  out += "NumChannels " + std::to_string(t.channels()) + "\n";
  out += "EqualSpace 1\nBreaksPresent true\n";
  for (int64_t c = 0; c < t.channels(); ++c) {
    out += "Channel_" + std::to_string(c) + " " + t.channel_names[static_cast<size_t>(c)] + "\n";
  }
  out += "EST_Header_End\n";
  const bool swap =
      binary && ((encoding == EstEncoding::BinaryLittleEndian) != host_little_endian());
  for (int64_t f = 0; f < t.frames(); ++f) {
    const size_t fi = static_cast<size_t>(f);
    if (binary) {
      put_float(out, static_cast<float>(t.times[fi]), swap);
      put_float(out, t.valid[fi] ? 1.0f : 0.0f, swap);
      for (int64_t c = 0; c < t.channels(); ++c) {
        put_float(out, t.values[static_cast<size_t>(f * t.channels() + c)], swap);
      }
    } else {
      std::ostringstream line;
      line.precision(9);
      line << t.times[fi] << "\t" << int(t.valid[fi]) << "\t";
      for (int64_t c = 0; c < t.channels(); ++c) {
        line << (c ? " " : "") << t.values[static_cast<size_t>(f * t.channels() + c)];
      }
      out += line.str() + "\n";
    }
  }
  return out;
}

void write_est_track(const std::string& path, const EstTrack& track, EstEncoding encoding) {
  write_file_atomically(path, {format_est_track(track, encoding)}, "EST track file");
}

}  // namespace artic
