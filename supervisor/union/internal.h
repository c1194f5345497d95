/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-file API of the union core, grouped by the file that defines it. */
#ifndef VENEER_UNION_INTERNAL_H
#define VENEER_UNION_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "veneer/union.h"

struct vn_view {
	int fd;                /* O_PATH fd of the view's root (ours: to render) */
	int target_fd;         /* the same root seen from the target's mount
				* namespace: directory fds we inject come from here,
				* so ".." from them can never leave the target's root */
	char *path;            /* where the supervisor sees the view */
	dev_t dev;
	pthread_mutex_t bind_lock; /* one bind per placeholder, even when workers race */
};

/* cache.c */
struct dircache_entry {
	char *path;
	uint64_t hash;
	int fds[VN_MAX_LAYERS];      /* per layer, -1 when it does not contribute */
	uint32_t layers;
	unsigned refs;
	bool detached;               /* out of the table; freed by the last holder */
	struct dircache_entry *hnext;
	struct dircache_entry *lru_prev, *lru_next;
};
int union_dircache_new(struct vn_union *u);
void union_dircache_free(struct vn_union *u);
/* A referenced entry, or NULL when the path is not cached. */
struct dircache_entry *union_dircache_get(struct vn_union *u, const char *path);
/* Cache (and reference) a directory; takes the fds (sets them to -1). */
struct dircache_entry *union_dircache_add(struct vn_union *u, const char *path, int *fds,
					  uint32_t layers);
void union_dircache_put(struct vn_union *u, struct dircache_entry *e);

/* layer.c */
/* openat2 beneath a layer root: never leaves it, never follows a symlink. */
int union_openat_beneath(int dirfd, const char *rel, int flags);
uint64_t union_hash(const char *s);
bool union_layer_masks(const struct vn_layer *layer, const char *union_path);
/* Join a directory union path and a name into out ("/" + "a" = "/a"). */
int union_join(char *out, size_t size, const char *dir, const char *name);

/* whiteout.c */
bool union_is_reserved_name(const char *name);
bool union_is_whiteout_stat(const struct stat *st);
int union_has_oci_whiteout(int dirfd, const char *name);
int union_dir_is_opaque(int dirfd);

/* lookup.c */
/* Open a layer directory of `node` for reading entries. */
int union_open_layer_dir(struct vn_union *u, const struct vn_node *node, size_t layer);

#endif
