#include <cstdio>

#include "cli/commands.h"
#include "core/error.h"

namespace artic::cli {
namespace {

[[noreturn]] void fail(const Topology& topo, const std::string& prefix, const std::string& what,
                       int code) {
  if (topo.world_size > 1) abort_job(prefix + what, code);
  finalize_distributed();
  std::fprintf(stderr, "%s%s\n", prefix.c_str(), what.c_str());
  throw ExitRequest{code};
}

}  // namespace

void run_job(const std::function<int(const Topology&)>& body) {
  const Topology topo = init_distributed(nullptr, nullptr);
  int code = 0;
  try {
    code = body(topo);
  } catch (const CollectiveTimeout& e) {
    end_job_after_timeout(e.what());
  } catch (const UserError& e) {
    fail(topo, "artic: error: ", e.what(), kExitUser);
  } catch (const std::exception& e) {
    fail(topo, "artic: internal error: ", e.what(), kExitInternal);
  }
  finalize_distributed();
  if (code != 0) throw ExitRequest{code};
}

}  // namespace artic::cli
