/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Changes to names: create, mkdir, mknod, symlink, link, unlink, rmdir,
 * rename.  Everything is written to the upper in the OCI format: a name
 * removed while a lower still has it leaves ".wh.NAME"; a directory made
 * where a whiteout was is opaque (".wh..wh..opq").  Each change is one
 * atomic step on disk, ordered so that the union shows the old state or
 * the new one; a rename, which takes several, goes through the journal.
 * Names beginning with ".wh." are the format's and cannot be made (EPERM).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"
#include "veneer/cleanup.h"

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void dir_name(char *out, size_t size, const char *path)
{
	const char *slash = strrchr(path, '/');

	snprintf(out, size, "%.*s", slash && slash != path ? (int)(slash - path) : 1,
		 slash ? path : "/");
}

/* path is top itself or below it */
static bool path_within(const char *path, const char *top)
{
	size_t n = strlen(top);

	if (strcmp(top, "/") == 0)
		return true;
	return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* A presented identity other than root needs write and search permission
 * on the directory whose entries change; where that directory is sticky,
 * it must also own the victim or the directory (the kernel's may_delete). */
static int may_change_in(struct vn_union *u, const char *path, const struct stat *victim)
{
	const struct vn_cred *c = vn_current_cred();
	char dir[PATH_MAX];
	struct vn_node parent;
	int r;

	if (!c || (vn_capable(c, CAP_DAC_OVERRIDE) && vn_capable(c, CAP_FOWNER)))
		return 0;
	dir_name(dir, sizeof(dir), path);
	r = vn_resolve(u, "/", dir, 0, &parent);
	if (r == 0)
		r = vn_permission(&parent.st, VN_MAY_WRITE | VN_MAY_EXEC);
	if (r == 0 && victim && (parent.st.st_mode & S_ISVTX) && victim->st_uid != c->fsuid &&
	    parent.st.st_uid != c->fsuid && !vn_capable(c, CAP_FOWNER))
		r = -EPERM;
	return r;
}

/* Whether a new name may be made at node: nothing changes. */
static int new_name_check(struct vn_union *u, const struct vn_node *node)
{
	if (node->layer >= 0)
		return -EEXIST;
	if (union_is_reserved_name(base_name(node->path)))
		return -EPERM;
	return may_change_in(u, node->path, NULL);
}

/* The upper directory that receives a new name (copied up as needed). */
static int new_name_parent(struct vn_union *u, const struct vn_node *node, char *name,
			   size_t size)
{
	int r = new_name_check(u, node);

	if (r == 0)
		r = union_state_ready(u);
	if (r < 0)
		return r;
	r = union_upper_parent(u, node->path, name, size);
	/* an inline whiteout holds the name itself: it goes first */
	if (r >= 0 && union_whiteout_is_inline(name)) {
		int err = union_whiteout_remove(r, name);

		if (err < 0) {
			close(r);
			return err;
		}
	}
	return r;
}

/* A name now in the upper no longer needs the whiteout that hid a lower
 * namesake (left over, it would be harmless: the name wins in its layer).
 * The view needs nothing: every removal took the old name out of it. */
static int new_name_done(int parent, const char *name)
{
	int r = union_whiteout_remove(parent, name);

	close(parent);
	return r;
}

/* A new object of the union: it gets its presented owner before anyone
 * can see it under its name (a no-op unless ownership is presented). */
static int new_object_done(struct vn_union *u, int parent, const char *name)
{
	int r = union_owner_set_new(u, parent, parent, name);

	if (r < 0) {
		close(parent);
		return r;
	}
	return new_name_done(parent, name);
}

int vn_create_check(struct vn_union *u, const struct vn_node *node)
{
	return new_name_check(u, node);
}

int vn_create(struct vn_union *u, const struct vn_node *node, int open_flags, mode_t mode)
{
	char name[NAME_MAX + 1];
	int parent = new_name_parent(u, node, name, sizeof(name));
	int fd, r;

	if (parent < 0)
		return parent;
	open_flags &= ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC | O_DIRECTORY);
	fd = openat(parent, name, open_flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		r = -errno;
		close(parent);
		return r;
	}
	r = new_object_done(u, parent, name);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* Whether a new name replaces a whiteout of the upper (checked before
 * new_name_parent removes an inline one). */
static int replaces_whiteout(struct vn_union *u, const struct vn_node *node)
{
	char name[NAME_MAX + 1], dir[PATH_MAX];
	int parent, r;

	dir_name(dir, sizeof(dir), node->path);
	if (node->layer >= 0 || snprintf(name, sizeof(name), "%s", base_name(node->path)) >= (int)sizeof(name))
		return 0;
	parent = union_openat_beneath(u->layers[0].root_fd, vn_rel(dir), O_PATH | O_DIRECTORY);
	if (parent < 0)
		return parent == -ENOENT ? 0 : parent;
	r = union_has_whiteout(parent, name);
	close(parent);
	return r;
}

/* A directory made aside gets what a setgid parent gives a new one in it:
 * the parent's group, and the setgid bit. */
static int inherit_setgid(int parent, int dirfd, const char *name, mode_t mode)
{
	struct stat st;

	if (fstat(parent, &st) < 0)
		return -errno;
	if (!(st.st_mode & S_ISGID))
		return 0;
	if (fchownat(dirfd, name, (uid_t)-1, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
		return -errno;
	return fchmodat(dirfd, name, (mode & 07777) | S_ISGID, 0) < 0 ? -errno : 0;
}

int vn_mkdir(struct vn_union *u, const struct vn_node *node, mode_t mode)
{
	char name[NAME_MAX + 1], tmp[64];
	int wh = replaces_whiteout(u, node);
	int parent, r;

	if (wh < 0)
		return wh;
	parent = new_name_parent(u, node, name, sizeof(name));
	if (parent < 0)
		return parent;
	if (!wh) {
		r = mkdirat(parent, name, mode) < 0 ? -errno : 0;
	} else {
		/* over a whiteout: opaque, so what it hid stays hidden; built
		 * aside so that the directory appears with its marker */
		int fd;

		union_work_name(u, tmp, sizeof(tmp), "mkdir");
		r = mkdirat(u->work_fd, tmp, mode) < 0 ? -errno : 0;
		if (r == 0)
			r = inherit_setgid(parent, u->work_fd, tmp, mode);
		fd = r < 0 ? r : union_openat_beneath(u->work_fd, tmp, O_PATH | O_DIRECTORY);
		r = fd < 0 ? fd : union_opaque_mark(fd);
		if (fd >= 0)
			close(fd);
		if (r == 0 && renameat2(u->work_fd, tmp, parent, name, RENAME_NOREPLACE) < 0)
			r = -errno;
		if (r < 0)
			vn_remove_tree(u->work_fd, tmp);
	}
	if (r < 0) {
		close(parent);
		return r;
	}
	vn_dircache_forget(u, node->path);
	return new_object_done(u, parent, name);
}

/* A device node, where ownership is presented: only a character device a
 * container may make (union_device_may_make), by an identity holding
 * CAP_MKNOD, else EPERM (as a container's device cgroup, after the
 * kernel's checks of the name).  It is an empty regular file in the upper
 * that the owner store presents as the device; opened, it is the host's
 * node of that number or nothing (render.c), so it gives the target no
 * device its own /dev does not.  Made aside with its record, it appears
 * under its name a device from the start. */
static int make_presented_device(struct vn_union *u, const struct vn_node *node, mode_t mode,
				 dev_t dev)
{
	char name[NAME_MAX + 1], tmp[64];
	int parent, r = new_name_check(u, node);
	ino_t made;

	if (r < 0)
		return r;
	if (!S_ISCHR(mode) || !vn_capable(vn_current_cred(), CAP_MKNOD) ||
	    !union_device_may_make(dev))
		return -EPERM;
	parent = new_name_parent(u, node, name, sizeof(name));
	if (parent < 0)
		return parent;
	union_work_name(u, tmp, sizeof(tmp), "mknod");
	r = mknodat(u->work_fd, tmp, S_IFREG | 0600, 0) < 0 ? -errno : 0;
	if (r < 0) {
		close(parent);
		return r;
	}
	/* the permission bits are the file's own, as any upper object's */
	r = fchmodat(u->work_fd, tmp, mode & 07777, 0) < 0 ? -errno : 0;
	if (r == 0)
		r = union_owner_set_new_device(u, parent, u->work_fd, tmp, dev);
	if (r == 0 && renameat2(u->work_fd, tmp, parent, name, RENAME_NOREPLACE) < 0)
		r = -errno;
	if (r < 0) {
		made = union_owner_doomed(u, u->work_fd, tmp);
		if (unlinkat(u->work_fd, tmp, 0) == 0)
			union_owner_forget(u, made);
		close(parent);
		return r;
	}
	return new_name_done(parent, name);
}

int vn_mknod(struct vn_union *u, const struct vn_node *node, mode_t mode, dev_t dev)
{
	char name[NAME_MAX + 1];
	int parent;

	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
		/* with the kernel's ids, as the kernel in a user namespace */
		return u->owners ? make_presented_device(u, node, mode, dev) : -EPERM;
	default:
		return -EINVAL;
	}
	parent = new_name_parent(u, node, name, sizeof(name));
	if (parent < 0)
		return parent;
	if (mknodat(parent, name, mode, dev) < 0) {
		int r = -errno;

		close(parent);
		return r;
	}
	return new_object_done(u, parent, name);
}

int vn_symlink(struct vn_union *u, const struct vn_node *node, const char *target)
{
	char name[NAME_MAX + 1];
	int parent = new_name_parent(u, node, name, sizeof(name));

	if (parent < 0)
		return parent;
	if (symlinkat(target, parent, name) < 0) {
		int r = -errno;

		close(parent);
		return r;
	}
	return new_object_done(u, parent, name);
}

/* bind(2) takes at most 108 bytes of path, and the upper's directory may
 * be anywhere (a "/proc/self/fd/N/NAME" path left NAME 90 of them): the
 * socket is bound by its bare name from the directory, made this
 * thread's cwd for the call.  The thread's own (unshare(CLONE_FS), once
 * per thread): no other thread's cwd moves; it is put back after. */
static int bind_in_dir(int dirfd, const char *name, int sock)
{
	static __thread bool private_cwd;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	cleanup_close int here = -1;
	int r;

	if (len > sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, name, len);
	if (!private_cwd) {
		if (unshare(CLONE_FS) < 0)
			return -errno;
		private_cwd = true;
	}
	here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (here < 0)
		return -errno;
	if (fchdir(dirfd) < 0)
		return -errno;
	/* (no terminating NUL needed: the length ends the name, as for 108) */
	r = bind(sock, (struct sockaddr *)&sun,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0 ? -errno : 0;
	if (fchdir(here) < 0 && r == 0)
		r = -errno;
	return r;
}

int vn_bind_unix(struct vn_union *u, const struct vn_node *node, int sock, mode_t mode)
{
	char name[NAME_MAX + 1];
	int parent = new_name_parent(u, node, name, sizeof(name));
	int r;

	if (parent < 0)
		return parent;
	r = bind_in_dir(parent, name, sock);
	if (r == 0 && fchmodat(parent, name, mode, 0) < 0)
		r = -errno;
	if (r < 0) {
		close(parent);
		return r;
	}
	return new_object_done(u, parent, name);
}

int vn_link(struct vn_union *u, struct vn_node *from, const struct vn_node *to)
{
	char from_name[NAME_MAX + 1], name[NAME_MAX + 1];
	int from_parent, parent, r;

	if (from->layer < 0)
		return -ENOENT;
	if (S_ISDIR(from->st.st_mode))
		return -EPERM;
	if (to->layer >= 0)
		return -EEXIST;
	r = union_state_ready(u);
	if (r == 0)
		r = vn_copy_up(u, from, 0);
	if (r < 0)
		return r;
	parent = new_name_parent(u, to, name, sizeof(name));
	if (parent < 0)
		return parent;
	from_parent = union_upper_parent(u, from->path, from_name, sizeof(from_name));
	if (from_parent < 0) {
		close(parent);
		return from_parent;
	}
	r = linkat(from_parent, from_name, parent, name, 0) < 0 ? -errno : 0;
	close(from_parent);
	if (r < 0) {
		close(parent);
		return r;
	}
	return new_name_done(parent, name);
}

int vn_link_fd(struct vn_union *u, int fd, const struct vn_node *to)
{
	char name[NAME_MAX + 1], proc[64];
	struct stat st;
	int parent, r;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_dev != u->layers[0].dev)
		return -EXDEV;
	parent = new_name_parent(u, to, name, sizeof(name));
	if (parent < 0)
		return parent;
	/* an O_TMPFILE file has no name to link from: its fd's link is one */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	r = linkat(AT_FDCWD, proc, parent, name, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
	if (r < 0) {
		close(parent);
		return r;
	}
	return new_name_done(parent, name);
}

int vn_tmpfile(struct vn_union *u, const struct vn_node *dir, int open_flags, mode_t mode)
{
	int fd, r;

	if (dir->layer < 0)
		return -ENOENT;
	if (!S_ISDIR(dir->st.st_mode))
		return -ENOTDIR;
	r = vn_permission(&dir->st, VN_MAY_WRITE | VN_MAY_EXEC);
	if (r == 0)
		r = union_state_ready(u);
	if (r < 0)
		return r;
	r = union_upper_dir(u, dir->path);
	if (r < 0)
		return r;
	open_flags &= ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC);
	fd = union_openat_beneath(r, "", open_flags | O_TMPFILE);
	if (fd >= 0) {
		int err = fchmod(fd, mode & 07777) < 0 ? -errno : union_owner_set_new(u, r, fd, "");

		if (err < 0) {
			close(fd);
			fd = err;
		}
	}
	close(r);
	return fd;
}

void vn_tmpfile_undo(struct vn_union *u, ino_t ino)
{
	union_owner_forget(u, ino);
}

/* Whether removing the upper's `name` of node would uncover a lower one. */
static int needs_whiteout(struct vn_union *u, const struct vn_node *node)
{
	char dir[PATH_MAX];

	if (node->layer > 0 || (node->dir_layers & ~1u))
		return 1;
	dir_name(dir, sizeof(dir), node->path);
	return union_lower_has(u, dir, base_name(node->path));
}

/* The upper's directory of a name about to go, and whether it needs a
 * whiteout there (*wh); `check`: whether the caller may remove it. */
static int removal_parent(struct vn_union *u, const struct vn_node *node, char *name, size_t size,
			  int *wh, bool check)
{
	int r = check ? may_change_in(u, node->path, &node->st) : 0;

	if (r == 0)
		r = union_state_ready(u);
	if (r < 0)
		return r;
	*wh = needs_whiteout(u, node);
	if (*wh < 0)
		return *wh;
	return union_upper_parent(u, node->path, name, size);
}

/* An inline whiteout, built aside and renamed over the upper's file. */
static int replace_with_whiteout(struct vn_union *u, int parent, const char *name)
{
	char tmp[64];

	union_work_name(u, tmp, sizeof(tmp), "whiteout");
	if (mknodat(u->work_fd, tmp, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return -errno;
	if (renameat(u->work_fd, tmp, parent, name) < 0) {
		int r = -errno;

		unlinkat(u->work_fd, tmp, 0);
		return r;
	}
	return 0;
}

static int remove_file(struct vn_union *u, const struct vn_node *node, bool check)
{
	char name[NAME_MAX + 1];
	ino_t doomed;
	int parent, wh, r;

	parent = removal_parent(u, node, name, sizeof(name), &wh, check);
	if (parent < 0)
		return parent;
	doomed = node->layer == 0 ? union_owner_doomed(u, parent, name) : 0;
	if (wh && union_whiteout_is_inline(name)) {
		/* the whiteout takes the name itself: it replaces the file */
		r = replace_with_whiteout(u, parent, name);
	} else {
		/* whiteout first: until the upper's file goes, it still wins */
		r = wh ? union_whiteout_create(parent, name) : 0;
		if (r == 0 && node->layer == 0 && unlinkat(parent, name, 0) < 0)
			r = -errno;
	}
	if (r == 0)
		union_owner_forget(u, doomed);
	close(parent);
	if (r == 0)
		vn_view_forget(u, node->path);
	return r;
}

int vn_unlink(struct vn_union *u, const struct vn_node *node)
{
	if (node->layer < 0)
		return -ENOENT;
	if (S_ISDIR(node->st.st_mode))
		return -EISDIR;
	return remove_file(u, node, true);
}

/* The name was made for a caller whose call then failed: whoever the
 * caller is now, it goes (a lower namesake is hidden again). */
int vn_create_undo(struct vn_union *u, const char *path)
{
	struct vn_node node;
	int r = vn_resolve(u, "/", path, 0, &node);

	if (r < 0)
		return r;
	if (node.layer != 0 || S_ISDIR(node.st.st_mode))
		return -EINVAL; /* not what vn_create made */
	return remove_file(u, &node, false);
}

static int dir_is_empty(struct vn_union *u, const struct vn_node *dir)
{
	struct vn_listing l;
	int r = vn_readdir(u, dir, &l);

	if (r < 0)
		return r;
	r = l.count == 0;
	vn_listing_free(&l);
	return r;
}

/* Take an upper directory out of the union at once (its whiteouts and
 * markers with it): into the work area, then delete it there. */
static int remove_upper_dir(struct vn_union *u, int parent, const char *name)
{
	char tmp[64];

	if (unlinkat(parent, name, AT_REMOVEDIR) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return -errno;
	union_work_name(u, tmp, sizeof(tmp), "rmdir");
	if (renameat(parent, name, u->work_fd, tmp) < 0)
		return -errno;
	vn_remove_tree(u->work_fd, tmp);
	return 0;
}

int vn_rmdir(struct vn_union *u, const struct vn_node *node)
{
	char name[NAME_MAX + 1];
	ino_t doomed;
	int parent, wh, r;

	if (node->layer < 0)
		return -ENOENT;
	if (!S_ISDIR(node->st.st_mode))
		return -ENOTDIR;
	if (strcmp(node->path, "/") == 0)
		return -EBUSY;
	r = dir_is_empty(u, node);
	if (r <= 0)
		return r < 0 ? r : -ENOTEMPTY;
	parent = removal_parent(u, node, name, sizeof(name), &wh, true);
	if (parent < 0)
		return parent;
	doomed = (node->dir_layers & 1u) ? union_owner_doomed(u, parent, name) : 0;
	if (union_whiteout_is_inline(name)) {
		/* the whiteout needs the name: the directory goes first */
		r = (node->dir_layers & 1u) ? remove_upper_dir(u, parent, name) : 0;
		if (r == 0 && wh)
			r = union_whiteout_create(parent, name);
	} else {
		/* whiteout first: beside the upper's directory it makes that
		 * one opaque, which changes nothing visible (it is empty) */
		r = wh ? union_whiteout_create(parent, name) : 0;
		if (r == 0 && (node->dir_layers & 1u))
			r = remove_upper_dir(u, parent, name);
	}
	if (r == 0)
		union_owner_forget(u, doomed);
	close(parent);
	vn_dircache_forget(u, node->path);
	if (r == 0)
		vn_view_retire_dir(u, node->path, &node->st);
	return r;
}

/* ----------------------------------------------------------- rename */

static bool same_object(const struct vn_node *a, const struct vn_node *b)
{
	return a->layer == b->layer && a->st.st_dev == b->st.st_dev && a->st.st_ino == b->st.st_ino;
}

static int rename_check(struct vn_union *u, const struct vn_node *from, const struct vn_node *to,
			unsigned int flags)
{
	bool to_exists = to->layer >= 0;
	bool from_dir = S_ISDIR(from->st.st_mode), to_dir = to_exists && S_ISDIR(to->st.st_mode);
	int r;

	if (flags & ~(unsigned int)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL; /* RENAME_WHITEOUT is the format's business */
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	if (from->layer < 0)
		return -ENOENT;
	if (strcmp(from->path, "/") == 0 || strcmp(to->path, "/") == 0)
		return -EBUSY;
	if ((flags & RENAME_EXCHANGE) && !to_exists)
		return -ENOENT;
	if ((flags & RENAME_NOREPLACE) && to_exists)
		return -EEXIST; /* before anything else, as the kernel */
	if (strcmp(from->path, to->path) == 0)
		return 1;
	if (from_dir && path_within(to->path, from->path))
		return -EINVAL;
	/* the destination holds the source: never empty (ENOTEMPTY), and an
	 * exchange would put a directory inside itself (EINVAL) */
	if (to_exists && path_within(from->path, to->path))
		return (flags & RENAME_EXCHANGE) ? -EINVAL : -ENOTEMPTY;
	if (!to_exists && union_is_reserved_name(base_name(to->path)))
		return -EPERM;
	if (to_exists && !(flags & RENAME_EXCHANGE)) {
		if (from_dir && !to_dir)
			return -ENOTDIR;
		if (!from_dir && to_dir)
			return -EISDIR;
		if (same_object(from, to))
			return 1; /* two names of one file: nothing to do */
		if (to_dir) {
			r = dir_is_empty(u, to);
			if (r <= 0)
				return r < 0 ? r : -ENOTEMPTY;
		}
	}
	r = may_change_in(u, from->path, &from->st);
	if (r == 0)
		r = may_change_in(u, to->path, to_exists ? &to->st : NULL);
	return r;
}

/* "u/" + the layer-relative path: a journal location in the upper. */
static void upper_loc(char *out, size_t size, const char *union_path)
{
	snprintf(out, size, "u/%s", vn_rel(union_path));
}

static bool upper_has(int parent, const char *name, bool *is_dir)
{
	struct stat st;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	*is_dir = S_ISDIR(st.st_mode);
	return true;
}

/* A directory with lower parts becomes one the upper holds whole (opaque,
 * every entry copied): the union shows the same before and after. */
static int make_standalone(struct vn_union *u, struct vn_node *dir, struct journal *j)
{
	char tree[64], loc[PATH_MAX + 2], trash[PATH_MAX];
	int r;

	if (!S_ISDIR(dir->st.st_mode) || !(dir->dir_layers & ~1u))
		return vn_copy_up(u, dir, 0);
	r = union_copy_tree(u, dir, tree, sizeof(tree));
	if (r < 0)
		return r;
	journal_init(j);
	upper_loc(loc, sizeof(loc), dir->path);
	{
		char name[64];

		union_work_name(u, name, sizeof(name), "trash");
		snprintf(trash, sizeof(trash), "w/%s", name);
	}
	r = journal_move(j, loc, trash);
	if (r == 0) {
		char src[80];

		snprintf(src, sizeof(src), "w/%s", tree);
		r = journal_move(j, src, loc);
	}
	if (r == 0) {
		char parent[PATH_MAX];
		int fd;

		/* the upper's ancestors first, then the swap */
		dir_name(parent, sizeof(parent), dir->path);
		fd = union_upper_dir(u, parent);
		r = fd < 0 ? fd : 0;
		if (fd >= 0)
			close(fd);
	}
	if (r == 0)
		r = journal_commit(u, j);
	vn_remove_tree(u->work_fd, trash + 2);
	vn_remove_tree(u->work_fd, tree);
	vn_dircache_forget(u, dir->path);
	if (r < 0)
		return r;
	return union_refresh(u, dir);
}

static int rename_exchange(struct vn_union *u, struct vn_node *from, struct vn_node *to,
			   struct journal *j)
{
	char fname[NAME_MAX + 1], tname[NAME_MAX + 1], fdir[PATH_MAX], tdir[PATH_MAX];
	int fp = -1, tp = -1, r;

	r = make_standalone(u, from, j);
	if (r == 0)
		r = make_standalone(u, to, j);
	if (r < 0)
		return r;
	fp = union_upper_parent(u, from->path, fname, sizeof(fname));
	tp = fp < 0 ? -1 : union_upper_parent(u, to->path, tname, sizeof(tname));
	r = fp < 0 ? fp : tp < 0 ? tp : 0;
	dir_name(fdir, sizeof(fdir), from->path);
	dir_name(tdir, sizeof(tdir), to->path);
	/* a directory that lands where a lower has the name must hide it */
	if (r == 0 && S_ISDIR(from->st.st_mode) && union_lower_has(u, tdir, tname) > 0) {
		int fd = union_openat_beneath(fp, fname, O_PATH | O_DIRECTORY);

		r = fd < 0 ? fd : union_opaque_mark(fd);
		if (fd >= 0)
			close(fd);
	}
	if (r == 0 && S_ISDIR(to->st.st_mode) && union_lower_has(u, fdir, fname) > 0) {
		int fd = union_openat_beneath(tp, tname, O_PATH | O_DIRECTORY);

		r = fd < 0 ? fd : union_opaque_mark(fd);
		if (fd >= 0)
			close(fd);
	}
	if (r == 0 && renameat2(fp, fname, tp, tname, RENAME_EXCHANGE) < 0)
		r = -errno;
	if (fp >= 0)
		close(fp);
	if (tp >= 0)
		close(tp);
	return r;
}

static int rename_move(struct vn_union *u, struct vn_node *from, struct vn_node *to,
		       struct journal *j)
{
	char fname[NAME_MAX + 1], tname[NAME_MAX + 1], fdir[PATH_MAX], tdir[PATH_MAX];
	char floc[PATH_MAX + 2], tloc[PATH_MAX + 2], src[PATH_MAX + 2], trash_to[80], trash_from[80];
	char tree[64] = "";
	bool from_dir = S_ISDIR(from->st.st_mode), to_is_dir = false, from_in_upper;
	int fp = -1, tp = -1, lower_has_from, lower_has_to, r;

	if (from_dir && (from->dir_layers & ~1u))
		r = union_copy_tree(u, from, tree, sizeof(tree));
	else
		r = vn_copy_up(u, from, 0);
	if (r < 0)
		return r;
	dir_name(fdir, sizeof(fdir), from->path);
	dir_name(tdir, sizeof(tdir), to->path);
	tp = union_upper_parent(u, to->path, tname, sizeof(tname));
	fp = tp < 0 ? -1 : union_upper_parent(u, from->path, fname, sizeof(fname));
	r = tp < 0 ? tp : fp < 0 ? fp : 0;
	lower_has_from = r < 0 ? r : union_lower_has(u, fdir, fname);
	lower_has_to = lower_has_from < 0 ? lower_has_from : union_lower_has(u, tdir, tname);
	if (lower_has_to < 0)
		r = lower_has_to;
	if (r < 0)
		goto out;
	from_in_upper = upper_has(fp, fname, &(bool){ false });
	upper_loc(floc, sizeof(floc), from->path);
	upper_loc(tloc, sizeof(tloc), to->path);
	journal_init(j);
	union_work_name(u, trash_to + 2, sizeof(trash_to) - 2, "trash");
	union_work_name(u, trash_from + 2, sizeof(trash_from) - 2, "trash");
	memcpy(trash_to, "w/", 2);
	memcpy(trash_from, "w/", 2);
	/* the journal is applied whole (again after a crash), so its order
	 * serves inline whiteouts, which need their name free: what the upper
	 * holds at the destination goes aside, a whiteout there goes, the
	 * source moves in, and only then is its old name whited out */
	if (upper_has(tp, tname, &to_is_dir))
		r = journal_move(j, tloc, trash_to);
	if (r == 0)
		r = journal_unwhiteout(j, tloc);
	if (r == 0 && tree[0]) {
		snprintf(src, sizeof(src), "w/%s", tree);
		if (from_in_upper)
			r = journal_move(j, floc, trash_from);
	} else if (r == 0) {
		snprintf(src, sizeof(src), "%s", floc);
		if (from_dir && lower_has_to)
			r = journal_opaque(j, floc);
	}
	if (r == 0)
		r = journal_move(j, src, tloc);
	if (r == 0 && lower_has_from)
		r = journal_whiteout(j, floc);
	if (r == 0)
		r = journal_commit(u, j);
	vn_remove_tree(u->work_fd, trash_to + 2);
	vn_remove_tree(u->work_fd, trash_from + 2);
out:
	if (tree[0])
		vn_remove_tree(u->work_fd, tree);
	if (fp >= 0)
		close(fp);
	if (tp >= 0)
		close(tp);
	return r;
}

int vn_rename(struct vn_union *u, struct vn_node *from, struct vn_node *to, unsigned int flags)
{
	struct journal *j;
	bool to_was_dir = to->layer >= 0 && S_ISDIR(to->st.st_mode);
	bool dirs = S_ISDIR(from->st.st_mode) || to_was_dir;
	struct stat to_st = to->st;
	int r = rename_check(u, from, to, flags);

	if (r != 0)
		return r < 0 ? r : 0;
	r = union_state_ready(u);
	if (r < 0)
		return r;
	j = malloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	if (flags & RENAME_EXCHANGE)
		r = rename_exchange(u, from, to, j);
	else
		r = rename_move(u, from, to, j);
	free(j);
	if (dirs) {
		vn_dircache_forget(u, from->path);
		vn_dircache_forget(u, to->path);
	}
	/* the view follows a rename made, not one that failed (or that asked
	 * for its copy-up's data first: vn_precopy_asked, run again) */
	if (r < 0)
		return r;
	/* a directory replaced by the rename leaves, as an rmdir would */
	if (!(flags & RENAME_EXCHANGE) && to_was_dir)
		vn_view_retire_dir(u, to->path, &to_st);
	if (flags & RENAME_EXCHANGE) {
		vn_view_forget(u, from->path);
		vn_view_forget(u, to->path);
	} else {
		vn_view_rename(u, from->path, to->path);
	}
	return r;
}
