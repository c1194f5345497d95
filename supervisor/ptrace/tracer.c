/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tracer thread (tracer.h).  Only this thread issues ptrace requests
 * (the kernel's rule: the tracer is a thread), and it waits only for its
 * own tracees (__WNOTHREAD), so the main thread's wait for init, which it
 * forked, is not disturbed.  Stops:
 *   seccomp      a traced call: dispatched like a notification, then
 *                continued at the decoders' real path, or skipped with
 *                their answer (number -1, result in rax); an fd answer
 *                becomes an open of the file's real path (reopen below)
 *   syscall exit only after such an open that changed the union: a
 *                failed open takes the change back
 *   group stop   PTRACE_LISTEN, so the process stays stopped as untraced
 *   event stop   a new process (auto-attached) or a fork/clone event: go on;
 *                an exec: the program behind a lower's loader (exe.c)
 *   signal       delivered as it came
 * The thread ends when nothing is left to trace, or when stopped; then
 * PTRACE_O_EXITKILL kills what it still traced.  Being in init's real
 * parent's thread group, it also reaps init: the status is kept for the
 * main thread, woken with a SIGCHLD of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>
#include <linux/audit.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tracer.h"
#include "calls/calls.h"
#include "inject.h"
#include "precopy.h"
#include "redirect.h"
#include "thread.h"

/* The tracees seen so far: a new one's first stop (the auto-attach's
 * PTRACE_EVENT_STOP, SIGSTOP) looks like a group stop, and only its
 * novelty tells them apart (strace does the same). */
#define KNOWN_SLOTS 65536
#define SLOT_FREE 0
#define SLOT_GONE (-1)

/* How long the tracer polls for the next stop before it sleeps. */
#define SPIN_NS 200000u

struct tracer {
	pid_t known[KNOWN_SLOTS]; /* open addressing; only the tracer touches it */
	uint64_t gap_ns;         /* the time from a wait to its stop, averaged */
	pthread_t thread;
	pid_t init;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int seized;              /* 0 not yet, 1 done, -errno failed */
	struct call_ctx *ctx;    /* set by tracer_ready */
	volatile int stopping;
	/* init's wait status, which this thread reaps: a tracer in its real
	 * parent's thread group collects the exit itself */
	int init_status;
	bool init_exited;        /* atomic */
	struct redirect rd;      /* the call being answered's (one at a time) */
	struct exit_work *work;  /* what calls have left to do at their exit */
	/* nested mode: calls come as SIGSYS stops, and one the kernel must
	 * run is run again with the cookie in its sixth argument */
	bool trap;
	uint64_t cookie;
	struct channel *channels; /* nested mode: the sockets fds are sent over */
	struct precopy_pool *precopy; /* long copy-ups' data, made off this thread */
};

/* Nested mode: a socket in a target process that the supervisor sends it
 * files over (SCM_RIGHTS): its end at a high number in the target, ours. */
struct channel {
	pid_t tgid;
	int theirs;
	int ours;
	struct channel *next;
};

/* A file to put at one of the tracee's fd numbers (replace_fd). */
#define SWAPS_MAX 16
struct swap {
	int fd;                  /* the tracee's */
	int file;                /* ours, to be opened again by the tracee */
	int key;                 /* the decoders' number for file: the same
				  * key, one open file description */
	bool cloexec;
};

/* What is left to do at the exit stop of the call a tracee is in. */
struct exit_work {
	pid_t tid;
	/* an open run by the kernel at a real path after it changed the
	 * union (made a name, copied up): taken back if the open fails */
	bool open_changed;
	struct call c;
	/* a file made with a mode that does not let its maker open it as it
	 * asked (git's 0444 objects): that mode, put back on it */
	int mode_file;
	mode_t mode;
	struct swap swaps[SWAPS_MAX];
	size_t nswaps;
	/* a copy of a file with no name, made for the kernel to open: removed */
	char copy[PATH_MAX];
	/* nested mode: the call runs again (from its `syscall` instruction,
	 * signals blocked meanwhile); at its exit the registers of the SIGSYS
	 * stop come back with its result, and the signal mask */
	bool reissued;
	/* nested mode, a FIFO's writer before any reader: the call made a
	 * short sleep instead, and is made again at its exit */
	bool restart;
	bool exec_done;          /* it was an exec that succeeded: new registers */
	struct user_regs_struct regs;
	uint64_t mask;
	uint64_t rerun[7];       /* what the rerun's entry must show: number, arguments */
	struct exit_work *next;
};

/* The stop being answered: its registers as the call made it (the
 * answer goes back in them), and its exit work, made when a reply needs
 * one. */
struct stop {
	struct tracer *t;
	struct exit_work *work;
	bool trap;
	bool deferred;           /* left stopped: a worker makes its copy first */
	struct user_regs_struct regs;
};

static struct exit_work *stop_work(struct call *c)
{
	struct stop *stop = c->backend;

	if (!stop->work) {
		stop->work = calloc(1, sizeof(*stop->work));
		if (stop->work)
			stop->work->mode_file = -1;
	}
	return stop->work;
}

static void work_free(struct exit_work *w);

/* A call's work whose exit will not come (its thread died): what it lent
 * or made for the kernel's open is taken back; what the call made stays. */
static void work_abandon(struct exit_work *w)
{
	if (!w)
		return;
	if (w->mode_file >= 0)
		(void)fchmod(w->mode_file, w->mode);
	if (w->copy[0])
		(void)unlink(w->copy);
	work_free(w);
}

static void work_free(struct exit_work *w)
{
	if (!w)
		return;
	if (w->mode_file >= 0)
		close(w->mode_file);
	for (size_t i = 0; i < w->nswaps; i++)
		close(w->swaps[i].file);
	free(w);
}

#define WAKE_SIGNAL (SIGRTMIN + 2)

static void wake_handler(int sig)
{
	(void)sig; /* only here to interrupt waitpid */
}

static size_t known_slot(const struct tracer *t, pid_t tid, bool *found)
{
	size_t i = (size_t)tid % KNOWN_SLOTS, free_at = KNOWN_SLOTS;

	for (size_t n = 0; n < KNOWN_SLOTS; n++, i = (i + 1) % KNOWN_SLOTS) {
		if (t->known[i] == tid) {
			*found = true;
			return i;
		}
		if (t->known[i] == SLOT_GONE && free_at == KNOWN_SLOTS)
			free_at = i;
		if (t->known[i] == SLOT_FREE)
			break;
	}
	*found = false;
	return free_at < KNOWN_SLOTS ? free_at : i;
}

/* Note tid as seen: whether it was new. */
static bool first_seen(struct tracer *t, pid_t tid)
{
	bool found;
	size_t i = known_slot(t, tid, &found);

	if (!found && (t->known[i] == SLOT_FREE || t->known[i] == SLOT_GONE))
		t->known[i] = tid;
	return !found;
}

static void forget(struct tracer *t, pid_t tid)
{
	bool found;
	size_t i = known_slot(t, tid, &found);

	if (found)
		t->known[i] = SLOT_GONE;
}


/* The call's answer is value, put where the target returns to, in the
 * registers of the stop: at a seccomp stop the call is skipped (number
 * -1); at a SIGSYS stop (nested mode) it was never run.  A redirect may
 * have changed the registers since: only the answer is put back. */
static void give_result(struct call *c, int64_t value)
{
	struct stop *stop = c->backend;
	struct user_regs_struct regs = stop->regs;

	if (!stop->trap)
		regs.orig_rax = (unsigned long long)-1;
	regs.rax = (unsigned long long)value;
	(void)ptrace(PTRACE_SETREGS, c->pid, NULL, &regs);
}

static void send_kernel_open(struct call *c, uint64_t path_addr, int flags);

/* Nested mode: the call as the reply left it in the registers (its
 * number in orig_rax: an fd answer's is openat) is run again from its
 * `syscall` instruction, with the cookie that lets it past this
 * sandbox's filter; the outer listener sees it as any call.  Only calls
 * whose effects Landlock bounds are run so (calls_reissuable): a change
 * the decoders would continue is refused.  Its exit is the tracer's. */
static void reissue(struct call *c)
{
	struct stop *stop = c->backend;
	struct user_regs_struct regs;
	struct exit_work *w;
	uint64_t all = ~0ull;

	if (ptrace(PTRACE_GETREGS, c->pid, NULL, &regs) < 0)
		return;
	if (!calls_reissuable((int)regs.orig_rax)) {
		give_result(c, -EPERM);
		return;
	}
	/* an open that may write or make a file is never run again (the
	 * filter would trap it): see send_kernel_open */
	if ((regs.orig_rax == SYS_open || regs.orig_rax == SYS_openat) &&
	    ((regs.orig_rax == SYS_open ? regs.rsi : regs.rdx) &
	     (O_ACCMODE | O_CREAT | O_TRUNC | (O_TMPFILE & ~O_DIRECTORY)))) {
		send_kernel_open(c, regs.orig_rax == SYS_open ? regs.rdi : regs.rsi,
				 (int)(regs.orig_rax == SYS_open ? regs.rsi : regs.rdx));
		return;
	}
	w = stop_work(c);
	if (!w || ptrace(PTRACE_GETSIGMASK, c->pid, sizeof(w->mask), &w->mask) < 0 ||
	    ptrace(PTRACE_SETSIGMASK, c->pid, sizeof(all), &all) < 0) {
		give_result(c, w ? -errno : -ENOMEM);
		return;
	}
	w->reissued = true;
	w->regs = stop->regs;
	regs.rip -= 2; /* the `syscall` instruction */
	regs.rax = regs.orig_rax;
	regs.r9 = stop->t->cookie;
	memcpy(w->rerun, (uint64_t[7]){ regs.orig_rax, regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8,
					regs.r9 }, sizeof(w->rerun));
	if (ptrace(PTRACE_SETREGS, c->pid, NULL, &regs) < 0) {
		w->reissued = false;
		(void)ptrace(PTRACE_SETSIGMASK, c->pid, sizeof(w->mask), &w->mask);
		give_result(c, -errno);
	}
}

/* The real path of the file fd, for the target's open to reach it again:
 * the kernel's name of it, when the file still has that name.  A memfd,
 * a pipe or an unnamed or removed file has none: -EOPNOTSUPP. */
static int reopen_path(int fd, char *path, size_t size, struct stat *st)
{
	struct stat named;
	int n = vn_fd_path(fd, path, size);

	if (n < 0)
		return n;
	if (fstat(fd, st) < 0)
		return -errno;
	if (path[0] != '/')
		return -EOPNOTSUPP;
	if (n > 10 && strcmp(path + n - 10, " (deleted)") == 0 &&
	    (lstat(path, &named) < 0 || named.st_dev != st->st_dev || named.st_ino != st->st_ino))
		return -EOPNOTSUPP;
	return 0;
}

/* What the open of the file's real path keeps of the decoders' open: its
 * access and status flags; never a final symlink (what the name is now
 * must be what the decoders opened), never a controlling terminal. */
#define REOPEN_KEPT (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_SYNC | O_DSYNC)

static int reopen_flags(const struct answer *ans, const struct stat *st)
{
	int flags = ans->kind == ANSWER_FD_LATER ? (int)ans->val : fcntl(ans->fd, F_GETFL);

	if (flags < 0)
		return -errno;
	flags = (flags & REOPEN_KEPT) | O_NOFOLLOW | O_NOCTTY | (ans->cloexec ? O_CLOEXEC : 0);
	return S_ISDIR(st->st_mode) ? flags | O_DIRECTORY : flags;
}

/* An fd answer: the call becomes an open of the file's real path, run by
 * the kernel for the target, so the fd lands at the target's lowest free
 * number as the target's own open would put it.  What the kernel walks
 * is the layer's path again: a component another process of the sandbox
 * swaps meanwhile is bounded by the target's Landlock domain (docs/design.md,
 * "ptrace").  An open that may block (a FIFO's end) blocks in the kernel,
 * where signals reach it as usual. */
/* A file just made whose mode denies its maker the access it opened it
 * with (open's mode is for later opens only): the owner's bits it needs
 * are added until the kernel's open has run, then taken away again. */
static int lend_access(struct call *c, int fd, const struct stat *st, int flags)
{
	mode_t need = (flags & O_ACCMODE) == O_RDONLY	? S_IRUSR
		      : (flags & O_ACCMODE) == O_WRONLY ? S_IWUSR
							: S_IRUSR | S_IWUSR;
	struct exit_work *w;

	if ((st->st_mode & need) == need)
		return 0;
	w = stop_work(c);
	if (!w)
		return -ENOMEM;
	w->mode_file = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (w->mode_file < 0)
		return -errno;
	w->mode = st->st_mode & 07777;
	return fchmod(fd, w->mode | need) < 0 ? -errno : 0;
}

/* An unnamed file (O_TMPFILE) has no path to open again: the kernel
 * makes one of its own in the same upper directory (the decoders' says
 * where, "DIR/#INO (deleted)"), with the same flags and mode, and the
 * decoders' is dropped. */
static int reopen_unnamed(struct call *c, int fd, bool cloexec)
{
	char path[PATH_MAX];
	struct stat st;
	char *slash;
	int n = vn_fd_path(fd, path, sizeof(path));
	int flags = fcntl(fd, F_GETFL);

	if (n < 0)
		return n;
	if (flags < 0 || fstat(fd, &st) < 0)
		return -errno;
	slash = strrchr(path, '/');
	if (path[0] != '/' || !slash || slash[1] != '#')
		return -EOPNOTSUPP;
	*slash = '\0';
	/* O_TMPFILE holds O_DIRECTORY: the name must be a directory; and
	 * not through a final symlink swapped in meanwhile */
	flags = (flags & REOPEN_KEPT) | O_TMPFILE | O_NOFOLLOW | (cloexec ? O_CLOEXEC : 0);
	return ptrace_redirect_open(c->pid, &((struct stop *)c->backend)->regs,
				    slash == path ? "/" : path, flags, st.st_mode & 07777);
}

/* ------------------------------------------------ nested mode: fds by socket
 *
 * A file the target may write cannot come from a rerun open: the outer
 * listener would open it, out of this sandbox's Landlock domain, at a
 * path another thread can rewrite meanwhile.  So it is sent: the target
 * gets a datagram socket pair (injected socketpair; the supervisor takes
 * one end with pidfd_getfd, the target keeps the other at a number from
 * CHANNEL_FD up, close-on-exec), and an injected recvmsg takes each file
 * at the target's lowest free number, as its own open would.  No path is
 * read by anyone but the supervisor.
 */
#define CHANNEL_FD 512

static void tracee_gone(struct tracer *t, pid_t tid, int status);

static struct channel **channel_slot(struct tracer *t, pid_t tgid)
{
	struct channel **pp = &t->channels;

	while (*pp && (*pp)->tgid != tgid)
		pp = &(*pp)->next;
	return pp;
}

static void channel_drop(struct tracer *t, pid_t tgid)
{
	struct channel **pp = channel_slot(t, tgid), *ch = *pp;

	if (!ch)
		return;
	*pp = ch->next;
	close(ch->ours);
	free(ch);
}

/* Copy len bytes into the tracee's scratch memory: the address, or 0. */
static uint64_t scratch_copy(struct ptrace_scratch *s, const void *data, size_t len)
{
	return ptrace_scratch_put(s, data, len);
}

/* The target process's channel, made now if it has none. */
static struct channel *channel_get(struct tracer *t, struct call *c, struct inject *in)
{
	pid_t tgid = target_thread_group(c->pid);
	struct channel **pp = channel_slot(t, tgid), *ch;
	struct ptrace_scratch scratch;
	int sv[2] = { -1, -1 };
	uint64_t at;
	int64_t hi;

	if (*pp)
		return *pp;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return NULL;
	ptrace_scratch_init(&scratch, c->pid, in->saved.rsp);
	at = scratch_copy(&scratch, sv, sizeof(sv));
	if (!at ||
	    inject_syscall(in, SYS_socketpair, (uint64_t[6]){ AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, at }) < 0 ||
	    target_read(c, at, sv, sizeof(sv)) < 0)
		goto fail;
	ch->ours = target_getfd(c, sv[1]);
	(void)inject_syscall(in, SYS_close, (uint64_t[6]){ (uint64_t)sv[1] });
	hi = inject_syscall(in, SYS_fcntl, (uint64_t[6]){ (uint64_t)sv[0], F_DUPFD_CLOEXEC, CHANNEL_FD });
	if (hi >= 0)
		(void)inject_syscall(in, SYS_close, (uint64_t[6]){ (uint64_t)sv[0] });
	ch->theirs = hi >= 0 ? (int)hi : sv[0];
	if (ch->ours < 0)
		goto fail;
	ch->tgid = tgid;
	ch->next = t->channels;
	t->channels = ch;
	return ch;
fail:
	free(ch);
	return NULL;
}

/* One try at sending file over the target's channel (made if it has
 * none; dropped when the target closed or replaced its end: *dropped):
 * the number the target gets, or -errno. */
static int64_t channel_try(struct tracer *t, struct call *c, struct inject *in, int file,
			   bool cloexec, bool *dropped)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control = { 0 };
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	struct ptrace_scratch scratch;
	struct channel *ch = channel_get(t, c, in);
	uint64_t data_at, control_at, iov_at, msg_at;
	int64_t r;
	int got;

	*dropped = false;
	if (!ch)
		return in->gone ? -ESRCH : -EIO;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &file, sizeof(int));
	if (sendmsg(ch->ours, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) != 1) {
		r = -errno;
		channel_drop(t, ch->tgid);
		*dropped = true;
		return r;
	}
	/* the target's msghdr, in its scratch memory, for its recvmsg */
	memset(control.buf, 0, sizeof(control.buf));
	ptrace_scratch_init(&scratch, c->pid, in->saved.rsp);
	data_at = scratch_copy(&scratch, &byte, 1);
	control_at = data_at ? scratch_copy(&scratch, control.buf, sizeof(control.buf)) : 0;
	iov = (struct iovec){ .iov_base = (void *)(uintptr_t)data_at, .iov_len = 1 };
	iov_at = control_at ? scratch_copy(&scratch, &iov, sizeof(iov)) : 0;
	msg.msg_iov = (struct iovec *)(uintptr_t)iov_at;
	msg.msg_control = (void *)(uintptr_t)control_at;
	msg_at = iov_at ? scratch_copy(&scratch, &msg, sizeof(msg)) : 0;
	if (!msg_at)
		return -EFAULT;
	r = inject_syscall(in, SYS_recvmsg, (uint64_t[6]){ (uint64_t)ch->theirs, msg_at,
		MSG_DONTWAIT | (cloexec ? MSG_CMSG_CLOEXEC : 0) });
	if (r < 0) {
		/* closed or replaced by the target (what was sent goes with
		 * our end): a new one */
		channel_drop(t, ch->tgid);
		*dropped = true;
		return r;
	}
	if (target_read(c, control_at, control.buf, sizeof(control.buf)) < 0)
		return -EFAULT;
	cm = (struct cmsghdr *)control.buf;
	if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EIO;
	memcpy(&got, CMSG_DATA(cm), sizeof(int));
	return got;
}

