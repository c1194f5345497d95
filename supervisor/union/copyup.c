/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copy-up: before the union changes an object that lives in a lower, the
 * object is copied into the upper.  The copy is built in the work area
 * (data by reflink, else copy_file_range, else read/write, holes kept;
 * mode, owner where the kernel lets us, user xattrs, times) and renamed
 * into place, so the union shows the old object or the whole copy, never
 * a part.  Parent directories go first, with their metadata.  Nothing a
 * user sees changes: the directory that receives the copy gets its times
 * back, the copy keeps the original's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"

#define COPY_CHUNK (1 << 20)

/* ------------------------------------------------------------- data */

static int copy_range_rw(int src, int dst, off_t off, off_t end)
{
	char *buf = malloc(COPY_CHUNK);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	while (r == 0 && off < end) {
		size_t want = (size_t)(end - off) < COPY_CHUNK ? (size_t)(end - off) : COPY_CHUNK;
		ssize_t n = pread(src, buf, want, off);

		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break; /* the file shrank under us: the rest stays a hole */
		for (ssize_t done = 0; r == 0 && done < n;) {
			ssize_t w = pwrite(dst, buf + done, (size_t)(n - done), off + done);

			if (w < 0)
				r = -errno;
			else
				done += w;
		}
		off += n;
	}
	free(buf);
	return r;
}

static int copy_range(int src, int dst, off_t off, off_t end, bool *use_cfr)
{
	while (*use_cfr && off < end) {
		loff_t in = off, out = off;
		ssize_t n = copy_file_range(src, &in, dst, &out, (size_t)(end - off), 0);

		if (n < 0) {
			if (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP && errno != ENOSYS)
				return -errno;
			*use_cfr = false; /* across file systems: by hand */
			break;
		}
		if (n == 0)
			return 0;
		off += n;
	}
	return off < end ? copy_range_rw(src, dst, off, end) : 0;
}

int vn_copy_data(int src, int dst, off_t size)
{
	bool use_cfr = true;
	off_t off = 0;

	if (ioctl(dst, FICLONE, src) == 0)
		return 0;
	while (off < size) {
		off_t data = lseek(src, off, SEEK_DATA);
		off_t hole;
		int r;

		if (data < 0) {
			if (errno == ENXIO)
				break; /* only a hole is left */
			data = off; /* no SEEK_DATA here: all of it is data */
		}
		hole = lseek(src, data, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		r = copy_range(src, dst, data, hole, &use_cfr);
		if (r < 0)
			return r;
		off = hole;
	}
	return ftruncate(dst, size) < 0 ? -errno : 0;
}

/* --------------------------------------------------------- metadata */

static bool xattr_is_copied(const char *name)
{
	return (strncmp(name, "user.", 5) == 0 && strncmp(name, "user.overlay.", 13) != 0) ||
	       strncmp(name, "system.posix_acl_", 17) == 0;
}

/* Paths through /proc/self/fd reach an object by its directory fd and name
 * without following a symlink in between; a name of "" is the fd's own
 * object (an unnamed file being built). */
static void at_path(char *out, size_t size, int dirfd, const char *name)
{
	if (name[0])
		snprintf(out, size, "/proc/self/fd/%d/%s", dirfd, name);
	else
		snprintf(out, size, "/proc/self/fd/%d", dirfd);
}

static int at_flags(const char *name)
{
	return name[0] ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH;
}

static int copy_xattrs(int src_dir, const char *src_name, int dst_dir, const char *dst_name)
{
	char src[PATH_MAX], dst[PATH_MAX];
	char *names = NULL, *value = NULL;
	ssize_t n;
	int r = 0;

	at_path(src, sizeof(src), src_dir, src_name);
	at_path(dst, sizeof(dst), dst_dir, dst_name);
	n = llistxattr(src, NULL, 0);
	if (n <= 0)
		return 0; /* none, or a file system without them */
	names = malloc((size_t)n);
	value = malloc(XATTR_SIZE_MAX);
	if (!names || !value) {
		r = -ENOMEM;
		goto out;
	}
	n = llistxattr(src, names, (size_t)n);
	for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1) {
		const char *name = names + off;
		ssize_t len;

		if (!xattr_is_copied(name))
			continue;
		len = lgetxattr(src, name, value, XATTR_SIZE_MAX);
		if (len < 0)
			continue;
		/* "" names the fd's file: its /proc link must be followed */
		if ((dst_name[0] ? lsetxattr(dst, name, value, (size_t)len, 0)
				 : setxattr(dst, name, value, (size_t)len, 0)) < 0 &&
		    strncmp(name, "user.", 5) == 0) {
			r = -errno;
			break;
		}
	}
out:
	free(names);
	free(value);
	return r;
}

