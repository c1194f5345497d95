/* vt-probe: print what the file system says about paths, in a form that
 * two runs over two trees (the reference merge, natively, and the union
 * inside veneer) can compare line by line.  Used by tests/fuzz/run-fuzz.
 *
 * usage: vt-probe [-U] [-C DIR] [-a DIR] [-x NAME]... [--] PATH...
 *   -U       drop every capability first: as root of a user namespace
 *            without them, only the owner's permissions count, as for an
 *            unprivileged caller (the native side for notify-hostroot)
 *   -C DIR   chdir(DIR) first
 *   -a DIR   resolve each PATH relative to a directory fd of DIR (the *at
 *            calls) instead of the cwd; "@FD@" in a PATH becomes that fd's
 *            number (for /proc/self/fd/@FD@/...)
 *   -x NAME  NAME in the root directory is a mount point: listed, but not
 *            looked at (its d_ino is the covered directory's, as natively)
 *
 * Output: "cwd: PATH", then per PATH a block
 *   == PATH
 *   lstat: TYPE MODE nlink=N size=S uid:gid #ID      (or ERR:ENAME)
 *   stat:  (the same, following a trailing symlink)
 *   readlink: TARGET | ERR:ENAME
 *   access: F=.. R=.. X=.. L=..    (faccessat; L: R_OK, AT_SYMLINK_NOFOLLOW)
 * (the probe only reads: writing is the differential suite's, tests/differential)
 *   opath: OK readlink=TARGET|ERR:ENAME | ERR:ENAME  (O_PATH|O_NOFOLLOW, and
 *                                        readlinkat(fd, "") on it)
 *   openat2: B=.. I=.. S=.. X=..        (RESOLVE_BENEATH, _IN_ROOT,
 *                                        _NO_SYMLINKS, _NO_XDEV: #ID or errno)
 *   open: file size=N fnv=HASH | dir | TYPE | ERR:ENAME (O_RDONLY|O_NONBLOCK)
 *   fdpath: PATH | ERR:ENAME            (readlink /proc/self/fd/N of that fd)
 *   dotdot: #ID | ERR:ENAME                           (directories: PATH/..)
 *   list: N                                           (directories; N without . and ..)
 *     NAME TYPE #ID                                   (sorted by name)
 *   xattr: NAME=HEX ... | ERR:ENAME                   (llistxattr, lgetxattr)
 *   xattrf: the same, following a trailing symlink
 *   chdir: OK CWD #ID | ERR:ENAME       (in a child: chdir, getcwd, stat("."))
 *   exec: ran ARGV... | ERR:ENAME       (in a child: execveat; the program
 *                                        run is this probe again, which
 *                                        prints its argv and exits)
 * and last "identity: OK" or "identity: MISMATCH N".
 *
 * TYPE is one of f d l p s c b; MODE is octal with the set-id and sticky
 * bits; directory sizes print as "-" (file-system specific).  Inode
 * numbers and device ids differ between two trees, so they are never
 * printed: each (st_dev, st_ino) gets a small number #ID in the order the
 * probe first meets it, which two runs over equal trees assign alike (hard
 * links and ".." show as equal numbers).
 *
 * Within the run the probe also checks that the identities agree, and
 * prints "!ident PATH: WHAT" for each disagreement (counted in the last
 * line): lstat == statx; stat == fstat of an fd opened on the path ==
 * fstatat(fd, "", AT_EMPTY_PATH) == statx(fd, "", AT_EMPTY_PATH); fstat of
 * an O_PATH | O_NOFOLLOW fd == lstat; in a listing, d_ino == lstat's
 * st_ino and d_type == lstat's type for every entry, "." == the directory
 * and ".." == openat(fd, "..") (not at the root, where ".." is outside the
 * tree), both present; stat(PATH/..) == fstatat(fd, ".."); stat(SUB/..)
 * == the directory for every subdirectory SUB; a second listing read one
 * entry at a time after a rewind, and a seek back to the middle by a
 * d_off, give the same entries.
 *
 * Static, so that it runs in a union whose layers hold no C library.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/openat2.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_EXCLUDE 16

static int base = AT_FDCWD;          /* -a: the directory fd */
static const char *base_path;        /* -a: its path, for the xattr calls */
static const char *exclude[MAX_EXCLUDE];
static int nexclude;
static int mismatches;

/* ------------------------------------------------------------ identities */

struct ident {
	dev_t dev;
	ino_t ino;
};

