/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading an upper on the host, for the layer tools: open it (its lock
 * held shared, so no sandbox changes it meanwhile, and no sandbox appends
 * to the owner store the load below may rewrite), the owners its objects
 * show inside, and one sorted walk of its names that never follows a
 * symlink and skips the state directory.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "layer_tools.h"
#include "veneer/cleanup.h"
#include "veneer/grow.h"
#include "veneer/union.h"


/* ------------------------------------------------------------ the upper */

static int open_root(struct lt_upper *up, struct vn_error *err)
{
	up->fd = open(up->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (up->fd < 0)
		return vn_fail(err, 0, "upper %s: %s; give the directory a sandbox used as --upper",
			       up->path, strerror(errno));
	if (fstat(up->fd, &up->st) < 0)
		return vn_fail(err, errno, "stat upper %s", up->path);
	return 0;
}

/* The state directory's O_PATH fd, or -1 when the upper has none. */
static int open_state(struct lt_upper *up, int *state_fd, struct vn_error *err)
{
	*state_fd = openat(up->fd, VN_STATE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*state_fd < 0 && errno != ENOENT)
		return vn_fail(err, errno, "upper %s: open its state directory %s", up->path,
			       VN_STATE_DIR);
	return 0;
}

static int lock_shared(struct lt_upper *up, int state_fd, struct vn_error *err)
{
	char pid[32];
	ssize_t n;

	up->lock_fd = openat(state_fd, VN_STATE_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (up->lock_fd < 0)
		return errno == ENOENT ? 0 : vn_fail(err, errno, "upper %s: open its lock", up->path);
	if (flock(up->lock_fd, LOCK_SH | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return vn_fail(err, errno, "upper %s: take its lock", up->path);
	n = pread(up->lock_fd, pid, sizeof(pid) - 1, 0);
	pid[n > 0 ? n : 0] = '\0';
	pid[strcspn(pid, "\n")] = '\0';
	return vn_fail(err, 0, "upper %s is in use by veneer pid %s; run this again after it exits",
		       up->path, pid[0] ? pid : "?");
}

static int load_owners(struct lt_upper *up, struct vn_error *err)
{
	int r = vn_owner_store_load(up->fd, &up->store);

	if (r < 0)
		return vn_fail(err, -r, "upper %s: read its owner store", up->path);
	return 0;
}

int lt_upper_open(const char *path, struct lt_upper *up, struct vn_error *err)
{
	cleanup_close int state_fd = -1;

	memset(up, 0, sizeof(*up));
	up->path = path;
	up->fd = -1;
	up->lock_fd = -1;
	up->caller_uid = getuid();
	up->caller_gid = getgid();
	if (open_root(up, err) < 0 || open_state(up, &state_fd, err) < 0)
		return -1;
	if (state_fd >= 0 && lock_shared(up, state_fd, err) < 0)
		return -1;
	return load_owners(up, err);
}

int lt_upper_open_fd(int fd, const char *name, struct lt_upper *up, struct vn_error *err)
{
	memset(up, 0, sizeof(*up));
	up->path = name;
	up->fd = fd;
	up->lock_fd = -1;
	up->caller_uid = getuid();
	up->caller_gid = getgid();
	if (fstat(up->fd, &up->st) < 0)
		return vn_fail(err, errno, "stat upper %s", up->path);
	return load_owners(up, err);
}

void lt_upper_close(struct lt_upper *up)
{
	vn_owner_store_free(up->store);
	up->store = NULL;
	if (up->lock_fd >= 0)
		close(up->lock_fd);
	if (up->fd >= 0)
		close(up->fd);
	up->lock_fd = up->fd = -1;
}

/* As the sandbox shows it: the store's record, else the real owner with
 * the caller (root inside) as 0. */
void lt_presented_owner(const struct lt_upper *up, const struct stat *st, uid_t *uid, gid_t *gid)
{
	if (up->store && vn_owner_store_get(up->store, st->st_ino, uid, gid))
		return;
	*uid = st->st_uid;
	*gid = st->st_gid;
	if (*uid == up->caller_uid)
		*uid = 0;
	if (*gid == up->caller_gid)
		*gid = 0;
}

/* A character device made inside (mknod as the sandbox's root) is an
 * empty file of the upper that the store presents as the device: shown
 * as the device, of the file's permission bits. */
static void present_device(const struct lt_upper *up, int dirfd, const char *name,
			   struct stat *st)
{
	dev_t rdev;

	if (!up->store || !S_ISREG(st->st_mode) ||
	    !vn_owner_store_device(up->store, dirfd, name, st->st_ino, &rdev))
		return;
	st->st_mode = S_IFCHR | (st->st_mode & 07777);
	st->st_rdev = rdev;
	st->st_size = 0;
	st->st_blocks = 0;
}

/* ------------------------------------------------------------- helpers */

char *lt_join(const char *dir, const char *name)
{
	char *path;

	if (!dir[0])
		return strdup(name);
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	return path;
}

char lt_type_letter(const struct stat *st)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	default: return '?';
	}
}

/* ------------------------------------------------------------- the walk */

struct walk {
	struct lt_upper *up;
	lt_visit_fn visit;
	void *arg;
	struct vn_error *err;
};

/* A name of a directory, stat'ed, with the name it sorts by: its own, or
 * for an overlayfs-style whiteout the OCI one (".wh.NAME"), so that a
 * tar's entries come in order of the names they are written under. */
struct child {
	char *name;
	char *key; /* NULL: name */
	struct stat st;
};

struct children {
	struct child *v;
	size_t n, cap;
};

static void children_free(struct children *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].key);
	}
	free(c->v);
}

