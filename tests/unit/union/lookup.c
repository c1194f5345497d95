/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the union core: lookup. */
#define _GNU_SOURCE
#include "fixture.h"

UT(lookup, file_only_in_upper)
{
	layers(2);
	put(0, "f", "upper");
	expect_file("/f", 0, "/f", 0, "upper");
}

UT(lookup, file_only_in_lower)
{
	layers(2);
	put(1, "f", "lower");
	expect_file("/f", 0, "/f", 1, "lower");
}

UT(lookup, file_in_both_upper_wins)
{
	layers(2);
	put(0, "f", "upper");
	put(1, "f", "lower");
	put(0, "d/g", "upper-g");
	put(1, "d/g", "lower-g");
	expect_file("/f", 0, "/f", 0, "upper");
	expect_file("/d/g", 0, "/d/g", 0, "upper-g");
}

UT(lookup, three_lowers_precedence)
{
	layers(4);
	put(1, "a", "L1");
	put(2, "a", "L2");
	put(3, "a", "L3");
	put(2, "b", "L2");
	put(3, "b", "L3");
	put(3, "c", "L3");
	put(1, "d/x", "L1x");
	put(3, "d/x", "L3x");
	put(2, "d/y", "L2y");
	put(3, "d/y", "L3y");
	mkd(0, "d");
	expect_file("/a", 0, "/a", 1, "L1");
	expect_file("/b", 0, "/b", 2, "L2");
	expect_file("/c", 0, "/c", 3, "L3");
	expect_file("/d/x", 0, "/d/x", 1, "L1x");
	expect_file("/d/y", 0, "/d/y", 2, "L2y");
	expect_dir("/", "/d", 0, "/d", 0xf);
}

UT(lookup, merged_dir_layers_and_root)
{
	struct vn_node n;

	layers(3);
	mkd(0, "d");
	mkd(2, "d");
	mkd(1, "only1");
	expect_dir("/", "/", 0, "/", 0x7);
	expect_dir("/", "/d", 0, "/d", 0x5);
	expect_dir("/", "/only1", 0, "/only1", 0x2);
	cr_assert_eq(res("/d", 0, &n), 0);
	cr_assert_eq(n.layer, 0);
	cr_assert_eq(res("/only1", 0, &n), 0);
	cr_assert_eq(n.layer, 1);
}

UT(lookup, canonical_path_and_relative_start)
{
	layers(2);
	put(1, "d/e/x", "x");
	mkd(0, "d");
	expect_file("//d///e/./x", 0, "/d/e/x", 1, "x");
	expect_file("/d/e/../e/x", 0, "/d/e/x", 1, "x");
	expect_dir("/", "/d/e/", 0, "/d/e", 0x2);
	expect_dir("/", "/d/e/.", 0, "/d/e", 0x2);
	expect_dir("/d", "e", 0, "/d/e", 0x2);
	expect_dir("/d", ".", 0, "/d", 0x3);
	expect_dir("/d/e", "..", 0, "/d", 0x3);

	struct vn_node n;

	cr_assert_eq(res_at("/d", "e/x", 0, &n), 0);
	cr_assert_str_eq(n.path, "/d/e/x");
	/* an absolute path ignores the start directory */
	cr_assert_eq(res_at("/d/e", "/d/e/x", 0, &n), 0);
	cr_assert_str_eq(n.path, "/d/e/x");
}

UT(lookup, missing_parent_exists)
{
	struct vn_node n;

	layers(2);
	mkd(0, "d");
	mkd(1, "e");
	put(1, "e/f", "");

	cr_assert_eq(res("/nope", 0, &n), -ENOENT);
	cr_assert(n.parent_exists);
	cr_assert_str_eq(n.path, "/nope");
	cr_assert_eq(n.layer, -1);

	cr_assert_eq(res("/d/nope", 0, &n), -ENOENT);
	cr_assert(n.parent_exists);
	cr_assert_str_eq(n.path, "/d/nope");

	cr_assert_eq(res("/e/nope", 0, &n), -ENOENT);
	cr_assert(n.parent_exists);
	cr_assert_str_eq(n.path, "/e/nope");

	cr_assert_eq(res("/nope/x", 0, &n), -ENOENT);
	cr_assert_not(n.parent_exists);

	cr_assert_eq(res("/d/nope/x/y", 0, &n), -ENOENT);
	cr_assert_not(n.parent_exists);
}

UT(lookup, file_as_directory_is_enotdir)
{
	layers(2);
	put(0, "f", "");
	put(1, "lf", "");
	put(1, "d/g", "");
	expect_err("/", "/f/x", 0, ENOTDIR);
	expect_err("/", "/lf/x", 0, ENOTDIR);
	expect_err("/", "/d/g/x", 0, ENOTDIR);
	expect_err("/", "/f/", 0, ENOTDIR);
	expect_err("/", "/f/.", 0, ENOTDIR);
	expect_err("/", "/f/..", 0, ENOTDIR);
	expect_err("/", "/d/g/x/y", 0, ENOTDIR);
}

