#include "model/transformer.h"

#include "model/positional_encoding.h"

namespace artic {

EncoderLayerImpl::EncoderLayerImpl(int64_t d_model, int64_t num_heads, int64_t ff_dim,
                                   double dropout) {
  norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  attn_ = register_module("attn", SelfAttention(d_model, num_heads, dropout));
  norm2_ = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  ff1_ = register_module("ff1", torch::nn::Linear(d_model, ff_dim));
  ff2_ = register_module("ff2", torch::nn::Linear(ff_dim, d_model));
  dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const AttentionMask& mask) {
  torch::Tensor h = x + dropout_(attn_(norm1_(x), mask));
  return h + dropout_(ff2_(dropout_(torch::gelu(ff1_(norm2_(h))))));
}

TransformerRegressorImpl::TransformerRegressorImpl(const ModelConfig& config,
                                                   const ModelShape& shape)
    : SequenceRegressorImpl(config, shape) {
  const int64_t d = config.d_model;
  if (config.frontend == Frontend::Conv) {
    const int64_t k = config.conv_kernel;
    conv_in_ = register_module(
        "input_proj",
        torch::nn::Conv1d(torch::nn::Conv1dOptions(shape.num_features, d, k).padding(k / 2)));
  } else {
    linear_in_ = register_module("input_proj", torch::nn::Linear(shape.num_features, d));
  }
  dropout_ = register_module("dropout", torch::nn::Dropout(config.dropout));
  layers_ = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_layers; ++i) {
    layers_->push_back(EncoderLayer(d, config.num_heads, config.ff_dim, config.dropout));
  }
  final_norm_ =
      register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  head_ = register_module("head", torch::nn::Linear(d, shape.num_articulators));
}

// x has zeros at padded frames, so the conv's 'same' padding and the padded frames look alike:
// a real frame near the end sees the same zeros alone or in a padded batch.
torch::Tensor TransformerRegressorImpl::project_input(const torch::Tensor& x) {
  if (conv_in_) return conv_in_->forward(x.transpose(1, 2)).transpose(1, 2);
  return linear_in_->forward(x);
}

torch::Tensor TransformerRegressorImpl::forward(const torch::Tensor& x,
                                                const torch::Tensor& pad_mask) {
  check_inputs(x, pad_mask);
  const torch::Tensor pad = pad_mask.defined() ? pad_mask.unsqueeze(-1) : torch::Tensor();
  torch::Tensor h = embed(x, pad_mask);
  AttentionMask mask =
      make_attention_mask(pad_mask, x.size(1), config().attention_window, h.options());
  if (config().positional == Positional::Rope) {
    mask.rotary = rotary_tables(x.size(1), config().d_model / config().num_heads, h.options());
  }
  for (const auto& layer : *layers_) h = layer->as<EncoderLayer>()->forward(h, mask);
  const torch::Tensor y = head_(final_norm_(h));
  return pad.defined() ? y.masked_fill(pad, 0.0) : y;
}

// The positions are added in at least fp32: under bf16 autocast the projection comes out in
// bf16, and adding fp32 positions keeps the residual stream in fp32 (as PyTorch's modules do).
torch::Tensor TransformerRegressorImpl::embed(const torch::Tensor& x,
                                              const torch::Tensor& pad_mask) {
  torch::Tensor h =
      project_input(pad_mask.defined() ? x.masked_fill(pad_mask.unsqueeze(-1), 0.0) : x);
  const auto dtype = torch::promote_types(h.scalar_type(), torch::kFloat32);
  if (config().positional == Positional::Sinusoidal) {
    h = h + sinusoidal_positions(x.size(1), config().d_model, h.options().dtype(dtype));
  } else {
    h = h.to(dtype);
  }
  return dropout_(h);
}

}  // namespace artic
