// Transformer regressor: input projection (linear, or a 'same' 1-D conv over frames that never
// sees padded frames), sinusoidal positions, pre-LayerNorm encoder layers with key-padding
// (optionally windowed) self-attention and a GELU feed-forward, final LayerNorm, linear head.
#pragma once

#include <torch/torch.h>

#include "model/attention.h"
#include "model/model.h"

namespace artic {

// x + dropout(attn(norm1(x))), then x + dropout(ff2(dropout(gelu(ff1(norm2(x)))))).
class EncoderLayerImpl : public torch::nn::Module {
 public:
  EncoderLayerImpl(int64_t d_model, int64_t num_heads, int64_t ff_dim, double dropout);
  torch::Tensor forward(const torch::Tensor& x, const AttentionMask& mask);

 private:
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  SelfAttention attn_{nullptr};
  torch::nn::Linear ff1_{nullptr}, ff2_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(EncoderLayer);

// Parameter names: input_proj.{weight,bias} (Linear [D,F] or Conv1d [D,F,K]),
// layers.<i>.{norm1,attn.qkv,attn.out,norm2,ff1,ff2}.{weight,bias}, final_norm.*, head.*.
class TransformerRegressorImpl : public SequenceRegressorImpl {
 public:
  TransformerRegressorImpl(const ModelConfig& config, const ModelShape& shape);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& pad_mask) override;
  // Input projection + positional encoding (+ dropout): the residual stream's start, in at
  // least fp32 whatever the autocast dtype.
  torch::Tensor embed(const torch::Tensor& x, const torch::Tensor& pad_mask);

 private:
  torch::Tensor project_input(const torch::Tensor& x);

  torch::nn::Linear linear_in_{nullptr};
  torch::nn::Conv1d conv_in_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::ModuleList layers_;
  torch::nn::LayerNorm final_norm_{nullptr};
  torch::nn::Linear head_{nullptr};
};

}  // namespace artic
