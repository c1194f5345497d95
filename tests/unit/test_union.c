/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the union core (supervisor/union): lookup, whiteouts and
 * opaque directories in both on-disk formats, symlinks, merged readdir,
 * presented nlink and passthrough mounts.
 *
 * Every test builds its own layer stack in a fresh directory under $TMPDIR
 * (or /tmp): <root>/L0 is the upper (with its state directory), L1.. the
 * lowers, topmost first.  Criterion runs each test in its own process; the
 * fixture removes the directory afterwards, whatever the outcome.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "veneer/union.h"

/* ------------------------------------------------------------------ */
/* Fixture                                                             */
/* ------------------------------------------------------------------ */

static char g_root[PATH_MAX];
static struct vn_union g_u;

static void rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700); /* tests may leave search-only directories */
	d = opendir(path);
	if (d) {
		while ((de = readdir(d))) {
			char child[PATH_MAX];

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
			rm_rf(child);
		}
		closedir(d);
	}
	rmdir(path);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	memset(&g_u, 0, sizeof(g_u));
	snprintf(g_root, sizeof(g_root), "%s/vn-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(g_root), "mkdtemp: %s", strerror(errno));
}

static void teardown(void)
{
	vn_union_release(&g_u);
	if (g_root[0])
		rm_rf(g_root);
	g_root[0] = '\0';
}

/* cr_skip_test does not run .fini: clean up first. */
#define skip_test(...)                   \
	do {                             \
		teardown();              \
		cr_skip_test(__VA_ARGS__); \
	} while (0)

#define UT(suite, name) Test(suite, name, .init = setup, .fini = teardown)

/* Host path of `rel` in layer `l` (into a caller buffer). */
static char *lpath(char *buf, int l, const char *rel)
{
	int n = snprintf(buf, PATH_MAX, "%s/L%d%s%s", g_root, l, rel[0] ? "/" : "", rel);

	cr_assert(n > 0 && n < PATH_MAX, "path too long");
	return buf;
}

static void mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			cr_assert_fail("mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		cr_assert_fail("mkdir %s: %s", buf, strerror(errno));
}

static void mkparent(const char *path)
{
	char buf[PATH_MAX];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", path);
	slash = strrchr(buf, '/');
	if (slash && slash != buf) {
		*slash = '\0';
		mkdir_p(buf);
	}
}

/* A directory in layer l (with its parents). */
static void mkd(int l, const char *rel)
{
	char p[PATH_MAX];

	mkdir_p(lpath(p, l, rel));
}

/* A regular file in layer l holding `content`. */
static void put(int l, const char *rel, const char *content)
{
	char p[PATH_MAX];
	int fd;
	size_t n = strlen(content);

	lpath(p, l, rel);
	mkparent(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "create %s: %s", p, strerror(errno));
	cr_assert_eq(write(fd, content, n), (ssize_t)n);
	close(fd);
}

static void lnk(int l, const char *rel, const char *target)
{
	char p[PATH_MAX];

	lpath(p, l, rel);
	mkparent(p);
	cr_assert_eq(symlink(target, p), 0, "symlink %s: %s", p, strerror(errno));
}

/* Split rel into its directory part and base name. */
static void split(const char *rel, char *dir, const char **base)
{
	const char *slash = strrchr(rel, '/');

	if (slash) {
		memcpy(dir, rel, (size_t)(slash - rel));
		dir[slash - rel] = '\0';
		*base = slash + 1;
	} else {
		dir[0] = '\0';
		*base = rel;
	}
}

/* OCI whiteout: ".wh.NAME" next to where NAME would be. */
static void wh_oci(int l, const char *rel)
{
	char dir[PATH_MAX], whrel[PATH_MAX + 8];
	const char *base;

	split(rel, dir, &base);
	snprintf(whrel, sizeof(whrel), "%s%s.wh.%s", dir, dir[0] ? "/" : "", base);
	put(l, whrel, "");
}

/* overlayfs whiteout: a 0/0 character device named NAME. */
static void wh_ovl(int l, const char *rel)
{
	char p[PATH_MAX];

	lpath(p, l, rel);
	mkparent(p);
	if (mknod(p, S_IFCHR | 0000, makedev(0, 0)) < 0) {
		if (errno == EPERM)
			skip_test("mknod 0/0 not permitted here");
		cr_assert_fail("mknod %s: %s", p, strerror(errno));
	}
}

static void opq_oci(int l, const char *rel)
{
	char whrel[PATH_MAX];

	mkd(l, rel);
	snprintf(whrel, sizeof(whrel), "%s%s" VN_WH_OPAQUE, rel, rel[0] ? "/" : "");
	put(l, whrel, "");
}

