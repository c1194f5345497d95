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
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tracer.h"
#include "calls/calls.h"
#include "redirect.h"
#include "thread.h"

/* The tracees seen so far: a new one's first stop (the auto-attach's
 * PTRACE_EVENT_STOP, SIGSTOP) looks like a group stop, and only its
 * novelty tells them apart (strace does the same). */
#define KNOWN_SLOTS 65536
#define SLOT_FREE 0
#define SLOT_GONE (-1)

struct tracer {
	pid_t known[KNOWN_SLOTS]; /* open addressing; only the tracer touches it */
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
	struct pending *pending; /* opens that changed the union, to their exit */
};

/* An open run by the kernel at a real path after it changed the union
 * (made a name, copied up): if the kernel's open fails (EMFILE...), the
 * change is taken back at its exit stop. */
struct pending {
	struct call c;
	struct pending *next;
};

/* What the stop being answered is resumed with. */
struct stop {
	bool to_exit;            /* PTRACE_SYSCALL, for an exit stop: c is pending */
};

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

/* The stopped tracee's registers with its call skipped and `value` as
 * what it returns. */
static int skip_call(pid_t tid, int64_t value)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) < 0)
		return -errno;
	regs.orig_rax = (unsigned long long)-1;
	regs.rax = (unsigned long long)value;
	return ptrace(PTRACE_SETREGS, tid, NULL, &regs) < 0 ? -errno : 0;
}

/* The real path of the file fd, for the target's open to reach it again:
 * the kernel's name of it, when the file still has that name.  A memfd,
 * a pipe or an unnamed or removed file has none: -EOPNOTSUPP. */
static int reopen_path(int fd, char *path, size_t size, struct stat *st)
{
	char link[64];
	struct stat named;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	path[n] = '\0';
	if (path[0] != '/')
		return -EOPNOTSUPP;
	if (fstat(fd, st) < 0)
		return -errno;
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
static void tracer_reply_fd(struct call *c, const struct answer *ans)
{
	struct stop *stop = c->backend;
	char path[PATH_MAX];
	struct stat st;
	int r = reopen_path(ans->fd, path, sizeof(path), &st);

	if (r == 0)
		r = reopen_flags(ans, &st);
	if (r >= 0)
		r = ptrace_redirect_open(c->pid, path, r);
	close(ans->fd);
	if (r < 0) {
		if (c->change.kind != OPEN_CHANGED_NOTHING)
			open_undo(c);
		(void)skip_call(c->pid, r);
		return;
	}
	stop->to_exit = c->change.kind != OPEN_CHANGED_NOTHING;
}

static void tracer_reply(struct call *c, const struct answer *ans)
{
	const struct redirect *rd = c->redirect;
	int r;

	switch (ans->kind) {
	case ANSWER_CONTINUE:
		if (!rd->path[0])
			return; /* the kernel walks the string the target gave */
		if (rd->script_argc) {
			const char *prefix[REDIRECT_ARGV_MAX];

			for (size_t i = 0; i < rd->script_argc; i++)
				prefix[i] = rd->script_argv[i];
			/* execve(path, argv), execveat(dirfd, path, argv): argv
			 * is the argument after the path */
			r = ptrace_redirect_exec(c->pid, rd->arg, rd->arg + 1, rd->path, prefix,
						 rd->script_argc);
		} else {
			r = ptrace_redirect_path(c->pid, rd->arg, rd->path);
		}
		if (r < 0)
			(void)skip_call(c->pid, r == -ESRCH ? -ESRCH : -EFAULT);
		return;
	case ANSWER_VALUE:
		(void)skip_call(c->pid, ans->val);
		return;
	case ANSWER_ERROR:
		(void)skip_call(c->pid, -ans->val);
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

/* Only a call of the target's own could put a file at one of its fd
 * numbers: a lower file copied up stays open on the lower's copy. */
static int tracer_no_replace(struct call *c, int fd, int file, bool cloexec)
{
	(void)c, (void)fd, (void)file, (void)cloexec;
	return -EOPNOTSUPP;
}

static const struct backend_ops tracer_ops = {
	.reply = tracer_reply,
	.valid = tracer_valid,
	.reserve_fd = tracer_no_reservation,
	.replace_fd = tracer_no_replace,
};

/* Dispatch the call tid is stopped in: the request to resume it with
 * (PTRACE_SYSCALL when its exit is to be seen). */
static int handle_seccomp_stop(struct tracer *t, pid_t tid)
{
	struct __ptrace_syscall_info info;
	struct stop stop = { .to_exit = false };
	struct call c = { .ctx = t->ctx, .ops = &tracer_ops, .pid = tid, .redirect = &t->rd,
			  .backend = &stop };
	struct pending *p;

	t->rd.arg = 0;
	t->rd.path[0] = '\0';
	t->rd.script_argc = 0;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info) <= 0 ||
	    info.op != PTRACE_SYSCALL_INFO_SECCOMP)
		return PTRACE_CONT;
	c.nr = (int)info.seccomp.nr;
	memcpy(c.args, info.seccomp.args, sizeof(c.args));
	calls_dispatch(&c);
	if (!stop.to_exit)
		return PTRACE_CONT;
	p = malloc(sizeof(*p));
	if (!p) {
		open_undo(&c); /* the open may still work: the union stays as it was */
		return PTRACE_CONT;
	}
	p->c = c;
	p->c.redirect = NULL;
	p->c.backend = NULL;
	p->next = t->pending;
	t->pending = p;
	return PTRACE_SYSCALL;
}

/* tid's pending open, taken off the list (NULL: none). */
static struct pending *pending_take(struct tracer *t, pid_t tid)
{
	for (struct pending **pp = &t->pending; *pp; pp = &(*pp)->next) {
		struct pending *p = *pp;

		if (p->c.pid == tid) {
			*pp = p->next;
			return p;
		}
	}
	return NULL;
}

/* The exit of an open that changed the union: a failed open takes the
 * change back (no side effect without a result). */
static void handle_syscall_exit(struct tracer *t, pid_t tid)
{
	struct __ptrace_syscall_info info;
	struct pending *p = pending_take(t, tid);

	if (!p)
		return;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info) > 0 &&
	    info.op == PTRACE_SYSCALL_INFO_EXIT && info.exit.is_error)
		open_undo(&p->c);
	free(p);
}

