// Training checkpoints end to end: a model and AdamW state saved and loaded back exactly, and 64
// flipped bytes in the middle of any section (model, optimizer, progress, normalizer, config,
// meta) refused with that section named before anything is loaded.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.h"
#include "train/checkpoint.h"
#include "train/checkpoint_file.h"
#include "train/optimizer_state.h"

namespace artic {
namespace {

ModelConfig tiny_model() {
  ModelConfig c;
  c.d_model = 16;
  c.num_layers = 1;
  c.num_heads = 2;
  c.ff_dim = 32;
  c.dropout = 0;
  return c;
}

struct Trained {
  SequenceRegressor model;
  std::unique_ptr<torch::optim::AdamW> optimizer;
  CheckpointData data;
};

Trained trained(uint64_t seed) {
  torch::manual_seed(seed);
  Trained t{make_model(tiny_model(), {6, 4}), nullptr, {}};
  t.optimizer = std::make_unique<torch::optim::AdamW>(t.model->parameters(),
                                                      torch::optim::AdamWOptions(1e-2));
  const auto x = torch::randn({2, 30, 6});
  const auto mask = torch::zeros({2, 30}, torch::kBool);
  t.model->forward(x, mask).pow(2).mean().backward();
  t.optimizer->step();
  t.data.progress.step = 17;
  t.data.progress.epoch = 3;
  t.data.progress.best_val_loss = 0.25;
  t.data.normalizer.feature_names = {"f0", "f1", "f2", "f3", "f4", "f5"};
  t.data.normalizer.articulator_names = {"T1_x", "T1_y", "LL_x", "LL_y"};
  t.data.normalizer.feature_mean.assign(6, 0.5);
  t.data.normalizer.feature_std.assign(6, 2.0);
  t.data.normalizer.target_mean.assign(4, 1.5);
  t.data.normalizer.target_std.assign(4, 3.0);
  t.data.config_toml = "[run]\nname = \"x\"\n";
  return t;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Checkpoint, RestoresModelOptimizerAndProgressExactly) {
  test::TempDir dir;
  Trained a = trained(1);
  save_checkpoint(dir.file("a.pt"), *a.model, *a.optimizer, a.data);
  Trained b = trained(2);
  const CheckpointData d = load_checkpoint(dir.file("a.pt"), *b.model, b.optimizer.get());
  const auto pa = a.model->parameters(), pb = b.model->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t k = 0; k < pa.size(); ++k) EXPECT_TRUE(torch::equal(pa[k], pb[k]));
  EXPECT_EQ(d.progress.step, 17);
  EXPECT_EQ(d.progress.best_val_loss, 0.25);
  EXPECT_EQ(d.normalizer.articulator_names, a.data.normalizer.articulator_names);
  EXPECT_EQ(d.config_toml, a.data.config_toml);
  EXPECT_EQ(checkpoint_problem(dir.file("a.pt")), "");
  // The optimizer state came back too: one more identical step keeps the models identical.
  for (Trained* t : {&a, &b}) {
    torch::manual_seed(9);
    t->optimizer->zero_grad();
    t->model->forward(torch::randn({1, 10, 6}), torch::zeros({1, 10}, torch::kBool))
        .sum()
        .backward();
    t->optimizer->step();
  }
  for (size_t k = 0; k < pa.size(); ++k) EXPECT_TRUE(torch::equal(pa[k], pb[k]));
}

// Every parameter's AdamW state, as the bytes of its tensors and its step, in parameter order.
std::vector<std::string> adamw_states(const torch::optim::AdamW& optimizer,
                                      const std::vector<torch::Tensor>& params) {
  std::vector<std::string> out;
  for (const auto& p : params) {
    const auto* s =
        static_cast<const torch::optim::AdamWParamState*>(optimizer_state(optimizer, p));
    if (s == nullptr) {
      out.push_back("none");
      continue;
    }
    std::ostringstream os;
    os << s->step() << ":";
    for (const auto& t : {s->exp_avg(), s->exp_avg_sq()}) {
      const auto c = t.contiguous();
      os.write(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
    }
    out.push_back(os.str());
  }
  return out;
}

torch::serialize::InputArchive reopened(torch::serialize::OutputArchive& out) {
  std::ostringstream bytes;
  out.save_to(bytes);
  std::istringstream in(bytes.str());
  torch::serialize::InputArchive a;
  a.load_from(in);
  return a;
}

// Checkpoints written before the parameter-order layout hold LibTorch's own optimizer archive
// (keyed by address text: hexadecimal from 1.x, decimal from 2.x); they still load, by the
// parameter list that archive holds, into another optimizer whose tensors live elsewhere.
TEST(OptimizerState, LibTorchsOwnLayoutLoadsByParameterOrder) {
  Trained a = trained(1), b = trained(2);
  b.optimizer->param_groups()[0].options().set_lr(0.5);
  torch::serialize::OutputArchive legacy;
  a.optimizer->save(legacy);
  auto in = reopened(legacy);
  load_adamw_state(*b.optimizer, in);
  EXPECT_EQ(adamw_states(*b.optimizer, b.model->parameters()),
            adamw_states(*a.optimizer, a.model->parameters()));
  EXPECT_EQ(b.optimizer->param_groups()[0].options().get_lr(), 1e-2);
}

// A parameter without state (no step taken for it) stays without; another model is refused.
TEST(OptimizerState, ParameterOrderLayoutRoundTripsAndRefusesAnotherModel) {
  Trained a = trained(1), b = trained(2);
  torch::optim::AdamW partial(a.model->parameters(), torch::optim::AdamWOptions(1e-3));
  auto params = a.model->parameters();
  params[0].mutable_grad() = torch::ones_like(params[0]);
  for (size_t k = 1; k < params.size(); ++k) params[k].mutable_grad() = torch::Tensor();
  partial.step();
  torch::serialize::OutputArchive out;
  save_adamw_state(partial, out);
  auto in = reopened(out);
  load_adamw_state(*b.optimizer, in);
  const auto states = adamw_states(*b.optimizer, b.model->parameters());
  EXPECT_EQ(states, adamw_states(partial, params));
  EXPECT_NE(states[0], "none");
  EXPECT_EQ(states[1], "none");

  ModelConfig deeper = tiny_model();
  deeper.num_layers = 2;
  auto c = make_model(deeper, {6, 4});
  torch::optim::AdamW other(c->parameters(), torch::optim::AdamWOptions(1e-3));
  auto again = reopened(out);
  try {
    load_adamw_state(other, again);
    ADD_FAILURE() << "loaded the state of another model";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("parameters and the optimizer's has"), std::string::npos)
        << e.what();
  }
}

// The BLSTM's weights are copied into its existing tensors too (and re-flattened for cuDNN).
TEST(Checkpoint, BlstmWeightsCopiedIntoTheExistingTensors) {
  test::TempDir dir;
  ModelConfig c;
  c.kind = ModelKind::Blstm;
  c.lstm_hidden = 8;
  c.lstm_layers = 2;
  c.dropout = 0;
  torch::manual_seed(1);
  auto a = make_model(c, {6, 4});
  torch::optim::AdamW opt(a->parameters(), torch::optim::AdamWOptions(1e-2));
  save_checkpoint(dir.file("b.pt"), *a, opt, CheckpointData{});
  torch::manual_seed(2);
  auto b = make_model(c, {6, 4});
  std::vector<const void*> before;
  for (const auto& p : b->parameters()) before.push_back(p.unsafeGetTensorImpl());
  load_checkpoint(dir.file("b.pt"), *b, nullptr);
  const auto pa = a->parameters(), pb = b->parameters();
  for (size_t k = 0; k < pa.size(); ++k) {
    EXPECT_EQ(pb[k].unsafeGetTensorImpl(), before[k]);
    EXPECT_TRUE(torch::equal(pa[k], pb[k]));
  }
  const auto x = torch::randn({2, 12, 6});
  const auto mask = torch::zeros({2, 12}, torch::kBool);
  EXPECT_TRUE(torch::equal(a->forward(x, mask), b->forward(x, mask)));
}

// A checkpoint of another model shape is refused with the tensor named, not loaded in part.
TEST(Checkpoint, AnotherShapeIsNamed) {
  test::TempDir dir;
  Trained a = trained(1);
  save_checkpoint(dir.file("a.pt"), *a.model, *a.optimizer, a.data);
  ModelConfig wider = tiny_model();
  wider.d_model = 32;
  auto b = make_model(wider, {6, 4});
  try {
    load_checkpoint(dir.file("a.pt"), *b, nullptr);
    ADD_FAILURE() << "loaded a checkpoint of another shape";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("in the checkpoint and"), std::string::npos) << e.what();
  }
}

