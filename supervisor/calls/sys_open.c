/* SPDX-License-Identifier: Apache-2.0 */
/*
 * open, openat, openat2, creat: inject the real file's fd.  Directories
 * inject the rendered view directory; FIFOs and sockets are rendered and
 * opened by the kernel, so a worker never blocks on the target's behalf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"

#define OPEN_FLAGS_KNOWN                                                                   \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | \
	 O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | \
	 O_SYNC | O_PATH | O_TMPFILE)
/* What O_PATH keeps of an open's flags (fs/open.c) */
#define O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)
#define RESOLVE_KNOWN                                                                \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | \
	 RESOLVE_IN_ROOT | RESOLVE_CACHED)

struct open_request {
	int dirfd;
	uint64_t path;
	uint64_t flags;
	uint64_t resolve;
	mode_t mode;      /* for O_CREAT and O_TMPFILE */
};

/* Flags no open accepts together (fs/open.c build_open_flags): O_CREAT
 * with O_DIRECTORY (O_TMPFILE holds O_DIRECTORY) is EINVAL before any
 * lookup, since Linux 6.4; so is O_PATH with flags it does not keep,
 * which open and openat drop before asking (sys_open, sys_openat). */
static bool open_flags_conflict(uint64_t flags)
{
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return true;
	return (flags & O_PATH) && (flags & ~(uint64_t)O_PATH_FLAGS);
}

/* open and openat drop what O_PATH does not keep (fs/open.c
 * build_open_how): O_PATH | O_CREAT opens the name, never makes it. */
static uint64_t legacy_open_flags(uint64_t flags)
{
	return (flags & O_PATH) ? flags & O_PATH_FLAGS : flags;
}

static bool open_may_write(uint64_t flags)
{
	if (flags & O_PATH)
		return false;
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) ||
	       (flags & O_TMPFILE) == O_TMPFILE;
}

/* What an open asks of the file's permissions. */
static int open_access_mask(uint64_t flags)
{
	int mask = 0;

	if (flags & O_PATH)
		return 0;
	if ((flags & O_ACCMODE) != O_WRONLY)
		mask |= VN_MAY_READ;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		mask |= VN_MAY_WRITE;
	return mask;
}

static int resolve_flags_for(const struct open_request *o)
{
	int flags = 0;

	if (!(o->flags & O_NOFOLLOW) && (o->flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL))
		flags |= VN_FOLLOW;
	if (o->flags & O_CREAT)
		flags |= VN_NOFOLLOW_LAST; /* "NAME/" is EISDIR, below */
	if (o->resolve & RESOLVE_BENEATH)
		flags |= VN_BENEATH;
	if (o->resolve & RESOLVE_IN_ROOT)
		flags |= VN_IN_ROOT;
	if (o->resolve & RESOLVE_NO_SYMLINKS)
		flags |= VN_NO_SYMLINKS;
	if (o->resolve & RESOLVE_NO_XDEV)
		flags |= VN_NO_XDEV;
	if (o->resolve & RESOLVE_NO_MAGICLINKS)
		flags |= VN_NO_MAGICLINKS;
	return flags;
}

/* What the kernel opens for us in our own layer: the target's flags less
 * those that create, or that only the target's fd table may carry. */
static int layer_open_flags(uint64_t flags)
{
	return (int)(flags & ~(uint64_t)(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOCTTY));
}

/* Without a view (notify-hostroot) the kernel would open the union path
 * on the host: the skeleton's directory is opened here and injected (an
 * O_PATH open as a plain one: ADDFD cannot pass O_PATH files). */
static struct answer open_skeleton_directory(struct call *c, struct target_path *tp,
					     uint64_t flags)
{
	int fd = target_view_open(c, tp, O_RDONLY | (int)(flags & O_NONBLOCK));

	return fd < 0 ? answer_error(-fd) : answer_fd(fd, flags & O_CLOEXEC);
}

