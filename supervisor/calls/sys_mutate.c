/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every call that changes the file system, by path or by fd, emulated
 * with the union core's write path (copy-up, whiteouts).  Paths that lead
 * into a passthrough mount (a --bind, /dev/shm) are the kernel's: render
 * the way there and continue; a call with one path on each side is EXDEV,
 * as between two mounts.  fd calls on a lower file copy it up and point
 * the target's fd at the copy, so a later fstat shows the change.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <sys/xattr.h>
#include <utime.h>
#include <linux/magic.h>
#include <sys/statfs.h>

#include "calls.h"

#define XATTR_NAME_MAX_ 255
#define XATTR_SIZE_MAX_ 65536

/* Calls that act on a name (make, remove, rename it) take the last
 * component as itself, "NAME/" included; the others look it up. */
#define NAME_OP VN_NOFOLLOW_LAST

/* What one path argument of a mutation names. */
enum target_side {
	SIDE_UNION = 0,   /* the union's (node may be a missing name whose parent exists) */
	SIDE_KERNEL = 1,  /* the kernel's: continue (the fd itself: meta_on_fd decides) */
	SIDE_HOST = 2,    /* without a view, a path the kernel would walk on the host:
			   * never continued, the string can be raced */
};

/* The side of one path argument, or -errno: the call's error. */
static int mutation_side(struct call *c, int dirfd, uint64_t path, bool empty_ok, int flags,
			 struct target_path *tp)
{
	int r = target_resolve(c, dirfd, path, empty_ok, flags, tp);

	if (r < 0)
		return r;
	if (tp->kind == TARGET_FD)
		return SIDE_KERNEL;
	if (tp->kind == TARGET_PASSTHROUGH) {
		/* in a directory removed from the union nothing can be made,
		 * as in a removed directory of the kernel's */
		if (c->ctx->view_prefix[0])
			return tp->raw[0] != '/' && target_start_removed(c, dirfd) ? -ENOENT : SIDE_HOST;
		r = target_render(c, tp, flags);
		return r < 0 && r != -ENOENT ? r : SIDE_KERNEL;
	}
	if (tp->err < 0 && !(tp->err == -ENOENT && tp->node.parent_exists))
		return tp->err;
	return SIDE_UNION;
}

/* One path argument of a mutation: 1, the kernel's (continue); 0, the
 * union's; -errno: the call's error (EPERM for a host path without a
 * view: nothing is changed by path there). */
static int mutation_target(struct call *c, int dirfd, uint64_t path, bool empty_ok,
			   int flags, struct target_path *tp)
{
	int r = mutation_side(c, dirfd, path, empty_ok, flags, tp);

	return r == SIDE_HOST ? -EPERM : r;
}

/* The same, for a call that needs the object to exist. */
static int existing_target(struct call *c, int dirfd, uint64_t path, bool empty_ok,
			   int flags, struct target_path *tp)
{
	int r = mutation_target(c, dirfd, path, empty_ok, flags, tp);

	return r == 0 && tp->err < 0 ? tp->err : r;
}

/* Both sides of a two-path call (link, rename): both the kernel's,
 * continue (EPERM when either is a host path without a view); one on
 * each side, EXDEV as natively; -1: both the union's, for it to answer. */
static int pair_answer(int from, int to, struct answer *ans)
{
	if (from != SIDE_UNION && to != SIDE_UNION)
		*ans = from == SIDE_HOST || to == SIDE_HOST ? answer_error(EPERM) : answer_continue();
	else if (from != SIDE_UNION || to != SIDE_UNION)
		*ans = answer_error(EXDEV);
	else
		return -1;
	return 0;
}

static const char *last_component(const char *raw)
{
	const char *end = raw + strlen(raw);
	const char *start;

	while (end > raw && end[-1] == '/')
		end--;
	for (start = end; start > raw && start[-1] != '/'; start--)
		;
	return start;
}

static bool last_is(const char *raw, const char *name)
{
	const char *last = last_component(raw);
	size_t n = strlen(name);

	return strncmp(last, name, n) == 0 && (last[n] == '\0' || last[n] == '/');
}