static void opq_xattr(int l, const char *rel, const char *xname)
{
	char p[PATH_MAX];

	mkd(l, rel);
	lpath(p, l, rel);
	if (setxattr(p, xname, "y", 1, 0) < 0) {
		if (errno == ENOTSUP || errno == EPERM)
			skip_test("setxattr %s: %s", xname, strerror(errno));
		cr_assert_fail("setxattr %s on %s: %s", xname, p, strerror(errno));
	}
}

/* Create layers L0 (upper, with its state directory) .. L(n-1) and stack
 * them.  Files may be added before or after (the union holds dir fds). */
static int rm_rf_layer_dir(int l, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	rm_rf(lpath(p, l, rel));
	return lstat(p, &st) == 0 ? -1 : 0;
}

static void layers(int n)
{
	for (int i = 0; i < n; i++) {
		char p[PATH_MAX];
		int fd;

		mkd(i, "");
		lpath(p, i, "");
		fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cr_assert_geq(fd, 0, "open %s: %s", p, strerror(errno));
		cr_assert_eq(vn_union_add_layer(&g_u, fd, p, i == 0), 0);
	}
	mkd(0, VN_STATE_DIR);
	put(0, VN_STATE_DIR "/lock", "");
	mkd(0, VN_STATE_DIR "/work");
}

static int res_at(const char *start, const char *path, int flags, struct vn_node *n)
{
	return vn_resolve(&g_u, start, path, flags, n);
}

static int res(const char *path, int flags, struct vn_node *n)
{
	return res_at("/", path, flags, n);
}

/* Read a resolved regular file through the union (into buf). */
static const char *content(const struct vn_node *n, char *buf, size_t size)
{
	int fd = vn_open_node(&g_u, n, O_RDONLY);
	ssize_t r;

	cr_assert_geq(fd, 0, "vn_open_node %s: %s", n->path, strerror(-fd));
	r = read(fd, buf, size - 1);
	cr_assert_geq(r, 0);
	buf[r] = '\0';
	close(fd);
	return buf;
}

/* The path resolves (with flags) to a regular file: canonical path, layer
 * and content all exact. */
static void expect_file(const char *path, int flags, const char *canon, int layer,
			const char *want)
{
	struct vn_node n;
	char buf[256];
	int r = res(path, flags, &n);

	cr_assert_eq(r, 0, "resolve %s: %s", path, strerror(-r));
	cr_assert_str_eq(n.path, canon, "resolve %s", path);
	cr_assert_eq(n.layer, layer, "resolve %s: layer %d, want %d", path, n.layer, layer);
	cr_assert(S_ISREG(n.st.st_mode), "resolve %s: not a regular file", path);
	cr_assert_str_eq(content(&n, buf, sizeof(buf)), want, "content of %s", path);
}

static void expect_err(const char *start, const char *path, int flags, int err)
{
	struct vn_node n;
	int r = res_at(start, path, flags, &n);

	cr_assert_eq(r, -err, "resolve %s (from %s): got %d (%s), want -%s", path, start, r,
		     r < 0 ? strerror(-r) : "success", strerror(err));
}

static void expect_dir(const char *start, const char *path, int flags, const char *canon,
		       uint32_t dir_layers)
{
	struct vn_node n;
	int r = res_at(start, path, flags, &n);

	cr_assert_eq(r, 0, "resolve %s (from %s): %s", path, start, strerror(-r));
	cr_assert_str_eq(n.path, canon, "resolve %s (from %s)", path, start);
	cr_assert(S_ISDIR(n.st.st_mode), "resolve %s: not a directory", path);
	cr_assert_eq(n.dir_layers, dir_layers, "resolve %s: dir_layers %#x, want %#x", path,
		     n.dir_layers, dir_layers);
}

/* ---- listings ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The merged listing of a union dir, as "a,b,c" (sorted); fails on a
 * duplicate name.  The listing is returned in *out (caller frees). */
static char *list_names(const char *path, struct vn_listing *out)
{
	struct vn_node n;
	char **names;
	size_t len = 1;
	char *joined;
	int r = res(path, VN_FOLLOW, &n);

	cr_assert_eq(r, 0, "resolve %s: %s", path, strerror(-r));
	r = vn_readdir(&g_u, &n, out);
	cr_assert_eq(r, 0, "vn_readdir %s: %s", path, strerror(-r));
	names = calloc(out->count + 1, sizeof(*names));
	cr_assert_not_null(names);
	for (size_t i = 0; i < out->count; i++) {
		names[i] = out->entries[i].name;
		len += strlen(names[i]) + 1;
	}
	qsort(names, out->count, sizeof(*names), cmp_str);
	joined = calloc(1, len);
	cr_assert_not_null(joined);
	for (size_t i = 0; i < out->count; i++) {
		if (i) {
			cr_assert_str_neq(names[i], names[i - 1], "%s listed twice in %s", names[i],
					  path);
			strcat(joined, ",");
		}
		strcat(joined, names[i]);
	}
	free(names);
	return joined;
}

