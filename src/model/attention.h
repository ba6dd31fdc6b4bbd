// Multi-head self-attention with an additive mask that hides padded keys (and, with a window,
// keys farther than ±window frames). Padded query rows stay finite: masks use a large finite
// negative, never -inf. LibTorch >= 2.0 uses the fused scaled_dot_product_attention.
#pragma once

#include <torch/torch.h>

namespace artic {

// Additive attention bias, broadcastable to [B, H, T, T]: key_bias [B,1,1,T] and, when a
// window is set, window_bias [1,1,T,T] (undefined otherwise).
struct AttentionMask {
  torch::Tensor key_bias;
  torch::Tensor window_bias;
  // Both parts summed into one bias in `dtype` (what a fused kernel takes).
  torch::Tensor combined(torch::ScalarType dtype) const;
};

// pad_mask: [B,T] bool (true = pad); window 0 = full attention, else |query - key| <= window.
AttentionMask make_attention_mask(const torch::Tensor& pad_mask, int64_t window,
                                  torch::ScalarType dtype);

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