/* tid has just exec'd (the event stop, before the new image runs): the
 * program it runs through a lower's loader, if it does, is now its own. */
static void handle_exec_stop(struct tracer *t, pid_t tid)
{
	unsigned long former = 0;

	if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &former) < 0)
		former = (unsigned long)tid;
	if ((pid_t)former != tid)
		forget(t, (pid_t)former); /* a thread's exec: its tid is gone */
	exe_exec_done(t->ctx, tid, (pid_t)former);
}

/* One stop of tid (status from waitpid): handle it and let tid go on. */
static void handle_stop(struct tracer *t, pid_t tid, int status)
{
	int sig = WSTOPSIG(status), event = status >> 16;

	if (event != PTRACE_EVENT_STOP)
		(void)first_seen(t, tid);
	if (event == PTRACE_EVENT_SECCOMP) {
		(void)ptrace(handle_seccomp_stop(t, tid), tid, 0, 0);
	} else if (event == 0 && sig == (SIGTRAP | 0x80)) {
		handle_syscall_exit(t, tid);
		(void)ptrace(PTRACE_CONT, tid, 0, 0);
	} else if (event == PTRACE_EVENT_STOP) {
		/* a group stop keeps the process stopped, as untraced; the
		 * first stop of a new tracee just goes on */
		if (!first_seen(t, tid) &&
		    (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU))
			(void)ptrace(PTRACE_LISTEN, tid, 0, 0);
		else
			(void)ptrace(PTRACE_CONT, tid, 0, 0);
	} else if (event == PTRACE_EVENT_EXEC) {
		handle_exec_stop(t, tid);
		(void)ptrace(PTRACE_CONT, tid, 0, 0);
	} else if (event) {
		(void)ptrace(PTRACE_CONT, tid, 0, 0); /* fork, vfork, clone */
	} else {
		(void)ptrace(PTRACE_CONT, tid, 0, sig); /* a signal: delivered */
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
	if (r < 0 || !wait_until_ready(t))
		return NULL;
	while (!t->stopping) {
		int status;
		pid_t tid = waitpid(-1, &status, __WALL | __WNOTHREAD);

		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nothing left to trace */
		}
		if (WIFSTOPPED(status)) {
			handle_stop(t, tid, status);
			continue;
		}
		forget(t, tid);
		exe_forget(t->ctx, tid);
		free(pending_take(t, tid)); /* killed in the open: what it made stays */
		if (tid == t->init) {
			t->init_status = status;
			__atomic_store_n(&t->init_exited, true, __ATOMIC_RELEASE);
			kill(getpid(), SIGCHLD); /* the main thread waits on SIGCHLD */
		}
	}
	return NULL;
}

int tracer_start(pid_t init, struct tracer **out)
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
	t->known[(size_t)init % KNOWN_SLOTS] = init; /* seized: no first stop */
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	r = pthread_create(&t->thread, NULL, tracer_main, t);
	if (r) {
		free(t);
		return -r;
	}
	pthread_mutex_lock(&t->lock);
	while (!t->seized)
		pthread_cond_wait(&t->cond, &t->lock);
	r = t->seized < 0 ? t->seized : 0;
	pthread_mutex_unlock(&t->lock);
	if (r < 0) {
		pthread_join(t->thread, NULL);
		free(t);
		return r;
	}
	*out = t;
	return 0;
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
	/* again and again: a signal that lands just before waitpid is lost */
	do
		pthread_kill(t->thread, WAKE_SIGNAL);
	while (!thread_join_within(t->thread, 20));
	while (t->pending)
		free(pending_take(t, t->pending->c.pid));
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	free(t);
}