/* Send file to the stopped target (its SIGSYS stop): the number it gets,
 * or -errno.  A channel the target broke is made again, once. */
static int64_t channel_send(struct tracer *t, struct call *c, int file, bool cloexec)
{
	struct inject in;
	bool dropped = false;
	int64_t r = -EIO;

	if (inject_begin(&in, c->pid) < 0)
		return -ESRCH;
	for (int attempt = 0; attempt < 2 && (attempt == 0 || dropped) && !in.gone; attempt++)
		r = channel_try(t, c, &in, file, cloexec, &dropped);
	inject_end(&in);
	if (in.reaped)
		tracee_gone(t, c->pid, in.exit_status);
	return r;
}

/* Nested mode: an fd answer the target may write through: sent. */
static void send_answer(struct call *c, const struct answer *ans)
{
	struct stop *stop = c->backend;
	int64_t r = channel_send(stop->t, c, ans->fd, ans->cloexec);

	close(ans->fd);
	if (r < 0 && c->change.kind != OPEN_CHANGED_NOTHING)
		open_undo(c);
	give_result(c, r);
}

/* Nested mode: the writer's end of a FIFO (ANSWER_FD_LATER, or a FIFO the
 * target holds as fd N: send_kernel_open), which may
 * not come from a rerun open (it writes).  Opened here without blocking:
 * once a reader is there it is sent; before, the call is turned into a
 * 1 ms sleep of the target's, and made again at its exit (its signals go
 * on as usual meanwhile, and a handler's return makes it again): the
 * tracer never waits for the reader, which may well be its tracee. */
