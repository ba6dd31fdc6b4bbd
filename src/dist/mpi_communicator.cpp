// MPI backend of Communicator: CPU tensors, in place. bfloat16/float16 are summed in float32
// (MPI has no 16-bit float type) and rounded back once.
#include <mpi.h>

#include <stdexcept>

#include "dist/communicator.h"

namespace artic {
namespace {

MPI_Datatype mpi_type(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32:
      return MPI_FLOAT;
    case torch::kFloat64:
      return MPI_DOUBLE;
    case torch::kInt32:
      return MPI_INT32_T;
    case torch::kInt64:
      return MPI_INT64_T;
    case torch::kUInt8:
      return MPI_UINT8_T;
    default:
      throw std::invalid_argument(std::string("MPI communicator: unsupported dtype ") +
                                  c10::toString(t));
  }
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string(what) + " failed");
}

class MpiCommunicator : public Communicator {
 public:
  std::string name() const override { return "mpi"; }

  void all_reduce_flat(torch::Tensor& flat) override {
    require_cpu_contiguous(flat);
    if (is_half(flat)) {
      torch::Tensor wide = flat.to(torch::kFloat32);
      all_reduce_flat(wide);
      flat.copy_(wide);
      return;
    }
    check(MPI_Allreduce(MPI_IN_PLACE, flat.data_ptr(), static_cast<int>(flat.numel()),
                        mpi_type(flat.scalar_type()), MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
  }

  void broadcast_flat(torch::Tensor& flat, int root) override {
    require_cpu_contiguous(flat);
    const int bytes = static_cast<int>(flat.numel() * static_cast<int64_t>(flat.element_size()));
    check(MPI_Bcast(flat.data_ptr(), bytes, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
  }

  void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

  void start_all_reduce_flat(torch::Tensor& flat) override {
    require_cpu_contiguous(flat);
    Pending op{flat, is_half(flat) ? flat.to(torch::kFloat32) : flat, MPI_REQUEST_NULL};
    check(MPI_Iallreduce(MPI_IN_PLACE, op.buffer.data_ptr(), static_cast<int>(op.buffer.numel()),
                         mpi_type(op.buffer.scalar_type()), MPI_SUM, MPI_COMM_WORLD, &op.request),
          "MPI_Iallreduce");
    pending_.push_back(std::move(op));
  }

  void wait_all() override {
    std::vector<MPI_Request> requests;
    for (auto& op : pending_) requests.push_back(op.request);
    check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
          "MPI_Waitall");
    for (auto& op : pending_) {
      if (!op.buffer.is_same(op.target)) op.target.copy_(op.buffer);
    }
    pending_.clear();
  }

 private:
  struct Pending {
    torch::Tensor target;  // the caller's tensor
    torch::Tensor buffer;  // what MPI reduces: target itself, or its float32 copy
    MPI_Request request;
  };
  std::vector<Pending> pending_;

  static bool is_half(const torch::Tensor& t) {
    return t.scalar_type() == torch::kBFloat16 || t.scalar_type() == torch::kFloat16;
  }
  static void require_cpu_contiguous(const torch::Tensor& t) {
    if (!t.device().is_cpu() || !t.is_contiguous()) {
      throw std::invalid_argument("MPI communicator needs contiguous CPU tensors");
    }
  }
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() {
  return std::make_unique<MpiCommunicator>();
}

}  // namespace artic
