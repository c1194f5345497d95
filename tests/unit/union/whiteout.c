/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the union core: whiteouts. */
#define _GNU_SOURCE
#include "fixture.h"

UT(whiteout, oci_in_upper_hides_lower)
{
	struct vn_node n;

	layers(2);
	put(1, "f", "");
	put(1, "d/x", "");
	put(1, "keep", "k");
	wh_oci(0, "f");
	wh_oci(0, "d");
	cr_assert_eq(res("/f", 0, &n), -ENOENT);
	cr_assert(n.parent_exists);
	cr_assert_eq(res("/d", 0, &n), -ENOENT);
	cr_assert(n.parent_exists);
	cr_assert_eq(res("/d/x", 0, &n), -ENOENT);
	cr_assert_not(n.parent_exists);
	expect_file("/keep", 0, "/keep", 1, "k");
}

UT(whiteout, ovl_in_upper_hides_lower)
{
	struct vn_node n;

	layers(2);
	put(1, "f", "");
	put(1, "d/x", "");
	put(1, "keep", "k");
	wh_ovl(0, "f");
	wh_ovl(0, "d");
	cr_assert_eq(res("/f", 0, &n), -ENOENT);
	cr_assert(n.parent_exists);
	cr_assert_eq(res("/d", 0, &n), -ENOENT);
	cr_assert_eq(res("/d/x", 0, &n), -ENOENT);
	cr_assert_not(n.parent_exists);
	expect_file("/keep", 0, "/keep", 1, "k");
}

UT(whiteout, nested_dir_whiteout)
{
	layers(2);
	mkd(0, "a/b");
	put(1, "a/b/gone", "");
	put(1, "a/b/kept", "kept");
	wh_oci(0, "a/b/gone");
	expect_err("/", "/a/b/gone", 0, ENOENT);
	expect_file("/a/b/kept", 0, "/a/b/kept", 1, "kept");
}

static void middle_whiteout(void (*wh)(int, const char *))
{
	layers(4);
	/* f: whited out in L2, present in L1 (above) and L3 (below) */
	put(1, "f", "L1");
	wh(2, "f");
	put(3, "f", "L3");
	/* g: whited out in L2, present only below */
	wh(2, "g");
	put(3, "g", "L3");
	/* h: whited out in L1, present in L2 and L3 */
	wh(1, "h");
	put(2, "h", "L2");
	put(3, "h", "L3");
	/* d: a directory whited out in L2 */
	mkd(0, "d");
	put(1, "d/a", "L1a");
	wh(2, "d");
	put(3, "d/b", "L3b");
	/* the whiteout hides only lower names: the upper's own wins */
	put(0, "h", "U");

	expect_file("/f", 0, "/f", 1, "L1");
	expect_err("/", "/g", 0, ENOENT);
	expect_file("/h", 0, "/h", 0, "U");
	expect_dir("/", "/d", 0, "/d", 0x3);
	expect_file("/d/a", 0, "/d/a", 1, "L1a");
	expect_err("/", "/d/b", 0, ENOENT);
	expect_listing("/", "d,f,h");
	expect_listing("/d", "a");
}

UT(whiteout, oci_in_middle_lower)
{
	middle_whiteout(wh_oci);
}

UT(whiteout, ovl_in_middle_lower)
{
	middle_whiteout(wh_ovl);
}

/* A whiteout hides a lower *directory* entirely, even when the layer with
 * the whiteout sits below a layer that has the directory too. */
UT(whiteout, whiteout_cuts_dir_merge)
{
	layers(3);
	put(0, "d/u", "u");
	wh_oci(1, "d");
	put(2, "d/x", "x");
	expect_dir("/", "/d", 0, "/d", 0x1);
	expect_err("/", "/d/x", 0, ENOENT);
	expect_listing("/d", "u");
}

/* OCI: "whiteout files MUST only apply to resources in lower/parent
 * layers; files present in the same layer as a whiteout file can only be
 * hidden by whiteout files in subsequent layers".  Lookup and readdir
 * must agree on it, whatever order the directory lists the entries in. */
UT(whiteout, oci_same_layer_entry_stays_visible)
{
	struct vn_listing l;
	char *got;
	char want[4096] = "";

	layers(3);
	for (int i = 0; i < 64; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%02d", i);
		put(1, name, "L1");
		wh_oci(1, name);
		put(2, name, "L2");
	}
	for (int i = 0; i < 64; i++) {
		char name[32], path[40];

		snprintf(name, sizeof(name), "f%02d", i);
		snprintf(path, sizeof(path), "/%s", name);
		expect_file(path, 0, path, 1, "L1");
		if (i)
			strcat(want, ",");
		strcat(want, name);
	}
	got = list_names("/", &l);
	cr_expect_str_eq(got, want,
			 "same-layer whiteouts hid the layer's own entries: %zu of 64 listed",
			 l.count);
	free(got);
	vn_listing_free(&l);
}
