/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the union core: vn_remove_tree, which removes throwaway
 * uppers, skeletons and the work area's trash. */
#define _GNU_SOURCE
#include "fixture.h"

static int root_fd(void)
{
	int fd = open(g_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	cr_assert_geq(fd, 0, "open %s", g_root);
	return fd;
}

static bool exists_at(int dir, const char *name)
{
	struct stat st;

	return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* A tree deeper than the fds the process may hold: removed whole, with
 * at most a few fds open (one per level left a target's deep tree). */
UT(remove, a_tree_deeper_than_the_fd_limit)
{
	struct rlimit was, low = { .rlim_cur = 32 };
	int top, dir;

	layers(1);
	top = root_fd();
	dir = dup(top);

	cr_assert_eq(mkdirat(top, "deep", 0755), 0);
	for (int i = 0; i < 1500; i++) {
		int next = openat(dir, i ? "d" : "deep", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		cr_assert_geq(next, 0, "level %d", i);
		close(dir);
		dir = next;
		cr_assert_eq(mkdirat(dir, "d", 0755), 0, "level %d", i);
		if (i % 500 == 0)
			cr_assert_geq(close(openat(dir, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644)), 0);
	}
	close(dir);
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &was), 0);
	low.rlim_max = was.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	vn_remove_tree(top, "deep");
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &was), 0);
	cr_assert(!exists_at(top, "deep"), "a deep tree was left");
	close(top);
}

/* Directories its owner made read-only are emptied all the same; a
 * symlink in the tree is removed, never followed. */
UT(remove, read_only_directories_and_links_out)
{
	char victim[PATH_MAX];
	int top;

	layers(1);
	top = root_fd();
	mkd(0, "t/a/b");
	put(0, "t/a/b/f", "x");
	put(0, "t/a/g", "y");
	mkd(0, "victim");
	put(0, "victim/keep", "k");
	lpath(victim, 0, "victim");
	lnk(0, "t/a/out", victim);
	cr_assert_eq(symlinkat(victim, top, "L0/t/b-out"), 0);
	cr_assert_eq(fchmodat(top, "L0/t/a/b", 0555, 0), 0);
	cr_assert_eq(fchmodat(top, "L0/t/a", 0555, 0), 0);
	cr_assert_eq(fchmodat(top, "L0/t", 0500, 0), 0);
	{
		int l0 = openat(top, "L0", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		cr_assert_geq(l0, 0);
		vn_remove_tree(l0, "t");
		cr_assert(!exists_at(l0, "t"), "a read-only tree was left");
		cr_assert(exists_at(l0, "victim/keep"), "a link was followed out of the tree");
		close(l0);
	}
	close(top);
}
