// The checksummed checkpoint container: round trip, every damaged byte range refused with the
// part named, truncation and garbage, the older format, and writes that fail (read-only
// directory, full file system) leaving the previous file in place.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.h"
#include "test_util.h"
#include "train/checkpoint_file.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<CheckpointSection> sample_sections() {
  std::string big(100000, '\0');
  std::mt19937 rng(5);
  for (auto& c : big) c = static_cast<char>(rng());
  return {{"meta", "m"}, {"model", big}, {"optimizer", std::string(3000, 'o')}, {"config", ""}};
}

// The message of the CheckpointDamaged that reading `path` throws; "" when it reads cleanly.
std::string damage_message(const std::string& path) {
  try {
    read_checkpoint_file(path);
  } catch (const CheckpointDamaged& e) {
    return e.what();
  }
  return "";
}

TEST(CheckpointFile, RoundTripsSectionsInOrder) {
  test::TempDir dir;
  const auto sections = sample_sections();
  write_checkpoint_file(dir.file("a.pt"), sections);
  const auto back = read_checkpoint_file(dir.file("a.pt"));
  ASSERT_EQ(back.sections.size(), sections.size());
  for (size_t k = 0; k < sections.size(); ++k) {
    EXPECT_EQ(back.sections[k].name, sections[k].name);
    EXPECT_EQ(back.bytes(sections[k].name, "a.pt"), sections[k].bytes);
  }
  EXPECT_THROW(back.bytes("nope", "a.pt"), CheckpointDamaged);
  EXPECT_FALSE(fs::exists(dir.file("a.pt.tmp")));
  const auto extents = checkpoint_file_sections(dir.file("a.pt"));
  ASSERT_EQ(extents.size(), sections.size());
  EXPECT_EQ(extents.back().offset + extents.back().size, fs::file_size(dir.file("a.pt")));
}

TEST(CheckpointFile, EveryDamagedSectionIsRefusedByName) {
  test::TempDir dir;
  const std::string path = dir.file("a.pt");
  write_checkpoint_file(path, sample_sections());
  const std::string good = slurp(path);
  for (const auto& e : checkpoint_file_sections(path)) {
    if (e.size == 0) continue;
    for (const uint64_t at : {e.offset, e.offset + e.size / 2, e.offset + e.size - 1}) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ 0x40);
      spit(path, bad);
      const std::string msg = damage_message(path);
      EXPECT_NE(msg.find(path), std::string::npos) << msg;
      EXPECT_NE(msg.find("'" + e.name + "' section fails its checksum"), std::string::npos)
          << "byte " << at << " of " << e.name << ": " << msg;
    }
  }
}

TEST(CheckpointFile, EveryDamagedHeaderByteIsRefused) {
  test::TempDir dir;
  const std::string path = dir.file("a.pt");
  write_checkpoint_file(path, sample_sections());
  const std::string good = slurp(path);
  const uint64_t header_end = checkpoint_file_sections(path).front().offset;
  for (uint64_t at = 0; at < header_end; ++at) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    spit(path, bad);
    EXPECT_FALSE(damage_message(path).empty()) << "header byte " << at << " flipped, file accepted";
  }
}

TEST(CheckpointFile, TruncatedOrExtendedFilesAreRefused) {
  test::TempDir dir;
  const std::string path = dir.file("a.pt");
  write_checkpoint_file(path, sample_sections());
  const std::string good = slurp(path);
  for (size_t len : {size_t{0}, size_t{3}, size_t{8}, size_t{20}, size_t{60}, good.size() / 2,
                     good.size() - 1}) {
    spit(path, good.substr(0, len));
    const std::string msg = damage_message(path);
    EXPECT_FALSE(msg.empty()) << "truncated to " << len;
  }
  spit(path, good.substr(0, good.size() - 10));
  EXPECT_NE(damage_message(path).find("truncated"), std::string::npos);
  spit(path, good + "x");
  EXPECT_NE(damage_message(path).find("followed by extra bytes"), std::string::npos);
}

TEST(CheckpointFile, OlderFormatAndForeignFilesAreNamed) {
  test::TempDir dir;
  spit(dir.file("old.pt"), std::string("PK\x03\x04", 4) + "zip body");
  EXPECT_NE(damage_message(dir.file("old.pt")).find("older artic (format 1"), std::string::npos);
  spit(dir.file("x.pt"), "hello world, not a checkpoint");
  EXPECT_NE(damage_message(dir.file("x.pt")).find("not an artic checkpoint"), std::string::npos);
  try {
    read_checkpoint_file(dir.file("missing.pt"));
    ADD_FAILURE() << "read a missing file";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos);
  }
}

// A read-only tmpfs (permission bits do not stop root; a read-only mount does).
TEST(CheckpointFile, AFailedWriteLeavesThePreviousFile) {
  test::TempDir dir;
  const std::string mnt = dir.file("ro");
  fs::create_directories(mnt);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno) << ")";
  }
  write_checkpoint_file(mnt + "/a.pt", {{"meta", "old"}});
  ASSERT_EQ(mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=1m"), 0);
  try {
    write_checkpoint_file(mnt + "/a.pt", {{"meta", "new"}});
    ADD_FAILURE() << "wrote into a read-only file system";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("Read-only file system"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_checkpoint_file(mnt + "/a.pt").bytes("meta", "a.pt"), "old");
  umount(mnt.c_str());
}

// A 1 MiB tmpfs: the second, larger checkpoint does not fit.
TEST(CheckpointFile, AFullFileSystemLeavesThePreviousFile) {
  test::TempDir dir;
  const std::string mnt = dir.file("small");
  fs::create_directories(mnt);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno) << ")";
  }
  const std::string path = mnt + "/a.pt";
  write_checkpoint_file(path, {{"meta", std::string(300000, 'a')}});
  std::string message;
  try {
    write_checkpoint_file(path, {{"meta", std::string(900000, 'b')}});
  } catch (const UserError& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(read_checkpoint_file(path).bytes("meta", path), std::string(300000, 'a'));
  umount(mnt.c_str());
}

}  // namespace
}  // namespace artic
