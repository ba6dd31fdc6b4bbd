// Collectives run on a dedicated non-blocking CUDA stream that first waits for the device's
// current torch stream (where the gradients were produced, whatever stream guard is active).
// Started all-reduces are waited for on the device: the compute stream waits on an event, the
// host does not. A watchdog thread holds the deadline: past dist.timeout_s (or on an NCCL error)
// it aborts the communicator, which releases every kernel and host wait on it, and the next call
// on this communicator throws, so a dead peer ends in an error, never a hang. Set-up and the
// synchronous collectives still wait on the host, with the same deadline.
#include "dist/nccl_communicator.h"

#include <cuda_runtime_api.h>
#include <nccl.h>

#ifdef ARTIC_TORCH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "core/log.h"
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
    wait_comm("ncclCommInitRankConfig");
    cuda_check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    cuda_check(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming), "cudaEventCreate");
    cuda_check(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming), "cudaEventCreate");
    watchdog_ = std::thread([this] { watch(); });
  }

  ~NcclCommunicator() override {
    {
      std::lock_guard<std::mutex> lock(watch_mutex_);
      stop_watching_ = true;
    }
    watch_changed_.notify_all();
    watchdog_.join();
    if (comm_ && !aborted_) ncclCommDestroy(comm_);
    if (stream_) cudaStreamDestroy(stream_);
    if (ready_) cudaEventDestroy(ready_);
    if (done_) cudaEventDestroy(done_);
  }

  std::string name() const override { return "nccl"; }

  void all_reduce_flat(torch::Tensor& flat) override {
    begin(flat);
    launch(ncclAllReduce(flat.data_ptr(), flat.data_ptr(), static_cast<size_t>(flat.numel()),
                         nccl_type(flat.scalar_type()), ncclSum, comm_, stream_),
           "ncclAllReduce");
    finish("ncclAllReduce");
  }

  void broadcast_flat(torch::Tensor& flat, int root) override {
    begin(flat);
    launch(ncclBroadcast(flat.data_ptr(), flat.data_ptr(), static_cast<size_t>(flat.numel()),
                         nccl_type(flat.scalar_type()), root, comm_, stream_),
           "ncclBroadcast");
    finish("ncclBroadcast");
  }

  void barrier() override { host_barrier(); }

  // Enqueued on the communication stream after what the compute stream has queued so far (the
  // gradients just produced); wait_all orders the compute stream after the last one, which
  // orders after all earlier ones.
  void start_all_reduce_flat(torch::Tensor& flat) override {
    begin(flat);
    launch(ncclAllReduce(flat.data_ptr(), flat.data_ptr(), static_cast<size_t>(flat.numel()),
                         nccl_type(flat.scalar_type()), ncclSum, comm_, stream_),
           "ncclAllReduce");
    started_ = true;
  }

  void wait_all() override {
    if (!started_) return;
    started_ = false;
    raise_if_failed();
    // Later kernels on the compute stream see the reduced gradients; the host goes on.
    cuda_check(cudaStreamWaitEvent(compute_stream(), done_, 0), "cudaStreamWaitEvent");
    {
      std::lock_guard<std::mutex> lock(watch_mutex_);
      watching_ = true;
      watch_deadline_ = start_deadline();
    }
    watch_changed_.notify_all();
  }

  void raise_if_failed() override {
    if (!aborted_) return;
    std::lock_guard<std::mutex> lock(watch_mutex_);
    throw std::runtime_error(failure_);
  }

 private:
  // The watchdog: until the last waited-for collective is done, checks it every millisecond and
  // aborts the communicator past its deadline or on an asynchronous NCCL error.
  void watch() {
    cudaSetDevice(device_);  // the runtime's current device is per thread
    std::unique_lock<std::mutex> lock(watch_mutex_);
    while (!stop_watching_) {
      if (!watching_) {
        watch_changed_.wait(lock);
        continue;
      }
      const cudaError_t q = cudaEventQuery(done_);
      ncclResult_t state = ncclSuccess;
      ncclCommGetAsyncError(comm_, &state);
      if (q == cudaSuccess) {
        watching_ = false;
      } else if (q != cudaErrorNotReady || (state != ncclSuccess && state != ncclInProgress)) {
        abort_locked(std::string("ncclAllReduce failed: ") +
                     (q != cudaErrorNotReady ? cudaGetErrorString(q) : ncclGetErrorString(state)));
      } else if (std::chrono::steady_clock::now() > watch_deadline_) {
        abort_locked(timeout_message("ncclAllReduce"));
      } else {
        watch_changed_.wait_for(lock, std::chrono::milliseconds(1));
      }
    }
  }

  // Aborts the communicator once (from either thread, holding watch_mutex_).
  void abort_locked(const std::string& why) {
    if (aborted_) return;
    failure_ = why + "; the NCCL communicator was aborted";
    log_error(failure_);
    ncclCommAbort(comm_);
    aborted_ = true;
    watching_ = false;
  }

  [[noreturn]] void abort_and_throw(const std::string& why) {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    abort_locked(why);
    throw std::runtime_error(failure_);
  }

  std::string timeout_message(const char* what) const {
    return std::string(what) +
           " did not finish within dist.timeout_s = " + std::to_string(timeout_s_) +
           " s (a peer rank died or hangs)";
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

  void launch(ncclResult_t rc, const char* what) {
    if (rc != ncclSuccess && rc != ncclInProgress) nccl_check(rc, what);
    wait_comm(what);
    cuda_check(cudaEventRecord(done_, stream_), "cudaEventRecord");
  }

  void finish(const char* what) {
    const auto deadline = start_deadline();
    while (true) {
      const cudaError_t q = cudaEventQuery(done_);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) cuda_check(q, what);
      poll_or_abort(deadline, what);
    }
  }

  // Waits until the non-blocking communicator has no operation in progress.
  void wait_comm(const char* what) {
    const auto deadline = start_deadline();
    while (true) {
      ncclResult_t state = ncclSuccess;
      nccl_check(ncclCommGetAsyncError(comm_, &state), "ncclCommGetAsyncError");
      if (state == ncclSuccess) return;
      if (state != ncclInProgress) {
        abort_and_throw(std::string(what) + " failed: " + ncclGetErrorString(state));
      }
      poll_or_abort(deadline, what);
    }
  }

  std::chrono::steady_clock::time_point start_deadline() const {
    return std::chrono::steady_clock::now() +
           std::chrono::microseconds(static_cast<int64_t>(timeout_s_ * 1e6));
  }

  void poll_or_abort(std::chrono::steady_clock::time_point deadline, const char* what) {
    if (std::chrono::steady_clock::now() > deadline) abort_and_throw(timeout_message(what));
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }

  int device_;
  double timeout_s_;
  bool started_ = false;
  std::thread watchdog_;
  std::mutex watch_mutex_;  // guards the watch_* fields, stop_watching_ and failure_
  std::condition_variable watch_changed_;
  bool watching_ = false, stop_watching_ = false;
  std::chrono::steady_clock::time_point watch_deadline_;
  std::string failure_;
  std::atomic<bool> aborted_{false};
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ready_ = nullptr;
  cudaEvent_t done_ = nullptr;
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
