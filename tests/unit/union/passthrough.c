/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the union core: passthrough. */
#define _GNU_SOURCE
#include "fixture.h"

UT(passthrough, proc_self)
{
	struct vn_node n;

	layers(2);
	cr_assert_eq(vn_union_add_passthrough(&g_u, "/proc"), 0);
	cr_assert_eq(res("/proc/self/x", 0, &n), 0);
	cr_assert(n.passthrough);
	cr_assert_str_eq(n.rest, "self/x");
	cr_assert_str_eq(n.path, "/proc");
	cr_assert_not_null(n.mount);
	cr_assert_str_eq(n.mount->path, "/proc");
	cr_assert_eq(n.layer, -1);

	cr_assert_eq(res("/proc", 0, &n), 0);
	cr_assert(n.passthrough);
	cr_assert_str_eq(n.rest, "");

	cr_assert_eq(res("/proc/self/x", VN_NO_XDEV, &n), -EXDEV);
}

UT(passthrough, through_symlink_and_dotdot)
{
	struct vn_node n;

	layers(2);
	cr_assert_eq(vn_union_add_passthrough(&g_u, "/proc"), 0);
	mkd(1, "d");
	lnk(0, "pl", "/proc/self");
	cr_assert_eq(res("/d/../proc/1/status", 0, &n), 0);
	cr_assert(n.passthrough);
	cr_assert_str_eq(n.rest, "1/status");
	cr_assert_eq(res("/pl/fd", 0, &n), 0);
	cr_assert(n.passthrough);
	cr_assert_str_eq(n.rest, "self/fd");
	/* not a passthrough: a name that only begins the same */
	put(1, "procx", "");
	cr_assert_eq(res("/procx", 0, &n), 0);
	cr_assert_not(n.passthrough);
}

UT(passthrough, listed_in_parent)
{
	struct vn_listing l;
	const struct vn_dirent *e;
	char *names;

	layers(2);
	cr_assert_eq(vn_union_add_passthrough(&g_u, "/proc"), 0);
	put(1, "etc/x", "");
	names = list_names("/", &l);
	cr_assert_str_eq(names, "etc,proc");
	free(names);
	cr_assert_not_null(e = entry(&l, "proc"));
	cr_assert_eq(e->type, DT_DIR);
	vn_listing_free(&l);
}
