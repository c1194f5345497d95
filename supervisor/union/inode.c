/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Changes to an object's attributes: mode, owner, times, size, xattrs.  A
 * lower object is copied up first (a reflink where the file system shares
 * data, so a chmod costs no data copy there), then changed in the upper.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"

/* The object in the upper as (directory fd, name): "." of the root. */
static int upper_object(struct vn_union *u, struct vn_node *node, int flags, char *name,
			size_t size)
{
	int r;

	if (node->layer < 0)
		return -ENOENT;
	r = union_state_ready(u);
	if (r == 0)
		r = vn_copy_up(u, node, flags);
	if (r < 0)
		return r;
	if (strcmp(node->path, "/") == 0) {
		snprintf(name, size, ".");
		r = fcntl(u->layers[0].root_fd, F_DUPFD_CLOEXEC, 0);
		return r < 0 ? -errno : r;
	}
	return union_upper_parent(u, node->path, name, size);
}

static void changed(struct vn_union *u, const struct vn_node *node)
{
	if (S_ISDIR(node->st.st_mode))
		vn_dircache_forget(u, node->path);
}

int vn_chmod(struct vn_union *u, struct vn_node *node, mode_t mode)
{
	const struct vn_cred *c = vn_current_cred();
	char name[NAME_MAX + 1];
	int dir, r;

	if (node->layer >= 0 && S_ISLNK(node->st.st_mode))
		return -EOPNOTSUPP; /* as fchmodat2(AT_SYMLINK_NOFOLLOW) */
	r = vn_may_own(&node->st);
	if (r < 0)
		return r;
	/* as the kernel: setgid on a file of a group one is not in is dropped */
	if (c && !vn_capable(c, CAP_FSETID) && !S_ISDIR(node->st.st_mode) &&
	    !vn_cred_in_group(c, node->st.st_gid))
		mode &= ~(mode_t)S_ISGID;
	if (u->root_mode && strcmp(node->path, "/") == 0 && node->layer == 0) {
		r = union_root_mode_store(u, mode);
		changed(u, node);
		return r;
	}
	dir = upper_object(u, node, 0, name, sizeof(name));
	if (dir < 0)
		return dir;
	r = fchmodat(dir, name, mode & 07777, 0) < 0 ? -errno : 0;
	close(dir);
	changed(u, node);
	return r;
}

/* chown by a presented identity: only CAP_CHOWN gives a file away; an
 * owner may change its group to one of its own (as the kernel). */
static int may_chown(const struct vn_node *node, uid_t uid, gid_t gid)
{
	const struct vn_cred *c = vn_current_cred();

	if (vn_capable(c, CAP_CHOWN))
		return 0;
	if (uid != (uid_t)-1 && uid != node->st.st_uid)
		return -EPERM;
	if (gid != (gid_t)-1 && gid != node->st.st_gid &&
	    (c->fsuid != node->st.st_uid || !vn_cred_in_group(c, gid)))
		return -EPERM;
	return c->fsuid == node->st.st_uid ? 0 : -EPERM;
}

/* What the kernel does on every chown of a non-directory: setuid goes,
 * and setgid where it means something (group-executable). */
static int chown_kill_suid(int dir, const char *name, const struct stat *st)
{
	mode_t mode = st->st_mode & 07777;

	if (S_ISDIR(st->st_mode) || S_ISLNK(st->st_mode))
		return 0;
	if ((mode & S_ISGID) && (mode & S_IXGRP))
		mode &= ~(mode_t)S_ISGID;
	mode &= ~(mode_t)S_ISUID;
	if (mode == (st->st_mode & 07777))
		return 0;
	return fchmodat(dir, name, mode, 0) < 0 ? -errno : 0;
}

int vn_chown(struct vn_union *u, struct vn_node *node, uid_t uid, gid_t gid)
{
	char name[NAME_MAX + 1];
	int dir, r;

	if (node->layer < 0)
		return -ENOENT;
	r = may_chown(node, uid, gid);
	if (r < 0)
		return r;
	dir = upper_object(u, node, 0, name, sizeof(name));
	if (dir < 0)
		return dir;
	if (!u->owners) {
		r = fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	} else {
		r = union_owner_set(u, dir, name, uid, gid);
		if (r == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1))
			r = chown_kill_suid(dir, name, &node->st);
	}
	close(dir);
	changed(u, node);
	return r;
}

/* Setting times to now needs write access or ownership; any other time,
 * ownership (as the kernel's utimes rules). */
static int may_set_times(const struct vn_node *node, const struct timespec times[2])
{
	bool to_now = !times || (times[0].tv_nsec == UTIME_NOW && times[1].tv_nsec == UTIME_NOW);

	if (vn_may_own(&node->st) == 0)
		return 0;
	if (!to_now)
		return -EPERM;
	return vn_permission(&node->st, VN_MAY_WRITE);
}

