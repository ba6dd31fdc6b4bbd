// Sinusoidal positional encoding computed on the fly for any length (no table, no max length):
// pe[t, 2i] = sin(t / 10000^(2i/d)), pe[t, 2i+1] = cos(t / 10000^(2i/d)).
#pragma once

#include <torch/torch.h>

namespace artic {

// [T, d] in `options` (dtype, device); computed in float64 and rounded once.
torch::Tensor sinusoidal_positions(int64_t length, int64_t d_model,
                                   const torch::TensorOptions& options);

}  // namespace artic