static struct ident *idents;
static size_t nidents, capidents;

static size_t ident_of(dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < nidents; i++)
		if (idents[i].dev == dev && idents[i].ino == ino)
			return i + 1;
	if (nidents == capidents) {
		capidents = capidents ? capidents * 2 : 256;
		idents = realloc(idents, capidents * sizeof(*idents));
		if (!idents) {
			perror("vt-probe: realloc");
			exit(2);
		}
	}
	idents[nidents].dev = dev;
	idents[nidents].ino = ino;
	return ++nidents;
}

static const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "UNKNOWN";
}

static void mismatch(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void mismatch(const char *path, const char *fmt, ...)
{
	va_list ap;

	printf("!ident %s: ", path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	mismatches++;
}

static char type_char(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	default: return '?';
	}
}

static char dtype_char(unsigned char t)
{
	switch (t) {
	case DT_REG: return 'f';
	case DT_DIR: return 'd';
	case DT_LNK: return 'l';
	case DT_FIFO: return 'p';
	case DT_SOCK: return 's';
	case DT_CHR: return 'c';
	case DT_BLK: return 'b';
	case DT_UNKNOWN: return 'u';
	default: return '?';
	}
}

static void print_stat(const char *what, const struct stat *st)
{
	printf("%s: %c %04o nlink=%lu ", what, type_char(st->st_mode),
	       (unsigned)(st->st_mode & 07777), (unsigned long)st->st_nlink);
	if (S_ISDIR(st->st_mode))
		printf("size=- ");
	else
		printf("size=%lld ", (long long)st->st_size);
	printf("%u:%u #%zu\n", (unsigned)st->st_uid, (unsigned)st->st_gid,
	       ident_of(st->st_dev, st->st_ino));
}

/* ------------------------------------------------------------- listings */

struct entry {
	char *name;
	uint64_t ino;
	int64_t off;
	unsigned char type;
};

struct listing {
	struct entry *e;
	size_t n, cap;
};

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].name);
	free(l->e);
	memset(l, 0, sizeof(*l));
}

static void listing_push(struct listing *l, const char *name, uint64_t ino, int64_t off,
			 unsigned char type)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->e = realloc(l->e, l->cap * sizeof(*l->e));
		if (!l->e) {
			perror("vt-probe: realloc");
			exit(2);
		}
	}
	l->e[l->n].name = strdup(name);
	l->e[l->n].ino = ino;
	l->e[l->n].off = off;
	l->e[l->n].type = type;
	if (!l->e[l->n].name) {
		perror("vt-probe: strdup");
		exit(2);
	}
	l->n++;
}

static void listing_add(struct listing *l, const struct dirent64 *d)
{
	listing_push(l, d->d_name, d->d_ino, d->d_off, d->d_type);
}

static void listing_copy(struct listing *l, const struct entry *e)
{
	listing_push(l, e->name, e->ino, e->off, e->type);
}

/* Read the rest of the stream with getdents64 and a buffer of `size`
 * bytes.  Returns 0 or an errno. */
static int read_listing(int fd, size_t size, struct listing *l)
{
	char *buf = malloc(size);

	if (!buf)
		return ENOMEM;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, size);

		if (n < 0) {
			int err = errno;

			free(buf);
			return err;
		}
		if (n == 0)
			break;
		for (long pos = 0; pos < n;) {
			struct dirent64 *d = (void *)(buf + pos);

			listing_add(l, d);
			pos += d->d_reclen;
		}
	}
	free(buf);
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static bool same_entries(struct listing *a, struct listing *b)
{
	if (a->n != b->n)
		return false;
	qsort(a->e, a->n, sizeof(*a->e), entry_cmp);
	qsort(b->e, b->n, sizeof(*b->e), entry_cmp);
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->e[i].name, b->e[i].name) != 0 || a->e[i].ino != b->e[i].ino ||
		    a->e[i].type != b->e[i].type)
			return false;
	return true;
}

static bool excluded(const char *name)
{
	for (int i = 0; i < nexclude; i++)
		if (strcmp(exclude[i], name) == 0)
			return true;
	return false;
}