/* Owner, mode and xattrs of st onto dst.  The owner is recorded where
 * ownership is presented, else given where the kernel lets us. */
static int copy_attrs(struct vn_union *u, int src_dir, const char *src_name,
		      const struct stat *st, int dst_dir, const char *dst_name)
{
	int r = 0;

	if (!S_ISLNK(st->st_mode)) {
		r = copy_xattrs(src_dir, src_name, dst_dir, dst_name);
		if (r < 0)
			return r;
	}
	if (u->owners) {
		r = union_owner_set(u, dst_dir, dst_name, st->st_uid, st->st_gid);
		if (r < 0)
			return r;
	} else if (fchownat(dst_dir, dst_name, st->st_uid, st->st_gid, at_flags(dst_name)) < 0 &&
		   errno != EPERM && errno != EINVAL) {
		/* ids outside our user namespace cannot be given: keep ours */
		return -errno;
	}
	if (S_ISLNK(st->st_mode))
		return 0;
	if ((dst_name[0] ? fchmodat(dst_dir, dst_name, st->st_mode & 07777, 0)
			 : fchmod(dst_dir, st->st_mode & 07777)) < 0)
		return -errno;
	return 0;
}

static int set_times(int dirfd, const char *name, const struct stat *st)
{
	struct timespec t[2] = { st->st_atim, st->st_mtim };

	return utimensat(dirfd, name, t, at_flags(name)) < 0 ? -errno : 0;
}

/* A directory that gets an entry as a side effect keeps its times. */
struct kept_times {
	struct stat st;
	bool ok;
};

static void times_keep(int dirfd, struct kept_times *k)
{
	k->ok = fstat(dirfd, &k->st) == 0;
}

static void times_restore(int dirfd, const struct kept_times *k)
{
	struct timespec t[2] = { k->st.st_atim, k->st.st_mtim };

	/* best effort: the copy is in place, a time is cosmetic next to it */
	if (k->ok && utimensat(dirfd, "", t, AT_EMPTY_PATH) < 0)
		return;
}

/* ---------------------------------------------------------- objects */

/* Hard links met while copying a tree: lower inode -> first copy's name. */
struct link_map {
	struct {
		dev_t dev;
		ino_t ino;
		int dirfd;
		char *name;
	} *items;
	size_t count, cap;
};

static void link_map_free(struct link_map *m)
{
	for (size_t i = 0; i < m->count; i++) {
		close(m->items[i].dirfd);
		free(m->items[i].name);
	}
	free(m->items);
}

/* 1 when dst_dir/dst_name became a link to an earlier copy. */
static int link_map_reuse(struct link_map *m, const struct stat *st, int dst_dir,
			  const char *dst_name)
{
	if (!m || !S_ISREG(st->st_mode) || st->st_nlink < 2)
		return 0;
	for (size_t i = 0; i < m->count; i++)
		if (m->items[i].dev == st->st_dev && m->items[i].ino == st->st_ino)
			return linkat(m->items[i].dirfd, m->items[i].name, dst_dir, dst_name, 0) < 0
				       ? -errno
				       : 1;
	return 0;
}

