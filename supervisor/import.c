/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unpacking a layer tarball into a new directory that a sandbox takes as
 * its --upper or a --lower.  The archive is hostile until proven
 * otherwise:
 *
 *  - a member's path is relative, without "..", never through a symlink
 *    (each directory is opened with openat2 RESOLVE_BENEATH |
 *    RESOLVE_NO_SYMLINKS: `a -> /etc` then `a/passwd` is refused), never
 *    the state directory's name;
 *  - a hard link names an earlier member; a relative symlink does not
 *    climb above the root (absolute ones are kept, never followed: inside
 *    the union they resolve in the view);
 *  - everything is built in a hidden directory beside DIR and renamed
 *    into place whole; any error removes it.
 *
 * Each non-directory is made in the state directory's work area (no
 * member can name it) and renamed to its place, so a later member of the
 * same path replaces an earlier one as tar does.  The tar's owners
 * become presented owners (the owner store), the files being the
 * caller's; a character device becomes what a mknod inside makes (an
 * empty file and a device record); directories get their modes and
 * times last, deepest first, so a 0555 one can be filled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "import.h"
#include "layer_tools.h"
#include "tar_read.h"
#include "upper.h"
#include "veneer/cleanup.h"
#include "veneer/grow.h"
#include "veneer/union.h"

/* A directory whose mode and times are set once its contents are in. */
struct pending_dir {
	char *path;     /* "" is the root */
	mode_t mode;
	struct timespec mtime;
	size_t seq;     /* a later member of the same path wins */
};

struct import {
	const char *dir;               /* DIR, as given */
	const struct lt_import_options *opt;
	struct lt_import_stats *stats;
	int parent;                    /* DIR's parent */
	char base[NAME_MAX + 1];       /* DIR's name */
	char tmp[NAME_MAX + 1];        /* the tree's, while it is built */
	bool made;                     /* tmp exists */
	int root;                      /* the tree */
	int work;                      /* its state directory's work area */
	struct vn_owner_store *store;
	void *members;                 /* paths written (tsearch): hard links' targets */
	struct pending_dir *dirs;
	size_t ndirs, dirs_cap;
	unsigned long work_seq;
	bool privileged;               /* euid 0: set-id bits are kept */
	char *xattr_first;             /* the first xattr not kept */
	char *left_out_first;          /* the first member not kept */
	struct timespec started, shown;
	bool progress_shown;           /* a progress line waits for its end */
	struct tar_reader tar;
};

/* ------------------------------------------------------------ paths */

/* The member's path without "./", "//" or a trailing "/" ("" is the
 * root): 0, or -1 with err set when it is absolute, climbs with "..",
 * or names the state directory. */
static int clean_path(const char *member, const char *what, const char *in, char **out,
		      struct vn_error *err)
{
	char *copy, *save = NULL, *clean;
	size_t n = 0;

	if (!in[0])
		return vn_fail(err, 0, "member '%s': an empty %s", member, what);
	if (in[0] == '/')
		return vn_fail(err, 0, "member '%s': an absolute %s (%s); a layer's paths are "
			       "relative", member, what, in);
	copy = strdup(in);
	clean = malloc(strlen(in) + 1);
	if (!copy || !clean) {
		free(copy);
		free(clean);
		return vn_fail(err, ENOMEM, "out of memory");
	}
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0 || strcmp(c, VN_STATE_DIR) == 0) {
			int r = vn_fail(err, 0, "member '%s': its %s %s; refused", member, what,
					c[1] == '.' && !c[2] ? "climbs with '..'"
							     : "is in veneer's state directory "
							       VN_STATE_DIR);

			free(copy);
			free(clean);
			return r;
		}
		n += (size_t)sprintf(clean + n, "%s%s", n ? "/" : "", c);
	}
	clean[n] = '\0';
	free(copy);
	*out = clean;
	return 0;
}

/* Whether a relative symlink target, read from the directory of path,
 * stays beneath the root. */
static bool link_stays_inside(const char *path, const char *target)
{
	long depth = 0;
	const char *p;

	if (target[0] == '/')
		return true; /* resolved in the view, never followed here */
	for (p = path; (p = strchr(p, '/')); p++)
		depth++;
	for (p = target; *p;) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (len && !(len == 1 && p[0] == '.'))
			depth++;
		p += len;
		p += *p == '/';
	}
	return true;
}

/* The last component of path, and its directory into dir (NUL-split
 * copy: "" for the root). */
static const char *split(char *path, const char **dir)
{
	char *slash = strrchr(path, '/');

	if (!slash) {
		*dir = "";
		return path;
	}
	*slash = '\0';
	*dir = path;
	return slash + 1;
}

static bool is_marker(const char *name)
{
	return strncmp(name, VN_WH_PREFIX, strlen(VN_WH_PREFIX)) == 0;
}

