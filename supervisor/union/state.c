/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The upper's state directory as the union core uses it: a work area for
 * temporaries (a copy-up is built there and renamed into place, so the
 * union never shows a half-copied file) and a journal for changes that
 * take more than one rename (a directory rename).  The journal is the
 * commit point: written whole to the work area and renamed into the state
 * directory, then applied; every step is idempotent, so after a crash the
 * next start applies it again and the union shows the new state — or, when
 * the crash came before the journal, the work area is emptied and the
 * union shows the old state.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define JOURNAL_NAME "journal"
#define JOURNAL_TMP  "journal.new"
#define JOURNAL_END  "end"

int union_state_ready(struct vn_union *u)
{
	int state, work;

	if (__atomic_load_n(&u->state_open, __ATOMIC_ACQUIRE))
		return 0;
	if (u->nlayers == 0 || !u->layers[0].writable)
		return -EROFS;
	if (mkdirat(u->layers[0].root_fd, VN_STATE_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	state = union_openat_beneath(u->layers[0].root_fd, VN_STATE_DIR, O_PATH | O_DIRECTORY);
	if (state < 0)
		return state;
	if (mkdirat(state, "work", 0700) < 0 && errno != EEXIST) {
		int err = -errno;

		close(state);
		return err;
	}
	work = union_openat_beneath(state, "work", O_PATH | O_DIRECTORY);
	if (work < 0) {
		close(state);
		return work;
	}
	u->state_fd = state;
	u->work_fd = work;
	__atomic_store_n(&u->state_open, true, __ATOMIC_RELEASE);
	return 0;
}

void union_state_close(struct vn_union *u)
{
	if (!u->state_open)
		return;
	close(u->work_fd);
	close(u->state_fd);
	u->state_open = false;
}

void union_work_name(struct vn_union *u, char *name, size_t size, const char *kind)
{
	uint64_t seq = __atomic_add_fetch(&u->tmp_seq, 1, __ATOMIC_RELAXED);

	snprintf(name, size, "%s-%d-%llu", kind, (int)getpid(), (unsigned long long)seq);
}

/* ------------------------------------------------ removing a tree
 *
 * Depth first, with two fds open at most: a directory that still holds a
 * directory is left for it, and climbed back to by "..", checked against
 * the identity it had going down.  One fd per level ran out of fds (the
 * soft limit, 1024) in a tree a target made deeper than that, and left it
 * all.  A directory made read-only (0555) by its owner is made writable
 * again to be emptied; one that still cannot be emptied is skipped. */

struct tree_id {
	dev_t dev;
	ino_t ino;
};

struct tree_ids {
	struct tree_id *at;
	size_t n, cap;
};

static bool tree_ids_push(struct tree_ids *ids, const struct stat *st)
{
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 64;
		struct tree_id *at = realloc(ids->at, cap * sizeof(*at));

		if (!at)
			return false;
		ids->at = at;
		ids->cap = cap;
	}
	ids->at[ids->n++] = (struct tree_id){ st->st_dev, st->st_ino };
	return true;
}

static bool tree_ids_have(const struct tree_ids *ids, const struct stat *st)
{
	for (size_t i = 0; i < ids->n; i++)
		if (ids->at[i].dev == st->st_dev && ids->at[i].ino == st->st_ino)
			return true;
	return false;
}

/* Remove name from the directory fd, whatever it is; a directory only
 * when empty.  0, or -errno (-ENOTEMPTY: a directory that holds more). */
static int remove_entry(int fd, const char *name, unsigned char type)
{
	int r = unlinkat(fd, name, type == DT_DIR ? AT_REMOVEDIR : 0) < 0 ? -errno : 0;

	if (r == -EISDIR || (r == -EPERM && type == DT_UNKNOWN))
		r = unlinkat(fd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
	else if (r == -ENOTDIR)
		r = unlinkat(fd, name, 0) < 0 ? -errno : 0;
	if (r == -EEXIST)
		r = -ENOTEMPTY;
	return r;
}

/* One pass over the directory fd (clear_dir); *removed: it removed
 * something, so entries the listing moved past may be left. */
static int clear_pass(int fd, const struct tree_ids *stuck, char *sub, size_t size, bool *left,
		      bool *removed)
{
	char buf[8192];
	bool opened_up = false;
	ssize_t n;

	*left = false;
	*removed = false;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		*left = true;
		return 0;
	}
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			struct stat st;
			int r;

			off += de->d_reclen;
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			r = remove_entry(fd, de->d_name, de->d_type);
			if ((r == -EACCES || r == -EPERM) && !opened_up) {
				opened_up = true;
				if (fchmod(fd, 0700) == 0)
					r = remove_entry(fd, de->d_name, de->d_type);
			}
			if (r == 0) {
				*removed = true;
				continue;
			}
			if (r == -ENOTEMPTY && fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(st.st_mode) && !tree_ids_have(stuck, &st)) {
				snprintf(sub, size, "%s", de->d_name);
				return 1;
			}
			*left = true;
		}
	}
	if (n < 0)
		*left = true;
	return 0;
}

