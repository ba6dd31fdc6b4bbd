// Model shapes, padding exactness (outputs and gradients), dropout, seeding, FLOPs, parameter
// counts and weights files.
#include "model/model.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/version.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/attention.h"
#include "model/blstm.h"
#include "model/flops.h"
#include "model/transformer.h"
#include "model/weights.h"
#include "test_util.h"

namespace artic {
namespace {

constexpr int64_t kFeatures = 7;
constexpr int64_t kArticulators = 5;
const ModelShape kShape{kFeatures, kArticulators};

ModelConfig transformer_config(const std::string& frontend = "linear", int64_t window = 0) {
  ModelConfig c;
  c.kind = ModelKind::Transformer;
  c.frontend = parse_name<Frontend>(frontend).value();
  c.conv_kernel = 5;
  c.d_model = 32;
  c.num_layers = 2;
  c.num_heads = 4;
  c.ff_dim = 64;
  c.dropout = 0.0;
  c.attention_window = window;
  return c;
}

ModelConfig blstm_config() {
  ModelConfig c;
  c.kind = ModelKind::Blstm;
  c.lstm_hidden = 16;
  c.lstm_layers = 2;
  c.dropout = 0.0;
  return c;
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

double max_abs(const torch::Tensor& a) {
  return a.abs().max().item<double>();
}

// [1,T] no padding.
torch::Tensor no_padding(int64_t batch, int64_t length) {
  return torch::zeros({batch, length}, torch::kBool);
}

// ---------------------------------------------------------------------------------------------
// Padding exactness: an utterance alone vs. inside a batch padded with longer ones (padded
// frames filled with NaN, which must not leak anywhere).

struct PaddingCase {
  std::string name;
  ModelConfig config;
};

// gtest prints parameters with this (instead of their bytes).
void PrintTo(const PaddingCase& c, std::ostream* os) {
  *os << c.name;
}

class PaddingTest : public ::testing::TestWithParam<PaddingCase> {};

std::map<std::string, torch::Tensor> gradients(const SequenceRegressor& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model->named_parameters()) out[p.key()] = p.value().grad().clone();
  return out;
}

TEST_P(PaddingTest, OutputsAndGradientsMatchUtteranceAlone) {
  torch::manual_seed(11);
  SequenceRegressor model = make_model(GetParam().config, kShape);
  model->eval();
  const std::vector<int64_t> lengths = {64, 37, 50};  // the utterance under test is #1
  const int64_t target = 1, length = lengths[target], max_len = 64;
  const int64_t batch = static_cast<int64_t>(lengths.size());

  torch::Tensor x = torch::full({batch, max_len, kFeatures}, std::nan(""));
  torch::Tensor mask = torch::ones({batch, max_len}, torch::kBool);
  for (int64_t b = 0; b < batch; ++b) {
    x[b].slice(0, 0, lengths[b]).copy_(torch::randn({lengths[b], kFeatures}));
    mask[b].slice(0, 0, lengths[b]).fill_(false);
  }
  const torch::Tensor alone_x = x[target].slice(0, 0, length).unsqueeze(0).clone();
  const torch::Tensor loss_weights = torch::randn({length, kArticulators});

  model->zero_grad();
  const torch::Tensor y_alone = model->forward(alone_x, no_padding(1, length));
  (y_alone[0] * loss_weights).sum().backward();
  const auto grads_alone = gradients(model);

  model->zero_grad();
  const torch::Tensor y_batch = model->forward(x, mask);
  (y_batch[target].slice(0, 0, length) * loss_weights).sum().backward();
  const auto grads_batch = gradients(model);

  ASSERT_EQ(y_batch.sizes(), (std::vector<int64_t>{batch, max_len, kArticulators}));
  EXPECT_TRUE(torch::isfinite(y_batch).all().item<bool>());
  EXPECT_EQ(max_abs(y_batch.masked_select(mask.unsqueeze(-1))), 0.0) << "padded outputs are zero";
  EXPECT_LE(max_abs_diff(y_batch[target].slice(0, 0, length), y_alone[0]), 1e-5);
  EXPECT_GT(max_abs(y_alone), 1e-2) << "outputs are not trivially zero";
  for (const auto& [name, g] : grads_alone) {
    const torch::Tensor& gb = grads_batch.at(name);
    EXPECT_TRUE(torch::isfinite(gb).all().item<bool>()) << name;
    EXPECT_LE(max_abs_diff(gb, g), 1e-5 * std::max(1.0, max_abs(g))) << name;
  }
}

ModelConfig with_positional(ModelConfig c, Positional scheme) {
  c.positional = scheme;
  return c;
}

std::string case_name(const ::testing::TestParamInfo<PaddingCase>& param_info) {
  return param_info.param.name;
}

std::vector<PaddingCase> padding_cases() {
  return {
      {"transformer_linear", transformer_config("linear")},
      {"transformer_conv", transformer_config("conv")},
      {"transformer_linear_window", transformer_config("linear", 4)},
      {"transformer_conv_window", transformer_config("conv", 6)},
      {"transformer_rope", with_positional(transformer_config("linear"), Positional::Rope)},
      {"transformer_rope_conv_window",
       with_positional(transformer_config("conv", 6), Positional::Rope)},
      {"transformer_no_positions", with_positional(transformer_config("linear"), Positional::None)},
      {"blstm", blstm_config()}};
}

INSTANTIATE_TEST_SUITE_P(Model, PaddingTest, ::testing::ValuesIn(padding_cases()), case_name);

// ---------------------------------------------------------------------------------------------
// Shapes for odd sizes.

class ShapeTest : public ::testing::TestWithParam<PaddingCase> {};

TEST_P(ShapeTest, OddSizes) {
  torch::manual_seed(3);
  ModelConfig config = GetParam().config;
  SequenceRegressor model = make_model(config, kShape);
  model->eval();
  torch::NoGradGuard no_grad;
  for (const auto& [batch, length] :
       std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {1, 2}, {3, 1}, {2, 9}}) {
    const torch::Tensor y =
        model->forward(torch::randn({batch, length, kFeatures}), no_padding(batch, length));
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{batch, length, kArticulators}));
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  }
  // A batch of one real frame next to a longer utterance.
  torch::Tensor mask = no_padding(2, 5);
  mask[1].slice(0, 1, 5).fill_(true);
  const torch::Tensor y = model->forward(torch::randn({2, 5, kFeatures}), mask);
  EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
}

