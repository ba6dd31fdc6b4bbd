// Sequence regressors for frame-wise inversion: x [B,T,F] float + pad_mask [B,T] bool (true = pad)
// -> y [B,T,A]. Real frames never depend on padding; outputs at padded frames are exactly zero.
// An undefined pad_mask means every frame is real (no mask work at all: the fused attention
// kernels can run unmasked).
#pragma once

#include <torch/torch.h>

#include <memory>

#include "model/model_config.h"
#include "model/shape.h"

namespace artic {

// Base of the transformer and BLSTM regressors; remembers the config and shape it was built
// with (weights files store both).
class SequenceRegressorImpl : public torch::nn::Module {
 public:
  SequenceRegressorImpl(const ModelConfig& config, const ModelShape& shape)
      : config_(config), shape_(shape) {}
  // x: [B,T,F] floating point; pad_mask: [B,T] bool, true at padded frames, or undefined.
  // Returns [B,T,A].
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& pad_mask) = 0;
  // The same, with each row's real length already on the host ([B] int64, CPU, matching
  // pad_mask): a model that packs sequences (the BLSTM) then reads nothing back from the device.
  virtual torch::Tensor forward_with_lengths(const torch::Tensor& x, const torch::Tensor& pad_mask,
                                             const torch::Tensor& /*host_lengths*/) {
    return forward(x, pad_mask);
  }
  const ModelConfig& config() const { return config_; }
  const ModelShape& shape() const { return shape_; }

 protected:
  // Throws std::invalid_argument unless x is [B,T,F] and pad_mask is bool [B,T] or undefined.
  void check_inputs(const torch::Tensor& x, const torch::Tensor& pad_mask) const;

 private:
  ModelConfig config_;
  ModelShape shape_;
};
using SequenceRegressor = std::shared_ptr<SequenceRegressorImpl>;

// Throws ConfigError naming the offending `model.*` key (or the data shape).
void validate_model_config(const ModelConfig& config, const ModelShape& shape);
// Validates, then builds `model.kind` with freshly initialised parameters (uses torch's RNG).
SequenceRegressor make_model(const ModelConfig& config, const ModelShape& shape);
// Number of scalar parameters (trainable or not), summed over the module tree.
int64_t parameter_count(const torch::nn::Module& module);

}  // namespace artic
