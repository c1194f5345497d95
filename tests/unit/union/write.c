/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the union core: the write path (copy-up, whiteouts, opaque directories, rename, journal). */
#define _GNU_SOURCE
#include "fixture.h"
#include "union/internal.h"

static void set_mtime(int l, const char *rel, time_t when)
{
	char p[PATH_MAX];
	struct timespec t[2] = { { .tv_sec = when }, { .tv_sec = when } };

	cr_assert_eq(utimensat(AT_FDCWD, lpath(p, l, rel), t, AT_SYMLINK_NOFOLLOW), 0);
}

static bool layer_has(int l, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	return lstat(lpath(p, l, rel), &st) == 0;
}

static size_t listing_count(const char *path)
{
	struct vn_node n;
	struct vn_listing l;
	size_t count;

	cr_assert_eq(res(path, 0, &n), 0);
	cr_assert_eq(vn_readdir(&g_u, &n, &l), 0);
	count = l.count;
	vn_listing_free(&l);
	return count;
}

UT(write, copy_up_keeps_data_mode_times_xattrs_and_the_parents_times)
{
	struct vn_node n;
	struct stat lower, upper, dir;
	char p[PATH_MAX];

	layers(2);
	put(1, "d/f", "lower data\n");
	chmod(lpath(p, 1, "d/f"), 0640);
	if (setxattr(p, "user.t", "v", 1, 0) < 0)
		skip_test("no user xattrs here");
	set_mtime(1, "d/f", 1000000000);
	set_mtime(1, "d", 1100000000);
	umask(0);
	cr_assert_eq(res("/d/f", 0, &n), 0);
	cr_assert_eq(vn_copy_up(&g_u, &n, 0), 0);
	cr_assert_eq(n.layer, 0);
	lstat_layer(1, "d/f", &lower);
	lstat_layer(0, "d/f", &upper);
	cr_assert_eq(upper.st_mode, lower.st_mode);
	cr_assert_eq(upper.st_size, lower.st_size);
	cr_assert_eq(upper.st_mtim.tv_sec, 1000000000);
	lstat_layer(0, "d", &dir);
	cr_assert_eq(dir.st_mtim.tv_sec, 1100000000, "the parent's mtime changed");
	{
		char buf[8];

		cr_assert_eq(getxattr(lpath(p, 0, "d/f"), "user.t", buf, sizeof(buf)), 1);
	}
	expect_file("/d/f", 0, "/d/f", 0, "lower data\n");
}

UT(write, copy_up_keeps_holes)
{
	struct vn_node n;
	struct stat upper;
	char p[PATH_MAX];
	int fd;

	layers(2);
	mkd(1, "");
	fd = open(lpath(p, 1, "sparse"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "head", 4, 0), 4);
	cr_assert_eq(pwrite(fd, "tail", 4, 64 << 20), 4);
	close(fd);
	cr_assert_eq(res("/sparse", 0, &n), 0);
	cr_assert_eq(vn_copy_up(&g_u, &n, 0), 0);
	lstat_layer(0, "sparse", &upper);
	cr_assert_eq(upper.st_size, (64 << 20) + 4);
	cr_assert_lt(upper.st_blocks * 512, 8 << 20, "the hole was filled: %lld bytes",
		     (long long)upper.st_blocks * 512);
}

UT(write, unlink_of_a_lower_file_leaves_a_whiteout)
{
	struct vn_node n;

	layers(2);
	put(1, "d/gone", "x");
	put(1, "d/kept", "y");
	cr_assert_eq(res("/d/gone", 0, &n), 0);
	cr_assert_eq(vn_unlink(&g_u, &n), 0);
	cr_assert(layer_has(0, "d/.wh.gone"));
	cr_assert(layer_has(1, "d/gone"), "the lower changed");
	expect_err("/", "/d/gone", 0, ENOENT);
	cr_assert_eq(listing_count("/d"), 1);
}

UT(write, rmdir_then_mkdir_makes_an_opaque_directory)
{
	struct vn_node n;

	layers(2);
	put(1, "d/sub/old", "old");
	cr_assert_eq(res("/d/sub/old", 0, &n), 0);
	cr_assert_eq(vn_unlink(&g_u, &n), 0);
	cr_assert_eq(res("/d/sub", 0, &n), 0);
	cr_assert_eq(vn_rmdir(&g_u, &n), 0);
	cr_assert(layer_has(0, "d/.wh.sub"));
	cr_assert(!layer_has(0, "d/sub"), "the upper's directory (its whiteouts) stayed");
	cr_assert_eq(res("/d/sub", 0, &n), -ENOENT);
	cr_assert_eq(vn_mkdir(&g_u, &n, 0755), 0);
	cr_assert(layer_has(0, "d/sub/" VN_WH_OPAQUE));
	cr_assert(!layer_has(0, "d/.wh.sub"));
	cr_assert_eq(listing_count("/d/sub"), 0, "the old entries show through");
}

