/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The view: a tmpfs that is the target's root.  It never holds file data;
 * the supervisor renders into it just what the kernel must resolve itself
 * (a cwd, an exec, a FIFO): empty directories, symlinks met on the way,
 * read-only binds of executables, special files.  Every render checks what
 * is there first, so rendering is idempotent and a stale object is
 * replaced (a rebuilt binary gets a fresh bind).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "veneer/cleanup.h"
#include "veneer/devices.h"

/* The directories the view is known to hold, each with the view's
 * generation when it was made or found: a walk renders every directory
 * it passes, and checking the view each time cost a lookup per component
 * (a render from the root for each of them).  Anything that takes a path
 * out of the view bumps the generation (view_remove), which retires every
 * entry made before. */
#define RENDERED_SLOTS 4096

struct view_rendered {
	pthread_mutex_t lock;
	struct {
		uint64_t hash;
		uint64_t generation;
		char *rel;
	} slots[RENDERED_SLOTS];
};

static bool view_has_rendered(struct vn_view *v, const char *rel, size_t len)
{
	struct view_rendered *r = v->rendered;
	uint64_t hash = union_hash_n(rel, len);
	bool known;

	pthread_mutex_lock(&r->lock);
	known = r->slots[hash % RENDERED_SLOTS].rel && r->slots[hash % RENDERED_SLOTS].hash == hash &&
		r->slots[hash % RENDERED_SLOTS].generation == __atomic_load_n(&v->generation, __ATOMIC_ACQUIRE) &&
		strncmp(r->slots[hash % RENDERED_SLOTS].rel, rel, len) == 0 &&
		r->slots[hash % RENDERED_SLOTS].rel[len] == '\0';
	pthread_mutex_unlock(&r->lock);
	return known;
}

/* generation: the view's, read before the directory was made or found */
static void view_note_rendered(struct vn_view *v, const char *rel, size_t len, uint64_t generation)
{
	struct view_rendered *r = v->rendered;
	uint64_t hash = union_hash_n(rel, len);
	char *copy = strndup(rel, len);

	if (!copy)
		return; /* only a cache: the next render looks again */
	pthread_mutex_lock(&r->lock);
	free(r->slots[hash % RENDERED_SLOTS].rel);
	r->slots[hash % RENDERED_SLOTS].hash = hash;
	r->slots[hash % RENDERED_SLOTS].generation = generation;
	r->slots[hash % RENDERED_SLOTS].rel = copy;
	pthread_mutex_unlock(&r->lock);
}

static void view_rendered_free(struct view_rendered *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < RENDERED_SLOTS; i++)
		free(r->slots[i].rel);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

int vn_view_open(struct vn_union *u, const char *view_path, int view_fd)
{
	struct vn_view *v = calloc(1, sizeof(*v));
	struct stat st;

	if (!v)
		return -ENOMEM;
	v->rendered = calloc(1, sizeof(*v->rendered));
	if (!v->rendered) {
		free(v);
		return -ENOMEM;
	}
	pthread_mutex_init(&v->rendered->lock, NULL);
	if (fstat(view_fd, &st) < 0) {
		int err = -errno;

		view_rendered_free(v->rendered);
		free(v);
		return err;
	}
	v->path = strdup(view_path);
	if (!v->path) {
		view_rendered_free(v->rendered);
		free(v);
		return -ENOMEM;
	}
	v->fd = view_fd;
	v->target_fd = -1;
	v->dev = st.st_dev;
	pthread_mutex_init(&v->bind_lock, NULL);
	u->view = v;
	return 0;
}

void vn_view_close(struct vn_union *u)
{
	if (!u->view)
		return;
	close(u->view->fd);
	if (u->view->target_fd >= 0)
		close(u->view->target_fd);
	free(u->view->path);
	view_rendered_free(u->view->rendered);
	pthread_mutex_destroy(&u->view->bind_lock);
	free(u->view);
	u->view = NULL;
}

bool vn_view_owns(const struct vn_union *u, dev_t dev)
{
	return u->view && u->view->dev == dev;
}

void vn_view_set_target_root(struct vn_union *u, int fd)
{
	u->view->target_fd = fd;
}

int vn_view_target_root(const struct vn_union *u)
{
	return u->view ? u->view->target_fd : -1;
}

/* The view directory holding rel, reached without following a symlink
 * (a stale view must never lead the supervisor out of it), and rel's last
 * component.  -ENOENT when there is no such directory. */
static int view_parent(struct vn_view *v, const char *rel, const char **name)
{
	const char *slash = strrchr(rel, '/');
	char dir[PATH_MAX];
	int fd;

	*name = slash ? slash + 1 : rel;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 0, rel);
	fd = union_openat_beneath(v->fd, dir, O_PATH | O_DIRECTORY);
	/* a symlink or a file on the way: nothing of ours lies below it */
	return fd == -ELOOP || fd == -ENOTDIR ? -ENOENT : fd;
}

