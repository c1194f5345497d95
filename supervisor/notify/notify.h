/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp user-notification backend: translates intercepted syscalls
 * into union-core calls and core results into replies.  One internal
 * header, grouped by the file that defines each part.
 */
#ifndef VENEER_NOTIFY_H
#define VENEER_NOTIFY_H

#include <linux/seccomp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "veneer/policy.h"
#include "veneer/union.h"

/* Debian 12's headers predate these (Linux 6.6). */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9: a pidfd of one thread */
#endif

struct dirstream_cache;
struct view_path_cache;
struct stale_table;
struct ident_table;

struct notify_call;
struct answer;

/* What only the backend can do for a call, on the decoders' behalf. */
struct backend_ops {
	/* Give the call its answer (an fd answer's fd is closed after). */
	void (*reply)(struct notify_call *c, const struct answer *ans);
	/* The task that made the call is still in it: what was read from
	 * its memory is its own (a pid may be reused). */
	bool (*call_valid)(struct notify_call *c);
	/* Hold an fd number in the caller for the fd answer to come (the
	 * answer then lands there): 0, or -EMFILE, -ENOENT... */
	int (*reserve_fd)(struct notify_call *c);
	/* Put `file` in place of the caller's fd `fd`, as dup2 would, with
	 * close-on-exec as given: 0 or -errno. */
	int (*replace_fd)(struct notify_call *c, int fd, int file, bool cloexec);
};

struct notify_ctx {
	const struct backend_ops *ops;
	struct vn_union *u;
	int listener;
	pid_t init_pid;          /* the sandbox's init, as our /proc numbers it */
	bool verbose;
	size_t notif_size;
	size_t resp_size;
	int tracee_proc_fd;      /* the sandbox's own /proc, for other pids' links */
	/* a process of the sandbox was let chroot: roots are read per call */
	bool chrooted;
	struct dirstream_cache *dirs;
	struct view_path_cache *view_paths;
	struct stale_table *stale;
	/* ownership is presented: identities are tracked (ident.c) and
	 * fstat of layer files answered with presented owners */
	bool presented;
	struct ident_table *idents;
	uint64_t root_caps;      /* the root inside's capabilities (the policy's) */
	const struct policy *policy; /* host-sockets and the rest of the policy */
	int placeholder;         /* /dev/null, read-only: holds a reserved fd number */
	pthread_mutex_t log_lock;
	pthread_t *workers;
	int nworkers;
	volatile int stopping;
};

/* How one intercepted call is answered (architecture brief, section 4). */
enum answer_kind {
	ANSWER_VALUE,     /* emulate: return val */
	ANSWER_ERROR,     /* emulate: fail with errno val */
	ANSWER_CONTINUE,  /* render (or nothing) and let the kernel run it */
	ANSWER_FD,        /* inject fd, which is closed after */
};

struct answer {
	enum answer_kind kind;
	int64_t val;
	int fd;
	bool cloexec;
};

/* What an open changed in the union before its fd was handed over
 * (sys_open.c): undone by open_undo when the fd cannot be. */
enum open_change_kind {
	OPEN_CHANGED_NOTHING,
	OPEN_MADE_NAME,       /* a new name (O_CREAT) */
	OPEN_COPIED_UP,       /* a lower file copied up for writing */
	OPEN_MADE_UNNAMED,    /* an O_TMPFILE file (its owner record) */
};

struct open_change {
	enum open_change_kind kind;
	char path[PATH_MAX];  /* the new name, or the copy */
	ino_t ino;            /* the unnamed file */
};

/* One intercepted call, as every backend sees it: the decoders read its
 * number and arguments here and ask the backend (ctx->ops) for what only
 * the backend can do. */
struct notify_call {
	struct notify_ctx *ctx;
	int nr;
	uint64_t args[6];
	uint64_t id;            /* the backend's handle of the call */
	void *backend;          /* and its own state for the call */
	pid_t pid;
	const char *name;       /* syscall name, for -v */
	char detail[PATH_MAX + 64];
	struct vn_cred cred;    /* presented: the caller's identity */
	/* an fd answer goes to this number of the target's, reserved by
	 * notify_reserve_fd before the call changed anything */
	bool reserved;
	int slot;
	struct open_change change;
};

