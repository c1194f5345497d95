/* SPDX-License-Identifier: Apache-2.0 */
/* The union core's unit-test fixture: layer stacks and expectations (fixture.h). */
#define _GNU_SOURCE
#include "fixture.h"

/* ------------------------------------------------------------------ */
/* Fixture                                                             */
/* ------------------------------------------------------------------ */

char g_root[PATH_MAX];
struct vn_union g_u;

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

void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	memset(&g_u, 0, sizeof(g_u));
	snprintf(g_root, sizeof(g_root), "%s/vn-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(g_root), "mkdtemp: %s", strerror(errno));
}

void teardown(void)
{
	vn_union_release(&g_u);
	if (g_root[0])
		rm_rf(g_root);
	g_root[0] = '\0';
}


/* Host path of `rel` in layer `l` (into a caller buffer). */
char *lpath(char *buf, int l, const char *rel)
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
void mkd(int l, const char *rel)
{
	char p[PATH_MAX];

	mkdir_p(lpath(p, l, rel));
}

/* A regular file in layer l holding `content`. */
void put(int l, const char *rel, const char *content)
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

void lnk(int l, const char *rel, const char *target)
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
void wh_oci(int l, const char *rel)
{
	char dir[PATH_MAX], whrel[PATH_MAX + 8];
	const char *base;

	split(rel, dir, &base);
	snprintf(whrel, sizeof(whrel), "%s%s.wh.%s", dir, dir[0] ? "/" : "", base);
	put(l, whrel, "");
}

/* overlayfs whiteout: a 0/0 character device named NAME. */
void wh_ovl(int l, const char *rel)
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

void opq_oci(int l, const char *rel)
{
	char whrel[PATH_MAX];

	mkd(l, rel);
	snprintf(whrel, sizeof(whrel), "%s%s" VN_WH_OPAQUE, rel, rel[0] ? "/" : "");
	put(l, whrel, "");
}

void opq_xattr(int l, const char *rel, const char *xname)
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
int rm_rf_layer_dir(int l, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	rm_rf(lpath(p, l, rel));
	return lstat(p, &st) == 0 ? -1 : 0;
}

void layers(int n)
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

int res_at(const char *start, const char *path, int flags, struct vn_node *n)
{
	return vn_resolve(&g_u, start, path, flags, n);
}

int res(const char *path, int flags, struct vn_node *n)
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
void expect_file(const char *path, int flags, const char *canon, int layer,
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

void expect_err(const char *start, const char *path, int flags, int err)
{
	struct vn_node n;
	int r = res_at(start, path, flags, &n);

	cr_assert_eq(r, -err, "resolve %s (from %s): got %d (%s), want -%s", path, start, r,
		     r < 0 ? strerror(-r) : "success", strerror(err));
}

void expect_dir(const char *start, const char *path, int flags, const char *canon,
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
char *list_names(const char *path, struct vn_listing *out)
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

void expect_listing(const char *path, const char *want)
{
	struct vn_listing l;
	char *got = list_names(path, &l);

	cr_assert_str_eq(got, want, "listing of %s", path);
	free(got);
	vn_listing_free(&l);
}

const struct vn_dirent *entry(const struct vn_listing *l, const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->entries[i].name, name) == 0)
			return &l->entries[i];
	return NULL;
}

nlink_t presented_nlink(const char *path)
{
	struct vn_node n;
	struct stat st;
	int r = res(path, 0, &n);

	cr_assert_eq(r, 0, "resolve %s: %s", path, strerror(-r));
	r = vn_getattr(&g_u, &n, &st);
	cr_assert_eq(r, 0, "vn_getattr %s: %s", path, strerror(-r));
	return st.st_nlink;
}

void lstat_layer(int l, const char *rel, struct stat *st)
{
	char p[PATH_MAX];

	cr_assert_eq(lstat(lpath(p, l, rel), st), 0, "lstat %s: %s", p, strerror(errno));
}

/* The host's answer for unmapped ids (the tests' files are all mapped:
 * a call means an id the namespace cannot show, which cannot happen). */
static int no_host_owner(void *arg, int dirfd, const char *name, uid_t *uid, gid_t *gid)
{
	(void)arg, (void)dirfd, (void)name, (void)uid, (void)gid;
	return -ENOSYS;
}

/* Presented ownership over the stack, with the caller as the root inside. */
void present_owners(void)
{
	struct vn_owner_config cfg = { .caller_uid = getuid(), .caller_gid = getgid(),
				       .host_owner = no_host_owner };

	cr_assert_eq(vn_owners_enable(&g_u, &cfg), 0);
}
