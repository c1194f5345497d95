/* SPDX-License-Identifier: Apache-2.0 */
/* The stat family, access, readlink, statfs and the xattr readers:
 * emulated from the union; buffers written into the target. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "calls.h"

#define XATTR_SIZE_MAX_ 65536

/*
 * Resolve a (dirfd, path) argument pair and deal with the cases every
 * reader shares: errors, and paths the kernel answers for.  Returns true
 * when *ans is the final answer.
 */
static bool answer_reader(struct call *c, int r, int flags, struct target_path *tp,
			  struct answer *ans)
{
	if (r < 0) {
		*ans = answer_error(-r);
		return true;
	}
	record_read(c, tp);
	if (tp->kind != TARGET_UNION) {
		r = tp->kind == TARGET_PASSTHROUGH ? target_render(c, tp, flags) : 0;
		*ans = r < 0 && r != -ENOENT ? answer_error(-r) : answer_continue();
		return true;
	}
	if (tp->err < 0) {
		*ans = answer_error(-tp->err);
		return true;
	}
	return false;
}

static bool resolve_reader(struct call *c, int dirfd, uint64_t path, bool empty_ok,
			   int flags, struct target_path *tp, struct answer *ans)
{
	return answer_reader(c, target_resolve(c, dirfd, path, empty_ok, flags, tp), flags, tp, ans);
}

/* On an fd: a union directory is answered from the union, anything else
 * (a real file we injected) by the kernel; then *seen (when not NULL) is
 * the stat of the fd's object. */
static bool fd_reader(struct call *c, struct vn_node *node, struct answer *ans,
		      struct stat *seen)
{
	char path[PATH_MAX];
	int r = target_fd_union_path(c, (int)c->args[0], path, sizeof(path), seen);

	if (r <= 0) {
		*ans = r < 0 ? answer_error(-r) : answer_continue();
		return true;
	}
	r = vn_resolve(c->ctx->u, "/", path, 0, node);
	if (r < 0) {
		*ans = answer_error(-r);
		return true;
	}
	return false;
}

/* Presented ownership: a layer file's fd (or anything owned by an id we
 * cannot map) shows the presented owner.  st holds the stat of the fd's
 * object.  1: *st is the answer; 0: the kernel's answer will do. */
static int present_fd_stat(struct call *c, int fd, struct stat *st)
{
	int file, r;

	if (!c->ctx->presented)
		return 0;
	r = vn_present_fd(c->ctx->u, -1, st);
	if (r != -EAGAIN)
		return r;
	/* the host must be asked, and it is handed the object itself */
	file = target_getfd(c, fd);
	if (file < 0)
		return file == -EBADF ? -EBADF : 0;
	r = vn_present_fd(c->ctx->u, file, st);
	close(file);
	return r;
}

static struct answer stat_fd_presented(struct call *c, int fd, struct stat *st,
				       uint64_t buf)
{
	int r = present_fd_stat(c, fd, st);

	if (r <= 0)
		return r < 0 ? answer_error(-r) : answer_continue();
	return answer_result(target_write(c, buf, st, sizeof(*st)));
}