static inline struct answer answer_value(int64_t v) { return (struct answer){ .kind = ANSWER_VALUE, .val = v }; }
static inline struct answer answer_error(int err) { return (struct answer){ .kind = ANSWER_ERROR, .val = err }; }
static inline struct answer answer_continue(void) { return (struct answer){ .kind = ANSWER_CONTINUE }; }
static inline struct answer answer_fd(int fd, bool cloexec) { return (struct answer){ .kind = ANSWER_FD, .fd = fd, .cloexec = cloexec }; }
/* A negative core result becomes an error answer, anything else a value. */
static inline struct answer answer_result(int64_t r) { return r < 0 ? answer_error((int)-r) : answer_value(r); }

/* memory.c: the target's memory, read once and validated */
int notify_read(struct notify_call *c, uint64_t addr, void *buf, size_t len);
int notify_read_string(struct notify_call *c, uint64_t addr, char *buf, size_t size);
/* The same without the ID_VALID check: for a string read before another
 * read that checks, so that one check covers both (nothing may act on it
 * before then). */
int notify_peek_string(struct notify_call *c, uint64_t addr, char *buf, size_t size);
int notify_write(struct notify_call *c, uint64_t addr, const void *buf, size_t len);
bool notify_id_valid(struct notify_call *c);

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
int target_resolve(struct notify_call *c, int dirfd, uint64_t addr, bool empty_path_ok,
		   int flags, struct target_path *tp);
/* Same for a path already in supervisor memory. */
int target_resolve_string(struct notify_call *c, int dirfd, const char *path, int flags,
			  struct target_path *tp);
/* The union path of an fd the target holds (or of its cwd, AT_FDCWD):
 * UNION_DIR, UNION_OTHER (a FIFO of the view), or 0 when the fd is
 * something the kernel answers for (a real file, a passthrough mount);
 * then *seen (when not NULL) is the stat of the fd's object. */
enum { UNION_DIR = 1, UNION_OTHER = 2 };
/* The union path of the caller's root (chroot): UNION_DIR, 0 when it is
 * not a union directory (the kernel answers), -errno. */
int target_root_union_path(struct notify_call *c, char *out, size_t size);
int target_fd_union_path(struct notify_call *c, int fd, char *out, size_t size,
			 struct stat *seen);
int target_cache_new(struct notify_ctx *ctx);
void target_cache_free(struct notify_ctx *ctx);
/* Resolve again with VN_RENDER, so the kernel can walk the same path. */
int target_render(struct notify_call *c, struct target_path *tp, int flags);
/* target_fd_union_path by way of a copy of the fd (same open file
 * description), which a union object's caller keeps (*file) with its
 * stat (*st): one pidfd_getfd instead of a stat of the link and then
 * a pidfd_getfd.  0 (the kernel's object; no copy kept) or -errno too. */
int target_fd_copy(struct notify_call *c, int fd, char *out, size_t size, int *file,
		   struct stat *st);
/* A copy of one of the target's fds (same open file description). */
int target_getfd(struct notify_call *c, int fd);
/* The thread group (process) of a thread, from /proc; tid itself when
 * it cannot be read. */
pid_t target_thread_group(pid_t tid);
/* readlink of /proc/<pid>/fd/N (task/<tid>/fd/N, /dev/fd/N) when fd N is
 * a layer file we injected: the kernel would print where the layer sits
 * in our stage; the union path is the answer.  Its length, 0 when the
 * kernel may answer itself, -errno. */
ssize_t target_fd_link_in_union(struct notify_call *c, const struct target_path *tp, char *out,
				size_t size);
/* The target's umask (it applies to what we create for it). */
int target_umask(struct notify_call *c);
/* The union object behind one of the target's fds: TARGET_OBJ_VIEW (a
 * directory or FIFO of the view, answered from the union by its name),
 * TARGET_OBJ_FILE (a layer file we injected; *file is a copy of it, when
 * file is not NULL), 0 when the kernel answers for it, or -errno. */
enum { TARGET_OBJ_VIEW = 1, TARGET_OBJ_FILE = 2 };
int target_fd_object(struct notify_call *c, int fd, struct vn_node *node, int *file);
/* Point the target's fd (and its dups) at node's object, with the open
 * file's flags and offset: after a copy-up, the fd shows the copy. */
