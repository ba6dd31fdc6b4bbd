// Process topology and host-side collectives over MPI. Works under mpirun, srun --mpi=pmix,
// and as a plain single process (world size 1). The only torch-free door to MPI.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace artic {

// Exit code of every surviving rank when a peer stopped answering within dist.timeout_s: the job
// scripts requeue it (the run resumes from its last checkpoint).
constexpr int kExitPeerLost = 76;

struct Topology {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;  // rank among the processes on this host (0: the node's leader)
  int local_size = 1;
  std::string host;
  int node = 0;  // this host's index among the job's hosts, numbered by their lowest rank
  int nodes = 1;
  std::vector<std::string> hosts;  // every rank's host, by rank
  std::vector<int> local_ranks;    // every rank's local rank, by rank
};

// "2 node(s): a ranks 0-1, b ranks 2-3" (ranks listed as ranges).
std::string describe_placement(const Topology& topology);

// Initializes MPI once (later calls return the same topology) and sets the log rank prefix.
Topology init_distributed(int* argc, char*** argv);
// Finalizes MPI if it was initialized here. Safe to call more than once.
void finalize_distributed();
const Topology& topology();

// Host names in the order of their first rank.
std::vector<std::string> hosts_in_rank_order(const std::vector<std::string>& hosts);
// "1 (nodeA), 3 (nodeB)": ranks with their hosts (hosts by rank), for messages.
std::string ranks_with_hosts(const std::vector<int>& ranks, const std::vector<std::string>& hosts);

// Prints "[rank R@host] message" to stderr and ends every rank of the job with exit_code.
[[noreturn]] void abort_job(const std::string& message, int exit_code);

// A device backend's collective that did not finish within dist.timeout_s (its watchdog aborted
// the communicator): the job ends with end_job_after_timeout, as a timed-out MPI collective does.
struct CollectiveTimeout : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Asks every rank whether it is still there (on a private communicator, for a short grace
// period), names those that do not answer, and ends the job with kExitPeerLost. `what_happened`
// starts the message ("ncclAllReduce did not finish within dist.timeout_s = 30 s").
[[noreturn]] void end_job_after_timeout(const std::string& what_happened);

// Deadline for every collective from now on (dist.timeout_s; 300 s until set). A collective
// not finished by then ends the job with kExitPeerLost, naming the ranks that do not answer.
void set_collective_timeout(double seconds);

// Host-side collectives over every rank, each under the deadline above. With one rank (or before
// init_distributed) they are the identity and need no MPI.
void host_barrier();
void host_all_reduce_sum(std::vector<double>& values);
void host_all_reduce_sum(std::vector<int64_t>& values);
int64_t host_all_reduce_max(int64_t value);
std::vector<int64_t> host_all_gather(int64_t value);
std::vector<std::string> host_all_gather(const std::string& value);
// Sends root's bytes to every rank (resizing the others' buffers).
void host_broadcast(std::string& bytes, int root);

}  // namespace artic