static void expect_listing(const char *path, const char *want)
{
	struct vn_listing l;
	char *got = list_names(path, &l);

	cr_assert_str_eq(got, want, "listing of %s", path);
	free(got);
	vn_listing_free(&l);
}

static const struct vn_dirent *entry(const struct vn_listing *l, const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->entries[i].name, name) == 0)
			return &l->entries[i];
	return NULL;
}

static nlink_t presented_nlink(const char *path)
{
	struct vn_node n;
	struct stat st;
	int r = res(path, 0, &n);

	cr_assert_eq(r, 0, "resolve %s: %s", path, strerror(-r));
	r = vn_getattr(&g_u, &n, &st);
	cr_assert_eq(r, 0, "vn_getattr %s: %s", path, strerror(-r));
	return st.st_nlink;
}

/* ------------------------------------------------------------------ */
/* Lookup                                                              */
/* ------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------ */
/* Whiteouts                                                           */
/* ------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------ */
/* Opaque directories                                                  */
/* ------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------ */
/* Symlinks                                                            */
/* ------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------ */
/* Readdir                                                             */
/* ------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------ */
/* nlink                                                               */
/* ------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------ */
/* Passthrough                                                         */
/* ------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------ */
/* Directory cache                                                     */
/* ------------------------------------------------------------------ */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

/* After a change, forgetting the path (or an ancestor) shows the new state. */
UT(cache, forget_shows_changes)
{
	struct vn_node n;

	layers(2);
	put(1, "d/x", "L");
	put(1, "a/b/x", "L");
	put(1, "lowonly", "L");
	expect_file("/d/x", 0, "/d/x", 1, "L");
	expect_dir("/", "/d", 0, "/d", 0x2);
	expect_file("/a/b/x", 0, "/a/b/x", 1, "L");

	/* a copy-up of d/x */
	put(0, "d/x", "U");
	vn_dircache_forget(&g_u, "/d");
	expect_file("/d/x", 0, "/d/x", 0, "U");
	expect_dir("/", "/d", 0, "/d", 0x3);

	/* forgetting a parent drops its descendants too */
	put(0, "a/b/x", "U");
	vn_dircache_forget(&g_u, "/a");
	expect_file("/a/b/x", 0, "/a/b/x", 0, "U");
	expect_dir("/", "/a/b", 0, "/a/b", 0x3);

	/* rmdir of a merged directory: a whiteout in the upper */
	wh_oci(0, "a");
	cr_assert_eq(rm_rf_layer_dir(0, "a"), 0);
	vn_dircache_forget(&g_u, "/a");
	cr_assert_eq(res("/a/b/x", 0, &n), -ENOENT);
	cr_assert_not(n.parent_exists);
	expect_err("/", "/a", 0, ENOENT);

	/* the root made opaque */
	opq_oci(0, "");
	vn_dircache_forget(&g_u, "/");
	expect_err("/", "/lowonly", 0, ENOENT);
	expect_dir("/", "/", 0, "/", 0x1);
	expect_dir("/", "/d", 0, "/d", 0x1);
}

/* The cache stays within its fd budget and gives every fd back. */
UT(cache, fds_bounded_and_released)
{
	struct rlimit rl;
	int base, peak = 0;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 256;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	base = count_fds();
	layers(3);
	for (int i = 0; i < 400; i++) {
		char rel[32];

		snprintf(rel, sizeof(rel), "d%03d/x", i);
		put(i % 3, rel, "x");
		snprintf(rel, sizeof(rel), "d%03d", i);
		mkd((i + 1) % 3, rel);
	}
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 400; i++) {
			char path[32];
			struct vn_node n;
			int r, fds;

			snprintf(path, sizeof(path), "/d%03d/x", i);
			r = res(path, 0, &n);
			cr_assert_eq(r, 0, "resolve %s: %s", path, strerror(-r));
			cr_assert_eq(n.layer, i % 3, "resolve %s: layer %d", path, n.layer);
			fds = count_fds();
			if (fds > peak)
				peak = fds;
		}
	cr_assert_lt(peak, 256 * 3 / 4, "the cache held %d fds (limit 256)", peak - base);
	vn_union_release(&g_u);
	cr_assert_eq(count_fds(), base, "fds left open after vn_union_release");
}

struct stress {
	pthread_t tid;
	unsigned seed;
	int errors;
	int done;
	bool forgetter;
	atomic_bool *stop;
};

#define STRESS_DIRS 120