int target_swap_file(struct notify_call *c, int fd, int old_file, const struct vn_node *node);

/* sys_proc.c: /proc files that would show host paths, answered filtered.
 * 1: *fd is the answer; 0: the kernel's to open; -errno. */
int proc_open_filtered(struct notify_call *c, const struct target_path *tp, uint64_t flags,
		       int *fd);

/* table.c: syscall number -> decoder */
typedef struct answer (*notify_handler)(struct notify_call *c);
/* How a call holds the union: readers share it, changes hold it alone;
 * an open decides by its flags (in argument flags_arg). */
enum union_hold { HOLD_SHARED, HOLD_ALONE, HOLD_BY_OPEN_FLAGS };
struct syscall_entry {
	const char *name;
	notify_handler handler;
	enum union_hold hold;
	int flags_arg;
	bool presented_only;  /* trapped only when ownership is presented */
};
const struct syscall_entry *notify_lookup(int nr);

/* proc.c: numbers from /proc/PID/<file> ("status", "fdinfo/3"), by their
 * "Key:" (with the colon), in the given base; all found: 0, else -ESRCH
 * (also when the process is gone) or -errno. */
struct proc_field {
	const char *key;
	int base;
	long *value;
};
int proc_fields(pid_t pid, const char *file, const struct proc_field *fields, size_t n);

/* dispatch.c: the decoder for c->nr, with what every call needs around it;
 * the answer goes out by ctx->ops->reply. */
void notify_dispatch(struct notify_call *c);
/* Reserve the target's lowest free fd number for this call's fd answer
 * (the backend holds it until the answer takes it):
 * 0, -EMFILE when the target has no room, -ENOENT when it is gone. */
int notify_reserve_fd(struct notify_call *c);

/* Every syscall the decoders answer, for the filter; returns the count. */
size_t notify_trapped_syscalls(int *out, size_t max, bool presented);

/* sys_*.c: the decoders */
struct answer sys_open(struct notify_call *c);
struct answer sys_openat(struct notify_call *c);
struct answer sys_openat2(struct notify_call *c);
struct answer sys_creat(struct notify_call *c);
/* The fd of an open that changed the union could not be handed over:
 * the union as before (c->change says what to undo). */
void open_undo(struct notify_call *c);
struct answer sys_stat(struct notify_call *c);
struct answer sys_lstat(struct notify_call *c);
struct answer sys_fstat(struct notify_call *c);
struct answer sys_newfstatat(struct notify_call *c);
struct answer sys_statx(struct notify_call *c);
struct answer sys_statfs(struct notify_call *c);
struct answer sys_fstatfs(struct notify_call *c);
struct answer sys_access(struct notify_call *c);
struct answer sys_faccessat(struct notify_call *c);
struct answer sys_faccessat2(struct notify_call *c);
struct answer sys_readlink(struct notify_call *c);
struct answer sys_readlinkat(struct notify_call *c);
struct answer sys_getxattr(struct notify_call *c);
struct answer sys_lgetxattr(struct notify_call *c);
struct answer sys_fgetxattr(struct notify_call *c);
struct answer sys_listxattr(struct notify_call *c);
struct answer sys_llistxattr(struct notify_call *c);
struct answer sys_flistxattr(struct notify_call *c);
struct answer sys_chdir(struct notify_call *c);
struct answer sys_chroot(struct notify_call *c);
struct answer sys_getdents64(struct notify_call *c);
struct answer sys_getdents(struct notify_call *c);
struct answer sys_execve(struct notify_call *c);
struct answer sys_execveat(struct notify_call *c);
struct answer sys_inotify_add_watch(struct notify_call *c);
struct answer sys_bind(struct notify_call *c);
struct answer sys_connect(struct notify_call *c);
/* sys_socket.c: whether a socket of the union may be rendered for the
 * target (the sandbox bound it, or the policy names it: host-sockets),
 * and the -v line when it is refused */
bool socket_allowed(struct notify_call *c, const struct vn_node *node);
void socket_log_refused(struct notify_call *c, const char *path);
/* The sockets the policy names are rendered at the start, so that a
 * datagram sent without a connect finds them too. */
