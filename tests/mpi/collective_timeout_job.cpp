// Test helper: a 2-rank job through cli::run_job (what every artic command runs in) in which
// rank 0's device-backend collective never finishes (a CollectiveWatch over a backend that stays
// pending, as NCCL's does when a peer is gone) while rank 1 stops answering (it sleeps, outside
// MPI). The job must end with exit 76, rank 0 naming rank 1 (tests/integration/
// collective_timeout_test.sh). Usage: collective_timeout_job TIMEOUT_S
#include <chrono>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "core/error.h"
#include "dist/collective_watch.h"
#include "dist/topology.h"

int main(int argc, char** argv) {
  const double timeout_s = argc > 1 ? std::stod(argv[1]) : 1.0;
  try {
    artic::cli::run_job([&](const artic::Topology& topo) {
      artic::set_collective_timeout(timeout_s);
      if (topo.rank != 0) {
        std::this_thread::sleep_for(std::chrono::seconds(120));
        return 3;
      }
      artic::CollectiveWatch watch(
          timeout_s, [](std::string*) { return artic::CollectiveWatch::State::Pending; }, [] {});
      watch.launch("ncclAllReduce", [] {});
      watch.wait("ncclAllReduce");
      return 4;
    });
  } catch (const artic::ExitRequest& e) {
    return e.code;
  }
  return 0;
}
