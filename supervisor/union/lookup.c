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
#include <linux/capability.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define VN_MAX_SYMLINKS 40

struct walk {
	struct vn_union *u;
	int flags;
	bool root_set;             /* as the kernel's nd->root: set by an absolute path or a ".." */
	struct dircache_entry *cur; /* the current directory (referenced) */
	const int *dirfd;          /* cur->fds: its fd in each layer, -1 if none */
	char path[PATH_MAX];       /* canonical union path of the current directory */
	size_t floor;              /* BENEATH / IN_ROOT: never go above this prefix */
	const char *root;          /* the process's root (chroot): "/" restarts here, ".." stops here */
	int links;
};

/* What one name resolves to inside the current directory. */
struct step {
	int layer;                 /* topmost layer, -1 when absent */
	struct stat st;
	int dirfd[VN_MAX_LAYERS];  /* for directories: the new per-layer fds */
	uint32_t dir_layers;
};

static void step_close_dirs(struct vn_union *u, struct step *s)
{
	for (size_t i = 0; i < u->nlayers; i++)
		if (s->dirfd[i] >= 0) {
			close(s->dirfd[i]);
			s->dirfd[i] = -1;
		}
}

static void walk_stand_in(struct walk *w, struct dircache_entry *e)
{
	union_dircache_put(w->u, w->cur);
	w->cur = e;
	w->dirfd = e->fds;
	strcpy(w->path, e->path);
}

static void walk_release(struct walk *w)
{
	union_dircache_put(w->u, w->cur);
	w->cur = NULL;
}

