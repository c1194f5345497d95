/* SPDX-License-Identifier: Apache-2.0 */
/* Attributes the union presents: the topmost object's, with a merged
 * directory's link count computed from its merged listing (once: the
 * count is kept until the union changes there, cache.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#ifndef SYS_getxattrat
#define SYS_getxattrat 464 /* Linux 6.13; one number on every architecture */
#endif

/* struct xattr_args of <linux/xattr.h> (6.13), which older headers lack */
struct getxattrat_args {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
} __attribute__((aligned(8)));

/* Where the walk found node: its name in its layer's parent directory,
 * whose fd the directory cache holds (referenced: union_dircache_put).
 * Acting on (that fd, name) without following reaches the object the walk
 * found, where it found it, with no open and no path walk; NULL for the
 * root, or when the parent is no longer cached (then vn_open_node). */
struct dircache_entry *union_node_parent(struct vn_union *u, const struct vn_node *node,
					 const char **name)
{
	const char *slash = strrchr(node->path, '/');
	char parent[PATH_MAX];
	struct dircache_entry *e;

	if (node->layer < 0 || !slash || !slash[1])
		return NULL;
	snprintf(parent, sizeof(parent), "%.*s", slash == node->path ? 1 : (int)(slash - node->path),
		 node->path);
	e = union_dircache_get(u, parent);
	if (e && e->fds[node->layer] < 0) {
		union_dircache_put(u, e);
		e = NULL;
	}
	*name = slash + 1;
	return e;
}

/* A directory of one layer whose count must come from the union's
 * listing whatever its own says: the upper's root (it holds the state
 * directory) or the parent of a masked path. */
static bool nlink_hides_by_rule(const struct vn_union *u, const struct vn_node *node)
{
	if (node->layer == 0 && strcmp(node->path, "/") == 0)
		return true;
	for (size_t i = 0; i < u->nlayers; i++) {
		const char *masked = u->layers[i].masked;
		const char *rel = vn_rel(node->path);
		size_t n = strlen(rel);

		if (!masked || !(node->dir_layers & (1u << i)))
			continue;
		if (n == 0 ? strchr(masked, '/') == NULL
			   : (strncmp(masked, rel, n) == 0 && masked[n] == '/' &&
			      strchr(masked + n + 1, '/') == NULL))
			return true;
	}
	return false;
}

/* The topmost layer's own count of the directory, now: from the fd the
 * directory cache holds (the walk that found it just left one there). */
static int layer_dir_nlink(struct vn_union *u, const struct vn_node *node, nlink_t *nlink)
{
	struct dircache_entry *e = union_dircache_get(u, node->path);
	struct stat st;
	int fd = -1, r;

	if (e && e->layers == node->dir_layers && e->fds[node->layer] >= 0)
		r = fstat(e->fds[node->layer], &st) < 0 ? -errno : 0;
	else if ((fd = union_openat_beneath(u->layers[node->layer].root_fd, vn_rel(node->path),
					    O_PATH | O_DIRECTORY)) < 0)
		r = fd;
	else
		r = fstat(fd, &st) < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	union_dircache_put(u, e);
	if (r == 0)
		*nlink = st.st_nlink;
	return r;
}

/* List the directory once and remember what the count is: the count
 * itself for a merged one, how far its own count is above it for one of a
 * single layer (relative). */
static int nlink_from_listing(struct vn_union *u, const struct vn_node *node, bool relative,
			      nlink_t *nlink)
{
	uint64_t epoch = union_nlink_epoch(u);
	struct union_nlink memo = { .layers = node->dir_layers, .relative = relative };
	nlink_t own = 0;
	int r = relative ? layer_dir_nlink(u, node, &own) : 0;

	if (r == 0)
		r = vn_count_subdirs(u, node, nlink);
	if (r < 0)
		return r;
	/* taken inside one epoch, own and the listing describe the same
	 * directory: no change of the union came between them */
	memo.value = relative ? (int64_t)own - (int64_t)*nlink : (int64_t)*nlink;
	union_nlink_put(u, node->path, &memo, epoch);
	if (relative)
		*nlink = (nlink_t)((int64_t)node->st.st_nlink - memo.value);
	return 0;
}

/* A merged directory counts 2 + its merged subdirectories.  One of a
 * single layer keeps its own count when it has no subdirectory (also
 * where the file system counts none, as btrfs: 1); with subdirectories,
 * some may be reserved ".wh.*" names the union does not show, so it is
 * listed once and its own count, less those, presented from then on. */
static int presented_nlink(struct vn_union *u, const struct vn_node *node, nlink_t *nlink)
{
	bool merged, relative;
	struct union_nlink memo;
	int r;

	*nlink = node->st.st_nlink;
	if (!S_ISDIR(node->st.st_mode))
		return 0;
	merged = __builtin_popcount(node->dir_layers) > 1 || nlink_hides_by_rule(u, node);
	if (!merged && node->st.st_nlink <= 2)
		return 0;
	relative = !merged;
	if (union_nlink_get(u, node->path, node->dir_layers, &memo) && memo.relative == relative) {
		*nlink = (nlink_t)(relative ? (int64_t)node->st.st_nlink - memo.value : memo.value);
		return 0;
	}
	r = nlink_from_listing(u, node, relative, nlink);
	/* a directory the caller may not list: stat works natively, so its
	 * own count it is (it may count a reserved name the union hides) */
	if (r == -EACCES) {
		*nlink = node->st.st_nlink;
		r = 0;
	}
	return r;
}

int vn_getattr(struct vn_union *u, const struct vn_node *node, struct stat *st)
{
	if (node->layer < 0)
		return -ENOENT;
	*st = node->st;
	if (S_ISDIR(st->st_mode)) {
		st->st_dev = node->origin_dev;
		st->st_ino = node->origin_ino;
	}
	return presented_nlink(u, node, &st->st_nlink);
}