/* A directory: rendered in the view, then opened there by the kernel.
 * Continuing spares the ADDFD round trip, which wakes the target off the
 * notifying CPU and then waits for it (half an open's cost).  A rewritten
 * path reaches only what chdir's can: a read-only view directory, a
 * rendered object or a passthrough mount (see docs/design.md). */
static struct answer open_directory(struct call *c, struct target_path *tp,
				    const struct open_request *o, int flags)
{
	int r;

	if (open_may_write(o->flags))
		return answer_error(EISDIR);
	r = target_render(c, tp, flags);
	if (r < 0)
		return answer_error(-r);
	if (c->ctx->view_prefix[0])
		return open_skeleton_directory(c, tp, o->flags);
	return answer_continue();
}

/* Without a view, a FIFO of the union is the sandbox's own one in the
 * skeleton (as the view's is), opened here: at once where the open cannot
 * block (O_NONBLOCK, O_RDWR), else by the backend off its workers, as a
 * reader waits for a writer.  A device node would be the layer's, opened
 * by the supervisor outside Landlock: EOPNOTSUPP. */
static struct answer open_fifo_without_view(struct call *c, struct target_path *tp,
					    uint64_t open_flags)
{
	int flags = (int)(open_flags & (O_ACCMODE | O_NONBLOCK));
	int fd;

	if (!S_ISFIFO(tp->node.st.st_mode))
		return answer_error(EOPNOTSUPP);
	fd = vn_render_special(c->ctx->u, &tp->node);
	if (fd < 0)
		return answer_error(-fd);
	if ((flags & O_NONBLOCK) || (flags & O_ACCMODE) == O_RDWR) {
		fd = target_view_open_object(c, tp, flags);
		return fd < 0 ? answer_error(-fd) : answer_fd(fd, open_flags & O_CLOEXEC);
	}
	fd = target_view_open_object(c, tp, O_PATH);
	return fd < 0 ? answer_error(-fd) : answer_fd_later(fd, flags, open_flags & O_CLOEXEC);
}

static struct answer open_special(struct call *c, struct target_path *tp,
				  const struct open_request *o, int flags)
{
	int r;

	/* a socket has no open (the kernel says ENXIO): nothing to render */
	if (S_ISSOCK(tp->node.st.st_mode))
		return answer_error(ENXIO);
	r = target_render(c, tp, flags);

	if (r < 0)
		return answer_error(-r);
	if (c->ctx->view_prefix[0])
		return open_fifo_without_view(c, tp, o->flags);
	r = vn_render_special(c->ctx->u, &tp->node);
	if (r < 0)
		return answer_error(-r);
	return answer_continue();
}

/* O_PATH without a view: a directory as the skeleton's, a regular file
 * as the layer's opened for reading (what it can be opened for), a FIFO
 * as the skeleton's opened for reading without blocking (glibc's lchmod
 * and fchmodat(AT_SYMLINK_NOFOLLOW) take an O_PATH fd, then chmod its
 * /proc/self/fd link, which maps back to the union's FIFO): while it is
 * held it is a reader of that FIFO, as an O_PATH fd is not.  Anything
 * else (a symlink itself, a socket, a device): EOPNOTSUPP. */
static struct answer open_path_without_view(struct call *c, struct target_path *tp,
					    bool cloexec)
{
	mode_t mode = tp->node.st.st_mode;
	int fd;

	if (S_ISDIR(mode))
		return open_skeleton_directory(c, tp, cloexec ? O_CLOEXEC : 0);
	if (S_ISFIFO(mode)) {
		fd = vn_render_special(c->ctx->u, &tp->node);
		if (fd == 0)
			fd = target_view_open_object(c, tp, O_RDONLY | O_NONBLOCK);
		return fd < 0 ? answer_error(-fd) : answer_fd(fd, cloexec);
	}
	if (!S_ISREG(mode))
		return answer_error(EOPNOTSUPP);
	fd = vn_open_node(c->ctx->u, &tp->node, O_RDONLY | O_NOFOLLOW);
	return fd < 0 ? answer_error(-fd) : answer_fd(fd, cloexec);
}