static bool is_inline_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static int children_add(struct children *c, int dirfd, const char *name)
{
	struct child *child = vn_grow(c->v, &c->cap, c->n, sizeof(*child), 32);

	if (!child)
		return -ENOMEM;
	c->v = child;
	child = &c->v[c->n];
	memset(child, 0, sizeof(*child));
	if (fstatat(dirfd, name, &child->st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno; /* gone meanwhile */
	child->name = strdup(name);
	if (!child->name)
		return -ENOMEM;
	c->n++;
	if (is_inline_whiteout(&child->st) && asprintf(&child->key, VN_WH_PREFIX "%s", name) < 0) {
		child->key = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int compare_children(const void *a, const void *b)
{
	const struct child *x = a, *y = b;

	return strcmp(x->key ? x->key : x->name, y->key ? y->key : y->name);
}

/* Every name of the directory dirfd but . and .. (and, at the root, the
 * state directory), sorted: 0 or -errno. */
static int read_children(int dirfd, bool root, struct children *c)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	for (errno = 0; r == 0 && (de = readdir(d)); errno = 0) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    (root && strcmp(de->d_name, VN_STATE_DIR) == 0))
			continue;
		r = children_add(c, dirfd, de->d_name);
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(d);
	if (r == 0 && c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), compare_children);
	return r;
}

static enum lt_kind classify(const char *name, const struct stat *st, const char **hidden)
{
	size_t n = strlen(VN_WH_PREFIX);

	*hidden = NULL;
	if (strcmp(name, VN_WH_OPAQUE) == 0)
		return LT_OPAQUE;
	/* ".wh.." and ".wh..." would hide "." and "..": no name of the
	 * directory's, just a name (a tool acting on them would act on the
	 * directory itself or its parent) */
	if (strncmp(name, VN_WH_PREFIX, n) == 0 && name[n] && strcmp(name + n, ".") != 0 &&
	    strcmp(name + n, "..") != 0) {
		*hidden = name + n;
		return LT_WHITEOUT;
	}
	if (is_inline_whiteout(st)) {
		*hidden = name; /* the overlayfs form, for names too long for ".wh." */
		return LT_WHITEOUT;
	}
	return LT_OBJECT;
}

int lt_open_as_owner(int dirfd, const char *name, const struct stat *st, int flags,
		     bool *opened_up)
{
	mode_t need = S_ISDIR(st->st_mode) ? S_IRUSR | S_IXUSR : S_IRUSR;
	int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);

	*opened_up = false;
	if (fd >= 0 || errno != EACCES || st->st_uid != geteuid() || (st->st_mode & need) == need)
		return fd < 0 ? -errno : fd;
	if (fchmodat(dirfd, name, (st->st_mode & 07777) | need, 0) < 0)
		return -EACCES;
	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		(void)fchmodat(dirfd, name, st->st_mode & 07777, 0);
		return r;
	}
	*opened_up = true;
	return fd;
}


/* The name under which parent holds the directory of stat st: into
 * name; 0, or -errno (-ENOENT: parent holds it under none). */