/* Empty the directory fd but for directories that still hold something:
 * 1 and the first such one's name in sub (one in stuck is passed over),
 * or 0 when nothing is left to enter (*left: something stays).  Passes
 * until one removes nothing. */
static int clear_dir(int fd, const struct tree_ids *stuck, char *sub, size_t size, bool *left)
{
	bool removed;
	int r;

	while ((r = clear_pass(fd, stuck, sub, size, left, &removed)) == 0 && removed)
		;
	return r;
}

/* Back from the directory fd to the one it was entered from, the last
 * on path: its fd, or -1 when ".." is not that directory any more. */
static int climb(int fd, struct tree_ids *path)
{
	const struct tree_id *want = &path->at[path->n - 1];
	int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (up >= 0 && (fstat(up, &st) < 0 || st.st_dev != want->dev || st.st_ino != want->ino)) {
		close(up);
		up = -1;
	}
	path->n--;
	return up;
}

/* The directory dirfd/name, opened to be emptied: one its owner may not
 * read or search (a sandbox's `chmod 000`) is opened up first. */
static int open_to_clear(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

/* Whether fd is a directory of the file system the tree is on (a mount
 * inside the tree is not entered, nor emptied). */
static bool same_file_system(int fd, dev_t dev)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_dev == dev;
}

void vn_remove_tree(int parent, const char *name)
{
	struct tree_ids path = { 0 }, stuck = { 0 };
	char sub[NAME_MAX + 1];
	struct stat st;
	bool left;
	int fd = open_to_clear(parent, name);
	dev_t dev;

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		unlinkat(parent, name, 0);
		return;
	}
	dev = st.st_dev;
	while (fd >= 0) {
		int up;

		if (clear_dir(fd, &stuck, sub, sizeof(sub), &left) == 1) {
			int child = open_to_clear(fd, sub);

			if (child >= 0 && same_file_system(child, dev) && fstat(fd, &st) == 0 &&
			    tree_ids_push(&path, &st)) {
				close(fd);
				fd = child;
				continue;
			}
			if (child >= 0)
				close(child);
			/* it cannot be entered: passed over from here on */
			if (fstatat(fd, sub, &st, AT_SYMLINK_NOFOLLOW) < 0 || !tree_ids_push(&stuck, &st))
				break;
			continue;
		}
		if (path.n == 0)
			break;
		/* as empty as it gets: removed from above, or passed over there
		 * if something stays */
		if (left && (fstat(fd, &st) < 0 || !tree_ids_push(&stuck, &st)))
			break;
		up = climb(fd, &path);
		close(fd);
		fd = up;
	}
	if (fd >= 0)
		close(fd);
	free(path.at);
	free(stuck.at);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* ------------------------------------------------------------ journal */

void journal_init(struct journal *j)
{
	j->count = 0;
}

static int journal_add(struct journal *j, enum journal_op op, const char *a, const char *b)
{
	struct journal_step *s;

	if (j->count == JOURNAL_MAX_STEPS)
		return -E2BIG;
	s = &j->steps[j->count];
	s->op = op;
	if (snprintf(s->a, sizeof(s->a), "%s", a) >= (int)sizeof(s->a) ||
	    snprintf(s->b, sizeof(s->b), "%s", b ? b : "") >= (int)sizeof(s->b))
		return -ENAMETOOLONG;
	j->count++;
	return 0;
}

int journal_move(struct journal *j, const char *from, const char *to)
{
	return journal_add(j, JOURNAL_MOVE, from, to);
}

int journal_whiteout(struct journal *j, const char *upper_rel)
{
	return journal_add(j, JOURNAL_WHITEOUT, upper_rel, NULL);
}

int journal_unwhiteout(struct journal *j, const char *upper_rel)
{
	return journal_add(j, JOURNAL_UNWHITEOUT, upper_rel, NULL);
}

int journal_opaque(struct journal *j, const char *upper_rel)
{
	return journal_add(j, JOURNAL_OPAQUE, upper_rel, NULL);
}

/* A journal location: "u/REL" in the upper, "w/NAME" in the work area.
 * Returns the directory fd to use with *name (the last component). */