/* O_PATH without a view, from the tracer (open and openat with O_PATH go
 * there): the kernel opens the real object itself -- a skeleton directory,
 * a layer's file, symlink, socket or FIFO (an O_PATH open is no FIFO end)
 * -- with the caller's flags; the fd's link maps back to the union path. */
static struct answer open_path_redirected(struct call *c, struct target_path *tp)
{
	/* the path is the argument before the flags (open: 0, openat: 1) */
	int r = target_redirect(c, calls_open_flags_arg(c->nr) - 1, tp);

	return r < 0 ? answer_error(-r) : answer_continue();
}

/* O_PATH: seccomp's ADDFD cannot pass an O_PATH file (fget() refuses
 * them, EBADF), so render the object in the view and let the kernel open
 * it there: directories and symlinks met are rendered by the walk, a
 * final symlink too when it is not followed, anything else as a read-only
 * bind of the real object (a FIFO as the sandbox's own, as for open).  A
 * host socket the policy does not name is EACCES (sys_socket.c). */
static struct answer open_path(struct call *c, struct target_path *tp,
			       const struct open_request *o, int flags)
{
	mode_t mode = tp->node.st.st_mode;
	int r;

	/* rendered, a host socket could be reached through the view (a
	 * continued connect, sendto): refused as connect refuses it */
	if (S_ISSOCK(mode) && !socket_allowed(c, &tp->node)) {
		socket_log_refused(c, tp->node.path);
		return answer_error(EACCES);
	}
	r = target_render(c, tp, flags);

	if (r < 0)
		return answer_error(-r);
	/* openat2's flags are in the caller's memory: an fd answer, which
	 * the tracer makes an openat of the real path */
	if (c->ctx->view_prefix[0] && c->redirect && calls_open_flags_arg(c->nr) >= 0)
		return open_path_redirected(c, tp);
	if (c->ctx->view_prefix[0])
		return open_path_without_view(c, tp, o->flags & O_CLOEXEC);
	if (S_ISFIFO(mode) || S_ISSOCK(mode))
		r = vn_render_special(c->ctx->u, &tp->node);
	else if (!S_ISDIR(mode) && !S_ISLNK(mode))
		r = vn_render_bind(c->ctx->u, &tp->node);
	if (r < 0)
		return answer_error(-r);
	return answer_continue();
}

static int creation_mode(struct call *c, const struct open_request *o, mode_t *mode)
{
	int mask = target_umask(c);

	if (mask < 0)
		return mask;
	*mode = o->mode & 07777 & ~(mode_t)mask;
	return 0;
}

/* ------------------------------------------------ opens that change
 *
 * An open that changes the union (it makes a name, copies a file up,
 * truncates, or makes an unnamed file) changes it only once its fd has a
 * place in the target: what can refuse the change is asked first, then
 * the target's fd number is reserved (EMFILE there leaves the union as
 * it was), the change is made, and the answer puts the fd at that number
 * (listener.c).  If that fails (the target died), the change is taken
 * back (open_undo).  A truncation cannot be taken back: it is made last,
 * when the number is known good.  Opens that change nothing answer with
 * one ioctl, as before.
 */

static void note_change(struct call *c, enum open_change_kind kind, const char *path,
			ino_t ino)
{
	c->change.kind = kind;
	snprintf(c->change.path, sizeof(c->change.path), "%s", path);
	c->change.ino = ino;
}

void open_undo(struct call *c)
{
	struct vn_union *u = c->ctx->u;
	int r = 0;

	switch (c->change.kind) {
	case OPEN_CHANGED_NOTHING:
		return;
	case OPEN_MADE_NAME:
		r = vn_create_undo(u, c->change.path);
		break;
	case OPEN_COPIED_UP:
		r = vn_copy_up_undo(u, c->change.path);
		break;
	case OPEN_MADE_UNNAMED:
		vn_tmpfile_undo(u, c->change.ino);
		break;
	}
	if (r < 0 && c->ctx->verbose)
		fprintf(stderr, "veneer: [%d] %s: could not take back %s after a failed answer: %s\n",
			c->pid, c->name, c->change.path, strerror(-r));
	c->change.kind = OPEN_CHANGED_NOTHING;
}