static void *stress_run(void *arg)
{
	struct stress *st = arg;

	while (!atomic_load(st->stop)) {
		if (st->forgetter) {
			static const char *const paths[] = { "/", "/t", "/t/d0", "/t/d1" };

			vn_dircache_forget(&g_u, paths[rand_r(&st->seed) % 4]);
			st->done++;
			continue;
		}
		for (int k = 0; k < 200; k++) {
			int i = (int)(rand_r(&st->seed) % STRESS_DIRS);
			int j = (int)(rand_r(&st->seed) % STRESS_DIRS);
			char path[64], want[32];
			struct vn_node n;

			if (k % 2)
				snprintf(path, sizeof(path), "/t/d%d/sub/../x", i);
			else
				snprintf(path, sizeof(path), "/t/d%d/../d%d/sub/../x", j, i);
			snprintf(want, sizeof(want), "/t/d%d/x", i);
			if (vn_resolve(&g_u, "/", path, 0, &n) != 0 || n.layer != i % 3 ||
			    strcmp(n.path, want) != 0 || !S_ISREG(n.st.st_mode))
				st->errors++;
			if (vn_resolve(&g_u, "/t", "nope/x", 0, &n) != -ENOENT || n.parent_exists)
				st->errors++;
			st->done++;
		}
	}
	return NULL;
}

/* Workers resolve concurrently while the cache evicts and is forgotten. */
UT(cache, concurrent_resolve_evict_forget)
{
	struct rlimit rl;
	struct stress st[9];
	atomic_bool stop = false;
	int base, errors = 0;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 256;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	base = count_fds();
	layers(3);
	for (int i = 0; i < STRESS_DIRS; i++) {
		char rel[32];

		snprintf(rel, sizeof(rel), "t/d%d/x", i);
		put(i % 3, rel, "x");
		snprintf(rel, sizeof(rel), "t/d%d/sub", i);
		mkd((i + 1) % 3, rel);
	}
	for (int t = 0; t < 9; t++) {
		st[t] = (struct stress){ .seed = (unsigned)t + 1, .forgetter = t == 8,
					 .stop = &stop };
		cr_assert_eq(pthread_create(&st[t].tid, NULL, stress_run, &st[t]), 0);
	}
	usleep(1500 * 1000);
	atomic_store(&stop, true);
	for (int t = 0; t < 9; t++) {
		pthread_join(st[t].tid, NULL);
		errors += st[t].errors;
		cr_assert_gt(st[t].done, 0);
	}
	cr_assert_eq(errors, 0, "%d wrong answers under concurrency", errors);
	vn_union_release(&g_u);
	cr_assert_eq(count_fds(), base, "fds left open after vn_union_release");
}

/* ------------------------------------------------------------------ */
/* Write path: copy-up, whiteouts, opaque directories, rename, journal */
/* ------------------------------------------------------------------ */

#include "union/internal.h"

static void set_mtime(int l, const char *rel, time_t when)
{
	char p[PATH_MAX];
	struct timespec t[2] = { { .tv_sec = when }, { .tv_sec = when } };

	cr_assert_eq(utimensat(AT_FDCWD, lpath(p, l, rel), t, AT_SYMLINK_NOFOLLOW), 0);
}

