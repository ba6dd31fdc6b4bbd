#include "train/update.h"

#include <torch/version.h>

#include <cmath>

#include "train/optimizer_state.h"

namespace artic {
namespace {

std::vector<torch::Tensor> with_gradients(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) {
    if (p.grad().defined()) out.push_back(p);
  }
  return out;
}

torch::optim::AdamWParamState* adamw_state(torch::optim::AdamW& optimizer, const torch::Tensor& p) {
  return static_cast<torch::optim::AdamWParamState*>(optimizer_state(optimizer, p));
}

}  // namespace

torch::Tensor gradient_norm(const std::vector<torch::Tensor>& params) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : with_gradients(params)) grads.push_back(p.grad());
  if (grads.empty()) return torch::zeros({});
  const std::vector<torch::Tensor> norms = at::_foreach_norm(grads, 2);
  return norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);
}

void clip_gradients(const std::vector<torch::Tensor>& params, const torch::Tensor& norm,
                    double max_norm) {
  if (!std::isfinite(max_norm)) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor coef = torch::clamp_max(max_norm / (norm + 1e-6), 1.0);
  std::vector<torch::Tensor> grads;
  for (const auto& p : with_gradients(params)) grads.push_back(p.grad());
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
  at::_foreach_mul_(grads, coef);
#else
  for (auto& g : grads) g.mul_(coef);  // 1.x has no foreach multiply by a tensor
#endif
}

void adamw_step(torch::optim::AdamW& optimizer) {
  torch::NoGradGuard no_grad;
  struct Group {
    std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs;
    std::vector<torch::optim::AdamWParamState*> states;
  };
  std::vector<Group> groups;
  for (auto& group : optimizer.param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    if (options.amsgrad()) {
      optimizer.step();
      return;
    }
    Group g;
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      torch::optim::AdamWParamState* state = adamw_state(optimizer, p);
      if (state == nullptr || (!g.states.empty() && state->step() != g.states[0]->step())) {
        optimizer.step();
        return;
      }
      g.params.push_back(p);
      g.grads.push_back(p.grad());
      g.exp_avgs.push_back(state->exp_avg());
      g.exp_avg_sqs.push_back(state->exp_avg_sq());
      g.states.push_back(state);
    }
    groups.push_back(std::move(g));
  }
  size_t k = 0;
  for (auto& group : optimizer.param_groups()) {
    Group& g = groups[k++];
    if (g.params.empty()) continue;
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    const double lr = options.lr();
    const auto [beta1, beta2] = options.betas();
    if (options.weight_decay() != 0) at::_foreach_mul_(g.params, 1 - lr * options.weight_decay());
    const int64_t step = g.states[0]->step() + 1;
    for (auto* state : g.states) state->step(step);
    const double bias_correction1 = 1 - std::pow(beta1, step);
    const double bias_correction2 = 1 - std::pow(beta2, step);
    at::_foreach_mul_(g.exp_avgs, beta1);
    at::_foreach_add_(g.exp_avgs, g.grads, 1 - beta1);
    at::_foreach_mul_(g.exp_avg_sqs, beta2);
    at::_foreach_addcmul_(g.exp_avg_sqs, g.grads, g.grads, 1 - beta2);
    std::vector<torch::Tensor> denom = at::_foreach_sqrt(g.exp_avg_sqs);
    at::_foreach_div_(denom, std::sqrt(bias_correction2));
    at::_foreach_add_(denom, options.eps());
    at::_foreach_addcdiv_(g.params, g.exp_avgs, denom, -lr / bias_correction1);
  }
}

}  // namespace artic