static void send_fifo_writer(struct call *c, const struct answer *ans)
{
	static const struct timespec pause = { .tv_nsec = 1000000 };
	struct stop *stop = c->backend;
	struct user_regs_struct regs = stop->regs;
	struct ptrace_scratch scratch;
	struct exit_work *w;
	char link[64];
	uint64_t at;
	int file;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", ans->fd);
	file = open(link, ((int)ans->val & O_ACCMODE) | O_NONBLOCK | O_CLOEXEC);
	if (file >= 0) {
		struct answer sent = answer_fd(file, ans->cloexec);

		close(ans->fd);
		if (!((int)ans->val & O_NONBLOCK))
			(void)fcntl(file, F_SETFL, (int)ans->val & ~O_ACCMODE);
		send_answer(c, &sent);
		return;
	}
	close(ans->fd);
	if (errno != ENXIO) {
		give_result(c, -errno);
		return;
	}
	ptrace_scratch_init(&scratch, c->pid, regs.rsp);
	at = ptrace_scratch_put(&scratch, &pause, sizeof(pause));
	w = at ? stop_work(c) : NULL;
	if (!w) {
		give_result(c, at ? -ENOMEM : -EFAULT);
		return;
	}
	w->restart = true;
	w->regs = stop->regs;
	regs.rip -= 2;
	regs.rax = regs.orig_rax = SYS_nanosleep;
	regs.rdi = at;
	regs.rsi = 0;
	memcpy(w->rerun, (uint64_t[7]){ SYS_nanosleep, regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8,
					regs.r9 }, sizeof(w->rerun));
	if (ptrace(PTRACE_SETREGS, c->pid, NULL, &regs) < 0) {
		w->restart = false;
		give_result(c, -errno);
	}
}

