/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seam between a backend and the decoders: one intercepted call as
 * every backend presents it (number, arguments, caller), the answer the
 * decoders give, and the few things only the backend can do (struct
 * backend_ops).  Nothing here knows seccomp or ptrace.
 */
#ifndef VENEER_CALL_H
#define VENEER_CALL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "veneer/policy.h"
#include "veneer/union.h"

struct dirstream_cache;
struct view_path_cache;
struct stale_table;
struct ident_table;
struct exe_table;
struct record;

struct call;
struct answer;

/* A continued call run at a real path (target_redirect): argument arg
 * pointed at path ("" for none); for a "#!" script, path is its
 * interpreter and the argv that follows the path argument (execve,
 * execveat) begins with script_argv, then the caller's argv[1...]. */
#define REDIRECT_ARGV_MAX 6
struct redirect {
	int arg;
	char path[PATH_MAX];
	/* the new argv's first entries, in place of the caller's argv[0]
	 * (a "#!" script's interpreter line, a lower's loader and its
	 * options); 0: the caller's argv as it is */
	size_t script_argc;
	char script_argv[REDIRECT_ARGV_MAX][PATH_MAX];
};

/* What only the backend can do for a call, on the decoders' behalf. */
struct backend_ops {
	/* Give the call its answer (an fd answer's fd is closed after). */
	void (*reply)(struct call *c, const struct answer *ans);
	/* The task that made the call is still in it: what was read from
	 * its memory is its own (a pid may be reused). */
	bool (*valid)(struct call *c);
	/* Hold an fd number in the caller for the fd answer to come (the
	 * answer then lands there): 0, or -EMFILE, -ENOENT... */
	int (*reserve_fd)(struct call *c);
	/* Put `file` in place of the caller's fd `fd`, as dup2 would, with
	 * close-on-exec as given: 0 or -errno. */
	int (*replace_fd)(struct call *c, int fd, int file, bool cloexec);
	/* Optional: take a call whose copy-up asked for its data first
	 * (calls_dispatch): 0, and the backend has pc made off its own
	 * thread and the call dispatched again, with the copy offered
	 * (vn_precopy_offer), without an answer meanwhile; -errno: the
	 * dispatcher makes the copy itself. */
	int (*defer)(struct call *c, const struct vn_precopy *pc);
};
/* What every call of one sandbox shares, whatever backend caught it. */
struct call_ctx {
	void *transport;         /* the backend's own state (its listener...) */
	struct vn_union *u;
	pid_t init_pid;          /* the sandbox's init, as our /proc numbers it */
	/* without a pid namespace init is the target, and the supervisor is
	 * the sandbox's reaper: orphans are its children, not init's */
	bool supervisor_reaps;
	bool verbose;
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
	struct exe_table *exes;  /* programs run through a lower's loader */
	uint64_t root_caps;      /* the root inside's capabilities (the policy's) */
	bool has_start_cred;     /* every process starts as start_cred (an */
	struct vn_cred start_cred; /* image's User), not as the root inside */
	const struct policy *policy; /* host-sockets and the rest of the policy */
	/* "" with a view (the target's root); without one (notify-hostroot),
	 * the real path of the skeleton of union directories */
	const char *view_prefix;
	/* without a view the target runs as the caller, no capabilities:
	 * what it may do in the union is checked as that identity */
	struct vn_cred caller;
	pthread_mutex_t log_lock;
	struct record *record;   /* --record: what the run read; NULL: not asked */
};

/* How one intercepted call is answered (architecture brief, section 4). */
enum answer_kind {
	ANSWER_VALUE,     /* emulate: return val */
	ANSWER_ERROR,     /* emulate: fail with errno val */
	ANSWER_CONTINUE,  /* render (or nothing) and let the kernel run it */
	ANSWER_FD,        /* inject fd, which is closed after */
	/* inject what opening fd (an O_PATH file) again with flags val
	 * gives, an open that may block (a FIFO's end waits for the other):
	 * the backend opens it off its workers and answers when it returns;
	 * fd is closed after */
	ANSWER_FD_LATER,
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
 * number and arguments here and ask the backend (c->ops) for what only
 * the backend can do. */
struct call {
	struct call_ctx *ctx;
	const struct backend_ops *ops; /* the backend that caught it */
	int nr;
	uint64_t args[6];
	uint64_t id;            /* the backend's handle of the call */
	void *backend;          /* and its own state for the call */
	pid_t pid;
	const char *name;       /* syscall name, for -v */
	char detail[PATH_MAX + 64];
	struct vn_cred cred;    /* presented: the caller's identity */
	/* an fd answer goes to this number of the target's, reserved by
	 * call_reserve_fd before the call changed anything */
	bool reserved;
	int slot;
	struct open_change change;
	/* where the backend can run a continued call at a path of its
	 * choosing (a rung without a view), its buffer for that; NULL else */
	struct redirect *redirect;
};

static inline struct answer answer_value(int64_t v) { return (struct answer){ .kind = ANSWER_VALUE, .val = v }; }
static inline struct answer answer_error(int err) { return (struct answer){ .kind = ANSWER_ERROR, .val = err }; }
static inline struct answer answer_continue(void) { return (struct answer){ .kind = ANSWER_CONTINUE }; }
static inline struct answer answer_fd(int fd, bool cloexec) { return (struct answer){ .kind = ANSWER_FD, .fd = fd, .cloexec = cloexec }; }
static inline struct answer answer_fd_later(int path_fd, int flags, bool cloexec) { return (struct answer){ .kind = ANSWER_FD_LATER, .val = flags, .fd = path_fd, .cloexec = cloexec }; }
/* A negative core result becomes an error answer, anything else a value. */
static inline struct answer answer_result(int64_t r) { return r < 0 ? answer_error((int)-r) : answer_value(r); }
/* The task that made the call is still in it: what was read from its
 * memory is its own (a pid may be reused). */
static inline bool call_valid(struct call *c)
{
	return c->ops->valid(c);
}

/* Reserve the target's lowest free fd number for this call's fd answer
 * (the backend holds it until the answer takes it):
 * 0, -EMFILE when the target has no room, -ENOENT when it is gone. */
static inline int call_reserve_fd(struct call *c)
{
	return c->ops->reserve_fd(c);
}

#endif
