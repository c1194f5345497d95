/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decoders: one per syscall the union answers, turning a backend's
 * call into union-core calls and the core's result into an answer, and
 * the one dispatcher around them.  Grouped by the file that defines each
 * part.
 */
#ifndef VENEER_CALLS_H
#define VENEER_CALLS_H

#include "calls/call.h"
#include "target/target.h"

/* context.c: the state every decoder of one sandbox shares */
struct calls_config {
	struct vn_union *u;
	pid_t init_pid;          /* the sandbox's init, as our /proc numbers it */
	bool supervisor_reaps;   /* init is the target; its orphans come to us */
	int tracee_proc_fd;      /* the sandbox's /proc (the caller keeps it) */
	bool verbose;
	bool presented;          /* ownership is presented (--ids presented) */
	uint64_t root_caps;      /* the root inside's capabilities */
	/* the identity every process starts with (presented ownership);
	 * NULL: the root inside */
	const struct vn_cred *start_cred;
	const struct policy *policy;
	const char *view_prefix; /* without a view: the skeleton's real path */
	struct record *record;   /* --record: what the run read; NULL: not asked */
};
/* ctx as cfg says, with no backend yet (transport is the backend's to
 * set): 0, or -errno with nothing left to free. */
int calls_ctx_init(struct call_ctx *ctx, const struct calls_config *cfg);
/* Free what calls_ctx_init set up; safe on a zeroed context. */
void calls_ctx_free(struct call_ctx *ctx);

/* table.c: syscall number -> decoder */
typedef struct answer (*call_handler)(struct call *c);
/* How a call holds the union: readers share it, changes hold it alone;
 * an open decides by its flags (in argument flags_arg). */
enum union_hold { HOLD_SHARED, HOLD_ALONE, HOLD_BY_OPEN_FLAGS };
/* When the filter traps a call: always, with presented ownership only, on
 * notify-hostroot only, when the policy fixes what uname reports. */
enum trap_when { TRAP_ALWAYS, TRAP_PRESENTED, TRAP_HOSTROOT, TRAP_UNAME };
/* What of a run decides which calls are trapped, besides the table. */
struct trap_choice {
	bool presented;  /* presented ownership */
	bool hostroot;   /* no view (notify-hostroot, ptrace) */
	bool uname;      /* the policy fixes what uname reports */
};
struct syscall_entry {
	const char *name;
	call_handler handler;
	enum union_hold hold;
	int flags_arg;
	enum trap_when when;
	/* the kernel walks the path itself (after a render): on
	 * notify-hostroot, with no view, the call goes to the tracer, which
	 * runs it at the real path (calls_redirected) */
	bool kernel_walks;
};
const struct syscall_entry *calls_lookup(int nr);

/* dispatch.c: the decoder for c->nr, with what every call needs around it;
 * the answer goes out by c->ops->reply. */
void calls_dispatch(struct call *c);

/* Every syscall the decoders answer through the listener, for the
 * filter; returns the count. */
size_t calls_trapped(int *out, size_t max, const struct trap_choice *t);
/* On notify-hostroot: the syscalls sent to the tracer instead. */
size_t calls_redirected(int *out, size_t max);
/* On the ptrace backend: every syscall the decoders answer without a
 * view, all sent to the tracer. */
size_t calls_traced(int *out, size_t max, const struct trap_choice *t);
/* On the ptrace backend's nested mode: whether a trapped call may be run
 * again by the kernel past the filter (its effects bounded by Landlock). */
bool calls_reissuable(int nr);
/* The argument that holds the flags of open and openat (their flags are
 * in a register, openat2's in the caller's memory), or -1 for any other
 * call. */
int calls_open_flags_arg(int nr);
/* On notify-hostroot: the opens sent to the tracer when O_PATH (the
 * kernel opens the real object then: an O_PATH file cannot be injected),
 * notified otherwise; nr and flags_arg of each.  Not in calls_trapped. */
size_t calls_split_on_opath(int *nrs, int *flags_args, size_t max);

/* sys_proc.c: /proc files that would show host paths, answered filtered.
 * 1: *fd is the answer; 0: the kernel's to open; -errno. */
int proc_open_filtered(struct call *c, const struct target_path *tp, uint64_t flags,
		       int *fd);

/* sys_*.c: the decoders */
struct answer sys_open(struct call *c);
struct answer sys_openat(struct call *c);
struct answer sys_openat2(struct call *c);
struct answer sys_creat(struct call *c);
/* The fd of an open that changed the union could not be handed over:
 * the union as before (c->change says what to undo). */
