// The [model] section (docs/model.md): which sequence regressor and its sizes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/enum_names.h"

namespace artic {

enum class ModelKind { Transformer, Blstm };
inline const std::vector<std::string>& names_of(ModelKind) {
  static const std::vector<std::string> names = {"transformer", "blstm"};
  return names;
}

enum class Frontend { Linear, Conv };  // input projection: per frame, or a 1-D conv over frames
inline const std::vector<std::string>& names_of(Frontend) {
  static const std::vector<std::string> names = {"linear", "conv"};
  return names;
}

// Where a transformer gets positions from: absolute sinusoids added to its input, rotary
// embeddings of queries and keys (relative positions: nothing ties the model to the lengths it
// was trained on), or none.
enum class Positional { Sinusoidal, Rope, None };
inline const std::vector<std::string>& names_of(Positional) {
  static const std::vector<std::string> names = {"sinusoidal", "rope", "none"};
  return names;
}

struct ModelConfig {
  ModelKind kind = ModelKind::Transformer;
  Frontend frontend = Frontend::Linear;
  int64_t conv_kernel = 5;
  int64_t d_model = 256;
  int64_t num_layers = 4;
  int64_t num_heads = 4;
  int64_t ff_dim = 1024;
  double dropout = 0.1;
  int64_t attention_window = 0;
  Positional positional = Positional::Sinusoidal;
  int64_t lstm_hidden = 256;
  int64_t lstm_layers = 3;
};

}  // namespace artic