static int name_in_parent(int parent, const struct stat *st, char *name, size_t size)
{
	DIR *d = fdopendir(openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	struct dirent *de;
	int r = -ENOENT;

	if (!d)
		return -errno;
	while (r == -ENOENT && (de = readdir(d))) {
		struct stat child;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(parent, de->d_name, &child, AT_SYMLINK_NOFOLLOW) < 0 ||
		    child.st_dev != st->st_dev || child.st_ino != st->st_ino)
			continue;
		r = (size_t)snprintf(name, size, "%s", de->d_name) < size ? 0 : -ENAMETOOLONG;
	}
	closedir(d);
	return r;
}

/* The kernel's name of fd in our mount namespace: 0, or -1 when it has
 * none to go by (gone, or not reachable from our root). */
static int fd_path(int fd, char *out, size_t size)
{
	char link[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	if (n <= 0 || (size_t)n >= size - 1 || out[0] != '/')
		return -1;
	out[n] = '\0';
	return strstr(out, " (deleted)") ? -1 : 0;
}

/* lt_dir_path_below by the kernel's names of both directories, the
 * answer checked: 1 (out set) or 0, or -1 when the names cannot tell.
 * The walk up by ".." must read every directory on the way, and /home
 * is 0711 on some systems: `run --commit` over / failed there. */
static int path_below_by_names(int dirfd, int top_fd, char *out, size_t size)
{
	char path[PATH_MAX], top[PATH_MAX];
	struct stat want, got;
	size_t n;

	if (fd_path(dirfd, path, sizeof(path)) < 0 || fd_path(top_fd, top, sizeof(top)) < 0)
		return -1;
	n = strcmp(top, "/") == 0 ? 0 : strlen(top);
	if (strncmp(path, top, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return 0;
	if ((size_t)snprintf(out, size, "%s", path[n] ? path + n + 1 : "") >= size)
		return -1;
	/* the name leads to the very directory (no mount or rename since) */
	if (fstat(dirfd, &want) < 0 ||
	    fstatat(top_fd, out[0] ? out : ".", &got, AT_SYMLINK_NOFOLLOW) < 0 ||
	    got.st_dev != want.st_dev || got.st_ino != want.st_ino)
		return -1;
	return 1;
}

int lt_dir_path_below(int dirfd, int top_fd, const struct stat *top, char *out, size_t size)
{
	cleanup_close int fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char name[NAME_MAX + 1], tail[PATH_MAX];
	int by_names = out ? path_below_by_names(dirfd, top_fd, out, size) : -1;

	if (by_names >= 0)
		return by_names;
	if (out)
		out[0] = '\0';
	for (int depth = 0; fd >= 0 && depth < 4096; depth++) {
		struct stat st, parent_st;
		int parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC), r;

		if (parent < 0 || fstat(fd, &st) < 0 || fstat(parent, &parent_st) < 0) {
			r = -errno;
			if (parent >= 0)
				close(parent);
			return r;
		}
		close(fd);
		fd = parent;
		if (st.st_dev == top->st_dev && st.st_ino == top->st_ino)
			return 1;
		if (st.st_dev == parent_st.st_dev && st.st_ino == parent_st.st_ino)
			return 0; /* the root */
		if (!out)
			continue;
		r = name_in_parent(parent, &st, name, sizeof(name));
		if (r < 0)
			return r;
		snprintf(tail, sizeof(tail), "%s", out);
		if ((size_t)snprintf(out, size, "%s%s%s", name, tail[0] ? "/" : "", tail) >= size)
			return -ENAMETOOLONG;
	}
	return fd < 0 ? -errno : 0;
}

int lt_dir_inside(int dirfd, const struct stat *top)
{
	return lt_dir_path_below(dirfd, -1, top, NULL, 0);
}

void lt_print_path(FILE *out, const char *path)
{
	putc('/', out);
	lt_print_escaped(out, path);
}

void lt_print_escaped(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", out);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\%03o", *p);
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			/* a C1 control as UTF-8 writes it (U+009B is CSI to a
			 * terminal, U+009D OSC): escaped like C0 */
			fprintf(out, "\\%03o\\%03o", p[0], p[1]);
			p++;
		} else
			putc(*p, out);
	}
}

int lt_close_up(int fd, const struct stat *st)
{
	return fchmod(fd, st->st_mode & 07777) < 0 ? -errno : 0;
}

/* A subdirectory the walk enters: the one it stat'ed, never a symlink
 * (ESTALE: something else took its name meanwhile), opened up when its
 * owner may not read or search it (lt_open_as_owner). */