/* The devices Landlock lets the target write (tracee/init.c): null, zero,
 * full, random, urandom, tty, ptmx and the pseudo-terminals. */
static bool writable_device(const struct stat *st)
{
	unsigned int ma = major(st->st_rdev), mi = minor(st->st_rdev);

	return S_ISCHR(st->st_mode) &&
	       ((ma == 1 && (mi == 3 || mi == 5 || mi == 7 || mi == 8 || mi == 9)) ||
		(ma == 5 && (mi == 0 || mi == 2)) || (ma >= 136 && ma <= 143));
}

/* The controlling terminal of pid (tty_nr, the 7th field of its stat): 0
 * for none, -1 when it cannot be read. */
static long controlling_tty(pid_t pid)
{
	char path[64], buf[1024];
	long tty = -1;
	FILE *f;
	char *end;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (end = strrchr(buf, ')')) &&
	    sscanf(end + 1, " %*c %*d %*d %*d %ld", &tty) != 1)
		tty = -1;
	fclose(f);
	return tty;
}

/* Whether tid's controlling terminal is the supervisor's own. */
static bool same_terminal(pid_t tid)
{
	long theirs = controlling_tty(tid);

	return theirs > 0 && theirs == controlling_tty(getpid());
}

/* Nested mode, an open that may write of a path outside the union (the
 * kernel's to open, which no rerun may do): what Landlock grants -- a
 * writable device, or a pipe the target holds as fd N (/dev/stdout,
 * /dev/fd/N, /proc/self/fd/N) -- opened here and sent; anything else is
 * EACCES, as Landlock answers.  The path is read once, opened O_PATH and
 * checked, and opened again through that very file. */