/* What we create for the target gets its umask, as the kernel would. */
static int masked_mode(struct call *c, mode_t mode, mode_t allowed, mode_t *out)
{
	int mask = target_umask(c);

	if (mask < 0)
		return mask;
	*out = mode & allowed & ~(mode_t)mask;
	return 0;
}

/* ------------------------------------------------------------- names */

/* A name about to be made (mknod, symlink, link, bind; mkdir takes
 * "NAME/"): 0 when it may be, else the call's error, as the kernel's
 * filename_create: an existing name is EEXIST, whatever it is; a missing
 * "NAME/" is ENOENT. */
static int new_name_check(const struct target_path *tp, bool dir)
{
	if (tp->err == 0)
		return -EEXIST;
	if (tp->node.trailing_slash && !dir)
		return -ENOENT;
	return 0;
}

/* A name about to go (unlink, rmdir, rename): "NAME/" must be a directory
 * (a symlink to one is not: the last component is never followed). */
static int old_name_check(const struct target_path *tp)
{
	if (tp->node.trailing_slash && !S_ISDIR(tp->node.st.st_mode))
		return -ENOTDIR;
	return 0;
}

static struct answer mkdir_common(struct call *c, int dirfd, uint64_t path, mode_t mode)
{
	struct target_path tp;
	int r = mutation_target(c, dirfd, path, false, NAME_OP, &tp);

	if (r != 0)
		return r < 0 ? answer_error(-r) : answer_continue();
	r = new_name_check(&tp, true);
	if (r == 0)
		r = masked_mode(c, mode, 01777, &mode);
	return answer_result(r < 0 ? r : vn_mkdir(c->ctx->u, &tp.node, mode));
}

struct answer sys_mkdir(struct call *c)
{
	return mkdir_common(c, AT_FDCWD, c->args[0], (mode_t)c->args[1]);
}

struct answer sys_mkdirat(struct call *c)
{
	const uint64_t *a = c->args;

	return mkdir_common(c, (int)a[0], a[1], (mode_t)a[2]);
}

static struct answer mknod_common(struct call *c, int dirfd, uint64_t path, mode_t mode,
				  dev_t dev)
{
	struct target_path tp;
	mode_t perm;
	int r = mutation_target(c, dirfd, path, false, NAME_OP, &tp);

	if (r != 0)
		return r < 0 ? answer_error(-r) : answer_continue();
	r = new_name_check(&tp, false);
	if (r < 0)
		return answer_error(-r);
	r = masked_mode(c, mode, 07777, &perm);
	return answer_result(r < 0 ? r : vn_mknod(c->ctx->u, &tp.node, (mode & S_IFMT) | perm, dev));
}

struct answer sys_mknod(struct call *c)
{
	const uint64_t *a = c->args;

	return mknod_common(c, AT_FDCWD, a[0], (mode_t)a[1], (dev_t)a[2]);
}

struct answer sys_mknodat(struct call *c)
{
	const uint64_t *a = c->args;

	return mknod_common(c, (int)a[0], a[1], (mode_t)a[2], (dev_t)a[3]);
}

static struct answer remove_common(struct call *c, int dirfd, uint64_t path, bool is_rmdir)
{
	struct target_path tp;
	int r = existing_target(c, dirfd, path, false, NAME_OP, &tp);

	if (r != 0)
		return r < 0 ? answer_error(-r) : answer_continue();
	r = old_name_check(&tp);
	if (r < 0)
		return answer_error(-r);
	if (is_rmdir) {
		if (last_is(tp.raw, "."))
			return answer_error(EINVAL);
		if (last_is(tp.raw, ".."))
			return answer_error(ENOTEMPTY);
		return answer_result(vn_rmdir(c->ctx->u, &tp.node));
	}
	return answer_result(vn_unlink(c->ctx->u, &tp.node));
}

struct answer sys_rmdir(struct call *c)
{
	return remove_common(c, AT_FDCWD, c->args[0], true);
}

struct answer sys_unlink(struct call *c)
{
	return remove_common(c, AT_FDCWD, c->args[0], false);
}

