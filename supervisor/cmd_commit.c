/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veneer commit UPPER --into DIR`: apply what an upper holds to a plain
 * directory, as the union showed it over DIR: deletions (whiteouts),
 * opaque directories (DIR's own entries there go), new and changed
 * objects with their data, modes, owners (where the caller may set
 * them), times, user xattrs, hard links, symlinks and FIFOs.  Each
 * non-directory is built beside its place under a temporary name and
 * renamed over it, so a reader of DIR sees the old object or the whole
 * new one.  Two walks of the upper: the first plans and checks (every
 * directory to be written must be writable, every name free of a
 * directory in the way it cannot remove) and changes nothing; the
 * second applies.  Directories get their modes and times last, deepest
 * first, once what is in them is in place.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "layer_tools.h"
#include "veneer/cleanup.h"
#include "veneer/grow.h"
#include "veneer/union.h"

void cmd_commit_usage(FILE *out)
{
	fputs("Usage: veneer commit [--dry-run] [--yes] UPPER --into DIR\n"
	      "\n"
	      "Apply the changes the upper layer UPPER holds to the directory DIR (the\n"
	      "lower it ran over, say), as the sandbox showed them: deleted paths are\n"
	      "removed, an opaque directory loses DIR's own entries, new and changed\n"
	      "objects are written with their data, mode, owner, times, user.* xattrs,\n"
	      "hard links, symlinks and FIFOs.  Each file is built beside its place and\n"
	      "renamed over it (a reader sees the old or the whole new one);\n"
	      "directories get their modes and times last.  Owners are set where you may\n"
	      "set them, the sandbox's root (0) being the upper's owner; the last line\n"
	      "says how many could not be kept.  Set-user-ID and set-group-ID bits and\n"
	      "device nodes come only from an upper a root sandbox wrote (root's).\n"
	      "\n"
	      "  --into DIR    the directory to apply the changes to\n"
	      "  --dry-run     list what would be done (the lines of `veneer diff`),\n"
	      "                change nothing\n"
	      "  --yes         do not ask: on a terminal, commit asks before it acts\n"
	      "  -h, --help    show this help\n"
	      "\n"
	      "Before anything is changed, every directory of DIR to be written is\n"
	      "checked: one you may not write is named in one line, and nothing is\n"
	      "changed.  The upper is read, not changed; while a sandbox holds it this\n"
	      "fails.  Exit status: 0, or 125 with one line on stderr.\n",
	      out);
}

/* A directory whose mode, owner and times are set once its contents are. */
struct pending_dir {
	char *path;
	struct stat st;
	uid_t uid;
	gid_t gid;
};

struct commit {
	const struct lt_commit_options *opt;
	struct lt_upper up;
	int into;             /* DIR */
	bool apply;           /* the second walk */
	unsigned added, changed, deleted;
	unsigned owners_lost;
	char lost_first[PATH_MAX];
	void *seen;           /* hard links (lt_first_link) */
	struct pending_dir *dirs;
	size_t ndirs, dirs_cap;
	uid_t me;
	gid_t my_gid;
	/* in the names files are built under: random, so that the upper
	 * (which a command wrote) cannot hold one of them in advance and
	 * stop the commit half made, as a pid it may guess could */
	char token[17];
	bool upper_in_into;   /* the upper is below DIR, at upper_place */
	char upper_place[PATH_MAX];
};

/* DIR in messages before "/PATH": "" for "/", so that "/etc" is not "//etc". */
static const char *shown_into(const struct commit *c)
{
	return strcmp(c->opt->into, "/") == 0 ? "" : c->opt->into;
}

/* ------------------------------------------------------------ options */

/* 0: run; 1: help was asked; -1: bad input (err says). */
static int parse_commit_args(int argc, char **argv, struct lt_commit_options *opt,
			     struct vn_error *err)
{
	static const struct option options[] = {
		{ "into", required_argument, NULL, 'i' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (c == 'i')
			opt->into = optarg;
		else if (c == 'n')
			opt->dry_run = true;
		else if (c == 'y')
			opt->yes = true;
		else if (c == 'h')
			return 1;
		else
			return cli_option_error("commit", c, argv, err);
	}
	if (optind >= argc)
		return vn_fail(err, 0, "commit: no UPPER given; use `veneer commit UPPER --into DIR`");
	if (optind + 1 < argc)
		return vn_fail(err, 0, "commit: one UPPER only, '%s' is one too many", argv[optind + 1]);
	if (!opt->into)
		return vn_fail(err, 0, "commit: no --into DIR given; use `veneer commit UPPER --into "
			       "DIR`");
	opt->upper = argv[optind];
	return 0;
}