static int locate(struct vn_union *u, const char *where, char *name, size_t size)
{
	const char *rel = where + 2;
	const char *slash;
	int base;

	if (strncmp(where, "w/", 2) == 0)
		base = u->work_fd;
	else if (strncmp(where, "u/", 2) == 0)
		base = u->layers[0].root_fd;
	else
		return -EINVAL;
	slash = strrchr(rel, '/');
	if (!slash) {
		if (snprintf(name, size, "%s", rel) >= (int)size)
			return -ENAMETOOLONG;
		int fd = fcntl(base, F_DUPFD_CLOEXEC, 0);

		return fd < 0 ? -errno : fd;
	}
	if (snprintf(name, size, "%s", slash + 1) >= (int)size)
		return -ENAMETOOLONG;
	{
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
		return union_openat_beneath(base, dir, O_PATH | O_DIRECTORY);
	}
}

static bool exists_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Each step does nothing when it is already done. */
static int journal_apply_step(struct vn_union *u, const struct journal_step *s)
{
	char a_name[NAME_MAX + 8], b_name[NAME_MAX + 8];
	int a_dir, b_dir = -1, r = 0;

	a_dir = locate(u, s->a, a_name, sizeof(a_name));
	if (a_dir < 0)
		return a_dir == -ENOENT ? 0 : a_dir; /* its directory is gone: done before */
	switch (s->op) {
	case JOURNAL_MOVE:
		b_dir = locate(u, s->b, b_name, sizeof(b_name));
		if (b_dir < 0) {
			r = b_dir;
			break;
		}
		if (exists_at(a_dir, a_name) && !exists_at(b_dir, b_name) &&
		    renameat2(a_dir, a_name, b_dir, b_name, RENAME_NOREPLACE) < 0)
			r = -errno;
		break;
	case JOURNAL_WHITEOUT:
		r = union_whiteout_create(a_dir, a_name);
		break;
	case JOURNAL_UNWHITEOUT:
		r = union_whiteout_remove(a_dir, a_name);
		break;
	case JOURNAL_OPAQUE: {
		int fd = union_openat_beneath(a_dir, a_name, O_PATH | O_DIRECTORY);

		if (fd < 0) {
			r = fd == -ENOENT ? 0 : fd;
			break;
		}
		r = union_opaque_mark(fd);
		close(fd);
		break;
	}
	}
	close(a_dir);
	if (b_dir >= 0)
		close(b_dir);
	return r;
}