struct answer sys_unlinkat(struct call *c)
{
	const uint64_t *a = c->args;
	int flags = (int)a[2];

	if (flags & ~AT_REMOVEDIR)
		return answer_error(EINVAL);
	return remove_common(c, (int)a[0], a[1], flags & AT_REMOVEDIR);
}

static struct answer rename_common(struct call *c, int olddir, uint64_t oldpath, int newdir,
				   uint64_t newpath, unsigned int flags)
{
	struct target_path from, to;
	int r_from = mutation_side(c, olddir, oldpath, false, NAME_OP, &from);
	struct answer ans;
	int r_to;

	if (r_from < 0)
		return answer_error(-r_from);
	r_to = mutation_side(c, newdir, newpath, false, NAME_OP, &to);
	if (r_to < 0)
		return answer_error(-r_to);
	if (pair_answer(r_from, r_to, &ans) == 0)
		return ans;
	/* in the kernel's order: both parents, then the old name, then what
	 * the flags and "NAME/" ask */
	if (from.err < 0)
		return answer_error(-from.err);
	if ((flags & RENAME_NOREPLACE) && to.err == 0)
		return answer_error(EEXIST);
	if ((flags & RENAME_EXCHANGE) && to.err < 0)
		return answer_error(-to.err);
	if ((flags & RENAME_EXCHANGE) && !S_ISDIR(to.node.st.st_mode) && to.node.trailing_slash)
		return answer_error(ENOTDIR);
	if (last_is(from.raw, ".") || last_is(from.raw, "..") || last_is(to.raw, ".") ||
	    last_is(to.raw, ".."))
		return answer_error(EBUSY);
	if (!S_ISDIR(from.node.st.st_mode) &&
	    (from.node.trailing_slash ||
	     (!(flags & RENAME_EXCHANGE) && to.node.trailing_slash)))
		return answer_error(ENOTDIR);
	{
		/* a lower file moves by a copy-up: fds on it follow the copy */
		struct stat lower = from.node.st;
		bool was_lower = from.node.layer > 0 && S_ISREG(lower.st_mode);
		int r = vn_rename(c->ctx->u, &from.node, &to.node, flags);
		struct vn_node moved;

		if (r == 0 && was_lower && !(flags & RENAME_EXCHANGE) &&
		    vn_resolve(c->ctx->u, "/", to.node.path, 0, &moved) == 0)
			stale_after_copy_up(c, &lower, &moved);
		return answer_result(r);
	}
}

struct answer sys_rename(struct call *c)
{
	const uint64_t *a = c->args;

