/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a run makes on disk for itself alone (notify-hostroot's throwaway
 * upper and skeleton) is removed by a process of its own, so that it goes
 * even when the supervisor is killed and runs no clean-up of its own.
 */
#ifndef VENEER_JANITOR_H
#define VENEER_JANITOR_H

#include <stddef.h>
#include <sys/types.h>

#include "veneer/error.h"

#define JANITOR_MAX 2

struct janitor {
	pid_t pid;       /* 0: none started */
	int pipe_fd;     /* its end closes when the supervisor dies */
	const int *parents;        /* what it removes: the caller's storage */
	const char *const *names;
	size_t n;
};

/* Start a janitor that removes each names[i] from the directory
 * parents[i] (an fd, which it keeps) when janitor_finish asks, or as
 * soon as the supervisor is gone.  Call before any thread starts. */
int janitor_start(struct janitor *j, const int *parents, const char *const *names, size_t n,
		  struct vn_error *err);

/* Remove it all now (in this process), and let the janitor go. */
void janitor_finish(struct janitor *j);

#endif
