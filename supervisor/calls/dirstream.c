/* SPDX-License-Identifier: Apache-2.0 */
/*
 * getdents64/getdents on union directories.  The merged listing is a
 * snapshot taken when a stream starts (offset 0); the cursor lives in the
 * open file description's offset, so it is shared across dup and fork the
 * way the kernel's is: offset = snapshot id << 32 | index.  telldir and
 * seekdir work because d_off carries the same encoding.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"

#define SNAPSHOTS_MAX 64

struct snapshot {
	uint32_t id;             /* 0: free slot */
	dev_t dev;               /* the view directory it lists */
	ino_t ino;
	uint64_t last_used;
	struct vn_listing list;  /* entries after "." and ".." */
	uint64_t self_ino, parent_ino;
};

struct dirstream_cache {
	pthread_mutex_t lock;
	struct snapshot slots[SNAPSHOTS_MAX];
	uint32_t next_id;
	uint64_t clock;
};

int dirstream_cache_new(struct dirstream_cache **out)
{
	struct dirstream_cache *cache = calloc(1, sizeof(*cache));

	if (!cache)
		return -ENOMEM;
	pthread_mutex_init(&cache->lock, NULL);
	cache->next_id = 1;
	*out = cache;
	return 0;
}

void dirstream_cache_free(struct dirstream_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < SNAPSHOTS_MAX; i++)
		vn_listing_free(&cache->slots[i].list);
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}

static struct snapshot *snapshot_find(struct dirstream_cache *cache, uint32_t id,
				      const struct stat *dir)
{
	for (size_t i = 0; i < SNAPSHOTS_MAX; i++) {
		struct snapshot *s = &cache->slots[i];

		if (s->id == id && s->dev == dir->st_dev && s->ino == dir->st_ino)
			return s;
	}
	return NULL;
}

static struct snapshot *snapshot_slot(struct dirstream_cache *cache)
{
	struct snapshot *victim = &cache->slots[0];

	for (size_t i = 0; i < SNAPSHOTS_MAX; i++) {
		struct snapshot *s = &cache->slots[i];

		if (!s->id)
			return s;
		if (s->last_used < victim->last_used)
			victim = s;
	}
	vn_listing_free(&victim->list);
	victim->id = 0;
	return victim;
}

static int snapshot_take(struct vn_union *u, const char *path, struct snapshot *s)
{
	struct vn_node node, parent;
	int r;

	r = vn_resolve(u, path, ".", 0, &node);
	if (r < 0)
		return r;
	r = vn_readdir(u, &node, &s->list);
	if (r < 0)
		return r;
	s->self_ino = node.origin_ino;
	s->parent_ino = node.origin_ino;
	if (vn_resolve(u, path, "..", 0, &parent) == 0)
		s->parent_ino = parent.origin_ino;
	return 0;
}

/* Entry `index` of a stream: 0 ".", 1 "..", then the listing. */
static bool snapshot_entry(const struct snapshot *s, size_t index, const char **name,
			   uint64_t *ino, unsigned char *type)
{
	if (index == 0 || index == 1) {
		*name = index == 0 ? "." : "..";
		*ino = index == 0 ? s->self_ino : s->parent_ino;
		*type = DT_DIR;
		return true;
	}
	if (index - 2 >= s->list.count)
		return false;
	*name = s->list.entries[index - 2].name;
	*ino = s->list.entries[index - 2].ino;
	*type = s->list.entries[index - 2].type;
	return true;
}

struct linux_dirent_old {
	unsigned long d_ino;
	unsigned long d_off;
	unsigned short d_reclen;
	char d_name[];
};