static void link_map_add(struct link_map *m, const struct stat *st, int dst_dir,
			 const char *dst_name)
{
	if (!m || !S_ISREG(st->st_mode) || st->st_nlink < 2)
		return;
	if (m->count == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		void *grown = realloc(m->items, cap * sizeof(*m->items));

		if (!grown)
			return; /* the links are copied as separate files */
		m->items = grown;
		m->cap = cap;
	}
	m->items[m->count].dirfd = fcntl(dst_dir, F_DUPFD_CLOEXEC, 0);
	m->items[m->count].name = strdup(dst_name);
	if (m->items[m->count].dirfd < 0 || !m->items[m->count].name) {
		if (m->items[m->count].dirfd >= 0)
			close(m->items[m->count].dirfd);
		free(m->items[m->count].name);
		return;
	}
	m->items[m->count].dev = st->st_dev;
	m->items[m->count].ino = st->st_ino;
	m->count++;
}

/* The directory holding a node in its layer, and the node's name there. */
static int node_layer_parent(struct vn_union *u, const struct vn_node *node, char *name,
			     size_t size)
{
	const char *rel = vn_rel(node->path);
	const char *slash = strrchr(rel, '/');
	char dir[PATH_MAX];

	if (!*rel)
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 0, rel);
	if (snprintf(name, size, "%s", slash ? slash + 1 : rel) >= (int)size)
		return -ENAMETOOLONG;
	return union_openat_beneath(u->layers[node->layer].root_fd, dir, O_PATH | O_DIRECTORY);
}

/* ---------------------------------------------------------- precopy */

/* What this thread's dispatcher lets a copy-up ask for (vn_precopy_allow),
 * the copy it asked for, and the one it offers back. */
static __thread struct {
	bool allowed;
	bool asked;
	struct vn_precopy want;
	bool offering;           /* the second run: no asking again */
	struct vn_precopy *offered;
} precopy;

void vn_precopy_allow(bool allowed)
{
	precopy.allowed = allowed && !precopy.offering;
	precopy.asked = false;
}

bool vn_precopy_asked(struct vn_precopy *out)
{
	bool asked = precopy.asked;

	if (asked)
		*out = precopy.want;
	precopy.asked = false;
	precopy.allowed = false;
	return asked;
}

void vn_precopy_offer(struct vn_precopy *pc)
{
	precopy.offering = pc != NULL;
	precopy.offered = pc && pc->fd >= 0 ? pc : NULL;
}

void vn_precopy_drop(struct vn_precopy *pc)
{
	if (pc->fd >= 0)
		close(pc->fd);
	pc->fd = -1;
}

static bool same_file_version(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* A copy still a copy: its unnamed file linked nowhere yet. */
static bool still_unnamed(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && st.st_nlink == 0;
}

/* The offered copy, when it is of this very version of node's data
 * (data: the source's fstat): its fd, now the caller's; else -1. */
static int precopy_take(const struct vn_node *node, const struct stat *data)
{
	struct vn_precopy *pc = precopy.offered;
	int fd;

	/* linked already (a copy shared with a call that took it): that is
	 * the upper's file now, not a copy of the lower's data */
	if (!pc || pc->layer != node->layer || strcmp(pc->path, node->path) != 0 ||
	    !same_file_version(&pc->id, data) || !still_unnamed(pc->fd))
		return -1;
	fd = pc->fd;
	pc->fd = -1;
	precopy.offered = NULL;
	return fd;
}

/* Whether a copy of node's data (data: its source's fstat) is yet to be
 * made: none of this version is offered. */
static bool precopy_wanted(const struct vn_node *node, const struct stat *data)
{
	const struct vn_precopy *pc = precopy.offered;

	return !(pc && pc->layer == node->layer && strcmp(pc->path, node->path) == 0 &&
		 same_file_version(&pc->id, data));
}

/* A copy long enough to hold every other call (the union's lock is held
 * alone through a change) is asked of the dispatcher instead, which makes
 * it without the lock and runs the call again: -EAGAIN, with the file's
 * version noted. */
static bool precopy_ask(const struct vn_node *node, const struct stat *data)
{
	if (!precopy.allowed || data->st_size < VN_PRECOPY_MIN)
		return false;
	precopy.want = (struct vn_precopy){ .fd = -1, .layer = node->layer, .id = *data };
	snprintf(precopy.want.path, sizeof(precopy.want.path), "%s", node->path);
	precopy.asked = true;
	precopy.allowed = false;
	return true;
}

/*
 * Calls that ask for the same file's data share one copy: eight processes
 * opening one big lower file for appending made eight copies, each of the
 * whole file, where the copy-up under the lock had made one.  A copy being
 * made is waited for; one made stays shared (PRECOPY_KEEP at most, the
 * oldest dropped) while its unnamed file is not linked anywhere: once a
 * copy-up has linked it, it is that upper file, and what is written to it
 * is not the lower's data any more.  And the upper's own file at the path
 * (another call's copy-up came first) needs no copy at all.
 */
#define PRECOPY_KEEP 2

struct shared_precopy {
	int layer;
	char *path;              /* not only the inode: a lower file's hard
				  * links are copied up one by one */
	struct stat id;
	int fd;                  /* -1 while being made, or when that failed */
	bool made;
	int waiters;
	struct shared_precopy *next;
};

struct union_precopies {
	pthread_mutex_t lock;
	pthread_cond_t made;
	struct shared_precopy *list;
};

static pthread_mutex_t precopies_setup = PTHREAD_MUTEX_INITIALIZER;

static struct union_precopies *precopies_of(struct vn_union *u)
{
	struct union_precopies *t;

	pthread_mutex_lock(&precopies_setup);
	if (!u->precopies && (u->precopies = calloc(1, sizeof(*u->precopies)))) {
		pthread_mutex_init(&u->precopies->lock, NULL);
		pthread_cond_init(&u->precopies->made, NULL);
	}
	t = u->precopies;
	pthread_mutex_unlock(&precopies_setup);
	return t;
}

static void shared_drop(struct shared_precopy **pp)
{
	struct shared_precopy *sp = *pp;

	*pp = sp->next;
	if (sp->fd >= 0)
		close(sp->fd);
	free(sp->path);
	free(sp);
}

void union_precopies_free(struct vn_union *u)
{
	struct union_precopies *t = u->precopies;

	if (!t)
		return;
	while (t->list)
		shared_drop(&t->list);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->made);
	free(t);
	u->precopies = NULL;
}

