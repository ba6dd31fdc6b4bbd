// Test helper: every rank writes its pid to DIR/rank<R>.pid, then all-reduces in a loop for
// at most SECONDS. Used to check that killing one rank ends the whole job.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "dist/communicator.h"
#include "dist/topology.h"

int main(int argc, char** argv) {
  const artic::Topology t = artic::init_distributed(&argc, &argv);
  if (argc < 3) return 2;
  const std::string dir = argv[1];
  const double seconds = std::stod(argv[2]);
  std::ofstream(dir + "/rank" + std::to_string(t.rank) + ".pid") << getpid() << "\n";
  auto comm = artic::make_mpi_communicator();
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  torch::Tensor x = torch::ones({1024});
  try {
    while (std::chrono::steady_clock::now() < end) {
      comm->all_reduce_flat(x);
      x.fill_(1.0);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  } catch (const std::exception& e) {
    artic::abort_job(std::string("all-reduce failed: ") + e.what(), 1);
  }
  artic::finalize_distributed();
  return 0;
}
