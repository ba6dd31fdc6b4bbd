// Reading whole files of outside input: missing, a directory, over the size limit (a regular file
// and an endless device), and an ordinary file.
#include <gtest/gtest.h>

#include <fstream>

#include "core/file_read.h"
#include "test_util.h"

namespace artic {
namespace {

TEST(FileRead, ReadsAFileAndRefusesWhatIsNotOne) {
  test::TempDir dir;
  std::ofstream(dir.file("a.toml"), std::ios::binary) << std::string("x = 1\n\0y", 9);
  const FileRead ok = read_whole_file(dir.file("a.toml"), 100);
  EXPECT_EQ(ok.error, "");
  EXPECT_EQ(ok.bytes, std::string("x = 1\n\0y", 9));

  const FileRead missing = read_whole_file(dir.file("nope"), 100);
  EXPECT_TRUE(missing.missing);
  EXPECT_EQ(missing.error, "No such file or directory");

  const FileRead directory = read_whole_file(dir.path(), 100);
  EXPECT_FALSE(directory.missing);
  EXPECT_EQ(directory.error, "Is a directory");

  const FileRead big = read_whole_file(dir.file("a.toml"), 8);
  EXPECT_EQ(big.error, "larger than 8 bytes");
  EXPECT_TRUE(big.bytes.empty());

  // A device that never ends stops at the limit instead of filling the memory.
  const FileRead endless = read_whole_file("/dev/zero", 1ull << 20);
  EXPECT_EQ(endless.error, "larger than 1 MiB");
}

}  // namespace
}  // namespace artic