static bool is_reserved_name(const char *name)
{
	return strncmp(name, ".wh..wh.", 8) == 0 && strcmp(name, VN_WH_OPAQUE) != 0;
}

/* ------------------------------------------------------ directories */

/* The directory of the tree at dir, made (0755, as tar makes a missing
 * parent) where missing; never through a symlink.  The fd, or -errno
 * (-ELOOP: a symlink on the way, -ENOTDIR: a file). */
static int open_dir(struct import *im, const char *dir)
{
	int fd = vn_openat_beneath(im->root, dir, O_RDONLY | O_DIRECTORY);
	char *copy, *save = NULL;
	int at;

	if (fd != -ENOENT)
		return fd;
	copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	at = fcntl(im->root, F_DUPFD_CLOEXEC, 3);
	if (at < 0)
		at = -errno;
	for (char *c = strtok_r(copy, "/", &save); at >= 0 && c; c = strtok_r(NULL, "/", &save)) {
		int next;

		/* 0755 whatever the umask */
		if (mkdirat(at, c, 0700) == 0 && fchmodat(at, c, 0755, 0) < 0)
			next = -errno;
		else
			next = vn_openat_beneath(at, c, O_RDONLY | O_DIRECTORY);
		close(at);
		at = next;
	}
	free(copy);
	return at;
}

static int add_pending_dir(struct import *im, const char *path, const struct tar_member *m)
{
	struct pending_dir *d = vn_grow(im->dirs, &im->dirs_cap, im->ndirs, sizeof(*d), 64);

	if (!d)
		return -ENOMEM;
	im->dirs = d;
	d = &im->dirs[im->ndirs];
	d->path = strdup(path);
	if (!d->path)
		return -ENOMEM;
	d->mode = m->mode & 07777;
	d->mtime = (struct timespec){ m->mtime, m->mtime_nsec };
	d->seq = im->ndirs++;
	return 0;
}

/* The root, unless a member ("./") says otherwise: 0755, as an image's
 * root is (a lower's root mode is the view's; made private, 0700, it
 * would shut everyone but root inside out of everything). */
static int add_default_root(struct import *im)
{
	struct tar_member root = { .mode = 0755 };
	int r = add_pending_dir(im, "", &root);

	if (r == 0)
		im->dirs[0].mtime.tv_nsec = UTIME_NOW;
	return r;
}

static int compare_dirs(const void *a, const void *b)
{
	const struct pending_dir *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : x->seq < y->seq ? -1 : 1;
}

/* Deepest first (a directory sorts before everything below it), the
 * last member of a path winning: modes (a 0555 one refuses what goes in
 * it) and times (what went in changed them).  The root last. */
static int finish_dirs(struct import *im, struct vn_error *err)
{
	const char *done = NULL;

	if (im->ndirs > 1)
		qsort(im->dirs, im->ndirs, sizeof(*im->dirs), compare_dirs);
	for (size_t i = im->ndirs; i-- > 0;) {
		struct pending_dir *d = &im->dirs[i];
		struct timespec times[2] = { d->mtime, d->mtime };
		cleanup_close int fd = -1;

		if (done && strcmp(done, d->path) == 0)
			continue;
		done = d->path;
		fd = vn_openat_beneath(im->root, d->path, O_RDONLY | O_DIRECTORY);
		if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
			continue; /* replaced by a later member */
		if (fd < 0 || fchmod(fd, d->mode) < 0 || futimens(fd, times) < 0)
			return vn_fail(err, fd < 0 ? -fd : errno, "set the mode and times of "
				       "directory '%s'", d->path);
	}
	return 0;
}

/* ---------------------------------------------------------- members */

/* Hard links may name it from now on. */
static int remember_member(struct import *im, const char *path)
{
	char *copy = strdup(path);
	char **found;

	if (!copy)
		return -ENOMEM;
	found = tsearch(copy, &im->members, (int (*)(const void *, const void *))strcmp);
	if (!found) {
		free(copy);
		return -ENOMEM;
	}
	if (*found != copy)
		free(copy);
	return 0;
}

static bool is_member(const struct import *im, const char *path)
{
	return tfind(path, &im->members, (int (*)(const void *, const void *))strcmp) != NULL;
}

static void note_xattrs_skipped(struct import *im, const char *path, const char *name,
				unsigned long n)
{
	if (n == 0)
		return;
	if (im->stats->xattrs_skipped == 0 &&
	    asprintf(&im->xattr_first, "/%s %s", path, name ? name : "?") < 0)
		im->xattr_first = NULL;
	im->stats->xattrs_skipped += n;
}

static void note_left_out(struct import *im, const char *path, const char *why)
{
	if (im->stats->left_out++ == 0 && asprintf(&im->left_out_first, "/%s (%s)", path, why) < 0)
		im->left_out_first = NULL;
}

