/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the union core: nlink. */
#define _GNU_SOURCE
#include "fixture.h"

UT(nlink, merged_dir_counts_merged_subdirs)
{
	layers(3);
	mkd(0, "d/s1");
	mkd(1, "d/s1");
	mkd(1, "d/s2");
	mkd(2, "d/s3");
	mkd(2, "d/s2");
	put(0, "d/file", "");
	put(2, "d/file2", "");
	lnk(1, "d/linktodir", "s1");
	cr_assert_eq(presented_nlink("/d"), 2 + 3);
}

UT(nlink, whiteouts_hide_subdirs)
{
	layers(3);
	mkd(0, "d/s1");
	mkd(1, "d/s2");
	mkd(1, "d/s3");
	mkd(2, "d/s4");
	mkd(2, "d/s5");
	mkd(1, "d/s6");
	wh_oci(0, "d/s2");        /* OCI whiteout in the upper */
	wh_oci(1, "d/s4");        /* OCI whiteout in a middle lower */
	put(0, "d/s6", "");       /* a file over a lower dir */
	cr_assert_eq(presented_nlink("/d"), 2 + 3); /* s1 s3 s5 */
}

UT(nlink, ovl_whiteouts_hide_subdirs)
{
	layers(3);
	mkd(0, "d/s1");
	mkd(1, "d/s2");
	mkd(2, "d/s3");
	wh_ovl(0, "d/s2");
	wh_ovl(1, "d/s3");
	cr_assert_eq(presented_nlink("/d"), 2 + 1);
}

UT(nlink, upper_root_hides_state_dir)
{
	layers(2);
	mkd(0, "a");
	mkd(1, "b");
	mkd(1, "a");
	/* state dir in L0 is not a visible subdir */
	cr_assert_eq(presented_nlink("/"), 2 + 2);
}

UT(nlink, upper_root_alone)
{
	layers(1);
	mkd(0, "a");
	cr_assert_eq(presented_nlink("/"), 2 + 1);
	expect_listing("/", "a");
}

UT(nlink, single_layer_and_opaque_dirs)
{
	layers(2);
	mkd(1, "low/s1");
	mkd(1, "low/s2");
	opq_oci(0, "op");
	mkd(0, "op/s");
	mkd(1, "op/t");
	mkd(1, "op/u");
	cr_assert_eq(presented_nlink("/low"), 4);
	cr_assert_eq(presented_nlink("/op"), 3);
}

/* A union directory path made (1) or removed (0) through the union. */
static void mkdir_union(const char *path)
{
	struct vn_node n;

	cr_assert_eq(res(path, 0, &n), -ENOENT);
	cr_assert_eq(vn_mkdir(&g_u, &n, 0755), 0, "mkdir %s", path);
}

static void rmdir_union(const char *path)
{
	struct vn_node n;

	cr_assert_eq(res(path, 0, &n), 0);
	cr_assert_eq(vn_rmdir(&g_u, &n), 0, "rmdir %s", path);
}

static void rename_union(const char *from, const char *to, unsigned int flags)
{
	struct vn_node a, b;
	int r;

	cr_assert_eq(res(from, 0, &a), 0);
	r = res(to, 0, &b);
	cr_assert(r == 0 || r == -ENOENT);
	cr_assert_eq(vn_rename(&g_u, &a, &b, flags), 0, "rename %s %s", from, to);
}

/* The count is listed once and kept: each change through the union shows
 * at once, in the directory changed and in its parent. */