int vn_statx(struct vn_union *u, const struct vn_node *node, unsigned int mask, void *buf)
{
	struct statx *stx = buf;
	nlink_t nlink;
	const char *name;
	struct dircache_entry *e = union_node_parent(u, node, &name);
	int fd, r;

	if (e) {
		r = statx(e->fds[node->layer], name, AT_SYMLINK_NOFOLLOW, mask, stx) < 0 ? -errno : 0;
		union_dircache_put(u, e);
	} else {
		fd = vn_open_node(u, node, O_PATH | O_NOFOLLOW);
		if (fd < 0)
			return fd;
		r = statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, mask, stx) < 0 ? -errno : 0;
		close(fd);
	}
	if (r < 0)
		return r;
	r = presented_nlink(u, node, &nlink);
	if (r < 0)
		return r;
	stx->stx_nlink = (__u32)nlink;
	stx->stx_uid = node->st.st_uid;
	stx->stx_gid = node->st.st_gid;
	/* the union root's mode is presented (its upper is 0700 on the host) */
	stx->stx_mode = (__u16)((stx->stx_mode & S_IFMT) | (node->st.st_mode & 07777));
	/* a device the sandbox made is an empty file of the upper (owner.c) */
	if (S_ISCHR(node->st.st_mode) && S_ISREG(stx->stx_mode)) {
		stx->stx_mode = (__u16)node->st.st_mode;
		stx->stx_rdev_major = major(node->st.st_rdev);
		stx->stx_rdev_minor = minor(node->st.st_rdev);
		stx->stx_size = 0;
		stx->stx_blocks = 0;
	}
	if (S_ISDIR(node->st.st_mode)) {
		stx->stx_ino = node->origin_ino;
		stx->stx_dev_major = major(node->origin_dev);
		stx->stx_dev_minor = minor(node->origin_dev);
	}
	return 0;
}

/* access(2) checks with the real ids, unless AT_EACCESS, and with the
 * capabilities the kernel gives them (do_faccessat): a real uid 0 has its
 * permitted set, any other none. */
static int access_presented(const struct vn_node *node, int mode, int flags)
{
	const struct vn_cred *c = vn_current_cred();
	struct vn_cred real;
	int r;

	if (!(flags & AT_EACCESS)) {
		real = *c;
		real.fsuid = c->ruid;
		real.fsgid = c->rgid;
		real.cap_effective = c->ruid == 0 ? c->cap_permitted : 0;
		vn_set_cred(&real);
	}
	r = vn_permission(&node->st, mode & (R_OK | W_OK | X_OK));
	vn_set_cred(c);
	return r;
}

int vn_access(struct vn_union *u, const struct vn_node *node, int mode, int flags)
{
	struct dircache_entry *e;
	const char *name;
	int fd, r;

	if (vn_current_cred()) {
		r = access_presented(node, mode, flags);
		if (r < 0)
			return r;
	}

	/* The target runs with the supervisor's credentials, so the kernel's
	 * answer for us is its answer -- but for writing: a lower is on a
	 * read-only mount, and writing to it means a copy-up. */
	if (node->layer > 0 && (mode & W_OK)) {
		mode &= ~W_OK;
		if (!mode)
			mode = F_OK;
	}
	e = union_node_parent(u, node, &name);
	if (e) {
		r = (int)syscall(SYS_faccessat2, e->fds[node->layer], name, mode,
				 (flags & AT_EACCESS) | AT_SYMLINK_NOFOLLOW);
		r = r < 0 ? -errno : 0;
		union_dircache_put(u, e);
		return r;
	}
	fd = vn_open_node(u, node, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return fd;
	r = (int)syscall(SYS_faccessat2, fd, "", mode, (flags & AT_EACCESS) | AT_EMPTY_PATH);
	r = r < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* ENOSYS once: a kernel without getxattrat(2) */
static bool getxattrat_missing;

ssize_t union_getxattr_at(struct vn_union *u, const struct vn_node *node, const char *name,
			  void *value, size_t size)
{
	struct getxattrat_args args = { .value = (uintptr_t)value, .size = (uint32_t)size };
	struct dircache_entry *e;
	const char *base;
	ssize_t n;

	if (node->layer < 0)
		return -ENOENT;
	if (__atomic_load_n(&getxattrat_missing, __ATOMIC_RELAXED) || size > UINT32_MAX)
		return -ENOSYS;
	e = union_node_parent(u, node, &base);
	if (!e)
		return -ENOSYS;
	n = syscall(SYS_getxattrat, e->fds[node->layer], base, AT_SYMLINK_NOFOLLOW, name, &args,
		    sizeof(args));
	if (n < 0)
		n = -errno;
	union_dircache_put(u, e);
	if (n == -ENOSYS)
		__atomic_store_n(&getxattrat_missing, true, __ATOMIC_RELAXED);
	return n;
}

ssize_t vn_readlink_node(struct vn_union *u, const struct vn_node *node, char *buf, size_t size)
{
	struct dircache_entry *e;
	const char *name;
	ssize_t n;
	int fd;

	if (node->layer < 0)
		return -ENOENT;
	if (!S_ISLNK(node->st.st_mode))
		return -EINVAL;
	/* readlinkat of a name reads that symlink, never follows it */
	e = union_node_parent(u, node, &name);
	if (e) {
		n = readlinkat(e->fds[node->layer], name, buf, size);
		n = n < 0 ? -errno : n;
		union_dircache_put(u, e);
		return n;
	}
	fd = vn_open_node(u, node, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return fd;
	n = readlinkat(fd, "", buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}
