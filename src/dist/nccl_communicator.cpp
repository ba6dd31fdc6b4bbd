// Collectives run on a dedicated non-blocking CUDA stream that first waits for the device's
// current torch stream (where the gradients were produced, whatever stream guard is active).
// Started all-reduces are waited for on the device: the compute stream waits on an event, the
// host does not. Their deadline is kept by a CollectiveWatch (dist/collective_watch.h): each
// launch starts its own; past it, or on an NCCL error, the watchdog aborts the communicator
// (never while a thread is inside an NCCL call), which releases every kernel and host wait on it,
// and the next call throws (CollectiveTimeout: the job ends with exit 76 naming the ranks that no
// longer answer). Set-up and the synchronous collectives wait on the host, with the same deadline.
#include "dist/nccl_communicator.h"

#include <cuda_runtime_api.h>
#include <nccl.h>

#ifdef ARTIC_TORCH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>

#include "core/log.h"
#include "dist/collective_watch.h"
#include "dist/topology.h"

namespace artic {
namespace {

void cuda_check(cudaError_t rc, const char* what) {
  if (rc != cudaSuccess) {
    throw std::runtime_error(std::string(what) + " failed: " + cudaGetErrorString(rc));
  }
}

ncclDataType_t nccl_type(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32:
      return ncclFloat32;
    case torch::kFloat64:
      return ncclFloat64;
    case torch::kFloat16:
      return ncclFloat16;
    case torch::kBFloat16:
      return ncclBfloat16;
    case torch::kInt32:
      return ncclInt32;
    case torch::kInt64:
      return ncclInt64;
    case torch::kUInt8:
      return ncclUint8;
    default:
      throw std::invalid_argument(std::string("NCCL communicator: unsupported dtype ") +
                                  c10::toString(t));
  }
}

class NcclCommunicator : public Communicator {
 public:
  NcclCommunicator(int device, double timeout_s) : device_(device), timeout_s_(timeout_s) {
    cuda_check(cudaSetDevice(device_), "cudaSetDevice");
    const Topology& topo = topology();
    ncclUniqueId id;
    std::string bytes;
    if (topo.rank == 0) {
      nccl_check(ncclGetUniqueId(&id), "ncclGetUniqueId");
      bytes.assign(reinterpret_cast<const char*>(&id), sizeof id);
    }
    host_broadcast(bytes, 0);
    std::memcpy(&id, bytes.data(), sizeof id);
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    const ncclResult_t rc = ncclCommInitRankConfig(&comm_, topo.world_size, id, topo.rank, &config);
    if (rc != ncclSuccess && rc != ncclInProgress) nccl_check(rc, "ncclCommInitRankConfig");
    try {
      wait_comm("ncclCommInitRankConfig");
    } catch (const std::exception&) {
      ncclCommAbort(comm_);
      aborted_ = true;
      throw;
    }
    cuda_check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    cuda_check(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming), "cudaEventCreate");
    cuda_check(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming), "cudaEventCreate");
    watch_ = std::make_unique<CollectiveWatch>(
        timeout_s_, [this](std::string* why) { return poll(why); },
        [this] {
          ncclCommAbort(comm_);
          aborted_ = true;
        });
  }

  ~NcclCommunicator() override {
    watch_.reset();  // the watchdog stops before the communicator goes
    if (comm_ && !aborted_) ncclCommDestroy(comm_);
    if (stream_) cudaStreamDestroy(stream_);
    if (ready_) cudaEventDestroy(ready_);
    if (done_) cudaEventDestroy(done_);
  }

  std::string name() const override { return "nccl"; }

  void all_reduce_flat(torch::Tensor& flat) override {
    start_all_reduce_flat(flat);
    started_ = false;
    watch_->wait("ncclAllReduce");
  }

  void broadcast_flat(torch::Tensor& flat, int root) override {
    begin(flat);
    watch_->launch("ncclBroadcast", [&] {
      enqueue(ncclBroadcast(flat.data_ptr(), flat.data_ptr(), static_cast<size_t>(flat.numel()),
                            nccl_type(flat.scalar_type()), root, comm_, stream_),
              "ncclBroadcast");
    });
    watch_->wait("ncclBroadcast");
  }

  void barrier() override { host_barrier(); }

  // Enqueued on the communication stream after what the compute stream has queued so far (the
  // gradients just produced); wait_all orders the compute stream after the last one, which
  // orders after all earlier ones.
  void start_all_reduce_flat(torch::Tensor& flat) override {
    begin(flat);
    watch_->launch("ncclAllReduce", [&] {
      enqueue(ncclAllReduce(flat.data_ptr(), flat.data_ptr(), static_cast<size_t>(flat.numel()),
                            nccl_type(flat.scalar_type()), ncclSum, comm_, stream_),
              "ncclAllReduce");
    });
    started_ = true;
  }

  void wait_all() override {
    if (!started_) return;
    started_ = false;
    raise_if_failed();
    // Later kernels on the compute stream see the reduced gradients; the host goes on.
    cuda_check(cudaStreamWaitEvent(compute_stream(), done_, 0), "cudaStreamWaitEvent");
  }

  void raise_if_failed() override { watch_->raise_if_failed(); }

 private:
  // The last enqueued collective's state, for the watchdog.
  CollectiveWatch::State poll(std::string* why) {
    const cudaError_t q = cudaEventQuery(done_);
    if (q == cudaSuccess) return CollectiveWatch::State::Done;
    ncclResult_t state = ncclSuccess;
    ncclCommGetAsyncError(comm_, &state);
    if (q != cudaErrorNotReady) {
      *why = cudaGetErrorString(q);
      return CollectiveWatch::State::Failed;
    }
    if (state != ncclSuccess && state != ncclInProgress) {
      *why = ncclGetErrorString(state);
      return CollectiveWatch::State::Failed;
    }
    return CollectiveWatch::State::Pending;
  }

  void nccl_check(ncclResult_t rc, const char* what) {
    if (rc != ncclSuccess) {
      throw std::runtime_error(std::string(what) + " failed: " + ncclGetErrorString(rc));
    }
  }

  void begin(const torch::Tensor& flat) {
    raise_if_failed();
    if (!flat.is_cuda() || !flat.is_contiguous()) {
      throw std::invalid_argument("NCCL communicator needs contiguous CUDA tensors");
    }
    cuda_check(cudaEventRecord(ready_, compute_stream()), "cudaEventRecord");
    cuda_check(cudaStreamWaitEvent(stream_, ready_, 0), "cudaStreamWaitEvent");
  }

  // The stream torch queues this device's kernels on now. A LibTorch without CUDA has no CUDA
  // tensors to reduce; the legacy default stream stands in so that the backend still compiles.
  cudaStream_t compute_stream() const {
#ifdef ARTIC_TORCH_CUDA
    return c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(device_)).stream();