/* The table's entry for pc's version of its file (t locked): NULL when
 * none; made ones linked meanwhile are dropped on the way. */
static struct shared_precopy *shared_find(struct union_precopies *t, const struct vn_precopy *pc)
{
	for (struct shared_precopy **pp = &t->list; *pp;) {
		struct shared_precopy *sp = *pp;

		if (sp->made && sp->waiters == 0 && !still_unnamed(sp->fd)) {
			shared_drop(pp);
			continue;
		}
		if (sp->layer == pc->layer && strcmp(sp->path, pc->path) == 0 &&
		    same_file_version(&sp->id, &pc->id))
			return sp;
		pp = &sp->next;
	}
	return NULL;
}

/* Keep at most PRECOPY_KEEP made copies no one waits for (t locked). */
static void shared_trim(struct union_precopies *t)
{
	size_t kept = 0;

	for (struct shared_precopy **pp = &t->list; *pp;) {
		if ((*pp)->made && (*pp)->waiters == 0 && ++kept > PRECOPY_KEEP) {
			shared_drop(pp);
			continue;
		}
		pp = &(*pp)->next;
	}
}

/* The copy itself, into pc->fd: 0 or -errno. */
static int precopy_copy(struct vn_union *u, struct vn_precopy *pc)
{
	struct stat before, after;
	int src, dst, r;

	src = union_openat_beneath(u->layers[pc->layer].root_fd, vn_rel(pc->path),
				   O_RDONLY | O_NOFOLLOW);
	if (src < 0)
		return src;
	dst = openat(u->work_fd, ".", O_WRONLY | O_TMPFILE | O_CLOEXEC, 0600);
	r = dst < 0 ? -errno : fstat(src, &before) < 0 ? -errno : 0;
	if (r == 0 && !same_file_version(&before, &pc->id))
		r = -ESTALE; /* not the file the copy-up saw */
	if (r == 0)
		r = vn_copy_data(src, dst, before.st_size);
	/* changed while it was read: not a copy of one version */
	if (r == 0 && (fstat(src, &after) < 0 || !same_file_version(&before, &after)))
		r = -ESTALE;
	close(src);
	if (r < 0) {
		if (dst >= 0)
			close(dst);
		return r;
	}
	pc->fd = dst;
	return 0;
}

