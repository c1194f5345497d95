/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tracer thread of ptrace assist (assist.h).  Only this thread issues
 * ptrace requests (the kernel's rule: the tracer is a thread), and it
 * waits only for its own tracees (__WNOTHREAD), so the main thread's
 * wait for init, which it forked, is not disturbed.  Stops:
 *   seccomp      a redirected call: dispatched like a notification, then
 *                continued at the decoders' real path, or skipped with
 *                their answer (number -1, result in rax)
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
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "assist.h"
#include "calls/calls.h"
#include "redirect.h"
#include "thread.h"

/* The tracees seen so far: a new one's first stop (the auto-attach's
 * PTRACE_EVENT_STOP, SIGSTOP) looks like a group stop, and only its
 * novelty tells them apart (strace does the same). */
#define KNOWN_SLOTS 65536
#define SLOT_FREE 0
#define SLOT_GONE (-1)

struct assist {
	pid_t known[KNOWN_SLOTS]; /* open addressing; only the tracer touches it */
	pthread_t thread;
	pid_t init;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int seized;              /* 0 not yet, 1 done, -errno failed */
	struct call_ctx *ctx;    /* set by assist_ready */
	volatile int stopping;
	/* init's wait status, which this thread reaps: a tracer in its real
	 * parent's thread group collects the exit itself */
	int init_status;
	bool init_exited;        /* atomic */
};

#define WAKE_SIGNAL (SIGRTMIN + 2)

static void wake_handler(int sig)
{
	(void)sig; /* only here to interrupt waitpid */
}

static size_t known_slot(const struct assist *a, pid_t tid, bool *found)
{
	size_t i = (size_t)tid % KNOWN_SLOTS, free_at = KNOWN_SLOTS;

	for (size_t n = 0; n < KNOWN_SLOTS; n++, i = (i + 1) % KNOWN_SLOTS) {
		if (a->known[i] == tid) {
			*found = true;
			return i;
		}
		if (a->known[i] == SLOT_GONE && free_at == KNOWN_SLOTS)
			free_at = i;
		if (a->known[i] == SLOT_FREE)
			break;
	}
	*found = false;
	return free_at < KNOWN_SLOTS ? free_at : i;
}

/* Note tid as seen: whether it was new. */
static bool first_seen(struct assist *a, pid_t tid)
{
	bool found;
	size_t i = known_slot(a, tid, &found);

	if (!found && (a->known[i] == SLOT_FREE || a->known[i] == SLOT_GONE))
		a->known[i] = tid;
	return !found;
}

static void forget(struct assist *a, pid_t tid)
{
	bool found;
	size_t i = known_slot(a, tid, &found);

	if (found)
		a->known[i] = SLOT_GONE;
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

static void assist_reply(struct call *c, const struct answer *ans)
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
		/* no redirected call answers with an fd */
		close(ans->fd);
		(void)skip_call(c->pid, -EIO);
		return;
	}
}

/* The tracee is stopped in the call: nothing it reads can change under us
 * but by another of its threads, as with any path the kernel reads. */
static bool assist_valid(struct call *c)
{
	(void)c;
	return true;
}

static int assist_no_fd(struct call *c)
{
	(void)c;
	return -EOPNOTSUPP;
}

static int assist_no_replace(struct call *c, int fd, int file, bool cloexec)
{
	(void)c, (void)fd, (void)file, (void)cloexec;
	return -EOPNOTSUPP;
}

static const struct backend_ops assist_ops = {
	.reply = assist_reply,
	.valid = assist_valid,
	.reserve_fd = assist_no_fd,
	.replace_fd = assist_no_replace,
};

static void handle_seccomp_stop(struct assist *a, pid_t tid)
{
	struct __ptrace_syscall_info info;
	struct redirect rd = { .path = "", .script_argc = 0 };
	struct call c = { .ctx = a->ctx, .ops = &assist_ops, .pid = tid, .redirect = &rd };

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info) <= 0 ||
	    info.op != PTRACE_SYSCALL_INFO_SECCOMP)
		return;
	c.nr = (int)info.seccomp.nr;
	memcpy(c.args, info.seccomp.args, sizeof(c.args));
	calls_dispatch(&c);
}

/* tid has just exec'd (the event stop, before the new image runs): the
 * program it runs through a lower's loader, if it does, is now its own. */
