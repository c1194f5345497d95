/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The merged listing of a union directory: the upper's entries, then each
 * lower's in order, minus whited-out and reserved names, each name once,
 * stopping at opaque directories (the walk already left opaque-hidden
 * layers out of node->dir_layers).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Names seen so far, each with what it became: the index of its entry in
 * the listing, or NO_ENTRY (whited out, or a duplicate we hid). */
#define NO_ENTRY SIZE_MAX

struct name_slot {
	char *name;
	size_t entry;
	/* a directory entry: the layer its merge has reached, whose inode
	 * number it shows (the bottom-most, as stat); -1 once it stopped */
	int dir_layer;
};

struct name_set {
	struct name_slot *slots;
	size_t size;   /* power of two */
	size_t used;
};

static int name_set_grow(struct name_set *set)
{
	size_t size = set->size ? set->size * 2 : 64;
	struct name_slot *slots = calloc(size, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < set->size; i++) {
		size_t j;

		if (!set->slots[i].name)
			continue;
		for (j = union_hash(set->slots[i].name) & (size - 1); slots[j].name; j = (j + 1) & (size - 1))
			;
		slots[j] = set->slots[i];
	}
	free(set->slots);
	set->slots = slots;
	set->size = size;
	return 0;
}

static struct name_slot *name_set_find(const struct name_set *set, const char *name)
{
	if (!set->size)
		return NULL;
	for (size_t j = union_hash(name) & (set->size - 1); set->slots[j].name; j = (j + 1) & (set->size - 1))
		if (strcmp(set->slots[j].name, name) == 0)
			return &set->slots[j];
	return NULL;
}

/* Returns 1 when added, 0 when already present, -errno on failure. */
static int name_set_add(struct name_set *set, const char *name, size_t entry)
{
	size_t j;

	if ((set->used + 1) * 2 > set->size && name_set_grow(set) < 0)
		return -ENOMEM;
	if (name_set_find(set, name))
		return 0;
	for (j = union_hash(name) & (set->size - 1); set->slots[j].name; j = (j + 1) & (set->size - 1))
		;
	set->slots[j].name = strdup(name);
	if (!set->slots[j].name)
		return -ENOMEM;
	set->slots[j].entry = entry;
	set->slots[j].dir_layer = -1;
	set->used++;
	return 1;
}

static void name_set_free(struct name_set *set)
{
	for (size_t i = 0; i < set->size; i++)
		free(set->slots[i].name);
	free(set->slots);
}

static int listing_add(struct vn_listing *l, size_t *cap, const char *name, uint64_t ino,
		       unsigned char type)
{
	if (l->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct vn_dirent *grown = realloc(l->entries, ncap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->entries = grown;
		*cap = ncap;
	}
	l->entries[l->count].name = strdup(name);
	if (!l->entries[l->count].name)
		return -ENOMEM;
	l->entries[l->count].ino = ino;
	l->entries[l->count].type = type;
	l->count++;
	return 0;
}

void vn_listing_free(struct vn_listing *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->entries[i].name);
	free(l->entries);
	l->entries = NULL;
	l->count = 0;
}

static unsigned char dirent_type(int dirfd, const struct dirent64 *de, bool *is_whiteout)
{
	struct stat st;

	*is_whiteout = false;
	if (de->d_type != DT_UNKNOWN && de->d_type != DT_CHR)
		return de->d_type;
	if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return de->d_type;
	*is_whiteout = union_is_whiteout_stat(&st);
	return (unsigned char)IFTODT(st.st_mode);
}

static bool child_is_opaque(struct vn_union *u, size_t layer, const char *child)
{
	int fd = union_openat_beneath(u->layers[layer].root_fd, vn_rel(child), O_PATH | O_DIRECTORY);
	int opaque;

	if (fd < 0)
		return true;
	opaque = union_dir_is_opaque(fd);
	close(fd);
	return opaque != 0;
}

/* A name already listed from a higher layer meets its namesake here: a
 * directory below a directory merges on (unless the one above is opaque)
 * and lends the entry its inode number, as lookup does. */
static void merge_duplicate(struct vn_union *u, struct vn_listing *out, struct name_slot *slot,
			    size_t layer, const char *child, unsigned char type, bool whiteout,
			    uint64_t ino)
{
	if (slot->entry == NO_ENTRY || slot->dir_layer < 0)
		return;
	if (whiteout || type != DT_DIR || child_is_opaque(u, (size_t)slot->dir_layer, child)) {
		slot->dir_layer = -1;
		return;
	}
	out->entries[slot->entry].ino = ino;
	slot->dir_layer = (int)layer;
}

/* One layer's contribution; `seen` holds every name decided so far.
 * `counting`: only which entries are directories matters (owners and
 * devices are not asked for). */
/* A layer's directory read with getdents64 itself: fdopendir's fstat, two
 * fcntls and 32 KiB allocation cost more than a small directory's list. */
struct layer_reader {
	int fd;
	size_t pos, len;
	char buf[16384] __attribute__((aligned(8)));
};

/* The next entry; NULL at the end (*err 0) or on an error (*err -errno). */
static const struct dirent64 *layer_next(struct layer_reader *r, int *err)
{
	const struct dirent64 *d;

	*err = 0;
	if (r->pos >= r->len) {
		ssize_t n = getdents64(r->fd, r->buf, sizeof(r->buf));

		if (n <= 0) {
			*err = n < 0 ? -errno : 0;
			return NULL;
		}
		r->len = (size_t)n;
		r->pos = 0;
	}
	d = (const void *)(r->buf + r->pos);
	r->pos += d->d_reclen;
	return d;
}

