// Multi-head self-attention with an additive mask that hides padded keys (and, with a window,
// keys farther than ±window frames). Padded query rows stay finite: masks use a large finite
// negative, never -inf. LibTorch >= 2.0 uses the fused scaled_dot_product_attention.
#pragma once

#include <torch/torch.h>

#include "model/positional_encoding.h"

namespace artic {

// Additive attention bias, broadcastable to [B, H, T, T]: key_bias [B,1,1,T] when there is
// padding and window_bias [1,1,T,T] when a window is set (each undefined otherwise). Built once
// per forward pass and shared by every layer.
struct AttentionMask {
  torch::Tensor key_bias;
  torch::Tensor window_bias;
  RotaryTables rotary;  // defined with model.positional = "rope": applied to queries and keys
  // Both parts summed into one bias in `dtype` (what a fused kernel takes), computed on first use
  // and kept for the other layers; undefined when there is nothing to hide, so that a fused
  // kernel can run without a mask (flash attention).
  torch::Tensor combined(torch::ScalarType dtype) const;

 private:
  mutable torch::Tensor combined_;
};

// pad_mask: [B,T] bool (true = pad), or undefined when every frame is real; window 0 = full
// attention, else |query - key| <= window. `length` and `device` describe the batch.
AttentionMask make_attention_mask(const torch::Tensor& pad_mask, int64_t length, int64_t window,
                                  const torch::TensorOptions& options);

class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int64_t d_model, int64_t num_heads, double dropout);
  // x: [B,T,D] -> [B,T,D].
  torch::Tensor forward(const torch::Tensor& x, const AttentionMask& mask);

 private:
  int64_t num_heads_;
  double dropout_;
  torch::nn::Linear qkv_{nullptr};  // packed [q; k; v] projection, weight [3D, D]
  torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(SelfAttention);

}  // namespace artic