static void send_kernel_open(struct call *c, uint64_t path_addr, int flags)
{
	static const char *const std_names[] = { "/dev/stdin", "/dev/stdout", "/dev/stderr" };
	char path[PATH_MAX], link[64];
	struct stat st;
	int n = -1, end = 0, obj = -1, file;
	struct answer ans;

	if (target_read_string(c, path_addr, path, sizeof(path)) < 0) {
		give_result(c, -EFAULT);
		return;
	}
	for (int i = 0; i < 3; i++)
		if (strcmp(path, std_names[i]) == 0)
			n = i;
	if (n < 0 && ((sscanf(path, "/dev/fd/%d%n", &n, &end) == 1 ||
		       sscanf(path, "/proc/self/fd/%d%n", &n, &end) == 1) && path[end] != '\0'))
		n = -1;
	obj = n >= 0 ? target_getfd(c, n) : open(path, O_PATH | O_CLOEXEC);
	if (obj < 0 || fstat(obj, &st) < 0 || !(writable_device(&st) || (n >= 0 && S_ISFIFO(st.st_mode)))) {
		if (obj >= 0)
			close(obj);
		give_result(c, obj < 0 && n >= 0 ? -EBADF : -EACCES);
		return;
	}
	if (S_ISFIFO(st.st_mode)) {
		/* never waited for here: the reader may be a tracee */
		struct answer later = answer_fd_later(obj, flags & (O_ACCMODE | O_NONBLOCK),
						      flags & O_CLOEXEC);

		send_fifo_writer(c, &later);
		return;
	}
	/* /dev/tty is the opener's controlling terminal: opened here it would
	 * be the supervisor's, which a target that left it (setsid) has not */
	if (major(st.st_rdev) == 5 && minor(st.st_rdev) == 0 && !same_terminal(c->pid)) {
		close(obj);
		give_result(c, -ENXIO);
		return;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", obj);
	file = open(link, (flags & (O_ACCMODE | O_APPEND)) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	close(obj);
	if (file < 0) {
		give_result(c, -errno);
		return;
	}
	if (!(flags & O_NONBLOCK))
		(void)fcntl(file, F_SETFL, flags & O_APPEND);
	ans = answer_fd(file, flags & O_CLOEXEC);
	send_answer(c, &ans);
}

/* A file read-only with no name at all (a filtered /proc file, made in a
 * memfd): a copy of it in the skeleton, at path, which the kernel opens
 * for the target and which is removed at the call's exit (the target
 * then holds an unnamed file, as the memfd was).  0 or -errno. */
static int copy_unnamed(struct call *c, int fd, char *path, size_t size)
{
	char buf[65536];
	struct exit_work *w = stop_work(c);
	ssize_t n = 0;
	int copy, r = 0;

	if (!w)
		return -ENOMEM;
	if (snprintf(path, size, "%s/.veneer-copy-XXXXXX", c->ctx->view_prefix) >= (int)size)
		return -ENAMETOOLONG;
	copy = mkostemp(path, O_CLOEXEC);
	if (copy < 0)
		return -errno;
	snprintf(w->copy, sizeof(w->copy), "%s", path);
	for (off_t at = 0; r == 0 && (n = pread(fd, buf, sizeof(buf), at)) > 0; at += n)
		if (write(copy, buf, (size_t)n) != n)
			r = -EIO;
	if (r == 0 && n < 0)
		r = -errno;
	close(copy);
	return r;
}

static void tracer_reply_fd(struct call *c, const struct answer *ans)
{
	char path[PATH_MAX];
	struct stat st;
	int r, flags = 0;

	if (((struct stop *)c->backend)->trap && ans->kind == ANSWER_FD &&
	    ((fcntl(ans->fd, F_GETFL) & O_ACCMODE) != O_RDONLY || c->change.kind == OPEN_MADE_UNNAMED)) {
		send_answer(c, ans);
		return;
	}
	if (((struct stop *)c->backend)->trap && ans->kind == ANSWER_FD_LATER &&
	    ((int)ans->val & O_ACCMODE) != O_RDONLY) {
		send_fifo_writer(c, ans);
		return;
	}
	if (c->change.kind == OPEN_MADE_UNNAMED) {
		r = reopen_unnamed(c, ans->fd, ans->cloexec);
		close(ans->fd);
		open_undo(c);
		if (r < 0)
			give_result(c, r);
		else if (((struct stop *)c->backend)->trap)
			reissue(c);
		return;
	}
	r = reopen_path(ans->fd, path, sizeof(path), &st);
	if (r == -EOPNOTSUPP && ans->kind == ANSWER_FD && c->change.kind == OPEN_CHANGED_NOTHING &&
	    S_ISREG(st.st_mode) && (fcntl(ans->fd, F_GETFL) & O_ACCMODE) == O_RDONLY)
		r = copy_unnamed(c, ans->fd, path, sizeof(path));
	if (r == 0)
		r = flags = reopen_flags(ans, &st);
	if (r >= 0 && c->change.kind == OPEN_MADE_NAME)
		r = lend_access(c, ans->fd, &st, flags);
	if (r >= 0)
		r = ptrace_redirect_open(c->pid, &((struct stop *)c->backend)->regs, path, flags, 0);
	if (r >= 0 && c->change.kind != OPEN_CHANGED_NOTHING && !stop_work(c))
		r = -ENOMEM;
	close(ans->fd);
	if (r < 0) {
		if (c->change.kind != OPEN_CHANGED_NOTHING)
			open_undo(c);
		give_result(c, r);
		return;
	}
	if (c->change.kind != OPEN_CHANGED_NOTHING)
		stop_work(c)->open_changed = true;
	if (((struct stop *)c->backend)->trap)
		reissue(c);
}

static void tracer_reply(struct call *c, const struct answer *ans)
{
	const struct redirect *rd = c->redirect;
	int r;

	switch (ans->kind) {
	case ANSWER_CONTINUE:
		if (!rd->path[0]) {
			/* the kernel walks the string the target gave */
			if (((struct stop *)c->backend)->trap)
				reissue(c);
			return;
		}
		if (rd->script_argc) {
			const char *prefix[REDIRECT_ARGV_MAX];

			for (size_t i = 0; i < rd->script_argc; i++)
				prefix[i] = rd->script_argv[i];
			/* execve(path, argv), execveat(dirfd, path, argv): argv
			 * is the argument after the path */
			r = ptrace_redirect_exec(c->pid, &((struct stop *)c->backend)->regs, rd->arg,
						 rd->arg + 1, rd->path, prefix,
						 rd->script_argc);
		} else {
			/* an open at a real path: what is there now must be
			 * the object the decoders found, never a symlink
			 * swapped in for it */
			struct user_regs_struct regs = ((struct stop *)c->backend)->regs;
			int flags_arg = calls_open_flags_arg(c->nr);

			r = flags_arg < 0 ? 0 : ptrace_arg_or(&regs, flags_arg, O_NOFOLLOW);
			if (r == 0)
				r = ptrace_redirect_path(c->pid, &regs, rd->arg, rd->path);
		}
		if (r < 0)
			give_result(c, r == -ESRCH ? -ESRCH : -EFAULT);
		else if (((struct stop *)c->backend)->trap)
			reissue(c);
		return;
	case ANSWER_VALUE:
		give_result(c, ans->val);
		return;
	case ANSWER_ERROR:
		give_result(c, -ans->val);
		return;
	case ANSWER_FD:
	case ANSWER_FD_LATER:
		tracer_reply_fd(c, ans);
		return;
	}
}

/* The tracee is stopped in the call: nothing it reads can change under us
 * but by another of its threads, as with any path the kernel reads. */
static bool tracer_valid(struct call *c)
{
	(void)c;
	return true;
}

/* Nothing to hold: the kernel's open takes the lowest free number when
 * it runs, and its EMFILE takes the change back (the exit stop). */
static int tracer_no_reservation(struct call *c)
{
	(void)c;
	return 0;
}

/* Only a call of the target's own can put a file at one of its fd
 * numbers: done at the exit stop of the call being answered (inject.c),
 * after its own result. */
static int tracer_replace_fd(struct call *c, int fd, int file, bool cloexec)
{
	struct exit_work *w = stop_work(c);
	int copy;

	if (!w)
		return -ENOMEM;
	if (w->nswaps == SWAPS_MAX)
		return -ENOSPC;
	copy = fcntl(file, F_DUPFD_CLOEXEC, 3);
	if (copy < 0)
		return -errno;
	w->swaps[w->nswaps++] = (struct swap){ .fd = fd, .file = copy, .key = file, .cloexec = cloexec };
	return 0;
}

/* The copy a call's copy-up asked for, made by a worker while the call
 * stays stopped (precopy.h); not for a call that has work at its exit
 * already (the swaps of an earlier copy-up, made before its decoder ran:
 * the stop that holds them is this one), whose copy the tracer makes. */
static int tracer_defer(struct call *c, const struct vn_precopy *pc)
{
	struct stop *stop = c->backend;
	struct tracer *t = stop->t;
	int r;

	if (stop->work)
		return -EBUSY;
	if (!t->precopy)
		t->precopy = precopy_pool_new(c->ctx->u, t->thread, WAKE_SIGNAL);
	if (!t->precopy)
		return -ENOMEM;
	r = precopy_submit(t->precopy, c->pid, stop->trap, c->nr, pc);
	if (r == 0)
		stop->deferred = true;
	return r;
}

static const struct backend_ops tracer_ops = {
	.reply = tracer_reply,
	.valid = tracer_valid,
	.reserve_fd = tracer_no_reservation,
	.replace_fd = tracer_replace_fd,
	.defer = tracer_defer,
};

/* What a stop's handler returns for a call left stopped (no request). */
#define RESUME_LATER (-1)

static struct exit_work *work_take(struct tracer *t, pid_t tid);

/* Dispatch call c (number and arguments set), whose tracee is stopped:
 * the request to resume it with (PTRACE_SYSCALL when work is left for
 * its exit). */
static int dispatch_stopped(struct tracer *t, struct call *c, struct stop *stop)
{
	struct exit_work *w;

	t->rd.arg = 0;
	t->rd.path[0] = '\0';
	t->rd.script_argc = 0;
	calls_dispatch(c);
	if (stop->deferred)
		return RESUME_LATER;
	w = stop->work;
	if (!w)
		return PTRACE_CONT;
	w->tid = c->pid;
	if (w->open_changed) {
		w->c = *c;
		w->c.redirect = NULL;
		w->c.backend = NULL;
	}
	w->next = t->work;
	t->work = w;
	return PTRACE_SYSCALL;
}

/* The call's number and arguments, from the registers of its stop. */
static void call_from_regs(struct call *c, const struct user_regs_struct *regs)
{
	c->args[0] = regs->rdi;
	c->args[1] = regs->rsi;
	c->args[2] = regs->rdx;
	c->args[3] = regs->r10;
	c->args[4] = regs->r8;
	c->args[5] = regs->r9;
}

/* A seccomp stop: the registers (one request; the answer goes back in
 * them) give the number, in orig_rax, and the arguments. */
static int handle_seccomp_stop(struct tracer *t, pid_t tid)
{
	struct stop stop = { .t = t };
	struct call c = { .ctx = t->ctx, .ops = &tracer_ops, .pid = tid, .redirect = &t->rd,
			  .backend = &stop };

	if (ptrace(PTRACE_GETREGS, tid, NULL, &stop.regs) < 0)
		return PTRACE_CONT;
	c.nr = (int)stop.regs.orig_rax;
	call_from_regs(&c, &stop.regs);
	return dispatch_stopped(t, &c, &stop);
}

static void finish_work(struct tracer *t, struct exit_work *w, bool ran, bool failed);

/* Nested mode: a SIGSYS stop of a trapped call (the signal is not
 * delivered).  The call was never run: its registers are as it made it,
 * rax rolled back to its number.  An emulated answer's work is done at
 * once; a call run again has it done at its exit. */
static int handle_trap_stop(struct tracer *t, pid_t tid, int nr)
{
	struct stop stop = { .t = t, .trap = true };
	struct call c = { .ctx = t->ctx, .ops = &tracer_ops, .pid = tid, .redirect = &t->rd,
			  .backend = &stop, .nr = nr };
	int resume;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &stop.regs) < 0)
		return PTRACE_CONT;
	call_from_regs(&c, &stop.regs);
	resume = dispatch_stopped(t, &c, &stop);
	if (resume == RESUME_LATER)
		return resume;
	if (resume == PTRACE_SYSCALL && !stop.work->reissued && !stop.work->restart) {
		struct exit_work *w = work_take(t, tid);

		finish_work(t, w, true, false);
		work_free(w);
		return PTRACE_CONT;
	}
	return resume;
}

