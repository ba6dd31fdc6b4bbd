#include "dist/topology.h"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "core/log.h"
#include "dist/mpi_deadline.h"

namespace artic {
namespace {

Topology g_topology;
bool g_initialized_here = false;
double g_timeout_s = 300.0;
MPI_Comm g_probe_comm = MPI_COMM_NULL;  // liveness tokens after a missed deadline
constexpr int kAliveTag = 7;

// One rank (or MPI not started: a library user, a unit test): every collective is the identity.
bool alone() {
  return g_topology.world_size == 1;
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw std::runtime_error(std::string(what) + " failed: " + std::string(text, len));
  }
}

std::string hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

}  // namespace

Topology init_distributed(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    // Every collective is non-blocking (it waits against a deadline): Open MPI's default choice of
    // non-blocking all-reduce algorithm is up to 2-4x slower than the blocking one on large
    // messages; Rabenseifner's matches it (bench/scaling.sh). A value set by the user wins.
    setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3", 0);
    int provided = 0;
    check(MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
    g_initialized_here = true;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (g_probe_comm == MPI_COMM_NULL) {
    check(MPI_Comm_dup(MPI_COMM_WORLD, &g_probe_comm), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(g_probe_comm, MPI_ERRORS_RETURN);
  }
  Topology t;
  MPI_Comm_rank(MPI_COMM_WORLD, &t.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &t.world_size);
  MPI_Comm local;
  check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, t.rank, MPI_INFO_NULL, &local),
        "MPI_Comm_split_type");
  MPI_Comm_rank(local, &t.local_rank);
  MPI_Comm_size(local, &t.local_size);
  MPI_Comm_free(&local);
  t.host = hostname();
  g_topology = t;
  t.hosts = host_all_gather(t.host);
  for (int64_t l : host_all_gather(static_cast<int64_t>(t.local_rank))) {
    t.local_ranks.push_back(static_cast<int>(l));
  }
  const std::vector<std::string> seen = hosts_in_rank_order(t.hosts);
  t.nodes = static_cast<int>(seen.size());
  for (size_t r = 0; r < t.hosts.size() && t.rank == 0; ++r) {
    const auto same_host_before = std::count(t.hosts.begin(), t.hosts.begin() + r, t.hosts[r]);
    if (same_host_before != t.local_ranks[r]) {
      log_warn("rank " + std::to_string(r) + " on " + t.hosts[r] + " has local rank " +
               std::to_string(t.local_ranks[r]) +
               " in MPI's shared-memory grouping but is number " +
               std::to_string(same_host_before) +
               " on its host: two nodes share a host name, or ranks of one host are not grouped");
      break;
    }
  }
  t.node = static_cast<int>(std::find(seen.begin(), seen.end(), t.host) - seen.begin());
  g_topology = t;
  if (t.world_size > 1) set_log_rank(t.rank);
  return t;
}

std::vector<std::string> hosts_in_rank_order(const std::vector<std::string>& hosts) {
  std::vector<std::string> order;
  for (const auto& h : hosts) {
    if (std::find(order.begin(), order.end(), h) == order.end()) order.push_back(h);
  }
  return order;
}

std::string ranks_with_hosts(const std::vector<int>& ranks, const std::vector<std::string>& hosts) {
  std::string out;
  for (int r : ranks) {
    const auto i = static_cast<size_t>(r);
    out += (out.empty() ? "" : ", ") + std::to_string(r) + " (" +
           (i < hosts.size() ? hosts[i] : std::string("?")) + ")";
  }
  return out;
}

std::string describe_placement(const Topology& t) {
  std::string out = std::to_string(t.nodes) + " node(s):";
  const std::vector<std::string> order = hosts_in_rank_order(t.hosts);
  for (const auto& h : order) {
    out += (h == order.front() ? " " : ", ") + h + " rank";
    std::string ranks;
    int r = 0, n = static_cast<int>(t.hosts.size());
    while (r < n) {
      if (t.hosts[r] != h) {
        ++r;
        continue;
      }
      int end = r;
      while (end + 1 < n && t.hosts[end + 1] == h) ++end;
      ranks += (ranks.empty() ? "" : ",") + std::to_string(r) +
               (end > r ? "-" + std::to_string(end) : "");
      r = end + 1;
    }
    out += (ranks.find_first_of(",-") != std::string::npos ? "s " : " ") + ranks;
  }
  return out;
}

void finalize_distributed() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized && g_initialized_here) {
    if (g_probe_comm != MPI_COMM_NULL) MPI_Comm_free(&g_probe_comm);
    MPI_Finalize();
  }
}

const Topology& topology() {
  return g_topology;
}