int vn_precopy_make(struct vn_union *u, struct vn_precopy *pc)
{
	struct union_precopies *t;
	struct shared_precopy *sp;
	int upper, r;

	pc->fd = -1;
	if (pc->layer <= 0 || pc->layer >= (int)u->nlayers || u->work_fd < 0)
		return -EINVAL;
	/* copied up meanwhile: the call's second run finds the upper's */
	upper = union_openat_beneath(u->layers[0].root_fd, vn_rel(pc->path), O_PATH | O_NOFOLLOW);
	if (upper >= 0) {
		close(upper);
		return -EEXIST;
	}
	t = precopies_of(u);
	if (!t)
		return precopy_copy(u, pc);
	pthread_mutex_lock(&t->lock);
	sp = shared_find(t, pc);
	if (sp) {
		sp->waiters++;
		while (!sp->made)
			pthread_cond_wait(&t->made, &t->lock);
		sp->waiters--;
		pc->fd = still_unnamed(sp->fd) ? fcntl(sp->fd, F_DUPFD_CLOEXEC, 3) : -1;
		r = pc->fd >= 0 ? 0 : -ESTALE;
		shared_trim(t);
		pthread_mutex_unlock(&t->lock);
		return r;
	}
	sp = calloc(1, sizeof(*sp));
	if (sp && !(sp->path = strdup(pc->path))) {
		free(sp);
		sp = NULL;
	}
	if (!sp) {
		pthread_mutex_unlock(&t->lock);
		return precopy_copy(u, pc);
	}
	*sp = (struct shared_precopy){ .layer = pc->layer, .path = sp->path, .id = pc->id, .fd = -1,
				       .next = t->list };
	t->list = sp;
	pthread_mutex_unlock(&t->lock);
	r = precopy_copy(u, pc); /* without the table's lock: others wait for this one */
	pthread_mutex_lock(&t->lock);
	sp->fd = r == 0 ? fcntl(pc->fd, F_DUPFD_CLOEXEC, 3) : -1;
	sp->made = true;
	pthread_cond_broadcast(&t->made);
	shared_trim(t);
	pthread_mutex_unlock(&t->lock);
	return r;
}

/* The data a copy of the regular file node takes: src (-1: none) and its
 * size.  Opened as vn_open_node opens it, so a made-up file's data
 * (shadow.c) is what is copied.  None when the open truncates it anyway;
 * and an empty file has none to read, so one the caller may not read is
 * copied up all the same. */
static int copy_source(struct vn_union *u, const struct vn_node *node, int flags, int *src,
		       struct stat *data)
{
	*src = -1;
	data->st_size = 0;
	if (flags & VN_COPYUP_NO_DATA)
		return 0;
	*src = vn_open_node(u, node, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*src < 0) {
		int r = *src;

		*src = -1;
		return r == -EACCES && node->st.st_size == 0 ? 0 : r;
	}
	if (fstat(*src, data) < 0) {
		int r = -errno;

		close(*src);
		*src = -1;
		return r;
	}
	return 0;
}

/* A regular file's copy at dst_dir/dst_name: built unnamed (O_TMPFILE)
 * in dst_dir and linked in whole, so it appears complete or not at all
 * (and a crash leaves nothing behind).  A file system without O_TMPFILE:
 * -EOPNOTSUPP with COPY_WHOLE_OR_NOTHING, else built under its name. */
#define COPY_WHOLE_OR_NOTHING 0x100
/* a single file's copy-up: a long copy may be asked of the dispatcher */
#define COPY_MAY_PRECOPY 0x200

