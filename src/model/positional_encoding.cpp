#include "model/positional_encoding.h"

#include <cmath>

namespace artic {

torch::Tensor sinusoidal_positions(int64_t length, int64_t d_model,
                                   const torch::TensorOptions& options) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(options.device());
  const torch::Tensor t = torch::arange(length, f64).unsqueeze(1);             // [T,1]
  const torch::Tensor pair = torch::floor(torch::arange(d_model, f64) / 2.0);  // i for 2i, 2i+1
  const torch::Tensor inv_freq = torch::exp(pair * (-2.0 * std::log(10000.0) / d_model));
  const torch::Tensor angle = t * inv_freq.unsqueeze(0);  // [T,d]
  const torch::Tensor even = (torch::arange(d_model, f64.dtype(torch::kLong)) % 2 == 0);
  return torch::where(even.unsqueeze(0), torch::sin(angle), torch::cos(angle)).to(options.dtype());
}

RotaryTables rotary_tables(int64_t length, int64_t head_dim, const torch::TensorOptions& options) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(options.device());
  const torch::Tensor t = torch::arange(length, f64).unsqueeze(1);
  const torch::Tensor inv_freq =
      torch::exp(torch::arange(head_dim / 2, f64) * (-2.0 * std::log(10000.0) / head_dim));
  const torch::Tensor angle = t * inv_freq.unsqueeze(0);  // [T, head_dim / 2]
  const torch::Tensor both = torch::cat({angle, angle}, 1);
  return {torch::cos(both).to(options.dtype()), torch::sin(both).to(options.dtype())};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& tables) {
  const int64_t half = x.size(-1) / 2;
  const torch::Tensor rotated =
      torch::cat({x.slice(-1, half, 2 * half).neg(), x.slice(-1, 0, half)}, -1);
  return x * tables.cos.to(x.scalar_type()) + rotated * tables.sin.to(x.scalar_type());
}

}  // namespace artic
