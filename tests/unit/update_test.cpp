// The device-side update (train/update) against LibTorch's own clip_grad_norm_ and AdamW: the
// same bits on CPU, step after step, with weight decay and a changing learning rate.
#include "train/update.h"

#include <gtest/gtest.h>

#include <cmath>

#include "model/model.h"
#include "train/optimizer_state.h"

namespace artic {
namespace {

SequenceRegressor small_model() {
  torch::manual_seed(3);
  ModelConfig c;
  c.d_model = 16;
  c.num_layers = 2;
  c.num_heads = 2;
  c.ff_dim = 32;
  return make_model(c, ModelShape{6, 4});
}

void set_gradients(const SequenceRegressor& m, int seed, double scale) {
  torch::manual_seed(seed);
  for (auto& p : m->parameters()) p.mutable_grad() = torch::randn_like(p) * scale;
}

void expect_same_parameters(const SequenceRegressor& a, const SequenceRegressor& b) {
  const auto pa = a->parameters(), pb = b->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "parameter " << i;
  }
}

TEST(Update, ClippingEqualsLibTorchBitForBit) {
  for (const double max_norm : {0.5, 1e9, static_cast<double>(INFINITY)}) {
    auto a = small_model(), b = small_model();
    set_gradients(a, 11, 1.0);
    set_gradients(b, 11, 1.0);
    const double expected = torch::nn::utils::clip_grad_norm_(a->parameters(), max_norm);
    const torch::Tensor norm = gradient_norm(b->parameters());
    EXPECT_EQ(norm.item<double>(), expected) << "max_norm " << max_norm;
    clip_gradients(b->parameters(), norm, max_norm);
    const auto pa = a->parameters(), pb = b->parameters();
    for (size_t i = 0; i < pa.size(); ++i) {
      EXPECT_TRUE(torch::equal(pa[i].grad(), pb[i].grad())) << "max_norm " << max_norm;
    }
    if (max_norm == 0.5) {
      EXPECT_NEAR(gradient_norm(b->parameters()).item<double>(), 0.5, 1e-5);
    }
  }
}

// No clipping (optim.grad_clip = 0 means an infinite bound) launches nothing: no gradient is
// written, so their version counters stay where they were.
TEST(Update, NoClippingTouchesNoGradient) {
  auto m = small_model();
  set_gradients(m, 11, 1.0);
  std::vector<int64_t> before;
  for (const auto& p : m->parameters()) before.push_back(p.grad()._version());
  clip_gradients(m->parameters(), gradient_norm(m->parameters()), INFINITY);
  std::vector<int64_t> after;
  for (const auto& p : m->parameters()) after.push_back(p.grad()._version());
  EXPECT_EQ(after, before);
}

TEST(Update, MultiTensorAdamWEqualsLibTorchAdamWBitForBit) {
  auto a = small_model(), b = small_model();
  const auto options = torch::optim::AdamWOptions(1e-3).betas({0.9, 0.98}).weight_decay(0.01);
  torch::optim::AdamW reference(a->parameters(), options), ours(b->parameters(), options);
  for (int step = 0; step < 6; ++step) {
    const double lr = 1e-3 * (1 + step);
    for (auto* opt : {&reference, &ours}) {
      for (auto& g : opt->param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
      }
    }
    set_gradients(a, 100 + step, 0.1);
    set_gradients(b, 100 + step, 0.1);
    reference.step();
    adamw_step(ours);
    expect_same_parameters(a, b);
  }
  const auto pa = a->parameters(), pb = b->parameters();
  for (size_t i = 0; i < pa.size(); ++i) {
    const auto& sa =
        static_cast<torch::optim::AdamWParamState&>(*optimizer_state(reference, pa[i]));
    const auto& sb = static_cast<torch::optim::AdamWParamState&>(*optimizer_state(ours, pb[i]));
    EXPECT_EQ(sa.step(), 6);
    EXPECT_EQ(sb.step(), 6);
    EXPECT_TRUE(torch::equal(sa.exp_avg(), sb.exp_avg()));
    EXPECT_TRUE(torch::equal(sa.exp_avg_sq(), sb.exp_avg_sq()));
  }
}

// A parameter without a gradient is left alone (as LibTorch's AdamW does), also by weight decay.
TEST(Update, ParametersWithoutGradientsAreNotTouched) {
  auto a = small_model(), b = small_model();
  const auto options = torch::optim::AdamWOptions(1e-2).weight_decay(0.1);
  torch::optim::AdamW reference(a->parameters(), options), ours(b->parameters(), options);
  for (int step = 0; step < 3; ++step) {
    set_gradients(a, 7 + step, 1.0);
    set_gradients(b, 7 + step, 1.0);
    a->parameters()[1].mutable_grad() = torch::Tensor();
    b->parameters()[1].mutable_grad() = torch::Tensor();
    reference.step();
    adamw_step(ours);
  }
  expect_same_parameters(a, b);
}

}  // namespace
}  // namespace artic
