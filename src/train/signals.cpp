#include "train/signals.h"

#include <csignal>

namespace artic {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int sig) {
  g_signal = sig;
}

}  // namespace

void install_stop_handlers() {
  g_signal = 0;
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGUSR1, on_stop_signal);
}

bool stop_requested() {
  return g_signal != 0;
}
int stop_signal() {
  return static_cast<int>(g_signal);
}
void request_stop() {
  g_signal = SIGTERM;
}

}  // namespace artic
