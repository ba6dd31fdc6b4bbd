// All-reduce time against message size through artic's own MPI communicator (the path the
// gradients take on CPU): for each size from 4 B to 64 MiB, the median of R timed all-reduces
// after W warm-ups, every rank starting together (barrier). Rank 0 prints "bytes seconds" lines;
// bench/alpha_beta.py fits t = a + b * bytes to them (docs/scaling.md).
// --plain times MPI_Allreduce itself instead (no deadline, no communicator), for comparison.
// Usage: mpirun -np P allreduce_sweep [--max-mib 64] [--repeat 15] [--warmup 3] [--plain]
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "dist/topology.h"

int main(int argc, char** argv) {
  const artic::Topology t = artic::init_distributed(&argc, &argv);
  double max_mib = 64;
  int repeat = 15, warmup = 3;
  bool plain = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--plain") == 0) plain = true;
  }
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--max-mib") == 0) max_mib = std::stod(argv[i + 1]);
    if (std::strcmp(argv[i], "--repeat") == 0) repeat = std::stoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--warmup") == 0) warmup = std::stoi(argv[i + 1]);
  }
  auto comm = artic::make_mpi_communicator();
  if (t.rank == 0) {
    std::printf("# %d ranks on %d node(s), %s\n", t.world_size, t.nodes,
                artic::describe_placement(t).c_str());
  }
  for (int64_t n = 1; n * 4 <= static_cast<int64_t>(max_mib * 1048576); n *= 4) {
    torch::Tensor x = torch::ones({n});
    std::vector<double> times;
    for (int k = 0; k < warmup + repeat; ++k) {
      comm->barrier();
      const auto t0 = std::chrono::steady_clock::now();
      if (plain) {
        MPI_Allreduce(MPI_IN_PLACE, x.data_ptr(), static_cast<int>(n), MPI_FLOAT, MPI_SUM,
                      MPI_COMM_WORLD);
      } else {
        comm->all_reduce_flat(x);
      }
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (k >= warmup)
        times.push_back(artic::host_all_reduce_max(static_cast<int64_t>(s * 1e9)) / 1e9);
    }
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    if (t.rank == 0)
      std::printf("%lld %.9f\n", static_cast<long long>(n * 4), times[times.size() / 2]);
  }
  artic::finalize_distributed();
  return 0;
}
