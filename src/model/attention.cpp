#include "model/attention.h"

#include <torch/version.h>

#include <cmath>

namespace artic {
namespace {

// exp(masked - max) underflows to exactly 0 in fp32/bf16/fp64, so hidden keys get weight 0
// and padding cannot change real outputs; a fully hidden row averages and stays finite.
double masked_value(torch::ScalarType dtype) {
  return dtype == torch::kHalf ? -3.0e4 : -1.0e30;
}

}  // namespace

torch::Tensor AttentionMask::combined(torch::ScalarType dtype) const {
  if (combined_.defined() && combined_.scalar_type() == dtype) return combined_;
  torch::Tensor bias = !key_bias.defined()      ? window_bias
                       : !window_bias.defined() ? key_bias
                                                : key_bias + window_bias;
  combined_ = bias.defined() ? bias.to(dtype) : bias;
  return combined_;
}

AttentionMask make_attention_mask(const torch::Tensor& pad_mask, int64_t length, int64_t window,
                                  const torch::TensorOptions& options) {
  const double hidden = masked_value(options.dtype().toScalarType());
  AttentionMask mask;
  if (pad_mask.defined()) {
    const int64_t batch = pad_mask.size(0);
    mask.key_bias = torch::zeros({batch, 1, 1, length}, options)
                        .masked_fill(pad_mask.view({batch, 1, 1, length}), hidden);
  }
  if (window > 0 && window < length - 1) {
    const torch::Tensor keep =
        torch::ones({length, length}, options.dtype(torch::kBool)).triu(-window).tril(window);
    mask.window_bias =
        torch::zeros({1, 1, length, length}, options).masked_fill(keep.logical_not(), hidden);
  }
  return mask;
}

SelfAttentionImpl::SelfAttentionImpl(int64_t d_model, int64_t num_heads, double dropout)
    : num_heads_(num_heads), dropout_(dropout) {
  qkv_ = register_module("qkv", torch::nn::Linear(d_model, 3 * d_model));
  out_ = register_module("out", torch::nn::Linear(d_model, d_model));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x, const AttentionMask& mask) {
  const int64_t batch = x.size(0), length = x.size(1), d_model = x.size(2);
  const int64_t head_dim = d_model / num_heads_;
  // [B,T,3D] -> [3,B,H,T,Dh]
  const torch::Tensor qkv =
      qkv_(x).view({batch, length, 3, num_heads_, head_dim}).permute({2, 0, 3, 1, 4});
  torch::Tensor q = qkv[0], k = qkv[1];
  const torch::Tensor v = qkv[2];
  if (mask.rotary.cos.defined()) {
    q = apply_rotary(q, mask.rotary);
    k = apply_rotary(k, mask.rotary);
  }
  const double p = is_training() ? dropout_ : 0.0;
#if TORCH_VERSION_MAJOR >= 2
  // "No mask" is an empty optional: LibTorch 2.6 refuses an undefined tensor.
  const torch::Tensor bias = mask.combined(q.scalar_type());
  const torch::Tensor context = bias.defined()
                                    ? at::scaled_dot_product_attention(q, k, v, bias, p, false)
                                    : at::scaled_dot_product_attention(q, k, v, {}, p, false);
#else
  // In-place adds are safe here: matmul's backward does not need its output.
  torch::Tensor scores =
      torch::matmul(q * (1.0 / std::sqrt(static_cast<double>(head_dim))), k.transpose(-2, -1));
  const torch::Tensor bias = mask.combined(scores.scalar_type());
  if (bias.defined()) scores.add_(bias);
  torch::Tensor weights = torch::softmax(scores, -1);
  if (p > 0.0) weights = torch::dropout(weights, p, /*train=*/true);
  const torch::Tensor context = torch::matmul(weights, v);
#endif
  return out_(context.transpose(1, 2).reshape({batch, length, d_model}));
}

}  // namespace artic
