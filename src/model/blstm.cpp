#include "model/blstm.h"

#include "model/autocast_off.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace artic {
namespace {

// Lengths on the CPU (what packing needs); checks the mask is trailing padding only.
torch::Tensor real_lengths(const torch::Tensor& pad_mask) {
  const torch::Tensor mask = pad_mask.to(torch::kCPU);
  const torch::Tensor lengths = mask.logical_not().sum(1).to(torch::kLong);
  if (lengths.numel() > 0 && lengths.min().item<int64_t>() < 1) {
    throw std::invalid_argument("blstm: every utterance in a batch needs at least one real frame");
  }
  const torch::Tensor expected =
      torch::arange(mask.size(1), lengths.options()).unsqueeze(0) >= lengths.unsqueeze(1);
  if (!torch::equal(expected, mask)) {
    throw std::invalid_argument("blstm: pad_mask must mark trailing frames only");
  }
  return lengths;
}

// Lengths given by the caller: checked on the host only (CPU int64 [B], each in 1..T).
void check_host_lengths(const torch::Tensor& lengths, int64_t batch, int64_t length) {
  if (!lengths.defined() || lengths.device().type() != torch::kCPU ||
      lengths.scalar_type() != torch::kLong || lengths.dim() != 1 || lengths.size(0) != batch) {
    throw std::invalid_argument("blstm: host_lengths must be a CPU int64 tensor of shape [B]");
  }
  if (batch > 0 && (lengths.min().item<int64_t>() < 1 || lengths.max().item<int64_t>() > length)) {
    throw std::invalid_argument("blstm: every host length must be between 1 and T");
  }
}

// A host tensor on `device` without a host wait: a pageable copy to a GPU waits for the stream,
// a pinned non-blocking one does not.
torch::Tensor to_device_without_wait(const torch::Tensor& host, const torch::Device& device) {
  if (!device.is_cuda()) return host.to(device);
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

}  // namespace

torch::Tensor longest_first(const torch::Tensor& host_lengths) {
  const torch::Tensor lengths = host_lengths.contiguous();
  const auto n = lengths.size(0);
  const int64_t* len = lengths.data_ptr<int64_t>();
  if (std::is_sorted(len, len + n, std::greater<>())) return {};
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return len[a] > len[b]; });
  return torch::tensor(order, torch::kLong);
}

BlstmRegressorImpl::BlstmRegressorImpl(const ModelConfig& config, const ModelShape& shape)
    : SequenceRegressorImpl(config, shape) {
  const int64_t hidden = config.lstm_hidden;
  input_proj_ = register_module("input_proj", torch::nn::Linear(shape.num_features, hidden));
  lstm_ = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(hidden, hidden)
                                                      .num_layers(config.lstm_layers)
                                                      .bidirectional(true)
                                                      .batch_first(true)
                                                      .dropout(config.dropout)));
  dropout_ = register_module("dropout", torch::nn::Dropout(config.dropout));
  head_ = register_module("head", torch::nn::Linear(2 * hidden, shape.num_articulators));
}

torch::Tensor BlstmRegressorImpl::forward(const torch::Tensor& x, const torch::Tensor& pad_mask) {
  check_inputs(x, pad_mask);
  return run(x, pad_mask, pad_mask.defined() ? real_lengths(pad_mask) : torch::Tensor());
}

torch::Tensor BlstmRegressorImpl::forward_with_lengths(const torch::Tensor& x,
                                                       const torch::Tensor& pad_mask,
                                                       const torch::Tensor& host_lengths) {
  check_inputs(x, pad_mask);
  if (!pad_mask.defined()) return run(x, pad_mask, torch::Tensor());
  check_host_lengths(host_lengths, x.size(0), x.size(1));
  return run(x, pad_mask, host_lengths);
}

torch::Tensor BlstmRegressorImpl::run(const torch::Tensor& x, const torch::Tensor& pad_mask,
                                      const torch::Tensor& host_lengths) {
  const int64_t length = x.size(1);
  const torch::Tensor pad = pad_mask.defined() ? pad_mask.unsqueeze(-1) : torch::Tensor();
  torch::Tensor h = dropout_(input_proj_(pad.defined() ? x.masked_fill(pad, 0.0) : x));
  {
    // The recurrence runs in fp32 outside autocast: under bf16 autocast LibTorch either refuses
    // the LSTM or falls back to per-timestep kernels. The projections around it stay in autocast.
    const AutocastOff fp32_recurrence;
    h = h.to(torch::promote_types(h.scalar_type(), torch::kFloat32));
    // A batch without padding runs unpacked: the same numbers as no mask at all (LibTorch 2.x's
    // packed kernels round differently from the dense ones) and no packing cost.
    if (!pad.defined() ||
        (host_lengths.numel() > 0 && host_lengths.min().item<int64_t>() == length)) {
      h = std::get<0>(lstm_->forward(h));
    } else {
      // Packed longest first, sorted here on the host: LibTorch's enforce_sorted = false sorts
      // on the host too but copies the order to the device with a host wait every forward.
      namespace rnn = torch::nn::utils::rnn;
      const torch::Tensor order = longest_first(host_lengths);
      torch::Tensor index, lengths = host_lengths;
      if (order.defined()) {
        index = to_device_without_wait(order, h.device());
        h = h.index_select(0, index);
        lengths = host_lengths.index_select(0, order);
      }
      const rnn::PackedSequence packed =
          rnn::pack_padded_sequence(h, lengths, /*batch_first=*/true, /*enforce_sorted=*/true);
      const rnn::PackedSequence out = std::get<0>(lstm_->forward_with_packed_input(packed));
      h = std::get<0>(rnn::pad_packed_sequence(out, /*batch_first=*/true, 0.0, length));
      if (order.defined()) h = torch::empty_like(h).index_copy_(0, index, h);
    }
  }
  const torch::Tensor y = head_(dropout_(h));
  return pad.defined() ? y.masked_fill(pad, 0.0) : y;
}

}  // namespace artic