static int journal_apply(struct vn_union *u, const struct journal *j)
{
	for (size_t i = 0; i < j->count; i++) {
		int r = journal_apply_step(u, &j->steps[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

static const char op_letter[] = { [JOURNAL_MOVE] = 'm', [JOURNAL_WHITEOUT] = 'w',
				   [JOURNAL_UNWHITEOUT] = 'u', [JOURNAL_OPAQUE] = 'o' };

/* Fields are NUL-terminated: a name may hold any other byte. */
int union_journal_write(struct vn_union *u, const struct journal *j)
{
	int fd = openat(u->work_fd, JOURNAL_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f;
	int r = 0;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -errno;
	}
	for (size_t i = 0; i < j->count; i++) {
		const struct journal_step *s = &j->steps[i];

		fputc(op_letter[s->op], f);
		fwrite(s->a, 1, strlen(s->a) + 1, f);
		fwrite(s->b, 1, strlen(s->b) + 1, f);
	}
	fwrite(JOURNAL_END, 1, sizeof(JOURNAL_END), f);
	if (fflush(f) != 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(u->work_fd, JOURNAL_TMP, u->state_fd, JOURNAL_NAME) < 0)
		r = -errno;
	return r;
}

int journal_commit(struct vn_union *u, const struct journal *j)
{
	int r = union_journal_write(u, j);

	if (r < 0)
		return r;
	r = journal_apply(u, j);
	if (r < 0)
		return r; /* left in place: the next start completes it */
	return unlinkat(u->state_fd, JOURNAL_NAME, 0) < 0 ? -errno : 0;
}

static int journal_read(struct vn_union *u, struct journal *j)
{
	char *buf = malloc(JOURNAL_MAX_STEPS * (2 * PATH_MAX + 1) + 16);
	size_t cap = JOURNAL_MAX_STEPS * (2 * PATH_MAX + 1) + 16, len = 0;
	int fd = openat(u->state_fd, JOURNAL_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int r = 0;

	if (!buf) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	if (fd < 0) {
		free(buf);
		return errno == ENOENT ? 0 : -errno;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			r = -EFBIG;
			break;
		}
	}
	close(fd);
	journal_init(j);
	for (size_t pos = 0; r == 0;) {
		const char *a, *b;
		enum journal_op op;
		size_t i;

		if (len - pos == sizeof(JOURNAL_END) && memcmp(buf + pos, JOURNAL_END, sizeof(JOURNAL_END)) == 0)
			break;
		if (pos >= len) {
			r = -EBADMSG;
			break;
		}
		for (i = 0; i < sizeof(op_letter) && op_letter[i] != buf[pos]; i++)
			;
		if (i == sizeof(op_letter) || !memchr(buf + pos + 1, 0, len - pos - 1)) {
			r = -EBADMSG;
			break;
		}
		op = (enum journal_op)i;
		a = buf + pos + 1;
		b = a + strlen(a) + 1;
		if (b >= buf + len || !memchr(b, 0, (size_t)(buf + len - b))) {
			r = -EBADMSG;
			break;
		}
		r = journal_add(j, op, a, b);
		pos = (size_t)(b + strlen(b) + 1 - buf);
	}
	free(buf);
	return r < 0 ? r : 1;
}

/* Empty the work area: temporaries of a copy-up or of a rename that never
 * reached its journal, and trash of one that did. */
static int work_clean(struct vn_union *u, unsigned *removed)
{
	int fd = union_openat_beneath(u->work_fd, "", O_RDONLY | O_DIRECTORY);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		vn_remove_tree(dirfd(d), de->d_name);
		(*removed)++;
	}
	closedir(d);
	return 0;
}

int vn_upper_recover(struct vn_union *u, struct vn_recovery *rep)
{
	struct journal *j;
	int r;

	memset(rep, 0, sizeof(*rep));
	r = union_state_ready(u);
	if (r < 0)
		return r;
	j = malloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	r = journal_read(u, j);
	if (r > 0) {
		r = journal_apply(u, j);
		if (r == 0 && unlinkat(u->state_fd, JOURNAL_NAME, 0) < 0)
			r = -errno;
		if (r == 0)
			rep->journals = 1;
	}
	free(j);
	if (r < 0)
		return r;
	return work_clean(u, &rep->work_entries);
}

/* ------------------------------------------------ the union root's mode */

/* The upper's root is private on the host (0700: what the sandbox writes
 * is nobody else's to read, or to plant files in), so the union root's
 * mode is kept apart, in the state directory.  It is settled at an
 * upper's first run: a root that others may enter (an overlayfs upperdir,
 * an upper of an older veneer, one made by hand) shows its own mode, as
 * overlayfs would; a private one (made by veneer, or chmod 700 by a user
 * who was told to) shows the mode of the root below.  Then only chmod
 * inside changes it. */
#define ROOT_MODE_NAME "root-mode"

int vn_root_mode_load(struct vn_union *u)
{
	char text[16];
	struct stat upper, below;
	ssize_t n;
	int fd, r;

	u->root_mode = 0;
	if (u->nlayers < 2 || !u->layers[0].writable)
		return 0;
	r = union_state_ready(u);
	if (r < 0)
		return r;
	fd = union_openat_beneath(u->state_fd, ROOT_MODE_NAME, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n > 0) {
			char *end;
			unsigned long mode;

			text[n] = '\0';
			mode = strtoul(text, &end, 8);
			if (end != text && (*end == '\n' || *end == '\0') && mode <= 07777) {
				u->root_mode = S_IFDIR | (mode_t)mode; /* non-zero: kept */
				return 0;
			}
		}
		return -EINVAL; /* damaged: say so rather than guess */
	}
	if (fd != -ENOENT)
		return fd;
	if (fstat(u->layers[0].root_fd, &upper) < 0 || fstat(u->layers[1].root_fd, &below) < 0)
		return -errno;
	return union_root_mode_store(u, (upper.st_mode & 077) ? upper.st_mode & 07777
							      : below.st_mode & 07777);
}

int union_root_mode_store(struct vn_union *u, mode_t mode)
{
	char text[16], tmp[64];
	int fd, len, r;

	r = union_state_ready(u);
	if (r < 0)
		return r;
	union_work_name(u, tmp, sizeof(tmp), ROOT_MODE_NAME);
	fd = openat(u->work_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	len = snprintf(text, sizeof(text), "%04o\n", (unsigned)(mode & 07777));
	r = write(fd, text, (size_t)len) == len ? 0 : -EIO;
	close(fd);
	if (r == 0 && renameat(u->work_fd, tmp, u->state_fd, ROOT_MODE_NAME) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(u->work_fd, tmp, 0);
	else
		__atomic_store_n(&u->root_mode, S_IFDIR | (mode & 07777), __ATOMIC_RELEASE);
	return r;
}

void union_present_root_mode(const struct vn_union *u, int layer, const char *path,
			     struct stat *st)
{
	mode_t mode = __atomic_load_n(&u->root_mode, __ATOMIC_ACQUIRE);

	if (mode && layer == 0 && strcmp(path, "/") == 0)
		st->st_mode = (st->st_mode & S_IFMT) | (mode & 07777);
}