/* The change is made but its fd could not be opened: take it back. */
static struct answer changed_fd(struct call *c, int fd, bool cloexec)
{
	if (fd >= 0)
		return answer_fd(fd, cloexec);
	open_undo(c);
	return answer_error(-fd);
}

static struct answer open_tmpfile(struct call *c, const struct target_path *tp,
				  const struct open_request *o)
{
	struct stat st;
	mode_t mode;
	int fd, r;

	if ((o->flags & O_ACCMODE) == O_RDONLY)
		return answer_error(EINVAL);
	if (tp->err < 0)
		return answer_error(-tp->err);
	if (!S_ISDIR(tp->node.st.st_mode))
		return answer_error(ENOTDIR);
	r = creation_mode(c, o, &mode);
	if (r == 0)
		r = vn_permission(&tp->node.st, VN_MAY_WRITE | VN_MAY_EXEC);
	if (r == 0)
		r = call_reserve_fd(c);
	if (r < 0)
		return answer_error(-r);
	fd = vn_tmpfile(c->ctx->u, &tp->node, layer_open_flags(o->flags & ~(uint64_t)O_TMPFILE), mode);
	if (fd < 0)
		return answer_error(-fd);
	if (fstat(fd, &st) < 0) {
		r = errno;
		close(fd);
		return answer_error(r);
	}
	note_change(c, OPEN_MADE_UNNAMED, tp->node.path, st.st_ino);
	return answer_fd(fd, o->flags & O_CLOEXEC);
}

static struct answer open_create(struct call *c, const struct target_path *tp,
				 const struct open_request *o)
{
	mode_t mode;
	int fd, r;

	if (o->flags & O_DIRECTORY)
		return answer_error(EINVAL);
	r = creation_mode(c, o, &mode);
	if (r == 0)
		r = vn_create_check(c->ctx->u, &tp->node);
	if (r == 0)
		r = call_reserve_fd(c);
	if (r < 0)
		return answer_error(-r);
	fd = vn_create(c->ctx->u, &tp->node, layer_open_flags(o->flags), mode);
	if (fd < 0)
		return answer_error(-fd);
	note_change(c, OPEN_MADE_NAME, tp->node.path, 0);
	return answer_fd(fd, o->flags & O_CLOEXEC);
}

/* A lower file opened for writing is copied up first (without its data
 * when O_TRUNC empties it anyway): the fd is the copy's. */
static struct answer open_copy_up(struct call *c, struct target_path *tp,
				  const struct open_request *o)
{
	struct stat lower = tp->node.st;
	int copy_flags = (o->flags & O_TRUNC) ? VN_COPYUP_NO_DATA : 0;
	int r = vn_copy_up_check(c->ctx->u, &tp->node, copy_flags);
	int fd;

	if (r == 0)
		r = call_reserve_fd(c);
	if (r == 0)
		r = vn_copy_up(c->ctx->u, &tp->node, copy_flags);
	if (r < 0)
		return answer_error(-r);
	note_change(c, OPEN_COPIED_UP, tp->node.path, 0);
	fd = vn_open_node(c->ctx->u, &tp->node, layer_open_flags(o->flags));
	if (fd >= 0 && (o->flags & O_TRUNC) && (r = vn_truncate_opened(c->ctx->u, &tp->node, fd)) < 0) {
		close(fd);
		fd = r;
	}
	if (fd >= 0)
		stale_after_copy_up(c, &lower, &tp->node);
	return changed_fd(c, fd, o->flags & O_CLOEXEC);
}

/* An upper file opened for writing: O_TRUNC is the only change, made
 * once the fd is open and its number reserved. */