	return rename_common(c, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

struct answer sys_renameat(struct call *c)
{
	const uint64_t *a = c->args;

	return rename_common(c, (int)a[0], a[1], (int)a[2], a[3], 0);
}

struct answer sys_renameat2(struct call *c)
{
	const uint64_t *a = c->args;

	return rename_common(c, (int)a[0], a[1], (int)a[2], a[3], (unsigned int)a[4]);
}

/* linkat's source given as an fd: AT_EMPTY_PATH, or /proc/self/fd/N and
 * /dev/fd/N followed (the usual way to name an O_TMPFILE file).  Returns
 * the fd, or -1 when the source is a plain path. */
static int link_source_fd(const char *raw, int dirfd, int flags)
{
	int fd, end = 0;

	if (!raw[0] && (flags & AT_EMPTY_PATH))
		return dirfd;
	if (!(flags & AT_SYMLINK_FOLLOW))
		return -1;
	if ((sscanf(raw, "/proc/self/fd/%d%n", &fd, &end) == 1 ||
	     sscanf(raw, "/dev/fd/%d%n", &fd, &end) == 1) && end > 0 && raw[end] == '\0' && fd >= 0)
		return fd;
	return -1;
}

static bool unnamed_upper_file(struct call *c, int file)
{
	struct stat st;

	if (fstat(file, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 0)
		return false;
	for (size_t i = 0; i < c->ctx->u->nlayers; i++)
		if (c->ctx->u->layers[i].writable)
			return c->ctx->u->layers[i].dev == st.st_dev;
	return false;
}

static struct answer link_from_fd(struct call *c, int fd, struct vn_node *to)
{
	struct vn_node node;
	int file, r = target_fd_object(c, fd, &node, &file);

	if (r < 0)
		return answer_error(-r);
	if (r == TARGET_OBJ_VIEW || r == TARGET_OBJ_FILE) {
		if (file >= 0)
			close(file);
		return answer_result(vn_link(c->ctx->u, &node, to)); /* a directory: EPERM */
	}
	/* not a named union file: only an unnamed one of the upper (O_TMPFILE)
	 * may be given a name.  Any other file the target holds (a layer's
	 * file whose union name is gone, a host file) would be linked into
	 * the upper, where a write reaches the shared inode. */
	file = target_getfd(c, fd);
	if (file < 0)
		return answer_error(-file);
	r = unnamed_upper_file(c, file) ? vn_link_fd(c->ctx->u, file, to) : -EXDEV;
	close(file);
	return answer_result(r);
}

static struct answer link_common(struct call *c, int olddir, uint64_t oldpath, int newdir,
				 uint64_t newpath, int flags)
{
	struct target_path from, to;
	char raw[PATH_MAX];
	struct answer ans;
	int r_from = SIDE_UNION, r_to, src_fd;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return answer_error(EINVAL);
	r_to = target_read_string(c, oldpath, raw, sizeof(raw));
	if (r_to < 0)
		return answer_error(-r_to);
	src_fd = link_source_fd(raw, olddir, flags);
	if (src_fd < 0) {
		r_from = mutation_side(c, olddir, oldpath, false,
				       (flags & AT_SYMLINK_FOLLOW) ? VN_FOLLOW : 0, &from);
		if (r_from == SIDE_UNION && from.err < 0)
			r_from = from.err; /* the object must exist */
		if (r_from < 0)
			return answer_error(-r_from);
	}
	r_to = mutation_side(c, newdir, newpath, false, NAME_OP, &to);
	if (r_to < 0)
		return answer_error(-r_to);
	if (r_to == SIDE_UNION && (r_to = new_name_check(&to, false)) < 0)
		return answer_error(-r_to);
	/* an fd's file named in a passthrough mount (an O_TMPFILE file of
	 * /dev/shm, a nested veneer's copy-up there): the kernel's, which
	 * links only a file of that same mount, whatever the fd is by then */
	if (src_fd >= 0 && r_to == SIDE_KERNEL)
		return answer_continue();
	if (src_fd >= 0)
		return r_to == SIDE_HOST ? answer_error(EPERM) : link_from_fd(c, src_fd, &to.node);
	if (pair_answer(r_from, r_to, &ans) == 0)
		return ans;
	return answer_result(vn_link(c->ctx->u, &from.node, &to.node));
}

struct answer sys_link(struct call *c)
{
	const uint64_t *a = c->args;

	return link_common(c, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

struct answer sys_linkat(struct call *c)
{
	const uint64_t *a = c->args;

	return link_common(c, (int)a[0], a[1], (int)a[2], a[3], (int)a[4]);
}

static struct answer symlink_common(struct call *c, uint64_t target, int dirfd,
				    uint64_t path)
{
	char body[PATH_MAX];
	struct target_path tp;
	int r = target_read_string(c, target, body, sizeof(body));

	if (r < 0)
		return answer_error(-r);
	if (!body[0])
		return answer_error(ENOENT);
	r = mutation_target(c, dirfd, path, false, NAME_OP, &tp);
	if (r != 0)
		return r < 0 ? answer_error(-r) : answer_continue();
	r = new_name_check(&tp, false);
	return answer_result(r < 0 ? r : vn_symlink(c->ctx->u, &tp.node, body));
}

/* symlink(target, linkpath): the target is only text */
struct answer sys_symlink(struct call *c)
{
	const uint64_t *a = c->args;

	return symlink_common(c, a[0], AT_FDCWD, a[1]);
}

struct answer sys_symlinkat(struct call *c)
{
	const uint64_t *a = c->args;

	return symlink_common(c, a[0], (int)a[1], a[2]);
}

/* ------------------------------------------------------- attributes */

struct meta_op {
	enum { META_CHMOD, META_CHOWN, META_TIMES, META_TRUNCATE, META_SETXATTR,
	       META_REMOVEXATTR } kind;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec times[2];
	off_t length;
	char name[XATTR_NAME_MAX_ + 1];
	void *value;
	size_t size;
	int flags;
};

static int meta_apply(struct vn_union *u, struct vn_node *node, const struct meta_op *op)
{
	switch (op->kind) {
	case META_CHMOD:
		return vn_chmod(u, node, op->mode);
	case META_CHOWN:
		return vn_chown(u, node, op->uid, op->gid);
	case META_TIMES:
		if (op->times[0].tv_nsec == UTIME_OMIT && op->times[1].tv_nsec == UTIME_OMIT)
			return 0; /* nothing to change: no copy-up either */
		return vn_utimens(u, node, op->times);
	case META_TRUNCATE:
		return vn_truncate(u, node, op->length);
	case META_SETXATTR:
		return vn_setxattr(u, node, op->name, op->value, op->size, op->flags);
	case META_REMOVEXATTR:
		return vn_removexattr(u, node, op->name);
	}
	return -EINVAL;
}

/* The same change on an open file of the kernel's (ours, from pidfd_getfd). */
static int meta_apply_file(int file, const struct meta_op *op)
{
	int r = 0;

	switch (op->kind) {
	case META_CHMOD:
		r = fchmod(file, op->mode);
		break;
	case META_CHOWN:
		r = fchown(file, op->uid, op->gid);
		break;
	case META_TIMES:
		r = futimens(file, op->times);
		break;
	case META_TRUNCATE:
		r = ftruncate(file, op->length);
		break;
	case META_SETXATTR:
		r = fsetxattr(file, op->name, op->value, op->size, op->flags);
		break;
	case META_REMOVEXATTR:
		r = fremovexattr(file, op->name);
		break;
	}
	return r < 0 ? -errno : 0;
}

/*
 * Without a view, a change through an fd of a file the union does not
 * name is never continued: the kernel would look the fd up again, and
 * another thread may have put a lower's or the host's file in its place
 * by then (dup2).  The change is made here on the very open file that was
 * checked (pidfd_getfd), and only for files that name nothing on disk
 * (pipes, sockets, anonymous inodes, unlinked files such as memfds) and
 * for terminals; metadata of the host's files (/dev/shm, /run...) is not
 * the sandbox's to change, and Landlock guards contents only.
 */
static struct answer meta_on_kernel_file(struct call *c, int fd, const struct meta_op *op)
{
	struct statfs fs;
	struct stat st;
	int file = target_getfd(c, fd), r;

	if (file < 0)
		return answer_error(-file);
	r = fstat(file, &st) < 0 || fstatfs(file, &fs) < 0 ? -errno : 0;
	if (r == 0 && st.st_nlink != 0 && fs.f_type != PIPEFS_MAGIC &&
	    fs.f_type != SOCKFS_MAGIC && fs.f_type != ANON_INODE_FS_MAGIC &&
	    fs.f_type != DEVPTS_SUPER_MAGIC)
		r = -EPERM;
	if (r == 0)
		r = meta_apply_file(file, op);
	close(file);
	return answer_result(r);
}

static struct answer meta_on_fd(struct call *c, int fd, const struct meta_op *op)
{
	struct vn_node node;
	struct stat lower;
	int file, r = target_fd_object(c, fd, &node, &file);
	bool was_lower;

	if (r == 0 && c->ctx->view_prefix[0])
		return meta_on_kernel_file(c, fd, op);
	if (r <= 0)
		return r < 0 ? answer_error(-r) : answer_continue();
	was_lower = node.layer > 0;
	lower = node.st;
	r = meta_apply(c->ctx->u, &node, op);
	if (r == 0 && was_lower && node.layer == 0)
		stale_after_copy_up(c, &lower, &node); /* this fd among them */
	if (file >= 0)
		close(file);
	return answer_result(r);
}

static struct answer meta_on_path(struct call *c, int dirfd, uint64_t path, int at_flags,
				  bool follow, const struct meta_op *op)
{
	struct target_path tp;
	int r = existing_target(c, dirfd, path, at_flags & AT_EMPTY_PATH,
				 follow ? VN_FOLLOW : 0, &tp);

	if (r == 1 && tp.kind == TARGET_FD)
		return meta_on_fd(c, dirfd, op);
	if (r != 0)
		return r < 0 ? answer_error(-r) : answer_continue();
	{
		struct stat lower = tp.node.st;
		bool was_lower = tp.node.layer > 0;

		r = meta_apply(c->ctx->u, &tp.node, op);
		if (r == 0 && was_lower && tp.node.layer == 0)
			stale_after_copy_up(c, &lower, &tp.node);
	}
	return answer_result(r);
}

static int read_xattr_args(struct call *c, uint64_t name, uint64_t value, size_t size,
			   struct meta_op *op)
{
	int r = target_read_string(c, name, op->name, sizeof(op->name));

	if (r < 0)
		return r == -ENAMETOOLONG ? -ERANGE : r;
	if (!op->name[0])
		return -ERANGE;
	if (size > XATTR_SIZE_MAX_)
		return -E2BIG;
	op->size = size;
	if (!size)
		return 0;
	op->value = malloc(size);
	if (!op->value)
		return -ENOMEM;
	return target_read(c, value, op->value, size);
}

struct answer sys_chmod(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_CHMOD, .mode = (mode_t)a[1] };

	return meta_on_path(c, AT_FDCWD, a[0], 0, true, &op);
}

struct answer sys_fchmodat(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_CHMOD, .mode = (mode_t)a[2] };

	return meta_on_path(c, (int)a[0], a[1], 0, true, &op);
}

struct answer sys_fchmodat2(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_CHMOD, .mode = (mode_t)a[2] };
	int flags = (int)a[3];

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return answer_error(EINVAL);
	return meta_on_path(c, (int)a[0], a[1], flags, !(flags & AT_SYMLINK_NOFOLLOW), &op);
}

struct answer sys_fchmod(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_CHMOD, .mode = (mode_t)a[1] };

	return meta_on_fd(c, (int)a[0], &op);
}

struct answer sys_chown(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_CHOWN, .uid = (uid_t)a[1], .gid = (gid_t)a[2] };