UT(nlink, merged_count_follows_the_unions_changes)
{
	layers(2);
	mkd(0, "d/a");
	mkd(1, "d/b");
	mkd(1, "e/x");
	put(1, "e/f", "");
	cr_assert_eq(presented_nlink("/d"), 2 + 2);
	cr_assert_eq(presented_nlink("/d"), 2 + 2, "kept");
	mkdir_union("/d/c");
	cr_assert_eq(presented_nlink("/d"), 2 + 3, "mkdir");
	rmdir_union("/d/b");
	cr_assert_eq(presented_nlink("/d"), 2 + 2, "rmdir of a lower directory");
	cr_assert_eq(presented_nlink("/e"), 2 + 1);
	rename_union("/d/c", "/e/c", 0);
	cr_assert_eq(presented_nlink("/d"), 2 + 1, "renamed away");
	cr_assert_eq(presented_nlink("/e"), 2 + 2, "renamed in");
	rename_union("/e/f", "/d/a", RENAME_EXCHANGE);
	cr_assert_eq(presented_nlink("/d"), 2 + 0, "a directory exchanged for a file");
	cr_assert_eq(presented_nlink("/e"), 2 + 3, "a file exchanged for a directory");
	rename_union("/e/x", "/d/x", 0);
	cr_assert_eq(presented_nlink("/e"), 2 + 2);
	cr_assert_eq(presented_nlink("/d"), 2 + 1);
	cr_assert_eq(presented_nlink("/"), 2 + 2);
	rmdir_union("/d/x");
	mkdir_union("/d/x");
	cr_assert_eq(presented_nlink("/d"), 2 + 1, "made again over its whiteout");
}

/* A directory of one layer with a reserved name among its subdirectories:
 * its own count less that one, also after changes. */
UT(nlink, one_layer_directory_hides_reserved_subdirectories)
{
	layers(2);
	mkd(1, "low/s1");
	mkd(1, "low/" VN_WH_PREFIX "hidden");
	mkd(0, "up/s1");
	mkd(0, "up/" VN_WH_PREFIX "hidden");
	cr_assert_eq(presented_nlink("/low"), 2 + 1);
	cr_assert_eq(presented_nlink("/low"), 2 + 1, "kept");
	cr_assert_eq(presented_nlink("/up"), 2 + 1);
	mkdir_union("/up/s2");
	cr_assert_eq(presented_nlink("/up"), 2 + 2, "mkdir");
	rmdir_union("/up/s1");
	cr_assert_eq(presented_nlink("/up"), 2 + 1, "rmdir");
	mkdir_union("/low/s2");
	cr_assert_eq(presented_nlink("/low"), 2 + 2, "copied up, then merged");
}

/* A directory of one layer without reserved names keeps the kernel's
 * count, which follows every change. */
UT(nlink, one_layer_directory_follows_its_own_count)
{
	layers(2);
	mkd(0, "up/s1");
	mkd(0, "up/s2");
	cr_assert_eq(presented_nlink("/up"), 2 + 2);
	mkdir_union("/up/s3");
	cr_assert_eq(presented_nlink("/up"), 2 + 3);
	rename_union("/up/s3", "/s3", 0);
	cr_assert_eq(presented_nlink("/up"), 2 + 2);
	cr_assert_eq(presented_nlink("/"), 2 + 2, "the upper's root: up and s3");
}

static ssize_t union_xattr(const char *path, const char *name, char *buf, size_t size)
{
	struct vn_node n;
	int r = res(path, 0, &n);

	cr_assert_eq(r, 0, "resolve %s: %s", path, strerror(-r));
	return vn_getxattr(&g_u, &n, name, buf, size);
}

/* getxattr answers as the layer object's own, wherever it is found (by
 * name in its cached parent, or through an fd for the root). */
