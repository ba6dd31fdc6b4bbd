// NCCL backend of Communicator (CUDA tensors). Built only when CUDA and NCCL are found.
#pragma once

#include <memory>

#include "dist/communicator.h"

namespace artic {

// Creates the NCCL communicator of all ranks on `device_index` (unique id sent over MPI).
// Every operation polls a non-blocking communicator and aborts it after timeout_s seconds.
std::unique_ptr<Communicator> make_nccl_communicator(int device_index, double timeout_s);

}  // namespace artic