/* How tid goes on from a stop that is not its call's: with its syscall
 * stops still on while a call of its has work left at its exit (a
 * PTRACE_CONT would turn them off, and the exit be missed). */
static int resume_request(struct tracer *t, pid_t tid)
{
	for (struct exit_work *w = t->work; w; w = w->next)
		if (w->tid == tid)
			return PTRACE_SYSCALL;
	return PTRACE_CONT;
}

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a filter's SIGSYS (include/uapi/asm-generic/siginfo.h) */
#endif

/* A SIGSYS the filter sent for a call this sandbox traps (nested mode):
 * its number, else -1 (the target's own, delivered as it came). */
static int trapped_call(struct tracer *t, pid_t tid, int sig)
{
	siginfo_t si;

	/* a call of ours run again, trapped again: by a filter of the
	 * target's own, whose SIGSYS it is */
	if (!t->trap || sig != SIGSYS || resume_request(t, tid) == PTRACE_SYSCALL ||
	    ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0 ||
	    si.si_code != SYS_SECCOMP || si.si_arch != AUDIT_ARCH_X86_64 ||
	    !calls_lookup(si.si_syscall))
		return -1;
	return si.si_syscall;
}

/* tid's exit work, taken off the list (NULL: none). */
static struct exit_work *work_take(struct tracer *t, pid_t tid)
{
	for (struct exit_work **pp = &t->work; *pp; pp = &(*pp)->next) {
		struct exit_work *w = *pp;

		if (w->tid == tid) {
			*pp = w->next;
			return w;
		}
	}
	return NULL;
}


/* The swaps: each file opened again by the tracee at its real path, at
 * the file's offset, then moved to its number (dup3); a second swap of
 * the same file shares the first's open file description. */
static void run_swaps(struct tracer *t, struct exit_work *w)
{
	struct inject in;

	if (inject_begin(&in, w->tid) < 0)
		return;
	for (size_t i = 0; i < w->nswaps && !in.gone; i++) {
		struct swap *sw = &w->swaps[i];
		char path[PATH_MAX];
		struct stat st;
		struct answer as = { .kind = ANSWER_FD, .fd = sw->file, .cloexec = true };
		off_t offset = lseek(sw->file, 0, SEEK_CUR);
		int64_t opened = -1, r;
		size_t first = 0;

		while (first < i && w->swaps[first].key != sw->key)
			first++;
		if (first < i) {
			(void)inject_syscall(&in, SYS_dup3, (uint64_t[6]){ (uint64_t)w->swaps[first].fd,
				(uint64_t)sw->fd, sw->cloexec ? O_CLOEXEC : 0 });
			continue;
		}
		r = reopen_path(sw->file, path, sizeof(path), &st);
		if (r == 0)
			r = reopen_flags(&as, &st);
		if (r >= 0) {
			uint64_t at = inject_string(&in, path);

			/* nested mode: openat is trapped, and passes with the cookie */
			r = at ? inject_syscall(&in, SYS_openat, (uint64_t[6]){ (uint64_t)AT_FDCWD, at,
					(uint64_t)r, 0, 0, t->cookie }) : -EFAULT;
		}
		if (r < 0)
			continue; /* the fd stays on the lower's file */
		opened = r;
		if (offset > 0)
			(void)inject_syscall(&in, SYS_lseek, (uint64_t[6]){ (uint64_t)opened,
				(uint64_t)offset, SEEK_SET });
		(void)inject_syscall(&in, SYS_dup3, (uint64_t[6]){ (uint64_t)opened, (uint64_t)sw->fd,
			sw->cloexec ? O_CLOEXEC : 0 });
		(void)inject_syscall(&in, SYS_close, (uint64_t[6]){ (uint64_t)opened });
	}
	inject_end(&in);
	if (in.reaped)
		tracee_gone(t, w->tid, in.exit_status);
}