UT(xattr, values_lengths_and_errors_are_the_layer_objects)
{
	char p[PATH_MAX], buf[16];

	layers(2);
	put(1, "d/e/f", "");
	put(0, "d/g", "");
	if (setxattr(lpath(p, 1, "d/e/f"), "user.t", "lower", 5, 0) < 0)
		skip_test("no user xattrs here");
	cr_assert_eq(setxattr(lpath(p, 0, "d/g"), "user.t", "up", 2, 0), 0);
	cr_assert_eq(setxattr(lpath(p, 1, "d/e"), "user.dir", "1", 1, 0), 0);
	cr_assert_eq(setxattr(lpath(p, 0, ""), "user.root", "r", 1, 0), 0);
	cr_assert_eq(union_xattr("/d/e/f", "user.t", buf, sizeof(buf)), 5);
	cr_assert_eq(memcmp(buf, "lower", 5), 0);
	cr_assert_eq(union_xattr("/d/e/f", "user.t", NULL, 0), 5, "the length alone");
	cr_assert_eq(union_xattr("/d/e/f", "user.t", buf, 2), -ERANGE);
	cr_assert_eq(union_xattr("/d/e/f", "user.none", buf, sizeof(buf)), -ENODATA);
	cr_assert_eq(union_xattr("/d/g", "user.t", buf, sizeof(buf)), 2);
	cr_assert_eq(memcmp(buf, "up", 2), 0);
	cr_assert_eq(union_xattr("/d/e", "user.dir", buf, sizeof(buf)), 1);
	cr_assert_eq(union_xattr("/", "user.root", buf, sizeof(buf)), 1);
	cr_assert_eq(buf[0], 'r');
	opq_xattr(0, "d", "user.overlay.opaque");
	cr_assert_eq(union_xattr("/d", "user.overlay.opaque", buf, sizeof(buf)), -ENODATA,
		     "the format's own");
	cr_assert_eq(setxattr(lpath(p, 0, "d/g"), "user.t", "again", 5, 0), 0);
	cr_assert_eq(union_xattr("/d/g", "user.t", buf, sizeof(buf)), 5, "read now, not kept");
}

static void union_statx(const char *path, struct statx *stx)
{
	struct vn_node n;
	int r = res(path, 0, &n);

	cr_assert_eq(r, 0, "resolve %s: %s", path, strerror(-r));
	r = vn_statx(&g_u, &n, STATX_BASIC_STATS | STATX_BTIME, stx);
	cr_assert_eq(r, 0, "vn_statx %s: %s", path, strerror(-r));
}

/* statx and access answer for the layer object itself, by its name in its
 * cached parent or (the root) through an fd. */
UT(attr, statx_and_access_are_the_layer_objects)
{
	struct statx stx;
	struct stat host;
	struct vn_node n;
	char p[PATH_MAX];

	layers(2);
	put(1, "d/e/f", "lower");
	put(0, "d/g", "up");
	lnk(1, "d/l", "e/f");
	mkd(1, "d/e/sub");
	union_statx("/d/e/f", &stx);
	cr_assert_eq(lstat(lpath(p, 1, "d/e/f"), &host), 0);
	cr_assert_eq(stx.stx_ino, host.st_ino);
	cr_assert_eq(stx.stx_size, 5);
	cr_assert(S_ISREG(stx.stx_mode));
	union_statx("/d/g", &stx);
	cr_assert_eq(lstat(lpath(p, 0, "d/g"), &host), 0);
	cr_assert_eq(stx.stx_ino, host.st_ino);
	union_statx("/d/l", &stx);
	cr_assert(S_ISLNK(stx.stx_mode), "the link itself");
	union_statx("/d/e", &stx);
	cr_assert(S_ISDIR(stx.stx_mode));
	cr_assert_eq(stx.stx_nlink, 2 + 1);
	union_statx("/", &stx);
	cr_assert(S_ISDIR(stx.stx_mode));
	cr_assert_eq(stx.stx_nlink, 2 + 1, "d; the state directory hidden");
	cr_assert_eq(res("/d/e/f", 0, &n), 0);
	cr_assert_eq(vn_access(&g_u, &n, R_OK | W_OK, 0), 0, "a lower file is writable (copy-up)");
	cr_assert_eq(res("/d/l", 0, &n), 0);
	cr_assert_eq(vn_access(&g_u, &n, F_OK, 0), 0);
	cr_assert_eq(res("/", 0, &n), 0);
	cr_assert_eq(vn_access(&g_u, &n, X_OK, 0), 0);
	put(0, "d/x", "");
	cr_assert_eq(chmod(lpath(p, 0, "d/x"), 0644), 0);
	cr_assert_eq(res("/d/x", 0, &n), 0);
	cr_assert_eq(vn_access(&g_u, &n, X_OK, 0), -EACCES, "no x bit: refused even to root");
}

UT(nlink, files_are_untouched)
{
	char a[PATH_MAX], b[PATH_MAX];

	layers(2);
	put(1, "f", "");
	cr_assert_eq(link(lpath(a, 1, "f"), lpath(b, 1, "g")), 0);
	cr_assert_eq(presented_nlink("/f"), 2);
}
