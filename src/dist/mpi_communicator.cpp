// MPI backend of Communicator: CPU tensors, in place. bfloat16/float16 are summed in float32
// (MPI has no 16-bit float type) and rounded back once.
#include <mpi.h>

#include <stdexcept>

#include "dist/communicator.h"
#include "dist/mpi_deadline.h"

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
    start_all_reduce_flat(flat);
    wait_all();
  }

  void broadcast_flat(torch::Tensor& flat, int root) override {
    require_cpu_contiguous(flat);
    const int bytes = static_cast<int>(flat.numel() * static_cast<int64_t>(flat.element_size()));
    MPI_Request request;
    check(MPI_Ibcast(flat.data_ptr(), bytes, MPI_BYTE, root, MPI_COMM_WORLD, &request),
          "MPI_Ibcast");
    wait_with_deadline(&request, 1, "MPI_Bcast");
  }

  void barrier() override {
    MPI_Request request;
    check(MPI_Ibarrier(MPI_COMM_WORLD, &request), "MPI_Ibarrier");
    wait_with_deadline(&request, 1, "MPI_Barrier");
  }

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
    wait_with_deadline(requests.data(), static_cast<int>(requests.size()), "MPI_Allreduce");
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