	return meta_on_path(c, AT_FDCWD, a[0], 0, true, &op);
}

struct answer sys_lchown(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_CHOWN, .uid = (uid_t)a[1], .gid = (gid_t)a[2] };

	return meta_on_path(c, AT_FDCWD, a[0], 0, false, &op);
}

struct answer sys_fchownat(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_CHOWN, .uid = (uid_t)a[2], .gid = (gid_t)a[3] };
	int flags = (int)a[4];

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return answer_error(EINVAL);
	return meta_on_path(c, (int)a[0], a[1], flags, !(flags & AT_SYMLINK_NOFOLLOW), &op);
}

struct answer sys_fchown(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_CHOWN, .uid = (uid_t)a[1], .gid = (gid_t)a[2] };

	return meta_on_fd(c, (int)a[0], &op);
}

static void times_now(struct meta_op *op)
{
	op->times[0].tv_nsec = op->times[1].tv_nsec = UTIME_NOW;
	op->times[0].tv_sec = op->times[1].tv_sec = 0;
}

static int read_timevals(struct call *c, uint64_t addr, struct meta_op *op)
{
	struct timeval tv[2];
	int r;

	if (!addr) {
		times_now(op);
		return 0;
	}
	r = target_read(c, addr, tv, sizeof(tv));
	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		op->times[i].tv_sec = tv[i].tv_sec;
		op->times[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return 0;
}

struct answer sys_utime(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_TIMES };
	struct utimbuf ub;
	int r;

	if (!a[1]) {
		times_now(&op);
	} else {
		r = target_read(c, a[1], &ub, sizeof(ub));
		if (r < 0)
			return answer_error(-r);
		op.times[0] = (struct timespec){ .tv_sec = ub.actime };
		op.times[1] = (struct timespec){ .tv_sec = ub.modtime };
	}
	return meta_on_path(c, AT_FDCWD, a[0], 0, true, &op);
}