/* The directory behind fd (opened on `path`, whose stat is `dst`). */
static void list_dir(const char *path, int fd, const struct stat *dst, bool is_root)
{
	struct listing all = { 0 }, again = { 0 }, tail = { 0 }, tail2 = { 0 };
	struct stat up;
	bool up_ok = fstatat(fd, "..", &up, 0) == 0;
	int err = read_listing(fd, 32768, &all);

	if (err) {
		printf("list: ERR:%s\n", errname(err));
		listing_free(&all);
		return;
	}
	/* again, one entry at a time, then from the middle by its d_off */
	if (lseek(fd, 0, SEEK_SET) != 0) {
		mismatch(path, "rewind: %s", errname(errno));
	} else if ((err = read_listing(fd, 280, &again)) != 0) {
		mismatch(path, "listing with a small buffer: %s", errname(err));
	} else {
		size_t mid = again.n / 2;

		if (mid > 0 && again.n > 2) {
			int64_t off = again.e[mid - 1].off;

			for (size_t i = mid; i < again.n; i++)
				listing_copy(&tail, &again.e[i]);
			if (lseek(fd, off, SEEK_SET) != off)
				mismatch(path, "seek to d_off %lld: %s", (long long)off,
					 errname(errno));
			else if ((err = read_listing(fd, 32768, &tail2)) != 0)
				mismatch(path, "listing after a seek: %s", errname(err));
			else if (!same_entries(&tail, &tail2))
				mismatch(path, "a seek to the d_off of entry %zu lists other entries",
					 mid - 1);
		}
		if (!same_entries(&all, &again))
			mismatch(path, "listing with a small buffer differs");
	}
	listing_free(&again);
	listing_free(&tail);
	listing_free(&tail2);

	qsort(all.e, all.n, sizeof(*all.e), entry_cmp);
	{
		size_t shown = 0, dots = 0;

		for (size_t i = 0; i < all.n; i++)
			if (strcmp(all.e[i].name, ".") != 0 && strcmp(all.e[i].name, "..") != 0)
				shown++;
			else
				dots++;
		if (dots != 2)
			mismatch(path, "the listing has %zu of \".\" and \"..\"", dots);
		printf("list: %zu\n", shown);
	}
	for (size_t i = 0; i < all.n; i++) {
		const struct entry *e = &all.e[i];
		struct stat st;

		if (strcmp(e->name, ".") == 0) {
			if (e->ino != dst->st_ino)
				mismatch(path, "d_ino of \".\" %llu, the directory is %llu",
					 (unsigned long long)e->ino, (unsigned long long)dst->st_ino);
			continue;
		}
		if (strcmp(e->name, "..") == 0) {
			if (!is_root && up_ok && e->ino != up.st_ino)
				mismatch(path, "d_ino of \"..\" %llu, but \"..\" is %llu",
					 (unsigned long long)e->ino, (unsigned long long)up.st_ino);
			continue;
		}
		if (is_root && excluded(e->name)) {
			printf("  %s %c mount\n", e->name, dtype_char(e->type));
			continue;
		}
		if (fstatat(fd, e->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			printf("  %s %c ERR:%s\n", e->name, dtype_char(e->type), errname(errno));
			mismatch(path, "entry %s listed but lstat fails: %s", e->name, errname(errno));
			continue;
		}
		printf("  %s %c #%zu\n", e->name, dtype_char(e->type), ident_of(st.st_dev, st.st_ino));
		if (e->ino != st.st_ino)
			mismatch(path, "entry %s: d_ino %llu, st_ino %llu", e->name,
				 (unsigned long long)e->ino, (unsigned long long)st.st_ino);
		if (e->type != DT_UNKNOWN && e->type != IFTODT(st.st_mode))
			mismatch(path, "entry %s: d_type %c, lstat type %c", e->name,
				 dtype_char(e->type), type_char(st.st_mode));
		if (S_ISDIR(st.st_mode)) {
			char sub[PATH_MAX];
			struct stat back;

			snprintf(sub, sizeof(sub), "%s/..", e->name);
			if (fstatat(fd, sub, &back, 0) < 0)
				mismatch(path, "%s: %s", sub, errname(errno));
			else if (back.st_ino != dst->st_ino || back.st_dev != dst->st_dev)
				mismatch(path, "%s is not the directory", sub);
		}
	}
	listing_free(&all);
}

/* ----------------------------------------------------------------- probe */

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void print_access(const char *path)
{
	static const struct {
		const char *name;
		int mode;
	} modes[] = { { "F", F_OK }, { "R", R_OK }, { "X", X_OK } };

	printf("access:");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (faccessat(base, path, modes[i].mode, 0) == 0)
			printf(" %s=OK", modes[i].name);
		else
			printf(" %s=%s", modes[i].name, errname(errno));
	}
	/* faccessat2 (glibc calls it for a flag) */
	if (faccessat(base, path, R_OK, AT_SYMLINK_NOFOLLOW) == 0)
		printf(" L=OK");
	else
		printf(" L=%s", errname(errno));
	putchar('\n');
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_xattrs(const char *label, const char *path, bool follow)
{
	char full[PATH_MAX * 2], names[65536], value[4096];
	const char *p = path;
	ssize_t n;
	char *sorted[256];
	size_t count = 0;

	if (base_path && path[0] != '/') {
		snprintf(full, sizeof(full), "%s/%s", base_path, path);
		p = full;
	}
	n = (follow ? listxattr : llistxattr)(p, names, sizeof(names));
	if (n < 0) {
		printf("%s: ERR:%s\n", label, errname(errno));
		return;
	}
	for (ssize_t i = 0; i < n && count < 256; i += (ssize_t)strlen(names + i) + 1)
		sorted[count++] = names + i;
	qsort(sorted, count, sizeof(*sorted), str_cmp);
	printf("%s:", label);
	for (size_t i = 0; i < count; i++) {
		ssize_t v = (follow ? getxattr : lgetxattr)(p, sorted[i], value, sizeof(value));

		printf(" %s=", sorted[i]);
		if (v < 0) {
			printf("ERR:%s", errname(errno));
			continue;
		}
		for (ssize_t j = 0; j < v; j++)
			printf("%02x", (unsigned char)value[j]);
	}
	putchar('\n');
}

static struct stat root_st;
static bool root_ok;

static bool same_id(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static void print_opath(const char *path, const struct stat *lst, bool lok)
{
	struct stat fst, est;
	char target[PATH_MAX];
	ssize_t n;
	int fd = openat(base, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		printf("opath: ERR:%s\n", errname(errno));
		return;
	}
	printf("opath: OK");
	n = readlinkat(fd, "", target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = '\0';
		printf(" readlink=%s\n", target);
	} else {
		printf(" readlink=ERR:%s\n", errname(errno));
	}
	if (fstat(fd, &fst) < 0)
		mismatch(path, "fstat of an O_PATH fd: %s", errname(errno));
	else if (!lok || !same_id(&fst, lst) || fst.st_mode != lst->st_mode)
		mismatch(path, "fstat of an O_PATH|O_NOFOLLOW fd is not lstat");
	if (fstatat(fd, "", &est, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		mismatch(path, "fstatat(O_PATH fd, \"\", AT_EMPTY_PATH): %s", errname(errno));
	else if (!lok || !same_id(&est, lst) || est.st_nlink != lst->st_nlink)
		mismatch(path, "fstatat(O_PATH fd, \"\", AT_EMPTY_PATH) is not lstat");
	close(fd);
}

static void print_openat2(const char *path)
{
	static const struct {
		const char *name;
		uint64_t resolve;
	} modes[] = {
		{ "B", RESOLVE_BENEATH }, { "I", RESOLVE_IN_ROOT },
		{ "S", RESOLVE_NO_SYMLINKS }, { "X", RESOLVE_NO_XDEV },
	};

	printf("openat2:");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct open_how how = {
			.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC,
			.resolve = modes[i].resolve,
		};
		struct stat st;
		int fd, tries = 0;

		/* EAGAIN: a rename anywhere on the machine raced a ".." walk
		 * under RESOLVE_BENEATH/IN_ROOT; the kernel says to retry */
		do
			fd = (int)syscall(SYS_openat2, base, path, &how, sizeof(how));
		while (fd < 0 && errno == EAGAIN && ++tries < 100);
		if (fd < 0) {
			printf(" %s=%s", modes[i].name, errname(errno));
			continue;
		}
		if (fstat(fd, &st) < 0)
			printf(" %s=fstat:%s", modes[i].name, errname(errno));
		else
			printf(" %s=#%zu", modes[i].name, ident_of(st.st_dev, st.st_ino));
		close(fd);
	}
	putchar('\n');
}

/* What /proc says the fd is: the path the kernel prints for it */
static void print_fdpath(int fd)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		printf("fdpath: ERR:%s\n", errname(errno));
		return;
	}
	target[n] = '\0';
	printf("fdpath: %s\n", target);
}

static void print_file(int fd)
{
	unsigned char buf[65536];
	uint64_t h = 0xcbf29ce484222325ULL;
	long long total = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		h = fnv1a(h, buf, (size_t)r);
		total += r;
	}
	if (r < 0)
		printf("open: file read ERR:%s\n", errname(errno));
	else
		printf("open: file size=%lld fnv=%016llx\n", total, (unsigned long long)h);
}

