// Run records: every record survives to_json/from_json, undefined numbers are null, files from
// earlier versions (the fixtures below are verbatim output of artic before the typed records)
// still read, and bad files are refused naming the file and the key.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "eval/run_records.h"
#include "test_util.h"

namespace artic {
namespace {

// summary.json, eval.json (two of its twelve articulators) and metrics.jsonl lines of the main
// job, as the hand-written JSON writer of earlier versions printed them.
const char* kOldSummary = R"({
  "name": "default",
  "train_segments": 407,
  "valid_segments": 46,
  "test_utterances": 47,
  "epochs": 16,
  "best_epoch": 15,
  "steps": 761,
  "best_val_loss": 0.2141907468895503,
  "split_mode": "full",
  "sequence_length": 500,
  "stopped": "max_epochs",
  "bad_steps": 0,
  "param_hash": "16073a4ea8664f98",
  "throughput": {
    "world_size": 2,
    "seconds": 743.6376623790006,
    "frames": 3828736,
    "frames_per_second": 5148.658000660348,
    "rank_frames": 1911225,
    "rank_frames_per_second": 2570.102479594329
  },
  "hosts": ["vm", "vm"],
  "local_ranks": [0, 1]
}
)";
const char* kOldEval = R"({
  "split": "test",
  "utterances": 47,
  "frames": 31980,
  "mean": {
    "rmse_mm": 1.3854233734102515,
    "mae_mm": 0.951795218497718,
    "pearson_r": 0.8545878972702733
  },
  "articulators": {
    "T1_x": {
      "rmse_mm": 1.013602384052055,
      "mae_mm": 0.7043825370360345,
      "pearson_r": 0.8388526143514901,
      "r_utterances": 47
    },
    "T1_y": {
      "rmse_mm": 3.347151874786334,
      "mae_mm": 2.253442496926687,
      "pearson_r": null,
      "r_utterances": 0
    }
  },
  "checkpoint": "runs/default/checkpoints/best.pt"
}
)";
const char* kOldStep =
    R"({"type":"step","step":10,"epoch":1,"loss":0.809092290952517,"lr":0.00075,"grad_norm":1.2989565134048462,"world_size":2,"frames":52273,"rank_frames":25882,"wall_seconds":11.497028754,"model_flops":509407358976,"device_memory_peak_bytes":909258752,"frames_per_second":4546.652976040735,"rank_frames_per_second":2251.190333936952,"padding_efficiency":0.981873849505992,"bad_steps":0,"seconds":{"data":0.0016901449999999999,"forward":4.360833173,"backward":6.462947746999999,"allreduce":0.34701037200000007,"optimizer":0.07433713700000001}})";
const char* kOldValidation =
    R"({"type":"validation","stage":"full","step":48,"epoch":1,"val_loss":0.46872927287578603,"val_rmse_mm":1.9957668812667082,"val_pearson_r":0.7253234119686399,"val_mae_mm":1.5356913365603317,"best":true,"seconds":2.7593276,"articulators":{"T1_x":{"rmse_mm":1.483345184055925,"mae_mm":1.1081931837389087,"pearson_r":0.62873258225264,"r_utterances":46}}})";
// A staged run's summary entries (stage_end events) as earlier versions wrote them.
const char* kOldStages =
    R"([{"type":"stage_end","stage":"chunks","index":1,"step":120,"steps":120,"epochs":3,"best_epoch":3,"best_val_loss":0.31,"stopped":"max_epochs","split_mode":"fixed","sequence_length":100,"best_param_hash":"00000000000000aa","last_param_hash":"00000000000000bb"}])";