static struct answer stat_common(struct call *c, int dirfd, uint64_t path, uint64_t buf,
				 int at_flags)
{
	struct target_path tp;
	struct answer ans;
	struct stat st;
	int flags = (at_flags & AT_SYMLINK_NOFOLLOW) ? 0 : VN_FOLLOW;
	int r;

	if (at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return answer_error(EINVAL);
	r = target_resolve(c, dirfd, path, at_flags & AT_EMPTY_PATH, flags, &tp);
	if (r == 0 && tp.kind == TARGET_FD)
		return stat_fd_presented(c, dirfd, &tp.fd_st, buf);
	if (answer_reader(c, r, flags, &tp, &ans))
		return ans;
	r = vn_getattr(c->ctx->u, &tp.node, &st);
	if (r < 0)
		return answer_error(-r);
	return answer_result(target_write(c, buf, &st, sizeof(st)));
}

struct answer sys_stat(struct call *c)
{
	return stat_common(c, AT_FDCWD, c->args[0], c->args[1], 0);
}

struct answer sys_lstat(struct call *c)
{
	return stat_common(c, AT_FDCWD, c->args[0], c->args[1],
			   AT_SYMLINK_NOFOLLOW);
}

struct answer sys_newfstatat(struct call *c)
{
	const uint64_t *a = c->args;

	return stat_common(c, (int)a[0], a[1], a[2], (int)a[3]);
}

/* statx on a layer file's fd: the kernel's statx, with presented ids. */
static struct answer statx_fd_presented(struct call *c, int fd, struct stat *st,
					const uint64_t *args)
{
	struct statx stx;
	char link[64];
	int r = present_fd_stat(c, fd, st);

	if (r <= 0)
		return r < 0 ? answer_error(-r) : answer_continue();
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->pid, fd);
	r = statx(AT_FDCWD, link, (int)args[0] & AT_STATX_SYNC_TYPE, (unsigned int)args[1], &stx) < 0
		    ? -errno
		    : 0;
	if (r < 0)
		return answer_error(-r);
	stx.stx_uid = st->st_uid;
	stx.stx_gid = st->st_gid;
	return answer_result(target_write(c, args[2], &stx, sizeof(stx)));
}

struct answer sys_statx(struct call *c)
{
	const uint64_t *a = c->args;
	int at_flags = (int)a[2];
	struct target_path tp;
	struct answer ans;
	struct statx stx;
	int r;

	if (at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
			 AT_STATX_SYNC_TYPE))
		return answer_error(EINVAL);
	r = target_resolve(c, (int)a[0], a[1], at_flags & AT_EMPTY_PATH,
			   (at_flags & AT_SYMLINK_NOFOLLOW) ? 0 : VN_FOLLOW, &tp);
	if (r == 0 && tp.kind == TARGET_FD)
		return statx_fd_presented(c, (int)a[0], &tp.fd_st, &a[2]);
	if (answer_reader(c, r, (at_flags & AT_SYMLINK_NOFOLLOW) ? 0 : VN_FOLLOW, &tp, &ans))
		return ans;
	r = vn_statx(c->ctx->u, &tp.node, (unsigned int)a[3], &stx);
	if (r < 0)
		return answer_error(-r);
	return answer_result(target_write(c, a[4], &stx, sizeof(stx)));
}

static struct answer statfs_node(struct call *c, const struct vn_node *node, uint64_t buf)
{
	struct statfs sfs;
	int fd, r;

	fd = vn_open_node(c->ctx->u, node, O_PATH);
	if (fd < 0)
		return answer_error(-fd);
	r = fstatfs(fd, &sfs);
	r = r < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return answer_error(-r);
	/* a lower's mount is read-only, the union is not: writes go up */
	if (c->ctx->u->nlayers && c->ctx->u->layers[0].writable)
		sfs.f_flags &= ~(unsigned long)ST_RDONLY;
	return answer_result(target_write(c, buf, &sfs, sizeof(sfs)));
}

struct answer sys_statfs(struct call *c)
{
	const uint64_t *a = c->args;
	struct target_path tp;
	struct answer ans;

	if (resolve_reader(c, AT_FDCWD, a[0], false, VN_FOLLOW, &tp, &ans))
		return ans;
	return statfs_node(c, &tp.node, a[1]);
}

/* A union directory's fd is a view directory, a lower file's is the
 * layer's read-only file: say what file system the union object is on, as
 * statfs of its path does (tools such as fts choose strategies by it, and
 * a lower file's fd said read-only where the union is not). */
struct answer sys_fstatfs(struct call *c)
{
	struct vn_node node;
	int r = target_fd_object(c, (int)c->args[0], &node, NULL);

