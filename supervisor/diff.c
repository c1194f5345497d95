/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The changes an upper holds against its lowers (`veneer diff`, and the
 * summary `veneer run` prints at exit).  Only the upper is walked; a
 * lower is asked only for the paths the upper has (to tell added from
 * changed, and what of a changed object differs).  A directory the upper
 * holds only because something below it changed (its copy-up) is not a
 * change of its own, and is left out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "layer_tools.h"
#include "veneer/union.h"

enum { RANK_DELETED, RANK_OBJECT, RANK_OPAQUE };

/* The lower's object at path, never following a symlink: an O_PATH fd,
 * or 0 when it has none (a symlink on the way, a directory one may not
 * search), or -errno. */
static int lower_object(int lower_fd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	int fd;

	do {
		fd = (int)syscall(SYS_openat2, lower_fd, path, &how, sizeof(how));
	} while (fd < 0 && errno == EAGAIN);
	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT: case ENOTDIR: case ELOOP: case EXDEV: case EACCES: case ENAMETOOLONG:
		return 0;
	default:
		return -errno;
	}
}

/* The topmost lower's object at path: as lower_object; *which: its lower. */
static int topmost_lower_object(const struct lt_diff *d, const char *path, size_t *which)
{
	for (size_t i = 0; i < d->nlowers; i++) {
		int fd = lower_object(d->lower_fds[i], path);

		*which = i;
		if (fd != 0)
			return fd;
	}
	return 0;
}

/* The owner the sandbox showed for the lower object at fd (its stat st)
 * of lower i: its lower's store's record (an import), the owner an image
 * gave it in user.rootlesscontainers, else the real one (yours as 0). */
static void lower_owner(const struct lt_diff *d, size_t i, int fd, const struct stat *st,
			uid_t *uid, gid_t *gid)
{
	struct lt_upper bare = *d->up;

	if (d->lower_stores && d->lower_stores[i] &&
	    vn_owner_store_get(d->lower_stores[i], st->st_ino, uid, gid))
		return;
	bare.store = NULL;
	lt_presented_owner(&bare, st, uid, gid);
	if (st->st_uid == d->up->caller_uid)
		(void)vn_rootless_owner_at(fd, "", st, uid, gid);
}

/* A symlink's target (NULL: none, or out of memory). */
static char *link_target(int dirfd, const char *name)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* What of the upper's object e differs from the lower's at lower (an
 * O_PATH fd): LT_CHANGED_*.  The lower's owner is shown inside as the
 * upper's unrecorded ones are (yours as 0). */
