/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ptrace assist (notify-hostroot): the calls the kernel must walk a path
 * for (execve, execveat, chdir) reach the supervisor as seccomp stops of
 * a tracer thread instead of notifications, and the tracer runs them at
 * the real path the decoders chose (redirect.c) or answers them itself.
 */
#ifndef VENEER_PTRACE_ASSIST_H
#define VENEER_PTRACE_ASSIST_H

#include <stdbool.h>
#include <sys/types.h>

#include "calls/call.h"

struct assist;

/* Start the tracer thread and have it seize init and, through fork,
 * vfork and clone, every process init starts (killed if the tracer
 * goes).  Returns once init is seized: 0, or -errno. */
int assist_start(pid_t init, struct assist **out);
/* From now on stops are answered with ctx's decoders (until then they
 * wait: none comes before init has its launch). */
void assist_ready(struct assist *a, struct call_ctx *ctx);
/* Init has exited (the tracer reaped it): true, with its wait status. */
bool assist_init_exited(struct assist *a, int *status);
/* Stop the tracer (what it still traces is killed) and free it. */
void assist_stop(struct assist *a);

#endif
