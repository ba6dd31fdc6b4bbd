// Numerics against an independent oracle: tests/python/model_oracle.py rebuilds each model from
// torch.nn modules and from plain tensor algebra, loads artic's weights file by name, and
// compares artic's outputs and parameter gradients on a padded batch (Debian's python3-torch).
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "model/model.h"
#include "model/weights.h"
#include "test_util.h"

namespace artic {
namespace {

constexpr int64_t kFeatures = 7;
constexpr int64_t kArticulators = 5;

struct OracleCase {
  std::string name;
  ModelConfig config;
  torch::ScalarType dtype;
  double rtol;
  std::string perturb;  // a parameter the detection test nudges
};

// gtest prints parameters with this (instead of their bytes).
void PrintTo(const OracleCase& c, std::ostream* os) {
  *os << c.name;
}

ModelConfig transformer(const std::string& frontend, int64_t window) {
  ModelConfig c;
  c.kind = ModelKind::Transformer;
  c.frontend = parse_name<Frontend>(frontend).value();
  c.conv_kernel = 5;
  c.d_model = 32;
  c.num_layers = 2;
  c.num_heads = 4;
  c.ff_dim = 64;
  c.dropout = 0.1;  // eval mode turns it off
  c.attention_window = window;
  return c;
}

ModelConfig positional(const std::string& frontend, int64_t window, Positional scheme) {
  ModelConfig c = transformer(frontend, window);
  c.positional = scheme;
  return c;
}

ModelConfig blstm() {
  ModelConfig c;
  c.kind = ModelKind::Blstm;
  c.lstm_hidden = 16;
  c.lstm_layers = 2;
  c.dropout = 0.1;
  return c;
}

using c10::ivalue::Tuple;

// (key, value) pairs: what Python's weights-only torch.load accepts (no typed dicts).
c10::IValue pair(const std::string& key, c10::IValue value) {
  return Tuple::create(std::vector<c10::IValue>{c10::IValue(key), std::move(value)});
}

void write_pickle(const c10::IValue& value, const std::string& path) {
  const std::vector<char> bytes = torch::pickle_save(value);
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// Builds the case's model, runs a padded batch forward and backward, and writes weights.pt and
// inputs.pt (x, pad_mask, y, loss_weights, grads) into `dir`. Returns the model.
SequenceRegressor export_case(const OracleCase& oc, const test::TempDir& dir) {
  torch::manual_seed(2024);
  SequenceRegressor model = make_model(oc.config, ModelShape{kFeatures, kArticulators});
  model->to(oc.dtype);
  model->eval();
  const std::vector<int64_t> lengths = {23, 40, 31};
  const int64_t batch = 3, max_len = 40;
  const auto options = torch::TensorOptions().dtype(oc.dtype);
  torch::Tensor x = torch::zeros({batch, max_len, kFeatures}, options);
  torch::Tensor mask = torch::ones({batch, max_len}, torch::kBool);
  torch::Tensor loss_weights = torch::zeros({batch, max_len, kArticulators}, options);
  for (int64_t b = 0; b < batch; ++b) {
    x[b].slice(0, 0, lengths[b]).copy_(torch::randn({lengths[b], kFeatures}, options));
    mask[b].slice(0, 0, lengths[b]).fill_(false);
    loss_weights[b]
        .slice(0, 0, lengths[b])
        .copy_(torch::randn({lengths[b], kArticulators}, options));
  }
  model->zero_grad();
  const torch::Tensor y = model->forward(x, mask);
  (y * loss_weights).sum().backward();

  std::vector<c10::IValue> grads;
  for (const auto& p : model->named_parameters()) grads.push_back(pair(p.key(), p.value().grad()));
  write_pickle(
      Tuple::create(std::vector<c10::IValue>{
          pair("x", x), pair("pad_mask", mask), pair("y", y.detach()),
          pair("loss_weights", loss_weights), pair("grads", Tuple::create(std::move(grads)))}),
      dir.file("inputs.pt"));
  save_weights(*model, dir.file("weights.pt"));
  return model;
}

std::string oracle_args(const OracleCase& oc, const test::TempDir& dir,
                        const std::string& weights) {
  std::ostringstream args;
  args << "--weights " << dir.file(weights) << " --inputs " << dir.file("inputs.pt") << " --rtol "
       << oc.rtol << " --report " << dir.file("report.json");
  return args.str();
}

class OracleTest : public ::testing::TestWithParam<OracleCase> {};

TEST_P(OracleTest, OutputsAndGradientsMatchTorchNn) {
  test::TempDir dir;
  export_case(GetParam(), dir);
  test::run_oracle("model_oracle.py", oracle_args(GetParam(), dir, "weights.pt"));
  std::ifstream report(dir.file("report.json"));
  const std::string text((std::istreambuf_iterator<char>(report)),
                         std::istreambuf_iterator<char>());
  ASSERT_NE(text.find("\"compared\": 470"), std::string::npos) << text;  // (23+40+31) x 5
  std::cout << GetParam().name << ": " << text << "\n";
}

// The comparison can fail: one weight nudged by 1e-4 of its scale must be caught.
TEST_P(OracleTest, DetectsAPerturbedWeight) {
  const OracleCase& oc = GetParam();
  test::TempDir dir;
  SequenceRegressor model = export_case(oc, dir);
  {
    torch::NoGradGuard no_grad;
    torch::Tensor p = model->named_parameters()[oc.perturb];
    p.view(-1)[0] += 1e-4 * (1.0 + p.abs().max().item<double>());
  }
  save_weights(*model, dir.file("perturbed.pt"));
  std::string output;
  const int rc =
      test::run_command(std::string(ARTIC_ORACLE_PYTHON) + " " + ARTIC_SOURCE_DIR +
                            "/tests/python/model_oracle.py " + oracle_args(oc, dir, "perturbed.pt"),
                        &output);
  EXPECT_EQ(rc, 1) << output;
  EXPECT_NE(output.find("MISMATCH"), std::string::npos) << output;
}

std::string case_name(const ::testing::TestParamInfo<OracleCase>& param_info) {
  return param_info.param.name;
}

// float64 end to end: agreement to ~1e-12; float32 artic vs a float64 oracle: within 1e-5.
INSTANTIATE_TEST_SUITE_P(
    Model, OracleTest,
    ::testing::Values(
        OracleCase{"transformer_linear_f64", transformer("linear", 0), torch::kFloat64, 1e-12,
                   "layers.1.attn.qkv.weight"},
        OracleCase{"transformer_conv_window_f64", transformer("conv", 6), torch::kFloat64, 1e-12,
                   "input_proj.weight"},
        OracleCase{"blstm_f64", blstm(), torch::kFloat64, 1e-12, "lstm.weight_hh_l1_reverse"},
        OracleCase{"transformer_conv_f32", transformer("conv", 0), torch::kFloat32, 1e-5,
                   "layers.0.ff2.weight"},
        OracleCase{"transformer_window_f32", transformer("linear", 4), torch::kFloat32, 1e-5,
                   "layers.0.attn.out.weight"},
        OracleCase{"blstm_f32", blstm(), torch::kFloat32, 1e-5, "lstm.weight_ih_l0"},
        OracleCase{"transformer_rope_f64", positional("linear", 0, Positional::Rope),
                   torch::kFloat64, 1e-12, "layers.0.attn.qkv.weight"},
        OracleCase{"transformer_rope_window_f32", positional("conv", 6, Positional::Rope),
                   torch::kFloat32, 1e-5, "layers.1.attn.qkv.weight"},
        OracleCase{"transformer_no_positions_f64", positional("linear", 0, Positional::None),
                   torch::kFloat64, 1e-12, "head.weight"}),
    case_name);

}  // namespace
}  // namespace artic
