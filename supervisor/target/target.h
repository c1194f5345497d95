/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The traced process, as the decoders need it: its memory, its /proc,
 * its paths, fds and cwd as union paths, its identity (presented
 * ownership) and its fds left on a lower file that was copied up.
 * Grouped by the file that defines each part.
 */
#ifndef VENEER_TARGET_H
#define VENEER_TARGET_H

#include <fcntl.h>

#include "calls/call.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9: a pidfd of one thread */
#endif

/* memory.c: the target's memory, read once and validated */
int target_read(struct call *c, uint64_t addr, void *buf, size_t len);
int target_read_string(struct call *c, uint64_t addr, char *buf, size_t size);
/* The same without the ID_VALID check: for a string read before another
 * read that checks, so that one check covers both (nothing may act on it
 * before then). */
int target_peek_string(struct call *c, uint64_t addr, char *buf, size_t size);
int target_write(struct call *c, uint64_t addr, const void *buf, size_t len);

/* target.c: the target's paths, fds and cwd as union paths */
enum target_path_kind {
	TARGET_UNION,        /* node / err hold the union's answer */
	TARGET_PASSTHROUGH,  /* the kernel answers (after a render) */
	TARGET_FD,           /* AT_EMPTY_PATH on an fd that is not a union directory */
};

struct target_path {
	enum target_path_kind kind;
	char raw[PATH_MAX];
	char start[PATH_MAX];
	char root[PATH_MAX]; /* the caller's root in the union ("/" but under chroot) */
	struct vn_node node;
	int err;             /* TARGET_UNION: vn_resolve's result (0 or -errno) */
	bool empty;          /* the path was "" (the fd itself, AT_EMPTY_PATH) */
	struct stat fd_st;   /* TARGET_FD: stat of the fd's object */
};

/* Read the path at addr relative to dirfd and resolve it.  Returns -errno
 * for errors the call itself gets (EFAULT, EBADF, ENOTDIR...). */
int target_resolve(struct call *c, int dirfd, uint64_t addr, bool empty_path_ok,
		   int flags, struct target_path *tp);
/* Same for a path already in supervisor memory. */
int target_resolve_string(struct call *c, int dirfd, const char *path, int flags,
			  struct target_path *tp);
/* The union path of an fd the target holds (or of its cwd, AT_FDCWD):
 * UNION_DIR, UNION_OTHER (a FIFO of the view), or 0 when the fd is
 * something the kernel answers for (a real file, a passthrough mount);
 * then *seen (when not NULL) is the stat of the fd's object. */
enum { UNION_DIR = 1, UNION_OTHER = 2 };
/* The union path of the caller's root (chroot): UNION_DIR, 0 when it is
 * not a union directory (the kernel answers), -errno. */
int target_root_union_path(struct call *c, char *out, size_t size);
int target_fd_union_path(struct call *c, int fd, char *out, size_t size,
			 struct stat *seen);
int target_cache_new(struct call_ctx *ctx);
void target_cache_free(struct call_ctx *ctx);
/* Resolve again with VN_RENDER, so the kernel can walk the same path. */
int target_render(struct call *c, struct target_path *tp, int flags);
/* Without a view (ctx->view_prefix set), the kernel walks real paths: the
 * one for tp's object (a skeleton directory, after a render; a layer's
 * file) goes in c->redirect for argument `arg`.  With a view, or for an
 * object of the kernel's, nothing: the kernel walks the same string.
 * 0 or -errno. */
int target_redirect(struct call *c, int arg, const struct target_path *tp);
/* Where node's file is on the host (its layer root's real path and its
 * union path: vn_node_host_path), never a made-up file: 0 or -errno. */
int target_real_path(struct call *c, const struct vn_node *node, char *out, size_t size);
/* tp's directory of the view (rendered), opened with flags: an fd, or -errno. */
int target_view_open(struct call *c, const struct target_path *tp, int flags);
/* Whether the directory fd (or the cwd, AT_FDCWD) was removed from the
 * union while the target held it. */
bool target_start_removed(struct call *c, int dirfd);
/* The same for an object of any type rendered there (a FIFO). */
int target_view_open_object(struct call *c, const struct target_path *tp, int flags);
/* target_fd_union_path by way of a copy of the fd (same open file
 * description), which a union object's caller keeps (*file) with its
 * stat (*st): one pidfd_getfd instead of a stat of the link and then
 * a pidfd_getfd.  0 (the kernel's object; no copy kept) or -errno too. */