/* The member's user.* xattrs on fd (a file or directory): those the
 * file system refuses are counted as not kept. */
static int set_xattrs(struct import *im, int fd, const char *path, const struct tar_member *m)
{
	for (size_t i = 0; i < m->nxattrs; i++) {
		const struct tar_xattr *x = &m->xattrs[i];

		if (fsetxattr(fd, x->name, x->value, x->size, 0) == 0)
			continue;
		if (errno != ENOTSUP && errno != EPERM && errno != E2BIG && errno != ERANGE &&
		    errno != ENOSPC)
			return -errno;
		note_xattrs_skipped(im, path, x->name, 1);
	}
	note_xattrs_skipped(im, path, m->xattr_skipped, m->xattrs_skipped);
	return 0;
}

/* The mode to give a non-directory: set-user-ID and set-group-ID bits
 * only when root imports, as commit keeps them only from a root
 * sandbox's upper (an archive is nobody's word). */
static mode_t file_mode(const struct import *im, const struct tar_member *m)
{
	mode_t mode = m->mode & 07777;

	return im->privileged ? mode : mode & ~(mode_t)(S_ISUID | S_ISGID);
}

static int owner_of(const struct tar_member *m, uid_t *uid, gid_t *gid)
{
	if (m->uid >= UINT32_MAX || m->gid >= UINT32_MAX)
		return -EOVERFLOW;
	*uid = (uid_t)m->uid;
	*gid = (gid_t)m->gid;
	return 0;
}

/* The presented owner of the inode of fd (dirfd/name when fd < 0). */
static int record_owner(struct import *im, int dirfd, const char *name, const struct tar_member *m)
{
	struct stat st;
	uid_t uid;
	gid_t gid;
	int r = owner_of(m, &uid, &gid);

	if (r < 0)
		return r;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH)) < 0)
		return -errno;
	return vn_owner_store_set(im->store, st.st_ino, uid, gid);
}

/* A name of the work area for the next object: no member can name it. */
static void work_name(struct import *im, char *name, size_t size)
{
	snprintf(name, size, "import.%lu", im->work_seq++);
}

/* The data of m into fd: in order, or each sparse segment at its
 * offset (the holes stay holes), then the file's size. */
static int write_data(struct import *im, int fd, const struct tar_member *m, struct vn_error *err)
{
	static char buf[TAR_BUFFER];
	size_t seg = 0;
	uint64_t at = m->nsegments ? m->segments[0].offset : 0;
	uint64_t seg_left = m->nsegments ? m->segments[0].length : m->size;

	for (;;) {
		ssize_t n;

		while (m->nsegments && seg_left == 0 && ++seg < m->nsegments) {
			at = m->segments[seg].offset;
			seg_left = m->segments[seg].length;
		}
		if (seg_left == 0)
			break;
		n = tar_read_data(&im->tar, m, buf, seg_left < sizeof(buf) ? (size_t)seg_left
									   : sizeof(buf), err);
		if (n < 0)
			return -1;
		if (n == 0)
			return vn_fail(err, 0, "member '%s': the archive ends in its data (truncated)",
				       m->path);
		for (ssize_t done = 0; done < n;) {
			ssize_t w = pwrite(fd, buf + done, (size_t)(n - done), (off_t)at);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return vn_fail(err, errno, "write '%s'", m->path);
			done += w;
			at += (uint64_t)w;
		}
		seg_left -= (uint64_t)n;
	}
	if (ftruncate(fd, (off_t)m->size) < 0)
		return vn_fail(err, errno, "write '%s'", m->path);
	im->stats->bytes += m->size;
	return 0;
}

/* A regular file (or a device's empty file) in the work area, with its
 * data, xattrs, mode and times. */