// Intact containers that are not artic checkpoints: refused as such, never an internal error.
TEST(Checkpoint, ForeignSectionsAreRefusedClearly) {
  test::TempDir dir;
  torch::serialize::OutputArchive other;
  other.write("x", torch::tensor(1));
  std::ostringstream bytes;
  other.save_to(bytes);
  for (const auto& [meta, why] : std::vector<std::pair<std::string, std::string>>{
           {bytes.str(), "not an artic checkpoint"}, {"garbage", "is not a LibTorch archive"}}) {
    write_checkpoint_file(dir.file("x.pt"), {{"meta", meta}});
    EXPECT_NE(checkpoint_problem(dir.file("x.pt")).find(why), std::string::npos)
        << checkpoint_problem(dir.file("x.pt"));
    Trained b = trained(2);
    EXPECT_THROW(load_checkpoint(dir.file("x.pt"), *b.model, nullptr), CheckpointDamaged);
  }
}

TEST(Checkpoint, SixtyFourFlippedBytesInAnySectionAreRefused) {
  test::TempDir dir;
  const std::string path = dir.file("a.pt");
  Trained a = trained(1);
  save_checkpoint(path, *a.model, *a.optimizer, a.data);
  const std::string good = slurp(path);
  const auto sections = checkpoint_file_sections(path);
  std::vector<std::string> names;
  for (const auto& e : sections) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"meta", "model", "optimizer", "progress", "normalizer",
                                             "config"}));
  for (const auto& e : sections) {
    std::string bad = good;
    const uint64_t n = std::min<uint64_t>(64, e.size);
    const uint64_t start = e.offset + (e.size - n) / 2;
    for (uint64_t i = start; i < start + n; ++i) bad[i] = static_cast<char>(~bad[i]);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    Trained b = trained(2);
    const auto before = b.model->parameters()[0].clone();
    try {
      load_checkpoint(path, *b.model, b.optimizer.get());
      ADD_FAILURE() << "damaged '" << e.name << "' section loaded";
    } catch (const CheckpointDamaged& err) {
      EXPECT_NE(std::string(err.what()).find("'" + e.name + "' section"), std::string::npos)
          << err.what();
    }
    EXPECT_TRUE(torch::equal(before, b.model->parameters()[0])) << "model touched: " << e.name;
    EXPECT_NE(checkpoint_problem(path), "");
    EXPECT_THROW(checkpoint_config(path), CheckpointDamaged);
  }
}

}  // namespace
}  // namespace artic