void open_undo(struct call *c);
struct answer sys_stat(struct call *c);
struct answer sys_lstat(struct call *c);
struct answer sys_fstat(struct call *c);
struct answer sys_newfstatat(struct call *c);
struct answer sys_statx(struct call *c);
struct answer sys_statfs(struct call *c);
struct answer sys_fstatfs(struct call *c);
struct answer sys_access(struct call *c);
struct answer sys_faccessat(struct call *c);
struct answer sys_faccessat2(struct call *c);
struct answer sys_readlink(struct call *c);
struct answer sys_readlinkat(struct call *c);
struct answer sys_getxattr(struct call *c);
struct answer sys_lgetxattr(struct call *c);
struct answer sys_fgetxattr(struct call *c);
struct answer sys_listxattr(struct call *c);
struct answer sys_llistxattr(struct call *c);
struct answer sys_flistxattr(struct call *c);
struct answer sys_chdir(struct call *c);
struct answer sys_getcwd(struct call *c);
struct answer sys_chroot(struct call *c);
struct answer sys_getdents64(struct call *c);
struct answer sys_getdents(struct call *c);
struct answer sys_execve(struct call *c);
struct answer sys_execveat(struct call *c);
struct answer sys_inotify_add_watch(struct call *c);
struct answer sys_bind(struct call *c);
struct answer sys_connect(struct call *c);
/* sys_socket.c: whether a socket of the union may be rendered for the
 * target (the sandbox bound it, or the policy names it: host-sockets),
 * and the -v line when it is refused */
bool socket_allowed(struct call *c, const struct vn_node *node);
void socket_log_refused(struct call *c, const char *path);
/* The sockets the policy names are rendered at the start, so that a
 * datagram sent without a connect finds them too. */
void socket_render_allowed(struct call_ctx *ctx);
/* sys_mutate.c */
struct answer sys_mkdir(struct call *c);
struct answer sys_mkdirat(struct call *c);
struct answer sys_mknod(struct call *c);
struct answer sys_mknodat(struct call *c);
struct answer sys_rmdir(struct call *c);
struct answer sys_unlink(struct call *c);
struct answer sys_unlinkat(struct call *c);
struct answer sys_rename(struct call *c);
struct answer sys_renameat(struct call *c);
struct answer sys_renameat2(struct call *c);
struct answer sys_link(struct call *c);
struct answer sys_linkat(struct call *c);
struct answer sys_symlink(struct call *c);
struct answer sys_symlinkat(struct call *c);
struct answer sys_chmod(struct call *c);
struct answer sys_fchmodat(struct call *c);
struct answer sys_fchmodat2(struct call *c);
struct answer sys_fchmod(struct call *c);
struct answer sys_chown(struct call *c);
struct answer sys_lchown(struct call *c);
struct answer sys_fchownat(struct call *c);
struct answer sys_fchown(struct call *c);
struct answer sys_utime(struct call *c);
struct answer sys_utimes(struct call *c);
struct answer sys_futimesat(struct call *c);
struct answer sys_utimensat(struct call *c);
struct answer sys_truncate(struct call *c);
struct answer sys_setxattr(struct call *c);
struct answer sys_lsetxattr(struct call *c);
struct answer sys_fsetxattr(struct call *c);
struct answer sys_removexattr(struct call *c);
struct answer sys_lremovexattr(struct call *c);
struct answer sys_fremovexattr(struct call *c);

/* sys_uname.c: uname, when the policy fixes what it reports */
struct answer sys_uname(struct call *c);

/* sys_ident.c: presented identities (set*id emulated, get*id answered) */
struct answer sys_setuid(struct call *c);
struct answer sys_setgid(struct call *c);
struct answer sys_setreuid(struct call *c);
struct answer sys_setregid(struct call *c);
struct answer sys_setresuid(struct call *c);
struct answer sys_setresgid(struct call *c);
struct answer sys_setfsuid(struct call *c);
struct answer sys_setfsgid(struct call *c);
struct answer sys_setgroups(struct call *c);
struct answer sys_getuid(struct call *c);
struct answer sys_geteuid(struct call *c);
struct answer sys_getgid(struct call *c);
struct answer sys_getegid(struct call *c);
struct answer sys_getresuid(struct call *c);
struct answer sys_getresgid(struct call *c);
struct answer sys_getgroups(struct call *c);
struct answer sys_prctl(struct call *c);
struct answer sys_capset(struct call *c);

/* record.c: what a run read (--record), kept as a set of union paths */
struct record_entry {
	char *path;    /* the union path */
	int layer;     /* the layer it was first found in; -1: never found */
	mode_t type;   /* S_IFMT of what was found (S_IFLNK: a link followed) */
	dev_t dev;     /* of what was found, so that its digest at exit is */
	ino_t ino;     /* taken of the same file */
	bool missing;  /* looked up and not there, at least once */
};
int record_new(struct record **out);
void record_free(struct record *r);
/* Count tp (a reader's resolved path) as read: found, or missing. */
void record_note(struct record *r, const struct target_path *tp);
/* Count every symlink u's walks follow as read, from now on. */
void record_attach(struct record *r, struct vn_union *u);
/* The entries sorted by path, their count; *incomplete when a path could
 * not be kept (out of memory).  Once the calls are over: no note after. */
size_t record_sorted(struct record *r, bool *incomplete);
const struct record_entry *record_entry_at(const struct record *r, size_t i);
/* The decoders' hook: one test when the run records nothing. */
static inline void record_read(struct call *c, const struct target_path *tp)
{
	if (c->ctx->record)
		record_note(c->ctx->record, tp);
}

/* dirstream.c: merged getdents with a cursor in the file offset */
int dirstream_cache_new(struct dirstream_cache **out);
void dirstream_cache_free(struct dirstream_cache *cache);

#endif
