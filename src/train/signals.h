// SIGTERM / SIGUSR1 (Slurm preemption, time limit) ask the trainer to stop at the next step
// boundary: it checkpoints and exits with kExitPreempted so a job script can requeue.
#pragma once

namespace artic {

constexpr int kExitPreempted = 75;  // EX_TEMPFAIL: stopped on request, resumable

// Installs the handlers; a request from an earlier training run in this process is forgotten.
void install_stop_handlers();
// True once SIGTERM or SIGUSR1 has arrived (or request_stop was called).
bool stop_requested();
int stop_signal();  // the signal number that asked, 0 if none
void request_stop();

}  // namespace artic
