// The parameter update after the step's gradients are summed, without a device-to-host copy:
// the gradient norm stays a device tensor, clipping scales by it on the device, and AdamW runs
// as a few multi-tensor (foreach) kernels instead of ~10 kernels per parameter. Each equals
// LibTorch's own clip_grad_norm_ / AdamW::step bit for bit on CPU.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace artic {

// The 2-norm over every defined gradient, as a scalar tensor on their device (0 without any).
torch::Tensor gradient_norm(const std::vector<torch::Tensor>& params);
// Scales every gradient by min(1, max_norm / (norm + 1e-6)), one multi-tensor kernel on 2.x;
// max_norm = infinity (no clipping) launches nothing.
void clip_gradients(const std::vector<torch::Tensor>& params, const torch::Tensor& norm,
                    double max_norm);
// One AdamW step over the parameters with gradients. Falls back to optimizer.step() where the
// multi-tensor form does not apply (first step, amsgrad, parameters at different step counts).
void adamw_step(torch::optim::AdamW& optimizer);

}  // namespace artic
