/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ptrace assist (notify-hostroot): the calls the kernel must walk a path
 * for (execve, execveat, chdir) reach the supervisor as seccomp stops of
 * a tracer thread instead of notifications, and the tracer runs them at
 * the real path the decoders chose (redirect.c) or answers them itself.
 */
#ifndef VENEER_PTRACE_TRACER_H
#define VENEER_PTRACE_TRACER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "calls/call.h"

struct tracer;

/* Start the tracer thread and have it seize init and, through fork,
 * vfork and clone, every process init starts (killed if the tracer
 * goes).  Returns at once, the seize under way: 0, or -errno. */
int tracer_start(pid_t init, bool trap, uint64_t cookie, struct tracer **out);
/* Wait for the seize: 0, or -errno (the thread has then ended; stop
 * it with tracer_stop all the same). */
int tracer_seized(struct tracer *a);
/* From now on stops are answered with ctx's decoders (until then they
 * wait: none comes before init has its launch). */
void tracer_ready(struct tracer *a, struct call_ctx *ctx);
/* Init has exited (the tracer reaped it): true, with its wait status. */
bool tracer_init_exited(struct tracer *a, int *status);
/* Stop the tracer (what it still traces is killed) and free it. */
void tracer_stop(struct tracer *a);

#endif
