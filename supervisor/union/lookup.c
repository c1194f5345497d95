/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path resolution across the layers: one component at a time, each layer
 * reached only with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), symlinks
 * resolved in the union namespace, ".." physical (the walk keeps the
 * canonical path, so going up is dropping its last component).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define VN_MAX_SYMLINKS 40

struct walk {
	struct vn_union *u;
	int flags;
	int dirfd[VN_MAX_LAYERS];  /* the current directory in each layer, -1 if none */
	uint32_t owned;            /* which dirfds we opened (the rest are layer roots) */
	char path[PATH_MAX];       /* canonical union path of the current directory */
	size_t floor;              /* BENEATH / IN_ROOT: never go above this prefix */
	int links;
};

/* What one name resolves to inside the current directory. */
struct step {
	int layer;                 /* topmost layer, -1 when absent */
	struct stat st;
	int dirfd[VN_MAX_LAYERS];  /* for directories: the new per-layer fds */
	uint32_t dir_layers;
};

static void walk_close_dirs(struct walk *w)
{
	for (size_t i = 0; i < w->u->nlayers; i++) {
		if ((w->owned & (1u << i)) && w->dirfd[i] >= 0)
			close(w->dirfd[i]);
		w->dirfd[i] = -1;
	}
	w->owned = 0;
}

static void step_close_dirs(struct vn_union *u, struct step *s)
{
	for (size_t i = 0; i < u->nlayers; i++)
		if (s->dirfd[i] >= 0) {
			close(s->dirfd[i]);
			s->dirfd[i] = -1;
		}
}

static int walk_to_root(struct walk *w)
{
	walk_close_dirs(w);
	strcpy(w->path, "/");
	for (size_t i = 0; i < w->u->nlayers; i++) {
		w->dirfd[i] = w->u->layers[i].root_fd;
		if (i + 1 < w->u->nlayers) {
			int opaque = union_dir_is_opaque(w->dirfd[i]);

			if (opaque < 0)
				return opaque;
			if (opaque)
				break;
		}
	}
	return 0;
}

static int open_layer_dir_at(int dirfd, const char *name)
{
	int fd = union_openat_beneath(dirfd, name, O_RDONLY | O_DIRECTORY);

	/* Searchable but unreadable: we can still walk through it. */
	if (fd == -EACCES)
		fd = union_openat_beneath(dirfd, name, O_PATH | O_DIRECTORY);
	return fd;
}

