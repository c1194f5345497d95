/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The caller's terminal, by a name inside.  The target keeps the
 * caller's stdin, session and controlling terminal (job control and
 * Ctrl-C work as outside), but that pty lives in the host's devpts
 * instance, not in the sandbox's own: with no node for it in the
 * sandbox's /dev, ttyname(3) fails with ENODEV and tty, ps and every
 * program that names its terminal say there is none.  So, as bubblewrap
 * does, the one device node of the terminal stdin is goes at
 * /dev/console.  Never the host's devpts instance itself: that would put
 * every pty of the host in reach.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracee.h"

static bool same_node(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && S_ISCHR(a->st_mode) &&
	       S_ISCHR(b->st_mode) && a->st_rdev == b->st_rdev;
}

static int fail(const char *what, const char *path)
{
	int err = errno;

	fprintf(stderr, "veneer: bind the terminal at /dev/console: %s %s: %s\n", what, path,
		strerror(err));
	return -err;
}

/* The terminal on stdin, as a detached mount of its node alone (read-only
 * as the other /dev nodes: it opens for writing, but no chmod or chown
 * by its path; nosuid, noexec), found by its name in our mount namespace
 * (still the caller's tree: this runs before pivot_root) and checked to
 * be the very node stdin holds.  0 when stdin is no terminal, or one
 * without a name here (the caller's own environment has none either:
 * inside it stays nameless, as there). */
static int clone_terminal(int *tree)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
	};
	char name[PATH_MAX];
	struct stat in, node;
	int fd;

	*tree = -1;
	if (!isatty(STDIN_FILENO) || ttyname_r(STDIN_FILENO, name, sizeof(name)) != 0)
		return 0;
	if (fstat(STDIN_FILENO, &in) < 0)
		return fail("fstat", "stdin");
	fd = (int)syscall(SYS_open_tree, AT_FDCWD, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return fail("clone", name);
	if (fstat(fd, &node) < 0) {
		close(fd);
		return fail("fstat", name);
	}
	if (!same_node(&in, &node)) {
		close(fd);
		return 0; /* renamed under us: no name is better than another's */
	}
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		close(fd);
		return fail("restrict", name);
	}
	*tree = fd;
	return 0;
}

int tracee_bind_terminal(const char *dev)
{
	char console[PATH_MAX];
	int tree, fd, r;

	r = clone_terminal(&tree);
	if (r < 0 || tree < 0)
		return r;
	if (snprintf(console, sizeof(console), "%s/console", dev) >= (int)sizeof(console)) {
		close(tree);
		errno = ENAMETOOLONG;
		return fail("name", dev);
	}
	fd = open(console, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = fail("create", console);
	} else {
		close(fd);
		if (syscall(SYS_move_mount, tree, "", AT_FDCWD, console, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			r = fail("attach", console);
	}
	close(tree);
	return r;
}
