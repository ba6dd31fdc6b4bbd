#include "train/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"
#include "core/number_text.h"
#include "core/schema.h"
#include "train/resume_rule.h"

namespace artic {
namespace {

// The ConfigError message from parsing `text` as file "test.toml", or "" when it parses.
std::string parse_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_config(text, "test.toml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsAreValid) {
  const Config c = config_from_overrides({});
  EXPECT_EQ(c.data.segments.mode, SplitMode::Full);
  EXPECT_EQ(c.batching.mode, BatchOrder::Bucket);
  EXPECT_EQ(c.model.kind, ModelKind::Transformer);
  EXPECT_NO_THROW(validate_config(c));
}

TEST(Config, ParsesEverySectionType) {
  const Config c = parse_config(R"(
[run]
name = "exp \"one\""
seed = 7
[data]
split_mode = "fixed"
sequence_length = 100
sequence_overlap = 25
[optim]
learning_rate = 3e-4
grad_clip = 0
[dist]
check_consistency = true
bucket_mb = 4
)",
                                "test.toml");
  EXPECT_EQ(c.run.name, "exp \"one\"");
  EXPECT_EQ(c.run.seed, 7);
  EXPECT_EQ(c.data.segments.mode, SplitMode::Fixed);
  EXPECT_EQ(c.data.segments.sequence_length, 100);
  EXPECT_EQ(c.data.segments.sequence_overlap, 25);
  EXPECT_DOUBLE_EQ(c.optim.learning_rate, 3e-4);
  EXPECT_DOUBLE_EQ(c.optim.grad_clip, 0.0);
  EXPECT_TRUE(c.dist.check_consistency);
  EXPECT_DOUBLE_EQ(c.dist.bucket_mb, 4.0);
}

TEST(Config, UnknownKeyNamesFileLineAndSuggestsNearest) {
  const std::string msg = parse_error("[data]\nsplit_mode = \"full\"\nsequence_lenght = 100\n");
  EXPECT_NE(msg.find("test.toml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key 'sequence_lenght' in [data]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'sequence_length'?"), std::string::npos) << msg;
}

TEST(Config, KeyInWrongSectionSaysWhereItBelongs) {
  const std::string msg = parse_error("[data]\nmax_frames = 1000\n");
  EXPECT_NE(msg.find("belongs in [batching]"), std::string::npos) << msg;
}

TEST(Config, UnknownSectionSuggestsNearest) {
  const std::string msg = parse_error("[optimm]\nlearning_rate = 0.1\n");
  EXPECT_NE(msg.find("test.toml:1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown section [optimm]; did you mean [optim]?"), std::string::npos) << msg;
}

TEST(Config, WrongTypeIsReported) {
  std::string msg = parse_error("[data]\nsequence_length = \"long\"\n");
  EXPECT_NE(msg.find("test.toml:2: data.sequence_length must be an integer, got a string"),
            std::string::npos)
      << msg;
  msg = parse_error("[data]\nsequence_length = 1.5\n");
  EXPECT_NE(msg.find("must be an integer, got a float"), std::string::npos) << msg;
  msg = parse_error("[dist]\ncheck_consistency = 1\n");
  EXPECT_NE(msg.find("must be true or false, got an integer"), std::string::npos) << msg;
  msg = parse_error("data = 3\n");
  EXPECT_NE(msg.find("'data' must be a section"), std::string::npos) << msg;
}

TEST(Config, IntegerIsAcceptedForFloat) {
  EXPECT_DOUBLE_EQ(parse_config("[optim]\nlearning_rate = 1\n", "t").optim.learning_rate, 1.0);
}

TEST(Config, OutOfRangeIsReported) {
  std::string msg = parse_error("[model]\ndropout = 1.5\n");
  EXPECT_NE(msg.find("model.dropout must be in [0.0, 1.0), got 1.5"), std::string::npos) << msg;
  msg = parse_error("[optim]\nlearning_rate = 0.0\n");
  EXPECT_NE(msg.find("optim.learning_rate must be > 0.0, got 0.0"), std::string::npos) << msg;
  msg = parse_error("[batching]\nmax_frames = 0\n");
  EXPECT_NE(msg.find("batching.max_frames must be >= 1, got 0"), std::string::npos) << msg;
  msg = parse_error("[monitor]\nport = 70000\n");
  EXPECT_NE(msg.find("monitor.port must be in [0, 65535], got 70000"), std::string::npos) << msg;
}

TEST(Config, BadChoiceSuggestsNearest) {
  const std::string msg = parse_error("[data]\nsplit_mode = \"fixd\"\n");
  EXPECT_NE(
      msg.find(
          "must be one of \"full\", \"fixed\", \"silence\", got \"fixd\"; did you mean \"fixed\"?"),
      std::string::npos)
      << msg;
}

TEST(Config, SyntaxErrorNamesLine) {
  const std::string msg = parse_error("[data]\nsequence_length = = 3\n");
  EXPECT_NE(msg.find("test.toml:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("TOML syntax error"), std::string::npos) << msg;
}

TEST(Config, CrossFieldChecks) {
  std::string msg = parse_error(
      "[data]\nsplit_mode = \"fixed\"\nsequence_length = 100\nsequence_overlap = 100\n");
  EXPECT_NE(msg.find("data.sequence_overlap (100) must be smaller than data.sequence_length (100)"),
            std::string::npos)
      << msg;
  msg = parse_error("[model]\nd_model = 100\nnum_heads = 3\n");
  EXPECT_NE(msg.find("divisible by model.num_heads"), std::string::npos) << msg;
  msg = parse_error("[optim]\nlearning_rate = 1e-4\n[schedule]\nmin_lr = 1e-3\n");
  EXPECT_NE(msg.find("schedule.min_lr"), std::string::npos) << msg;
  msg = parse_error("[dist]\nallow_shared_gpu = true\n");
  EXPECT_NE(msg.find("dist.allow_shared_gpu = true cannot work: NCCL refuses two ranks on one GPU"),
            std::string::npos)
      << msg;
  EXPECT_EQ(parse_error("[dist]\nallow_shared_gpu = false\n"), "");
  msg = parse_error("[training]\neval_window = 100\neval_overlap = 100\n");
  EXPECT_NE(msg.find("training.eval_overlap (100) must be smaller than training.eval_window (100)"),
            std::string::npos)
      << msg;
}

TEST(Config, SetOverridesAreTypeChecked) {
  Config c = config_from_overrides({"data.sequence_length=250", "run.name=my run",
                                    "optim.learning_rate=2e-4", "dist.check_consistency=true",
                                    "run.output_dir=\"out dir\""});
  EXPECT_EQ(c.data.segments.sequence_length, 250);
  EXPECT_EQ(c.run.name, "my run");
  EXPECT_DOUBLE_EQ(c.optim.learning_rate, 2e-4);
  EXPECT_TRUE(c.dist.check_consistency);
  EXPECT_EQ(c.run.output_dir, "out dir");

  auto error_of = [](const std::string& assignment) {
    try {
      config_from_overrides({assignment});
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string msg = error_of("data.sequence_lenght=100");
  EXPECT_NE(msg.find("--set data.sequence_lenght=100: unknown key 'sequence_lenght' in [data]; "
                     "did you mean 'sequence_length'?"),
            std::string::npos)
      << msg;
  msg = error_of("data.sequence_length=abc");
  EXPECT_NE(msg.find("data.sequence_length must be an integer, got 'abc'"), std::string::npos)
      << msg;
  msg = error_of("data.sequence_length");
  EXPECT_NE(msg.find("expected section.key=value"), std::string::npos) << msg;
  msg = error_of("sequence_length=3");
  EXPECT_NE(msg.find("expected section.key=value"), std::string::npos) << msg;
  msg = error_of("model.dropout=2");
  EXPECT_NE(msg.find("model.dropout must be in [0.0, 1.0), got 2.0"), std::string::npos) << msg;
  msg = error_of("modle.dropout=0.2");
  EXPECT_NE(msg.find("did you mean [model]?"), std::string::npos) << msg;
}

TEST(Config, CrossFieldErrorsNameWhereEachKeyWasSetAndTheValidValues) {
  EXPECT_EQ(parse_error("[model]\nd_model = 32\nnum_heads = 3\n"),
            "test.toml:3: invalid config: model.d_model (32) must be divisible by model.num_heads "
            "(3): with d_model = 32, num_heads may be 1, 2, 4, 8, 16, 32; model.d_model set at "
            "test.toml:2");
  EXPECT_EQ(parse_error("[model]\nd_model = 32\n", {"model.num_heads=3"}),
            "--set model.num_heads=3: invalid config: model.d_model (32) must be divisible by "
            "model.num_heads (3): with d_model = 32, num_heads may be 1, 2, 4, 8, 16, 32; "
            "model.d_model set at test.toml:2");
  // Only defaults involved: no location to give.
  EXPECT_EQ(parse_error("", {"schedule.min_lr=1.0"}),
            "--set schedule.min_lr=1.0: invalid config: schedule.min_lr (1.0) must not exceed "
            "optim.learning_rate (0.001)");
}

TEST(Config, AnOverrideReplacesAFileValueBeforeItIsChecked) {
  EXPECT_NE(parse_error("[model]\ndropout = 1.5\n").find("test.toml:2: model.dropout must be"),
            std::string::npos);
  EXPECT_EQ(parse_error("[model]\ndropout = 1.5\n", {"model.dropout=0.2"}), "");
  EXPECT_EQ(parse_error("[model]\ndropout = \"high\"\n", {"model.dropout=0.2"}), "");
  // The key must still exist in the file's section.
  EXPECT_NE(parse_error("[model]\ndropuot = 1.5\n", {"model.dropout=0.2"}).find("unknown key"),
            std::string::npos);
  const Config c =
      parse_config("[model]\ndropout = 1.5\nd_model = 64\n", "f.toml", {"model.dropout=0.2"});
  EXPECT_DOUBLE_EQ(c.model.dropout, 0.2);
  EXPECT_EQ(c.origins.at("model.dropout"), "--set model.dropout=0.2");
  EXPECT_EQ(c.origins.at("model.d_model"), "f.toml:3");
}

TEST(Config, ChangedKeysListsEveryDifferenceInSchemaOrder) {
  const Config a = parse_config("[model]\nd_model = 32\n", "a");
  const Config b = parse_config("[model]\nd_model = 16\n[training]\nthreads = 2\n", "b");
  EXPECT_EQ(changed_keys(a, b), (std::vector<std::string>{"model.d_model", "training.threads"}));
  EXPECT_TRUE(changed_keys(a, a).empty());
  EXPECT_EQ(value_of(b, "model.d_model"), "16");
  const Config staged =
      parse_config("[[stage]]\nname = \"x\"\n[stage.optim]\nlearning_rate = 0.1\n", "s");
  EXPECT_EQ(changed_keys(a, staged), (std::vector<std::string>{"model.d_model", "stage"}));
}

TEST(ResumeRule, OnlyKeysThatDoNotChangeTheComputationMayChange) {
  const Config run = parse_config("[model]\nd_model = 32\n[training]\nmax_epochs = 2\n", "run");
  const auto given = [&](const std::vector<std::string>& sets) {
    return parse_config("[model]\nd_model = 32\n[training]\nmax_epochs = 2\n", "given", sets);
  };
  EXPECT_EQ(resume_problem(run, given({}), "runs/r", "ck.pt"), "");
  EXPECT_EQ(resume_problem(run,
                           given({"training.threads=4", "run.log_every=1", "dist.timeout_s=60",
                                  "monitor.port=0", "checkpoint.keep_last=5", "training.device=cpu",
                                  "batching.prefetch=4"}),
                           "runs/r", "ck.pt"),
            "");
  EXPECT_EQ(resume_problem(run, given({"training.max_epochs=5"}), "runs/r", "ck.pt"),
            "--resume cannot change training.max_epochs (2 in the run, 5 given, recorded in "
            "ck.pt): a resumed run continues the computation it started; to train longer, start "
            "a new run from its weights: --init-from runs/r --set run.name=NEW (a fresh schedule "
            "over the new budget)");
  EXPECT_NE(resume_problem(run, given({"model.d_model=16"}), "runs/r", "ck.pt")
                .find("cannot change model.d_model (32 in the run, 16 given"),
            std::string::npos);
  for (const char* set : {"optim.learning_rate=0.1", "data.corpus=x.h5", "run.seed=3",
                          "batching.max_frames=100", "training.precision=bf16"}) {
    EXPECT_NE(resume_problem(run, given({set}), "runs/r", "ck.pt"), "") << set;
  }
}

TEST(Config, OverridesApplyAfterFile) {
  const Config c =
      parse_config("[data]\nsequence_length = 100\n", "t", {"data.sequence_length=300"});
  EXPECT_EQ(c.data.segments.sequence_length, 300);
}

TEST(Config, TomlRoundTripKeepsEveryValue) {
  Config c = config_from_overrides({"run.name=quote\" back\\slash", "optim.learning_rate=0.1",
                                    "optim.eps=1e-12", "model.dropout=0.3",
                                    "data.silence_fraction=0.125", "dist.bucket_mb=0.25",
                                    "monitor.targets_dir=/tmp/targets", "training.precision=bf16"});
  for (bool with_help : {false, true}) {
    const std::string text = config_to_toml(c, with_help);
    const Config back = parse_config(text, "roundtrip");
    EXPECT_EQ(config_to_toml(back), config_to_toml(c)) << text;
    EXPECT_EQ(back.run.name, c.run.name);
    EXPECT_EQ(back.optim.learning_rate, c.optim.learning_rate);
    EXPECT_EQ(back.optim.eps, c.optim.eps);
    EXPECT_EQ(back.model.dropout, c.model.dropout);
    EXPECT_EQ(back.data.segments.silence_fraction, c.data.segments.silence_fraction);
  }
}

TEST(Config, MissingFileIsAClearError) {
  try {
    load_config("/nonexistent/x.toml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.toml: cannot open config file"),
              std::string::npos);
  }
}

// Run directories of earlier versions hold keys that are gone: they load, the keys ignored.
TEST(Config, RetiredKeysOfEarlierRunsAreIgnored) {
  const Config c = parse_config(
      "[data]\nsplit_mode = \"silence\"\nsilence_search = 100\nsilence_threshold_db = -30.0\n",
      "old/config.toml", {"data.silence_search=50"});
  EXPECT_EQ(c.data.segments.mode, SplitMode::Silence);
  EXPECT_EQ(config_to_toml(c).find("silence_search"), std::string::npos);
  EXPECT_EQ(config_to_toml(c, true).find("silence_threshold_db"), std::string::npos);
}

TEST(Config, PositionalSchemeIsAnEnum) {
  EXPECT_EQ(parse_config("[model]\npositional = \"rope\"\n", "t.toml").model.positional,
            Positional::Rope);
  EXPECT_EQ(Config().model.positional, Positional::Sinusoidal);
  try {
    parse_config("[model]\npositional = \"alibi\"\n", "t.toml");
    ADD_FAILURE() << "accepted an unknown position scheme";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("t.toml:2: model.positional must be one of "
                                         "\"sinusoidal\", \"rope\", \"none\", got \"alibi\""),
              std::string::npos)
        << e.what();
  }
}

// The shortest text that reads back, plain where that is no longer than the exponent form.
TEST(NumberText, ShortestTextIsPlainWhenThatIsNoLonger) {
  EXPECT_EQ(shortest_text(30.0), "30");
  EXPECT_EQ(shortest_text(300.0), "300");
  EXPECT_EQ(shortest_text(-20.0), "-20");
  EXPECT_EQ(shortest_text(0.0002), "0.0002");
  EXPECT_EQ(shortest_text(1e-5), "1e-05");
  EXPECT_EQ(shortest_text(1e22), "1e+22");
  EXPECT_EQ(shortest_text(0.1), "0.1");
  EXPECT_EQ(shortest_text(123456.5), "123456.5");
  EXPECT_EQ(schema::format_number(300.0), "300.0");
  EXPECT_EQ(schema::format_number(2.5e-4), "0.00025");
  for (double v : {1.0 / 3.0, 1e300, 5e-324, -0.0, 299792458.0, 12000.0}) {
    EXPECT_EQ(std::strtod(shortest_text(v).c_str(), nullptr), v) << shortest_text(v);
  }
}

}  // namespace
}  // namespace artic