static struct answer open_upper_for_write(struct call *c, const struct target_path *tp,
					  const struct open_request *o)
{
	int fd = vn_open_node(c->ctx->u, &tp->node, layer_open_flags(o->flags));
	int r;

	if (fd < 0)
		return answer_error(-fd);
	if (o->flags & O_TRUNC) {
		r = call_reserve_fd(c);
		if (r == 0)
			r = vn_truncate_opened(c->ctx->u, &tp->node, fd);
		if (r < 0) {
			close(fd);
			return answer_error(-r);
		}
	}
	return answer_fd(fd, o->flags & O_CLOEXEC);
}

/* From the tracer, a file opened only to be read: the call is pointed at
 * the file's host path and the kernel opens it for the target, as it
 * would for an fd answer (tracer.c), without the open here that such an
 * answer takes first.  What the kernel walks again is bounded as for
 * any redirect (docs/design.md, "ptrace").  1: redirected; 0: not such
 * an open; -errno. */
static int open_read_redirected(struct call *c, const struct target_path *tp,
				const struct open_request *o)
{
	/* open and openat only: the tracer adds O_NOFOLLOW to their flags */
	int flags_arg = calls_open_flags_arg(c->nr);
	struct redirect *rd = c->redirect;
	int r;

	if (!rd || !c->ctx->view_prefix[0] || flags_arg < 0 || (o->flags & O_CREAT))
		return 0;
	r = vn_node_host_path(c->ctx->u, &tp->node, layer_open_flags(o->flags), rd->path,
			      sizeof(rd->path));
	if (r == -EOPNOTSUPP) /* made up: only the fd answer has it */
		return 0;
	if (r < 0)
		return r;
	rd->arg = flags_arg - 1;
	return 1;
}

/* An open that counts as a read for --record: one that may read (or
 * only looks, O_PATH) and keeps what it finds; O_CREAT of a missing name
 * and O_TRUNC are changes, which the record takes from the upper. */
static bool open_reads(uint64_t flags)
{
	return (flags & O_ACCMODE) != O_WRONLY && !(flags & (O_CREAT | O_TRUNC));
}

static struct answer open_common(struct call *c, const struct open_request *o)
{
	struct target_path tp;
	int flags = resolve_flags_for(o);
	int r, fd;

