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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define BUCKETS 4096

struct vn_dircache {
	pthread_mutex_t lock;
	struct dircache_entry *buckets[BUCKETS];
	struct dircache_entry lru;  /* list head: lru.next is the oldest */
	size_t count;
	size_t max;
};

int union_dircache_new(struct vn_union *u)
{
	struct vn_dircache *c = calloc(1, sizeof(*c));
	struct rlimit rl;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
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
					  uint32_t layers)
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

		if (fstat(fds[31 - __builtin_clz(layers)], &st) < 0) {
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

void vn_dircache_forget(struct vn_union *u, const char *path)
{
	struct vn_dircache *c = u->dircache;

	if (!c)
		return;
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
	free(c);
	u->dircache = NULL;
}
