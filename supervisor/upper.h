/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VENEER_UPPER_H
#define VENEER_UPPER_H

#include <stdbool.h>

#include "veneer/error.h"

/* The writable layer and its hidden state directory (VN_STATE_DIR). */
struct upper {
	char *path;       /* canonical host path */
	int fd;           /* directory fd of the upper's root */
	int lock_fd;      /* held (flock) for the life of the sandbox */
	bool throwaway;   /* made by us; removed at exit */
	bool created;     /* made by us (throwaway or missing --upper) */
	int parent_fd;    /* throwaway: its parent, held because the path may be
			   * hidden by the supervisor's own mounts at exit */
	char stale_pid[32]; /* the holder the lock named, when it died without
			     * releasing it ("" when the last holder exited) */
};

/* Create (or reuse) the upper, its state directory and take its lock. */
int upper_prepare(const char *path, struct upper *up, struct vn_error *err);
/* Drop the lock; remove a throwaway upper. */
void upper_release(struct upper *up);

#endif