void socket_render_allowed(struct notify_ctx *ctx);
/* sys_mutate.c */
struct answer sys_mkdir(struct notify_call *c);
struct answer sys_mkdirat(struct notify_call *c);
struct answer sys_mknod(struct notify_call *c);
struct answer sys_mknodat(struct notify_call *c);
struct answer sys_rmdir(struct notify_call *c);
struct answer sys_unlink(struct notify_call *c);
struct answer sys_unlinkat(struct notify_call *c);
struct answer sys_rename(struct notify_call *c);
struct answer sys_renameat(struct notify_call *c);
struct answer sys_renameat2(struct notify_call *c);
struct answer sys_link(struct notify_call *c);
struct answer sys_linkat(struct notify_call *c);
struct answer sys_symlink(struct notify_call *c);
struct answer sys_symlinkat(struct notify_call *c);
struct answer sys_chmod(struct notify_call *c);
struct answer sys_fchmodat(struct notify_call *c);
struct answer sys_fchmodat2(struct notify_call *c);
struct answer sys_fchmod(struct notify_call *c);
struct answer sys_chown(struct notify_call *c);
struct answer sys_lchown(struct notify_call *c);
struct answer sys_fchownat(struct notify_call *c);
struct answer sys_fchown(struct notify_call *c);
struct answer sys_utime(struct notify_call *c);
struct answer sys_utimes(struct notify_call *c);
struct answer sys_futimesat(struct notify_call *c);
struct answer sys_utimensat(struct notify_call *c);
struct answer sys_truncate(struct notify_call *c);
struct answer sys_setxattr(struct notify_call *c);
struct answer sys_lsetxattr(struct notify_call *c);
struct answer sys_fsetxattr(struct notify_call *c);
struct answer sys_removexattr(struct notify_call *c);
struct answer sys_lremovexattr(struct notify_call *c);
struct answer sys_fremovexattr(struct notify_call *c);

/* ident.c: presented identities (set*id emulated, get*id answered) */
int ident_table_new(struct notify_ctx *ctx);
void ident_table_free(struct notify_ctx *ctx);
/* Before a call's handler: c->cred is the caller's, and the core's. */
void ident_begin(struct notify_call *c);
void ident_end(void);
/* An exec of the union file st (NULL: a file of the kernel's) is about to
 * be continued: what it does to the identity (set-id bits of st only if
 * the new image runs st) is applied when the process is next seen. */
int ident_exec(struct notify_call *c, const struct stat *st);
struct answer sys_setuid(struct notify_call *c);
struct answer sys_setgid(struct notify_call *c);
struct answer sys_setreuid(struct notify_call *c);
struct answer sys_setregid(struct notify_call *c);
struct answer sys_setresuid(struct notify_call *c);
struct answer sys_setresgid(struct notify_call *c);
struct answer sys_setfsuid(struct notify_call *c);
struct answer sys_setfsgid(struct notify_call *c);
struct answer sys_setgroups(struct notify_call *c);
struct answer sys_getuid(struct notify_call *c);
struct answer sys_geteuid(struct notify_call *c);
struct answer sys_getgid(struct notify_call *c);
struct answer sys_getegid(struct notify_call *c);
struct answer sys_getresuid(struct notify_call *c);
struct answer sys_getresgid(struct notify_call *c);
struct answer sys_getgroups(struct notify_call *c);
struct answer sys_prctl(struct notify_call *c);
struct answer sys_capset(struct notify_call *c);

/* stale.c: fds on a lower file that was copied up */
int stale_table_new(struct notify_ctx *ctx);
void stale_table_free(struct notify_ctx *ctx);
/* After a copy-up of the lower file `lower`: point fds on it at the copy
 * (the caller's now, other processes' at their next call). */
void stale_after_copy_up(struct notify_call *c, const struct stat *lower, const struct vn_node *copy);
/* A lower file is being injected (only such files are searched for). */
void stale_note_open(struct notify_ctx *ctx, const struct stat *st);
/* Before answering a call: the caller's fds still waiting for that. */
void stale_swap_pending(struct notify_call *c);

/* dirstream.c: merged getdents with a cursor in the file offset */
int dirstream_cache_new(struct dirstream_cache **out);
void dirstream_cache_free(struct dirstream_cache *cache);

/* listener.c */
int notify_start(struct notify_ctx *ctx, int nworkers);
/* Stop and join the workers (init is gone: no call will come). */
void notify_stop(struct notify_ctx *ctx);

#endif