static void print_open(const char *path, const struct stat *st, bool sok)
{
	struct stat fst, est;
	struct statx stx;
	int fd = openat(base, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		printf("open: ERR:%s\n", errname(errno));
		return;
	}
	if (fstat(fd, &fst) < 0) {
		printf("open: fstat ERR:%s\n", errname(errno));
		close(fd);
		return;
	}
	if (!sok || !same_id(&fst, st) || fst.st_mode != st->st_mode ||
	    fst.st_nlink != st->st_nlink)
		mismatch(path, "fstat of the opened fd (ino %llu nlink %lu) is not stat (ino %llu nlink %lu)",
			 (unsigned long long)fst.st_ino, (unsigned long)fst.st_nlink,
			 (unsigned long long)st->st_ino, (unsigned long)st->st_nlink);
	if (fstatat(fd, "", &est, AT_EMPTY_PATH) < 0)
		mismatch(path, "fstatat(fd, \"\", AT_EMPTY_PATH): %s", errname(errno));
	else if (!same_id(&est, &fst) || est.st_nlink != fst.st_nlink)
		mismatch(path, "fstatat(fd, \"\", AT_EMPTY_PATH) is not fstat");
	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) < 0)
		mismatch(path, "statx(fd, \"\", AT_EMPTY_PATH): %s", errname(errno));
	else if (stx.stx_ino != fst.st_ino || stx.stx_nlink != fst.st_nlink ||
		 stx.stx_mode != fst.st_mode)
		mismatch(path, "statx(fd, \"\", AT_EMPTY_PATH) is not fstat");

	print_fdpath(fd);
	if (S_ISREG(fst.st_mode)) {
		print_file(fd);
	} else if (S_ISDIR(fst.st_mode)) {
		char dd[PATH_MAX * 2 + 4];
		struct stat up, up2;
		bool is_root = root_ok && same_id(&fst, &root_st);

		printf("open: dir\n");
		snprintf(dd, sizeof(dd), "%s/..", path);
		if (fstatat(base, dd, &up, 0) < 0) {
			printf("dotdot: ERR:%s\n", errname(errno));
		} else {
			printf("dotdot: #%zu\n", ident_of(up.st_dev, up.st_ino));
			if (fstatat(fd, "..", &up2, 0) < 0)
				mismatch(path, "fstatat(fd, \"..\"): %s", errname(errno));
			else if (!same_id(&up, &up2))
				mismatch(path, "stat(PATH/..) is not fstatat(fd, \"..\")");
		}
		list_dir(path, fd, &fst, is_root);
	} else {
		printf("open: %c\n", type_char(fst.st_mode));
	}
	close(fd);
}