static int make_file(struct import *im, const char *tmp, const char *path,
		     const struct tar_member *m, bool data, struct vn_error *err)
{
	struct timespec times[2] = { { m->mtime, m->mtime_nsec }, { m->mtime, m->mtime_nsec } };
	cleanup_close int fd = openat(im->work, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
				      O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return vn_fail(err, errno, "make '%s'", path);
	if (data && write_data(im, fd, m, err) < 0)
		return -1;
	r = set_xattrs(im, fd, path, m);
	if (r == 0 && (fchmod(fd, file_mode(im, m)) < 0 || futimens(fd, times) < 0))
		r = -errno;
	return r < 0 ? vn_fail(err, -r, "set the attributes of '%s'", path) : 0;
}

/* A symlink, FIFO, device or hard link in the work area. */
static int make_special(struct import *im, const char *tmp, const char *path,
			const struct tar_member *m, struct vn_error *err)
{
	struct timespec times[2] = { { m->mtime, m->mtime_nsec }, { m->mtime, m->mtime_nsec } };
	int r = 0;

	if (m->type == TAR_SYMLINK)
		r = symlinkat(m->linkname, im->work, tmp);
	else
		r = mkfifoat(im->work, tmp, 0600);
	if (r == 0 && m->type != TAR_SYMLINK && fchmodat(im->work, tmp, file_mode(im, m), 0) < 0)
		r = -1;
	if (r == 0 && utimensat(im->work, tmp, times, AT_SYMLINK_NOFOLLOW) < 0)
		r = -1;
	if (r < 0)
		return vn_fail(err, errno, "make '%s'", path);
	/* user xattrs exist on neither symlinks nor FIFOs */
	note_xattrs_skipped(im, path, m->nxattrs ? m->xattrs[0].name : NULL, m->nxattrs);
	note_xattrs_skipped(im, path, m->xattr_skipped, m->xattrs_skipped);
	return 0;
}

/* A hard link to an earlier member, in the work area. */
static int make_link(struct import *im, const char *tmp, const struct tar_member *m,
		     struct vn_error *err)
{
	cleanup_free char *target = NULL;
	const char *dir, *name;
	cleanup_close int dirfd = -1;

	if (clean_path(m->path, "link target", m->linkname, &target, err) < 0)
		return -1;
	if (!target[0] || !is_member(im, target))
		return vn_fail(err, 0, "member '%s': a hard link to '%s', which is no earlier member; "
			       "refused", m->path, m->linkname);
	name = split(target, &dir);
	dirfd = vn_openat_beneath(im->root, dir, O_RDONLY | O_DIRECTORY);
	if (dirfd < 0 || linkat(dirfd, name, im->work, tmp, 0) < 0)
		return vn_fail(err, dirfd < 0 ? -dirfd : errno, "member '%s': link to '%s'", m->path,
			       m->linkname);
	return 0;
}

/* Put the work area's tmp at dirfd/name, over what an earlier member of
 * the path left (a directory only when empty, as tar does). */
static int place(struct import *im, const char *tmp, int dirfd, const char *name,
		 const char *path, struct vn_error *err)
{
	struct stat old, now;
	bool had = fstatat(dirfd, name, &old, AT_SYMLINK_NOFOLLOW) == 0;

	if (had && S_ISDIR(old.st_mode) && unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		return vn_fail(err, 0, "member '%s' would replace a directory that is not empty; "
			       "refused", path);
	if (renameat(im->work, tmp, dirfd, name) < 0)
		return vn_fail(err, errno, "put '%s' in place", path);
	/* rename does nothing when both are links of one inode */
	(void)unlinkat(im->work, tmp, 0);
	if (had && (S_ISDIR(old.st_mode) || old.st_nlink == 1) &&
	    (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0 || now.st_ino != old.st_ino))
		vn_owner_store_forget(im->store, old.st_ino);
	return 0;
}

/* A character device: what a mknod inside makes, an empty file the
 * store presents as the device; others (block devices, numbers a
 * sandbox may not make) are left out, and said. */
static int make_device(struct import *im, const char *tmp, const char *path,
		       const struct tar_member *m, struct vn_error *err)
{
	dev_t rdev = makedev(m->devmajor, m->devminor);
	uid_t uid;
	gid_t gid;
	int r;

	if (m->type != TAR_CHR) {
		note_left_out(im, path, "a device veneer does not make");
		return 1;
	}
	if (make_file(im, tmp, path, m, false, err) < 0)
		return -1;
	r = owner_of(m, &uid, &gid);
	if (r == 0)
		r = vn_owner_store_set_device(im->store, im->work, tmp, uid, gid, rdev);
	if (r == -EPERM) {
		note_left_out(im, path, "a device veneer does not make");
		return 1;
	}
	if (r == -EOPNOTSUPP)
		return vn_fail(err, 0, "member '%s': a device, and the file system of %s keeps no "
			       "birth time to tie it to its file", m->path, im->dir);
	return r < 0 ? vn_fail(err, -r, "record the device '%s'", path) : 0;
}

/* Count what was made. */
static void count(struct import *im, const struct tar_member *m, const char *name)
{
	struct lt_import_stats *s = im->stats;

	if (m->type == TAR_REG && is_marker(name))
		s->whiteouts++;
	else if (m->type == TAR_REG)
		s->files++;
	else if (m->type == TAR_DIR)
		s->dirs++;
	else if (m->type == TAR_SYMLINK)
		s->symlinks++;
	else if (m->type == TAR_HARDLINK)
		s->hardlinks++;
	else
		s->others++;
}

/* A non-directory: made in the work area, owner recorded, put in place. */
static int import_leaf(struct import *im, const char *path, int dirfd, const char *name,
		       const struct tar_member *m, struct vn_error *err)
{
	char tmp[32];
	int r;

	work_name(im, tmp, sizeof(tmp));
	switch (m->type) {
	case TAR_REG:
		r = make_file(im, tmp, path, m, true, err);
		break;
	case TAR_HARDLINK:
		r = make_link(im, tmp, m, err);
		break;
	case TAR_SYMLINK:
		if (!link_stays_inside(path, m->linkname))
			return vn_fail(err, 0, "member '%s': a symlink to '%s', above the layer's root; "
				       "refused", m->path, m->linkname);
		r = make_special(im, tmp, path, m, err);
		break;
	case TAR_FIFO:
		r = make_special(im, tmp, path, m, err);
		break;
	default:
		r = make_device(im, tmp, path, m, err);
		break;
	}
	if (r != 0) {
		(void)unlinkat(im->work, tmp, 0);
		return r < 0 ? -1 : 0;
	}
	/* a device's record is its owner's too (make_device); a hard link
	 * is its target's inode, owner and all (as tar extracts one); a
	 * whiteout or opaque marker is no object, and shows no owner (the
	 * union records none for one either: `veneer check` would call its
	 * record stale) */
	r = m->type == TAR_CHR || m->type == TAR_HARDLINK || is_marker(name)
		    ? 0
		    : record_owner(im, im->work, tmp, m);
	if (r < 0) {
		(void)unlinkat(im->work, tmp, 0);
		return vn_fail(err, -r, "record the owner of '%s'", path);
	}
	return place(im, tmp, dirfd, name, path, err);
}

/* A directory: made (0700 until finish_dirs; a non-directory of an
 * earlier member in its place goes), owner and xattrs now, mode and
 * times last. */
static int import_dir(struct import *im, const char *path, int dirfd, const char *name,
		      const struct tar_member *m, struct vn_error *err)
{
	cleanup_close int fd = -1;
	struct stat old;
	int r = 0;

	if (mkdirat(dirfd, name, 0700) < 0) {
		if (errno != EEXIST || fstatat(dirfd, name, &old, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		else if (!S_ISDIR(old.st_mode)) {
			if (unlinkat(dirfd, name, 0) < 0 || mkdirat(dirfd, name, 0700) < 0)
				r = -errno;
			else if (old.st_nlink == 1)
				vn_owner_store_forget(im->store, old.st_ino);
		}
	}
	if (r == 0 && (fd = vn_openat_beneath(dirfd, name, O_RDONLY | O_DIRECTORY)) < 0)
		r = fd;
	if (r == 0)
		r = set_xattrs(im, fd, path, m);
	if (r == 0)
		r = record_owner(im, fd, "", m);
	if (r == 0)
		r = add_pending_dir(im, path, m);
	return r < 0 ? vn_fail(err, -r, "make directory '%s'", path) : 0;
}

/* The root's own member ("./"): its owner, xattrs, mode and times. */
static int import_root(struct import *im, const struct tar_member *m, struct vn_error *err)
{
	int r;

	if (m->type != TAR_DIR)
		return vn_fail(err, 0, "member '%s': the layer's root, and not a directory", m->path);
	r = set_xattrs(im, im->root, "", m);
	if (r == 0)
		r = record_owner(im, im->root, "", m);
	if (r == 0)
		r = add_pending_dir(im, "", m);
	return r < 0 ? vn_fail(err, -r, "the layer's root") : 0;
}

/* Types a layer may hold: the rest ('D' dumpdirs aside) are refused. */
static bool known_type(char type)
{
	return strchr("0123456", type) && type;
}

static int check_member(const struct tar_member *m, const char *name, struct vn_error *err)
{
	if (!known_type(m->type))
		return vn_fail(err, 0, "member '%s': of a type veneer does not know ('%c'); refused",
			       m->path, m->type);
	if (is_marker(name) && m->type != TAR_REG)
		return vn_fail(err, 0, "member '%s': a whiteout that is not a file; refused", m->path);
	return 0;
}

static int import_member(struct import *im, const struct tar_member *m, struct vn_error *err)
{
	cleanup_free char *path = NULL, *copy = NULL;
	cleanup_close int dirfd = -1;
	const char *dir, *name;
	int r;

	if (clean_path(m->path, "path", m->path, &path, err) < 0)
		return -1;
	if (!path[0])
		return import_root(im, m, err);
	copy = strdup(path);
	if (!copy)
		return vn_fail(err, ENOMEM, "out of memory");
	name = split(copy, &dir);
	if (is_reserved_name(name) || strstr(dir, ".wh..wh.")) {
		/* aufs' own (.wh..wh.plnk, .wh..wh.aufs): no part of the layer */
		note_left_out(im, path, "a name the union reserves");
		return 0;
	}
	if (check_member(m, name, err) < 0)
		return -1;
	dirfd = open_dir(im, dir);
	if (dirfd == -ELOOP || dirfd == -ENOTDIR)
		return vn_fail(err, 0, "member '%s': its directory '%s' is %s; refused", m->path, dir,
			       dirfd == -ELOOP ? "reached through a symlink" : "not a directory");
	if (dirfd < 0)
		return vn_fail(err, -dirfd, "open the directory of '%s'", m->path);
	r = m->type == TAR_DIR ? import_dir(im, path, dirfd, name, m, err)
			       : import_leaf(im, path, dirfd, name, m, err);
	if (r < 0)
		return -1;
	if (remember_member(im, path) < 0)
		return vn_fail(err, ENOMEM, "out of memory");
	count(im, m, name);
	return 0;
}

/* ------------------------------------------------------------ the tree */

/* DIR's parent and name; DIR must not exist. */
static int open_parent(struct import *im, struct vn_error *err)
{
	cleanup_free char *copy = strdup(im->dir);
	char *slash, *name;
	struct stat st;
	size_t len;

	if (!copy)
		return vn_fail(err, ENOMEM, "out of memory");
	for (len = strlen(copy); len > 1 && copy[len - 1] == '/'; len--)
		copy[len - 1] = '\0';
	slash = strrchr(copy, '/');
	name = slash ? slash + 1 : copy;
	if (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strlen(name) > NAME_MAX)
		return vn_fail(err, 0, "-o %s: give the path of a new directory", im->dir);
	if (slash)
		*slash = '\0';
	im->parent = open(!slash ? "." : slash == copy ? "/" : copy,
			  O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (im->parent < 0)
		return vn_fail(err, 0, "-o %s: its directory: %s", im->dir, strerror(errno));
	if (fstatat(im->parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return vn_fail(err, 0, "-o %s exists; give a new directory (import makes "
			       "it)", im->dir);
	snprintf(im->base, sizeof(im->base), "%s", name);
	snprintf(im->tmp, sizeof(im->tmp), ".veneer-import.%d.%.200s", (int)getpid(), name);
	return 0;
}

/* The hidden directory the tree is built in, with an upper's state
 * directory (format version, work area). */
static int make_tree(struct import *im, struct vn_error *err)
{
	if (mkdirat(im->parent, im->tmp, 0700) < 0)
		return vn_fail(err, errno, "make %s beside %s", im->tmp, im->dir);
	im->made = true;
	im->root = openat(im->parent, im->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (im->root < 0)
		return vn_fail(err, errno, "open %s", im->tmp);
	if (upper_init_state(im->root, im->dir, err) < 0)
		return -1;
	im->work = vn_openat_beneath(im->root, VN_STATE_DIR "/work", O_RDONLY | O_DIRECTORY);
	if (im->work < 0)
		return vn_fail(err, -im->work, "open the work area of %s", im->tmp);
	im->store = vn_owner_store_new();
	if (!im->store)
		return vn_fail(err, ENOMEM, "out of memory");
	return add_default_root(im) < 0 ? vn_fail(err, ENOMEM, "out of memory") : 0;
}

/* The owner store written, everything on disk, then the tree at DIR. */
static int put_in_place(struct import *im, struct vn_error *err)
{
	int r = vn_owner_store_rewrite(im->root, im->store);

	if (r < 0)
		return vn_fail(err, -r, "write the owner store of %s", im->dir);
	/* a crash after the rename leaves a whole layer, not one whose
	 * data was still in the page cache */
	if (syncfs(im->root) < 0)
		return vn_fail(err, errno, "write %s to disk", im->dir);
	if (renameat2(im->parent, im->tmp, im->parent, im->base, RENAME_NOREPLACE) < 0)
		return vn_fail(err, errno == EEXIST ? 0 : errno, "put %s in place%s", im->dir,
			       errno == EEXIST ? ": it was made meanwhile" : "");
	im->made = false;
	return 0;
}

/* ------------------------------------------------------------- progress */

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Once a second, after the first: a line rewritten in place. */
static void show_progress(struct import *im, unsigned long entries, bool last)
{
	if (!im->opt->progress || seconds_since(&im->started) < 1.0 ||
	    (!last && seconds_since(&im->shown) < 1.0))
		return;
	clock_gettime(CLOCK_MONOTONIC, &im->shown);
	im->progress_shown = !last;
	fprintf(stderr, "\rveneer: import: %lu entries, %" PRIu64 " MiB read%s", entries,
		im->tar.offset >> 20, last ? "\n" : "");
}

/* SIGINT, SIGTERM, SIGHUP held while the tree is built: one that came
 * ends the import (the tree removed), then is delivered. */
static bool interrupted(const sigset_t *held)
{
	sigset_t pending;

	if (sigpending(&pending) < 0)
		return false;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(held, sig) == 1 && sigismember(&pending, sig) == 1)
			return true;
	return false;
}

static int read_members(struct import *im, const sigset_t *held, struct vn_error *err)
{
	unsigned long entries = 0;
	struct tar_member m;
	int r;

	while ((r = tar_read_next(&im->tar, &m, err)) > 0) {
		r = import_member(im, &m, err);
		tar_member_free(&m);
		if (r < 0)
			return -1;
		if (interrupted(held))
			return vn_fail(err, 0, "interrupted; nothing was left");
		show_progress(im, ++entries, false);
	}
	if (r < 0)
		return -1;
	show_progress(im, entries, true);
	return 0;
}

static void warn_not_kept(const struct import *im)
{
	const struct lt_import_stats *s = im->stats;

	if (s->xattrs_skipped)
		fprintf(stderr, "veneer: import: %lu xattr%s not kept (only user.* are: first %s)\n",
			s->xattrs_skipped, s->xattrs_skipped == 1 ? "" : "s",
			im->xattr_first ? im->xattr_first : "?");
	if (s->left_out)
		fprintf(stderr, "veneer: import: %lu member%s left out (first %s)\n", s->left_out,
			s->left_out == 1 ? "" : "s", im->left_out_first ? im->left_out_first : "?");
}

static void import_free(struct import *im)
{
	tar_reader_free(&im->tar);
	tdestroy(im->members, free);
	for (size_t i = 0; i < im->ndirs; i++)
		free(im->dirs[i].path);
	free(im->dirs);
	vn_owner_store_free(im->store);
	free(im->xattr_first);
	free(im->left_out_first);
	if (im->work >= 0)
		close(im->work);
	if (im->root >= 0)
		close(im->root);
	if (im->made)
		vn_remove_tree(im->parent, im->tmp);
	if (im->parent >= 0)
		close(im->parent);
	free(im);
}

static int import_run(struct import *im, int fd, const sigset_t *held, struct vn_error *err)
{
	if (open_parent(im, err) < 0 || make_tree(im, err) < 0)
		return -1;
	tar_reader_init(&im->tar, fd, im->opt->on_bytes, im->opt->arg);
	if (read_members(im, held, err) < 0 || tar_read_drain(&im->tar, err) < 0)
		return -1;
	if (im->opt->verify && im->opt->verify(im->opt->arg, err) < 0)
		return -1;
	if (finish_dirs(im, err) < 0 || put_in_place(im, err) < 0)
		return -1;
	return 0;
}

int lt_import_tar(int fd, const char *dir, const struct lt_import_options *opt,
		  struct lt_import_stats *stats, struct vn_error *err)
{
	static const struct lt_import_options none = { 0 };
	struct import *im = calloc(1, sizeof(*im));
	sigset_t held, old;
	int r;

	memset(stats, 0, sizeof(*stats));
	if (!im)
		return vn_fail(err, ENOMEM, "out of memory");
	im->dir = dir;
	im->opt = opt ? opt : &none;
	im->stats = stats;
	im->parent = im->root = im->work = -1;
	im->privileged = geteuid() == 0;
	clock_gettime(CLOCK_MONOTONIC, &im->started);
	sigemptyset(&held);
	sigaddset(&held, SIGINT);
	sigaddset(&held, SIGTERM);
	sigaddset(&held, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &held, &old);
	r = import_run(im, fd, &held, err);
	if (im->progress_shown)
		fputc('\n', stderr); /* the error's line is a line of its own */
	if (r == 0)
		warn_not_kept(im);
	else
		vn_wrap(err, "import");
	import_free(im);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* ------------------------------------------------------- decompression */

/* The decompressor spawned last: its name, and the file its stderr went
 * to (its complaint becomes part of the one line said). */
static struct {
	pid_t pid;
	const char *name;
	int errfd;
} decompressor = { -1, NULL, -1 };

static const char *const GZIP_MAGIC = "\x1f\x8b";
static const char *const ZSTD_MAGIC = "\x28\xb5\x2f\xfd";

/* The first n bytes of a pipe, left in it: tee(2) copies them into a
 * pipe of ours.  Fewer at its end. */
static int peek_pipe(int fd, unsigned char *buf, size_t n, size_t *got)
{
	int p[2], r = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t t = tee(fd, p[1], n, 0), k;

		if (t < 0 && errno == EINTR)
			continue;
		if (t <= 0) {
			r = t < 0 ? -errno : 0;
			break;
		}
		k = read(p[0], buf, (size_t)t);
		if (k < 0) {
			r = -errno;
			break;
		}
		*got = (size_t)k;
		/* fewer than asked: more to come, unless the writer is gone */
		if (*got >= n || poll(&pfd, 1, 0) < 0 || (pfd.revents & POLLHUP))
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	close(p[0]);
	close(p[1]);
	return r;
}

/* The first n bytes of fd, which stay to be read: a file's by pread, a
 * pipe's by tee, a socket's by MSG_PEEK. */
static int peek(int fd, unsigned char *buf, size_t n, size_t *got)
{
	struct stat st;
	ssize_t k;

	*got = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISFIFO(st.st_mode))
		return peek_pipe(fd, buf, n, got);
	if (S_ISSOCK(st.st_mode))
		k = recv(fd, buf, n, MSG_PEEK | MSG_WAITALL);
	else if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		off_t at = lseek(fd, 0, SEEK_CUR);

		k = pread(fd, buf, n, at < 0 ? 0 : at);
	} else
		return -ESPIPE;
	if (k < 0)
		return -errno;
	*got = (size_t)k;
	return 0;
}

static const char *compressor_of(const unsigned char *magic, size_t n)
{
	if (n >= 2 && memcmp(magic, GZIP_MAGIC, 2) == 0)
		return "gzip";
	if (n >= 4 && memcmp(magic, ZSTD_MAGIC, 4) == 0)
		return "zstd";
	return NULL;
}

static int open_input(const char *file, struct vn_error *err)
{
	struct stat st;
	int fd = strcmp(file, "-") == 0 ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
					: open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return vn_fail(err, 0, "import: %s: %s; give a tar, .tar.gz or .tar.zst", file,
			       strerror(errno));
	if (isatty(fd)) {
		close(fd);
		return vn_fail(err, 0, "import: refusing to read a tar from a terminal; give FILE or "
			       "redirect stdin");
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return vn_fail(err, 0, "import: %s is a directory; give a tar, .tar.gz or .tar.zst",
			       file);
	}
	return fd;
}

/* name -dc from in into a pipe: the pipe's read end, or -1. */
static int start_decompressor(const char *name, int in, pid_t *child, struct vn_error *err)
{
	char *const argv[] = { (char *)name, "-dc", NULL };
	int p[2], errfd = memfd_create("veneer-import", MFD_CLOEXEC);

	if (errfd < 0 || pipe2(p, O_CLOEXEC) < 0) {
		if (errfd >= 0)
			close(errfd);
		return vn_fail(err, errno, "import: start %s", name);
	}
	if (lt_spawn_filter(argv, in, p[1], errfd, child, "import", err) < 0) {
		close(p[0]);
		close(p[1]);
		close(errfd);
		return -1;
	}
	close(p[1]);
	decompressor.pid = *child;
	decompressor.name = name;
	decompressor.errfd = errfd;
	return p[0];
}

int lt_open_decompressed(const char *file, int *fd, pid_t *child, struct vn_error *err)
{
	unsigned char magic[4];
	const char *name;
	size_t got;
	int in = open_input(file, err), r;

	*fd = -1;
	*child = -1;
	if (in < 0)
		return -1;
	r = peek(in, magic, sizeof(magic), &got);
	if (r < 0) {
		close(in);
		if (r == -ESPIPE)
			return vn_fail(err, 0, "import: %s is neither a file, a pipe nor a socket", file);
		return vn_fail(err, -r, "import: read %s", file);
	}
	name = compressor_of(magic, got);
	if (!name) {
		*fd = in;
		return 0;
	}
	*fd = start_decompressor(name, in, child, err);
	close(in);
	return *fd < 0 ? -1 : 0;
}

/* What the decompressor said, its first line, after the failure err
 * holds. */
static int add_complaint(struct vn_error *err)
{
	char said[256], *line;
	ssize_t n = decompressor.errfd < 0 ? -1 : pread(decompressor.errfd, said, sizeof(said) - 1, 0);
	size_t len = strlen(err->msg);

	if (n <= 0)
		return -1;
	said[n] = '\0';
	line = said + strspn(said, "\n ");
	line[strcspn(line, "\n")] = '\0';
	if (!line[0])
		return -1;
	snprintf(err->msg + len, sizeof(err->msg) - len, " (%s)", line);
	return -1;
}

int lt_check_decompressed(pid_t child, struct vn_error *err)
{
	if (child <= 0)
		return 0;
	if (lt_check_filter(child == decompressor.pid ? decompressor.name : "the decompressor",
			    child, "decompress", err) < 0)
		return add_complaint(err);
	return 0;
}

int lt_close_decompressed(int fd, pid_t child, struct vn_error *err)
{
	int r = 0;

	if (fd >= 0)
		close(fd);
	if (child > 0 &&
	    lt_reap_filter(child == decompressor.pid ? decompressor.name : "the decompressor", child,
			   "import: decompress", err) < 0)
		r = add_complaint(err);
	if (child > 0 && child == decompressor.pid) {
		if (decompressor.errfd >= 0)
			close(decompressor.errfd);
		decompressor.pid = -1;
		decompressor.errfd = -1;
	}
	return r;
}