static int copy_regular(struct vn_union *u, const struct vn_node *node, int src_dir,
			const char *name, int dst_dir, const char *dst_name, int flags)
{
	const struct stat *st = &node->st;
	struct stat data;
	int src, dst = -1, r;
	bool unnamed, copied = false;

	r = copy_source(u, node, flags, &src, &data);
	if (r < 0)
		return r;
	if (src >= 0 && (flags & COPY_MAY_PRECOPY)) {
		/* the precopy is an unnamed file of the work area: linked
		 * into dst_dir below, the same file system */
		dst = precopy_take(node, &data);
		copied = dst >= 0;
		if (!copied && precopy_ask(node, &data)) {
			close(src);
			return -EAGAIN;
		}
	}
	if (dst < 0)
		dst = openat(dst_dir, ".", O_WRONLY | O_TMPFILE | O_CLOEXEC, 0600);
	unnamed = dst >= 0;
	if (!unnamed && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		if (flags & COPY_WHOLE_OR_NOTHING) {
			if (src >= 0)
				close(src);
			return -EOPNOTSUPP;
		}
		dst = openat(dst_dir, dst_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (dst < 0)
		r = -errno;
	if (r == 0 && src >= 0 && !copied)
		r = vn_copy_data(src, dst, data.st_size);
	if (r == 0)
		r = unnamed ? copy_attrs(u, src_dir, name, st, dst, "")
			    : copy_attrs(u, src_dir, name, st, dst_dir, dst_name);
	if (r == 0)
		r = unnamed ? set_times(dst, "", st) : set_times(dst_dir, dst_name, st);
	if (r == 0 && unnamed) {
		char proc[64];

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dst);
		if (linkat(AT_FDCWD, proc, dst_dir, dst_name, AT_SYMLINK_FOLLOW) < 0)
			r = -errno;
	}
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	return r;
}

/* A copy of a non-directory node at dst_dir/dst_name, times included. */
static int copy_leaf(struct vn_union *u, const struct vn_node *node, int dst_dir,
		     const char *dst_name, int flags, struct link_map *links)
{
	const struct stat *st = &node->st;
	char name[NAME_MAX + 1];
	int src_dir, r;

	r = link_map_reuse(links, st, dst_dir, dst_name);
	if (r != 0)
		return r < 0 ? r : 0;
	src_dir = node_layer_parent(u, node, name, sizeof(name));
	if (src_dir < 0)
		return src_dir;
	if (node->layer == 0) {
		/* the upper's own object (a tree being rebuilt): the same inode,
		 * so its hard links elsewhere stay links */
		r = linkat(src_dir, name, dst_dir, dst_name, 0) < 0 ? -errno : 0;
		close(src_dir);
		return r;
	}
	if (S_ISREG(st->st_mode)) {
		r = copy_regular(u, node, src_dir, name, dst_dir, dst_name, flags);
		close(src_dir);
		if (r == 0)
			link_map_add(links, st, dst_dir, dst_name);
		return r;
	} else if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(src_dir, name, target, sizeof(target) - 1);

		if (n < 0)
			r = -errno;
		else {
			target[n] = '\0';
			r = symlinkat(target, dst_dir, dst_name) < 0 ? -errno : 0;
		}
	} else {
		r = mknodat(dst_dir, dst_name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0 ? -errno : 0;
	}
	if (r == 0)
		r = copy_attrs(u, src_dir, name, st, dst_dir, dst_name);
	if (r == 0)
		r = set_times(dst_dir, dst_name, st);
	if (r == 0)
		link_map_add(links, st, dst_dir, dst_name);
	close(src_dir);
	return r;
}

/* A directory's own metadata (not its entries) onto dst_dir/dst_name. */
static int copy_dir_attrs(struct vn_union *u, const struct vn_node *dir, int dst_dir,
			  const char *dst_name)
{
	char name[NAME_MAX + 1];
	int src_dir, r;

	if (strcmp(dir->path, "/") == 0) {
		src_dir = fcntl(u->layers[dir->layer].root_fd, F_DUPFD_CLOEXEC, 0);
		if (src_dir < 0)
			return -errno;
		strcpy(name, ".");
	} else {
		src_dir = node_layer_parent(u, dir, name, sizeof(name));
	}
	if (src_dir < 0)
		return src_dir;
	r = copy_attrs(u, src_dir, name, &dir->st, dst_dir, dst_name);
	close(src_dir);
	return r;
}

/* ------------------------------------------------------------- copy-up */

static int copy_up_dir(struct vn_union *u, const struct vn_node *dir);

int union_upper_dir(struct vn_union *u, const char *dir_path)
{
	struct vn_node node;
	int r = vn_resolve(u, "/", dir_path, 0, &node);

	if (r < 0)
		return r;
	if (!S_ISDIR(node.st.st_mode))
		return -ENOTDIR;
	if (!(node.dir_layers & 1u)) {
		r = copy_up_dir(u, &node);
		if (r < 0)
			return r;
	}
	return union_openat_beneath(u->layers[0].root_fd, vn_rel(dir_path), O_PATH | O_DIRECTORY);
}

int union_upper_parent(struct vn_union *u, const char *path, char *name, size_t size)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];

	if (!slash || !slash[1])
		return -EINVAL; /* the root has no parent */
	if (snprintf(name, size, "%s", slash + 1) >= (int)size)
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return union_upper_dir(u, dir);
}