static unsigned changes_from(const struct lt_diff *d, const struct lt_entry *e, int lower,
			     size_t which, const char *target)
{
	struct stat st;
	unsigned changed = 0;
	uid_t uid;
	gid_t gid;

	if (fstatat(lower, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return LT_CHANGED_TYPE | LT_CHANGED_MODE | LT_CHANGED_OWNER;
	lower_owner(d, which, lower, &st, &uid, &gid);
	if ((st.st_mode & S_IFMT) != (e->st.st_mode & S_IFMT))
		return LT_CHANGED_TYPE;
	if ((st.st_mode & 07777) != (e->st.st_mode & 07777))
		changed |= LT_CHANGED_MODE;
	if (uid != e->uid || gid != e->gid)
		changed |= LT_CHANGED_OWNER;
	if (S_ISREG(st.st_mode) &&
	    (st.st_size != e->st.st_size || st.st_mtim.tv_sec != e->st.st_mtim.tv_sec ||
	     st.st_mtim.tv_nsec != e->st.st_mtim.tv_nsec))
		changed |= LT_CHANGED_DATA;
	if (S_ISLNK(st.st_mode)) {
		char *theirs = link_target(lower, "");

		if (!theirs || !target || strcmp(theirs, target) != 0)
			changed |= LT_CHANGED_TARGET;
		free(theirs);
	}
	if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && st.st_rdev != e->st.st_rdev)
		changed |= LT_CHANGED_DEVICE;
	return changed;
}

static bool selected(const struct lt_diff *d, const char *path)
{
	return !d->selected || d->selected(d->arg, path);
}

/* Add a change for path (taken): 0 or -ENOMEM. */
static int add_change(struct lt_diff *d, char *path, int rank, const struct lt_change *what)
{
	if (!path)
		return -ENOMEM;
	if (!selected(d, path)) {
		free(path);
		return 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 256;
		struct lt_change *grown = realloc(d->changes, cap * sizeof(*grown));

		if (!grown) {
			free(path);
			return -ENOMEM;
		}
		d->changes = grown;
		d->cap = cap;
	}
	d->changes[d->n] = *what;
	d->changes[d->n].path = path;
	d->changes[d->n].rank = rank;
	d->n++;
	return 0;
}

static int add_object(struct lt_diff *d, const struct lt_entry *e, struct vn_error *err)
{
	struct lt_change change = { .change = 'A', .st = e->st, .uid = e->uid, .gid = e->gid };
	size_t which;
	int lower, r;

	if (!selected(d, e->path))
		return 0;
	lower = topmost_lower_object(d, e->path, &which);
	if (lower < 0)
		return vn_fail(err, -lower, "look up /%s in the lowers", e->path);
	if (S_ISLNK(e->st.st_mode))
		change.target = link_target(e->dirfd, e->name);
	if (lower > 0) {
		change.change = 'C';
		change.changed = changes_from(d, e, lower, which, change.target);
		close(lower);
	}
	r = add_change(d, strdup(e->path), RANK_OBJECT, &change);
	if (r < 0)
		free(change.target);
	return r < 0 ? vn_fail(err, -r, "list the changes") : 0;
}

static int diff_visit(void *arg, const struct lt_entry *e, struct vn_error *err)
{
	struct lt_diff *d = arg;
	int r;

	switch (e->kind) {
	case LT_WHITEOUT:
		d->marked = true;
		r = add_change(d, lt_join(e->dir, e->hidden), RANK_DELETED,
			       &(struct lt_change){ .change = 'D' });
		break;
	case LT_OPAQUE:
		d->marked = true;
		r = add_change(d, strdup(e->dir), RANK_OPAQUE, &(struct lt_change){ .change = 'O' });
		break;
	default:
		return add_object(d, e, err);
	}
	return r < 0 ? vn_fail(err, -r, "list the changes") : 0;
}

static int compare_changes(const void *a, const void *b)
{
	const struct lt_change *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : x->rank - y->rank;
}

/* A directory of the lowers the upper holds only for what is below it:
 * nothing of its own changed, and it is not opaque (the next change). */
static bool only_a_parent(const struct lt_diff *d, size_t i)
{
	const struct lt_change *c = &d->changes[i];

	return c->change == 'C' && S_ISDIR(c->st.st_mode) && c->changed == 0 &&
	       !(i + 1 < d->n && d->changes[i + 1].change == 'O' &&
		 strcmp(d->changes[i + 1].path, c->path) == 0);
}

static void change_free(struct lt_change *c)
{
	free(c->path);
	free(c->target);
}

/* Sorted, the parents-only left out. */
static void settle(struct lt_diff *d)
{
	size_t kept = 0;

	if (d->n > 1)
		qsort(d->changes, d->n, sizeof(*d->changes), compare_changes);
	for (size_t i = 0; i < d->n; i++) {
		if (only_a_parent(d, i))
			change_free(&d->changes[i]);
		else
			d->changes[kept++] = d->changes[i];
	}
	d->n = kept;
}

/* The stores of the lowers that keep owners of their own. */
static int load_lower_stores(struct lt_diff *d, struct vn_error *err)
{
	d->lower_stores = calloc(d->nlowers ? d->nlowers : 1, sizeof(*d->lower_stores));
	if (!d->lower_stores)
		return vn_fail(err, ENOMEM, "list the changes");
	for (size_t i = 0; i < d->nlowers; i++) {
		int r = vn_owner_store_load(d->lower_fds[i], &d->lower_stores[i]);

		if (r < 0)
			return vn_fail(err, -r, "read the owner store of lower %zu", i + 1);
	}
	return 0;
}

int lt_diff_collect(struct lt_diff *d, struct vn_error *err)
{
	if (load_lower_stores(d, err) < 0 || lt_walk(d->up, diff_visit, d, err) < 0)
		return -1;
	settle(d);
	return 0;
}

void lt_diff_free(struct lt_diff *d)
{
	for (size_t i = 0; d->lower_stores && i < d->nlowers; i++)
		vn_owner_store_free(d->lower_stores[i]);
	free(d->lower_stores);
	d->lower_stores = NULL;
	for (size_t i = 0; i < d->n; i++)
		change_free(&d->changes[i]);
	free(d->changes);
	d->changes = NULL;
	d->n = d->cap = 0;
}

int lt_open_lowers(const char *const *paths, size_t n, int **fds, const char *cmd,
		   struct vn_error *err)
{
	*fds = malloc((n ? n : 1) * sizeof(**fds));
	if (!*fds)
		return vn_fail(err, ENOMEM, "%s", cmd);
	for (size_t i = 0; i < n; i++) {
		(*fds)[i] = open(paths[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if ((*fds)[i] < 0) {
			int saved = errno;

			lt_close_lowers(*fds, i);
			*fds = NULL;
			return vn_fail(err, 0, "%s: lower %s: %s; give a directory, as to `veneer run "
				       "--lower`", cmd, paths[i], strerror(saved));
		}
	}
	return 0;
}

void lt_close_lowers(int *fds, size_t n)
{
	for (size_t i = 0; fds && i < n; i++)
		close(fds[i]);
	free(fds);
}
