// BLSTM baseline: input Linear (F -> lstm_hidden), `lstm_layers` bidirectional LSTM layers of
// `lstm_hidden` units per direction run on packed sequences (exact under padding), Linear head.
// Padding must be trailing (as collate makes it) and every utterance needs one real frame.
#pragma once

#include <torch/torch.h>

#include "model/model.h"

namespace artic {

// Parameter names: input_proj.*, lstm.{weight,bias}_{ih,hh}_l<k>[_reverse] (torch.nn.LSTM's
// names and layout), head.*.
class BlstmRegressorImpl : public SequenceRegressorImpl {
 public:
  BlstmRegressorImpl(const ModelConfig& config, const ModelShape& shape);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& pad_mask) override;
  torch::Tensor forward_with_lengths(const torch::Tensor& x, const torch::Tensor& pad_mask,
                                     const torch::Tensor& host_lengths) override;

 private:
  torch::Tensor run(const torch::Tensor& x, const torch::Tensor& pad_mask,
                    const torch::Tensor& host_lengths);

  torch::nn::Linear input_proj_{nullptr};
  torch::nn::LSTM lstm_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear head_{nullptr};
};

// The order that sorts a batch longest first (stable), or undefined when it is already sorted.
// host_lengths: CPU int64 [B].
torch::Tensor longest_first(const torch::Tensor& host_lengths);

}  // namespace artic