TEST(RunRecords, FilesOfEarlierVersionsStillRead) {
  test::TempDir dir;
  std::ofstream(dir.file("summary.json")) << kOldSummary;
  const RunSummary s = read_run_summary(dir.file("summary.json"));
  EXPECT_EQ(s.name, "default");
  EXPECT_EQ(s.epochs, 16);
  EXPECT_EQ(s.best_epoch, 15);
  EXPECT_EQ(s.steps, 761);
  EXPECT_DOUBLE_EQ(s.best_val_loss, 0.2141907468895503);
  EXPECT_EQ(s.throughput.frames, 3828736);
  EXPECT_EQ(s.throughput.hosts, (std::vector<std::string>{"vm", "vm"}));
  EXPECT_EQ(s.throughput.local_ranks, (std::vector<int>{0, 1}));
  EXPECT_TRUE(s.stages.empty());
  // Written again, it is the same document (numbers print differently but read back equal).
  EXPECT_EQ(Json(s), Json::parse(kOldSummary));

  std::ofstream(dir.file("eval.json")) << kOldEval;
  const EvalRecord e = read_eval_record(dir.file("eval.json"));
  EXPECT_EQ(e.split, "test");
  EXPECT_EQ(e.checkpoint, "runs/default/checkpoints/best.pt");
  EXPECT_EQ(e.metrics.utterances, 47);
  EXPECT_EQ(e.metrics.articulators, (std::vector<std::string>{"T1_x", "T1_y"}));
  EXPECT_DOUBLE_EQ(e.metrics.per_channel[1].rmse_mm, 3.347151874786334);
  EXPECT_TRUE(std::isnan(e.metrics.per_channel[1].pearson_r)) << "null reads as NaN";
  EXPECT_TRUE(std::isnan(e.loss)) << "absent in files of earlier versions";
  EXPECT_EQ(Json(e), Json::parse(kOldEval));

  const auto step = Json::parse(kOldStep).get<StepLine>();
  EXPECT_EQ(step.step, 10);
  EXPECT_EQ(step.epoch, 0) << "files count epochs from 1, records from 0";
  EXPECT_DOUBLE_EQ(step.seconds.backward, 6.462947746999999);
  EXPECT_EQ(Json(step), Json::parse(kOldStep));
  const auto validation = Json::parse(kOldValidation).get<ValidationRecord>();
  EXPECT_EQ(validation.stage, "full");
  EXPECT_TRUE(validation.improved);
  EXPECT_DOUBLE_EQ(validation.metrics.mean.pearson_r, 0.7253234119686399);
  EXPECT_EQ(validation.metrics.per_channel.at(0).r_utterances, 46);
  EXPECT_EQ(Json(validation), Json::parse(kOldValidation));

  const auto stages = stages_from_text(kOldStages, "checkpoint");
  ASSERT_EQ(stages.size(), 1u);
  EXPECT_EQ(stages[0].split_mode, "fixed");
  EXPECT_EQ(Json::parse(stages_text(stages)), Json::parse(kOldStages));
}

TEST(RunRecords, EveryRecordRoundTrips) {
  StageStartRecord start{"full",
                         2,
                         2,
                         120,
                         400,
                         407,
                         "full",
                         5e-4,
                         {"optim.learning_rate=5e-4"},
                         "runs/x/checkpoints/best-chunks.pt",
                         "00000000000000aa"};
  const auto start2 = Json::parse(metrics_line(start)).get<StageStartRecord>();
  EXPECT_EQ(Json(start2), Json(start));
  EXPECT_EQ(Json::parse(metrics_line(start)).at("type"), "stage_start");

  RunSummary s;
  s.name = "r";
  s.best_val_loss = INFINITY;  // never validated
  s.stages = stages_from_text(kOldStages, "test");
  const std::string text = Json(s).dump();
  EXPECT_NE(text.find("\"best_val_loss\":null"), std::string::npos) << text;
  const auto back = Json::parse(text).get<RunSummary>();
  EXPECT_TRUE(std::isnan(back.best_val_loss));
  EXPECT_EQ(back.stages.at(0).best_param_hash, "00000000000000aa");
}

// eval.json with speech-frame metrics and a record per utterance: written, read back, equal; a
// record whose channels do not match the file's articulators is refused naming it.
TEST(RunRecords, EvalRecordKeepsEveryUtterance) {
  EvalRecord e;
  e.split = "test";
  e.checkpoint = "best.pt";
  e.loss = 0.25;
  e.metrics.articulators = {"T1_x", "T1_y"};
  e.metrics.per_channel = {{1.5, 1.0, 0.8, 2}, {2.5, 2.0, NAN, 0}};
  e.metrics.mean = {2.0, 1.5, 0.8, 0};
  e.metrics.utterances = 2;
  e.metrics.frames = 300;
  e.speech = e.metrics;
  e.speech.frames = 240;
  e.silence_fraction = 0.25;
  e.utterances = {{"u1",
                   100,
                   80,
                   {{1, 0.5, 0.9, 1}, {2, 1.5, NAN, 0}},
                   {{1.1, 0.6, 0.8, 1}, {2.1, 1.6, 0.5, 1}}},
                  {"u2",
                   200,
                   160,
                   {{1.7, 1.2, 0.7, 1}, {2.7, 2.2, 0.1, 1}},
                   {{1.8, 1.3, 0.6, 1}, {2.8, 2.3, 0.2, 1}}}};
  test::TempDir dir;
  write_record(dir.file("eval.json"), e);
  const EvalRecord back = read_eval_record(dir.file("eval.json"));
  EXPECT_EQ(Json(back), Json(e));
  ASSERT_EQ(back.utterances.size(), 2u);
  EXPECT_EQ(back.utterances[1].id, "u2");
  EXPECT_EQ(back.utterances[1].speech_frames, 160);
  EXPECT_DOUBLE_EQ(back.utterances[1].speech[0].rmse_mm, 1.8);
  EXPECT_TRUE(std::isnan(back.utterances[0].all[1].pearson_r));
  EXPECT_EQ(back.utterances[0].all[1].r_utterances, 0);
  EXPECT_EQ(back.speech.frames, 240);
  EXPECT_DOUBLE_EQ(back.silence_fraction, 0.25);

  Json bad = Json(e);
  bad["per_utterance"][1]["mae_mm"] = Json::array({1.0});
  std::ofstream(dir.file("bad.json")) << bad.dump();
  try {
    read_eval_record(dir.file("bad.json"));
    ADD_FAILURE() << "accepted a per-utterance record with one MAE for two channels";
  } catch (const UserError& err) {
    EXPECT_NE(std::string(err.what()).find("in 'per_utterance[1]': 'mae_mm': 2 values expected"),
              std::string::npos)
        << err.what();
  }
}

