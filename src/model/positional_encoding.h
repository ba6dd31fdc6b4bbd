// Positions computed on the fly for any length (no table, no max length). Sinusoidal encoding:
// pe[t, 2i] = sin(t / 10000^(2i/d)), pe[t, 2i+1] = cos(t / 10000^(2i/d)); rotary embeddings
// (Su et al., RoFormer) in the half-split layout.
#pragma once

#include <torch/torch.h>

namespace artic {

// [T, d] in `options` (dtype, device); computed in float64 and rounded once.
torch::Tensor sinusoidal_positions(int64_t length, int64_t d_model,
                                   const torch::TensorOptions& options);

// Rotary embedding tables for head dimension `head_dim` (even): cos and sin of t * theta_i with
// theta_i = 10000^(-2i/head_dim), i < head_dim / 2, each [T, head_dim] with the half repeated.
struct RotaryTables {
  torch::Tensor cos, sin;
};
RotaryTables rotary_tables(int64_t length, int64_t head_dim, const torch::TensorOptions& options);

// x [..., T, head_dim] rotated by position: x * cos + rotate_half(x) * sin, where
// rotate_half([a, b]) = [-b, a] over the two halves of the last dimension.
torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& tables);

}  // namespace artic
