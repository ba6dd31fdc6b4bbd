// Forward matmul FLOPs per frame (2 per multiply-add; no norms, activations or softmax) for an
// utterance of T frames, for MFU and logging. Forward + backward is about 3x this.
#pragma once

#include <cstdint>

#include "core/config.h"
#include "model/shape.h"

namespace artic {

// Mean number of keys a query attends to in an utterance of T frames (T, or the ±window band).
double attended_keys_per_frame(int64_t length, int64_t attention_window);
double forward_flops_per_frame(const ModelConfig& config, const ModelShape& shape, int64_t length);

}  // namespace artic
