/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a run makes on disk for itself alone (notify-hostroot's throwaway
 * upper and skeleton) is removed by a process of its own, so that it goes
 * even when the supervisor is killed and runs no clean-up of its own.
 */
#ifndef VENEER_JANITOR_H
#define VENEER_JANITOR_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "veneer/error.h"

#define JANITOR_MAX 2

struct janitor {
	pid_t pid;       /* 0: none started */
	int sock;        /* ours; the janitor's end sees EOF when the supervisor dies */
	int parents[JANITOR_MAX];  /* what it removes, and we at the end */
	char names[JANITOR_MAX][NAME_MAX + 1];
	size_t n;
};

/* Start the janitor, before anything it is to remove is made (a tree
 * made before it would stay if the supervisor were killed meanwhile).
 * 0, or -1 with err set. */
int janitor_start(struct janitor *j, struct vn_error *err);
/* mkdtemp(template), handed to it at once: the directory goes with the
 * supervisor, however that ends, but for a kill between the mkdir and
 * the send.  0, or -1 with err set (nothing made). */
int janitor_mkdtemp(struct janitor *j, char *template, struct vn_error *err);
/* The same for the directory at path, made by the caller (which
 * removes it itself when this fails). */
int janitor_add(struct janitor *j, const char *path, struct vn_error *err);
/* Remove it all now (in this process), and let the janitor go. */
void janitor_finish(struct janitor *j);
/* Close what janitor_start and janitor_add hold (after janitor_finish,
 * or where no janitor was started). */
void janitor_release(struct janitor *j);

#endif
