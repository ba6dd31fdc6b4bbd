#include "model/flops.h"

namespace artic {

double attended_keys_per_frame(int64_t length, int64_t attention_window) {
  const double t = static_cast<double>(length);
  if (length <= 0) return 0.0;
  if (attention_window <= 0 || attention_window >= length - 1) return t;
  // Pairs with |i - j| <= w: T (2w + 1) minus the w (w + 1) / 2 missing at each end.
  const double w = static_cast<double>(attention_window);
  return (t * (2.0 * w + 1.0) - w * (w + 1.0)) / t;
}

double forward_flops_per_frame(const ModelConfig& c, const ModelShape& shape, int64_t length) {
  const double f = static_cast<double>(shape.num_features);
  const double a = static_cast<double>(shape.num_articulators);
  if (c.kind == ModelKind::Blstm) {
    const double h = static_cast<double>(c.lstm_hidden);
    double flops = 2.0 * f * h;  // input projection
    for (int64_t layer = 0; layer < c.lstm_layers; ++layer) {
      const double in = layer == 0 ? h : 2.0 * h;
      flops += 2.0 * 2.0 * 4.0 * h * (in + h);  // 2 directions x 4 gates x [W_ih x; W_hh h]
    }
    return flops + 2.0 * (2.0 * h) * a;
  }
  const double d = static_cast<double>(c.d_model);
  const double ff = static_cast<double>(c.ff_dim);
  const double kernel = c.frontend == Frontend::Conv ? static_cast<double>(c.conv_kernel) : 1.0;
  const double keys = attended_keys_per_frame(length, c.attention_window);
  const double per_layer = 2.0 * 3.0 * d * d      // q, k, v projections
                           + 2.0 * d * keys       // q k^T
                           + 2.0 * d * keys       // weights x v
                           + 2.0 * d * d          // output projection
                           + 2.0 * 2.0 * d * ff;  // feed-forward
  return 2.0 * f * kernel * d + static_cast<double>(c.num_layers) * per_layer + 2.0 * d * a;
}

int64_t quadratic_cost_frames(const ModelConfig& c) {
  if (c.kind != ModelKind::Transformer || c.attention_window != 0) return 0;
  // From forward_flops_per_frame's layer: attention 4*d*T, dense 8*d^2 + 4*d*ff; equal at 2*d + ff.
  return 2 * c.d_model + c.ff_dim;
}

}  // namespace artic
