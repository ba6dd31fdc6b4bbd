// Weights files: a torch-pickle zip (torch::pickle_save; Python's torch.load reads it, also with
// weights_only=True) of (key, value) pairs: format, version, config, shape, state (name, tensor).
// Loading is strict: any missing, unexpected or mis-shaped tensor is a UserError naming it.
#pragma once

#include <memory>
#include <string>

#include "model/model_config.h"
#include "model/shape.h"

namespace artic {

class SequenceRegressorImpl;

inline constexpr const char* kWeightsFormat = "artic-model-weights";
inline constexpr int64_t kWeightsVersion = 1;

// Writes parameters and buffers by name (on the CPU, their own dtype) plus the model's config
// and shape; atomic (temp file + rename). Throws UserError when the file cannot be written.
void save_weights(const SequenceRegressorImpl& model, const std::string& path);
// Copies every tensor into `model` (converting dtype and device); throws UserError on an
// unreadable file, mismatching names or shapes, or a different model.num_heads.
void load_weights(SequenceRegressorImpl& model, const std::string& path);
// Builds the model the file describes (its config and shape) and loads it.
std::shared_ptr<SequenceRegressorImpl> load_model(const std::string& path);

}  // namespace artic