static void handle_exec_stop(struct assist *a, pid_t tid)
{
	unsigned long former = 0;

	if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &former) < 0)
		former = (unsigned long)tid;
	if ((pid_t)former != tid)
		forget(a, (pid_t)former); /* a thread's exec: its tid is gone */
	exe_exec_done(a->ctx, tid, (pid_t)former);
}

/* One stop of tid (status from waitpid): handle it and let tid go on. */
static void handle_stop(struct assist *a, pid_t tid, int status)
{
	int sig = WSTOPSIG(status), event = status >> 16;

	if (event != PTRACE_EVENT_STOP)
		(void)first_seen(a, tid);
	if (event == PTRACE_EVENT_SECCOMP) {
		handle_seccomp_stop(a, tid);
		(void)ptrace(PTRACE_CONT, tid, 0, 0);
	} else if (event == PTRACE_EVENT_STOP) {
		/* a group stop keeps the process stopped, as untraced; the
		 * first stop of a new tracee just goes on */
		if (!first_seen(a, tid) &&
		    (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU))
			(void)ptrace(PTRACE_LISTEN, tid, 0, 0);
		else
			(void)ptrace(PTRACE_CONT, tid, 0, 0);
	} else if (event == PTRACE_EVENT_EXEC) {
		handle_exec_stop(a, tid);
		(void)ptrace(PTRACE_CONT, tid, 0, 0);
	} else if (event) {
		(void)ptrace(PTRACE_CONT, tid, 0, 0); /* fork, vfork, clone */
	} else {
		(void)ptrace(PTRACE_CONT, tid, 0, sig); /* a signal: delivered */
	}
}

static bool wait_until_ready(struct assist *a)
{
	pthread_mutex_lock(&a->lock);
	while (!a->ctx && !a->stopping)
		pthread_cond_wait(&a->cond, &a->lock);
	pthread_mutex_unlock(&a->lock);
	return !a->stopping;
}

static void *assist_main(void *arg)
{
	struct assist *a = arg;
	long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		    PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
	sigset_t wake;
	int r = ptrace(PTRACE_SEIZE, a->init, 0, opts) < 0 ? -errno : 1;

	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	pthread_mutex_lock(&a->lock);
	a->seized = r;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	if (r < 0 || !wait_until_ready(a))
		return NULL;
	while (!a->stopping) {
		int status;
		pid_t tid = waitpid(-1, &status, __WALL | __WNOTHREAD);

		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nothing left to trace */
		}
		if (WIFSTOPPED(status)) {
			handle_stop(a, tid, status);
			continue;
		}
		forget(a, tid);
		exe_forget(a->ctx, tid);
		if (tid == a->init) {
			a->init_status = status;
			__atomic_store_n(&a->init_exited, true, __ATOMIC_RELEASE);
			kill(getpid(), SIGCHLD); /* the main thread waits on SIGCHLD */
		}
	}
	return NULL;
}

int assist_start(pid_t init, struct assist **out)
{
	struct sigaction sa = { .sa_handler = wake_handler };
	struct assist *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	sigemptyset(&sa.sa_mask);
	if (sigaction(WAKE_SIGNAL, &sa, NULL) < 0) {
		free(a);
		return -errno;
	}
	a->init = init;
	a->known[(size_t)init % KNOWN_SLOTS] = init; /* seized: no first stop */
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	r = pthread_create(&a->thread, NULL, assist_main, a);
	if (r) {
		free(a);
		return -r;
	}
	pthread_mutex_lock(&a->lock);
	while (!a->seized)
		pthread_cond_wait(&a->cond, &a->lock);
	r = a->seized < 0 ? a->seized : 0;
	pthread_mutex_unlock(&a->lock);
	if (r < 0) {
		pthread_join(a->thread, NULL);
		free(a);
		return r;
	}
	*out = a;
	return 0;
}

void assist_ready(struct assist *a, struct call_ctx *ctx)
{
	pthread_mutex_lock(&a->lock);
	a->ctx = ctx;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

bool assist_init_exited(struct assist *a, int *status)
{
	if (!a || !__atomic_load_n(&a->init_exited, __ATOMIC_ACQUIRE))
		return false;
	*status = a->init_status;
	return true;
}

void assist_stop(struct assist *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stopping = 1;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	/* again and again: a signal that lands just before waitpid is lost */
	do
		pthread_kill(a->thread, WAKE_SIGNAL);
	while (!thread_join_within(a->thread, 20));
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	free(a);
}
