#include "train/optimizer_state.h"

#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace artic {
namespace {

using torch::optim::AdamWOptions;
using torch::optim::AdamWParamState;
using torch::serialize::InputArchive;
using torch::serialize::OutputArchive;

template <typename Key>
Key state_key(const torch::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream os;
    os << static_cast<const void*>(p.unsafeGetTensorImpl());
    return os.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

template <typename States>
auto find_state(States& states, const torch::Tensor& p) {
  using Key = typename std::decay_t<States>::key_type;
  const auto it = states.find(state_key<Key>(p));
  return it == states.end() ? nullptr : it->second.get();
}

void set_state(torch::optim::Optimizer& optimizer, const torch::Tensor& p,
               std::unique_ptr<AdamWParamState> state) {
  auto& states = optimizer.state();
  using Key = typename std::decay_t<decltype(states)>::key_type;
  states[state_key<Key>(p)] = std::move(state);
}

void write_int(OutputArchive& a, const std::string& key, int64_t v) {
  a.write(key, c10::IValue(v));
}

int64_t read_int(InputArchive& a, const std::string& key) {
  c10::IValue v;
  a.read(key, v);
  return v.toInt();
}

void write_double(OutputArchive& a, const std::string& key, double v) {
  a.write(key, c10::IValue(v));
}

double read_double(InputArchive& a, const std::string& key) {
  c10::IValue v;
  a.read(key, v);
  return v.toDouble();
}

// A new tensor each time: reading into a defined one would overwrite its storage in place.
torch::Tensor read_tensor(InputArchive& a, const std::string& key) {
  torch::Tensor t;
  a.read(key, t, /*is_buffer=*/true);
  return t;
}

std::string group_key(size_t g) {
  return "group/" + std::to_string(g);
}
std::string param_key(size_t g, size_t i) {
  return group_key(g) + "/param/" + std::to_string(i);
}

void check_groups(const torch::optim::Optimizer& optimizer, size_t groups) {
  if (groups != optimizer.param_groups().size()) {
    throw std::runtime_error("it holds " + std::to_string(groups) +
                             " parameter groups and the optimizer has " +
                             std::to_string(optimizer.param_groups().size()));
  }
}

void check_params(size_t g, size_t saved, size_t here) {
  if (saved != here) {
    throw std::runtime_error("parameter group " + std::to_string(g) + " holds " +
                             std::to_string(saved) + " parameters and the optimizer's has " +
                             std::to_string(here));
  }
}

// The loaded state moved to its parameter's device, after its shapes are checked.
std::unique_ptr<AdamWParamState> placed(AdamWParamState s, const torch::Tensor& p,
                                        const std::string& where) {
  for (const torch::Tensor* t : {&s.exp_avg(), &s.exp_avg_sq(), &s.max_exp_avg_sq()}) {
    if (t->defined() && !t->sizes().equals(p.sizes())) {
      throw std::runtime_error(where + " has state of shape " + c10::str(t->sizes()) +
                               " for a parameter of shape " + c10::str(p.sizes()));
    }
  }
  s.exp_avg(s.exp_avg().to(p.device()));
  s.exp_avg_sq(s.exp_avg_sq().to(p.device()));
  if (s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(s.max_exp_avg_sq().to(p.device()));
  return std::make_unique<AdamWParamState>(std::move(s));
}

// LibTorch's own layout: "param_groups" lists each group's parameters by the key text under
// which "state" holds their state (the TensorImpl address, hexadecimal in 1.x, decimal in 2.x).
void load_libtorch_layout(torch::optim::Optimizer& optimizer, InputArchive& archive) {
  InputArchive groups_archive, states_archive;
  archive.read("param_groups", groups_archive);
  archive.read("state", states_archive);
  torch::Tensor size;
  groups_archive.read("param_groups/size", size);
  check_groups(optimizer, static_cast<size_t>(size.item<int64_t>()));
  optimizer.state().clear();
  for (size_t g = 0; g < optimizer.param_groups().size(); ++g) {
    auto& group = optimizer.param_groups()[g];
    InputArchive group_archive, options_archive;
    groups_archive.read("param_groups/" + std::to_string(g), group_archive);
    group_archive.read("params/size", size);
    check_params(g, static_cast<size_t>(size.item<int64_t>()), group.params().size());
    group_archive.read("options", options_archive);
    static_cast<AdamWOptions&>(group.options()).serialize(options_archive);
    for (size_t i = 0; i < group.params().size(); ++i) {
      c10::IValue key;
      group_archive.read("params/" + std::to_string(i), key);
      InputArchive state_archive;
      if (!states_archive.try_read(key.toStringRef(), state_archive)) continue;
      AdamWParamState s;
      s.serialize(state_archive);
      set_state(optimizer, group.params()[i],
                placed(std::move(s), group.params()[i], key.toStringRef()));
    }
  }
}

}  // namespace

torch::optim::OptimizerParamState* optimizer_state(torch::optim::Optimizer& optimizer,
                                                   const torch::Tensor& param) {
  return find_state(optimizer.state(), param);
}

const torch::optim::OptimizerParamState* optimizer_state(const torch::optim::Optimizer& optimizer,
                                                         const torch::Tensor& param) {
  return find_state(optimizer.state(), param);
}

void save_adamw_state(const torch::optim::Optimizer& optimizer, OutputArchive& archive) {
  write_int(archive, "layout_by_parameter_order", 1);
  const auto& groups = optimizer.param_groups();
  write_int(archive, "groups", static_cast<int64_t>(groups.size()));
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& o = static_cast<const AdamWOptions&>(groups[g].options());
    const std::string k = group_key(g);
    write_double(archive, k + "/lr", o.lr());
    write_double(archive, k + "/beta1", std::get<0>(o.betas()));
    write_double(archive, k + "/beta2", std::get<1>(o.betas()));
    write_double(archive, k + "/eps", o.eps());
    write_double(archive, k + "/weight_decay", o.weight_decay());
    write_int(archive, k + "/amsgrad", o.amsgrad() ? 1 : 0);
    write_int(archive, k + "/params", static_cast<int64_t>(groups[g].params().size()));
    for (size_t i = 0; i < groups[g].params().size(); ++i) {
      const auto* s =
          static_cast<const AdamWParamState*>(optimizer_state(optimizer, groups[g].params()[i]));
      if (s == nullptr) continue;
      const std::string p = param_key(g, i);
      write_int(archive, p + "/step", s->step());
      archive.write(p + "/exp_avg", s->exp_avg(), /*is_buffer=*/true);
      archive.write(p + "/exp_avg_sq", s->exp_avg_sq(), /*is_buffer=*/true);
      if (s->max_exp_avg_sq().defined()) {
        archive.write(p + "/max_exp_avg_sq", s->max_exp_avg_sq(), /*is_buffer=*/true);
      }
    }
  }
}

void load_adamw_state(torch::optim::Optimizer& optimizer, InputArchive& archive) {
  c10::IValue layout;
  if (!archive.try_read("layout_by_parameter_order", layout)) {
    load_libtorch_layout(optimizer, archive);
    return;
  }
  if (layout.toInt() != 1) {
    throw std::runtime_error("its optimizer layout " + std::to_string(layout.toInt()) +
                             " is newer than this build reads");
  }
  check_groups(optimizer, static_cast<size_t>(read_int(archive, "groups")));
  optimizer.state().clear();
  for (size_t g = 0; g < optimizer.param_groups().size(); ++g) {
    auto& group = optimizer.param_groups()[g];
    const std::string k = group_key(g);
    check_params(g, static_cast<size_t>(read_int(archive, k + "/params")), group.params().size());
    auto& o = static_cast<AdamWOptions&>(group.options());
    o.lr(read_double(archive, k + "/lr"));
    o.betas({read_double(archive, k + "/beta1"), read_double(archive, k + "/beta2")});
    o.eps(read_double(archive, k + "/eps"));
    o.weight_decay(read_double(archive, k + "/weight_decay"));
    o.amsgrad(read_int(archive, k + "/amsgrad") != 0);
    for (size_t i = 0; i < group.params().size(); ++i) {
      const std::string p = param_key(g, i);
      c10::IValue step;
      if (!archive.try_read(p + "/step", step)) continue;
      AdamWParamState s;
      s.step(step.toInt());
      s.exp_avg(read_tensor(archive, p + "/exp_avg"));
      s.exp_avg_sq(read_tensor(archive, p + "/exp_avg_sq"));
      torch::Tensor max_sq;
      if (archive.try_read(p + "/max_exp_avg_sq", max_sq, /*is_buffer=*/true)) {
        s.max_exp_avg_sq(max_sq);
      }
      set_state(optimizer, group.params()[i], placed(std::move(s), group.params()[i], p));
    }
  }
}

}  // namespace artic