/* chdir in a child (the cwd of the probe stays): getcwd and stat(".") */
static void print_chdir(const char *path)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("chdir: fork ERR:%s\n", errname(errno));
		return;
	}
	if (pid == 0) {
		char cwd[PATH_MAX];
		struct stat st;

		if (base != AT_FDCWD && fchdir(base) < 0) {
			printf("chdir: fchdir ERR:%s\n", errname(errno));
		} else if (chdir(path) < 0) {
			printf("chdir: ERR:%s\n", errname(errno));
		} else {
			printf("chdir: OK %s", getcwd(cwd, sizeof(cwd)) ? cwd : "(getcwd failed)");
			if (stat(".", &st) == 0)
				printf(" #%zu\n", ident_of(st.st_dev, st.st_ino));
			else
				printf(" stat ERR:%s\n", errname(errno));
		}
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

/* execveat in a child, with VT_PROBE_EXEC set: what runs is this probe
 * (directly, or as the interpreter of a "#!" script), which prints its
 * argv (see main) */
static void print_exec(const char *path)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("exec: fork ERR:%s\n", errname(errno));
		return;
	}
	if (pid == 0) {
		char *argv[] = { (char *)path, NULL };
		char *envp[] = { "VT_PROBE_EXEC=1", NULL };

		syscall(SYS_execveat, base, path, argv, envp, 0);
		printf("exec: ERR:%s\n", errname(errno));
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		printf("exec: child status %d\n", status);
}