INSTANTIATE_TEST_SUITE_P(Model, ShapeTest, ::testing::ValuesIn(padding_cases()), case_name);

ModelConfig tiny_transformer(int64_t window) {
  ModelConfig c = transformer_config("conv", window);
  c.d_model = 16;
  c.num_layers = 1;
  c.num_heads = 2;
  c.ff_dim = 32;
  return c;
}

// 4000 frames (40 s): no fixed maximum length; full, windowed and BLSTM; a padded batch too.
// No mask (every frame real) gives the same numbers as an all-false mask, with and without an
// attention window: the unmasked path is only cheaper.
TEST_P(ShapeTest, UndefinedMaskEqualsNoPadding) {
  torch::manual_seed(3);
  SequenceRegressor model = make_model(GetParam().config, kShape);
  model->eval();
  const auto x = torch::randn({3, 29, kFeatures});
  const auto none = torch::zeros({3, 29}, torch::kBool);
  EXPECT_TRUE(torch::equal(model->forward(x, torch::Tensor()), model->forward(x, none)));
}

TEST(AttentionMaskBuild, OnceAndOnlyWhenSomethingIsHidden) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  const AttentionMask none = make_attention_mask(torch::Tensor(), 50, 0, opts);
  EXPECT_FALSE(none.combined(torch::kFloat32).defined());
  auto pad = torch::zeros({2, 50}, torch::kBool);
  pad[1].slice(0, 40).fill_(true);
  const AttentionMask both = make_attention_mask(pad, 50, 5, opts);
  const torch::Tensor a = both.combined(torch::kBFloat16);
  EXPECT_EQ(a.scalar_type(), torch::kBFloat16);
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{2, 1, 50, 50}));
  EXPECT_EQ(both.combined(torch::kBFloat16).data_ptr(), a.data_ptr()) << "rebuilt per layer";
  EXPECT_TRUE(
      make_attention_mask(torch::Tensor(), 50, 5, opts).combined(torch::kFloat32).defined());
}

