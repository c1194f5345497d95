/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a run read, for `veneer run --record`: every union path a decoder
 * resolved for a reading call (open for reading, exec, chdir, the stat
 * family, access, readlink, the xattr readers), each once, with the
 * layer it was first found in, and every symlink a walk followed (the
 * core tells: vn_union.link_followed).  A path looked up and not found
 * is kept as missing: a header found later in a search path is an input
 * too.
 *
 * Only the set is kept here, under its own lock, and only when asked
 * for: without --record ctx->record is NULL and record_read is one test
 * (calls.h).  Digests are not computed here: the supervisor hashes each
 * file once at exit (supervisor/record.c), off every call's answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"

/* Slots are at most this full before the table doubles (in percent). */
#define RECORD_LOAD 70
#define RECORD_FIRST_CAP 1024

struct record {
	pthread_mutex_t lock;
	struct record_entry *slots; /* open addressing; path NULL: free */
	size_t cap, n;
	bool out_of_memory;         /* a path could not be kept: said at exit */
};

int record_new(struct record **out)
{
	struct record *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->slots = calloc(RECORD_FIRST_CAP, sizeof(*r->slots));
	if (!r->slots) {
		free(r);
		return -ENOMEM;
	}
	r->cap = RECORD_FIRST_CAP;
	pthread_mutex_init(&r->lock, NULL);
	*out = r;
	return 0;
}

void record_free(struct record *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->cap; i++)
		free(r->slots[i].path);
	free(r->slots);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* FNV-1a: paths share long prefixes, and every byte counts. */
static size_t path_hash(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return (size_t)h;
}

static struct record_entry *slot_for(struct record_entry *slots, size_t cap, const char *path)
{
	size_t i = path_hash(path) & (cap - 1);

	while (slots[i].path && strcmp(slots[i].path, path) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct record *r)
{
	size_t cap = r->cap * 2;
	struct record_entry *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < r->cap; i++)
		if (r->slots[i].path)
			*slot_for(slots, cap, r->slots[i].path) = r->slots[i];
	free(r->slots);
	r->slots = slots;
	r->cap = cap;
	return 0;
}

/* The entry for path, made when new (layer -1: not found yet); NULL when
 * out of memory.  Under r->lock. */
static struct record_entry *entry_for(struct record *r, const char *path)
{
	struct record_entry *e;

	if ((r->n + 1) * 100 > r->cap * RECORD_LOAD && grow(r) < 0)
		return NULL;
	e = slot_for(r->slots, r->cap, path);
	if (e->path)
		return e;
	e->path = strdup(path);
	if (!e->path)
		return NULL;
	e->layer = -1;
	r->n++;
	return e;
}

/* Found in layer: the first finding is the one kept (the input the run
 * met; a later copy-up is a change, which the record says apart). */
static void note_found(struct record *r, const char *path, int layer, const struct stat *st)
{
	struct record_entry *e;

	pthread_mutex_lock(&r->lock);
	e = entry_for(r, path);
	if (!e)
		r->out_of_memory = true;
	else if (e->layer < 0) {
		e->layer = layer;
		e->type = st ? st->st_mode & S_IFMT : S_IFLNK;
		e->dev = st ? st->st_dev : 0;
		e->ino = st ? st->st_ino : 0;
	}
	pthread_mutex_unlock(&r->lock);
}

static void note_missing(struct record *r, const char *path)
{
	struct record_entry *e;

	pthread_mutex_lock(&r->lock);
	e = entry_for(r, path);
	if (!e)
		r->out_of_memory = true;
	else
		e->missing = true;
	pthread_mutex_unlock(&r->lock);
}

void record_note(struct record *r, const struct target_path *tp)
{
	if (tp->kind != TARGET_UNION)
		return; /* a passthrough mount's (/proc, /dev, a --bind): the kernel's */
	if (tp->err == 0 && tp->node.layer >= 0)
		note_found(r, tp->node.path, tp->node.layer, &tp->node.st);
	else if (tp->err == -ENOENT && tp->node.path[0] == '/')
		note_missing(r, tp->node.path); /* the first name that was not there */
}

static void link_followed(void *arg, const char *path, int layer)
{
	note_found(arg, path, layer, NULL);
}

void record_attach(struct record *r, struct vn_union *u)
{
	u->link_followed_arg = r;
	u->link_followed = link_followed;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct record_entry *)a)->path, ((const struct record_entry *)b)->path);
}

size_t record_sorted(struct record *r, bool *incomplete)
{
	size_t n = 0;

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->cap; i++)
		if (r->slots[i].path)
			r->slots[n++] = r->slots[i];
	for (size_t i = n; i < r->cap; i++)
		memset(&r->slots[i], 0, sizeof(r->slots[i]));
	qsort(r->slots, n, sizeof(*r->slots), by_path);
	*incomplete = r->out_of_memory;
	pthread_mutex_unlock(&r->lock);
	return n;
}

const struct record_entry *record_entry_at(const struct record *r, size_t i)
{
	return &r->slots[i];
}
