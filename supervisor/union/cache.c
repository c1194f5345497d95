/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The directory cache: for a canonical union directory path, the
 * directory fd of every layer that contributes to it (whiteouts and
 * opaqueness already applied).  A walk through a cached directory costs
 * no syscall; only the last name of a path is looked up in the layers.
 *
 * Entries are reference counted (a walk holds the one it stands in) and
 * the least recently used unreferenced entries are evicted past the
 * limit.  Anything that changes the union drops the entries it affects
 * (vn_dircache_forget).
 *
 * Beside it, the link counts attr.c presents for directories whose own
 * count will not do, as a listing found them: kept until the union
 * changes the directory, something below it, or one of its entries
 * (vn_dircache_forget of a child drops its parent's count too: a
 * subdirectory made, removed or renamed there changes it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define BUCKETS 4096
/* counts hold no fd: many fit; past this the table starts over */
#define NLINK_MAX 32768

struct nlink_entry {
	char *path;
	uint64_t hash;
	struct union_nlink memo;
	struct nlink_entry *hnext;
};

struct vn_dircache {
	pthread_mutex_t lock;
	struct dircache_entry *buckets[BUCKETS];
	struct dircache_entry lru;  /* list head: lru.next is the oldest */
	size_t count;
	size_t max;

	pthread_mutex_t nlink_lock;
	struct nlink_entry *nlinks[BUCKETS];
	size_t nlink_count;
	/* bumped by every vn_dircache_forget: a count listed across one is
	 * not kept (the listing may predate the change) */
	uint64_t epoch;
};

int union_dircache_new(struct vn_union *u)
{
	struct vn_dircache *c = calloc(1, sizeof(*c));
	struct rlimit rl;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->nlink_lock, NULL);
	c->lru.lru_next = c->lru.lru_prev = &c->lru;
	/* each entry holds up to one fd per layer: stay well inside the limit */
	c->max = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 / (u->nlayers ? u->nlayers : 1) < c->max)
		c->max = rl.rlim_cur / 4 / (u->nlayers ? u->nlayers : 1);
	if (c->max < 16)
		c->max = 16;
	u->dircache = c;
	return 0;
}

static void entry_free(struct vn_union *u, struct dircache_entry *e)
{
	for (size_t i = 0; i < u->nlayers; i++)
		if (e->fds[i] >= 0)
			close(e->fds[i]);
	free(e->path);
	free(e);
}

static void lru_unlink(struct dircache_entry *e)
{
	e->lru_prev->lru_next = e->lru_next;
	e->lru_next->lru_prev = e->lru_prev;
}

static void lru_push(struct vn_dircache *c, struct dircache_entry *e)
{
	e->lru_prev = c->lru.lru_prev;
	e->lru_next = &c->lru;
	c->lru.lru_prev->lru_next = e;
	c->lru.lru_prev = e;
}

static void bucket_unlink(struct vn_dircache *c, struct dircache_entry *e)
{
	struct dircache_entry **p = &c->buckets[e->hash % BUCKETS];

	while (*p && *p != e)
		p = &(*p)->hnext;
	if (*p)
		*p = e->hnext;
}

/* Drop e from the table; freed now if unreferenced, else by its last holder. */
static void entry_detach(struct vn_union *u, struct dircache_entry *e)
{
	struct vn_dircache *c = u->dircache;

	bucket_unlink(c, e);
	lru_unlink(e);
	c->count--;
	e->detached = true;
	if (e->refs == 0)
		entry_free(u, e);
}

static void evict(struct vn_union *u)
{
	struct vn_dircache *c = u->dircache;
	struct dircache_entry *e = c->lru.lru_next;

	while (c->count > c->max && e != &c->lru) {
		struct dircache_entry *next = e->lru_next;

		if (e->refs == 0)
			entry_detach(u, e);
		e = next;
	}
}

static struct dircache_entry *find_locked(struct vn_dircache *c, const char *path, uint64_t hash)
{
	for (struct dircache_entry *e = c->buckets[hash % BUCKETS]; e; e = e->hnext)
		if (e->hash == hash && strcmp(e->path, path) == 0)
			return e;
	return NULL;
}

struct dircache_entry *union_dircache_get(struct vn_union *u, const char *path)
{
	struct vn_dircache *c = u->dircache;
	uint64_t hash = union_hash(path);
	struct dircache_entry *e;

	pthread_mutex_lock(&c->lock);
	e = find_locked(c, path, hash);
	if (e) {
		e->refs++;
		lru_unlink(e);
		lru_push(c, e);
	}
	pthread_mutex_unlock(&c->lock);
	return e;
}

struct dircache_entry *union_dircache_add(struct vn_union *u, const char *path, int *fds,
					  uint32_t layers, const struct stat *top)
{
	struct vn_dircache *c = u->dircache;
	uint64_t hash = union_hash(path);
	struct dircache_entry *e = calloc(1, sizeof(*e));

	if (!e || !(e->path = strdup(path))) {
		free(e);
		return NULL;
	}
	e->hash = hash;
	e->layers = layers;
	e->refs = 1;
	if (layers) {
		struct stat st;

		/* one layer: the bottom-most is the one the lookup stat'ed */
		if (top && (layers & (layers - 1)) == 0) {
			st = *top;
		} else if (fstat(fds[31 - __builtin_clz(layers)], &st) < 0) {
			free(e->path);
			free(e);
			return NULL;
		}
		e->origin_dev = st.st_dev;
		e->origin_ino = st.st_ino;
	}
	for (size_t i = 0; i < VN_MAX_LAYERS; i++) {
		e->fds[i] = i < u->nlayers ? fds[i] : -1;
		if (i < u->nlayers)
			fds[i] = -1; /* the entry owns them now */
	}
	pthread_mutex_lock(&c->lock);
	{
		struct dircache_entry *old = find_locked(c, path, hash);

		if (old) /* another worker got here first: the newer view wins */
			entry_detach(u, old);
	}
	e->hnext = c->buckets[hash % BUCKETS];
	c->buckets[hash % BUCKETS] = e;
	lru_push(c, e);
	c->count++;
	evict(u);
	pthread_mutex_unlock(&c->lock);
	return e;
}

