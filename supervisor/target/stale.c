/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Readers of a file that is copied up.  A process that opened a lower
 * file before its copy-up holds the lower file; left alone it would never
 * see what is written to the copy.  After a copy-up every process of the
 * sandbox is searched for fds on the lower file: the process that caused
 * the copy-up gets them pointed at the copy at once; any other process at
 * its next intercepted call (seccomp can add an fd only to a process that
 * is stopped in a call).  docs/design.md says what this covers and what
 * it cannot (a process that only reads, mappings, shared offsets).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target.h"

#define STALE_MAX 256
#define OPENED_SLOTS 65536  /* power of two */

struct stale_fd {
	pid_t pid;           /* the process (thread group) holding it */
	int fd;
	dev_t dev;           /* the lower file it still refers to */
	ino_t ino;
	char path[PATH_MAX]; /* the union path of the copy */
};

struct stale_table {
	pthread_mutex_t lock;
	size_t count;
	struct stale_fd items[STALE_MAX];
	/* lower files ever injected: only those can have fds to follow a
	 * copy-up, so a copy-up of any other costs no search */
	struct {
		dev_t dev;
		ino_t ino;
	} opened[OPENED_SLOTS];
	size_t nopened;
	bool opened_full;  /* from then on every copy-up searches */
};

static size_t opened_slot(dev_t dev, ino_t ino)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) ^ dev) & (OPENED_SLOTS - 1);
}

void stale_note_open(struct call_ctx *ctx, const struct stat *st)
{
	struct stale_table *t = ctx->stale;
	size_t i;

	if (!t || !S_ISREG(st->st_mode))
		return;
	pthread_mutex_lock(&t->lock);
	for (i = opened_slot(st->st_dev, st->st_ino); t->opened[i].ino; i = (i + 1) & (OPENED_SLOTS - 1))
		if (t->opened[i].ino == st->st_ino && t->opened[i].dev == st->st_dev)
			break;
	if (!t->opened[i].ino) {
		if (t->nopened * 2 >= OPENED_SLOTS) {
			t->opened_full = true;
		} else {
			t->opened[i].dev = st->st_dev;
			t->opened[i].ino = st->st_ino;
			t->nopened++;
		}
	}
	pthread_mutex_unlock(&t->lock);
}

static bool maybe_opened(struct stale_table *t, const struct stat *st)
{
	bool found = false;

	pthread_mutex_lock(&t->lock);
	if (t->opened_full)
		found = true;
	for (size_t i = opened_slot(st->st_dev, st->st_ino); !found && t->opened[i].ino;
	     i = (i + 1) & (OPENED_SLOTS - 1))
		found = t->opened[i].ino == st->st_ino && t->opened[i].dev == st->st_dev;
	pthread_mutex_unlock(&t->lock);
	return found;
}

int stale_table_new(struct call_ctx *ctx)
{
	ctx->stale = calloc(1, sizeof(*ctx->stale));
	if (!ctx->stale)
		return -ENOMEM;
	pthread_mutex_init(&ctx->stale->lock, NULL);
	return 0;
}

void stale_table_free(struct call_ctx *ctx)
{
	if (!ctx->stale)
		return;
	pthread_mutex_destroy(&ctx->stale->lock);
	free(ctx->stale);
	ctx->stale = NULL;
}

static bool fd_refers_to(pid_t pid, int fd, dev_t dev, ino_t ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	return stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* Point the calling process's fd at the copy. */
static void swap_now(struct call *c, int fd, const struct vn_node *copy)
{
	int file = target_getfd(c, fd);

	if (file < 0)
		return;
	(void)target_swap_file(c, fd, file, copy);
	close(file);
}

static void remember(struct stale_table *t, pid_t pid, int fd, const struct stat *lower,
		     const char *path)
{
	pthread_mutex_lock(&t->lock);
	if (t->count < STALE_MAX) {
		struct stale_fd *s = &t->items[t->count];

		/* read without the lock by every call (stale_swap_pending) */
		__atomic_store_n(&t->count, t->count + 1, __ATOMIC_RELEASE);
		s->pid = pid;
		s->fd = fd;
		s->dev = lower->st_dev;
		s->ino = lower->st_ino;
		snprintf(s->path, sizeof(s->path), "%s", path);
	}
	pthread_mutex_unlock(&t->lock);
}

/* The fds of one process on the lower file. */
static void scan_process(struct call *c, pid_t pid, pid_t caller, const struct stat *lower,
			 const struct vn_node *copy)
{
	char path[64];
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.' || !fd_refers_to(pid, fd, lower->st_dev, lower->st_ino))
			continue;
		if (pid == caller)
			swap_now(c, fd, copy);
		else
			remember(c->ctx->stale, pid, fd, lower, copy->path);
	}
	closedir(d);
}

/* Every process of the sandbox: init and its descendants, by their
 * children lists (one level per round, at most STALE_MAX processes);
 * where the supervisor is the sandbox's reaper, its children (init,
 * orphans, and its janitor, which holds no layer file) and theirs. */
static void scan_sandbox(struct call *c, const struct stat *lower, const struct vn_node *copy)
{
	pid_t queue[STALE_MAX];
	size_t head = 0, tail = 0;
	pid_t caller = target_thread_group(c->pid);
	/* the supervisor's own fds are not the sandbox's */
	pid_t skip = c->ctx->supervisor_reaps ? getpid() : 0;

	queue[tail++] = skip ? skip : c->ctx->init_pid;
	while (head < tail) {
		pid_t pid = queue[head++];
		char path[64];
		DIR *tasks;
		struct dirent *de;

		if (pid != skip)
			scan_process(c, pid, caller, lower, copy);
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		tasks = opendir(path);
		while (tasks && (de = readdir(tasks))) {
			char children[PATH_MAX];
			FILE *f;
			int child;

			if (de->d_name[0] == '.')
				continue;
			snprintf(children, sizeof(children), "/proc/%d/task/%s/children", pid, de->d_name);
			f = fopen(children, "re");
			while (f && fscanf(f, "%d", &child) == 1)
				if (tail < STALE_MAX)
					queue[tail++] = child;
			if (f)
				fclose(f);
		}
		if (tasks)
			closedir(tasks);
	}
}

void stale_after_copy_up(struct call *c, const struct stat *lower, const struct vn_node *copy)
{
	if (!S_ISREG(lower->st_mode) || copy->layer != 0 || c->ctx->init_pid <= 0 ||
	    !maybe_opened(c->ctx->stale, lower))
		return;
	scan_sandbox(c, lower, copy);
}

void stale_swap_pending(struct call *c)
{
	struct stale_table *t = c->ctx->stale;
	pid_t tgid;

	if (!t || !__atomic_load_n(&t->count, __ATOMIC_RELAXED))
		return;
	tgid = target_thread_group(c->pid);
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->count;) {
		struct stale_fd *s = &t->items[i];
		struct vn_node copy;

		if (s->pid != tgid && kill(s->pid, 0) == 0) {
			i++;
			continue;
		}
		/* ours now, or its process is gone: done with it either way */
		if (s->pid == tgid && fd_refers_to(tgid, s->fd, s->dev, s->ino) &&
		    vn_resolve(c->ctx->u, "/", s->path, 0, &copy) == 0 && copy.layer == 0)
			swap_now(c, s->fd, &copy);
		t->items[i] = t->items[t->count - 1];
		__atomic_store_n(&t->count, t->count - 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&t->lock);
}