/* Pack entries from `index` into buf; returns bytes used, *index advanced. */
static size_t pack_entries(const struct snapshot *s, size_t *index, char *buf, size_t size,
			   bool old_format)
{
	size_t used = 0;
	const char *name;
	uint64_t ino;
	unsigned char type;

	while (snapshot_entry(s, *index, &name, &ino, &type)) {
		size_t namelen = strlen(name);
		uint64_t next = ((uint64_t)s->id << 32) | (*index + 1);
		size_t reclen;

		if (old_format) {
			struct linux_dirent_old *d = (void *)(buf + used);

			reclen = (offsetof(struct linux_dirent_old, d_name) + namelen + 2 + 7) & ~(size_t)7;
			if (used + reclen > size)
				break;
			memset(d, 0, reclen);
			d->d_ino = ino;
			d->d_off = next;
			d->d_reclen = (unsigned short)reclen;
			memcpy(d->d_name, name, namelen);
			buf[used + reclen - 1] = (char)type;
		} else {
			struct dirent64 *d = (void *)(buf + used);

			reclen = (offsetof(struct dirent64, d_name) + namelen + 1 + 7) & ~(size_t)7;
			if (used + reclen > size)
				break;
			memset(d, 0, reclen);
			d->d_ino = ino;
			d->d_off = (int64_t)next;
			d->d_reclen = (unsigned short)reclen;
			d->d_type = type;
			memcpy(d->d_name, name, namelen);
		}
		used += reclen;
		(*index)++;
	}
	return used;
}

static struct answer getdents_common(struct call *c, bool old_format)
{
	const uint64_t *a = c->args;
	struct dirstream_cache *cache = c->ctx->dirs;
	size_t count = a[2] > (1u << 20) ? (1u << 20) : a[2];
	char path[PATH_MAX];
	struct stat st;
	struct snapshot *s;
	size_t index, used;
	off_t pos;
	char *buf;
	int fd, r;

	r = target_fd_copy(c, (int)a[0], path, sizeof(path), &fd, &st);
	if (r <= 0)
		return r < 0 ? answer_error(-r) : answer_continue();
	if (r != UNION_DIR) {
		close(fd);
		return answer_error(ENOTDIR);
	}
	if (c->ctx->verbose) /* only -v prints it */
		snprintf(c->detail, sizeof(c->detail), "fd %d \"%s\"", (int)a[0], path);
	if ((pos = lseek(fd, 0, SEEK_CUR)) < 0) {
		r = errno;
		close(fd);
		return answer_error(r);
	}
	buf = malloc(count);
	if (!buf) {
		close(fd);
		return answer_error(ENOMEM);
	}

	pthread_mutex_lock(&cache->lock);
	s = pos ? snapshot_find(cache, (uint32_t)((uint64_t)pos >> 32), &st) : NULL;
	if (!s) {
		/* a new stream, or one whose snapshot was evicted */
		s = snapshot_slot(cache);
		r = snapshot_take(c->ctx->u, path, s);
		if (r < 0) {
			pthread_mutex_unlock(&cache->lock);
			free(buf);
			close(fd);
			return answer_error(-r);
		}
		s->id = pos ? (uint32_t)((uint64_t)pos >> 32) : cache->next_id++;
		if (!cache->next_id || cache->next_id > INT32_MAX)
			cache->next_id = 1;
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	s->last_used = ++cache->clock;
	index = pos ? (size_t)((uint64_t)pos & 0xffffffffu) : 0;
	used = pack_entries(s, &index, buf, count, old_format);
	if (used == 0 && snapshot_entry(s, index, &(const char *){ NULL }, &(uint64_t){ 0 },
					&(unsigned char){ 0 }))
		r = -EINVAL; /* buffer too small for the next entry */
	else
		r = 0;
	pos = (off_t)(((uint64_t)s->id << 32) | index);
	pthread_mutex_unlock(&cache->lock);

	if (r == 0 && used)
		r = target_write(c, a[1], buf, used);
	if (r == 0 && used && lseek(fd, pos, SEEK_SET) < 0)
		r = -errno;
	free(buf);
	close(fd);
	return r < 0 ? answer_error(-r) : answer_value((int64_t)used);
}

struct answer sys_getdents64(struct call *c)
{
	return getdents_common(c, false);
}

struct answer sys_getdents(struct call *c)
{
	return getdents_common(c, true);
}
