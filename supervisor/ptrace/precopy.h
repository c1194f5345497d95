/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Long copy-ups off the tracer thread: the one thread that answers every
 * process's stops must not spend a copy-up's data copy (~100 ms for a
 * 400 MB file) on one of them.  A call whose copy-up asked for its data
 * first (calls_dispatch, vn_precopy_make) is left stopped, its copy made
 * here by a worker, and the tracer dispatches it again once the copy is
 * made; the other tracees' stops go on meanwhile.
 */
#ifndef VENEER_PTRACE_PRECOPY_H
#define VENEER_PTRACE_PRECOPY_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "veneer/union.h"

/* A stopped call waiting for its copy: which stop to dispatch again. */
struct precopy_job {
	pid_t tid;
	bool trap;               /* a SIGSYS stop (nested mode) of call nr */
	int nr;
	struct vn_precopy pc;
	bool started;            /* a worker has it */
	bool made;               /* pc made (or its making failed: pc.fd -1) */
	bool gone;               /* the tracee died meanwhile: nothing to answer */
	struct precopy_job *next;
};

struct precopy_pool;

/* A pool whose workers copy from u and, when a copy is made, wake
 * `waker` with signal `sig`.  NULL: out of memory. */
struct precopy_pool *precopy_pool_new(struct vn_union *u, pthread_t waker, int sig);
/* Queue the copy for tid's stop (a worker is started when none is idle,
 * up to a few): 0, or -errno (nothing queued). */
int precopy_submit(struct precopy_pool *p, pid_t tid, bool trap, int nr,
		   const struct vn_precopy *pc);
/* Whether a job is queued, being made, or made and not yet taken. */
bool precopy_pending(const struct precopy_pool *p);
/* A job made, off the pool (the caller frees it): NULL when none is. */
struct precopy_job *precopy_take_made(struct precopy_pool *p);
/* tid is gone (exited, or replaced by an exec): its job is marked so. */
void precopy_forget(struct precopy_pool *p, pid_t tid);
/* No worker signals the waker from now on (before it is joined: a
 * signal to a thread joined is undefined). */
void precopy_quiet(struct precopy_pool *p);
/* Join the workers (a copy under way is finished first) and drop every
 * job. */
void precopy_pool_free(struct precopy_pool *p);

#endif