/* The work left at a call's end (ran: the call ran and failed says how;
 * else it was emulated): a failed open takes its change back (no side
 * effect without a result), a lent mode goes, and files are put at the
 * tracee's fd numbers.  An exec that succeeded has a new program, which
 * the swaps were not meant for. */
static void finish_work(struct tracer *t, struct exit_work *w, bool ran, bool failed)
{
	if (w->open_changed && failed)
		open_undo(&w->c);
	if (w->mode_file >= 0)
		(void)fchmod(w->mode_file, w->mode);
	if (w->copy[0])
		(void)unlink(w->copy);
	if (w->nswaps && ran && !w->exec_done)
		run_swaps(t, w);
}

/* The entry of a call run again (nested mode).  The instruction it ran
 * from is the target's, which another thread may have rewritten into a
 * jump to a call of its own: the entry must show the very call, or the
 * target dies (hostile), its call never run. */
static int rerun_entry(struct tracer *t, pid_t tid, const struct __ptrace_syscall_info *info)
{
	struct exit_work *w;

	for (w = t->work; w && w->tid != tid; w = w->next)
		;
	if (!w || !(w->reissued || w->restart))
		return PTRACE_CONT;
	if (info->entry.nr == w->rerun[0] &&
	    memcmp(info->entry.args, &w->rerun[1], 6 * sizeof(uint64_t)) == 0)
		return PTRACE_SYSCALL;
	(void)kill(tid, SIGKILL);
	w = work_take(t, tid);
	finish_work(t, w, false, true);
	work_free(w);
	return PTRACE_CONT;
}

/* A syscall stop of tid.  At its exit a call with work left is finished;
 * in nested mode a call run again first puts back the registers of its
 * SIGSYS stop with the result (not after an exec that succeeded: those
 * are the new program's) and the signal mask.  The request to resume
 * with: PTRACE_SYSCALL at an entry (a call run again stops at both). */
static int handle_syscall_stop(struct tracer *t, pid_t tid)
{
	struct __ptrace_syscall_info info = { .op = PTRACE_SYSCALL_INFO_NONE };
	struct exit_work *w;
	bool failed;

	(void)ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info);
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY)
		return rerun_entry(t, tid, &info);
	w = work_take(t, tid);
	if (!w)
		return PTRACE_CONT;
	failed = info.op != PTRACE_SYSCALL_INFO_EXIT || info.exit.is_error;
	if (w->restart) {
		/* back to the `syscall` instruction, the call as it was made */
		w->regs.rip -= 2;
		w->regs.rax = w->regs.orig_rax;
		(void)ptrace(PTRACE_SETREGS, tid, NULL, &w->regs);
		work_free(w);
		return PTRACE_CONT;
	}
	if (w->reissued) {
		if (!(w->exec_done && !failed)) {
			w->regs.rax = info.op == PTRACE_SYSCALL_INFO_EXIT ? (unsigned long long)info.exit.rval
									  : (unsigned long long)-EIO;
			(void)ptrace(PTRACE_SETREGS, tid, NULL, &w->regs);
		}
		(void)ptrace(PTRACE_SETSIGMASK, tid, sizeof(w->mask), &w->mask);
	}
	w->exec_done = w->exec_done && !failed;
	finish_work(t, w, info.op == PTRACE_SYSCALL_INFO_EXIT, failed);
	work_free(w);
	return PTRACE_CONT;
}

/* tid has just exec'd (the event stop, before the new image runs): the
 * program it runs through a lower's loader, if it does, is now its own. */
static void handle_exec_stop(struct tracer *t, pid_t tid)
{
	unsigned long former = 0;

	if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &former) < 0)
		former = (unsigned long)tid;
	if ((pid_t)former != tid) {
		struct exit_work *w;

		forget(t, (pid_t)former); /* a thread's exec: its tid is gone */
		precopy_forget(t->precopy, (pid_t)former);
		precopy_forget(t->precopy, tid);
		/* and the leader, whose tid it takes, died in de_thread: what
		 * its call had left to do is over, as for a killed one */
		while ((w = work_take(t, tid)))
			work_abandon(w);
	}
	exe_exec_done(t->ctx, tid, (pid_t)former);
	channel_drop(t, tid); /* close-on-exec: gone with the old program */
}

/* After an exec event: a call run again (nested mode) whose exit is
 * still to come, under the thread's new tid. */
static bool exec_pending_exit(struct tracer *t, pid_t tid)
{
	unsigned long former = 0;
	struct exit_work *w;

	if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &former) < 0)
		former = (unsigned long)tid;
	w = work_take(t, (pid_t)former);
	if (!w)
		return false;
	w->tid = tid;
	w->exec_done = true;
	w->next = t->work;
	t->work = w;
	return true;
}

static void resume_unless_later(pid_t tid, int request)
{
	if (request != RESUME_LATER)
		(void)ptrace(request, tid, 0, 0);
}

/* Whether j's tracee is still in the stop it was left in: a thread's exec
 * may have taken a leader's tid meanwhile (its exec stop, not reported
 * yet, is then the next stop of that tid, which waitpid gives). */
static bool still_in_call(const struct precopy_job *j)
{
	siginfo_t si;

	if (ptrace(PTRACE_GETSIGINFO, j->tid, NULL, &si) < 0)
		return false;
	if (j->trap)
		return si.si_signo == SIGSYS && si.si_code == SYS_SECCOMP;
	return si.si_signo == SIGTRAP && si.si_code == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8));
}

/* A call left stopped for its copy (tracer_defer), the copy made: its
 * stop is dispatched again, the copy offered (dropped if not taken: the
 * file changed meanwhile, and the call copied it again). */
static void dispatch_again(struct tracer *t, struct precopy_job *j)
{
	if (!j->gone && still_in_call(j)) {
		vn_precopy_offer(&j->pc);
		resume_unless_later(j->tid, j->trap ? handle_trap_stop(t, j->tid, j->nr)
				       : handle_seccomp_stop(t, j->tid));
		vn_precopy_offer(NULL);
	}
	vn_precopy_drop(&j->pc);
	free(j);
}

/* One stop of tid (status from waitpid): handle it and let tid go on. */
static void handle_stop(struct tracer *t, pid_t tid, int status)
{
	int sig = WSTOPSIG(status), event = status >> 16, nr;

	if (event != PTRACE_EVENT_STOP)
		(void)first_seen(t, tid);
	if (event == PTRACE_EVENT_SECCOMP) {
		resume_unless_later(tid, handle_seccomp_stop(t, tid));
	} else if (event == 0 && sig == (SIGTRAP | 0x80)) {
		(void)ptrace(handle_syscall_stop(t, tid), tid, 0, 0);
	} else if (event == 0 && (nr = trapped_call(t, tid, sig)) >= 0) {
		resume_unless_later(tid, handle_trap_stop(t, tid, nr)); /* SIGSYS not delivered */
	} else if (event == PTRACE_EVENT_STOP) {
		/* a group stop keeps the process stopped, as untraced; the
		 * first stop of a new tracee just goes on */
		if (!first_seen(t, tid) &&
		    (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU))
			(void)ptrace(PTRACE_LISTEN, tid, 0, 0);
		else
			(void)ptrace(resume_request(t, tid), tid, 0, 0);
	} else if (event == PTRACE_EVENT_EXEC) {
		handle_exec_stop(t, tid);
		(void)ptrace(exec_pending_exit(t, tid) ? PTRACE_SYSCALL : PTRACE_CONT, tid, 0, 0);
	} else if (event) {
		(void)ptrace(resume_request(t, tid), tid, 0, 0); /* fork, vfork, clone */
	} else {
		(void)ptrace(resume_request(t, tid), tid, 0, sig); /* a signal: delivered */
	}
}