UT(write, rename_of_a_lower_directory_moves_the_whole_subtree)
{
	struct vn_node from, to;

	layers(2);
	put(1, "a/x/1", "one");
	put(1, "a/x/y/2", "two");
	put(0, "a/x/3", "three");
	cr_assert_eq(res("/a/x", 0, &from), 0);
	cr_assert_eq(res("/b", 0, &to), -ENOENT);
	cr_assert_eq(vn_rename(&g_u, &from, &to, 0), 0);
	expect_err("/", "/a/x", 0, ENOENT);
	expect_file("/b/1", 0, "/b/1", 0, "one");
	expect_file("/b/y/2", 0, "/b/y/2", 0, "two");
	expect_file("/b/3", 0, "/b/3", 0, "three");
	cr_assert(layer_has(0, "a/.wh.x"));
	cr_assert(layer_has(0, "b/" VN_WH_OPAQUE));
	cr_assert(!layer_has(0, VN_STATE_DIR "/journal"));
	cr_assert_eq(listing_count("/a"), 0);
}

UT(write, exchange_swaps_a_lower_file_and_a_lower_directory)
{
	struct vn_node a, b;

	layers(2);
	put(1, "f", "file");
	put(1, "d/inner", "inner");
	cr_assert_eq(res("/f", 0, &a), 0);
	cr_assert_eq(res("/d", 0, &b), 0);
	cr_assert_eq(vn_rename(&g_u, &a, &b, RENAME_EXCHANGE), 0);
	expect_file("/d", 0, "/d", 0, "file");
	expect_file("/f/inner", 0, "/f/inner", 0, "inner");
}

UT(write, a_directory_keeps_its_identity_when_copied_up)
{
	struct vn_node n;
	struct stat before, after;

	layers(2);
	put(1, "d/f", "x");
	cr_assert_eq(res("/d", 0, &n), 0);
	cr_assert_eq(vn_getattr(&g_u, &n, &before), 0);
	cr_assert_eq(res("/d/f", 0, &n), 0);
	cr_assert_eq(vn_chmod(&g_u, &n, 0600), 0);
	cr_assert(layer_has(0, "d/f"));
	cr_assert_eq(res("/d", 0, &n), 0);
	cr_assert_eq(vn_getattr(&g_u, &n, &after), 0);
	cr_assert_eq(before.st_ino, after.st_ino);
	cr_assert_eq(before.st_dev, after.st_dev);
}

UT(write, an_interrupted_rename_completes_at_the_next_start)
{
	struct journal j;
	struct vn_recovery rep;
	char p[PATH_MAX];

	layers(2);
	put(1, "old/f", "moved");
	cr_assert_eq(union_state_ready(&g_u), 0);
	/* what a rename left after its commit point: the copy in the work
	 * area, the journal in place, nothing applied */
	mkd(0, VN_STATE_DIR "/work/tree-1");
	put(0, VN_STATE_DIR "/work/tree-1/f", "moved");
	put(0, VN_STATE_DIR "/work/tree-1/" VN_WH_OPAQUE, "");
	put(0, VN_STATE_DIR "/work/leftover", "from a copy-up");
	journal_init(&j);
	cr_assert_eq(journal_whiteout(&j, "u/old"), 0);
	cr_assert_eq(journal_move(&j, "w/tree-1", "u/new"), 0);
	cr_assert_eq(journal_unwhiteout(&j, "u/new"), 0);
	cr_assert_eq(union_journal_write(&g_u, &j), 0);

	cr_assert_eq(vn_upper_recover(&g_u, &rep), 0);
	cr_assert_eq(rep.journals, 1);
	cr_assert_eq(rep.work_entries, 1, "the copy-up's leftover");
	expect_err("/", "/old", 0, ENOENT);
	expect_file("/new/f", 0, "/new/f", 0, "moved");
	cr_assert(!layer_has(0, VN_STATE_DIR "/journal"));
	/* applying again changes nothing */
	cr_assert_eq(vn_upper_recover(&g_u, &rep), 0);
	cr_assert_eq(rep.journals, 0);
	expect_file("/new/f", 0, "/new/f", 0, "moved");
	cr_assert(!layer_has(1, "new"), "the lower changed: %s", lpath(p, 1, "new"));
}