int target_fd_copy(struct call *c, int fd, char *out, size_t size, int *file,
		   struct stat *st);
/* A copy of one of the target's fds (same open file description). */
int target_getfd(struct call *c, int fd);
/* The thread group (process) of a thread, from /proc; tid itself when
 * it cannot be read. */
pid_t target_thread_group(pid_t tid);
/* readlink of /proc/<pid>/fd/N (task/<tid>/fd/N, /dev/fd/N) when fd N is
 * a layer file we injected: the kernel would print where the layer sits
 * in our stage; the union path is the answer.  Its length, 0 when the
 * kernel may answer itself, -errno. */
ssize_t target_fd_link_in_union(struct call *c, const struct target_path *tp, char *out,
				size_t size);
/* Without a view: an O_PATH fd the target holds on a /proc magic link
 * itself (O_NOFOLLOW), read with readlinkat(fd, ""), as its path reads
 * (target_fd_link_in_union); 0 when it is no such fd. */
ssize_t target_fd_magic_link_in_union(struct call *c, int fd, char *out, size_t size);
/* The target's umask (it applies to what we create for it). */
int target_umask(struct call *c);
/* The union object behind one of the target's fds: TARGET_OBJ_VIEW (a
 * directory or FIFO of the view, answered from the union by its name),
 * TARGET_OBJ_FILE (a layer file we injected; *file is a copy of it, when
 * file is not NULL), 0 when the kernel answers for it, or -errno. */
enum { TARGET_OBJ_VIEW = 1, TARGET_OBJ_FILE = 2 };
int target_fd_object(struct call *c, int fd, struct vn_node *node, int *file);
/* Point the target's fd (and its dups) at node's object, with the open
 * file's flags and offset: after a copy-up, the fd shows the copy. */
int target_swap_file(struct call *c, int fd, int old_file, const struct vn_node *node);

/* proc.c: numbers from /proc/PID/<file> ("status", "fdinfo/3"), by their
 * "Key:" (with the colon), in the given base; all found: 0, else -ESRCH
 * (also when the process is gone) or -errno. */
struct proc_field {
	const char *key;
	int base;
	long *value;
};
int proc_fields(pid_t pid, const char *file, const struct proc_field *fields, size_t n);

/* ident.c: presented identities: who each thread is, across exec */
int ident_table_new(struct call_ctx *ctx);
void ident_table_free(struct call_ctx *ctx);
/* Before a call's handler: c->cred is the caller's, and the core's. */
void ident_begin(struct call *c);
void ident_end(void);
/* An exec of the union file st (NULL: a file of the kernel's) is about to
 * be continued: what it does to the identity (set-id bits of st only if
 * the new image runs st) is applied when the process is next seen. */
int ident_exec(struct call *c, const struct stat *st);
/* Keep c->cred as the calling thread's identity from now on: 0 or -ENOMEM. */
int ident_commit(struct call *c);

/* exe.c: the program behind a lower's loader (notify-hostroot) */
int exe_table_new(struct call_ctx *ctx);
void exe_table_free(struct call_ctx *ctx);
/* Thread tid is about to exec a lower's loader to run the union file
 * `exe` (NULL: it is not, so what an earlier exec of tid's noted is
 * dropped): 0, or -ENOMEM, -ENAMETOOLONG. */
int exe_note_pending(struct call_ctx *ctx, pid_t tid, const char *exe);
/* The kernel says process pid has exec'd (former_tid made the call): what
 * former_tid noted becomes pid's, and pid's old entry is dropped. */
void exe_exec_done(struct call_ctx *ctx, pid_t pid, pid_t former_tid);
/* The union path of the program process (or thread) pid runs through a
 * loader, into path: false when it runs no such program. */
bool exe_lookup(struct call_ctx *ctx, pid_t pid, char *path, size_t size);
/* Thread or process tid is gone. */
void exe_forget(struct call_ctx *ctx, pid_t tid);

/* stale.c: fds on a lower file that was copied up */
int stale_table_new(struct call_ctx *ctx);
void stale_table_free(struct call_ctx *ctx);
/* After a copy-up of the lower file `lower`: point fds on it at the copy
 * (the caller's now, other processes' at their next call). */
void stale_after_copy_up(struct call *c, const struct stat *lower, const struct vn_node *copy);
/* A lower file is being injected (only such files are searched for). */
void stale_note_open(struct call_ctx *ctx, const struct stat *st);
/* Before answering a call: the caller's fds still waiting for that. */
void stale_swap_pending(struct call *c);

#endif