static int merge_layer(struct vn_union *u, const struct vn_node *dir, size_t layer,
		       struct name_set *seen, struct vn_listing *out, size_t *cap, bool counting)
{
	struct layer_reader d; /* not zeroed: 16 KiB the kernel fills */
	const struct dirent64 *de;
	int read_err = 0;
	struct name_set whiteouts = { 0 };
	int r = 0;

	d.fd = union_open_layer_dir(u, dir, layer);
	d.pos = d.len = 0;

	/* a lower directory the caller may not read on the host: its entries
	 * cannot be known.  Listed alone it is refused, as on the host; once
	 * the upper has its part (something was made in it), that part is
	 * the listing (docs/design.md, Ownership) */
	if (d.fd == -EACCES && layer > 0 && (dir->dir_layers & 1u))
		return 0;
	if (d.fd < 0)
		return d.fd;
	if (layer > 0 && !counting)
		union_owners_listing(u, d.fd);
	while ((de = layer_next(&d, &read_err))) {
		const char *name = de->d_name;
		char child[PATH_MAX];
		struct name_slot *slot;
		bool whiteout;
		unsigned char type;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (union_is_reserved_name(name)) {
			const char *hidden = name + strlen(VN_WH_PREFIX);

			/* ".wh..wh.*" are markers and state, not whiteouts; a
			 * whiteout hides the layers below, not its own layer */
			if (!union_is_reserved_name(hidden) &&
			    (r = name_set_add(&whiteouts, hidden, NO_ENTRY)) < 0)
				break;
			continue;
		}
		if (union_join(child, sizeof(child), dir->path, name) < 0)
			continue;
		if (union_layer_masks(&u->layers[layer], child))
			continue;
		type = dirent_type(d.fd, de, &whiteout);
		/* a device the sandbox made is a file of the upper (owner.c) */
		if (layer == 0 && type == DT_REG && !counting &&
		    union_owner_is_device(u, d.fd, name, de->d_ino))
			type = DT_CHR;
		slot = name_set_find(seen, name);
		if (slot) {
			merge_duplicate(u, out, slot, layer, child, type, whiteout, de->d_ino);
			continue;
		}
		r = name_set_add(seen, name, whiteout ? NO_ENTRY : out->count);
		if (r < 0)
			break;
		if (whiteout)
			continue;
		if (type == DT_DIR)
			name_set_find(seen, name)->dir_layer = (int)layer;
		r = listing_add(out, cap, name, de->d_ino, type);
		if (r < 0)
			break;
	}
	if (read_err && r == 0)
		r = read_err;
	close(d.fd);
	/* whiteouts hide the names below, and end the merge of a directory
	 * beside them or above them */
	for (size_t i = 0; r >= 0 && i < whiteouts.size; i++) {
		struct name_slot *slot;

		if (!whiteouts.slots[i].name)
			continue;
		slot = name_set_find(seen, whiteouts.slots[i].name);
		if (slot)
			slot->dir_layer = -1;
		else
			r = name_set_add(seen, whiteouts.slots[i].name, NO_ENTRY);
	}
	name_set_free(&whiteouts);
	return r < 0 ? r : 0;
}

/* Passthrough mount points directly below dir that no layer has. */
static int add_passthrough_entries(struct vn_union *u, const struct vn_node *dir,
				   struct name_set *seen, struct vn_listing *out, size_t *cap)
{
	for (size_t i = 0; i < u->npassthrough; i++) {
		const char *mp = u->passthrough[i].path;
		const char *slash = strrchr(mp, '/');
		size_t plen = (size_t)(slash - mp);
		struct stat st;
		int r;

		if (plen == 0 ? strcmp(dir->path, "/") != 0
			      : (strlen(dir->path) != plen || strncmp(dir->path, mp, plen) != 0))
			continue;
		r = name_set_add(seen, slash + 1, out->count);
		if (r <= 0) {
			if (r < 0)
				return r;
			continue;
		}
		if (!u->view || fstatat(u->view->fd, vn_rel(mp), &st, 0) < 0)
			st.st_ino = 0;
		r = listing_add(out, cap, slash + 1, st.st_ino, DT_DIR);
		if (r < 0)
			return r;
	}
	return 0;
}

static int merged_listing(struct vn_union *u, const struct vn_node *dir, struct vn_listing *out,
			  bool counting)
{
	struct name_set seen = { 0 };
	size_t cap = 0;
	int r = 0;

	out->entries = NULL;
	out->count = 0;
	if (!S_ISDIR(dir->st.st_mode))
		return -ENOTDIR;
	for (size_t i = 0; i < u->nlayers && r >= 0; i++)
		if (dir->dir_layers & (1u << i))
			r = merge_layer(u, dir, i, &seen, out, &cap, counting);
	if (r >= 0)
		r = add_passthrough_entries(u, dir, &seen, out, &cap);
	name_set_free(&seen);
	if (r < 0) {
		vn_listing_free(out);
		return r;
	}
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(((const struct vn_dirent *)a)->name, ((const struct vn_dirent *)b)->name);
}

int vn_readdir(struct vn_union *u, const struct vn_node *dir, struct vn_listing *out)
{
	int r = merged_listing(u, dir, out, false);

	/* the listing is a snapshot the cursor indexes: sorted once, here,
	 * it stays in that order for the stream's life */
	if (r == 0 && u->sorted_listings && out->count > 1)
		qsort(out->entries, out->count, sizeof(*out->entries), compare_names);
	return r;
}

int vn_count_subdirs(struct vn_union *u, const struct vn_node *dir, nlink_t *nlink)
{
	struct vn_listing l;
	int r = merged_listing(u, dir, &l, true);

	if (r < 0)
		return r;
	*nlink = 2;
	for (size_t i = 0; i < l.count; i++)
		if (l.entries[i].type == DT_DIR)
			(*nlink)++;
	vn_listing_free(&l);
	return 0;
}