static int dircache_ready(struct vn_union *u)
{
	if (__atomic_load_n(&u->dircache, __ATOMIC_ACQUIRE))
		return 0;
	{
		struct vn_union scratch = { .nlayers = u->nlayers };
		struct vn_dircache *expected = NULL;
		int r = union_dircache_new(&scratch);

		if (r < 0)
			return r;
		if (!__atomic_compare_exchange_n(&u->dircache, &expected, scratch.dircache, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			union_dircache_free(&scratch);
	}
	return 0;
}

/* The root: every layer's root down to the first opaque one. */
static struct dircache_entry *root_entry(struct vn_union *u, int *err)
{
	struct dircache_entry *e = union_dircache_get(u, "/");
	int fds[VN_MAX_LAYERS];
	uint32_t layers = 0;

	if (e)
		return e;
	for (size_t i = 0; i < VN_MAX_LAYERS; i++)
		fds[i] = -1;
	for (size_t i = 0; i < u->nlayers; i++) {
		int opaque;

		fds[i] = fcntl(u->layers[i].root_fd, F_DUPFD_CLOEXEC, 0);
		if (fds[i] < 0)
			goto fail;
		layers |= 1u << i;
		if (i + 1 == u->nlayers)
			break;
		opaque = union_dir_is_opaque(fds[i]);
		if (opaque < 0) {
			errno = -opaque;
			goto fail;
		}
		if (opaque)
			break;
	}
	e = union_dircache_add(u, "/", fds, layers, NULL);
	if (!e)
		*err = -ENOMEM;
	return e;
fail:
	*err = -errno;
	for (size_t i = 0; i < u->nlayers; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return NULL;
}

static int walk_to_root(struct walk *w)
{
	int err = 0;
	struct dircache_entry *e = root_entry(w->u, &err);

	if (!e)
		return err;
	walk_stand_in(w, e);
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

/* Whether a layer below `layer` has the current directory: only then can
 * a whiteout or an opaque marker in `layer` hide anything (the bottom
 * layer's never do, so they are not looked for). */
static bool walk_has_lower(const struct walk *w, size_t layer)
{
	for (size_t j = layer + 1; j < w->u->nlayers; j++)
		if (w->dirfd[j] >= 0)
			return true;
	return false;
}

/* Look `name` up in every layer from `first` down that contributes to the
 * current directory. */
static int lookup_name_from(struct walk *w, const char *name, const char *child_path,
			    size_t first, struct step *s)
{
	struct vn_union *u = w->u;

	s->layer = -1;
	s->dir_layers = 0;
	for (size_t i = 0; i < u->nlayers; i++)
		s->dirfd[i] = -1;

	for (size_t i = first; i < u->nlayers; i++) {
		struct stat st;

		if (w->dirfd[i] < 0 || union_layer_masks(&u->layers[i], child_path))
			continue;
		if (fstatat(w->dirfd[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			int wh;

			/* a lower directory the caller may not search on the
			 * host: what it holds cannot be known, so it holds
			 * nothing (docs/design.md, Ownership) */
			if (errno == EACCES && i > 0)
				continue;
			if (errno != ENOENT)
				goto fail_errno;
			if (!walk_has_lower(w, i))
				break;
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
		if (walk_has_lower(w, i)) {
			int opaque = union_dir_is_opaque(s->dirfd[i]);

			/* ".wh.NAME" next to the directory NAME hides NAME of
			 * the layers below: the directory stands alone (OCI) */
			if (opaque == 0)
				opaque = union_has_oci_whiteout(w->dirfd[i], name);
			/* unsearchable: as above; the upper's too, for a
			 * supervisor without capabilities (notify-hostroot runs
			 * as the caller): nothing in it can be looked up then
			 * (walk_may_search), so its marker cannot matter yet */
			if (opaque == -EACCES)
				opaque = 0;

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

static int lookup_name(struct walk *w, const char *name, const char *child_path, struct step *s)
{
	return lookup_name_from(w, name, child_path, 0, s);
}

/* Enter a directory the lookup just opened: it becomes a cache entry. */
static int walk_enter(struct walk *w, struct step *s, const char *child_path)
{
	struct dircache_entry *e = union_dircache_add(w->u, child_path, s->dirfd, s->dir_layers, &s->st);

	if (!e) {
		step_close_dirs(w->u, s);
		return -ENOMEM;
	}
	walk_stand_in(w, e);
	return 0;
}

static int walk_render_dir(struct walk *w)
{
	if (!(w->flags & VN_RENDER) || !w->u->view)
		return 0;
	return vn_render_dir(w->u, w->path);
}

/* Step into `name`: a cached directory costs nothing; anything else is
 * looked up in the layers.  1: the walk entered a directory; 0: s holds
 * a non-directory, or s->layer < 0 when the name does not exist. */
static int walk_step(struct walk *w, const char *name, const char *child, struct step *s)
{
	struct dircache_entry *e;
	int r;

	s->layer = -1;
	for (size_t i = 0; i < VN_MAX_LAYERS; i++)
		s->dirfd[i] = -1;
	if (union_is_reserved_name(name))
		return 0;
	e = union_dircache_get(w->u, child);
	if (e) {
		walk_stand_in(w, e);
		return 1;
	}
	r = lookup_name(w, name, child, s);
	if (r < 0)
		return r;
	if (s->layer < 0 || !S_ISDIR(s->st.st_mode))
		return 0;
	r = walk_enter(w, s, child);
	return r < 0 ? r : 1;
}

/* An identity other than root (presented, or the caller's own without a
 * view) needs search permission on every directory it looks a name up in
 * (the kernel's may_lookup). */
static int walk_may_search(struct walk *w)
{
	const struct vn_cred *c = vn_current_cred();
	struct stat st;
	int layer, r;

	if (!c || vn_capable(c, CAP_DAC_READ_SEARCH) || vn_capable(c, CAP_DAC_OVERRIDE) ||
	    !w->cur->layers)
		return 0;
	layer = __builtin_ctz(w->cur->layers);
	if (fstat(w->dirfd[layer], &st) < 0)
		return -errno;
	/* presented owners, or (an identity without them: the caller's own,
	 * notify-hostroot) the real ones */
	r = w->u->owners ? union_owner_present(w->u, layer, w->dirfd[layer], "", &st) : 0;
	union_present_root_mode(w->u, layer, w->path, &st);
	return r < 0 ? r : vn_permission(&st, VN_MAY_EXEC);
}

/* Stand in a canonical directory path (used for ".." and the start
 * directory): every component must be a directory. */
static int walk_canonical(struct walk *w, const char *canonical)
{
	char buf[PATH_MAX];
	char *save = NULL;
	struct dircache_entry *e = union_dircache_get(w->u, canonical);
	int r;

	if (e) {
		walk_stand_in(w, e);
		return (w->flags & VN_RENDER) && w->u->view ? vn_render_dir(w->u, canonical) : 0;
	}
	if (strlen(canonical) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, canonical);
	r = walk_to_root(w);
	if (r < 0)
		return r;
	for (char *name = strtok_r(buf, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
		char child[PATH_MAX];
		struct step s;

		r = union_join(child, sizeof(child), w->path, name);
		if (r < 0)
			return r;
		r = walk_step(w, name, child, &s);
		if (r < 0)
			return r;
		if (r == 0)
			return s.layer < 0 ? -ENOENT : -ENOTDIR;
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
	char *buf;             /* inline_buf, or the heap when links nest deep */
	size_t cap;
	size_t pos;
	int err;               /* -ENAMETOOLONG: a component longer than NAME_MAX */
	char inline_buf[PATH_MAX * 2];
};

/* Nested symlinks can leave up to one target per link to walk, as the
 * kernel's stack of link bodies: ELOOP comes before this fills up. */
#define REMAINING_MAX ((size_t)(VN_MAX_SYMLINKS + 2) * PATH_MAX)

static int remaining_push_front(struct remaining *r, const char *prefix)
{
	size_t rest = strlen(r->buf + r->pos);
	size_t plen = strlen(prefix);
	size_t need = plen + 1 + rest + 1;

	if (need > r->cap) {
		size_t cap = r->cap * 2 > need ? r->cap * 2 : need;
		char *grown;

		if (need > REMAINING_MAX)
			return -ENAMETOOLONG;
		if (cap > REMAINING_MAX)
			cap = REMAINING_MAX;
		grown = malloc(cap);
		if (!grown)
			return -ENOMEM;
		memcpy(grown + plen + 1, r->buf + r->pos, rest + 1);
		if (r->buf != r->inline_buf)
			free(r->buf);
		r->buf = grown;
		r->cap = cap;
		r->pos = plen + 1;
	}
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
	if (n > NAME_MAX) {
		/* what the file system says when the walk reaches it */
		r->err = -ENAMETOOLONG;
		return false;
	}
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

/* How many levels name takes a walk down inside passthrough mount mnt,
 * `inside` being the path below the mount point up to and including name;
 * -1 when only the kernel can tell (a symlink, a magic link, a name we
 * cannot see).  /proc's links are known by name: the supervisor is not in
 * the sandbox's pid namespace, so it cannot read them itself. */
static int passthrough_name_depth(struct vn_union *u, const struct vn_passthrough *mnt,
				  const char *inside, const char *name)
{
	static const char *const proc_magic[] = { "root", "cwd", "exe", "fd", "map_files", "ns" };
	char path[PATH_MAX];
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	struct stat st;
	int fd;

	if (strcmp(mnt->path, "/proc") == 0) {
		bool top = strcmp(inside, name) == 0;

		for (size_t i = 0; i < sizeof(proc_magic) / sizeof(proc_magic[0]); i++)
			if (strcmp(name, proc_magic[i]) == 0)
				return -1;
		if (top && strcmp(name, "self") == 0)
			return 1;  /* "<pid>" */
		if (top && strcmp(name, "thread-self") == 0)
			return 3;  /* "<pid>/task/<tid>" */
		if (top && (strcmp(name, "mounts") == 0 || strcmp(name, "net") == 0))
			return 2;  /* "self/NAME" */
		return 1;
	}
	if (!u->view || u->view->target_fd < 0)
		return -1;
	if (snprintf(path, sizeof(path), "%s/%s", vn_rel(mnt->path), inside) >= (int)sizeof(path))
		return -1;
	fd = (int)syscall(SYS_openat2, u->view->target_fd, path, &how, sizeof(how));
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		st.st_mode = S_IFLNK;
	close(fd);
	return S_ISLNK(st.st_mode) ? -1 : 1;
}

/* Whether the rest of the path climbs out of passthrough mount mnt by
 * "..": then it leads back into the union, where the supervisor resolves
 * it (never into the view, which the kernel would find), and r is left
 * just after the ".." that leaves.  Only a path that has a ".." is looked
 * at; a symlink inside the mount is the kernel's to follow. */
static bool passthrough_left(struct vn_union *u, const struct vn_passthrough *mnt,
			     struct remaining *r)
{
	struct remaining peek = *r;
	char name[NAME_MAX + 1], inside[PATH_MAX] = "";
	size_t len = 0;
	bool last, slash;
	int depth = 0;

	if (!strstr(r->buf + r->pos, ".."))
		return false;
	while (remaining_next(&peek, name, &last, &slash)) {
		int down;

		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if (depth == 0) {
				*r = peek;
				return true;
			}
			depth--;
		}
		if (len + strlen(name) + 2 >= sizeof(inside))
			return false;
		len += (size_t)sprintf(inside + len, "%s%s", len ? "/" : "", name);
		if (strcmp(name, "..") == 0)
			continue;
		down = passthrough_name_depth(u, mnt, inside, name);
		if (down < 0)
			return false;
		depth += down;
	}
	return false;
}

static int walk_dotdot(struct walk *w)
{
	char parent[PATH_MAX];

	/* as the kernel's follow_dotdot: only the root itself stops "..";
	 * a cwd kept outside a chroot climbs past it (the classic escape) */
	if (strcmp(w->path, "/") == 0 || strlen(w->path) <= w->floor || strcmp(w->path, w->root) == 0) {
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
			       struct remaining *rem, const char *floor_path, bool must_be_dir)
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
	/* "link/": the target must be a directory too */
	if (must_be_dir && !rem->buf[rem->pos]) {
		if ((size_t)n + 1 >= sizeof(target))
			return -ENAMETOOLONG;
		target[n++] = '/';
		target[n] = '\0';
	}
	if ((w->flags & VN_RENDER && w->u->view) || w->u->link_followed) {
		char child[PATH_MAX];

		r = union_join(child, sizeof(child), w->path, name);
		if (r < 0)
			return r;
		if (w->u->link_followed)
			w->u->link_followed(w->u->link_followed_arg, child, layer);
		if (w->flags & VN_RENDER && w->u->view) {
			r = vn_render_symlink(w->u, child, target);
			if (r < 0)
				return r;
		}
	}
	r = remaining_push_front(rem, target);
	if (r < 0)
		return r;
	if (target[0] == '/') {
		if (w->flags & VN_BENEATH)
			return -EXDEV;
		/* as the kernel (nd_jump_root): a relative lookup that has not
		 * met ".." yet has no root set, and the jump counts as a crossing */
		if ((w->flags & VN_NO_XDEV) && !w->root_set && !(w->flags & VN_IN_ROOT))
			return -EXDEV;
		w->root_set = true;
		if (w->flags & VN_IN_ROOT)
			return walk_canonical(w, floor_path);
		r = walk_canonical(w, w->root);
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
	return vn_resolve_counted(u, "/", start, path, flags, 0, node);
}

int vn_resolve_counted(struct vn_union *u, const char *root, const char *start, const char *path,
		       int flags, int links, struct vn_node *node)
{
	struct walk w = { .u = u, .flags = flags, .links = links, .root_set = path[0] == '/',
			  .root = root };
	struct remaining rem = { .pos = 0 };
	char floor_path[PATH_MAX] = "/";
	char name[NAME_MAX + 1];
	bool last = false, trailing_slash = false;
	int r;

	rem.buf = rem.inline_buf;
	rem.cap = sizeof(rem.inline_buf);
	memset(node, 0, offsetof(struct vn_node, path));
	node->links = links;
	node->path[0] = '\0';
	node->rest[0] = '\0';
	node->passthrough = false;
	node->parent_exists = false;
	node->layer = -1;
	if (!path[0])
		return -ENOENT;
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (path[0] == '/' && (flags & VN_BENEATH))
		return -EXDEV;

	if (path[0] == '/' && !(flags & VN_IN_ROOT))
		start = root;
	r = dircache_ready(u);
	if (r < 0)
		return r;
	r = walk_canonical(&w, start);
	if (r < 0)
		goto out;
	if (flags & (VN_BENEATH | VN_IN_ROOT)) {
		snprintf(floor_path, sizeof(floor_path), "%s", w.path);
		w.floor = strlen(w.path);
	}
	strcpy(rem.buf, path); /* shorter than PATH_MAX: checked above */

	if (!remaining_next(&rem, name, &last, &trailing_slash)) {
		/* "/" or the start directory itself */
		goto found_dir_self;
	}
	for (;;) {
		char child[PATH_MAX];
		struct step s;
		const struct vn_passthrough *mnt;

		r = walk_may_search(&w);
		if (r < 0)
			goto out;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			if (name[1] == '.') {
				w.root_set = true;
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
		if (mnt && !last && passthrough_left(u, mnt, &rem)) {
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
		r = walk_step(&w, name, child, &s);
		if (r < 0)
			goto out;
		if (r == 1) {
			r = walk_render_dir(&w);
			if (r < 0)
				goto out;
			if (!remaining_next(&rem, name, &last, &trailing_slash))
				goto found_dir_self;
			continue;
		}
		if (s.layer < 0) {
			snprintf(node->path, sizeof(node->path), "%s", child);
			node->parent_exists = last;
			r = -ENOENT;
			goto out;
		}
		/* the last symlink: followed by VN_FOLLOW, and by "NAME/" unless
		 * VN_NOFOLLOW_LAST keeps every "NAME/" as itself */
		if (S_ISLNK(s.st.st_mode) &&
		    (!last || (trailing_slash ? !(flags & VN_NOFOLLOW_LAST) : (flags & VN_FOLLOW)))) {
			r = walk_follow_symlink(&w, s.layer, name, &rem, floor_path,
						last && trailing_slash);
			if (r < 0)
				goto out;
			if (!remaining_next(&rem, name, &last, &trailing_slash))
				goto found_dir_self;
			continue;
		}
		if (!S_ISDIR(s.st.st_mode)) {
			if (!last || (trailing_slash && !(flags & VN_NOFOLLOW_LAST))) {
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
			r = union_owner_present(u, s.layer, w.dirfd[s.layer], name, &node->st);
			goto out;
		}
	}

found_dir_self:
	if (rem.err) {
		r = rem.err;
		goto out;
	}
	/* The current directory of the walk is the answer. */
	snprintf(node->path, sizeof(node->path), "%s", w.path);
	node->dir_layers = w.cur->layers;
	node->origin_dev = w.cur->origin_dev;
	node->origin_ino = w.cur->origin_ino;
	node->layer = node->dir_layers ? __builtin_ctz(node->dir_layers) : -1;
	if (node->layer < 0)
		r = -ENOENT;
	else
		r = fstat(w.dirfd[node->layer], &node->st) < 0 ? -errno : 0;
	if (r == 0)
		r = union_owner_present(u, node->layer, w.dirfd[node->layer], "", &node->st);
	if (r == 0)
		union_present_root_mode(u, node->layer, node->path, &node->st);
out:
	if (rem.buf != rem.inline_buf)
		free(rem.buf);
	node->trailing_slash = trailing_slash;
	node->links = w.links;
	walk_release(&w);
	return r;
}

int union_lower_has(struct vn_union *u, const char *dir_path, const char *name)
{
	struct walk w = { .u = u, .root = "/" };
	char child[PATH_MAX];
	struct step s;
	int r = dircache_ready(u);

	if (r < 0)
		return r;
	r = walk_canonical(&w, dir_path);
	if (r == 0)
		r = union_join(child, sizeof(child), w.path, name);
	if (r == 0)
		r = lookup_name_from(&w, name, child, 1, &s);
	if (r == 0) {
		step_close_dirs(u, &s);
		r = s.layer >= 0;
	}
	walk_release(&w);
	return r;
}

int union_refresh(struct vn_union *u, struct vn_node *node)
{
	char path[PATH_MAX];

	memcpy(path, node->path, sizeof(path)); /* vn_resolve starts by clearing it */
	return vn_resolve(u, "/", path, 0, node);
}

int vn_open_node(struct vn_union *u, const struct vn_node *node, int flags)
{
	struct dircache_entry *e;
	const char *name;
	int fd, r;

	if (node->layer < 0)
		return -ENOENT;
	if (union_shadowed(u, node, flags))
		return union_shadow_open(u, node, flags);
	/* from the cached parent: one component to resolve, not the path */
	e = union_node_parent(u, node, &name);
	if (e) {
		fd = union_openat_beneath(e->fds[node->layer], name, flags);
		union_dircache_put(u, e);
	} else {
		fd = union_openat_beneath(u->layers[node->layer].root_fd, vn_rel(node->path), flags);
	}
	if (fd >= 0 && (flags & O_TRUNC) && (r = union_keep_setid(&node->st, fd)) < 0) {
		close(fd);
		fd = r;
	}
	return fd;
}

int vn_node_host_path(struct vn_union *u, const struct vn_node *node, int flags, char *out,
		      size_t size)
{
	const char *root;

	if (node->layer < 0)
		return -ENOENT;
	if (union_shadowed(u, node, flags))
		return -EOPNOTSUPP;
	root = u->layers[node->layer].real_root;
	/* the walk met no symlink in any layer on the way (it resolves them
	 * in the union, and opens each layer's directories without them) */
	if (snprintf(out, size, "%s%s", strcmp(root, "/") == 0 ? "" : root,
		     strcmp(node->path, "/") == 0 && strcmp(root, "/") != 0 ? "" : node->path) >=
	    (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int union_open_layer_dir(struct vn_union *u, const struct vn_node *node, size_t layer)
{
	struct dircache_entry *e = union_dircache_get(u, node->path);
	int fd;

	/* the cached directory opened again (its own offset), not the path */
	if (e && e->fds[layer] >= 0) {
		fd = union_openat_beneath(e->fds[layer], ".", O_RDONLY | O_DIRECTORY);
		union_dircache_put(u, e);
		return fd;
	}
	if (e)
		union_dircache_put(u, e);
	return union_openat_beneath(u->layers[layer].root_fd, vn_rel(node->path),
				    O_RDONLY | O_DIRECTORY);
}

