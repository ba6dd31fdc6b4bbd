#include "model/model.h"

#include <stdexcept>
#include <string>

#include "core/error.h"
#include "model/blstm.h"
#include "model/transformer.h"

namespace artic {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw ConfigError(message);
}

std::string key_value(const char* key, int64_t value) {
  return std::string("model.") + key + " (" + std::to_string(value) + ")";
}

}  // namespace

void SequenceRegressorImpl::check_inputs(const torch::Tensor& x,
                                         const torch::Tensor& pad_mask) const {
  if (x.dim() != 3 || x.size(2) != shape_.num_features || !x.is_floating_point()) {
    throw std::invalid_argument("model input must be a float tensor [B, T, " +
                                std::to_string(shape_.num_features) + "], got " +
                                c10::str(x.sizes()));
  }
  if (!pad_mask.defined()) return;
  if (pad_mask.dim() != 2 || pad_mask.scalar_type() != torch::kBool ||
      pad_mask.size(0) != x.size(0) || pad_mask.size(1) != x.size(1)) {
    throw std::invalid_argument(
        "model pad_mask must be a bool tensor [B, T] = " + c10::str(x.sizes().slice(0, 2)) +
        ", got " + c10::str(pad_mask.sizes()));
  }
}

void validate_model_config(const ModelConfig& c, const ModelShape& shape) {
  require(shape.num_features > 0 && shape.num_articulators > 0,
          "the model needs at least one feature and one articulator channel, got " +
              std::to_string(shape.num_features) + " and " +
              std::to_string(shape.num_articulators));
  require(c.dropout >= 0.0 && c.dropout < 1.0,
          "model.dropout must be in [0, 1), got " + std::to_string(c.dropout));
  if (c.kind == ModelKind::Blstm) {
    require(c.lstm_hidden > 0, key_value("lstm_hidden", c.lstm_hidden) + " must be positive");
    require(c.lstm_layers > 0, key_value("lstm_layers", c.lstm_layers) + " must be positive");
    return;
  }
  require(c.frontend != Frontend::Conv || (c.conv_kernel > 0 && c.conv_kernel % 2 == 1),
          key_value("conv_kernel", c.conv_kernel) + " must be a positive odd number");
  require(c.d_model > 0, key_value("d_model", c.d_model) + " must be positive");
  require(c.num_layers > 0, key_value("num_layers", c.num_layers) + " must be positive");
  require(c.ff_dim > 0, key_value("ff_dim", c.ff_dim) + " must be positive");
  require(c.num_heads > 0 && c.d_model % c.num_heads == 0, key_value("d_model", c.d_model) +
                                                               " must be divisible by " +
                                                               key_value("num_heads", c.num_heads));
  require(c.positional != Positional::Rope || (c.d_model / c.num_heads) % 2 == 0,
          key_value("d_model", c.d_model) + " / " + key_value("num_heads", c.num_heads) +
              " must be even for model.positional = \"rope\" (rotary pairs)");
  require(c.attention_window >= 0,
          key_value("attention_window", c.attention_window) + " must be >= 0 (0 = full)");
}

SequenceRegressor make_model(const ModelConfig& config, const ModelShape& shape) {
  validate_model_config(config, shape);
  if (config.kind == ModelKind::Blstm) return std::make_shared<BlstmRegressorImpl>(config, shape);
  return std::make_shared<TransformerRegressorImpl>(config, shape);
}

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters(/*recurse=*/true)) n += p.numel();
  return n;
}

}  // namespace artic