// Under bf16 autocast (CPU autocast here; CUDA's follows the same rules) the positions are added
// in fp32 and the residual stream stays fp32, as in PyTorch's reference; the BLSTM's recurrence
// runs in fp32 outside autocast.
class CpuBf16Autocast {
 public:
  CpuBf16Autocast() {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCPU, true);
#else
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
#endif
  }
  ~CpuBf16Autocast() {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCPU, false);
#else
    at::autocast::set_cpu_enabled(false);
#endif
    at::autocast::clear_cache();
  }
};

TEST(ModelAutocast, PositionsAndResidualStreamStayFp32UnderBf16) {
  torch::manual_seed(4);
  auto model = std::make_shared<TransformerRegressorImpl>(transformer_config(), kShape);
  model->eval();
  const auto x = torch::randn({2, 40, kFeatures});
  auto pad = torch::zeros({2, 40}, torch::kBool);
  pad[1].slice(0, 30).fill_(true);
  const torch::Tensor fp32 = model->embed(x, pad);
  torch::Tensor mixed, y;
  {
    CpuBf16Autocast autocast;
    mixed = model->embed(x, pad);
    y = model->forward(x, pad);
  }
  EXPECT_EQ(mixed.scalar_type(), torch::kFloat32);
  // Only the projection is rounded to bf16 (relative 2^-8); positions of up to +-1 are not.
  const double diff = (mixed - fp32).abs().max().item<double>();
  EXPECT_LT(diff, 0.05) << "positions were rounded with the activations";
  std::printf("bf16 autocast: embedding max |diff| vs fp32 %.3g\n", diff);
  EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
}

TEST(ModelAutocast, BlstmRecurrenceRunsInFp32UnderBf16) {
  torch::manual_seed(5);
  SequenceRegressor model = make_model(blstm_config(), kShape);
  model->eval();
  const auto x = torch::randn({2, 25, kFeatures});
  auto pad = torch::zeros({2, 25}, torch::kBool);
  pad[0].slice(0, 20).fill_(true);
  const torch::Tensor fp32 = model->forward(x, pad);
  torch::Tensor mixed;
  {
    CpuBf16Autocast autocast;
    mixed = model->forward(x, pad);
  }
  const double diff = (mixed.to(torch::kFloat32) - fp32).abs().max().item<double>();
  std::printf("bf16 autocast: BLSTM output max |diff| vs fp32 %.3g\n", diff);
  EXPECT_LT(diff, 0.05);
  EXPECT_TRUE(torch::equal(mixed.slice(1, 20).select(0, 0),
                           torch::zeros_like(mixed.slice(1, 20).select(0, 0))));
}

TEST(ModelShapes, LongUtterance) {
  constexpr int64_t kLong = 4000;
  ModelConfig lstm = blstm_config();
  lstm.lstm_hidden = 8;
  lstm.lstm_layers = 1;
  for (const ModelConfig& config : {tiny_transformer(0), tiny_transformer(50), lstm}) {
    torch::manual_seed(5);
    SequenceRegressor model = make_model(config, kShape);
    model->eval();
    torch::NoGradGuard no_grad;
    torch::Tensor mask = no_padding(2, kLong);
    mask[1].slice(0, 300, kLong).fill_(true);
    const torch::Tensor x = torch::randn({2, kLong, kFeatures});
    const torch::Tensor y = model->forward(x, mask);
    ASSERT_EQ(y.sizes(), (std::vector<int64_t>{2, kLong, kArticulators})) << name_of(config.kind);
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>()) << name_of(config.kind);
    const torch::Tensor y_short =
        model->forward(x[1].slice(0, 0, 300).unsqueeze(0), no_padding(1, 300));
    EXPECT_LE(max_abs_diff(y[1].slice(0, 0, 300), y_short[0]), 1e-5) << name_of(config.kind);
  }
}

