/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the union core: symlinks. */
#define _GNU_SOURCE
#include "fixture.h"

UT(symlink, relative_and_nofollow)
{
	struct vn_node n;
	char buf[64];

	layers(2);
	put(1, "f", "lower-f");
	lnk(0, "d/link", "../f");
	expect_file("/d/link", VN_FOLLOW, "/f", 1, "lower-f");

	cr_assert_eq(res("/d/link", 0, &n), 0);
	cr_assert(S_ISLNK(n.st.st_mode));
	cr_assert_str_eq(n.path, "/d/link");
	cr_assert_eq(n.layer, 0);
	cr_assert_eq(vn_readlink_node(&g_u, &n, buf, sizeof(buf)), 4);
	cr_assert_eq(memcmp(buf, "../f", 4), 0);
}

UT(symlink, absolute_in_upper_stays_in_union)
{
	char host[PATH_MAX], host2[PATH_MAX];
	struct vn_node n;

	layers(2);
	put(1, "etc/conf", "union-conf");
	lnk(0, "abs", "/etc/conf");
	lnk(0, "absdir", "/etc");
	expect_file("/abs", VN_FOLLOW, "/etc/conf", 1, "union-conf");
	expect_file("/absdir/conf", 0, "/etc/conf", 1, "union-conf");

	/* Links to host paths that exist on the host: the union's copy of the
	 * same path is what they reach, or nothing. */
	put(1, "secret", "host");
	put(1, "secret2", "host2");
	lpath(host, 1, "secret");
	lpath(host2, 1, "secret2");
	put(1, host + 1, "union");          /* L1/<host path>: the union's copy */
	lnk(0, "host", host);
	lnk(0, "host2", host2);
	expect_file("/host", VN_FOLLOW, host, 1, "union");
	cr_assert_eq(res("/host2", VN_FOLLOW, &n), -ENOENT);
	cr_assert_str_eq(n.path, host2);
	cr_assert(n.parent_exists);
}

UT(symlink, chains_across_layers)
{
	layers(3);
	put(2, "real/file", "end");
	lnk(0, "a", "b");
	lnk(1, "b", "/c");
	lnk(2, "c", "sub/../d");
	mkd(1, "sub");
	lnk(1, "d", "real");
	expect_file("/a/file", 0, "/real/file", 2, "end");
	expect_dir("/", "/a", VN_FOLLOW, "/real", 0x4);
}

UT(symlink, dotdot_is_physical)
{
	layers(2);
	mkd(1, "a/b/c");
	put(1, "a/b/x", "abx");
	put(0, "p/q/y", "pqy");
	put(0, "p/x", "px");
	lnk(0, "p/q/link", "/a/b/c");
	lnk(1, "rel", "a/b/c");
	/* link/.. is the parent of the link's target, not p/q */
	expect_dir("/", "/p/q/link/..", 0, "/a/b", 0x2);
	expect_file("/p/q/link/../x", 0, "/a/b/x", 1, "abx");
	expect_dir("/", "/rel/..", 0, "/a/b", 0x2);
	expect_dir("/", "/rel/../..", 0, "/a", 0x2);
	expect_file("/rel/../x", 0, "/a/b/x", 1, "abx");
	/* without a link, .. is lexical on the canonical path */
	expect_file("/p/q/../x", 0, "/p/x", 0, "px");
}

UT(symlink, trailing_slash_follows)
{
	struct vn_node n;

	layers(2);
	mkd(1, "dir");
	lnk(0, "dl", "dir");
	lnk(0, "fl", "f");
	put(1, "f", "");
	expect_dir("/", "/dl/", 0, "/dir", 0x2);
	cr_assert_eq(res("/dl", 0, &n), 0);
	cr_assert(S_ISLNK(n.st.st_mode));
	expect_err("/", "/fl/", 0, ENOTDIR);
}

UT(symlink, loops_eloop)
{
	layers(2);
	lnk(0, "a", "b");
	lnk(1, "b", "a");
	lnk(0, "self", "self");
	lnk(0, "dirloop", "dirloop/x");
	expect_err("/", "/a", VN_FOLLOW, ELOOP);
	expect_err("/", "/a/x", 0, ELOOP);
	expect_err("/", "/self", VN_FOLLOW, ELOOP);
	expect_err("/", "/dirloop", VN_FOLLOW, ELOOP);
}

/* 40 links in a row resolve (the kernel's limit), 41 are ELOOP. */
UT(symlink, chain_limit_40)
{
	layers(2);
	put(1, "end", "end");
	for (int i = 1; i <= 41; i++) {
		char name[16], target[16];

		snprintf(name, sizeof(name), "l%d", i);
		if (i == 1)
			snprintf(target, sizeof(target), "end");
		else
			snprintf(target, sizeof(target), "l%d", i - 1);
		lnk(i % 2, name, target);
	}
	expect_file("/l40", VN_FOLLOW, "/end", 1, "end");
	expect_err("/", "/l41", VN_FOLLOW, ELOOP);
}