/* Remove rel and everything below it from the view, binds unmounted
 * first.  Removing anything bumps the view's generation, which retires
 * what was known of rel and below (rendered directories, fd paths). */
static int view_remove(struct vn_view *v, const char *rel)
{
	char mnt[PATH_MAX];
	const char *name;
	struct stat st;
	int parent = view_parent(v, rel, &name);
	int r = 0;

	if (parent < 0)
		return parent == -ENOENT ? 0 : parent;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = errno == ENOENT ? 0 : -errno;
		close(parent);
		return r;
	}
	snprintf(mnt, sizeof(mnt), "/proc/self/fd/%d/%s", parent, name);
	while (umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		;
	/* what the bind covered: a placeholder file, or a directory */
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = errno == ENOENT ? 0 : -errno;
		close(parent);
		return r;
	}
	if (S_ISDIR(st.st_mode)) {
		int fd = union_openat_beneath(parent, name, O_RDONLY | O_DIRECTORY);
		DIR *d = fd < 0 ? NULL : fdopendir(fd);
		struct dirent *de;

		if (fd >= 0 && !d)
			close(fd);
		while (d && (de = readdir(d))) {
			char child[PATH_MAX];

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (snprintf(child, sizeof(child), "%s/%s", rel, de->d_name) < (int)sizeof(child))
				view_remove(v, child);
		}
		if (d)
			closedir(d);
	}
	if (unlinkat(parent, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
		r = -errno;
	close(parent);
	__atomic_add_fetch(&v->generation, 1, __ATOMIC_RELEASE);
	return r;
}

/* Make directory `name` in the view directory `parent` (whose view path is
 * rel's parent), replacing a stale non-directory. */
static int view_mkdir_at(struct vn_view *v, int parent, const char *name, const char *rel)
{
	struct stat st;
	int r;

	if (mkdirat(parent, name, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return 0;
	r = view_remove(v, rel);
	if (r < 0)
		return r;
	if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* How much of rel (a length ending at a component) the view is known to
 * hold as directories: the longest such prefix, 0 for none. */
static size_t view_rendered_prefix(struct vn_view *v, const char *rel)
{
	size_t len = strlen(rel);

	while (len > 0) {
		if (view_has_rendered(v, rel, len))
			return len;
		while (len > 0 && rel[len - 1] != '/')
			len--;
		if (len > 0)
			len--; /* the slash */
	}
	return 0;
}

/* `path` is canonical (no symlinks), so making it is mkdir -p, from the
 * deepest directory the view is known to hold.  Every step is taken from
 * the directory fd of the step before, refusing symlinks: a symlink in
 * the view (the union's, rendered earlier) is never followed by the
 * supervisor, whose own root is the host's. */
int vn_render_dir(struct vn_union *u, const char *path)
{
	struct vn_view *v = u->view;
	uint64_t generation = __atomic_load_n(&v->generation, __ATOMIC_ACQUIRE);
	char rel[PATH_MAX];
	size_t known;
	int dir, r = 0;

	if (snprintf(rel, sizeof(rel), "%s", vn_rel(path)) >= (int)sizeof(rel))
		return -ENAMETOOLONG;
	if (!rel[0])
		return 0;
	known = view_rendered_prefix(v, rel);
	if (known == strlen(rel))
		return 0;
	if (known) {
		rel[known] = '\0';
		dir = union_openat_beneath(v->fd, rel, O_PATH | O_DIRECTORY);
		rel[known] = '/';
		if (dir < 0) /* known, but gone since: from the root */
			known = 0;
	}
	if (!known)
		dir = union_openat_beneath(v->fd, "", O_PATH | O_DIRECTORY);
	if (dir < 0)
		return dir;
	for (char *name = rel + (known ? known + 1 : 0), *slash; dir >= 0; name = slash + 1) {
		int next = -1;

		slash = strchr(name, '/');
		if (slash)
			*slash = '\0';
		r = view_mkdir_at(v, dir, name, rel);
		if (r == 0)
			view_note_rendered(v, rel, strlen(rel), generation);
		/* the last one need not be opened */
		if (r == 0 && slash) {
			next = union_openat_beneath(dir, name, O_PATH | O_DIRECTORY);
			if (next < 0)
				r = next;
		}
		close(dir);
		dir = next;
		if (!slash || r < 0)
			break;
		*slash = '/';
	}
	if (dir >= 0)
		close(dir);
	return r;
}

int vn_render_symlink(struct vn_union *u, const char *path, const char *target)
{
	struct vn_view *v = u->view;
	const char *rel = vn_rel(path), *name;
	char have[PATH_MAX];
	int parent = view_parent(v, rel, &name);
	ssize_t n;
	int r = 0;

	if (parent < 0)
		return parent;
	n = readlinkat(parent, name, have, sizeof(have) - 1);
	if (n >= 0) {
		have[n] = '\0';
		if (strcmp(have, target) == 0)
			goto out;
	} else if (errno != ENOENT && errno != EINVAL) {
		r = -errno;
		goto out;
	}
	/* nothing there (ENOENT): nothing to remove first */
	if (n >= 0 || errno != ENOENT)
		r = view_remove(v, rel);
	if (r == 0 && symlinkat(target, parent, name) < 0 && errno != EEXIST)
		r = -errno;
out:
	close(parent);
	return r;
}

static bool same_object(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The host's node for a layer's character device of one of the numbers
 * the sandbox's /dev holds (a chroot's dev/null, dev/zero...): an O_PATH
 * fd, -ENODEV for any other device. */
static int host_device_node(const struct stat *layer_node)
{
	for (size_t i = 0; i < VN_SANDBOX_DEVICES; i++) {
		char path[32];
		struct stat st;
		int fd;

		snprintf(path, sizeof(path), "/dev/%s", vn_sandbox_devices[i]);
		fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == layer_node->st_rdev)
			return fd;
		close(fd);
	}
	return -ENODEV;
}

/* What a bind of node shows: the layer's object, or for a device the
 * sandbox may open, the host's node of that number. */
static int bind_source(struct vn_union *u, const struct vn_node *node, bool *device)
{
	*device = false;
	if (S_ISCHR(node->st.st_mode)) {
		int fd = host_device_node(&node->st);

		*device = fd >= 0;
		if (*device)
			return fd;
	}
	return vn_open_node(u, node, O_PATH | O_NOFOLLOW);
}

/* A device the sandbox made (mknod inside, owner.c: a regular file of the
 * upper behind it) of a number the host's node of which it may not open
 * (console, ptmx).  Opened, it is nothing: ENXIO, as a device without a
 * driver.  O_PATH binds it still (the empty file, read-only: chmod and
 * stat through /proc/self/fd work), as does any node. */
static bool made_device_without_node(struct vn_union *u, const struct vn_node *node)
{
	cleanup_close int host = -1, fd = -1;
	struct stat real;

	if (!S_ISCHR(node->st.st_mode) || node->layer != 0 ||
	    (host = host_device_node(&node->st)) >= 0)
		return false;
	fd = vn_open_node(u, node, O_PATH | O_NOFOLLOW);
	return fd >= 0 && fstat(fd, &real) == 0 && S_ISREG(real.st_mode);
}

/* A detached clone of what a bind of node shows, read-only: what the
 * target reaches through the view (after CONTINUE, by any path it can
 * race) it may only read, upper files included.  No device node of a
 * layer opens through it either (a chroot's dev/sda1 in lower /: run as
 * root, the target's uid 0 would own the host's disk); the host's own
 * null, zero... do, as in the sandbox's /dev. */
static int clone_read_only(struct vn_union *u, const struct vn_node *node)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV };
	bool device;
	cleanup_close int src = bind_source(u, node, &device);
	int tree;

	if (src < 0)
		return src;
	if (device)
		attr.attr_set &= ~(uint64_t)MOUNT_ATTR_NODEV;
	tree = (int)syscall(SYS_open_tree, src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return -errno;
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int err = errno;

		close(tree);
		return -err;
	}
	return tree;
}

static bool bind_is_fresh(const struct stat *seen, const struct vn_node *node)
{
	struct stat host;
	cleanup_close int fd = -1;

	if (same_object(seen, &node->st))
		return true;
	if (!S_ISCHR(node->st.st_mode) || (fd = host_device_node(&node->st)) < 0)
		return false;
	return fstat(fd, &host) == 0 && seen->st_dev == host.st_dev && seen->st_ino == host.st_ino;
}

static int bind_node_locked(struct vn_union *u, const struct vn_node *node)
{
	struct vn_view *v = u->view;
	const char *rel = vn_rel(node->path), *name;
	cleanup_close int parent = view_parent(v, rel, &name);
	cleanup_close int tree = -1;
	struct stat st;
	int fd, r;

	if (parent < 0)
		return parent;
	/* stat follows the bind: the real object shows through when fresh */
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && bind_is_fresh(&st, node))
		return 0;
	r = view_remove(v, rel);
	if (r < 0)
		return r;
	fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	tree = clone_read_only(u, node);
	if (tree < 0)
		return tree;
	/* no MOVE_MOUNT_T_SYMLINKS: the placeholder itself, never a link */
	if (syscall(SYS_move_mount, tree, "", parent, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

int vn_render_bind(struct vn_union *u, const struct vn_node *node)
{
	int r;

	if (node->layer < 0)
		return -ENOENT;
	pthread_mutex_lock(&u->view->bind_lock);
	r = bind_node_locked(u, node);
	pthread_mutex_unlock(&u->view->bind_lock);
	return r;
}

int vn_render_special(struct vn_union *u, const struct vn_node *node)
{
	struct vn_view *v = u->view;
	const char *rel = vn_rel(node->path), *name;
	cleanup_close int parent = -1;
	struct stat st;
	int r;

	if (!S_ISFIFO(node->st.st_mode))
		return made_device_without_node(u, node) ? -ENXIO : vn_render_bind(u, node);
	parent = view_parent(v, rel, &name);
	if (parent < 0)
		return parent;
	/* A FIFO of the sandbox's own: readers and writers inside meet here. */
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode))
		return 0;
	r = view_remove(v, rel);
	if (r < 0)
		return r;
	if (mkfifoat(parent, name, node->st.st_mode & 07777) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int vn_render_mountpoint(struct vn_union *u, const char *path, bool is_dir)
{
	char parent[PATH_MAX];
	const char *name;
	char *slash;
	int dir, fd, r;

	if (is_dir)
		return vn_render_dir(u, path);
	if (snprintf(parent, sizeof(parent), "%s", path) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	slash = strrchr(parent, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	r = vn_render_dir(u, parent[0] ? parent : "/");
	if (r < 0)
		return r;
	dir = view_parent(u->view, vn_rel(path), &name);
	if (dir < 0)
		return dir;
	fd = openat(dir, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	r = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	close(dir);
	return r;
}

/* ------------------------------------------- following the union's changes */

static int view_lstat(struct vn_view *v, const char *rel, struct stat *st)
{
	const char *name;
	int parent = view_parent(v, rel, &name);
	int r;

	if (parent < 0)
		return parent;
	r = fstatat(parent, name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	close(parent);
	return r;
}

static int view_rename(struct vn_view *v, const char *from, const char *to)
{
	const char *from_name, *to_name;
	int from_dir = view_parent(v, from, &from_name);
	int to_dir = from_dir < 0 ? -1 : view_parent(v, to, &to_name);
	int r = from_dir < 0 ? from_dir : to_dir < 0 ? to_dir : 0;

	if (r == 0 && renameat(from_dir, from_name, to_dir, to_name) < 0)
		r = -errno;
	if (from_dir >= 0)
		close(from_dir);
	if (to_dir >= 0)
		close(to_dir);
	return r;
}

void vn_view_retire_dir(struct vn_union *u, const char *path, const struct stat *st)
{
	struct vn_view *v = u->view;
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	const char *name;
	int parent;

	if (!v || !vn_rel(path)[0])
		return;
	pthread_mutex_lock(&v->bind_lock);
	parent = view_parent(v, vn_rel(path), &name);
	if (parent >= 0) {
		/* best effort: only an fd on the gone directory reads these;
		 * opened without following, as every view object */
		int dir = union_openat_beneath(parent, name, O_RDONLY | O_DIRECTORY);

		if (dir >= 0) {
			if (fchmod(dir, st->st_mode & 07777) == 0)
				(void)futimens(dir, t);
			close(dir);
		}
		close(parent);
	}
	view_remove(v, vn_rel(path));
	pthread_mutex_unlock(&v->bind_lock);
}

void vn_view_forget(struct vn_union *u, const char *path)
{
	struct vn_view *v = u->view;

	if (!v || !vn_rel(path)[0])
		return;
	pthread_mutex_lock(&v->bind_lock);
	view_remove(v, vn_rel(path));
	pthread_mutex_unlock(&v->bind_lock);
}

void vn_view_rename(struct vn_union *u, const char *from, const char *to)
{
	struct vn_view *v = u->view;
	struct stat st;

	if (!v)
		return;
	pthread_mutex_lock(&v->bind_lock);
	view_remove(v, vn_rel(to));
	/* what the view has moves with whoever holds it (a cwd, a directory
	 * fd, an open FIFO), as natively; a bind cannot move (EBUSY) and is
	 * made again at its new name when needed */
	if (view_lstat(v, vn_rel(from), &st) == 0) {
		char parent[PATH_MAX];
		char *slash;

		snprintf(parent, sizeof(parent), "%s", to);
		slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		if (vn_render_dir(u, parent[0] ? parent : "/") < 0 ||
		    view_rename(v, vn_rel(from), vn_rel(to)) < 0)
			view_remove(v, vn_rel(from));
		/* from's paths are gone (moved or removed) */
		__atomic_add_fetch(&v->generation, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&v->bind_lock);
}

uint64_t vn_view_generation(const struct vn_union *u)
{
	return u->view ? __atomic_load_n(&u->view->generation, __ATOMIC_ACQUIRE) : 0;
}