struct answer sys_utimes(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_TIMES };
	int r = read_timevals(c, a[1], &op);

	if (r < 0)
		return answer_error(-r);
	return meta_on_path(c, AT_FDCWD, a[0], 0, true, &op);
}

struct answer sys_futimesat(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_TIMES };
	int r = read_timevals(c, a[2], &op);

	if (r < 0)
		return answer_error(-r);
	if (!a[1])
		return meta_on_fd(c, (int)a[0], &op);
	return meta_on_path(c, (int)a[0], a[1], 0, true, &op);
}

/* utimensat(dirfd, path or NULL, times, flags): NULL is the fd itself */
struct answer sys_utimensat(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_TIMES };
	int flags = (int)a[3];
	int r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return answer_error(EINVAL);
	if (!a[2]) {
		times_now(&op);
	} else {
		r = target_read(c, a[2], op.times, sizeof(op.times));
		if (r < 0)
			return answer_error(-r);
		for (int i = 0; i < 2; i++)
			if (op.times[i].tv_nsec != UTIME_NOW && op.times[i].tv_nsec != UTIME_OMIT &&
			    (op.times[i].tv_nsec < 0 || op.times[i].tv_nsec >= 1000000000))
				return answer_error(EINVAL);
	}
	if (!a[1])
		return meta_on_fd(c, (int)a[0], &op);
	return meta_on_path(c, (int)a[0], a[1], flags, !(flags & AT_SYMLINK_NOFOLLOW), &op);
}