/* tid has exited (its wait status taken): forget it, and keep init's
 * status for the main thread. */
static void tracee_gone(struct tracer *t, pid_t tid, int status)
{
	struct exit_work *w = work_take(t, tid);

	forget(t, tid);
	exe_forget(t->ctx, tid);
	precopy_forget(t->precopy, tid);
	channel_drop(t, tid); /* a leader's exit: its process is gone */
	work_abandon(w); /* killed in the call: what it made stays */
	if (tid == t->init) {
		t->init_status = status;
		__atomic_store_n(&t->init_exited, true, __ATOMIC_RELEASE);
		kill(getpid(), SIGCHLD); /* the main thread waits on SIGCHLD */
	}
}

static bool wait_until_ready(struct tracer *t)
{
	pthread_mutex_lock(&t->lock);
	while (!t->ctx && !t->stopping)
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
	return !t->stopping;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* While workers make copies: the next stop, or 0 when a copy is made.
 * Their wake-up signal may land just before a wait, and be lost: the
 * wait is a poll, with a pause of PRECOPY_POLL_NS between tries (which
 * the signal cuts short), for as long as copies are pending. */
#define PRECOPY_POLL_NS 50000
static pid_t wait_beside_workers(struct tracer *t, int *status)
{
	const struct timespec pause = { .tv_nsec = PRECOPY_POLL_NS };
	struct precopy_job *j;
	pid_t tid;

	while ((tid = waitpid(-1, status, __WALL | __WNOTHREAD | WNOHANG)) == 0 && !t->stopping) {
		while ((j = precopy_take_made(t->precopy)))
			dispatch_again(t, j);
		if (!precopy_pending(t->precopy))
			return 0;
		(void)ppoll(NULL, 0, &pause, NULL);
	}
	return tid;
}

/* The next stop or exit of a tracee.  While stops come close together
 * (a process making call after call), the tracer polls a while before it
 * sleeps: a sleeping tracer is woken across CPUs, which cost ~20 us of
 * each call's ~55 here (a 2-CPU VM), and a polling one sees the stop at
 * once.  Stops far apart (computation, a blocked call) make it sleep at
 * once, so a tracee that computes does not share its CPU with the poll. */
static pid_t wait_for_stop(struct tracer *t, int *status)
{
	uint64_t start = now_ns(), gap;
	pid_t tid = 0;

	if (precopy_pending(t->precopy))
		return wait_beside_workers(t, status);
	if (t->gap_ns < SPIN_NS)
		while ((tid = waitpid(-1, status, __WALL | __WNOTHREAD | WNOHANG)) == 0 &&
		       now_ns() - start < SPIN_NS && !t->stopping)
			;
	if (tid == 0)
		tid = waitpid(-1, status, __WALL | __WNOTHREAD);
	/* what the next wait expects: a moving average of the gaps */
	gap = now_ns() - start;
	t->gap_ns = (t->gap_ns * 3 + (gap > 4 * SPIN_NS ? 4 * SPIN_NS : gap)) / 4;
	return tid;
}

static void *tracer_main(void *arg)
{
	struct tracer *t = arg;
	long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		    PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
	sigset_t wake;
	int r = ptrace(PTRACE_SEIZE, t->init, 0, opts) < 0 ? -errno : 1;

	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	pthread_mutex_lock(&t->lock);
	t->seized = r;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	/* this thread's malloc arena (a 64 MB reservation, made at its first
	 * malloc) is made now, beside the supervisor's set-up, not in the
	 * sandbox's first call */
	{
		void *volatile warm = malloc(1); /* volatile: not elided */

		free(warm);
	}
	if (r < 0 || !wait_until_ready(t))
		return NULL;
	while (!t->stopping) {
		int status;
		pid_t tid = wait_for_stop(t, &status);

		if (tid == 0)
			continue; /* a copy was made, and its call dispatched again */
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nothing left to trace */
		}
		if (WIFSTOPPED(status)) {
			handle_stop(t, tid, status);
			continue;
		}
		tracee_gone(t, tid, status);
	}
	return NULL;
}

int tracer_start(pid_t init, bool trap, uint64_t cookie, struct tracer **out)
{
	struct sigaction sa = { .sa_handler = wake_handler };
	struct tracer *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	sigemptyset(&sa.sa_mask);
	if (sigaction(WAKE_SIGNAL, &sa, NULL) < 0) {
		free(t);
		return -errno;
	}
	t->init = init;
	/* the first wait comes once init has its launch (tracer_ready): its
	 * chdir and exec follow at once, and the supervisor's main thread
	 * sleeps from then on, so the poll takes no CPU from anyone */
	t->gap_ns = 0;
	t->trap = trap;
	t->cookie = cookie;
	t->known[(size_t)init % KNOWN_SLOTS] = init; /* seized: no first stop */
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	r = pthread_create(&t->thread, NULL, tracer_main, t);
	if (r) {
		free(t);
		return -r;
	}
	*out = t;
	return 0;
}

int tracer_seized(struct tracer *t)
{
	int r;

	pthread_mutex_lock(&t->lock);
	while (!t->seized)
		pthread_cond_wait(&t->cond, &t->lock);
	r = t->seized < 0 ? t->seized : 0;
	pthread_mutex_unlock(&t->lock);
	return r;
}

void tracer_ready(struct tracer *t, struct call_ctx *ctx)
{
	pthread_mutex_lock(&t->lock);
	t->ctx = ctx;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

bool tracer_init_exited(struct tracer *t, int *status)
{
	if (!t || !__atomic_load_n(&t->init_exited, __ATOMIC_ACQUIRE))
		return false;
	*status = t->init_status;
	return true;
}

void tracer_stop(struct tracer *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stopping = 1;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	precopy_quiet(t->precopy);
	/* again and again: a signal that lands just before waitpid is lost */
	do
		pthread_kill(t->thread, WAKE_SIGNAL);
	while (!thread_join_within(t->thread, 20));
	precopy_pool_free(t->precopy);
	while (t->work)
		work_free(work_take(t, t->work->tid));
	while (t->channels)
		channel_drop(t, t->channels->tgid);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	free(t);
}
