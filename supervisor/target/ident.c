/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Presented identities.  The target's processes all run as the one id our
 * user namespace maps (the root inside), so the kernel cannot change who
 * they are.  When ownership is presented, the set*id family is emulated
 * (calls/sys_ident.c, with the kernel's rules) on the identities kept here;
 * the union core checks permissions and gives new files' owners by the
 * identity of the calling thread (vn_set_cred).
 *
 * A thread's identity is kept by its tid.  One never seen before inherits
 * from its thread group, else from its nearest known ancestor (fork and
 * clone copy credentials; exec keeps them); with nothing known, it is the
 * root inside (or the user an image runs as: call_ctx's start_cred).  A pidfd per entry tells a reused tid from the old thread;
 * they are held within a budget (half the supervisor's fd limit, raised
 * to its hard limit for them), so that thousands of threads cannot starve
 * the supervisor of fds; past it, or where the kernel has no thread
 * pidfds (before 6.9), the thread's start time in /proc tells instead.
 *
 * What an exec does to the identity is not applied at the exec call: the
 * kernel reads the path again when it runs the call, and a second thread
 * may have rewritten it by then.  The change waits, on the entry of the
 * thread group's leader (whose tid the process has after a successful
 * exec), until a thread of that process is next seen: if the process
 * image was replaced meanwhile (the 16 random bytes the kernel gives
 * every new image, AT_RANDOM, differ), the change is applied, with the
 * set-id bits only when the image runs the very file that was checked
 * (/proc/PID/exe: device, inode and times); if the image is the same,
 * the exec failed (its caller is back, or gone) and the change is
 * dropped.  Until then other threads of the old image keep their own.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "target.h"

#define IDENT_BUCKETS 8192
#define ANCESTRY_MAX 64

/* A process image, as far as an exec changes it. */
struct exec_image {
	bool has_random;
	unsigned char random[16];   /* AT_RANDOM: new with every exec */
	bool has_exe;
	struct stat exe;            /* /proc/PID/exe: the file it runs */
};

/* An exec called but not yet seen to happen. */
struct exec_pending {
	pid_t caller;               /* the thread that called it */
	struct vn_cred before;      /* its identity at the call */
	bool has_file;              /* a union file was checked: */
	struct stat file;           /* presented owner and mode, real dev/ino/times */
	struct exec_image image;    /* the image that called */
};

struct ident {
	pid_t tid;
	int pidfd;              /* readable once the thread is gone; -1: none */
	unsigned long long start;   /* without a pidfd: its start time (0: unknown) */
	struct vn_cred cred;
	struct exec_pending *exec;  /* on a leader: its process's exec */
	pid_t exec_leader;      /* on a non-leader that called exec: where it waits */
	struct ident *next;
};

struct ident_table {
	pthread_mutex_t lock;
	struct ident *buckets[IDENT_BUCKETS];
	size_t count;
	size_t since_sweep;
	size_t pidfds, pidfd_budget;
};

int ident_table_new(struct call_ctx *ctx)
{
	struct ident_table *t = calloc(1, sizeof(*t));
	struct rlimit rl;

	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	/* the target runs already: a higher limit is the supervisor's alone */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl); /* else the budget is smaller */
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		t->pidfd_budget = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : rl.rlim_cur / 2;
	ctx->idents = t;
	return 0;
}

static void ident_free(struct ident_table *t, struct ident *e)
{
	if (e->pidfd >= 0) {
		close(e->pidfd);
		t->pidfds--;
	}
	free(e->exec);
	free(e);
}

void ident_table_free(struct call_ctx *ctx)
{
	struct ident_table *t = ctx->idents;

	if (!t)
		return;
	for (size_t i = 0; i < IDENT_BUCKETS; i++)
		while (t->buckets[i]) {
			struct ident *e = t->buckets[i];

			t->buckets[i] = e->next;
			ident_free(t, e);
		}
	pthread_mutex_destroy(&t->lock);
	free(t);
	ctx->idents = NULL;
}

/* When thread tid started (field 22 of its stat), 0 if it is gone. */
static unsigned long long thread_start(pid_t tid)
{
	char path[64], buf[512];
	unsigned long long start = 0;
	const char *p;
	ssize_t n;
	int fd;

	/* the thread's own (/proc/TID/stat sums over every thread of its
	 * process: its cost grows with them) */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", tid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* after the name, which may hold anything: state is field 3 */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
			 &start) != 1)
		return 0;
	return start;
}