#else
    return cudaStreamLegacy;
#endif
  }

  // Inside CollectiveWatch::launch (the watchdog cannot abort meanwhile).
  void enqueue(ncclResult_t rc, const char* what) {
    if (rc != ncclSuccess && rc != ncclInProgress) nccl_check(rc, what);
    wait_comm(what);
    cuda_check(cudaEventRecord(done_, stream_), "cudaEventRecord");
  }

  // Waits until the non-blocking communicator has no operation in progress.
  void wait_comm(const char* what) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::microseconds(static_cast<int64_t>(timeout_s_ * 1e6));
    while (true) {
      ncclResult_t state = ncclSuccess;
      nccl_check(ncclCommGetAsyncError(comm_, &state), "ncclCommGetAsyncError");
      if (state == ncclSuccess) return;
      if (state != ncclInProgress) {
        throw std::runtime_error(std::string(what) + " failed: " + ncclGetErrorString(state));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw CollectiveTimeout(std::string(what) + " could not be queued within dist.timeout_s");
      }
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }

  int device_;
  double timeout_s_;
  bool started_ = false;
  std::atomic<bool> aborted_{false};
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ready_ = nullptr;
  cudaEvent_t done_ = nullptr;
  std::unique_ptr<CollectiveWatch> watch_;  // last: stops before the members it uses go
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(int device_index, double timeout_s) {
  int version = 0;
  if (topology().rank == 0 && ncclGetVersion(&version) == ncclSuccess) {
    log_info("NCCL " + std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100) +
             "." + std::to_string(version % 100) + " (the library loaded into this process)");
  }
  return std::make_unique<NcclCommunicator>(device_index, timeout_s);
}

}  // namespace artic
