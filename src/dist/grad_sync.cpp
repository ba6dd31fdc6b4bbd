#include "dist/grad_sync.h"

#include <stdexcept>
#include <string>

#include "dist/topology.h"

namespace artic {

void broadcast_parameters(Communicator& comm, const std::vector<torch::Tensor>& tensors,
                          int64_t bucket_bytes) {
  torch::NoGradGuard no_grad;
  broadcast(comm, tensors, 0, bucket_bytes);
}

int64_t reduce_gradients(Communicator& comm, const std::vector<torch::Tensor>& params,
                         int64_t bucket_bytes, const torch::Tensor& extra) {
  std::vector<torch::Tensor> grads;
  grads.reserve(params.size() + 1);
  for (const auto& p : params) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  auto buckets = make_buckets(grads, bucket_bytes);
  if (extra.defined()) {
    grads.push_back(extra);
    const bool joins = !buckets.empty() &&
                       grads[buckets.back().front()].scalar_type() == extra.scalar_type() &&
                       grads[buckets.back().front()].device() == extra.device();
    if (joins) {
      buckets.back().push_back(grads.size() - 1);
    } else {
      buckets.push_back({grads.size() - 1});
    }
  }
  torch::NoGradGuard no_grad;
  return all_reduce_buckets(comm, grads, buckets);
}

uint64_t parameter_hash(const std::vector<torch::Tensor>& tensors) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  auto mix = [&h](const unsigned char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  for (const auto& t : tensors) {
    const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    const auto type = static_cast<int>(c.scalar_type());
    mix(reinterpret_cast<const unsigned char*>(&type), sizeof type);
    for (int64_t d : c.sizes()) mix(reinterpret_cast<const unsigned char*>(&d), sizeof d);
    mix(static_cast<const unsigned char*>(c.data_ptr()),
        static_cast<size_t>(c.numel()) * c.element_size());
  }
  return h;
}

void check_parameters_consistent(const std::vector<torch::Tensor>& tensors, int64_t step) {
  const auto hashes = host_all_gather(static_cast<int64_t>(parameter_hash(tensors)));
  std::string differ;
  for (size_t r = 1; r < hashes.size(); ++r) {
    if (hashes[r] != hashes[0]) differ += (differ.empty() ? "" : ", ") + std::to_string(r);
  }
  if (!differ.empty()) {
    throw std::runtime_error("dist.check_consistency: after step " + std::to_string(step) +
                             " the parameters of rank(s) " + differ + " differ from rank 0's");
  }
}

}  // namespace artic