static void lstat_layer(int l, const char *rel, struct stat *st)
{
	char p[PATH_MAX];

	cr_assert_eq(lstat(lpath(p, l, rel), st), 0, "lstat %s: %s", p, strerror(errno));
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

/* ------------------------------------------------------------------ */
/* Presented ownership: the owner store, creators, chown, permissions  */
/* ------------------------------------------------------------------ */

/* The host's answer for unmapped ids (the tests' files are all mapped:
 * a call means an id the namespace cannot show, which cannot happen). */
static int no_host_owner(void *arg, int dirfd, const char *name, uid_t *uid, gid_t *gid)
{
	(void)arg, (void)dirfd, (void)name, (void)uid, (void)gid;
	return -ENOSYS;
}

static void present_owners(void)
{
	struct vn_owner_config cfg = { .caller_uid = getuid(), .caller_gid = getgid(),
				       .host_owner = no_host_owner };

	cr_assert_eq(vn_owners_enable(&g_u, &cfg), 0);
}

/* Release the union and build it again on the same directories: what a
 * restart of the sandbox sees. */
static void restart_union(int nlayers)
{
	vn_union_release(&g_u);
	memset(&g_u, 0, sizeof(g_u));
	for (int i = 0; i < nlayers; i++) {
		char p[PATH_MAX];
		int fd = open(lpath(p, i, ""), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		cr_assert_geq(fd, 0);
		cr_assert_eq(vn_union_add_layer(&g_u, fd, p, i == 0), 0);
	}
	present_owners();
}

static void expect_owner(const char *path, uid_t uid, gid_t gid)
{
	struct vn_node n;

	cr_assert_eq(res(path, 0, &n), 0, "resolve %s", path);
	cr_assert_eq(n.st.st_uid, uid, "%s: uid %u, want %u", path, (unsigned)n.st.st_uid, (unsigned)uid);
	cr_assert_eq(n.st.st_gid, gid, "%s: gid %u, want %u", path, (unsigned)n.st.st_gid, (unsigned)gid);
}

static struct vn_cred cred_of(uid_t uid, gid_t gid)
{
	struct vn_cred c;

	vn_cred_root(&c, uid == 0 ? ~0ull : 0);
	c.ruid = c.euid = c.suid = c.fsuid = uid;
	c.rgid = c.egid = c.sgid = c.fsgid = gid;
	c.groups[0] = gid;
	return c;
}

UT(owners, chown_and_creations_persist_across_a_restart)
{
	struct vn_cred user = cred_of(1000, 1000);
	struct vn_node n;
	char p[PATH_MAX];
	int fd;

	layers(2);
	put(1, "etc/conf", "x");
	mkd(1, "pub");
	chmod(lpath(p, 1, "pub"), 0777);
	present_owners();
	expect_owner("/etc/conf", getuid(), getgid()); /* as this namespace shows it */
	cr_assert_eq(res("/etc/conf", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 42, 43), 0);
	expect_owner("/etc/conf", 42, 43);
	cr_assert_eq(res("/pub/made", 0, &n), -ENOENT);
	vn_set_cred(&user);
	fd = vn_create(&g_u, &n, O_WRONLY, 0644);
	vn_set_cred(NULL);
	cr_assert_geq(fd, 0, "create: %s", strerror(-fd));
	close(fd);
	expect_owner("/pub/made", 1000, 1000);
	cr_assert_eq(res("/sym", 0, &n), -ENOENT);
	cr_assert_eq(vn_symlink(&g_u, &n, "made"), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 7, 8), -ENOENT, "a stale node is refused");
	cr_assert_eq(res("/sym", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 7, 8), 0);

	restart_union(2);
	expect_owner("/etc/conf", 42, 43);
	expect_owner("/etc", getuid(), getgid());
	expect_owner("/pub/made", 1000, 1000);
	expect_owner("/sym", 7, 8);
}

UT(owners, a_removed_inode_leaves_no_record_and_a_reused_one_gets_its_own)
{
	struct vn_node n;
	struct vn_owner_store *store;
	char p[PATH_MAX];
	int fd, root;

	layers(2);
	present_owners();
	cr_assert_eq(res("/f", 0, &n), -ENOENT);
	fd = vn_create(&g_u, &n, O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(res("/f", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 5, 6), 0);
	cr_assert_eq(vn_unlink(&g_u, &n), 0);
	root = open(lpath(p, 0, ""), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_eq(vn_owner_store_load(root, &store), 0);
	/* the upper's root is recorded (it shows the root below); f is gone */
	cr_assert_eq(vn_owner_store_count(store), 1);
	vn_owner_store_free(store);
	close(root);
	/* whatever inode the next file gets, it shows its creator */
	cr_assert_eq(res("/g", 0, &n), -ENOENT);
	fd = vn_create(&g_u, &n, O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	expect_owner("/g", 0, 0);
}

/* Presented devices (mknod inside, owner.c): the store's device record. */

static void expect_device(const char *path, unsigned maj, unsigned min, mode_t perm)
{
	struct vn_node n;

	cr_assert_eq(res(path, 0, &n), 0, "resolve %s", path);
	cr_assert(S_ISCHR(n.st.st_mode), "%s: mode %o, want a character device", path,
		  (unsigned)n.st.st_mode);
	cr_assert_eq(n.st.st_rdev, makedev(maj, min), "%s: %u:%u", path, major(n.st.st_rdev),
		     minor(n.st.st_rdev));
	cr_assert_eq(n.st.st_mode & 07777, perm, "%s: perm %o", path, (unsigned)n.st.st_mode & 07777);
	cr_assert_eq(n.st.st_size, 0);
}

static unsigned char listed_type(const char *dir, const char *name)
{
	struct vn_listing l;
	struct vn_node n;
	unsigned char type = DT_UNKNOWN;

	cr_assert_eq(res(dir, 0, &n), 0);
	cr_assert_eq(vn_readdir(&g_u, &n, &l), 0);
	for (size_t i = 0; i < l.count; i++)
		if (strcmp(l.entries[i].name, name) == 0)
			type = l.entries[i].type;
	vn_listing_free(&l);
	return type;
}

static int mknod_at(const char *path, mode_t mode, dev_t dev)
{
	struct vn_node n;

	cr_assert_eq(res(path, 0, &n), -ENOENT, "%s exists", path);
	return vn_mknod(&g_u, &n, mode, dev);
}

UT(owners, mknod_makes_a_presented_device_kept_by_chown_rename_link_and_restart)
{
	struct vn_node n, to;
	struct stat real;
	char p[PATH_MAX];

	layers(2);
	present_owners();
	cr_assert_eq(mknod_at("/null", S_IFCHR | 0666, makedev(1, 3)), 0);
	expect_device("/null", 1, 3, 0666);
	expect_owner("/null", 0, 0);
	cr_assert_eq(listed_type("/", "null"), DT_CHR);
	/* on disk: an empty regular file, nothing with a device number */
	cr_assert_eq(lstat(lpath(p, 0, "null"), &real), 0);
	cr_assert(S_ISREG(real.st_mode) && real.st_size == 0 && real.st_rdev == 0);

	cr_assert_eq(res("/null", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 5, 6), 0);
	cr_assert_eq(res("/null", 0, &n), 0);
	cr_assert_eq(vn_chmod(&g_u, &n, 0640), 0);
	expect_device("/null", 1, 3, 0640);
	expect_owner("/null", 5, 6);
	cr_assert_eq(res("/null", 0, &n), 0);
	cr_assert_eq(res("/moved", 0, &to), -ENOENT);
	cr_assert_eq(vn_rename(&g_u, &n, &to, 0), 0);
	cr_assert_eq(res("/moved", 0, &n), 0);
	cr_assert_eq(res("/linked", 0, &to), -ENOENT);
	cr_assert_eq(vn_link(&g_u, &n, &to), 0);
	expect_device("/moved", 1, 3, 0640);
	expect_device("/linked", 1, 3, 0640);
	cr_assert_eq(res("/moved", 0, &n), 0);
	cr_assert_eq(vn_truncate(&g_u, &n, 10), -EINVAL, "a device is not truncated");

	restart_union(2);
	expect_device("/moved", 1, 3, 0640);
	expect_device("/linked", 1, 3, 0640);
	expect_owner("/linked", 5, 6);
	cr_assert_eq(listed_type("/", "linked"), DT_CHR);

	/* unlinked, its record goes with its last name */
	cr_assert_eq(res("/moved", 0, &n), 0);
	cr_assert_eq(vn_unlink(&g_u, &n), 0);
	expect_device("/linked", 1, 3, 0640);
	cr_assert_eq(res("/linked", 0, &n), 0);
	cr_assert_eq(vn_unlink(&g_u, &n), 0);
	cr_assert_eq(res("/linked", 0, &n), -ENOENT);
}

UT(owners, mknod_refuses_other_devices_and_identities_without_cap_mknod)
{
	/* a user who owns nothing here: not the one running the test, who
	 * owns the layers (uid 1000 is a fresh machine's first user) */
	struct vn_cred user = cred_of(getuid() + 1, getgid() + 1);
	struct vn_cred no_mknod = cred_of(0, 0);
	struct vn_node n;

	layers(2);
	/* with the kernel's ids: as the kernel in a user namespace */
	cr_assert_eq(mknod_at("/null", S_IFCHR | 0666, makedev(1, 3)), -EPERM);
	present_owners();
	cr_assert_eq(mknod_at("/sda", S_IFCHR | 0660, makedev(8, 0)), -EPERM);
	cr_assert_eq(mknod_at("/loop", S_IFCHR | 0660, makedev(7, 0)), -EPERM);
	cr_assert_eq(mknod_at("/mem", S_IFCHR | 0660, makedev(1, 1)), -EPERM);
	cr_assert_eq(mknod_at("/blk", S_IFBLK | 0660, makedev(1, 3)), -EPERM);
	cr_assert_eq(mknod_at("/wh", S_IFCHR | 0, makedev(0, 0)), -EPERM);
	no_mknod.cap_effective &= ~(1ull << CAP_MKNOD);
	vn_set_cred(&no_mknod);
	cr_assert_eq(mknod_at("/null", S_IFCHR | 0666, makedev(1, 3)), -EPERM);
	vn_set_cred(&user);
	cr_assert_eq(mknod_at("/null", S_IFCHR | 0666, makedev(1, 3)), -EACCES,
		     "the name's checks come first, as the kernel's");
	vn_set_cred(NULL);
	cr_assert_eq(res("/null", 0, &n), -ENOENT);
	cr_assert_eq(res("/sda", 0, &n), -ENOENT);
	cr_assert_eq(res("/blk", 0, &n), -ENOENT);
	cr_assert_eq(mknod_at("/tty", S_IFCHR | 0666, makedev(5, 0)), 0);
	cr_assert_eq(res("/tty", 0, &n), 0);
	cr_assert_eq(vn_mknod(&g_u, &n, S_IFCHR | 0666, makedev(5, 0)), -EEXIST);
}

/* The store's raw slots: what a veneer that knows only plain records
 * ("vown", 24 bytes) reads there. */
struct raw_slot {
	uint32_t magic, flags;
	uint64_t ino;
	uint32_t a, b;
};

static size_t read_store(struct raw_slot *v, size_t max)
{
	char p[PATH_MAX];
	int fd = open(lpath(p, 0, VN_STATE_DIR "/" VN_OWNER_STORE), O_RDONLY | O_CLOEXEC);
	ssize_t n;

	cr_assert_geq(fd, 0);
	n = read(fd, v, max * sizeof(*v));
	close(fd);
	cr_assert_geq(n, 0);
	cr_assert_eq(n % (ssize_t)sizeof(*v), 0, "the store holds whole slots");
	return (size_t)n / sizeof(*v);
}

static void append_store(const void *data, size_t size)
{
	char p[PATH_MAX];
	int fd = open(lpath(p, 0, VN_STATE_DIR "/" VN_OWNER_STORE), O_WRONLY | O_APPEND | O_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, size), (ssize_t)size);
	close(fd);
}

UT(owners, a_device_record_is_unreadable_to_older_veneers_and_tied_to_its_inode)
{
	struct raw_slot v[64], dev[2];
	struct vn_owner_store *store;
	struct statx stx;
	struct vn_node n;
	char p[PATH_MAX];
	size_t count, found = 0;
	dev_t rdev;
	int root, fd;

	layers(2);
	present_owners();
	cr_assert_eq(mknod_at("/zero", S_IFCHR | 0666, makedev(1, 5)), 0);
	cr_assert_eq(res("/zero", 0, &n), 0);
	count = read_store(v, 64);
	for (size_t i = 0; i < count; i++) {
		/* an older veneer applies "vown" slots only: none is the device's */
		if (v[i].magic == 0x6e776f76u)
			cr_assert_neq(v[i].ino, (uint64_t)n.st.st_ino, "a plain record of the device");
		if (v[i].magic == 0x76656476u && v[i].ino == n.st.st_ino) {
			cr_assert_lt(i + 1, count);
			cr_assert_eq(v[i + 1].magic, 0x32766476u, "the head's tail follows it");
			memcpy(dev, &v[i], sizeof(dev));
			found++;
		}
	}
	cr_assert_eq(found, 1);

	/* the tools read it (vn_owner_store_device checks the inode) */
	root = open(lpath(p, 0, ""), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(root, 0);
	cr_assert_eq(vn_owner_store_load(root, &store), 0);
	cr_assert(vn_owner_store_device(store, root, "zero", n.st.st_ino, &rdev));
	cr_assert_eq(rdev, makedev(1, 5));
	vn_owner_store_free(store);

	/* the device's record copied onto another empty file of the upper
	 * (a stale record meeting a reused inode number): its birth time is
	 * not the record's, so it stays a file */
	put(0, "plain", "");
	cr_assert_eq(statx(AT_FDCWD, lpath(p, 0, "plain"), AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_BTIME,
			   &stx), 0);
	if (!(stx.stx_mask & STATX_BTIME)) {
		close(root);
		cr_skip_test("no birth time on this file system");
	}
	/* zero's record again, with another owner, across the reader's
	 * 512-slot buffer: read whole */
	{
		struct raw_slot filler = { 0x6e776f76u, 1, 1, 0, 0 }; /* forget inode 1 */
		struct stat sz;

		cr_assert_eq(stat(lpath(p, 0, VN_STATE_DIR "/" VN_OWNER_STORE), &sz), 0);
		for (size_t i = (size_t)sz.st_size / sizeof(filler); i % 512 != 511; i++)
			append_store(&filler, sizeof(filler));
		dev[0].a = 77;
		append_store(dev, sizeof(dev));
		dev[0].a = 0;
	}
	dev[0].ino = stx.stx_ino;
	append_store(dev, sizeof(dev));
	/* a torn device record (its head alone) last: skipped */
	append_store(dev, sizeof(dev[0]));
	restart_union(2);
	expect_owner("/zero", 77, 0);
	cr_assert_eq(res("/plain", 0, &n), 0);
	cr_assert(S_ISREG(n.st.st_mode), "a stale device record made a file a device");
	cr_assert_eq(listed_type("/", "plain"), DT_REG);
	expect_device("/zero", 1, 5, 0666);
	cr_assert_eq(vn_owner_store_load(root, &store), 0);
	cr_assert(!vn_owner_store_device(store, root, "plain", stx.stx_ino, &rdev));
	vn_owner_store_free(store);

	/* a chown of that file does not make it the device either */
	cr_assert_eq(vn_chown(&g_u, &n, 3, 4), 0);
	cr_assert_eq(res("/plain", 0, &n), 0);
	cr_assert(S_ISREG(n.st.st_mode));

	/* and a device that got data (written by a run with the kernel's
	 * ids, where it is a file) is a file from then on */
	fd = open(lpath(p, 0, "zero"), O_WRONLY | O_APPEND | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "x", 1), 1);
	close(fd);
	cr_assert_eq(res("/zero", 0, &n), 0);
	cr_assert(S_ISREG(n.st.st_mode) && n.st.st_size == 1);
	close(root);
}

UT(owners, setgid_directories_give_their_group)
{
	struct vn_cred user = cred_of(1000, 1000);
	struct vn_node n;

	layers(2);
	mkd(1, "shared");
	present_owners();
	cr_assert_eq(res("/shared", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 0, 50), 0);
	cr_assert_eq(res("/shared", 0, &n), 0);
	cr_assert_eq(vn_chmod(&g_u, &n, 02777), 0);
	cr_assert_eq(res("/shared/sub", 0, &n), -ENOENT);
	vn_set_cred(&user);
	cr_assert_eq(vn_mkdir(&g_u, &n, 0755), 0);
	vn_set_cred(NULL);
	expect_owner("/shared/sub", 1000, 50);
}

UT(owners, who_may_chown_chmod_and_change_names)
{
	struct vn_cred user = cred_of(1000, 1000), other = cred_of(2000, 2000);
	struct vn_node n;
	struct stat st;
	char p[PATH_MAX];

	layers(2);
	put(1, "tmp/owned", "x");
	put(1, "etc/rootfile", "x");
	chmod(lpath(p, 1, "tmp"), 01777);
	chmod(lpath(p, 1, "etc"), 0755);
	present_owners();
	cr_assert_eq(res("/tmp/owned", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 1000, 1000), 0);
	cr_assert_eq(res("/tmp/owned", 0, &n), 0);
	cr_assert_eq(vn_chmod(&g_u, &n, 04755), 0);

	vn_set_cred(&other);
	cr_assert_eq(res("/tmp/owned", 0, &n), 0);
	cr_assert_eq(vn_chmod(&g_u, &n, 0600), -EPERM, "chmod of another's file");
	cr_assert_eq(vn_unlink(&g_u, &n), -EPERM, "unlink of another's file in a sticky dir");
	cr_assert_eq(res("/etc/new", 0, &n), -ENOENT);
	cr_assert_eq(vn_mkdir(&g_u, &n, 0755), -EACCES, "mkdir in root's 0755 dir");

	vn_set_cred(&user);
	cr_assert_eq(res("/tmp/owned", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 0, (gid_t)-1), -EPERM, "giving a file away");
	cr_assert_eq(vn_chown(&g_u, &n, (uid_t)-1, 1000), 0, "to one's own group");
	lstat_layer(0, "tmp/owned", &st);
	cr_assert_eq(st.st_mode & 07777, 0755, "chown kills setuid: mode %o", st.st_mode & 07777);
	cr_assert_eq(vn_unlink(&g_u, &n), 0, "unlink of one's own file in a sticky dir");
	vn_set_cred(NULL);
}

UT(owners, permission_follows_owner_group_and_other_bits)
{
	struct vn_cred user = cred_of(1000, 1000);
	struct stat st = { .st_mode = S_IFREG | 0640, .st_uid = 0, .st_gid = 1000 };

	vn_set_cred(&user);
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), 0, "group read");
	cr_assert_eq(vn_permission(&st, VN_MAY_WRITE), -EACCES, "group has no write");
	st.st_gid = 5;
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), -EACCES, "other has nothing");
	user.groups[1] = 5;
	user.ngroups = 2;
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), 0, "a supplementary group");
	st.st_uid = 1000;
	st.st_mode = S_IFREG | 0070;
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), -EACCES, "the owner class decides alone");
	vn_set_cred(NULL);
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), 0, "no identity: the kernel's business");
	user = cred_of(0, 0);
	vn_set_cred(&user);
	st.st_mode = S_IFREG | 0600;
	cr_assert_eq(vn_permission(&st, VN_MAY_EXEC), -EACCES, "root needs one x bit to exec");
	cr_assert_eq(vn_permission(&st, VN_MAY_READ | VN_MAY_WRITE), 0, "root reads and writes");
	/* a root without CAP_DAC_OVERRIDE (a policy keeping no capabilities) */
	user.cap_effective = 1ull << 2; /* CAP_DAC_READ_SEARCH */
	st.st_uid = 42;
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), 0, "CAP_DAC_READ_SEARCH reads");
	cr_assert_eq(vn_permission(&st, VN_MAY_WRITE), -EACCES, "but does not write");
	user.cap_effective = 0;
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), -EACCES, "no capability, no bypass");
	vn_set_cred(NULL);
}
