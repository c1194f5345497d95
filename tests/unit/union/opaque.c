/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the union core: opaque directories. */
#define _GNU_SOURCE
#include "fixture.h"

UT(opaque, oci_marker_in_upper)
{
	layers(2);
	opq_oci(0, "d");
	put(0, "d/mine", "m");
	put(1, "d/theirs", "t");
	put(1, "d/mine", "lower");
	put(1, "d/sub/x", "");
	expect_dir("/", "/d", 0, "/d", 0x1);
	expect_file("/d/mine", 0, "/d/mine", 0, "m");
	expect_err("/", "/d/theirs", 0, ENOENT);
	expect_err("/", "/d/sub/x", 0, ENOENT);
	expect_listing("/d", "mine");
}

/* An upper directory made opaque with the overlayfs xattr `name`. */
static void expect_xattr_opaque_upper(const char *name)
{
	layers(2);
	opq_xattr(0, "d", name);
	put(0, "d/mine", "m");
	put(1, "d/theirs", "t");
	expect_dir("/", "/d", 0, "/d", 0x1);
	expect_err("/", "/d/theirs", 0, ENOENT);
	expect_listing("/d", "mine");
}

UT(opaque, user_xattr_in_upper)
{
	expect_xattr_opaque_upper("user.overlay.opaque");
}

UT(opaque, trusted_xattr_in_upper)
{
	expect_xattr_opaque_upper("trusted.overlay.opaque");
}

/* An opaque xattr value other than "y" is not opaque (overlayfs uses "x"
 * for "has xattr whiteouts"). */
UT(opaque, xattr_value_not_y)
{
	char p[PATH_MAX];

	layers(2);
	mkd(0, "d");
	if (setxattr(lpath(p, 0, "d"), "user.overlay.opaque", "x", 1, 0) < 0)
		skip_test("user xattrs: %s", strerror(errno));
	put(1, "d/theirs", "t");
	expect_dir("/", "/d", 0, "/d", 0x3);
	expect_file("/d/theirs", 0, "/d/theirs", 1, "t");
}

static void middle_opaque(void (*mark)(int, const char *))
{
	layers(4);
	mkd(0, "d");
	put(0, "d/u", "u");
	mark(1, "d");
	put(1, "d/m", "m");
	put(2, "d/x", "x");
	put(3, "d/y", "y");
	put(3, "d/sub/z", "z");
	expect_dir("/", "/d", 0, "/d", 0x3);
	expect_file("/d/u", 0, "/d/u", 0, "u");
	expect_file("/d/m", 0, "/d/m", 1, "m");
	expect_err("/", "/d/x", 0, ENOENT);
	expect_err("/", "/d/y", 0, ENOENT);
	expect_err("/", "/d/sub/z", 0, ENOENT);
	expect_listing("/d", "m,u");
}

static void mark_oci(int l, const char *rel)
{
	opq_oci(l, rel);
}

static void mark_user_xattr(int l, const char *rel)
{
	opq_xattr(l, rel, "user.overlay.opaque");
}

UT(opaque, oci_marker_in_middle_lower)
{
	middle_opaque(mark_oci);
}

UT(opaque, user_xattr_in_middle_lower)
{
	middle_opaque(mark_user_xattr);
}

/* The upper's root itself opaque: no lower is visible at all. */
UT(opaque, opaque_root)
{
	layers(2);
	opq_oci(0, "");
	put(0, "u", "u");
	put(1, "l", "l");
	expect_dir("/", "/", 0, "/", 0x1);
	expect_err("/", "/l", 0, ENOENT);
	expect_listing("/", "u");
}