std::string error_reading(const std::string& text) {
  test::TempDir dir;
  std::ofstream(dir.file("summary.json")) << text;
  try {
    read_run_summary(dir.file("summary.json"));
  } catch (const UserError& e) {
    const std::string what = e.what();
    return what.substr(what.find("summary.json"));
  }
  return "no error";
}

TEST(RunRecords, BadFilesNameTheFileAndTheKey) {
  const std::string suffix = " (not a run summary (summary.json) as artic writes it)";
  EXPECT_EQ(
      error_reading("").rfind("summary.json: not valid JSON: parse error at line 1, column 1", 0),
      0u)
      << error_reading("");
  // A number no double holds (found by json_fuzz: nlohmann throws out_of_range, not parse_error).
  EXPECT_EQ(
      error_reading("{\"steps\": 1e999}").rfind("summary.json: not valid JSON: number overflow", 0),
      0u)
      << error_reading("{\"steps\": 1e999}");
  EXPECT_EQ(error_reading("[1, 2]"), "summary.json: missing key 'train_segments'" + suffix);
  std::string wrong = kOldSummary;
  wrong.replace(wrong.find("\"steps\": 761"), 12, "\"steps\": \"many\"");
  EXPECT_EQ(error_reading(wrong),
            "summary.json: 'steps': an integer expected, got string" + suffix);
  // A float out of an integer's range must not be converted (undefined behaviour).
  std::string huge = kOldSummary;
  huge.replace(huge.find("\"steps\": 761"), 12, "\"steps\": 1e300");
  EXPECT_EQ(error_reading(huge), "summary.json: 'steps': an integer expected, got number" + suffix);
  std::string hosts = kOldSummary;
  hosts.replace(hosts.find("[\"vm\", \"vm\"]"), 12, "[\"vm\", 3]");
  EXPECT_EQ(error_reading(hosts),
            "summary.json: 'hosts': type must be string, but is number" + suffix);
  EXPECT_THROW(read_eval_record("/nonexistent/eval.json"), UserError);
  EXPECT_THROW(stages_from_text("[{\"epochs\": 1}]", "checkpoint"), UserError);
  EXPECT_THROW(stages_from_text("{", "checkpoint"), UserError);
}

TEST(RunRecords, AResumeKeepsTheMetricsUpToItsStepAndDropsATornLine) {
  const std::string text =
      "{\"type\":\"step\",\"step\":1}\n"
      "{\"type\":\"validation\",\"step\":2,\"val_loss\":1.0}\n"
      "{\"type\":\"step\",\"step\":3}\n"
      "{\"type\":\"stage_start\",\"stage\":\"b\"}\n"
      "{\"type\":\"step\",\"st";  // killed mid-line
  EXPECT_EQ(
      metrics_kept_at(text, 2),
      "{\"type\":\"step\",\"step\":1}\n{\"type\":\"validation\",\"step\":2,\"val_loss\":1.0}\n"
      "{\"type\":\"stage_start\",\"stage\":\"b\"}\n");
  EXPECT_EQ(metrics_kept_at(text, 3), text.substr(0, text.rfind('\n') + 1));
  EXPECT_EQ(metrics_kept_at(text, -1), "");
  EXPECT_EQ(metrics_kept_at("not json\n{\"step\":1}\n", 5), "{\"step\":1}\n");
}

}  // namespace
}  // namespace artic
