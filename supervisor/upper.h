/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VENEER_UPPER_H
#define VENEER_UPPER_H

#include <stdbool.h>

#include "veneer/error.h"

/* The writable layer and its hidden state directory (VN_STATE_DIR). */
struct upper {
	char *path;       /* canonical host path (a throwaway's: what messages
			   * call it) */
	int fd;           /* directory fd of the upper's root */
	int tree;         /* throwaway: its tmpfs, a detached mount to stage
			   * (-1 once staged, and for an upper on disk) */
	int lock_fd;      /* held (flock) for the life of the sandbox */
	bool throwaway;   /* made by us, in memory; gone at exit */
	bool created;     /* made by us (throwaway or missing --upper) */
	char stale_pid[32]; /* the holder the lock named, when it died without
			     * releasing it ("" when the last holder exited) */
};

/* Create (or reuse) the upper, its state directory and take its lock.
 * Without a path, a throwaway upper: a tmpfs of the supervisor's own
 * (called inside its user and mount namespaces). */
int upper_prepare(const char *path, struct upper *up, struct vn_error *err);
/* Give the directory root (an upper being built outside a sandbox,
 * path for messages) the state directory a sandbox's upper has: its
 * work area and format version, no lock.  0, or -1 with err set. */
int upper_init_state(int root, const char *path, struct vn_error *err);
/* Drop the lock and close the upper (a throwaway one's tmpfs goes with
 * the supervisor's mount namespace). */
void upper_release(struct upper *up);

#endif
