// GoogleTest main for tests run under `mpirun -np N`: every rank runs every test (tests call
// collectives in the same order), and the job fails if any rank fails.
#include <gtest/gtest.h>

#include "dist/topology.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  artic::init_distributed(&argc, &argv);
  int rc = RUN_ALL_TESTS();
  rc = static_cast<int>(artic::host_all_reduce_max(rc));
  artic::finalize_distributed();
  return rc;
}