static bool ident_gone(const struct ident *e)
{
	struct pollfd p = { .fd = e->pidfd, .events = POLLIN };

	if (e->pidfd >= 0)
		return poll(&p, 1, 0) > 0;
	return e->start && thread_start(e->tid) != e->start;
}

/* Unlink and free every entry whose thread has exited, now and then
 * (after every 1024 new entries), when no entry is in use. */
static void ident_sweep_due(struct ident_table *t)
{
	if (t->since_sweep < 1024)
		return;
	for (size_t i = 0; i < IDENT_BUCKETS; i++)
		for (struct ident **pp = &t->buckets[i]; *pp;) {
			struct ident *e = *pp;

			if (ident_gone(e)) {
				*pp = e->next;
				ident_free(t, e);
				__atomic_sub_fetch(&t->count, 1, __ATOMIC_RELAXED);
			} else {
				pp = &e->next;
			}
		}
	t->since_sweep = 0;
}

/* The entry of tid, live or not. */
static struct ident *ident_lookup(struct ident_table *t, pid_t tid)
{
	for (struct ident *e = t->buckets[(unsigned)tid % IDENT_BUCKETS]; e; e = e->next)
		if (e->tid == tid)
			return e;
	return NULL;
}

/* The live entry of tid (a stale one is dropped). */
static struct ident *ident_find(struct ident_table *t, pid_t tid)
{
	for (struct ident **pp = &t->buckets[(unsigned)tid % IDENT_BUCKETS]; *pp; pp = &(*pp)->next) {
		struct ident *e = *pp;

		if (e->tid != tid)
			continue;
		if (!ident_gone(e))
			return e;
		*pp = e->next;
		ident_free(t, e);
		__atomic_sub_fetch(&t->count, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	return NULL;
}

static struct ident *ident_add(struct ident_table *t, pid_t tid, const struct vn_cred *cred)
{
	struct ident *e = malloc(sizeof(*e));

	if (!e)
		return NULL;
	e->tid = tid;
	e->cred = *cred;
	e->exec = NULL;
	e->exec_leader = 0;
	e->start = 0;
	e->pidfd = -1;
	if (t->pidfds < t->pidfd_budget) {
		e->pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
		if (e->pidfd < 0)
			e->pidfd = (int)syscall(SYS_pidfd_open, tid, 0);
	}
	if (e->pidfd >= 0)
		t->pidfds++;
	else
		e->start = thread_start(tid);
	e->next = t->buckets[(unsigned)tid % IDENT_BUCKETS];
	t->buckets[(unsigned)tid % IDENT_BUCKETS] = e;
	__atomic_add_fetch(&t->count, 1, __ATOMIC_RELAXED);
	t->since_sweep++;
	return e;
}

/* Tgid and PPid of a thread, from /proc. */
static int proc_parents(pid_t tid, pid_t *tgid, pid_t *ppid)
{
	long group, parent;
	const struct proc_field fields[] = { { "Tgid:", 10, &group }, { "PPid:", 10, &parent } };
	int r = proc_fields(tid, "status", fields, 2);

	if (r < 0)
		return r;
	*tgid = (pid_t)group;
	*ppid = (pid_t)parent;
	return 0;
}

/* ------------------------------------------------ exec, applied late */

/* What exec does to identity cr (the kernel's cap_bprm_creds_from_file):
 * the set-id bits of st (NULL: no file of ours), the saved and file-system
 * ids following the effective ones; root (a real or effective uid of 0)
 * gets every capability of the bounding set, anyone else none (no file
 * capabilities); PR_SET_KEEPCAPS is forgotten.  false: nothing changes. */
static bool exec_cred(struct vn_cred *cr, const struct stat *st)
{
	const struct vn_cred old = *cr;

	if (st && (st->st_mode & S_ISUID))
		cr->euid = st->st_uid;
	if (st && (st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP))
		cr->egid = st->st_gid;
	cr->suid = cr->fsuid = cr->euid;
	cr->sgid = cr->fsgid = cr->egid;
	cr->cap_permitted = cr->ruid == 0 || cr->euid == 0 ? cr->cap_bounding : 0;
	cr->cap_effective = cr->euid == 0 ? cr->cap_permitted : 0;
	cr->keepcaps = false;
	return cr->euid != old.euid || cr->suid != old.suid || cr->fsuid != old.fsuid ||
	       cr->egid != old.egid || cr->sgid != old.sgid || cr->fsgid != old.fsgid ||
	       cr->cap_permitted != old.cap_permitted || cr->cap_effective != old.cap_effective ||
	       old.keepcaps;
}

/* The image the caller's process runs: the random bytes the kernel put
 * on its first stack (AT_RANDOM, 16 new ones at every exec) and its
 * executable. */
static void exec_image_read(struct call *c, struct exec_image *im)
{
	unsigned long auxv[128];
	char path[64];
	ssize_t n;
	int fd;

	memset(im, 0, sizeof(*im));
	snprintf(path, sizeof(path), "/proc/%d/exe", c->pid);
	im->has_exe = stat(path, &im->exe) == 0;
	snprintf(path, sizeof(path), "/proc/%d/auxv", c->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, auxv, sizeof(auxv));
	close(fd);
	for (size_t i = 0; n > 0 && i + 1 < (size_t)n / sizeof(auxv[0]) && auxv[i] != AT_NULL; i += 2)
		if (auxv[i] == AT_RANDOM) {
			im->has_random = target_read(c, auxv[i + 1], im->random, sizeof(im->random)) == 0;
			break;
		}
}

static bool same_image(const struct exec_image *before, const struct exec_image *now)
{
	if (before->has_random && now->has_random)
		return memcmp(before->random, now->random, sizeof(before->random)) == 0;
	/* the bytes unmapped: only an exec of another file tells */
	return !before->has_exe || !now->has_exe ||
	       (before->exe.st_dev == now->exe.st_dev && before->exe.st_ino == now->exe.st_ino);
}

/* The image runs the file checked at the exec call, unchanged since. */
static bool runs_file(const struct exec_image *im, const struct stat *file)
{
	const struct stat *x = &im->exe;

	return im->has_exe && x->st_dev == file->st_dev && x->st_ino == file->st_ino &&
	       x->st_mtim.tv_sec == file->st_mtim.tv_sec &&
	       x->st_mtim.tv_nsec == file->st_mtim.tv_nsec &&
	       x->st_ctim.tv_sec == file->st_ctim.tv_sec && x->st_ctim.tv_nsec == file->st_ctim.tv_nsec;
}

/*
 * Leader l's process has an exec pending and c's caller is seen: a thread
 * of that process (in_group), or a process that inherits from it.  A new
 * image gets the identity the exec gives, with the set-id bits only when
 * it runs the file checked; the old image, seen by the exec's caller (back
 * from a failed exec) or with that caller gone, drops it; anyone else of
 * the old image (the exec still running, or a child made before it) keeps
 * the old identity and the change waits.
 */
static void exec_settle(struct call *c, struct ident_table *t, struct ident *l,
			bool in_group)
{
	struct exec_pending *p = l->exec;
	struct exec_image now;

	exec_image_read(c, &now);
	if (!same_image(&p->image, &now)) {
		struct vn_cred cred = p->before;

		exec_cred(&cred, p->has_file && runs_file(&now, &p->file) ? &p->file : NULL);
		l->cred = cred;
	} else if (!in_group) {
		return;
	} else if (c->pid != p->caller) {
		struct ident *caller = p->caller == l->tid ? l : ident_lookup(t, p->caller);

		if (caller && !ident_gone(caller))
			return;
	}
	free(p);
	l->exec = NULL;
}

/* Entry e of the caller: settle what its process's exec left pending. */
static void exec_settle_own(struct call *c, struct ident_table *t, struct ident *e)
{
	if (e->exec)
		exec_settle(c, t, e, true);
	if (e->exec_leader) {
		/* a non-leader that called exec, back: it failed */
		struct ident *l = ident_lookup(t, e->exec_leader);

		if (l && l->exec && l->exec->caller == c->pid)
			exec_settle(c, t, l, true);
		e->exec_leader = 0;
	}
}

/* The entry of an ancestor (or leader) of c's caller, settled. */
static struct ident *ident_find_settled(struct call *c, struct ident_table *t, pid_t tid,
					bool in_group)
{
	struct ident *e = ident_find(t, tid);

	if (e && e->exec)
		exec_settle(c, t, e, in_group);
	return e;
}

/* Who a process is when nothing is known of it: the root inside, or
 * the user an image runs as. */
static void ident_start(const struct call_ctx *ctx, struct vn_cred *cred)
{
	if (ctx->has_start_cred)
		*cred = ctx->start_cred;
	else
		vn_cred_root(cred, ctx->root_caps);
}

/* What thread tid, seen for the first time, inherited (c: the call that
 * sees it, of tid's process). */
static void ident_inherited(struct call *c, struct ident_table *t, pid_t tid,
			    struct vn_cred *cred)
{
	struct call_ctx *ctx = c->ctx;
	pid_t cur = tid;

	ident_start(ctx, cred);
	for (int depth = 0; depth < ANCESTRY_MAX; depth++) {
		pid_t tgid, ppid;
		struct ident *e;

		if (proc_parents(cur, &tgid, &ppid) < 0)
			return;
		e = tgid != cur ? ident_find_settled(c, t, tgid, depth == 0) : NULL;
		if (!e && ppid > 1 && ppid != ctx->init_pid)
			e = ident_find_settled(c, t, ppid, false);
		if (e) {
			*cred = e->cred;
			return;
		}
		/* init's parent (without a pid namespace: the supervisor, and
		 * init is the target) is outside */
		if (ppid <= 1 || ppid == ctx->init_pid || cur == ctx->init_pid)
			return;
		cur = ppid;
	}
}

void ident_begin(struct call *c)
{
	struct ident_table *t = c->ctx->idents;
	struct ident *e;

	/* nobody changed identity yet (every call until someone does): the
	 * one every process starts as, without the lock */
	if (__atomic_load_n(&t->count, __ATOMIC_RELAXED) == 0) {
		ident_start(c->ctx, &c->cred);
		vn_set_cred(&c->cred);
		return;
	}
	pthread_mutex_lock(&t->lock);
	if (t->count == 0) {
		ident_start(c->ctx, &c->cred);
	} else if ((e = ident_find(t, c->pid))) {
		exec_settle_own(c, t, e);
		c->cred = e->cred;
	} else {
		ident_inherited(c, t, c->pid, &c->cred);
		ident_add(t, c->pid, &c->cred);
	}
	ident_sweep_due(t);
	pthread_mutex_unlock(&t->lock);
	vn_set_cred(&c->cred);
}

void ident_end(void)
{
	vn_set_cred(NULL);
}

/* Keep c->cred as the calling thread's identity from now on. */
int ident_commit(struct call *c)
{
	struct ident_table *t = c->ctx->idents;
	struct ident *e;
	int r = 0;

	pthread_mutex_lock(&t->lock);
	e = ident_find(t, c->pid);
	if (e)
		e->cred = c->cred;
	else if (!ident_add(t, c->pid, &c->cred))
		r = -ENOMEM;
	ident_sweep_due(t);
	pthread_mutex_unlock(&t->lock);
	return r;
}

/*
 * An exec of st (a union file checked; NULL for a file of the kernel's)
 * is about to be continued: what it does to the identity waits on the
 * leader's entry until the process is next seen (exec_settle).
 */
int ident_exec(struct call *c, const struct stat *st)
{
	struct ident_table *t = c->ctx->idents;
	struct vn_cred after = c->cred;
	struct ident *leader, *self;
	struct exec_pending *p;
	pid_t tgid, ppid;
	int r = 0;

	if (!exec_cred(&after, st))
		return 0; /* nothing changes: nothing to keep */
	r = proc_parents(c->pid, &tgid, &ppid);
	if (r < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->caller = c->pid;
	p->before = c->cred;
	p->has_file = st != NULL;
	if (st)
		p->file = *st;
	exec_image_read(c, &p->image);

	pthread_mutex_lock(&t->lock);
	leader = ident_find(t, tgid);
	if (!leader && tgid == c->pid) {
		leader = ident_add(t, tgid, &c->cred);
	} else if (!leader) {
		struct vn_cred cred;

		ident_inherited(c, t, tgid, &cred);
		leader = ident_add(t, tgid, &cred);
	}
	self = tgid == c->pid ? leader : ident_find(t, c->pid);
	if (!self)
		self = ident_add(t, c->pid, &c->cred);
	if (leader && self) {
		free(leader->exec);
		leader->exec = p;
		if (self != leader)
			self->exec_leader = tgid;
	} else {
		free(p);
		r = -ENOMEM;
	}
	ident_sweep_due(t);
	pthread_mutex_unlock(&t->lock);
	return r;
}
