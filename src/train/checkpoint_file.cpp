#include "train/checkpoint_file.h"

#include <xxhash.h>

#include <cstdint>
#include <cstring>

#include "core/atomic_file.h"
#include "core/file_read.h"

namespace artic {
namespace {

constexpr char kMagic[8] = {'A', 'R', 'T', 'I', 'C', 'C', 'K', '\n'};
constexpr uint32_t kFormat = 2;  // 1: a bare LibTorch archive with a parameter checksum only
constexpr uint32_t kMaxSections = 64;
constexpr uint32_t kMaxName = 255;

void put(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t xxh64(const std::string& s) {
  return XXH64(s.data(), s.size(), 0);
}

// Reads little-endian fields from the header, failing on a short file instead of overrunning.
struct Cursor {
  const std::string& data;
  size_t at = 0;
  bool take(size_t n) {
    if (data.size() - at < n) return false;
    at += n;
    return true;
  }
  bool get(uint64_t* v, int bytes) {
    if (data.size() - at < static_cast<size_t>(bytes)) return false;
    *v = 0;
    for (int i = 0; i < bytes; ++i) {
      *v |= static_cast<uint64_t>(static_cast<unsigned char>(data[at + i])) << (8 * i);
    }
    at += static_cast<size_t>(bytes);
    return true;
  }
};

struct Table {
  std::vector<SectionExtent> extents;
  std::vector<uint64_t> checksums;
};

std::string read_whole(const std::string& path) {
  FileRead file = read_whole_file(path, UINT64_MAX);
  if (file.missing) throw UserError(path + ": checkpoint not found");
  if (!file.error.empty()) throw UserError(path + ": cannot read checkpoint: " + file.error);
  return std::move(file.bytes);
}

Table parse_table(const std::string& path, const std::string& data) {
  if (data.size() >= 4 && data.compare(0, 4, "PK\x03\x04") == 0) {
    throw CheckpointDamaged(path +
                            ": checkpoint of an older artic (format 1, no whole-file checksum); "
                            "this version reads only checksummed checkpoints: train again, or "
                            "resume it with the artic that wrote it");
  }
  if (data.size() < sizeof(kMagic) ||
      data.compare(0, sizeof(kMagic), kMagic, sizeof(kMagic)) != 0) {
    throw CheckpointDamaged(path + ": not an artic checkpoint (its first bytes are not 'ARTICCK')");
  }
  Cursor c{data, sizeof(kMagic)};
  const std::string damaged = path + ": checkpoint header is damaged";
  uint64_t format = 0, count = 0;
  if (!c.get(&format, 4) || !c.get(&count, 4)) throw CheckpointDamaged(damaged + " (truncated)");
  if (format != kFormat) {
    throw CheckpointDamaged(path + ": checkpoint format " + std::to_string(format) +
                            " is not supported (this artic reads format " +
                            std::to_string(kFormat) + ")");
  }
  if (count == 0 || count > kMaxSections) {
    throw CheckpointDamaged(damaged + " (section count " + std::to_string(count) + ")");
  }
  Table t;
  for (uint64_t k = 0; k < count; ++k) {
    uint64_t name_len = 0, size = 0, sum = 0;
    if (!c.get(&name_len, 2) || name_len > kMaxName) throw CheckpointDamaged(damaged);
    const size_t name_at = c.at;
    if (!c.take(name_len) || !c.get(&size, 8) || !c.get(&sum, 8)) {
      throw CheckpointDamaged(damaged + " (truncated)");
    }
    t.extents.push_back({data.substr(name_at, name_len), 0, size});
    t.checksums.push_back(sum);
  }
  const size_t header_end = c.at;
  uint64_t header_sum = 0;
  if (!c.get(&header_sum, 8)) throw CheckpointDamaged(damaged + " (truncated)");
  if (XXH64(data.data(), header_end, 0) != header_sum) {
    throw CheckpointDamaged(damaged + " (checksum mismatch)");
  }
  uint64_t offset = c.at;
  for (auto& e : t.extents) {
    e.offset = offset;
    offset += e.size;
  }
  if (offset != data.size()) {
    throw CheckpointDamaged(path + ": checkpoint is " +
                            (data.size() < offset ? "truncated" : "followed by extra bytes") +
                            " (the header says " + std::to_string(offset) +
                            " bytes, the file has " + std::to_string(data.size()) + ")");
  }
  return t;
}

}  // namespace

void write_checkpoint_file(const std::string& path,
                           const std::vector<CheckpointSection>& sections) {
  std::string header(kMagic, sizeof(kMagic));
  put(header, kFormat, 4);
  put(header, sections.size(), 4);
  for (const auto& s : sections) {
    put(header, s.name.size(), 2);
    header += s.name;
    put(header, s.bytes.size(), 8);
    put(header, xxh64(s.bytes), 8);
  }
  put(header, xxh64(header), 8);

  std::vector<std::string_view> pieces = {header};
  for (const auto& s : sections) pieces.push_back(s.bytes);
  write_file_atomically(path, pieces, "checkpoint");
}

std::string_view CheckpointContents::bytes(const std::string& name, const std::string& path) const {
  for (const auto& e : sections) {
    if (e.name == name) return std::string_view(data).substr(e.offset, e.size);
  }
  throw CheckpointDamaged(path + ": checkpoint has no '" + name + "' section");
}

CheckpointContents read_checkpoint_file(const std::string& path) {
  CheckpointContents c;
  c.data = read_whole(path);
  Table t = parse_table(path, c.data);
  for (size_t k = 0; k < t.extents.size(); ++k) {
    const SectionExtent& e = t.extents[k];
    if (XXH64(c.data.data() + e.offset, e.size, 0) != t.checksums[k]) {
      throw CheckpointDamaged(path + ": checkpoint is damaged: its '" + e.name +
                              "' section fails its checksum");
    }
  }
  c.sections = std::move(t.extents);
  return c;
}

std::vector<SectionExtent> checkpoint_file_sections(const std::string& path) {
  return parse_table(path, read_whole(path)).extents;
}

}  // namespace artic