/* Look `name` up in every layer that contributes to the current directory. */
static int lookup_name(struct walk *w, const char *name, const char *child_path, struct step *s)
{
	struct vn_union *u = w->u;

	s->layer = -1;
	s->dir_layers = 0;
	for (size_t i = 0; i < u->nlayers; i++)
		s->dirfd[i] = -1;

	for (size_t i = 0; i < u->nlayers; i++) {
		struct stat st;

		if (w->dirfd[i] < 0 || union_layer_masks(&u->layers[i], child_path))
			continue;
		if (fstatat(w->dirfd[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			int wh;

			if (errno != ENOENT)
				goto fail_errno;
			wh = union_has_oci_whiteout(w->dirfd[i], name);
			if (wh < 0) {
				errno = -wh;
				goto fail_errno;
			}
			if (wh)
				break;
			continue;
		}
		if (union_is_whiteout_stat(&st))
			break;
		if (s->layer < 0) {
			s->layer = (int)i;
			s->st = st;
			if (!S_ISDIR(st.st_mode))
				break;
		} else if (!S_ISDIR(st.st_mode)) {
			break; /* a lower non-directory ends the merge */
		}
		s->dirfd[i] = open_layer_dir_at(w->dirfd[i], name);
		if (s->dirfd[i] < 0) {
			errno = -s->dirfd[i];
			s->dirfd[i] = -1;
			goto fail_errno;
		}
		s->dir_layers |= 1u << i;
		if (i + 1 < u->nlayers) {
			int opaque = union_dir_is_opaque(s->dirfd[i]);

			if (opaque < 0) {
				errno = -opaque;
				goto fail_errno;
			}
			if (opaque)
				break;
		}
	}
	return 0;

fail_errno:
	{
		int err = errno;

		step_close_dirs(u, s);
		return -err;
	}
}

static void walk_enter(struct walk *w, struct step *s, const char *child_path)
{
	walk_close_dirs(w);
	for (size_t i = 0; i < w->u->nlayers; i++) {
		w->dirfd[i] = s->dirfd[i];
		s->dirfd[i] = -1;
		if (w->dirfd[i] >= 0)
			w->owned |= 1u << i;
	}
	strcpy(w->path, child_path);
}

static int walk_render_dir(struct walk *w)
{
	if (!(w->flags & VN_RENDER) || !w->u->view)
		return 0;
	return vn_render_dir(w->u, w->path);
}

/* Walk a canonical directory path from the root (used for ".." and the
 * start directory): every component must be a directory. */
static int walk_canonical(struct walk *w, const char *canonical)
{
	char buf[PATH_MAX];
	char *save = NULL;
	int r;

	if (strlen(canonical) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, canonical);
	r = walk_to_root(w);
	if (r < 0)
		return r;
	r = walk_render_dir(w);
	if (r < 0)
		return r;
	for (char *name = strtok_r(buf, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
		char child[PATH_MAX];
		struct step s;

		r = union_join(child, sizeof(child), w->path, name);
		if (r < 0)
			return r;
		if (union_is_reserved_name(name))
			return -ENOENT;
		r = lookup_name(w, name, child, &s);
		if (r < 0)
			return r;
		if (s.layer < 0)
			return -ENOENT;
		if (!S_ISDIR(s.st.st_mode)) {
			step_close_dirs(w->u, &s);
			return -ENOTDIR;
		}
		walk_enter(w, &s, child);
		r = walk_render_dir(w);
		if (r < 0)
			return r;
	}
	return 0;
}

static void parent_of(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash == path)
		path[1] = '\0';
	else if (slash)
		*slash = '\0';
}

/* The remaining components, kept as one string we consume from the front. */
struct remaining {
	char buf[PATH_MAX * 2];
	size_t pos;
};

static int remaining_push_front(struct remaining *r, const char *prefix)
{
	size_t rest = strlen(r->buf + r->pos);
	size_t plen = strlen(prefix);

	if (plen + 1 + rest + 1 > sizeof(r->buf))
		return -ENAMETOOLONG;
	memmove(r->buf + plen + 1, r->buf + r->pos, rest + 1);
	memcpy(r->buf, prefix, plen);
	r->buf[plen] = rest ? '/' : '\0';
	if (!rest)
		r->buf[plen] = '\0';
	r->pos = 0;
	return 0;
}

/* Next component into name; returns false at the end.  *trailing_slash is
 * set when the component was followed by a slash (so must be a dir). */
static bool remaining_next(struct remaining *r, char *name, bool *last, bool *trailing_slash)
{
	char *p = r->buf + r->pos;
	size_t n;

	while (*p == '/')
		p++;
	if (!*p)
		return false;
	n = strcspn(p, "/");
	memcpy(name, p, n);
	name[n] = '\0';
	p += n;
	*trailing_slash = *p == '/';
	while (*p == '/')
		p++;
	*last = *p == '\0';
	r->pos = (size_t)(p - r->buf);
	return true;
}

/* Whether the path goes straight back up out of a passthrough mount
 * ("./..", ".."); if so, consume those components. */
static bool leaves_mount_at_once(struct remaining *r)
{
	struct remaining peek = *r;
	char name[NAME_MAX + 1];
	bool last, slash;

	while (remaining_next(&peek, name, &last, &slash)) {
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") != 0)
			return false;
		*r = peek;
		return true;
	}
	return false;
}

static int walk_dotdot(struct walk *w)
{
	char parent[PATH_MAX];

	if (strcmp(w->path, "/") == 0 || strlen(w->path) <= w->floor) {
		if (w->flags & VN_BENEATH)
			return -EXDEV;
		return 0; /* ".." of the root (or the IN_ROOT floor) is itself */
	}
	strcpy(parent, w->path);
	parent_of(parent);
	if (w->floor > 1 && strlen(parent) < w->floor)
		return w->flags & VN_BENEATH ? -EXDEV : 0;
	return walk_canonical(w, parent);
}

static int walk_follow_symlink(struct walk *w, int layer, const char *name,
			       struct remaining *rem, const char *floor_path)
{
	char target[PATH_MAX];
	ssize_t n;
	int r;

	if (w->flags & VN_NO_SYMLINKS)
		return -ELOOP;
	if (++w->links > VN_MAX_SYMLINKS)
		return -ELOOP;
	n = readlinkat(w->dirfd[layer], name, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (n == 0)
		return -ENOENT;
	if (w->flags & VN_RENDER && w->u->view) {
		char child[PATH_MAX];

		r = union_join(child, sizeof(child), w->path, name);
		if (r < 0)
			return r;
		r = vn_render_symlink(w->u, child, target);
		if (r < 0)
			return r;
	}
	r = remaining_push_front(rem, target);
	if (r < 0)
		return r;
	if (target[0] == '/') {
		if (w->flags & VN_BENEATH)
			return -EXDEV;
		if (w->flags & VN_IN_ROOT)
			return walk_canonical(w, floor_path);
		r = walk_to_root(w);
		if (r < 0)
			return r;
		return walk_render_dir(w);
	}
	return 0;
}

static void node_fill_passthrough(struct vn_node *node, const struct vn_passthrough *mnt,
				  const char *path, struct remaining *rem)
{
	node->passthrough = true;
	node->mount = mnt;
	node->layer = -1;
	snprintf(node->path, sizeof(node->path), "%s", path);
	snprintf(node->rest, sizeof(node->rest), "%s", rem->buf + rem->pos);
}

int vn_resolve(struct vn_union *u, const char *start, const char *path, int flags,
	       struct vn_node *node)
{
	struct walk w = { .u = u, .flags = flags };
	struct remaining rem = { .pos = 0 };
	char floor_path[PATH_MAX] = "/";
	char name[NAME_MAX + 1];
	bool last = false, trailing_slash = false;
	int r;

	memset(node, 0, offsetof(struct vn_node, path));
	node->path[0] = '\0';
	node->rest[0] = '\0';
	node->passthrough = false;
	node->parent_exists = false;
	node->layer = -1;
	for (size_t i = 0; i < VN_MAX_LAYERS; i++)
		w.dirfd[i] = -1;
	if (!path[0])
		return -ENOENT;
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (path[0] == '/' && (flags & VN_BENEATH))
		return -EXDEV;

	if (path[0] == '/' && !(flags & VN_IN_ROOT))
		start = "/";
	r = walk_canonical(&w, start);
	if (r < 0)
		goto out;
	if (flags & (VN_BENEATH | VN_IN_ROOT)) {
		snprintf(floor_path, sizeof(floor_path), "%s", w.path);
		w.floor = strlen(w.path);
	}
	strcpy(rem.buf, path);

	if (!remaining_next(&rem, name, &last, &trailing_slash)) {
		/* "/" or the start directory itself */
		goto found_dir_self;
	}
	for (;;) {
		char child[PATH_MAX];
		struct step s;
		const struct vn_passthrough *mnt;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			if (name[1] == '.') {
				r = walk_dotdot(&w);
				if (r < 0)
					goto out;
			}
			if (!remaining_next(&rem, name, &last, &trailing_slash))
				goto found_dir_self;
			continue;
		}
		r = union_join(child, sizeof(child), w.path, name);
		if (r < 0)
			goto out;
		mnt = vn_union_passthrough_at(u, child);
		if (mnt && !last && leaves_mount_at_once(&rem)) {
			/* "mnt/.." is the directory that holds the mount point */
			if (!remaining_next(&rem, name, &last, &trailing_slash))
				goto found_dir_self;
			continue;
		}
		if (mnt) {
			if (flags & VN_NO_XDEV) {
				r = -EXDEV;
				goto out;
			}
			node_fill_passthrough(node, mnt, child, &rem);
			r = 0;
			goto out;
		}
		if (union_is_reserved_name(name)) {
			s.layer = -1;
			for (size_t i = 0; i < u->nlayers; i++)
				s.dirfd[i] = -1;
		} else {
			r = lookup_name(&w, name, child, &s);
			if (r < 0)
				goto out;
		}
		if (s.layer < 0) {
			snprintf(node->path, sizeof(node->path), "%s", child);
			node->parent_exists = last;
			r = -ENOENT;
			goto out;
		}
		if (S_ISLNK(s.st.st_mode) && (!last || (flags & VN_FOLLOW) || trailing_slash)) {
			r = walk_follow_symlink(&w, s.layer, name, &rem, floor_path);
			if (r < 0)
				goto out;
			if (!remaining_next(&rem, name, &last, &trailing_slash))
				goto found_dir_self;
			continue;
		}
		if (!S_ISDIR(s.st.st_mode)) {
			if (!last || trailing_slash) {
				r = -ENOTDIR;
				goto out;
			}
			if ((flags & VN_RENDER) && u->view && S_ISLNK(s.st.st_mode)) {
				char target[PATH_MAX];
				ssize_t n = readlinkat(w.dirfd[s.layer], name, target, sizeof(target) - 1);

				if (n < 0) {
					r = -errno;
					goto out;
				}
				target[n] = '\0';
				r = vn_render_symlink(u, child, target);
				if (r < 0)
					goto out;
			}
			snprintf(node->path, sizeof(node->path), "%s", child);
			node->layer = s.layer;
			node->st = s.st;
			node->dir_layers = 0;
			r = 0;
			goto out;
		}
		walk_enter(&w, &s, child);
		r = walk_render_dir(&w);
		if (r < 0)
			goto out;
		if (!remaining_next(&rem, name, &last, &trailing_slash))
			goto found_dir_self;
	}

found_dir_self:
	/* The current directory of the walk is the answer. */
	snprintf(node->path, sizeof(node->path), "%s", w.path);
	node->dir_layers = 0;
	node->layer = -1;
	for (size_t i = 0; i < u->nlayers; i++) {
		if (w.dirfd[i] < 0)
			continue;
		node->dir_layers |= 1u << i;
		if (node->layer < 0) {
			if (fstat(w.dirfd[i], &node->st) < 0) {
				r = -errno;
				goto out;
			}
			node->layer = (int)i;
		}
	}
	r = node->layer < 0 ? -ENOENT : 0;
out:
	walk_close_dirs(&w);
	return r;
}

int vn_open_node(struct vn_union *u, const struct vn_node *node, int flags)
{
	if (node->layer < 0)
		return -ENOENT;
	return union_openat_beneath(u->layers[node->layer].root_fd, vn_rel(node->path), flags);
}

int union_open_layer_dir(struct vn_union *u, const struct vn_node *node, size_t layer)
{
	return union_openat_beneath(u->layers[layer].root_fd, vn_rel(node->path),
				    O_RDONLY | O_DIRECTORY);
}

ssize_t vn_readlink_node(struct vn_union *u, const struct vn_node *node, char *buf, size_t size)
{
	int fd;
	ssize_t n;

	if (node->layer < 0)
		return -ENOENT;
	if (!S_ISLNK(node->st.st_mode))
		return -EINVAL;
	fd = vn_open_node(u, node, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return fd;
	n = readlinkat(fd, "", buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}
