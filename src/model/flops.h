// Forward matmul FLOPs per frame (2 per multiply-add; no norms, activations or softmax) for an
// utterance of T frames, for MFU and logging. Forward + backward is about 3x this.
#pragma once

#include <cstdint>

#include "model/model_config.h"
#include "model/shape.h"

namespace artic {

// Mean number of keys a query attends to in an utterance of T frames (T, or the ±window band).
double attended_keys_per_frame(int64_t length, int64_t attention_window);
double forward_flops_per_frame(const ModelConfig& config, const ModelShape& shape, int64_t length);

// The batch cost model the sampler pairs training batches by (data/sampler.h BatchCost:
// items * T * (1 + T / q)): q is the length at which a layer's attention costs as much as its
// dense layers; 0 when the compute grows linearly with T (BLSTM, windowed attention).
int64_t quadratic_cost_frames(const ModelConfig& config);

}  // namespace artic