	if (o->flags & ~(uint64_t)OPEN_FLAGS_KNOWN || open_flags_conflict(o->flags))
		return answer_error(EINVAL);
	r = target_resolve(c, o->dirfd, o->path, false, flags, &tp);
	if (r < 0)
		return answer_error(-r);
	if (tp.kind == TARGET_PASSTHROUGH) {
		r = proc_open_filtered(c, &tp, o->flags, &fd);
		if (r != 0)
			return r < 0 ? answer_error(-r) : answer_fd(fd, o->flags & O_CLOEXEC);
		r = target_render(c, &tp, flags);
		return r < 0 && r != -ENOENT ? answer_error(-r) : answer_continue();
	}
	if ((o->flags & O_TMPFILE) == O_TMPFILE)
		return open_tmpfile(c, &tp, o);
	if (open_reads(o->flags))
		record_read(c, &tp);
	/* O_CREAT and "NAME/" (written, or at the end of a symlink's body):
	 * EISDIR once the parent is found, whatever NAME is (fs/namei.c) */
	if ((o->flags & O_CREAT) && tp.node.trailing_slash &&
	    (tp.err == 0 || (tp.err == -ENOENT && tp.node.parent_exists)))
		return answer_error(EISDIR);
	if (tp.err == -ENOENT && (o->flags & O_CREAT) && tp.node.parent_exists)
		return open_create(c, &tp, o);
	if (tp.err < 0)
		return answer_error(-tp.err);
	if ((o->flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return answer_error(EEXIST);
	/* whatever the access mode: O_RDONLY | O_CREAT too (fs/namei.c do_open) */
	if ((o->flags & O_CREAT) && S_ISDIR(tp.node.st.st_mode))
		return answer_error(EISDIR);
	if (S_ISLNK(tp.node.st.st_mode) && !(o->flags & O_PATH))
		return answer_error(ELOOP);
	if ((o->flags & O_DIRECTORY) && !S_ISDIR(tp.node.st.st_mode))
		return answer_error(ENOTDIR);
	r = S_ISDIR(tp.node.st.st_mode) && open_may_write(o->flags)
		    ? 0 /* EISDIR, below */
		    : vn_permission(&tp.node.st, open_access_mask(o->flags));
	if (r < 0)
		return answer_error(-r);
	if (o->flags & O_PATH)
		return open_path(c, &tp, o, flags);
	if (S_ISDIR(tp.node.st.st_mode))
		return open_directory(c, &tp, o, flags);
	if (o->flags & O_DIRECTORY)
		return answer_error(ENOTDIR);
	if (!(o->flags & O_PATH) && (S_ISFIFO(tp.node.st.st_mode) || S_ISSOCK(tp.node.st.st_mode) ||
				     S_ISCHR(tp.node.st.st_mode) || S_ISBLK(tp.node.st.st_mode)))
		return open_special(c, &tp, o, flags);
	if (open_may_write(o->flags))
		return tp.node.layer > 0 ? open_copy_up(c, &tp, o) : open_upper_for_write(c, &tp, o);
	r = open_read_redirected(c, &tp, o);
	if (r < 0)
		return answer_error(-r);
	if (r == 0) {
		fd = vn_open_node(c->ctx->u, &tp.node, layer_open_flags(o->flags));
		if (fd < 0)
			return answer_error(-fd);
	}
	if (tp.node.layer > 0)
		stale_note_open(c->ctx, &tp.node.st);
	return r ? answer_continue() : answer_fd(fd, o->flags & O_CLOEXEC);
}

struct answer sys_open(struct call *c)
{
	const uint64_t *a = c->args;
	struct open_request o = {
		.dirfd = AT_FDCWD, .path = a[0], .flags = legacy_open_flags(a[1]), .mode = (mode_t)a[2],
	};

	return open_common(c, &o);
}

struct answer sys_openat(struct call *c)
{
	const uint64_t *a = c->args;
	struct open_request o = {
		.dirfd = (int)a[0], .path = a[1], .flags = legacy_open_flags(a[2]), .mode = (mode_t)a[3],
	};

	return open_common(c, &o);
}

struct answer sys_creat(struct call *c)
{
	const uint64_t *a = c->args;
	struct open_request o = {
		.dirfd = AT_FDCWD, .path = a[0], .flags = O_CREAT | O_WRONLY | O_TRUNC,
		.mode = (mode_t)a[1],
	};

	return open_common(c, &o);
}

/* openat2 is emulated, never continued: continuing would let the kernel
 * resolve the path in the view, bypassing the union. */
struct answer sys_openat2(struct call *c)
{
	const uint64_t *a = c->args;
	unsigned char how_buf[4096];
	struct open_how how;
	size_t size = a[3];
	struct open_request o;
	int r;

	if (size < 24 /* OPEN_HOW_SIZE_VER0 */)
		return answer_error(EINVAL);
	if (size > sizeof(how_buf))
		return answer_error(E2BIG);
	r = target_read(c, a[2], how_buf, size);
	if (r < 0)
		return answer_error(-r);
	for (size_t i = sizeof(how); i < size; i++)
		if (how_buf[i])
			return answer_error(E2BIG);
	memset(&how, 0, sizeof(how));
	memcpy(&how, how_buf, size < sizeof(how) ? size : sizeof(how));
	if (how.flags & ~(uint64_t)OPEN_FLAGS_KNOWN || how.resolve & ~(uint64_t)RESOLVE_KNOWN)
		return answer_error(EINVAL);
	if (how.mode && !(how.flags & (O_CREAT | O_TMPFILE)))
		return answer_error(EINVAL);
	if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
		return answer_error(EINVAL);
	if (open_flags_conflict(how.flags))
		return answer_error(EINVAL);
	if (how.resolve & RESOLVE_CACHED)
		return answer_error(EAGAIN);
	o = (struct open_request){
		.dirfd = (int)a[0], .path = a[1], .flags = how.flags, .resolve = how.resolve,
		.mode = (mode_t)how.mode,
	};
	return open_common(c, &o);
}
