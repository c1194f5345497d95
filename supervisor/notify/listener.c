/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The listener loop: worker threads (at most one per core) receive
 * notifications, run the decoder, and send one reply each.  A worker never
 * blocks on the target's behalf (FIFOs are opened by the kernel in the
 * view; without one, an open that may block runs on a thread of its own:
 * "later opens" below), so one slow call cannot stall the rest.  Workers
 * block in RECV itself, which wakes one worker per notification and costs the same however many
 * threads wait.  One worker starts with the sandbox; another starts when a
 * worker takes a call while a second one is already waiting and no other
 * worker is idle (a target that makes one call at a time, as most
 * start-ups do, never pays for a second thread).
 * RECV blocks forever once the target is gone (closing the listener does
 * not wake it): notify_stop, called once init has exited, wakes each
 * worker with a signal until it is joined.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "calls/calls.h"
#include "listener.h"
#include "thread.h"

/* The backend's own state, in the calls' context (ctx->transport). */
struct listener {
	struct call_ctx *ctx;
	int fd;                  /* the seccomp listener */
	size_t notif_size;
	size_t resp_size;
	int placeholder;         /* /dev/null, read-only: holds a reserved fd number */
	pthread_t *workers;
	int nworkers;
	volatile int stopping;
	/* opens that may block, each on a thread of its own (ANSWER_FD_LATER):
	 * how many run, so that notify_stop waits for them */
	pthread_mutex_t later_lock;
	pthread_cond_t later_done;
	int nlater;
};

/* One open that may block: the call (a copy; the worker has moved on),
 * the O_PATH file to open again and the flags to open it with. */
struct later_open {
	struct listener *l;
	struct call c;
	int path_fd;
	int flags;
	bool cloexec;
};

static struct listener *listener_of(struct call *c)
{
	return c->ctx->transport;
}

/* An fd answer: ADDFD with SEND, at the number reserved for it if the
 * call reserved one (SETFD replaces the placeholder in one step, so the
 * target never sees the number free).  0, or the errno of the failure:
 * then what the call changed is undone. */