void abort_job(const std::string& message, int exit_code) {
  std::fprintf(stderr, "[rank %d@%s] %s\n", g_topology.rank, g_topology.host.c_str(),
               message.c_str());
  std::fflush(stderr);
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized && g_topology.world_size > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

void set_collective_timeout(double seconds) {
  g_timeout_s = seconds;
}

// Waits for the requests, or (past dist.timeout_s) ends the job naming the ranks that are gone.
void wait_with_deadline(MPI_Request* requests, int count, const char* what) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::microseconds(static_cast<int64_t>(g_timeout_s * 1e6));
  // Spin first (Open MPI's non-blocking collectives progress only inside MPI calls, so a sleeping
  // rank would stall every round); after 200 ms the wait is long anyway: poll every 200 us.
  const auto spin_until = start + std::chrono::milliseconds(200);
  for (;;) {
    int done = 0;
    check(MPI_Testall(count, requests, &done, MPI_STATUSES_IGNORE), what);
    if (done) return;
    const auto now = Clock::now();
    if (now > deadline) break;
    if (now > spin_until) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  end_job_after_timeout(std::string(what) + " did not finish within dist.timeout_s = " +
                        std::to_string(static_cast<int64_t>(g_timeout_s)) + " s");
}

void end_job_after_timeout(const std::string& what_happened) {
  using Clock = std::chrono::steady_clock;
  // Who is still there? Every surviving rank reaches this point within about a step of the
  // others (all wait in the same collective); each sends a token to every rank and listens for
  // everyone's for a grace period, on a communicator of its own so that nothing pending matches.
  const int n = g_topology.world_size;
  const double grace = std::min(30.0, std::max(5.0, g_timeout_s / 4));
  std::vector<MPI_Request> sends(static_cast<size_t>(n), MPI_REQUEST_NULL);
  std::vector<MPI_Request> recvs(static_cast<size_t>(n), MPI_REQUEST_NULL);
  std::vector<int> tokens(static_cast<size_t>(n), 0);
  int mine = 1;
  for (int r = 0; r < n; ++r) {
    if (r == g_topology.rank) continue;
    MPI_Irecv(&tokens[r], 1, MPI_INT, r, kAliveTag, g_probe_comm, &recvs[r]);
    MPI_Isend(&mine, 1, MPI_INT, r, kAliveTag, g_probe_comm, &sends[r]);
  }
  const auto probe_end =
      Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(grace * 1e3));
  while (n > 1 && Clock::now() < probe_end) {
    int all = 0;
    MPI_Testall(n, recvs.data(), &all, MPI_STATUSES_IGNORE);
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::vector<int> quiet;
  for (int r = 0; r < n; ++r) {
    if (r != g_topology.rank && tokens[r] != 1) quiet.push_back(r);
  }
  const std::string silent = ranks_with_hosts(quiet, g_topology.hosts);
  abort_job(what_happened + "; " +
                (n == 1           ? std::string("the job has no other rank to ask")
                 : silent.empty() ? std::string("every rank still answers (one of them is stuck "
                                                "elsewhere, or the network drops large messages)")
                                  : "no answer from rank(s) " + silent +
                                        ": lost (node down, process killed), link broken or too "
                                        "slow, or stuck outside MPI") +
                "; ending the job with exit code " + std::to_string(kExitPeerLost) +
                " (the Slurm scripts requeue it; it resumes from the last checkpoint)",
            kExitPeerLost);
}

void host_barrier() {
  if (alone()) return;
  MPI_Request request;
  check(MPI_Ibarrier(MPI_COMM_WORLD, &request), "MPI_Ibarrier");
  wait_with_deadline(&request, 1, "MPI_Barrier");
}

void host_all_reduce_sum(std::vector<double>& v) {
  if (alone()) return;
  MPI_Request request;
  check(MPI_Iallreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_DOUBLE, MPI_SUM,
                       MPI_COMM_WORLD, &request),
        "MPI_Iallreduce");
  wait_with_deadline(&request, 1, "MPI_Allreduce");
}

void host_all_reduce_sum(std::vector<int64_t>& v) {
  if (alone()) return;
  MPI_Request request;
  check(MPI_Iallreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_INT64_T, MPI_SUM,
                       MPI_COMM_WORLD, &request),
        "MPI_Iallreduce");
  wait_with_deadline(&request, 1, "MPI_Allreduce");
}

int64_t host_all_reduce_max(int64_t value) {
  if (alone()) return value;
  MPI_Request request;
  check(MPI_Iallreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD, &request),
        "MPI_Iallreduce");
  wait_with_deadline(&request, 1, "MPI_Allreduce");
  return value;
}

std::vector<int64_t> host_all_gather(int64_t value) {
  if (alone()) return {value};
  std::vector<int64_t> out(static_cast<size_t>(g_topology.world_size));
  MPI_Request request;
  check(
      MPI_Iallgather(&value, 1, MPI_INT64_T, out.data(), 1, MPI_INT64_T, MPI_COMM_WORLD, &request),
      "MPI_Iallgather");
  wait_with_deadline(&request, 1, "MPI_Allgather");
  return out;
}

std::vector<std::string> host_all_gather(const std::string& value) {
  if (alone()) return {value};
  const auto sizes = host_all_gather(static_cast<int64_t>(value.size()));
  std::vector<int> counts, displs;
  int total = 0;
  for (int64_t s : sizes) {
    counts.push_back(static_cast<int>(s));
    displs.push_back(total);
    total += static_cast<int>(s);
  }
  std::string all(static_cast<size_t>(total), '\0');
  MPI_Request request;
  check(MPI_Iallgatherv(value.data(), static_cast<int>(value.size()), MPI_CHAR, all.data(),
                        counts.data(), displs.data(), MPI_CHAR, MPI_COMM_WORLD, &request),
        "MPI_Iallgatherv");
  wait_with_deadline(&request, 1, "MPI_Allgatherv");
  std::vector<std::string> out;
  for (size_t r = 0; r < sizes.size(); ++r) out.push_back(all.substr(displs[r], counts[r]));
  return out;
}

void host_broadcast(std::string& bytes, int root) {
  if (alone()) return;
  int64_t size = static_cast<int64_t>(bytes.size());
  MPI_Request request;
  check(MPI_Ibcast(&size, 1, MPI_INT64_T, root, MPI_COMM_WORLD, &request), "MPI_Ibcast");
  wait_with_deadline(&request, 1, "MPI_Bcast");
  bytes.resize(static_cast<size_t>(size));
  check(MPI_Ibcast(bytes.data(), static_cast<int>(size), MPI_CHAR, root, MPI_COMM_WORLD, &request),
        "MPI_Ibcast");
  wait_with_deadline(&request, 1, "MPI_Bcast");
}

}  // namespace artic