static int open_subdir(int dirfd, const char *name, const struct stat *st, bool *opened_up)
{
	int fd = lt_open_as_owner(dirfd, name, st, O_RDONLY | O_DIRECTORY, opened_up);
	struct stat now;
	int r = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, &now) < 0)
		r = -errno;
	else if (now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		r = -ESTALE;
	if (r < 0) {
		if (*opened_up)
			(void)lt_close_up(fd, st);
		close(fd);
	}
	return r < 0 ? r : fd;
}

static int walk_dir(struct walk *w, int dirfd, const char *dir);

/* An object of the caller's without a record of the store may keep the
 * owner an image gave it in user.rootlesscontainers (an upper umoci's
 * rootless unpack wrote): as the sandbox shows it. */
static void kept_rootless_owner(const struct lt_upper *up, int dirfd, const char *name,
				struct lt_entry *e)
{
	uid_t uid;
	gid_t gid;

	if (e->st.st_uid != up->caller_uid ||
	    (up->store && vn_owner_store_get(up->store, e->st.st_ino, &uid, &gid)))
		return;
	(void)vn_rootless_owner_at(dirfd, name, &e->st, &e->uid, &e->gid);
}

static int visit_child(struct walk *w, int dirfd, const char *dir, const struct child *c)
{
	struct lt_entry e = { .dir = dir, .name = c->name, .dirfd = dirfd, .fd = -1, .st = c->st };
	cleanup_free char *path = lt_join(dir, c->name);
	cleanup_close int fd = -1;
	bool opened_up = false;
	int r;

	if (!path)
		return vn_fail(w->err, ENOMEM, "walk upper %s", w->up->path);
	e.path = path;
	e.kind = classify(c->name, &e.st, &e.hidden);
	if (e.kind == LT_OBJECT)
		present_device(w->up, dirfd, c->name, &e.st);
	lt_presented_owner(w->up, &e.st, &e.uid, &e.gid);
	if (e.kind == LT_OBJECT)
		kept_rootless_owner(w->up, dirfd, c->name, &e);
	if (e.kind == LT_OBJECT && S_ISDIR(e.st.st_mode)) {
		fd = open_subdir(dirfd, c->name, &e.st, &opened_up);
		if (fd < 0)
			return vn_fail(w->err, -fd, "open directory %s/%s", w->up->path, path);
		e.fd = fd;
	}
	r = w->visit(w->arg, &e, w->err) < 0 ? -1 : fd >= 0 ? walk_dir(w, fd, path) : 0;
	/* its own mode back, once what is below it was read */
	if (opened_up && lt_close_up(fd, &c->st) < 0 && r == 0)
		r = vn_fail(w->err, errno, "give %s/%s its mode back", w->up->path, path);
	return r;
}

static int walk_dir(struct walk *w, int dirfd, const char *dir)
{
	struct children c = { 0 };
	int r = read_children(dirfd, !dir[0], &c);

	if (r < 0) {
		children_free(&c);
		return vn_fail(w->err, -r, "read directory %s%s%s", w->up->path, dir[0] ? "/" : "",
			       dir);
	}
	for (size_t i = 0; r == 0 && i < c.n; i++)
		r = visit_child(w, dirfd, dir, &c.v[i]);
	children_free(&c);
	return r;
}

int lt_walk(struct lt_upper *up, lt_visit_fn visit, void *arg, struct vn_error *err)
{
	struct walk w = { .up = up, .visit = visit, .arg = arg, .err = err };

	return walk_dir(&w, up->fd, "");
}

/* ---------------------------------------------------------- hard links */

struct seen_inode {
	dev_t dev;
	ino_t ino;
	char *path;
};

static int compare_inodes(const void *a, const void *b)
{
	const struct seen_inode *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

int lt_first_link(void **seen, const struct lt_entry *e, const char **first)
{
	struct seen_inode key = { .dev = e->st.st_dev, .ino = e->st.st_ino };
	struct seen_inode *node, **found = tfind(&key, seen, compare_inodes);

	*first = found ? (*found)->path : NULL;
	if (found)
		return 0;
	node = malloc(sizeof(*node));
	if (!node || !(node->path = strdup(e->path))) {
		free(node);
		return -1;
	}
	node->dev = key.dev;
	node->ino = key.ino;
	if (!tsearch(node, seen, compare_inodes)) {
		free(node->path);
		free(node);
		return -1;
	}
	return 0;
}

static void free_seen(void *p)
{
	struct seen_inode *node = p;

	free(node->path);
	free(node);
}

void lt_links_free(void **seen)
{
	tdestroy(*seen, free_seen);
	*seen = NULL;
}