static int send_fd(struct call *c, const struct answer *ans)
{
	struct seccomp_notif_addfd addfd = {
		.id = c->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND | (c->reserved ? SECCOMP_ADDFD_FLAG_SETFD : 0),
		.srcfd = (__u32)ans->fd,
		.newfd = c->reserved ? (__u32)c->slot : 0,
		.newfd_flags = ans->cloexec ? O_CLOEXEC : 0,
	};
	int r = ioctl(listener_of(c)->fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	int err = errno;

	close(ans->fd);
	if (r >= 0)
		return 0;
	if (c->change.kind != OPEN_CHANGED_NOTHING)
		open_undo(c);
	return err;
}

static int listener_reserve_fd(struct call *c)
{
	struct seccomp_notif_addfd addfd;
	int fd;

	/* once: a call run again after its copy was made (calls_dispatch)
	 * reserved its number in the first run */
	if (c->reserved)
		return 0;
	addfd = (struct seccomp_notif_addfd){
		.id = c->id,
		.srcfd = (__u32)listener_of(c)->placeholder,
		/* an exec by another thread meanwhile ends this call: the new
		 * program must not inherit the placeholder */
		.newfd_flags = O_CLOEXEC,
	};
	fd = ioctl(listener_of(c)->fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);

	if (fd < 0)
		return errno == EBADF ? -EMFILE : errno == ESRCH ? -ENOENT : -errno;
	c->reserved = true;
	c->slot = fd;
	return 0;
}

static bool listener_call_valid(struct call *c)
{
	return ioctl(listener_of(c)->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &c->id) == 0;
}

static int listener_replace_fd(struct call *c, int fd, int file, bool cloexec)
{
	struct seccomp_notif_addfd addfd = {
		.id = c->id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (__u32)file,
		.newfd = (__u32)fd,
		.newfd_flags = cloexec ? O_CLOEXEC : 0,
	};

	return ioctl(listener_of(c)->fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0 ? -errno : 0;
}

static void later_start(struct call *c, struct seccomp_notif_resp *resp,
			const struct answer *ans);

static void send_reply(struct call *c, struct seccomp_notif_resp *resp,
		       const struct answer *ans)
{
	struct answer fallback;

	if (ans->kind == ANSWER_FD_LATER) {
		later_start(c, resp, ans);
		return;
	}
	if (ans->kind == ANSWER_FD) {
		int err = send_fd(c, ans);

		/* ENOENT, ESRCH: the target died or the call was interrupted */
		if (err == 0 || err == ENOENT || err == ESRCH)
			return;
		/* Past RLIMIT_NOFILE the kernel says EBADF; the call says EMFILE.
		 * Never continue after a failed inject. */
		fallback = answer_error(err == EBADF ? EMFILE : err);
		ans = &fallback;
	}
	memset(resp, 0, listener_of(c)->resp_size);
	resp->id = c->id;
	switch (ans->kind) {
	case ANSWER_VALUE:
		resp->val = ans->val;
		break;
	case ANSWER_ERROR:
		resp->error = -(int)ans->val;
		break;
	case ANSWER_CONTINUE:
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		break;
	case ANSWER_FD:
	case ANSWER_FD_LATER:
		break;
	}
	/* ENOENT: the target died or the call was interrupted; nothing to do. */
	(void)ioctl(listener_of(c)->fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

/*
 * SYNC_WAKE_UP wakes the worker on the notifying CPU, and the reply then
 * wakes the target on the worker's: for one process making one call at a
 * time that is the 5 us round trip (54 us without it, the other CPU woken
 * from halt).  But when processes on two CPUs make calls, every wake-up
 * pulls work onto the waker's CPU and the scheduler keeps herding them
 * onto one (make -j2 kept 1.25 of 2 CPUs busy, the same wall time as
 * -j1).  So the flag is on while calls come one at a time, off from the
 * first call that overlaps another, and on again after a quiet spell
 * without overlap.  Flips are rare (phases of a build), so a mutex orders
 * them: the last ioctl is always the last decision.
 */
#define SYNC_QUIET_NS (20 * 1000 * 1000LL)

static struct {
	pthread_mutex_t lock;
	bool usable;           /* the kernel took the flag at start */
	bool on;               /* read unlocked as a hint */
	int inflight;          /* atomic: calls taken and not yet answered */
	long long last_overlap_ns; /* atomic */
} wake = { .lock = PTHREAD_MUTEX_INITIALIZER };

static long long monotonic_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void set_sync_wake(struct listener *l, bool on)
{
	pthread_mutex_lock(&wake.lock);
	if (wake.on != on &&
	    ioctl(l->fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
		  on ? SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP : 0) == 0)
		__atomic_store_n(&wake.on, on, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&wake.lock);
}

/* Called by a worker that has just taken a call. */
static void call_taken(struct listener *l)
{
	int others = __atomic_fetch_add(&wake.inflight, 1, __ATOMIC_RELAXED);
	bool on;
	long long now;

	if (!wake.usable)
		return;
	on = __atomic_load_n(&wake.on, __ATOMIC_RELAXED);
	if (others > 0) {
		__atomic_store_n(&wake.last_overlap_ns, monotonic_ns(), __ATOMIC_RELAXED);
		if (on)
			set_sync_wake(l, false);
		return;
	}
	if (on)
		return;
	now = monotonic_ns();
	if (now - __atomic_load_n(&wake.last_overlap_ns, __ATOMIC_RELAXED) > SYNC_QUIET_NS)
		set_sync_wake(l, true);
}

static void call_answered(void)
{
	__atomic_sub_fetch(&wake.inflight, 1, __ATOMIC_RELAXED);
}

/* The backend's answer: the in-flight count drops before the reply, whose
 * wake-up may let the target's next call reach another worker first. */
static void listener_reply(struct call *c, const struct answer *ans)
{
	call_answered();
	send_reply(c, c->backend, ans);
}

/* ------------------------------------------------------- later opens */

static void later_count(struct listener *l, int change)
{
	pthread_mutex_lock(&l->later_lock);
	l->nlater += change;
	pthread_cond_broadcast(&l->later_done);
	pthread_mutex_unlock(&l->later_lock);
}

/* The kernel's "restart this call" (include/linux/errno.h): answered to
 * a call that waits while a signal came, it runs the handler and then
 * restarts the call or fails it with EINTR as SA_RESTART says, or ends
 * the process, exactly as for a wait of the kernel's own. */
#define ERESTARTSYS 512

/* Whether the target has a signal pending that it neither blocks nor
 * ignores.  While the supervisor keeps it waiting in the call, a signal
 * cannot end the wait unless it is SIGKILL (the wait is killable only,
 * and a traced process's fatal signals are not turned into SIGKILL). */
static bool signal_waiting(pid_t tid)
{
	long pending = 0, shared = 0, blocked = 0, ignored = 0;
	const struct proc_field fields[] = {
		{ "SigPnd:", 16, &pending },
		{ "ShdPnd:", 16, &shared },
		{ "SigBlk:", 16, &blocked },
		{ "SigIgn:", 16, &ignored },
	};

	if (proc_fields(tid, "status", fields, 4) < 0)
		return false;
	return ((unsigned long)(pending | shared) & ~(unsigned long)(blocked | ignored)) != 0;
}

/* Whether a later open is to stop waiting: its call went away
 * (-ECANCELED), or a signal is to be delivered (-ERESTARTSYS); else 0. */
static int wait_ended(struct later_open *lo)
{
	if (!call_valid(&lo->c))
		return -ECANCELED;
	return signal_waiting(lo->c.pid) ? -ERESTARTSYS : 0;
}

/* Open the FIFO at path as the target's open would, without ever
 * blocking here: a writer's open is retried until a reader is there
 * (ENXIO before); a reader's end is opened at once and handed over once
 * a writer has come (it wrote, or came and went), so that a read before
 * then does not see end-of-file.  The wait ends early for a signal
 * (-ERESTARTSYS) or a call that went away (-ECANCELED). */
static int later_fifo_open(struct later_open *lo, const char *path)
{
	int access = lo->flags & O_ACCMODE;
	int fd = access == O_WRONLY ? -1 : open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int pause_ms = 1, err;

	if (access != O_WRONLY && fd < 0)
		return -errno;
	for (;;) {
		if (access == O_WRONLY) {
			fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0)
				break;
			if (errno != ENXIO)
				return -errno;
			poll(NULL, 0, pause_ms);
		} else {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (poll(&p, 1, pause_ms) > 0 && (p.revents & (POLLIN | POLLHUP)))
				break;
		}
		err = wait_ended(lo);
		if (err < 0) {
			if (fd >= 0)
				close(fd);
			return err;
		}
		if (pause_ms < 50)
			pause_ms *= 2;
	}
	/* the caller's own flags from here: it asked for a blocking file */
	if (fcntl(fd, F_SETFL, lo->flags & ~O_ACCMODE) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void *later_main(void *arg)
{
	struct later_open *lo = arg;
	struct seccomp_notif_resp *resp = calloc(1, lo->l->resp_size);
	char path[64];
	struct answer ans;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", lo->path_fd);
	fd = later_fifo_open(lo, path);
	ans = fd < 0 ? answer_error(-fd) : answer_fd(fd, lo->cloexec);
	if (resp && fd != -ECANCELED)
		send_reply(&lo->c, resp, &ans);
	else if (fd >= 0)
		close(fd);
	free(resp);
	close(lo->path_fd);
	later_count(lo->l, -1);
	free(lo);
	return NULL;
}

/* Start ans (ANSWER_FD_LATER) on a thread of its own; on failure the
 * call is answered here with the error. */
static void later_start(struct call *c, struct seccomp_notif_resp *resp, const struct answer *ans)
{
	struct listener *l = listener_of(c);
	struct later_open *lo = malloc(sizeof(*lo));
	struct answer failed;
	pthread_attr_t attr;
	pthread_t thread;
	int r = ENOMEM;

	if (lo) {
		*lo = (struct later_open){ .l = l, .c = *c, .path_fd = ans->fd, .flags = (int)ans->val,
					   .cloexec = ans->cloexec };
		lo->c.backend = NULL;
		later_count(l, 1);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		r = pthread_create(&thread, &attr, later_main, lo);
		pthread_attr_destroy(&attr);
		if (r == 0)
			return;
		later_count(l, -1);
		free(lo);
	}
	close(ans->fd);
	failed = answer_error(r == EAGAIN ? EAGAIN : ENOMEM);
	send_reply(c, resp, &failed);
}

/* At the end: the sandbox's tasks are gone, so every open still waiting
 * sees its call go away within a poll; wait for their threads. */
static void later_wait_all(struct listener *l)
{
	pthread_mutex_lock(&l->later_lock);
	while (l->nlater > 0)
		pthread_cond_wait(&l->later_done, &l->later_lock);
	pthread_mutex_unlock(&l->later_lock);
}

static const struct backend_ops listener_ops;

static void handle_one(struct listener *l, struct seccomp_notif *req,
		       struct seccomp_notif_resp *resp)
{
	struct call c = {
		.ctx = l->ctx, .ops = &listener_ops, .nr = req->data.nr, .id = req->id,
		.pid = (pid_t)req->pid, .backend = resp,
	};

	memcpy(c.args, req->data.args, sizeof(c.args));
	calls_dispatch(&c);
}

/* The kernel says POLLHUP once no task uses the filter any more. */
static bool listener_hung_up(int listener)
{
	struct pollfd p = { .fd = listener, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

/* The workers started so far (l->nworkers of at most max, and one more
 * beside a long copy: listener_defer) and those waiting in RECV; one
 * sandbox per supervisor. */
static struct {
	pthread_mutex_t lock;  /* held to add a worker, and by notify_stop */
	int max;
	int idle;              /* atomic */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *worker_main(void *arg);

/* 0 or the error of pthread_create (a pool already full, or stopping, is
 * 0); up to max, or max + 1 with spare. */
static int add_worker(struct listener *l, bool spare)
{
	int r = 0;

	pthread_mutex_lock(&pool.lock);
	if (!l->stopping && l->nworkers < pool.max + (spare ? 1 : 0)) {
		r = pthread_create(&l->workers[l->nworkers], NULL, worker_main, l);
		if (r == 0) /* read unlocked by grow_if_backed_up */
			__atomic_store_n(&l->nworkers, l->nworkers + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&pool.lock);
	return r;
}

/* Called by a worker that has just taken a call: when no other worker
 * waits in RECV and a call is already queued behind this one, calls
 * overlap and another worker is due.  The poll is paid only until the
 * pool is full. */
static void grow_if_backed_up(struct listener *l)
{
	struct pollfd p = { .fd = l->fd, .events = POLLIN };

	if (__atomic_load_n(&l->nworkers, __ATOMIC_ACQUIRE) >= pool.max ||
	    __atomic_load_n(&pool.idle, __ATOMIC_RELAXED) > 0)
		return;
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
		(void)add_worker(l, false); /* on failure the workers there carry on */
}

#define WAKE_SIGNAL (SIGRTMIN + 1)

static void wake_handler(int sig)
{
	(void)sig; /* only here to interrupt RECV */
}

static void *worker_main(void *arg)
{
	struct listener *l = arg;
	struct seccomp_notif *req = malloc(l->notif_size);
	struct seccomp_notif_resp *resp = malloc(l->resp_size);
	sigset_t wake;

	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);

	if (!req || !resp) {
		fprintf(stderr, "veneer: worker: out of memory\n");
		free(req);
		free(resp);
		return NULL;
	}
	while (!l->stopping) {
		/* No poll() first: the kernel's poll of a listener walks every
		 * waiting notification under its lock, so with thousands of
		 * threads waiting each call paid for all of them. */
		int got;

		memset(req, 0, l->notif_size);
		__atomic_add_fetch(&pool.idle, 1, __ATOMIC_RELAXED);
		got = ioctl(l->fd, SECCOMP_IOCTL_NOTIF_RECV, req);
		__atomic_sub_fetch(&pool.idle, 1, __ATOMIC_RELAXED);
		if (got < 0) {
			/* ENOENT: a call went away (a signal), or every task of
			 * the sandbox did: then RECV fails at once for ever, and
			 * retrying spun both workers through the sandbox's
			 * teardown (half of `veneer run -- true`'s time) */
			if (errno == ENOENT && listener_hung_up(l->fd))
				break;
			if ((errno == EINTR || errno == ENOENT) && !l->stopping)
				continue;
			break; /* the listener is gone: the sandbox is over */
		}
		call_taken(l);
		grow_if_backed_up(l);
		handle_one(l, req, resp);
	}
	free(req);
	free(resp);
	return NULL;
}

/* A long copy (calls_dispatch) is made by the worker that took its call,
 * the target waiting in the call anyway: what matters is that the other
 * calls find a worker meanwhile, which they might not (a second one is
 * started only when calls queue while it takes one): one is started now
 * if none waits in RECV, past the pool's size if it must. */
static int listener_defer(struct call *c, const struct vn_precopy *pc)
{
	(void)pc;
	if (__atomic_load_n(&pool.idle, __ATOMIC_RELAXED) == 0)
		(void)add_worker(listener_of(c), true);
	return -EAGAIN; /* not taken: made on this thread */
}

static const struct backend_ops listener_ops = {
	.reply = listener_reply,
	.valid = listener_call_valid,
	.reserve_fd = listener_reserve_fd,
	.replace_fd = listener_replace_fd,
	.defer = listener_defer,
};

int notify_start(struct call_ctx *ctx, int listener, int nworkers)
{
	struct seccomp_notif_sizes sizes;
	struct sigaction sa = { .sa_handler = wake_handler };
	struct listener *l;
	int r;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return -errno;
	sigemptyset(&sa.sa_mask);
	if (sigaction(WAKE_SIGNAL, &sa, NULL) < 0)
		return -errno;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->ctx = ctx;
	pthread_mutex_init(&l->later_lock, NULL);
	pthread_cond_init(&l->later_done, NULL);
	l->fd = listener;
	l->notif_size = sizes.seccomp_notif > sizeof(struct seccomp_notif)
				? sizes.seccomp_notif : sizeof(struct seccomp_notif);
	l->resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)
			       ? sizes.seccomp_notif_resp : sizeof(struct seccomp_notif_resp);
	l->workers = calloc((size_t)nworkers + 1, sizeof(*l->workers));
	/* what holds a reserved fd number: nothing to read, no data kept */
	l->placeholder = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!l->workers || l->placeholder < 0) {
		int err = l->workers ? -errno : -ENOMEM;

		if (l->placeholder >= 0)
			close(l->placeholder);
		free(l->workers);
		free(l);
		return err;
	}
	ctx->transport = l;
	/* Wake the worker on the target's core (6.6+); older kernels say no. */
	wake.usable = ioctl(l->fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
			    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
	wake.on = wake.usable;
	wake.inflight = 0;
	wake.last_overlap_ns = 0;
	pool.max = nworkers;
	pool.idle = 0;
	r = add_worker(l, false);
	if (r) {
		notify_stop(ctx);
		return -r;
	}
	return 0;
}

void notify_stop(struct call_ctx *ctx)
{
	struct listener *l = ctx->transport;

	if (!l)
		return;
	/* under the pool's lock: no worker is added from here on */
	pthread_mutex_lock(&pool.lock);
	l->stopping = 1;
	pthread_mutex_unlock(&pool.lock);
	for (int i = 0; i < l->nworkers; i++) {
		/* again and again, and to every worker not yet joined: a signal
		 * that lands just before RECV is lost, and the worker joined
		 * may be waiting for the union lock another one holds */
		do {
			for (int j = i; j < l->nworkers; j++)
				pthread_kill(l->workers[j], WAKE_SIGNAL);
		} while (!thread_join_within(l->workers[i], 20));
	}
	later_wait_all(l);
	pthread_mutex_destroy(&l->later_lock);
	pthread_cond_destroy(&l->later_done);
	close(l->placeholder);
	free(l->workers);
	free(l);
	ctx->transport = NULL;
}