/* Put the work area's `tmp` in place as parent/name, keeping parent's times. */
static int install(struct vn_union *u, const char *tmp, int parent, const char *name)
{
	struct kept_times kept;

	times_keep(parent, &kept);
	if (renameat2(u->work_fd, tmp, parent, name, RENAME_NOREPLACE) < 0)
		return -errno;
	times_restore(parent, &kept);
	return 0;
}

static int copy_up_dir(struct vn_union *u, const struct vn_node *dir)
{
	char name[NAME_MAX + 1], tmp[64];
	int parent, r;

	parent = union_upper_parent(u, dir->path, name, sizeof(name));
	if (parent < 0)
		return parent;
	union_work_name(u, tmp, sizeof(tmp), "dir");
	r = mkdirat(u->work_fd, tmp, 0700) < 0 ? -errno : 0;
	if (r == 0)
		r = copy_dir_attrs(u, dir, u->work_fd, tmp);
	if (r == 0)
		r = install(u, tmp, parent, name);
	/* moving a directory rewrites its "..": its times go on after */
	if (r == 0)
		r = set_times(parent, name, &dir->st);
	if (r < 0)
		vn_remove_tree(u->work_fd, tmp);
	close(parent);
	vn_dircache_forget(u, dir->path);
	return r;
}

static int copy_up_leaf(struct vn_union *u, const struct vn_node *node, int flags)
{
	char name[NAME_MAX + 1], tmp[64];
	int parent, r;

	parent = union_upper_parent(u, node->path, name, sizeof(name));
	if (parent < 0)
		return parent;
	if (S_ISREG(node->st.st_mode)) {
		/* built unnamed beside its place and linked in: no rename */
		struct kept_times kept;

		times_keep(parent, &kept);
		r = copy_leaf(u, node, parent, name,
			      flags | COPY_WHOLE_OR_NOTHING | COPY_MAY_PRECOPY, NULL);
		times_restore(parent, &kept);
		if (r != -EOPNOTSUPP) {
			close(parent);
			return r;
		}
	}
	union_work_name(u, tmp, sizeof(tmp), "copy");
	r = copy_leaf(u, node, u->work_fd, tmp, flags, NULL);
	if (r == 0)
		r = install(u, tmp, parent, name);
	if (r < 0)
		unlinkat(u->work_fd, tmp, 0);
	close(parent);
	return r;
}

int vn_copy_up(struct vn_union *u, struct vn_node *node, int flags)
{
	int r;

	if (node->layer < 0)
		return -ENOENT;
	if (node->layer == 0)
		return 0;
	r = union_state_ready(u);
	if (r < 0)
		return r;
	r = S_ISDIR(node->st.st_mode) ? copy_up_dir(u, node) : copy_up_leaf(u, node, flags);
	if (r < 0)
		return r;
	return union_refresh(u, node);
}

int vn_copy_up_check(struct vn_union *u, const struct vn_node *node, int flags)
{
	struct stat data;
	bool asked;
	int fd;

	/* the one place a copy-up that follows it may ask for its data first
	 * (its caller may change something before the copy-up: on notify an
	 * fd number is reserved in the target, which cannot be taken back) */
	if (node->layer <= 0 || !S_ISREG(node->st.st_mode) || node->st.st_size == 0 ||
	    (flags & VN_COPYUP_NO_DATA)) {
		precopy.allowed = false;
		return 0;
	}
	/* the data is read as the caller: what the host refuses them, the
	 * copy-up is refused (copy_source opens it the same way; a made-up
	 * shadow file, shadow.c, is readable) */
	fd = vn_open_node(u, node, O_RDONLY | O_NOFOLLOW);
	if (fd < 0) {
		precopy.allowed = false;
		return fd;
	}
	asked = fstat(fd, &data) == 0 && precopy_wanted(node, &data) && precopy_ask(node, &data);
	precopy.allowed = false;
	close(fd);
	return asked ? -EAGAIN : 0;
}