/* ------------------------------------------------------------ helpers */

/* A directory of DIR (rel; "" is DIR): its fd, or -errno.  Never out
 * of DIR, and no symlink of DIR's followed on the way: its directories
 * on the way are the upper's (made real ones first, the walk going
 * down), but another user may swap one of a world-writable directory
 * (/tmp) for a symlink while a root commit runs. */
static int open_dir_beneath(const struct commit *c, const char *rel)
{
	int fd;

	do {
		fd = (int)syscall(SYS_openat2, c->into, rel[0] ? rel : ".",
				  &(struct open_how){ .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
						      .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS },
				  sizeof(struct open_how));
	} while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : fd;
}

/* The directory of DIR that holds rel, and rel's name: its fd (or
 * -ENOENT when it is yet to be made, in the plan). */
static int parent_of(struct commit *c, const char *rel, char *name, size_t size)
{
	const char *slash = strrchr(rel, '/');
	char dir[PATH_MAX];

	if (snprintf(name, size, "%s", slash ? slash + 1 : rel) >= (int)size)
		return -ENAMETOOLONG;
	if ((size_t)snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 0, rel) >=
	    sizeof(dir))
		return -ENAMETOOLONG;
	return open_dir_beneath(c, dir);
}

/* In the plan: whether the directory of DIR that will hold rel may be
 * written (the nearest one that exists, when it is yet to be made). */