	if (r < 0)
		return answer_error(-r);
	if (r == 0)
		return answer_continue();
	return statfs_node(c, &node, c->args[1]);
}

static struct answer access_common(struct call *c, int dirfd, uint64_t path, int mode,
				   int at_flags)
{
	struct target_path tp;
	struct answer ans;

	if (mode & ~(R_OK | W_OK | X_OK))
		return answer_error(EINVAL);
	if (at_flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return answer_error(EINVAL);
	if (resolve_reader(c, dirfd, path, at_flags & AT_EMPTY_PATH,
			   (at_flags & AT_SYMLINK_NOFOLLOW) ? 0 : VN_FOLLOW, &tp, &ans))
		return ans;
	return answer_result(vn_access(c->ctx->u, &tp.node, mode, at_flags));
}

struct answer sys_access(struct call *c)
{
	const uint64_t *a = c->args;

	return access_common(c, AT_FDCWD, a[0], (int)a[1], 0);
}

struct answer sys_faccessat(struct call *c)
{
	const uint64_t *a = c->args;

	return access_common(c, (int)a[0], a[1], (int)a[2], 0);
}

struct answer sys_faccessat2(struct call *c)
{
	const uint64_t *a = c->args;

	return access_common(c, (int)a[0], a[1], (int)a[2], (int)a[3]);
}

static struct answer readlink_common(struct call *c, int dirfd, uint64_t path,
				     uint64_t buf, int64_t size)
{
	struct target_path tp;
	struct answer ans;
	char target[PATH_MAX];
	ssize_t n;
	int r;

	if (size <= 0)
		return answer_error(EINVAL);
	r = target_resolve(c, dirfd, path, true, 0, &tp);
	/* /proc/<pid>/fd/N of a layer file: its union path, not ours */
	n = r == 0 ? target_fd_link_in_union(c, &tp, target, sizeof(target)) : 0;
	if (n == 0 && r == 0 && tp.kind == TARGET_FD)
		n = target_fd_magic_link_in_union(c, dirfd, target, sizeof(target));
	if (n == 0) {
		if (answer_reader(c, r, 0, &tp, &ans))
			return ans;
		n = vn_readlink_node(c->ctx->u, &tp.node, target, sizeof(target));
	}
	if (n == -EINVAL && tp.empty)
		n = -ENOENT; /* as the kernel: "" names no symlink (fs/stat.c) */
	if (n < 0)
		return answer_error((int)-n);
	if (n > size)
		n = size;
	return answer_result(target_write(c, buf, target, (size_t)n) < 0 ? -EFAULT : n);
}

struct answer sys_readlink(struct call *c)
{
	const uint64_t *a = c->args;

	return readlink_common(c, AT_FDCWD, a[0], a[1], (int64_t)a[2]);
}

struct answer sys_readlinkat(struct call *c)
{
	const uint64_t *a = c->args;

	return readlink_common(c, (int)a[0], a[1], a[2], (int64_t)a[3]);
}

/* Write an xattr value or list back; size 0 asks only for the length. */
static struct answer xattr_reply(struct call *c, ssize_t n, const void *data,
				 uint64_t buf, size_t size)
{
	if (n < 0)
		return answer_error((int)-n);
	if (size == 0)
		return answer_value(n);
	if ((size_t)n > size)
		return answer_error(ERANGE);
	return answer_result(target_write(c, buf, data, (size_t)n) < 0 ? -EFAULT : n);
}

/* An xattr name as the kernel takes it (fs/xattr.c import_xattr_name):
 * empty or longer than XATTR_NAME_MAX is ERANGE. */
static int xattr_name_error(int r, const char *name)
{
	if (r == -ENAMETOOLONG || (r == 0 && !name[0]))
		return -ERANGE;
	return r;
}

/* Value and list buffers come from the heap per call: as __thread arrays
 * they made every thread's TLS 128 KiB, which glibc clears for each
 * thread made (4 % of a sandbox's start-up). */
static struct answer getxattr_node(struct call *c, const struct vn_node *node,
				   const char *name, uint64_t buf, size_t size)
{
	char *value = size ? malloc(XATTR_SIZE_MAX_) : NULL;
	struct answer ans;
	ssize_t n;

	if (size && !value)
		return answer_error(ENOMEM);
	n = vn_getxattr(c->ctx->u, node, name, value, size ? XATTR_SIZE_MAX_ : 0);
	ans = xattr_reply(c, n, value, buf, size);
	free(value);
	return ans;
}

static struct answer listxattr_node(struct call *c, const struct vn_node *node,
				    uint64_t buf, size_t size)
{
	char *list = malloc(XATTR_SIZE_MAX_);
	struct answer ans;
	ssize_t n;

	if (!list)
		return answer_error(ENOMEM);
	n = vn_listxattr(c->ctx->u, node, list, XATTR_SIZE_MAX_);
	ans = xattr_reply(c, n, list, buf, size);
	free(list);
	return ans;
}

static struct answer getxattr_common(struct call *c, bool follow)
{
	const uint64_t *a = c->args;
	struct target_path tp;
	struct answer ans;
	char name[256];
	int r;

	/* the name first, as the kernel takes it; the path's read checks
	 * ID_VALID for both */
	r = xattr_name_error(target_peek_string(c, a[1], name, sizeof(name)), name);
	if (r < 0)
		return answer_error(-r);
	if (resolve_reader(c, AT_FDCWD, a[0], false, follow ? VN_FOLLOW : 0, &tp, &ans))
		return ans;
	return getxattr_node(c, &tp.node, name, a[2], a[3]);
}

static struct answer listxattr_common(struct call *c, bool follow)
{
	const uint64_t *a = c->args;
	struct target_path tp;
	struct answer ans;

	if (resolve_reader(c, AT_FDCWD, a[0], false, follow ? VN_FOLLOW : 0, &tp, &ans))
		return ans;
	return listxattr_node(c, &tp.node, a[1], a[2]);
}

struct answer sys_getxattr(struct call *c) { return getxattr_common(c, true); }
struct answer sys_lgetxattr(struct call *c) { return getxattr_common(c, false); }
struct answer sys_listxattr(struct call *c) { return listxattr_common(c, true); }
struct answer sys_llistxattr(struct call *c) { return listxattr_common(c, false); }

/* fstat is the kernel's, unless the fd is a union directory (its view
 * directory would show the tmpfs, not the union) or, with presented
 * ownership, a layer file (its owner is presented). */
struct answer sys_fstat(struct call *c)
{
	struct vn_node node;
	struct answer ans;
	struct stat st;
	int r;

	if (fd_reader(c, &node, &ans, &st))
		return ans.kind == ANSWER_CONTINUE
			       ? stat_fd_presented(c, (int)c->args[0], &st, c->args[1])
			       : ans;
	r = vn_getattr(c->ctx->u, &node, &st);
	if (r < 0)
		return answer_error(-r);
	return answer_result(target_write(c, c->args[1], &st, sizeof(st)));
}

struct answer sys_fgetxattr(struct call *c)
{
	const uint64_t *a = c->args;
	struct vn_node node;
	struct answer ans;

	char name[256];
	int r;

	if (fd_reader(c, &node, &ans, NULL))
		return ans;
	r = xattr_name_error(target_read_string(c, a[1], name, sizeof(name)), name);
	if (r < 0)
		return answer_error(-r);
	return getxattr_node(c, &node, name, a[2], a[3]);
}

struct answer sys_flistxattr(struct call *c)
{
	const uint64_t *a = c->args;
	struct vn_node node;
	struct answer ans;

	if (fd_reader(c, &node, &ans, NULL))
		return ans;
	return listxattr_node(c, &node, a[1], a[2]);
}
