// Every collective over MPI waits against one job-wide deadline (dist.timeout_s): a rank that
// died, or a node that dropped off the network, ends the job with kExitPeerLost and a message
// naming the ranks (and hosts) that no longer answer, instead of hanging. Internal to dist/.
#pragma once

#include <mpi.h>

namespace artic {

// Waits until all `count` requests complete. Past the deadline: asks every rank whether it is
// still there (on a private communicator, for a short grace period), names those that do not
// answer, and ends the job (abort_job with kExitPeerLost).
void wait_with_deadline(MPI_Request* requests, int count, const char* what);

}  // namespace artic
