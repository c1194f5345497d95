/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every call that modifies the file system by path.  Paths that lead into
 * a passthrough mount (a --bind, /dev/shm) are the kernel's: render the
 * way there and continue.  Paths of the union are answered by the write
 * path; until it lands, the union is read-only: they fail with
 * EROFS, after the resolution errors a native call would give first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "notify.h"

/* Resolve one path argument of a mutation. 1: the kernel's (continue);
 * 0: the union's; -errno: the call's error. */
static int mutation_target(struct notify_call *c, int dirfd, uint64_t path, bool empty_ok,
			   bool follow, struct target_path *tp)
{
	int flags = follow ? VN_FOLLOW : 0;
	int r = target_resolve(c, dirfd, path, empty_ok, flags, tp);

	if (r < 0)
		return r;
	if (tp->kind == TARGET_FD)
		return 1;
	if (tp->kind == TARGET_PASSTHROUGH) {
		r = target_render(c, tp, flags);
		return r < 0 && r != -ENOENT ? r : 1;
	}
	if (tp->err < 0 && !(tp->err == -ENOENT && tp->node.parent_exists))
		return tp->err;
	return 0;
}

static struct answer one_path(struct notify_call *c, int dirfd, uint64_t path, bool empty_ok,
			      bool follow)
{
	struct target_path tp;
	int r = mutation_target(c, dirfd, path, empty_ok, follow, &tp);

	if (r < 0)
		return answer_error(-r);
	return r ? answer_continue() : answer_error(EROFS);
}

/* mkdir, rmdir, unlink, chmod, chown, truncate, utime(s), setxattr,
 * removexattr, mknod: (path, ...) */
struct answer sys_mutate_path(struct notify_call *c)
{
	return one_path(c, AT_FDCWD, c->req->data.args[0], false, true);
}

/* lchown, lsetxattr, lremovexattr, and the unlink family: no follow */
struct answer sys_mutate_lpath(struct notify_call *c)
{
	return one_path(c, AT_FDCWD, c->req->data.args[0], false, false);
}

/* mkdirat, mknodat, futimesat, fchmodat: (dirfd, path, ...) */
struct answer sys_mutate_at(struct notify_call *c)
{
	const __u64 *a = c->req->data.args;

	return one_path(c, (int)a[0], a[1], false, true);
}

/* unlinkat(dirfd, path, flags): never follows */
struct answer sys_mutate_at_lpath(struct notify_call *c)
{
	const __u64 *a = c->req->data.args;

	return one_path(c, (int)a[0], a[1], false, false);
}

/* fchmodat2(dirfd, path, mode, flags) */
struct answer sys_mutate_at_flags3(struct notify_call *c)
{
	const __u64 *a = c->req->data.args;
	int flags = (int)a[3];

	return one_path(c, (int)a[0], a[1], flags & AT_EMPTY_PATH, !(flags & AT_SYMLINK_NOFOLLOW));
}

/* fchownat(dirfd, path, uid, gid, flags) */
struct answer sys_mutate_at_flags4(struct notify_call *c)
{
	const __u64 *a = c->req->data.args;
	int flags = (int)a[4];

	return one_path(c, (int)a[0], a[1], flags & AT_EMPTY_PATH, !(flags & AT_SYMLINK_NOFOLLOW));
}

/* utimensat(dirfd, path or NULL, times, flags): NULL means the fd itself,
 * which the kernel answers (a lower file's fd is on a read-only mount). */
struct answer sys_utimensat(struct notify_call *c)
{
	const __u64 *a = c->req->data.args;
	int flags = (int)a[3];

	if (!a[1])
		return answer_continue();
	return one_path(c, (int)a[0], a[1], flags & AT_EMPTY_PATH, !(flags & AT_SYMLINK_NOFOLLOW));
}

static struct answer two_paths(struct notify_call *c, int olddir, uint64_t oldpath, int newdir,
			       uint64_t newpath, bool old_follow, bool old_empty_ok)
{
	struct target_path from, to;
	int r_from = mutation_target(c, olddir, oldpath, old_empty_ok, old_follow, &from);
	int r_to;

	if (r_from < 0)
		return answer_error(-r_from);
	r_to = mutation_target(c, newdir, newpath, false, false, &to);
	if (r_to < 0)
		return answer_error(-r_to);
	if (r_from && r_to)
		return answer_continue();
	return answer_error(EROFS);
}

struct answer sys_rename(struct notify_call *c)
{
	const __u64 *a = c->req->data.args;

	return two_paths(c, AT_FDCWD, a[0], AT_FDCWD, a[1], false, false);
}

/* renameat(olddir, old, newdir, new) and renameat2(..., flags) */
struct answer sys_renameat(struct notify_call *c)
{
	const __u64 *a = c->req->data.args;

	return two_paths(c, (int)a[0], a[1], (int)a[2], a[3], false, false);
}

struct answer sys_link(struct notify_call *c)
{
	const __u64 *a = c->req->data.args;

	return two_paths(c, AT_FDCWD, a[0], AT_FDCWD, a[1], false, false);
}

struct answer sys_linkat(struct notify_call *c)
{
	const __u64 *a = c->req->data.args;
	int flags = (int)a[4];

	return two_paths(c, (int)a[0], a[1], (int)a[2], a[3], flags & AT_SYMLINK_FOLLOW,
			 flags & AT_EMPTY_PATH);
}

/* symlink(target, linkpath): the target is only text */
struct answer sys_symlink(struct notify_call *c)
{
	return one_path(c, AT_FDCWD, c->req->data.args[1], false, false);
}

struct answer sys_symlinkat(struct notify_call *c)
{
	const __u64 *a = c->req->data.args;

	return one_path(c, (int)a[1], a[2], false, false);
}