static void probe(const char *arg)
{
	struct stat lst, st;
	struct statx stx;
	bool lok, sok;
	char target[PATH_MAX], path[PATH_MAX * 2];
	const char *at = strstr(arg, "@FD@");
	ssize_t n;

	if (at && base != AT_FDCWD)
		snprintf(path, sizeof(path), "%.*s%d%s", (int)(at - arg), arg, base, at + 4);
	else
		snprintf(path, sizeof(path), "%s", arg);
	printf("== %s\n", arg);
	lok = fstatat(base, path, &lst, AT_SYMLINK_NOFOLLOW) == 0;
	if (lok)
		print_stat("lstat", &lst);
	else
		printf("lstat: ERR:%s\n", errname(errno));
	if (statx(base, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) == 0) {
		if (!lok)
			mismatch(path, "statx works, lstat does not");
		else if (stx.stx_ino != lst.st_ino || stx.stx_mode != lst.st_mode ||
			 stx.stx_nlink != lst.st_nlink || stx.stx_uid != lst.st_uid ||
			 stx.stx_gid != lst.st_gid ||
			 (!S_ISDIR(lst.st_mode) && (off_t)stx.stx_size != lst.st_size))
			mismatch(path, "statx (ino %llu mode %o nlink %u) != lstat (ino %llu mode %o nlink %lu)",
				 (unsigned long long)stx.stx_ino, stx.stx_mode, stx.stx_nlink,
				 (unsigned long long)lst.st_ino, lst.st_mode,
				 (unsigned long)lst.st_nlink);
	} else if (lok) {
		mismatch(path, "lstat works, statx fails: %s", errname(errno));
	}

	sok = fstatat(base, path, &st, 0) == 0;
	if (sok)
		print_stat("stat", &st);
	else
		printf("stat: ERR:%s\n", errname(errno));

	n = readlinkat(base, path, target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = '\0';
		printf("readlink: %s\n", target);
	} else {
		printf("readlink: ERR:%s\n", errname(errno));
	}

	print_access(path);
	print_opath(path, &lst, lok);
	print_openat2(path);

	print_open(path, &st, sok);
	print_xattrs("xattr", path, false);
	print_xattrs("xattrf", path, true);
	print_chdir(path);
	print_exec(path);
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	char cwd[PATH_MAX];
	int opt;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (getenv("VT_PROBE_EXEC")) {
		/* run by print_exec: say how */
		printf("exec: ran");
		for (int i = 0; i < argc; i++)
			printf(" [%s]", argv[i]);
		putchar('\n');
		return fflush(stdout) == 0 ? 0 : 1;
	}
	while ((opt = getopt(argc, argv, "+UC:a:x:")) != -1) {
		switch (opt) {
		case 'U': {
			struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3 };
			struct __user_cap_data_struct none[2] = { { 0 } };

			if (syscall(SYS_capset, &head, none) != 0) {
				printf("capset: ERR:%s\n", errname(errno));
				return 1;
			}
			break;
		}
		case 'C':
			if (chdir(optarg) != 0) {
				printf("chdir: ERR:%s\n", errname(errno));
				return 1;
			}
			break;
		case 'a':
			/* not O_CLOEXEC: "#!" scripts run by execveat(base, ...) are
			 * given to their interpreter as /dev/fd/N/NAME */
			base = open(optarg, O_RDONLY | O_DIRECTORY);
			if (base < 0) {
				printf("opendir: ERR:%s\n", errname(errno));
				return 1;
			}
			base_path = optarg;
			break;
		case 'x':
			if (nexclude == MAX_EXCLUDE) {
				fprintf(stderr, "vt-probe: too many -x\n");
				return 2;
			}
			exclude[nexclude++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: vt-probe [-U] [-C DIR] [-a DIR] [-x NAME]... [--] PATH...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: vt-probe [-C DIR] [-a DIR] [-x NAME]... [--] PATH...\n");
		return 2;
	}
	root_ok = stat("/", &root_st) == 0;
	if (getcwd(cwd, sizeof(cwd)))
		printf("cwd: %s\n", cwd);
	else
		printf("cwd: ERR:%s\n", errname(errno));
	for (int i = optind; i < argc; i++)
		probe(argv[i]);
	if (mismatches)
		printf("identity: MISMATCH %d\n", mismatches);
	else
		printf("identity: OK\n");
	return fflush(stdout) == 0 ? 0 : 1;
}
