/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The program a process runs when the kernel runs a lower's ELF loader in
 * its place (notify-hostroot, sys_exec.c): the kernel's /proc/<pid>/exe
 * then names the loader, so the union path of the program is kept here
 * and read back as that link.  An exec is noted by the thread that makes
 * it (pending) and becomes the process's once the kernel reports the
 * exec done (exe_exec_done); a failed exec leaves only a pending note,
 * which the thread's next exec replaces.  Entries are few: one per live
 * process started through a foreign loader.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "calls/calls.h"

struct exe_entry {
	pid_t pid;        /* the thread that asked (pending) or the process */
	bool pending;
	char exe[PATH_MAX];    /* the program's union path: /proc/<pid>/exe */
};

struct exe_table {
	pthread_mutex_t lock;
	struct exe_entry *items;
	size_t count, cap;
};

int exe_table_new(struct call_ctx *ctx)
{
	struct exe_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	ctx->exes = t;
	return 0;
}

void exe_table_free(struct call_ctx *ctx)
{
	struct exe_table *t = ctx->exes;

	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->items);
	free(t);
	ctx->exes = NULL;
}

static struct exe_entry *find(struct exe_table *t, pid_t pid, bool pending)
{
	for (size_t i = 0; i < t->count; i++)
		if (t->items[i].pid == pid && t->items[i].pending == pending)
			return &t->items[i];
	return NULL;
}

static void drop(struct exe_table *t, struct exe_entry *e)
{
	*e = t->items[--t->count];
}

int exe_note_pending(struct call_ctx *ctx, pid_t tid, const char *exe)
{
	struct exe_table *t = ctx->exes;
	struct exe_entry *e;
	int r = 0;

	if (!exe) {
		pthread_mutex_lock(&t->lock);
		e = find(t, tid, true);
		if (e)
			drop(t, e);
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	if (strlen(exe) >= sizeof(e->exe))
		return -ENAMETOOLONG;
	pthread_mutex_lock(&t->lock);
	e = find(t, tid, true);
	if (!e && t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct exe_entry *grown = realloc(t->items, cap * sizeof(*grown));

		if (grown) {
			t->items = grown;
			t->cap = cap;
		}
	}
	if (!e && t->count < t->cap)
		e = &t->items[t->count++];
	if (e) {
		e->pid = tid;
		e->pending = true;
		strcpy(e->exe, exe);
	} else {
		r = -ENOMEM;
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

void exe_exec_done(struct call_ctx *ctx, pid_t pid, pid_t former_tid)
{
	struct exe_table *t = ctx->exes;
	struct exe_entry *e, *old;

	pthread_mutex_lock(&t->lock);
	old = find(t, pid, false);
	if (old)
		drop(t, old); /* the image it described is gone */
	e = find(t, former_tid, true);
	if (e) {
		e->pid = pid;
		e->pending = false;
	}
	pthread_mutex_unlock(&t->lock);
}

bool exe_lookup(struct call_ctx *ctx, pid_t pid, char *path, size_t size)
{
	struct exe_table *t = ctx->exes;
	struct exe_entry *e;
	bool found = false;

	if (!t)
		return false;
	pthread_mutex_lock(&t->lock);
	if (t->count) {
		pid_t tgid = target_thread_group(pid);

		e = find(t, tgid > 0 ? tgid : pid, false);
		found = e && strlen(e->exe) < size;
		if (found)
			strcpy(path, e->exe);
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

void exe_forget(struct call_ctx *ctx, pid_t tid)
{
	struct exe_table *t = ctx->exes;
	struct exe_entry *e;

	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	while ((e = find(t, tid, true)) || (e = find(t, tid, false)))
		drop(t, e);
	pthread_mutex_unlock(&t->lock);
}