/* A file in an upper over a lower directory hides the directory. */
UT(lookup, upper_file_over_lower_dir)
{
	struct vn_node n;

	layers(2);
	put(0, "x", "file");
	put(1, "x/inside", "");
	expect_file("/x", 0, "/x", 0, "file");
	expect_err("/", "/x/inside", 0, ENOTDIR);
	cr_assert_eq(res("/x", 0, &n), 0);
	cr_assert_eq(n.dir_layers, 0);
}

/* A non-directory in a middle layer ends the merge of a directory. */
UT(lookup, middle_file_ends_dir_merge)
{
	layers(3);
	put(0, "d/u", "u");
	put(1, "d", "file in L1");
	put(2, "d/x", "x");
	expect_dir("/", "/d", 0, "/d", 0x1);
	expect_err("/", "/d/x", 0, ENOENT);
	expect_file("/d/u", 0, "/d/u", 0, "u");
	expect_listing("/d", "u");
}

/* The upper's state directory and reserved names are invisible. */
UT(lookup, reserved_names_enoent)
{
	struct vn_node n;

	layers(2);
	put(1, ".wh.x", "");  /* whiteout of x */
	put(0, ".wh.y", "");
	put(1, "d/.wh..wh..opq", "");
	expect_err("/", "/.wh.x", 0, ENOENT);
	expect_err("/", "/.wh.y", 0, ENOENT);
	expect_err("/", "/d/.wh..wh..opq", 0, ENOENT);
	expect_err("/", "/" VN_STATE_DIR, 0, ENOENT);
	expect_err("/", "/" VN_STATE_DIR "/", 0, ENOENT);
	expect_err("/", "/" VN_STATE_DIR "/lock", 0, ENOENT);
	cr_assert_eq(res("/" VN_STATE_DIR "/lock", 0, &n), -ENOENT);
	cr_assert_not(n.parent_exists);
	/* a name that only begins like a reserved one is ordinary */
	put(1, ".wh", "dotwh");
	put(1, ".whx", "dotwhx");
	expect_file("/.wh", 0, "/.wh", 1, "dotwh");
	expect_file("/.whx", 0, "/.whx", 1, "dotwhx");
}

/* Names up to NAME_MAX resolve, whether or not ".wh." + name would fit. */
UT(lookup, long_names)
{
	char name[NAME_MAX + 1], path[NAME_MAX + 2];
	struct vn_node n;
	struct vn_listing l;
	char *names;

	layers(2);
	for (size_t len = NAME_MAX - 5; len <= NAME_MAX; len++) {
		memset(name, 'a', len);
		name[len] = '\0';
		name[0] = (char)('0' + (len - (NAME_MAX - 5)));
		put(1, name, "long");
		snprintf(path, sizeof(path), "/%s", name);
		expect_file(path, 0, path, 1, "long");
		name[0] = 'z';
		snprintf(path, sizeof(path), "/%s", name);
		cr_assert_eq(res(path, 0, &n), -ENOENT, "missing %zu-byte name: %s", len,
			     strerror(-res(path, 0, &n)));
		cr_assert(n.parent_exists);
	}
	names = list_names("/", &l);
	cr_assert_eq(l.count, 6);
	free(names);
	vn_listing_free(&l);
}

/* A lower may mask one path (the upper's own directory inside lower "/"). */
UT(lookup, masked_path_in_lower)
{
	layers(2);
	put(1, "up/x", "");
	mkd(1, "up2");
	mkd(1, "other");
	g_u.layers[1].masked = strdup("up");
	cr_assert_not_null(g_u.layers[1].masked);
	expect_err("/", "/up", 0, ENOENT);
	expect_err("/", "/up/x", 0, ENOENT);
	expect_dir("/", "/up2", 0, "/up2", 0x2);
	expect_listing("/", "other,up2");
	cr_assert_eq(presented_nlink("/"), 2 + 2);
}

/* A real character device (not 0/0) is an ordinary entry. */
UT(lookup, real_char_device_is_not_whiteout)
{
	char p[PATH_MAX];
	struct vn_node n;
	struct vn_listing l;
	const struct vn_dirent *e;
	char *names;

	layers(3);
	put(2, "null", "");
	if (mknod(lpath(p, 1, "null"), S_IFCHR | 0666, makedev(1, 3)) < 0) {
		if (errno == EPERM)
			skip_test("mknod 1/3 not permitted here");
		cr_assert_fail("mknod: %s", strerror(errno));
	}
	cr_assert_eq(res("/null", 0, &n), 0);
	cr_assert_eq(n.layer, 1);
	cr_assert(S_ISCHR(n.st.st_mode));
	names = list_names("/", &l);
	cr_assert_str_eq(names, "null");
	free(names);
	cr_assert_not_null(e = entry(&l, "null"));
	cr_assert_eq(e->type, DT_CHR);
	vn_listing_free(&l);
}

/* A directory that may be searched but not read still walks. */
UT(lookup, search_only_directory)
{
	char p[PATH_MAX];

	layers(3);
	mkd(0, "d");
	put(1, "d/x", "x");
	put(2, "d/y", "y");
	cr_assert_eq(chmod(lpath(p, 1, "d"), 0111), 0);
	expect_file("/d/x", 0, "/d/x", 1, "x");
	expect_file("/d/y", 0, "/d/y", 2, "y");
	expect_dir("/", "/d", 0, "/d", 0x7);
}