int vn_utimens(struct vn_union *u, struct vn_node *node, const struct timespec times[2])
{
	char name[NAME_MAX + 1];
	int dir, r;

	if (node->layer < 0)
		return -ENOENT;
	r = may_set_times(node, times);
	if (r < 0)
		return r;
	dir = upper_object(u, node, 0, name, sizeof(name));
	if (dir < 0)
		return dir;
	r = utimensat(dir, name, times, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	close(dir);
	changed(u, node);
	return r;
}

int union_keep_setid(const struct stat *before, int fd)
{
	const struct vn_cred *c = vn_current_cred();

	/* with the kernel's ids, as the kernel does in a user namespace */
	if (!c || !S_ISREG(before->st_mode) || !(before->st_mode & (S_ISUID | S_ISGID)) ||
	    !vn_capable(c, CAP_FSETID))
		return 0;
	return fchmod(fd, before->st_mode & 07777) < 0 ? -errno : 0;
}

int vn_truncate_opened(struct vn_union *u, const struct vn_node *node, int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -errno;
	/* O_RDONLY|O_TRUNC truncates too (Linux): through a writer of our own */
	if ((flags & O_ACCMODE) == O_RDONLY) {
		int w = vn_open_node(u, node, O_WRONLY | O_TRUNC | O_CLOEXEC);

		if (w < 0)
			return w;
		close(w);
		return 0;
	}
	if (ftruncate(fd, 0) < 0)
		return -errno;
	return union_keep_setid(&node->st, fd);
}

int vn_truncate(struct vn_union *u, struct vn_node *node, off_t length)
{
	char name[NAME_MAX + 1];
	int dir, fd, r;

	if (node->layer < 0)
		return -ENOENT;
	if (S_ISDIR(node->st.st_mode))
		return -EISDIR;
	if (!S_ISREG(node->st.st_mode))
		return -EINVAL;
	if (length < 0)
		return -EINVAL;
	r = vn_permission(&node->st, VN_MAY_WRITE);
	if (r < 0)
		return r;
	dir = upper_object(u, node, length == 0 ? VN_COPYUP_NO_DATA : 0, name, sizeof(name));
	if (dir < 0)
		return dir;
	fd = union_openat_beneath(dir, name, O_WRONLY);
	close(dir);
	if (fd < 0)
		return fd;
	r = ftruncate(fd, length) < 0 ? -errno : union_keep_setid(&node->st, fd);
	close(fd);
	return r;
}

/* The user namespace and POSIX ACLs (tools copy a file's ACL as they
 * copy its mode), not the layer format's own names. */
static int xattr_name_writable(const char *name)
{
	if (strcmp(name, "system.posix_acl_access") == 0 ||
	    strcmp(name, "system.posix_acl_default") == 0)
		return 0;
	if (strncmp(name, "user.", 5) != 0)
		return -EPERM;
	if (strncmp(name, "user.overlay.", 13) == 0)
		return -EPERM;
	return 0;
}

static int xattr_target(struct vn_union *u, struct vn_node *node, const char *name, char *path,
			size_t size)
{
	char leaf[NAME_MAX + 1];
	int r = xattr_name_writable(name);
	int dir;

	if (r < 0)
		return r;
	if (node->layer >= 0 && S_ISLNK(node->st.st_mode))
		return -EPERM; /* user xattrs exist on files and directories only */
	/* user.*: who may write the file; an ACL: its owner */
	r = name[0] == 'u' ? vn_permission(&node->st, VN_MAY_WRITE) : vn_may_own(&node->st);
	if (r < 0)
		return r;
	dir = upper_object(u, node, 0, leaf, sizeof(leaf));
	if (dir < 0)
		return dir;
	snprintf(path, size, "/proc/self/fd/%d/%s", dir, leaf);
	return dir;
}

int vn_setxattr(struct vn_union *u, struct vn_node *node, const char *name, const void *value,
		size_t size, int flags)
{
	char path[PATH_MAX];
	int dir = xattr_target(u, node, name, path, sizeof(path));
	int r;

	if (dir < 0)
		return dir;
	r = lsetxattr(path, name, value, size, flags) < 0 ? -errno : 0;
	close(dir);
	return r;
}

int vn_removexattr(struct vn_union *u, struct vn_node *node, const char *name)
{
	char path[PATH_MAX];
	int dir, r;

	int err = xattr_name_writable(name);

	if (err == 0 && node->layer >= 0 && S_ISLNK(node->st.st_mode))
		err = -EPERM;
	if (err < 0)
		return err;
	/* nothing to remove: no copy-up for it */
	if (node->layer > 0 && vn_getxattr(u, node, name, NULL, 0) == -ENODATA)
		return -ENODATA;
	dir = xattr_target(u, node, name, path, sizeof(path));
	if (dir < 0)
		return dir;
	r = lremovexattr(path, name) < 0 ? -errno : 0;
	close(dir);
	return r;
}