UT(symlink, no_symlinks_flag)
{
	struct vn_node n;

	layers(2);
	mkd(1, "dir");
	put(1, "dir/x", "");
	lnk(0, "dl", "dir");
	expect_err("/", "/dl/x", VN_NO_SYMLINKS, ELOOP);
	expect_err("/", "/dl", VN_NO_SYMLINKS | VN_FOLLOW, ELOOP);
	expect_err("/", "/dl/", VN_NO_SYMLINKS, ELOOP);
	/* a trailing link that is not followed is the link itself */
	cr_assert_eq(res("/dl", VN_NO_SYMLINKS, &n), 0);
	cr_assert(S_ISLNK(n.st.st_mode));
	/* no symlink on the way: fine */
	cr_assert_eq(res("/dir/x", VN_NO_SYMLINKS | VN_FOLLOW, &n), 0);
}

UT(symlink, beneath)
{
	struct vn_node n;

	layers(2);
	put(1, "top", "top");
	put(1, "d/x", "x");
	mkd(0, "d/sub");
	lnk(0, "d/up", "../top");
	lnk(0, "d/abs", "/d/x");
	lnk(0, "d/in", "sub/../x");
	expect_err("/d", "../top", VN_BENEATH, EXDEV);
	expect_err("/d", "sub/../../top", VN_BENEATH, EXDEV);
	expect_err("/d", "..", VN_BENEATH, EXDEV);
	expect_err("/d", "/d/x", VN_BENEATH, EXDEV);
	expect_err("/d", "up", VN_BENEATH | VN_FOLLOW, EXDEV);
	expect_err("/d", "abs", VN_BENEATH | VN_FOLLOW, EXDEV);
	expect_err("/", "..", VN_BENEATH, EXDEV);
	/* staying inside is fine */
	cr_assert_eq(res_at("/d", "sub/../x", VN_BENEATH, &n), 0);
	cr_assert_str_eq(n.path, "/d/x");
	cr_assert_eq(res_at("/d", "in", VN_BENEATH | VN_FOLLOW, &n), 0);
	cr_assert_str_eq(n.path, "/d/x");
	cr_assert_eq(res_at("/d", "sub/..", VN_BENEATH, &n), 0);
	cr_assert_str_eq(n.path, "/d");
}

UT(symlink, in_root_clamps)
{
	struct vn_node n;

	layers(2);
	put(1, "x", "outside");
	put(1, "d/x", "inside");
	mkd(0, "d/sub");
	lnk(0, "d/abs", "/x");
	lnk(0, "d/up", "../../x");
	lnk(0, "d/sub/abs", "/sub");

	cr_assert_eq(res_at("/d", "../x", VN_IN_ROOT, &n), 0);
	cr_assert_str_eq(n.path, "/d/x");
	cr_assert_eq(res_at("/d", "../../../x", VN_IN_ROOT, &n), 0);
	cr_assert_str_eq(n.path, "/d/x");
	cr_assert_eq(res_at("/d", "sub/../../x", VN_IN_ROOT, &n), 0);
	cr_assert_str_eq(n.path, "/d/x");
	cr_assert_eq(res_at("/d", "/x", VN_IN_ROOT, &n), 0);
	cr_assert_str_eq(n.path, "/d/x");
	cr_assert_eq(res_at("/d", "abs", VN_IN_ROOT | VN_FOLLOW, &n), 0);
	cr_assert_str_eq(n.path, "/d/x");
	cr_assert_eq(res_at("/d", "up", VN_IN_ROOT | VN_FOLLOW, &n), 0);
	cr_assert_str_eq(n.path, "/d/x");
	cr_assert_eq(res_at("/d", "sub/abs/../x", VN_IN_ROOT, &n), 0);
	cr_assert_str_eq(n.path, "/d/x");
	cr_assert_eq(res_at("/d", "..", VN_IN_ROOT, &n), 0);
	cr_assert_str_eq(n.path, "/d");
	/* the same without IN_ROOT leaves /d */
	cr_assert_eq(res_at("/d", "../x", 0, &n), 0);
	cr_assert_str_eq(n.path, "/x");
	cr_assert_eq(res_at("/d", "abs", VN_FOLLOW, &n), 0);
	cr_assert_str_eq(n.path, "/x");
}

UT(symlink, dotdot_past_root_stays)
{
	layers(2);
	put(1, "f", "f");
	put(1, "d/x", "x");
	lnk(0, "up", "../../../f");
	expect_file("/../../f", 0, "/f", 1, "f");
	expect_file("/d/../../d/x", 0, "/d/x", 1, "x");
	expect_file("up", VN_FOLLOW, "/f", 1, "f");
	expect_dir("/", "/..", 0, "/", 0x3);
	expect_dir("/", "..", 0, "/", 0x3);
}
