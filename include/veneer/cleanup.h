/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-bound release of fds and memory: early returns cannot leak.  The
 * supervisor runs for hours, and a leaked fd is a file held open in
 * somebody's upper. */
#ifndef VENEER_CLEANUP_H
#define VENEER_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>
#include <errno.h>

static inline void vn_close_fdp(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void vn_freep(void *p)
{
	free(*(void **)p);
}

#define cleanup_close __attribute__((cleanup(vn_close_fdp)))
#define cleanup_free __attribute__((cleanup(vn_freep)))

/* Hand an fd out of a cleanup_close scope. */
static inline int vn_steal_fd(int *fd)
{
	int out = *fd;
	*fd = -1;
	return out;
}

#endif