static int check_writable(struct commit *c, const char *rel, struct vn_error *err)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	for (;;) {
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			strcpy(dir, ".");
		/* a non-directory there is replaced by the upper's directory:
		 * its own directory is the one written */
		if (fstatat(c->into, dir, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
			break;
		if (!slash)
			break;
	}
	if (faccessat(c->into, dir, W_OK | X_OK, AT_EACCESS) < 0)
		return vn_fail(err, 0, "commit: you may not write %s/%s (%s); nothing was changed",
			       shown_into(c), strcmp(dir, ".") == 0 ? "" : dir, strerror(errno));
	return 0;
}

/* In the plan: whether the caller may remove or replace DIR's rel (a
 * whiteout's, a changed non-directory's) and, for a directory that
 * stays, set its mode: a sticky directory (/tmp) lets only the owner
 * of a name or of the directory remove it, and only a file's owner
 * changes its mode (root may do both).  The apply found it out half
 * way: a command under `run --commit` that removed another user's file
 * of /tmp left the commit half made. */
static int check_may_change(struct commit *c, const char *rel, bool stays_dir,
			    struct vn_error *err)
{
	char name[NAME_MAX + 1];
	cleanup_close int parent = parent_of(c, rel, name, sizeof(name));
	struct stat dir, st;
	const char *why = NULL;

	if (c->me == 0 || parent < 0 || fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fstat(parent, &dir) < 0 || st.st_uid == c->me)
		return 0; /* yet to be made, or ours */
	if (stays_dir && S_ISDIR(st.st_mode))
		why = "set the mode of";
	else if ((dir.st_mode & S_ISVTX) && dir.st_uid != c->me)
		why = "remove or replace";
	if (!why)
		return 0;
	return vn_fail(err, 0, "commit: you may not %s %s/%s (another user's%s); nothing was "
		       "changed", why, shown_into(c), rel,
		       stays_dir ? "" : ", in a sticky directory");
}

/* In the plan: whether the caller may remove dirfd/name (of stat st,
 * in the directory of stat dir) and all below it, as remove_tree will:
 * a sticky directory's names only as their owner or the directory's, a
 * directory with something in it only when it may be read, written and
 * searched.  0, or -1 with the first that may not be removed in err.
 * A command under `run --commit` that removed a tree holding a
 * directory of root's (a build's, say) left the commit half made. */
static int check_removable(struct commit *c, int dirfd, const char *name, const struct stat *dir,
			   const struct stat *st, const char *rel, int depth, struct vn_error *err)
{
	cleanup_close int fd = -1;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if ((dir->st_mode & S_ISVTX) && st->st_uid != c->me && dir->st_uid != c->me)
		return vn_fail(err, 0, "commit: you may not remove %s/%s (another user's, in a "
			       "sticky directory); nothing was changed",
			       shown_into(c), rel);
	if (!S_ISDIR(st->st_mode) || depth > 256)
		return 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(dup(fd));
	while (r == 0 && d && (de = readdir(d))) {
		struct stat child;
		cleanup_free char *below = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(fd, de->d_name, &child, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (faccessat(dirfd, name, R_OK | W_OK | X_OK, AT_EACCESS) < 0)
			r = vn_fail(err, 0, "commit: you may not remove what %s/%s holds (%s); "
				    "nothing was changed",
				    shown_into(c), rel,
				    strerror(errno));
		else if (!(below = lt_join(rel, de->d_name)))
			r = vn_fail(err, ENOMEM, "commit");
		else
			r = check_removable(c, fd, de->d_name, st, &child, below, depth + 1, err);
	}
	if (d)
		closedir(d);
	else if (fd < 0 && errno != ENOENT)
		r = vn_fail(err, 0, "commit: you may not remove %s/%s (%s); nothing was changed",
			    shown_into(c), rel, strerror(errno));
	return r;
}

/* check_removable of DIR's rel, when it is there. */
static int check_removable_at(struct commit *c, const char *rel, struct vn_error *err)
{
	char name[NAME_MAX + 1];
	cleanup_close int parent = parent_of(c, rel, name, sizeof(name));
	struct stat dir, st;

	if (c->me == 0 || parent < 0 || fstat(parent, &dir) < 0 ||
	    fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return check_removable(c, parent, name, &dir, &st, rel, 0, err);
}

/* rm -r of dirfd/name, never following a symlink, as the caller may
 * (nothing opened up: DIR is not veneer's). */
static int remove_tree(int dirfd, const char *name)
{
	cleanup_close int fd = -1;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR ? -EPERM : -errno; /* unlink's EPERM was a file's */
	d = fdopendir(dup(fd));
	if (!d)
		return -errno;
	while (r == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = remove_tree(fd, de->d_name);
	closedir(d);
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		r = -errno;
	return r;
}

/* The owner to give: the presented one, the sandbox's root (0) being
 * whoever ran it, the upper's owner (a root commit of an unprivileged
 * sandbox's upper must not make its root's files root's). */
static void owner_for(const struct commit *c, const struct lt_entry *e, uid_t *uid, gid_t *gid)
{
	*uid = e->uid == 0 ? c->up.st.st_uid : e->uid;
	*gid = e->gid == 0 ? c->up.st.st_gid : e->gid;
}

/* The mode to give: set-user-ID and set-group-ID bits only from a
 * sandbox that ran as root (its upper is root's): an unprivileged
 * sandbox's chmod 4755 of a file its root owns is no root's word. */
static mode_t mode_for(const struct commit *c, const struct lt_entry *e)
{
	mode_t mode = e->st.st_mode & 07777;

	if (c->up.st.st_uid != 0 && !S_ISDIR(e->st.st_mode))
		mode &= ~(mode_t)(S_ISUID | S_ISGID);
	return mode;
}

static void owner_lost(struct commit *c, const char *path)
{
	if (c->owners_lost++ == 0)
		snprintf(c->lost_first, sizeof(c->lost_first), "/%s", path);
}

/* chmod of what the O_PATH fd names (the very inode: no name is looked
 * up again, so none swapped for a symlink meanwhile is followed). */
static int chmod_fd(int fd, mode_t mode)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return chmod(path, mode) < 0 ? -errno : 0;
}

/* Owner, mode and times of dirfd/name, set on the object found there
 * (opened O_PATH, never following a symlink, not even one on the way),
 * not on whatever the name holds a moment later: in a world-writable
 * directory another user may swap it for a symlink to a file of root's
 * while a root commit runs. */
static int set_attrs(struct commit *c, int dirfd, const char *name, const struct lt_entry *e,
		     const char *path)
{
	struct timespec times[2] = { e->st.st_atim, e->st.st_mtim };
	cleanup_close int fd = -1;
	struct stat st;
	uid_t uid;
	gid_t gid;
	int r;

	do {
		fd = (int)syscall(SYS_openat2, dirfd, name,
				  &(struct open_how){ .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
						      .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS },
				  sizeof(struct open_how));
	} while (fd < 0 && errno == EAGAIN);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((st.st_mode & S_IFMT) != (e->st.st_mode & S_IFMT))
		return -ESTALE; /* not what was made there */
	owner_for(c, e, &uid, &gid);
	if ((uid != c->me || gid != c->my_gid) &&
	    fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0) {
		if (errno != EPERM)
			return -errno;
		owner_lost(c, path);
	}
	if (!S_ISLNK(st.st_mode) && (r = chmod_fd(fd, mode_for(c, e))) < 0)
		return r;
	return utimensat(fd, "", times, AT_EMPTY_PATH) < 0 ? -errno : 0;
}

static int copy_xattrs(int from, int to)
{
	char list[4096], value[65536];
	ssize_t len = flistxattr(from, list, sizeof(list));

	for (ssize_t off = 0; len > 0 && off < len; off += (ssize_t)strlen(list + off) + 1) {
		const char *n = list + off;
		ssize_t v;

		if (strncmp(n, "user.", 5) != 0)
			continue;
		v = fgetxattr(from, n, value, sizeof(value));
		if (v < 0 || fsetxattr(to, n, value, (size_t)v, 0) < 0)
			return errno == ENOTSUP ? 0 : -errno;
	}
	return 0;
}

/* The data of from into to, holes kept. */

/* ------------------------------------------------------------ actions */

/* The path the inode was first written under (NULL: this is the first,
 * or one not tracked for want of memory: written as a file of its own). */
static const char *hard_link_of(struct commit *c, const struct lt_entry *e)
{
	const char *first = NULL;

	if (e->st.st_nlink < 2 || lt_first_link(&c->seen, e, &first) < 0)
		return NULL;
	return first;
}

/* Make the non-directory e under a temporary name in parent: 0 and its
 * name in tmp, or -errno. */
static int make_beside(struct commit *c, int parent, const char *name, const struct lt_entry *e,
		       char *tmp, size_t size)
{
	const char *first = hard_link_of(c, e);
	int r = 0;

	snprintf(tmp, size, ".veneer-commit.%s.%.200s", c->token, name);
	(void)unlinkat(parent, tmp, 0);
	if (first) {
		char first_name[NAME_MAX + 1];
		cleanup_close int first_dir = parent_of(c, first, first_name, sizeof(first_name));

		/* its directory opened as every other: no symlink followed */
		if (first_dir < 0)
			return first_dir;
		if (linkat(first_dir, first_name, parent, tmp, 0) == 0)
			return 1;
		/* the first name is on another file system of DIR's (a mount
		 * point between the two, /home apart from /): a file of its
		 * own, not a commit stopped half made */
		if (errno != EXDEV)
			return -errno;
	}
	if (S_ISREG(e->st.st_mode)) {
		bool opened_up;
		cleanup_close int from = lt_open_as_owner(e->dirfd, e->name, &e->st, O_RDONLY, &opened_up);
		cleanup_close int to = -1;

		if (from < 0)
			return from;
		if (opened_up && (r = lt_close_up(from, &e->st)) < 0)
			return r;
		to = openat(parent, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (to < 0)
			return -errno;
		r = vn_copy_data(from, to, e->st.st_size);
		if (r == 0)
			r = copy_xattrs(from, to);
	} else if (S_ISLNK(e->st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(e->dirfd, e->name, target, sizeof(target) - 1);

		if (n < 0)
			return -errno;
		target[n] = '\0';
		r = symlinkat(target, parent, tmp) < 0 ? -errno : 0;
	} else if (S_ISFIFO(e->st.st_mode)) {
		r = mkfifoat(parent, tmp, 0600) < 0 ? -errno : 0;
	} else {
		r = mknodat(parent, tmp, (e->st.st_mode & S_IFMT) | 0600, e->st.st_rdev) < 0 ? -errno : 0;
	}
	return r;
}

static int apply_leaf(struct commit *c, const struct lt_entry *e, struct vn_error *err)
{
	char name[NAME_MAX + 1], tmp[NAME_MAX + 1];
	cleanup_close int parent = parent_of(c, e->path, name, sizeof(name));
	struct stat st;
	int r;

	if (parent < 0)
		return vn_fail(err, -parent, "commit: open the directory of %s/%s", shown_into(c), e->path);
	r = make_beside(c, parent, name, e, tmp, sizeof(tmp));
	if (r == 0)
		r = set_attrs(c, parent, tmp, e, e->path);
	/* a directory in the way goes first: rename cannot replace it */
	if (r >= 0 && fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		r = remove_tree(parent, name);
	if (r >= 0 && renameat(parent, tmp, parent, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(parent, tmp, 0);
		return vn_fail(err, -r, "commit: write %s/%s", shown_into(c), e->path);
	}
	return 0;
}

static int add_pending_dir(struct commit *c, const struct lt_entry *e)
{
	struct pending_dir *d = vn_grow(c->dirs, &c->dirs_cap, c->ndirs, sizeof(*d), 64);

	if (!d)
		return -ENOMEM;
	c->dirs = d;
	d = &c->dirs[c->ndirs];
	d->path = strdup(e->path);
	if (!d->path)
		return -ENOMEM;
	d->st = e->st;
	d->uid = e->uid;
	d->gid = e->gid;
	c->ndirs++;
	return 0;
}

/* A directory DIR has already, of the mode and owner the upper's would
 * get: the upper holds it only for what is below it (its copy-up), and
 * it is left alone, as `veneer diff` leaves it out.  Committing into /
 * as yourself then asks nothing of / and /home. */
static bool dir_already_there(const struct commit *c, const struct lt_entry *e)
{
	struct lt_upper bare = c->up;
	struct stat st;
	uid_t uid;
	gid_t gid;

	if (fstatat(c->into, e->path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return false;
	/* DIR's owner as the sandbox showed the lower's (yours as 0) */
	bare.store = NULL;
	lt_presented_owner(&bare, &st, &uid, &gid);
	return (st.st_mode & 07777) == mode_for(c, e) && uid == e->uid && gid == e->gid;
}

static int apply_dir(struct commit *c, const struct lt_entry *e, struct vn_error *err)
{
	char name[NAME_MAX + 1];
	cleanup_close int parent = parent_of(c, e->path, name, sizeof(name));
	struct stat st;
	int r = parent < 0 ? parent : 0;

	if (r == 0 && fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
	    unlinkat(parent, name, 0) < 0)
		r = -errno;
	if (r == 0 && mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
		r = -errno;
	if (r == 0)
		r = add_pending_dir(c, e);
	return r < 0 ? vn_fail(err, -r, "commit: make %s/%s", shown_into(c), e->path) : 0;
}

/* What an opaque directory hides: DIR's own entries there that the
 * upper's directory does not hold (its own are written after). */
static int apply_opaque(struct commit *c, const struct lt_entry *e, struct vn_error *err)
{
	cleanup_close int dir = open_dir_beneath(c, e->dir);
	DIR *d = dir < 0 ? NULL : fdopendir(dup(dir));
	struct dirent *de;
	int r = 0;

	while (r == 0 && d && (de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(e->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		r = remove_tree(dir, de->d_name);
	}
	if (d)
		closedir(d);
	return r < 0 ? vn_fail(err, -r, "commit: empty the opaque %s/%s", shown_into(c), e->dir) : 0;
}

/* In the plan: whether the caller may remove what an opaque directory
 * hides (apply_opaque). */
static int check_opaque(struct commit *c, const struct lt_entry *e, struct vn_error *err)
{
	cleanup_close int dir = c->me == 0 ? -1 : open_dir_beneath(c, e->dir);
	DIR *d = dir < 0 ? NULL : fdopendir(dup(dir));
	struct dirent *de;
	struct stat dir_st;
	int r = d && fstat(dir, &dir_st) < 0 ? vn_fail(err, errno, "commit") : 0;

	while (r == 0 && d && (de = readdir(d))) {
		struct stat st;
		cleanup_free char *rel = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(e->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
		    fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		rel = lt_join(e->dir, de->d_name);
		r = rel ? check_removable(c, dir, de->d_name, &dir_st, &st, rel, 0, err)
			: vn_fail(err, ENOMEM, "commit");
	}
	if (d)
		closedir(d);
	return r;
}

static int apply_whiteout(struct commit *c, const struct lt_entry *e, struct vn_error *err)
{
	if (!strcmp(e->hidden, ".") || !strcmp(e->hidden, "..") || strchr(e->hidden, '/'))
		return vn_fail(err, 0, "commit: %s holds a whiteout of '%s', no name", c->opt->upper,
			       e->hidden);
	cleanup_close int dir = open_dir_beneath(c, e->dir);
	int r = dir == -ENOENT ? 0 : dir < 0 ? dir : remove_tree(dir, e->hidden);

	return r < 0 ? vn_fail(err, -r, "commit: remove %s/%s%s%s", shown_into(c), e->dir,
			       e->dir[0] ? "/" : "", e->hidden) : 0;
}

/* One line of the plan, as `veneer diff` writes it. */
static void plan_line(const struct commit *c, const struct lt_entry *e, char change)
{
	if (!c->opt->dry_run)
		return;
	cleanup_free char *hidden = change == 'D' ? lt_join(e->dir, e->hidden) : NULL;

	if (change == 'D')
		fputs("D ", stdout);
	else if (change == 'O')
		fputs("O ", stdout);
	else
		printf("%c %c %04o %u:%u ", change, lt_type_letter(&e->st),
		       (unsigned int)(e->st.st_mode & 07777), (unsigned int)e->uid,
		       (unsigned int)e->gid);
	lt_print_path(stdout, change == 'D' ? (hidden ? hidden : "?") : change == 'O' ? e->dir : e->path);
	putchar('\n');
}

/* Whether path is a or below it. */
static bool path_at_or_below(const char *path, const char *a)
{
	size_t n = strlen(a);

	return a[0] == '\0' || (strncmp(path, a, n) == 0 && (path[n] == '\0' || path[n] == '/'));
}

/* A socket, or a device an unprivileged sandbox's root made: not
 * committed (a device so made is no root's word). */
static bool left_out(const struct commit *c, const struct lt_entry *e)
{
	return e->kind == LT_OBJECT &&
	       (S_ISSOCK(e->st.st_mode) ||
		((S_ISCHR(e->st.st_mode) || S_ISBLK(e->st.st_mode)) && c->up.st.st_uid != 0));
}

/* With the upper inside DIR (`veneer run --commit` over /), no change
 * may write where the upper is, nor remove what holds it: the walk would
 * change what it reads, and the upper would be gone with the commit half
 * made.  The union does not hide its own upper from a sandbox over /:
 * the command inside can remove a directory that holds it and make a
 * file of that name (no whiteout is left then, only the file, which
 * apply_leaf puts in the directory's place). */
static int keep_off_the_upper(const struct commit *c, const struct lt_entry *e,
			      struct vn_error *err)
{
	cleanup_free char *hidden = e->kind == LT_WHITEOUT ? lt_join(e->dir, e->hidden) : NULL;
	const char *path = e->kind == LT_WHITEOUT ? hidden : e->kind == LT_OPAQUE ? e->dir : e->path;
	bool writes_into, removes;

	if (!c->upper_in_into || left_out(c, e))
		return 0;
	if (!path)
		return vn_fail(err, ENOMEM, "commit");
	/* any change at or below the upper's place writes into it (an
	 * opaque directory or a whiteout there removes part of it); a
	 * whiteout, an opaque directory or a non-directory above it removes
	 * it (a directory there is made, or left, a directory) */
	writes_into = path_at_or_below(path, c->upper_place);
	removes = (e->kind != LT_OBJECT || !S_ISDIR(e->st.st_mode)) &&
		  path_at_or_below(c->upper_place, path);
	if (!writes_into && !removes)
		return 0;
	return vn_fail(err, 0, "commit: the upper's change to /%s would %s the upper itself (it is "
		       "%s/%s); nothing was changed", path, removes ? "remove" : "write into",
		       c->opt->into, c->upper_place);
}

static int commit_visit(void *arg, const struct lt_entry *e, struct vn_error *err)
{
	struct commit *c = arg;
	struct stat st;
	char change;

	if (!c->apply && keep_off_the_upper(c, e, err) < 0)
		return -1;

	if (e->kind == LT_WHITEOUT) {
		if (!c->apply) {
			cleanup_free char *hidden = lt_join(e->dir, e->hidden);

			c->deleted++;
			plan_line(c, e, 'D');
			if (!hidden)
				return vn_fail(err, ENOMEM, "commit");
			return check_writable(c, e->path, err) < 0 ||
				       check_removable_at(c, hidden, err) < 0 ? -1 : 0;
		}
		return apply_whiteout(c, e, err);
	}
	if (e->kind == LT_OPAQUE) {
		if (!c->apply) {
			plan_line(c, e, 'O');
			return check_opaque(c, e, err);
		}
		return apply_opaque(c, e, err);
	}
	if (left_out(c, e)) {
		if (!c->apply) {
			/* the name is the sandbox's: escaped, as diff prints it */
			fputs("veneer: commit: ", stderr);
			lt_print_path(stderr, e->path);
			fprintf(stderr, " is a %s a sandbox made%s; left out\n",
				S_ISSOCK(e->st.st_mode) ? "socket" : "device",
				S_ISSOCK(e->st.st_mode) ? "" : " without root");
		}
		return 0;
	}
	if (S_ISDIR(e->st.st_mode) && e->path[0] && dir_already_there(c, e))
		return 0;
	if (!c->apply) {
		change = fstatat(c->into, e->path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 'C' : 'A';
		if (change == 'A')
			c->added++;
		else if (!S_ISDIR(e->st.st_mode))
			c->changed++;
		plan_line(c, e, change);
		if (check_writable(c, e->path, err) < 0)
			return -1;
		if (change == 'C' && !S_ISDIR(e->st.st_mode) && S_ISDIR(st.st_mode))
			return check_removable_at(c, e->path, err); /* the directory in the way */
		return change == 'C' ? check_may_change(c, e->path, S_ISDIR(e->st.st_mode), err) : 0;
	}
	return S_ISDIR(e->st.st_mode) ? apply_dir(c, e, err) : apply_leaf(c, e, err);
}

/* Directories last, deepest first: their modes (a 0555 one would refuse
 * what goes in it) and times (what went in changed them). */
static int finish_dirs(struct commit *c, struct vn_error *err)
{
	for (size_t i = c->ndirs; i-- > 0;) {
		struct pending_dir *d = &c->dirs[i];
		struct lt_entry e = { .path = d->path, .st = d->st, .uid = d->uid, .gid = d->gid };

		int r = set_attrs(c, c->into, d->path, &e, d->path);

		if (r < 0)
			return vn_fail(err, -r, "commit: set the mode and times of %s/%s",
				       shown_into(c), d->path);
	}
	return 0;
}

/* ------------------------------------------------------------ command */

/* On a terminal, without --yes: the caller's word. */
static bool confirmed(const struct commit *c)
{
	char answer[16];

	if (c->opt->yes || !isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return true;
	/* what was typed before the question is no answer to it: a command
	 * under `run --commit` may print a prompt of its own, read nothing
	 * and exit, leaving the "y" typed for it to answer ours */
	(void)tcflush(STDIN_FILENO, TCIFLUSH);
	fprintf(stderr, "veneer: commit: %u added, %u changed, %u deleted into %s; apply? [y/N] ",
		c->added, c->changed, c->deleted, c->opt->into);
	return fgets(answer, sizeof(answer), stdin) && (answer[0] == 'y' || answer[0] == 'Y');
}

/* 16 hex digits of the kernel's randomness into c->token. */
static int draw_token(struct commit *c, struct vn_error *err)
{
	uint64_t v;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		return vn_fail(err, errno, "commit: draw a name for its temporary files");
	snprintf(c->token, sizeof(c->token), "%016" PRIx64, v);
	return 0;
}

static int commit_run(struct commit *c, struct vn_error *err)
{
	struct stat into;
	int r;

	if (draw_token(c, err) < 0)
		return -1;

	if (lt_upper_open(c->opt->upper, &c->up, err) < 0)
		return -1;
	c->into = open(c->opt->into, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->into < 0)
		return vn_fail(err, 0, "commit: --into %s: %s; give a directory", c->opt->into,
			       strerror(errno));
	if (fstat(c->into, &into) < 0)
		return vn_fail(err, errno, "commit: stat %s", c->opt->into);
	r = lt_dir_path_below(c->up.fd, c->into, &into, c->upper_place, sizeof(c->upper_place));
	if (lt_dir_inside(c->into, &c->up.st) != 0 || r < 0 || (r > 0 && !c->upper_place[0]))
		return vn_fail(err, 0, "commit: --into %s is the upper, or inside it; give a "
			       "directory apart from %s", c->opt->into, c->opt->upper);
	c->upper_in_into = r > 0;
	c->me = geteuid();
	c->my_gid = getegid();
	if (lt_walk(&c->up, commit_visit, c, err) < 0)
		return -1;
	if (c->opt->dry_run) {
		fprintf(stderr, "veneer: commit: would apply %u added, %u changed, %u deleted into "
			"%s (--dry-run: nothing changed)\n", c->added, c->changed, c->deleted,
			c->opt->into);
		return 0;
	}
	if (!confirmed(c)) {
		fprintf(stderr, "veneer: commit: not confirmed; nothing was changed\n");
		return 1;
	}
	c->apply = true;
	if (lt_walk(&c->up, commit_visit, c, err) < 0) {
		struct vn_error ignored = { 0 };

		/* what was made keeps the modes it should have, not the 0700
		 * it was made with */
		(void)finish_dirs(c, &ignored);
		return -1;
	}
	if (finish_dirs(c, err) < 0)
		return -1;
	fprintf(stderr, "veneer: commit: %u added, %u changed, %u deleted into %s", c->added,
		c->changed, c->deleted, c->opt->into);
	if (c->owners_lost)
		fprintf(stderr, "; %u owner%s not kept (you may not set them; first: %s)",
			c->owners_lost, c->owners_lost == 1 ? "" : "s", c->lost_first);
	fputc('\n', stderr);
	return 0;
}

int lt_commit(const struct lt_commit_options *opt, struct vn_error *err)
{
	struct commit c = { .opt = opt, .into = -1, .up = { .fd = -1, .lock_fd = -1 } };
	int r = commit_run(&c, err);

	lt_links_free(&c.seen);
	for (size_t i = 0; i < c.ndirs; i++)
		free(c.dirs[i].path);
	free(c.dirs);
	if (c.into >= 0)
		close(c.into);
	lt_upper_close(&c.up);
	return r;
}

int cmd_commit(int argc, char **argv)
{
	struct lt_commit_options opt = { 0 };
	struct vn_error err = { 0 };
	int r = parse_commit_args(argc, argv, &opt, &err);

	if (r > 0) {
		cmd_commit_usage(stdout);
		return 0;
	}
	if (r == 0)
		r = lt_commit(&opt, &err);
	if (r < 0)
		vn_error_print(&err);
	/* declined: its line is said */
	return r != 0 ? EXIT_VENEER_ERROR : 0;
}
