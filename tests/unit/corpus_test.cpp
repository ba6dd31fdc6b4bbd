#include "data/corpus.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "data/corpus_stats.h"
#include "test_util.h"

namespace artic {
namespace {

Corpus small_corpus() {
  Corpus c;
  c.meta.feature_names = {"f0", "f1"};
  c.meta.articulator_names = {"T1_x", "T1_y", "LL_y"};
  c.meta.frame_rate_hz = 100.0;
  c.meta.feature_kind = "test";
  c.meta.source = "unit test";
  c.meta.created_by = "corpus_test";
  c.meta.recipe = "[tool]\nkey = \"a value\"\n# a comment\n";
  c.utterances = {
      {"a", "s1", "train", 0, 4}, {"b", "s2", "valid", 4, 1}, {"c", "s2", "test", 5, 6}};
  for (int t = 0; t < 11; ++t) {
    c.features.push_back(static_cast<float>(t) * 0.25f);
    c.features.push_back(-static_cast<float>(t));
    for (int a = 0; a < 3; ++a) c.targets.push_back(static_cast<float>(100 * a + t) / 7.0f);
  }
  return c;
}

std::string validation_error(const Corpus& c) {
  try {
    validate_corpus(c, "mem");
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

void expect_same(const Corpus& a, const Corpus& b) {
  EXPECT_EQ(a.meta.feature_names, b.meta.feature_names);
  EXPECT_EQ(a.meta.articulator_names, b.meta.articulator_names);
  EXPECT_EQ(a.meta.frame_rate_hz, b.meta.frame_rate_hz);
  EXPECT_EQ(a.meta.feature_kind, b.meta.feature_kind);
  EXPECT_EQ(a.meta.source, b.meta.source);
  EXPECT_EQ(a.meta.created_by, b.meta.created_by);
  EXPECT_EQ(a.meta.recipe, b.meta.recipe);
  ASSERT_EQ(a.utterances.size(), b.utterances.size());
  for (size_t i = 0; i < a.utterances.size(); ++i) {
    EXPECT_EQ(a.utterances[i].id, b.utterances[i].id);
    EXPECT_EQ(a.utterances[i].speaker, b.utterances[i].speaker);
    EXPECT_EQ(a.utterances[i].split, b.utterances[i].split);
    EXPECT_EQ(a.utterances[i].offset, b.utterances[i].offset);
    EXPECT_EQ(a.utterances[i].length, b.utterances[i].length);
  }
  EXPECT_EQ(a.features, b.features);
  EXPECT_EQ(a.targets, b.targets);
}

TEST(CorpusStats, CountsPerSplitAndAllWithNearestRankPercentiles) {
  Corpus c = small_corpus();
  c.utterances.push_back({"d", "s3", "train", 11, 9});
  const CorpusStats s = corpus_stats(c);
  EXPECT_EQ(s.speakers, (std::set<std::string>{"s1", "s2", "s3"}));
  ASSERT_EQ(s.splits.size(), 4u);
  EXPECT_EQ(s.splits.at("train").utterances, 2);
  EXPECT_EQ(s.splits.at("train").frames, 13);
  EXPECT_EQ(s.splits.at("all").lengths, (std::vector<int64_t>{1, 4, 6, 9}));
  const SplitStats& all = s.splits.at("all");
  EXPECT_EQ(all.length_percentile(0), 1);
  EXPECT_EQ(all.length_percentile(25), 1);  // nearest rank: ceil(0.25 * 4) = 1st
  EXPECT_EQ(all.length_percentile(50), 4);
  EXPECT_EQ(all.length_percentile(95), 9);
  EXPECT_EQ(SplitStats{}.length_percentile(50), 0);
}

TEST(Corpus, WriteReadRoundTrip) {
  test::TempDir dir;
  Corpus c = small_corpus();
  for (int gzip : {0, 6}) {
    CorpusWriteOptions options;
    options.gzip_level = gzip;
    options.chunk_frames = 3;
    const std::string path = dir.file("c" + std::to_string(gzip) + ".h5");
    // No recipe (a corpus not made by artic synth): no attribute, read back empty.
    c.meta.recipe = gzip == 0 ? "" : small_corpus().meta.recipe;
    write_corpus(path, c, options);
    expect_same(c, read_corpus(path));

    CorpusReader reader(path);
    for (size_t i = 0; i < c.utterances.size(); ++i) {
      const int64_t n = c.utterances[i].length;
      std::vector<float> f(n * 2), t(n * 3);
      reader.read(i, f.data(), t.data());
      EXPECT_EQ(f, std::vector<float>(c.features_of(i), c.features_of(i) + n * 2));
      EXPECT_EQ(t, std::vector<float>(c.targets_of(i), c.targets_of(i) + n * 3));
    }
  }
}

// Ranks on Lustre/NFS mounts without lock support: reading takes no HDF5 file lock, so a file
// that another process holds an exclusive lock on still opens (with HDF5's locking it does not).
TEST(Corpus, ReadingTakesNoFileLock) {
  test::TempDir dir;
  const std::string path = dir.file("locked.h5");
  write_corpus(path, small_corpus());
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  EXPECT_NO_THROW(CorpusReader reader(path));
  EXPECT_NO_THROW(read_corpus(path));
  ::close(fd);
}

TEST(Corpus, WriterIsByteDeterministic) {
  test::TempDir dir;
  write_corpus(dir.file("a.h5"), small_corpus());
  write_corpus(dir.file("b.h5"), small_corpus());
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  EXPECT_EQ(slurp(dir.file("a.h5")), slurp(dir.file("b.h5")));
}

TEST(Corpus, OpensFileImagesInMemory) {
  test::TempDir dir;
  write_corpus(dir.file("c.h5"), small_corpus());
  std::ifstream in(dir.file("c.h5"), std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string image = bytes.str();
  expect_same(small_corpus(), read_corpus_image(image, "image.h5"));
  // Two readers of one image at once are independent files.
  const auto a = CorpusReader::from_image(image, "a.h5");
  const auto b = CorpusReader::from_image(image, "a.h5");
  EXPECT_EQ(a->path(), "a.h5");
  std::vector<float> f(a->utterances()[1].length * 2), t(a->utterances()[1].length * 3);
  b->read(1, f.data(), t.data());
  a->read(1, f.data(), t.data());
  for (const std::string& bad : {std::string(), std::string("not hdf5"), image.substr(0, 800)}) {
    try {
      read_corpus_image(bad, "bad.h5");
      FAIL();
    } catch (const DataError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("bad.h5: ", 0), 0u) << e.what();
    }
  }
}

TEST(Corpus, WriterRefusesInvalidCorpusAndLeavesNoFile) {
  test::TempDir dir;
  Corpus c = small_corpus();
  c.targets[5] = NAN;
  EXPECT_THROW(write_corpus(dir.file("x.h5"), c), DataError);
  EXPECT_FALSE(std::ifstream(dir.file("x.h5")).good());
  EXPECT_FALSE(std::ifstream(dir.file("x.h5.tmp")).good());
}

TEST(Corpus, InMemoryValidationNamesTheProblem) {
  Corpus c = small_corpus();
  c.utterances[1].length = 0;
  EXPECT_NE(validation_error(c).find("utterance 'b' has length 0"), std::string::npos);
  c = small_corpus();
  c.utterances[2].offset = 3;
  EXPECT_NE(validation_error(c).find("overlap"), std::string::npos) << validation_error(c);
  c = small_corpus();
  c.utterances[2].length = 7;
  EXPECT_NE(validation_error(c).find("outside the 11 frames"), std::string::npos);
  c = small_corpus();
  c.features[2 * 6 + 1] = INFINITY;
  EXPECT_NE(
      validation_error(c).find("/features of utterance 'c' is infinite at frame 1, channel f1"),
      std::string::npos)
      << validation_error(c);
  c = small_corpus();
  c.targets.pop_back();
  EXPECT_NE(validation_error(c).find("targets hold 32 values"), std::string::npos);
}

TEST(Corpus, MissingFileIsAClearError) {
  try {
    CorpusReader reader("/nonexistent/corpus.h5");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/corpus.h5: cannot open corpus file"),
              std::string::npos);
  }
}

// Files written by h5py as a user's own script would: every good one loads with the right
// values, every malformed one is refused with a message naming the dataset or utterance.
TEST(Corpus, ReadsWhatH5pyWritesAndRefusesMalformedFiles) {
  test::TempDir dir;
  test::run_oracle("write_h5py_corpora.py", dir.path());
  std::ifstream manifest(dir.file("manifest.tsv"));
  std::string line;
  int good = 0, bad = 0;
  while (std::getline(manifest, line)) {
    std::istringstream fields(line);
    std::string name, kind, detail;
    std::getline(fields, name, '\t');
    std::getline(fields, kind, '\t');
    std::getline(fields, detail);
    const std::string path = dir.file(name + ".h5");
    SCOPED_TRACE(name);
    if (kind == "OK") {
      ++good;
      const double tol = std::stod(detail);
      const Corpus c = read_corpus(path);
      ASSERT_EQ(c.utterances.size(), 3u);
      EXPECT_EQ(c.utterances[1].id, "u2");
      EXPECT_EQ(c.utterances[2].speaker, "s2");
      EXPECT_EQ(c.utterances[2].split, "test");
      EXPECT_EQ(c.meta.articulator_names[2], "a2");
      EXPECT_EQ(c.meta.frame_rate_hz, 100.0);
      EXPECT_EQ(c.meta.source, "h5py");
      EXPECT_EQ(c.meta.recipe, "");  // files written before the recipe attribute existed
      for (size_t u = 0; u < c.utterances.size(); ++u) {
        for (int64_t t = 0; t < c.utterances[u].length; ++t) {
          const double frame = static_cast<double>(c.utterances[u].offset + t);
          for (int j = 0; j < 4; ++j) {
            const double want = frame / 1000.0 + j;
            EXPECT_NEAR(c.features_of(u)[t * 4 + j], want, tol * std::max(1.0, want));
          }
          for (int a = 0; a < 3; ++a) {
            const double want = 10.0 * a - frame / 500.0;
            EXPECT_NEAR(c.targets_of(u)[t * 3 + a], want, tol * std::max(1.0, std::abs(want)));
          }
        }
      }
    } else {
      ++bad;
      try {
        read_corpus(path);
        ADD_FAILURE() << "accepted a malformed corpus";
      } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find(detail), std::string::npos)
            << "message: " << e.what() << "\nexpected to contain: " << detail;
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      }
    }
  }
  EXPECT_EQ(good, 3);
  EXPECT_GE(bad, 19);
}

}  // namespace
}  // namespace artic