// Windowed attention differs from full attention when the window is shorter than T, and equals
// it when the window covers the whole utterance.
TEST(ModelShapes, WindowChangesOnlyWhenShorterThanUtterance) {
  const torch::Tensor x = torch::randn({1, 30, kFeatures});
  const auto run = [&](int64_t window) {
    torch::manual_seed(21);
    SequenceRegressor model = make_model(transformer_config("linear", window), kShape);
    model->eval();
    torch::NoGradGuard no_grad;
    return model->forward(x, no_padding(1, 30));
  };
  const torch::Tensor full = run(0);
  EXPECT_GT(max_abs_diff(run(3), full), 1e-4);
  EXPECT_LE(max_abs_diff(run(29), full), 1e-6);
  EXPECT_LE(max_abs_diff(run(1000), full), 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Dropout and seeding.

TEST(ModelDropout, EvalIsDeterministicTrainIsNot) {
  for (ModelConfig config : {transformer_config(), blstm_config()}) {
    config.dropout = 0.3;
    torch::manual_seed(1);
    SequenceRegressor model = make_model(config, kShape);
    const torch::Tensor x = torch::randn({2, 20, kFeatures});
    const torch::Tensor mask = no_padding(2, 20);
    torch::NoGradGuard no_grad;
    model->eval();
    const torch::Tensor a = model->forward(x, mask), b = model->forward(x, mask);
    EXPECT_TRUE(torch::equal(a, b)) << name_of(config.kind);
    model->train();
    const torch::Tensor c = model->forward(x, mask), d = model->forward(x, mask);
    EXPECT_GT(max_abs_diff(c, d), 1e-3) << name_of(config.kind);
    EXPECT_GT(max_abs_diff(c, a), 1e-3) << name_of(config.kind);
  }
}

TEST(ModelSeed, SameSeedSameInitAndOutputs) {
  for (ModelConfig config : {transformer_config("conv", 3), blstm_config()}) {
    config.dropout = 0.2;
    std::vector<torch::Tensor> outputs;
    std::vector<SequenceRegressor> models;
    for (int run = 0; run < 2; ++run) {
      torch::manual_seed(42);
      models.push_back(make_model(config, kShape));
      models.back()->train();
      outputs.push_back(
          models.back()->forward(torch::randn({2, 15, kFeatures}), no_padding(2, 15)));
    }
    const auto p0 = models[0]->named_parameters(), p1 = models[1]->named_parameters();
    ASSERT_EQ(p0.size(), p1.size());
    for (const auto& p : p0) EXPECT_TRUE(torch::equal(p.value(), p1[p.key()])) << p.key();
    EXPECT_TRUE(torch::equal(outputs[0], outputs[1])) << name_of(config.kind);
    torch::manual_seed(43);
    SequenceRegressor other = make_model(config, kShape);
    EXPECT_FALSE(torch::equal(other->named_parameters()["head.weight"], p0["head.weight"]));
  }
}

// ---------------------------------------------------------------------------------------------
// Parameter counts and FLOPs.

TEST(ModelCounts, TransformerParameterCountMatchesFormula) {
  for (const std::string frontend : {"linear", "conv"}) {
    const ModelConfig c = transformer_config(frontend);
    const int64_t d = c.d_model, ff = c.ff_dim, k = frontend == "conv" ? c.conv_kernel : 1;
    const int64_t per_layer =
        2 * 2 * d + (3 * d * d + 3 * d) + (d * d + d) + (d * ff + ff) + (ff * d + d);
    const int64_t expected = (kFeatures * k * d + d) + c.num_layers * per_layer + 2 * d +
                             (d * kArticulators + kArticulators);
    EXPECT_EQ(parameter_count(*make_model(c, kShape)), expected) << frontend;
  }
}

TEST(ModelCounts, BlstmParameterCountMatchesFormula) {
  const ModelConfig c = blstm_config();
  const int64_t h = c.lstm_hidden;
  int64_t lstm = 0;
  for (int64_t layer = 0; layer < c.lstm_layers; ++layer) {
    const int64_t in = layer == 0 ? h : 2 * h;
    lstm += 2 * (4 * h * in + 4 * h * h + 2 * 4 * h);
  }
  const int64_t expected = (kFeatures * h + h) + lstm + (2 * h * kArticulators + kArticulators);
  EXPECT_EQ(parameter_count(*make_model(c, kShape)), expected);
}

TEST(ModelFlops, AttendedKeysMatchesBruteForce) {
  for (int64_t length : {1, 2, 7, 50}) {
    for (int64_t window : {0, 1, 3, 6, 49, 100}) {
      int64_t pairs = 0;
      for (int64_t i = 0; i < length; ++i) {
        for (int64_t j = 0; j < length; ++j) {
          pairs += window == 0 || std::abs(i - j) <= window;
        }
      }
      EXPECT_DOUBLE_EQ(attended_keys_per_frame(length, window),
                       static_cast<double>(pairs) / static_cast<double>(length))
          << length << " " << window;
    }
  }
}

// Matmul FLOPs per frame = 2 x (entries of every weight matrix, conv kernel included) plus the
// attention terms 2 x 2 x d x keys per layer.
TEST(ModelFlops, MatchWeightMatricesPlusAttention) {
  const auto weight_entries = [](const SequenceRegressor& m) {
    double n = 0;
    for (const auto& p : m->named_parameters()) {
      if (p.value().dim() >= 2) n += static_cast<double>(p.value().numel());
    }
    return n;
  };
  for (const ModelConfig& c : {transformer_config("linear"), transformer_config("conv", 5)}) {
    const double weights = weight_entries(make_model(c, kShape));
    for (int64_t length : {1, 10, 600}) {
      const double keys = attended_keys_per_frame(length, c.attention_window);
      EXPECT_DOUBLE_EQ(forward_flops_per_frame(c, kShape, length),
                       2.0 * weights + c.num_layers * 4.0 * c.d_model * keys);
    }
  }
  const ModelConfig lstm = blstm_config();
  EXPECT_DOUBLE_EQ(forward_flops_per_frame(lstm, kShape, 100),
                   2.0 * weight_entries(make_model(lstm, kShape)));
  // Attention cost grows with T only without a window.
  const ModelConfig full = transformer_config(), windowed = transformer_config("linear", 8);
  EXPECT_GT(forward_flops_per_frame(full, kShape, 4000),
            forward_flops_per_frame(full, kShape, 100));
  EXPECT_DOUBLE_EQ(
      forward_flops_per_frame(windowed, kShape, 4000),
      forward_flops_per_frame(windowed, kShape, 8000) +
          2 * 4.0 * 32 * (attended_keys_per_frame(4000, 8) - attended_keys_per_frame(8000, 8)));
}

// ---------------------------------------------------------------------------------------------
// Config validation.

std::string config_error(const ModelConfig& c, const ModelShape& shape = kShape) {
  try {
    make_model(c, shape);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfigCheck, RejectsBadSettingsNamingTheKey) {
  ModelConfig c = transformer_config();
  c.num_heads = 5;
  EXPECT_NE(config_error(c).find("model.num_heads"), std::string::npos);
  c = transformer_config("conv");
  c.conv_kernel = 4;
  EXPECT_NE(config_error(c).find("model.conv_kernel"), std::string::npos);
  EXPECT_NE(config_error(transformer_config(), ModelShape{0, 3}).find("feature"),
            std::string::npos);
  EXPECT_EQ(config_error(transformer_config()), "");
}

TEST(ModelConfigCheck, RejectsMalformedInputs) {
  SequenceRegressor model = make_model(transformer_config(), kShape);
  EXPECT_THROW(model->forward(torch::randn({2, 5, kFeatures + 1}), no_padding(2, 5)),
               std::invalid_argument);
  EXPECT_THROW(model->forward(torch::randn({2, 5, kFeatures}), torch::zeros({2, 5})),
               std::invalid_argument);
  SequenceRegressor lstm = make_model(blstm_config(), kShape);
  torch::Tensor leading = no_padding(1, 5);
  leading[0][0] = true;
  EXPECT_THROW(lstm->forward(torch::randn({1, 5, kFeatures}), leading), std::invalid_argument);
  EXPECT_THROW(lstm->forward(torch::randn({1, 5, kFeatures}), torch::ones({1, 5}, torch::kBool)),
               std::invalid_argument);
  EXPECT_THROW(lstm->forward_with_lengths(torch::randn({1, 5, kFeatures}), leading,
                                          torch::tensor({6}, torch::kLong)),
               std::invalid_argument);
  EXPECT_THROW(lstm->forward_with_lengths(torch::randn({2, 5, kFeatures}), no_padding(2, 5),
                                          torch::tensor({5}, torch::kLong)),
               std::invalid_argument);
}

// Lengths the caller already holds on the host give what the mask gives (for every model).
TEST(Model, HostLengthsGiveTheSameOutputAsTheMask) {
  for (ModelConfig config : {transformer_config(), blstm_config()}) {
    torch::manual_seed(5);
    SequenceRegressor model = make_model(config, kShape);
    model->eval();
    const torch::Tensor lengths = torch::tensor({9, 4, 7}, torch::kLong);
    torch::Tensor mask = torch::arange(9).unsqueeze(0) >= lengths.unsqueeze(1);
    const torch::Tensor x = torch::randn({3, 9, kFeatures});
    EXPECT_TRUE(
        torch::equal(model->forward(x, mask), model->forward_with_lengths(x, mask, lengths)))
        << name_of(config.kind);
  }
}

// The BLSTM packs a batch longest first in an order made on the host (LibTorch's
// enforce_sorted = false would copy its order to the device with a host wait every forward): an
// unsorted batch gives the sorted batch's outputs bit for bit, and each utterance's own.
TEST(Blstm, PacksLongestFirstInAnOrderMadeOnTheHost) {
  EXPECT_FALSE(longest_first(torch::tensor({9, 7, 7, 2}, torch::kLong)).defined());
  EXPECT_TRUE(torch::equal(longest_first(torch::tensor({4, 9, 7, 9}, torch::kLong)),
                           torch::tensor({1, 3, 2, 0}, torch::kLong)));
  torch::manual_seed(5);
  SequenceRegressor model = make_model(blstm_config(), kShape);
  model->eval();
  const torch::Tensor lengths = torch::tensor({4, 9, 7}, torch::kLong);
  const torch::Tensor sorted_order = torch::tensor({1, 2, 0}, torch::kLong);
  const torch::Tensor x = torch::randn({3, 9, kFeatures});
  auto mask_of = [](const torch::Tensor& l) {
    return torch::arange(9).unsqueeze(0) >= l.unsqueeze(1);
  };
  const torch::Tensor y = model->forward_with_lengths(x, mask_of(lengths), lengths);
  const torch::Tensor sorted_lengths = lengths.index_select(0, sorted_order);
  const torch::Tensor y_sorted = model->forward_with_lengths(
      x.index_select(0, sorted_order), mask_of(sorted_lengths), sorted_lengths);
  EXPECT_TRUE(torch::equal(y.index_select(0, sorted_order), y_sorted));
  for (int64_t b = 0; b < 3; ++b) {
    const int64_t n = lengths[b].item<int64_t>();
    const torch::Tensor alone = model->forward(x[b].slice(0, 0, n).unsqueeze(0), torch::Tensor());
    EXPECT_TRUE(torch::allclose(y[b].slice(0, 0, n), alone[0], 1e-5, 1e-6)) << "utterance " << b;
    EXPECT_TRUE(torch::equal(y[b].slice(0, n), torch::zeros({9 - n, kArticulators})));
  }
}

// ---------------------------------------------------------------------------------------------
// Weights files.

std::string load_error(SequenceRegressorImpl& model, const std::string& path) {
  try {
    load_weights(model, path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelWeights, RoundTripRestoresOutputs) {
  test::TempDir dir;
  for (const ModelConfig& config : {transformer_config("conv", 4), blstm_config()}) {
    const std::string path = dir.file(name_of(config.kind) + ".pt");
    torch::manual_seed(1);
    SequenceRegressor a = make_model(config, kShape);
    save_weights(*a, path);
    torch::manual_seed(2);
    SequenceRegressor b = make_model(config, kShape);
    SequenceRegressor c = load_model(path);
    const torch::Tensor x = torch::randn({2, 9, kFeatures});
    a->eval();
    const torch::Tensor before = b->forward(x, no_padding(2, 9));
    EXPECT_GT(max_abs_diff(before, a->forward(x, no_padding(2, 9))), 1e-4);
    load_weights(*b, path);
    b->eval();
    c->eval();
    EXPECT_TRUE(torch::equal(a->forward(x, no_padding(2, 9)), b->forward(x, no_padding(2, 9))));
    EXPECT_TRUE(torch::equal(a->forward(x, no_padding(2, 9)), c->forward(x, no_padding(2, 9))));
    EXPECT_EQ(c->config().kind, config.kind);
    EXPECT_EQ(c->config().attention_window, config.attention_window);
    EXPECT_EQ(c->shape().num_features, kFeatures);
  }
}

TEST(ModelWeights, LoadsIntoAnotherDtype) {
  test::TempDir dir;
  SequenceRegressor a = make_model(transformer_config(), kShape);
  a->to(torch::kFloat64);
  save_weights(*a, dir.file("w.pt"));
  SequenceRegressor b = make_model(transformer_config(), kShape);
  load_weights(*b, dir.file("w.pt"));
  EXPECT_TRUE(torch::equal(b->named_parameters()["head.weight"],
                           a->named_parameters()["head.weight"].to(torch::kFloat32)));
}

TEST(ModelWeights, MismatchesNameTheParameter) {
  test::TempDir dir;
  ModelConfig two = transformer_config();
  ModelConfig three = two;
  three.num_layers = 3;
  save_weights(*make_model(two, kShape), dir.file("two.pt"));
  save_weights(*make_model(three, kShape), dir.file("three.pt"));

  SequenceRegressor model3 = make_model(three, kShape);
  const std::string missing = load_error(*model3, dir.file("two.pt"));
  EXPECT_NE(missing.find("missing parameter 'layers.2.attn.qkv.weight'"), std::string::npos)
      << missing;

  SequenceRegressor model2 = make_model(two, kShape);
  const std::string unexpected = load_error(*model2, dir.file("three.pt"));
  EXPECT_NE(unexpected.find("unexpected parameter 'layers.2.ff1.bias'"), std::string::npos)
      << unexpected;

  ModelConfig wide = two;
  wide.ff_dim = 48;
  SequenceRegressor model_wide = make_model(wide, kShape);
  const std::string shape = load_error(*model_wide, dir.file("two.pt"));
  EXPECT_NE(shape.find("parameter 'layers.0.ff1.weight' has shape [64, 32] in the file but "
                       "[48, 32] in the model"),
            std::string::npos)
      << shape;

  ModelConfig heads = two;
  heads.num_heads = 2;
  SequenceRegressor model_heads = make_model(heads, kShape);
  EXPECT_NE(load_error(*model_heads, dir.file("two.pt")).find("model.num_heads"),
            std::string::npos);

  SequenceRegressor lstm = make_model(blstm_config(), kShape);
  EXPECT_NE(load_error(*lstm, dir.file("two.pt")).find("model.kind = \"transformer\""),
            std::string::npos);

  // The position scheme has no parameters of its own: the file's config must say it.
  ModelConfig rope = two;
  rope.positional = Positional::Rope;
  SequenceRegressor model_rope = make_model(rope, kShape);
  EXPECT_NE(load_error(*model_rope, dir.file("two.pt"))
                .find("holds a model.positional = \"sinusoidal\" model, this one is \"rope\""),
            std::string::npos);
  save_weights(*model_rope, dir.file("rope.pt"));
  EXPECT_EQ(load_error(*make_model(rope, kShape), dir.file("rope.pt")), "");
  ModelConfig odd = rope;
  odd.d_model = 36;  // 9 per head: rotary pairs need an even head size
  EXPECT_NE(config_error(odd).find("must be even for model.positional = \"rope\""),
            std::string::npos);
}

TEST(ModelWeights, UnreadableFilesAreUserErrors) {
  test::TempDir dir;
  SequenceRegressor model = make_model(transformer_config(), kShape);
  EXPECT_NE(load_error(*model, dir.file("absent.pt")).find("cannot open"), std::string::npos);
  std::ofstream(dir.file("junk.pt")) << "not a weights file";
  EXPECT_NE(load_error(*model, dir.file("junk.pt")).find("junk.pt"), std::string::npos);
  using c10::ivalue::Tuple;
  const c10::IValue format =
      Tuple::create(std::vector<c10::IValue>{std::string("format"), std::string("something-else")});
  const std::vector<char> bytes =
      torch::pickle_save(Tuple::create(std::vector<c10::IValue>{format}));
  std::ofstream(dir.file("other.pt"), std::ios::binary).write(bytes.data(), bytes.size());
  EXPECT_NE(load_error(*model, dir.file("other.pt")).find("something-else"), std::string::npos);
}

}  // namespace
}  // namespace artic
