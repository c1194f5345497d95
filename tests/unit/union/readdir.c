/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the union core: readdir. */
#define _GNU_SOURCE
#include "fixture.h"

UT(readdir, merge_each_name_once)
{
	layers(4);
	put(0, "a", "");
	put(0, "b", "");
	put(1, "b", "");
	put(1, "c", "");
	put(2, "c", "");
	put(2, "d", "");
	put(3, "a", "");
	put(3, "e", "");
	mkd(0, "dir/u");
	mkd(2, "dir/u");
	put(3, "dir/l3", "");
	expect_listing("/", "a,b,c,d,dir,e");
	expect_listing("/dir", "l3,u");
}

UT(readdir, whiteouts_and_reserved_excluded)
{
	layers(3);
	put(0, "u", "");
	put(1, "oci", "");
	put(1, "ovl", "");
	put(1, "kept", "");
	put(2, "deep", "");
	put(2, "deepdir/x", "");
	wh_oci(0, "oci");
	wh_ovl(0, "ovl");
	wh_oci(1, "deep");
	wh_ovl(1, "deepdir");
	put(1, ".wh.never", "");        /* a whiteout of a name no one has */
	wh_oci(0, "nothing");
	opq_oci(2, "odir");             /* opaque marker itself never listed */
	put(2, "odir/y", "");
	expect_listing("/", "kept,odir,u");
	expect_listing("/odir", "y");
}

UT(readdir, opaque_stops_merging)
{
	layers(4);
	put(0, "d/u", "");
	put(1, "d/one", "");
	opq_oci(2, "d");
	put(2, "d/two", "");
	put(3, "d/three", "");
	expect_listing("/d", "one,two,u");
}

UT(readdir, dir_and_file_same_name)
{
	struct vn_listing l;
	const struct vn_dirent *e;
	char *names;

	layers(3);
	put(0, "x", "");        /* file over dir */
	mkd(1, "x");
	mkd(0, "y");            /* dir over file */
	put(1, "y", "");
	lnk(1, "z", "x");       /* link over dir */
	mkd(2, "z");
	mkd(2, "w");            /* dir only lowest */
	names = list_names("/", &l);
	cr_assert_str_eq(names, "w,x,y,z");
	free(names);
	cr_assert_not_null(e = entry(&l, "x"));
	cr_assert_eq(e->type, DT_REG);
	cr_assert_not_null(e = entry(&l, "y"));
	cr_assert_eq(e->type, DT_DIR);
	cr_assert_not_null(e = entry(&l, "z"));
	cr_assert_eq(e->type, DT_LNK);
	cr_assert_not_null(e = entry(&l, "w"));
	cr_assert_eq(e->type, DT_DIR);
	vn_listing_free(&l);
}

static void check_ino_agree(const char *dir)
{
	struct vn_listing l;
	char *names = list_names(dir, &l);

	free(names);
	cr_assert_gt(l.count, 0);
	for (size_t i = 0; i < l.count; i++) {
		char path[PATH_MAX];
		struct vn_node n;
		struct stat st;
		int r;

		snprintf(path, sizeof(path), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "",
			 l.entries[i].name);
		r = res(path, 0, &n);
		cr_assert_eq(r, 0, "resolve %s: %s", path, strerror(-r));
		cr_assert_eq(vn_getattr(&g_u, &n, &st), 0);
		cr_assert_eq(l.entries[i].ino, (uint64_t)st.st_ino,
			     "%s: d_ino %llu, st_ino %llu", path,
			     (unsigned long long)l.entries[i].ino, (unsigned long long)st.st_ino);
		cr_assert_eq(l.entries[i].type, IFTODT(st.st_mode), "%s: d_type %d, mode %o",
			     path, l.entries[i].type, st.st_mode);
	}
	vn_listing_free(&l);
}

UT(readdir, d_ino_matches_st_ino)
{
	layers(3);
	put(0, "f_up", "");
	put(1, "f_l1", "");
	put(2, "f_l2", "");
	put(0, "both", "");
	put(2, "both", "");
	mkd(0, "md");
	mkd(1, "md/inner");
	mkd(2, "md");
	put(2, "md/leaf", "");
	mkd(2, "lowdir");
	lnk(1, "ln", "f_up");
	put(0, "x", "");
	mkd(1, "x");
	check_ino_agree("/");
	check_ino_agree("/md");
}

UT(readdir, big_merge_5000)
{
	struct vn_listing l;
	struct vn_node n;
	char *names;
	char **want;
	char p[PATH_MAX];
	size_t len = 1;
	char *joined;

	layers(2);
	mkd(0, "big");
	mkd(1, "big");
	for (int i = 0; i < 5000; i++) {
		char name[32];
		int fd;

		snprintf(name, sizeof(name), "big/f%05d", i);
		fd = open(lpath(p, 0, name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		cr_assert_geq(fd, 0);
		close(fd);
		snprintf(name, sizeof(name), "big/f%05d", i + 2500);
		fd = open(lpath(p, 1, name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		cr_assert_geq(fd, 0);
		close(fd);
	}
	/* A few whiteouts in the upper over lower-only names. */
	for (int i = 7000; i < 7010; i++) {
		char name[32];

		snprintf(name, sizeof(name), "big/f%05d", i);
		wh_oci(0, name);
	}
	cr_assert_eq(res("/big", 0, &n), 0);
	cr_assert_eq(n.dir_layers, 0x3);
	names = list_names("/big", &l);
	cr_assert_eq(l.count, 7500 - 10, "merged count %zu", l.count);
	want = calloc(7500, sizeof(*want));
	cr_assert_not_null(want);
	for (int i = 0, k = 0; i < 7500; i++) {
		if (i >= 7000 && i < 7010)
			continue;
		want[k] = malloc(16);
		snprintf(want[k], 16, "f%05d", i);
		len += strlen(want[k]) + 1;
		k++;
	}
	joined = calloc(1, len);
	for (int k = 0; k < 7490; k++) {
		if (k)
			strcat(joined, ",");
		strcat(joined, want[k]);
		free(want[k]);
	}
	free(want);
	cr_assert(strcmp(names, joined) == 0, "merged names differ from the expected set");
	/* upper's entries come from the upper */
	for (size_t i = 0; i < l.count; i++)
		cr_assert_eq(l.entries[i].type, DT_REG);
	free(joined);
	free(names);
	vn_listing_free(&l);
}

UT(readdir, not_a_directory)
{
	struct vn_node n;
	struct vn_listing l;

	layers(2);
	put(1, "f", "");
	cr_assert_eq(res("/f", 0, &n), 0);
	cr_assert_eq(vn_readdir(&g_u, &n, &l), -ENOTDIR);
}