int vn_copy_up_undo(struct vn_union *u, const char *path)
{
	char name[NAME_MAX + 1], dir[PATH_MAX];
	struct kept_times kept;
	struct vn_node node;
	ino_t doomed;
	int parent, r;

	r = vn_resolve(u, "/", path, 0, &node);
	if (r < 0)
		return r;
	if (node.layer != 0 || !S_ISREG(node.st.st_mode))
		return -EINVAL; /* not a copy vn_copy_up made */
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (snprintf(name, sizeof(name), "%s", strrchr(path, '/') + 1) >= (int)sizeof(name))
		return -ENAMETOOLONG;
	r = union_lower_has(u, dir[0] ? dir : "/", name);
	if (r <= 0)
		return r < 0 ? r : -EINVAL; /* nothing below it: not a copy */
	parent = union_openat_beneath(u->layers[0].root_fd, vn_rel(dir[0] ? dir : "/"),
				      O_PATH | O_DIRECTORY);
	if (parent < 0)
		return parent;
	/* as the copy-up kept the directory's times, so does its undoing */
	times_keep(parent, &kept);
	doomed = union_owner_doomed(u, parent, name);
	r = unlinkat(parent, name, 0) < 0 ? -errno : 0;
	if (r == 0)
		union_owner_forget(u, doomed);
	times_restore(parent, &kept);
	close(parent);
	return r;
}

/* ------------------------------------------------------ whole trees */

static int copy_tree_into(struct vn_union *u, const struct vn_node *dir, int dst,
			  struct link_map *links)
{
	struct vn_listing l;
	int r = vn_readdir(u, dir, &l);

	for (size_t i = 0; r == 0 && i < l.count; i++) {
		struct vn_node child;
		char path[PATH_MAX];

		r = union_join(path, sizeof(path), dir->path, l.entries[i].name);
		if (r == 0)
			r = vn_resolve(u, "/", path, 0, &child);
		if (r < 0 || child.passthrough)
			continue; /* a mount point: not part of the layers */
		if (S_ISDIR(child.st.st_mode)) {
			int sub;

			r = mkdirat(dst, l.entries[i].name, 0700) < 0 ? -errno : 0;
			sub = r < 0 ? r : union_openat_beneath(dst, l.entries[i].name, O_PATH | O_DIRECTORY);
			if (sub < 0) {
				r = sub;
				break;
			}
			r = copy_tree_into(u, &child, sub, links);
			close(sub);
			if (r == 0)
				r = copy_dir_attrs(u, &child, dst, l.entries[i].name);
			if (r == 0)
				r = set_times(dst, l.entries[i].name, &child.st);
		} else {
			r = copy_leaf(u, &child, dst, l.entries[i].name, 0, links);
		}
	}
	vn_listing_free(&l);
	return r;
}

int union_copy_tree(struct vn_union *u, const struct vn_node *dir, char *work_name, size_t size)
{
	struct link_map links = { 0 };
	int top, r;

	union_work_name(u, work_name, size, "tree");
	if (mkdirat(u->work_fd, work_name, 0700) < 0)
		return -errno;
	top = union_openat_beneath(u->work_fd, work_name, O_PATH | O_DIRECTORY);
	r = top < 0 ? top : union_opaque_mark(top);
	if (r == 0)
		r = copy_tree_into(u, dir, top, &links);
	if (top >= 0)
		close(top);
	if (r == 0)
		r = copy_dir_attrs(u, dir, u->work_fd, work_name);
	if (r == 0)
		r = set_times(u->work_fd, work_name, &dir->st);
	link_map_free(&links);
	if (r < 0)
		vn_remove_tree(u->work_fd, work_name);
	return r;
}