void union_dircache_put(struct vn_union *u, struct dircache_entry *e)
{
	struct vn_dircache *c = u->dircache;

	if (!e)
		return;
	pthread_mutex_lock(&c->lock);
	if (--e->refs == 0 && e->detached)
		entry_free(u, e);
	pthread_mutex_unlock(&c->lock);
}

static bool path_at_or_below(const char *path, const char *top)
{
	size_t n = strlen(top);

	if (strcmp(top, "/") == 0)
		return true;
	return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void nlink_entry_free(struct nlink_entry *e)
{
	free(e->path);
	free(e);
}

/* Drop the counts of path, of everything below it, and of its parent. */
static void nlink_forget(struct vn_dircache *c, const char *path)
{
	char parent[PATH_MAX];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash)
		slash[slash == parent] = '\0';
	pthread_mutex_lock(&c->nlink_lock);
	c->epoch++;
	for (size_t b = 0; b < BUCKETS && c->nlink_count; b++) {
		struct nlink_entry **p = &c->nlinks[b];

		while (*p) {
			struct nlink_entry *e = *p;

			if (path_at_or_below(e->path, path) || strcmp(e->path, parent) == 0) {
				*p = e->hnext;
				nlink_entry_free(e);
				c->nlink_count--;
			} else {
				p = &e->hnext;
			}
		}
	}
	pthread_mutex_unlock(&c->nlink_lock);
}

uint64_t union_nlink_epoch(struct vn_union *u)
{
	struct vn_dircache *c = u->dircache;
	uint64_t epoch;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->nlink_lock);
	epoch = c->epoch;
	pthread_mutex_unlock(&c->nlink_lock);
	return epoch;
}

static struct nlink_entry *nlink_find_locked(struct vn_dircache *c, const char *path,
					     uint64_t hash)
{
	for (struct nlink_entry *e = c->nlinks[hash % BUCKETS]; e; e = e->hnext)
		if (e->hash == hash && strcmp(e->path, path) == 0)
			return e;
	return NULL;
}

bool union_nlink_get(struct vn_union *u, const char *path, uint32_t layers,
		     struct union_nlink *memo)
{
	struct vn_dircache *c = u->dircache;
	uint64_t hash = union_hash(path);
	struct nlink_entry *e;
	bool found;

	if (!c)
		return false;
	pthread_mutex_lock(&c->nlink_lock);
	e = nlink_find_locked(c, path, hash);
	/* the layers it was listed from are part of what it means */
	found = e && e->memo.layers == layers;
	if (found)
		*memo = e->memo;
	pthread_mutex_unlock(&c->nlink_lock);
	return found;
}

static void nlink_clear_locked(struct vn_dircache *c)
{
	for (size_t b = 0; b < BUCKETS; b++)
		while (c->nlinks[b]) {
			struct nlink_entry *e = c->nlinks[b];

			c->nlinks[b] = e->hnext;
			nlink_entry_free(e);
		}
	c->nlink_count = 0;
}

void union_nlink_put(struct vn_union *u, const char *path, const struct union_nlink *memo,
		     uint64_t epoch)
{
	struct vn_dircache *c = u->dircache;
	uint64_t hash = union_hash(path);
	struct nlink_entry *e;

	if (!c)
		return;
	/* allocated before the lock; a failure only means no memo */
	e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(path))) {
		free(e);
		return;
	}
	e->hash = hash;
	e->memo = *memo;
	pthread_mutex_lock(&c->nlink_lock);
	if (c->epoch != epoch) {
		pthread_mutex_unlock(&c->nlink_lock);
		nlink_entry_free(e);
		return;
	}
	{
		struct nlink_entry *old = nlink_find_locked(c, path, hash);

		if (old) {
			old->memo = *memo;
			pthread_mutex_unlock(&c->nlink_lock);
			nlink_entry_free(e);
			return;
		}
	}
	if (c->nlink_count >= NLINK_MAX)
		nlink_clear_locked(c);
	e->hnext = c->nlinks[hash % BUCKETS];
	c->nlinks[hash % BUCKETS] = e;
	c->nlink_count++;
	pthread_mutex_unlock(&c->nlink_lock);
}

void vn_dircache_forget(struct vn_union *u, const char *path)
{
	struct vn_dircache *c = u->dircache;

	if (!c)
		return;
	nlink_forget(c, path);
	pthread_mutex_lock(&c->lock);
	for (size_t b = 0; b < BUCKETS; b++) {
		struct dircache_entry *e = c->buckets[b];

		while (e) {
			struct dircache_entry *next = e->hnext;

			if (path_at_or_below(e->path, path))
				entry_detach(u, e);
			e = next;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

void union_dircache_free(struct vn_union *u)
{
	struct vn_dircache *c = u->dircache;

	if (!c)
		return;
	vn_dircache_forget(u, "/");
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->nlink_lock);
	free(c);
	u->dircache = NULL;
}
