// AdamW's per-parameter state: found by parameter in any LibTorch version, and saved in a
// checkpoint by parameter order (not by the TensorImpl address text of LibTorch's own save), so
// a checkpoint moves between LibTorch 1.x and 2.x builds in both directions.
#pragma once

#include <torch/torch.h>

namespace artic {

// A parameter's state, or null before its first step. LibTorch files it under the parameter's
// TensorImpl address: printed as text in 1.x, a pointer in 2.x.
torch::optim::OptimizerParamState* optimizer_state(torch::optim::Optimizer& optimizer,
                                                   const torch::Tensor& param);
const torch::optim::OptimizerParamState* optimizer_state(const torch::optim::Optimizer& optimizer,
                                                         const torch::Tensor& param);

// Every group's options and every parameter's state, keyed by group and parameter index.
void save_adamw_state(const torch::optim::Optimizer& optimizer,
                      torch::serialize::OutputArchive& archive);
// Replaces the state and the groups' options with the archive's, each state tensor on its
// parameter's device. Also reads LibTorch's own layout (checkpoints written before this one, by
// either version). Throws std::runtime_error when the groups, parameter counts or state shapes
// differ from the optimizer's.
void load_adamw_state(torch::optim::Optimizer& optimizer, torch::serialize::InputArchive& archive);

}  // namespace artic