struct answer sys_truncate(struct call *c)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_TRUNCATE, .length = (off_t)a[1] };

	if (op.length < 0)
		return answer_error(EINVAL);
	return meta_on_path(c, AT_FDCWD, a[0], 0, true, &op);
}

static struct answer setxattr_common(struct call *c, int fd, uint64_t path, bool follow)
{
	const uint64_t *a = c->args;
	struct meta_op op = { .kind = META_SETXATTR, .flags = (int)a[4] };
	struct answer ans;
	int r;

	if (op.flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return answer_error(EINVAL);
	r = read_xattr_args(c, a[1], a[2], (size_t)a[3], &op);
	if (r < 0)
		ans = answer_error(-r);
	else if (fd >= 0)
		ans = meta_on_fd(c, fd, &op);
	else
		ans = meta_on_path(c, AT_FDCWD, path, 0, follow, &op);
	free(op.value);
	return ans;
}

struct answer sys_setxattr(struct call *c)
{
	return setxattr_common(c, -1, c->args[0], true);
}

struct answer sys_lsetxattr(struct call *c)
{
	return setxattr_common(c, -1, c->args[0], false);
}

struct answer sys_fsetxattr(struct call *c)
{
	int fd = (int)c->args[0];

	return fd < 0 ? answer_error(EBADF) : setxattr_common(c, fd, 0, false);
}

static struct answer removexattr_common(struct call *c, int fd, uint64_t path, bool follow)
{
	struct meta_op op = { .kind = META_REMOVEXATTR };
	int r = read_xattr_args(c, c->args[1], 0, 0, &op);

	if (r < 0)
		return answer_error(-r);
	if (fd >= 0)
		return meta_on_fd(c, fd, &op);
	return meta_on_path(c, AT_FDCWD, path, 0, follow, &op);
}

struct answer sys_removexattr(struct call *c)
{
	return removexattr_common(c, -1, c->args[0], true);
}

struct answer sys_lremovexattr(struct call *c)
{
	return removexattr_common(c, -1, c->args[0], false);
}

struct answer sys_fremovexattr(struct call *c)
{
	int fd = (int)c->args[0];

	return fd < 0 ? answer_error(EBADF) : removexattr_common(c, fd, 0, false);
}
