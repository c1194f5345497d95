/* vt-dir-race: race a directory open, which the supervisor renders and
 * continues (the kernel opens the view's directory after reading the
 * call's arguments again), against a second thread that rewrites what
 * the kernel will read: the path, openat2's struct open_how, or the
 * dirfd (dup2 over the fd number).
 *
 * usage: vt-dir-race path   TRIES MARK BENIGN ATTACK
 *        vt-dir-race chdir  TRIES MARK BENIGN ATTACK
 *        vt-dir-race opath  TRIES MARK BENIGN ATTACK
 *        vt-dir-race how    TRIES MARK BENIGN ATTACK HOW
 *        vt-dir-race dirfd  TRIES MARK BENIGN ATTACK NAME
 *
 * path:  open(BENIGN, O_RDONLY | O_DIRECTORY) while the path flips
 *        between BENIGN and ATTACK.
 * chdir, opath: the same race for the other continued calls that end on
 *        a directory: chdir (the cwd the kernel gave, taken as an fd by
 *        open(".", O_PATH)) and open(O_PATH).
 * how:   openat2(AT_FDCWD, BENIGN, {O_RDONLY | O_DIRECTORY}) while the
 *        path flips to ATTACK and open_how to HOW, one of
 *          creat    {O_RDWR | O_CREAT | O_TRUNC, 0644}
 *          tmpfile  {O_TMPFILE | O_RDWR, 0600}
 *          write    {O_WRONLY}
 *          magic    {O_RDONLY, resolve 0} (BENIGN asks RESOLVE_NO_MAGICLINKS
 *                   | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH)
 *        (ATTACK may be BENIGN itself: only open_how flips).
 * dirfd: openat(N, NAME, O_RDONLY | O_DIRECTORY) while a thread dup2s
 *        between a directory fd of BENIGN and an O_PATH fd of ATTACK on N.
 *
 * Every fd a try gets is classified by the kernel's name of it
 * (/proc/self/fd/N) and its access mode.  For each distinct name that is
 * not BENIGN's, and for every fd open for writing, it prints
 *     got <path> mode=<r|w|rw> type=<d|f|o> mount=<view|other>
 * (mount=view: the fd is on the mount of the process's root, the view)
 * (type o: fstat failed) and then tries to use it: a directory fd, or
 * one fstat refused, makes MARK-d (mkdirat),
 * MARK-f (openat O_CREAT) and MARK-l (symlinkat to /) in it, opens its
 * "secret" for reading (read-secret), appends MARK to its "shared"
 * (write-shared), opens "secret" again relative to a cwd it
 * was made by fchdir (fchdir-read-secret), and lists it;
 * a writable fd writes MARK and, for an unnamed file, links it as
 * /proc/self/fd/N to MARK-t in the cwd.  Each use prints
 *     use <path> <what>: ok | <ERRNO>
 * The last line is
 *     MODE tries=N benign=N other=N writable=N failed=N [ERRNO=N...]
 * Exits 0 when it ran (the test judges the outcome), 2 on bad usage or a
 * set-up failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BUFSZ 4096
#define MAX_SEEN 64

static char path_buf[BUFSZ];
static struct open_how how_buf;
static struct open_how how_benign = {
	.flags = O_RDONLY | O_DIRECTORY,
};
static struct open_how how_attack;
static const char *benign, *attack, *mark;
static atomic_int stop;
static int flip_fd = -1, fd_a = -1, fd_b = -1;
static long view_mnt = -1; /* the mount of the target's root: the view */
static int cwd = -1;

static void set_args(const char *p, const struct open_how *how)
{
	memcpy(path_buf, p, strlen(p) + 1);
	memcpy(&how_buf, how, sizeof(how_buf));
}

static void *flip_args(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		set_args(attack, &how_attack);
		set_args(benign, &how_benign);
	}
	return NULL;
}

static void *flip_fds(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (dup2(fd_b, flip_fd) < 0 || dup2(fd_a, flip_fd) < 0) {
			fprintf(stderr, "vt-dir-race: dup2: %s\n", strerror(errno));
			exit(2);
		}
	}
	return NULL;
}

static char seen[MAX_SEEN][PATH_MAX];
static int nseen;
static long failed_by_errno[4096];
static long n_benign, n_other, n_writable, n_failed;

static bool seen_before(const char *p)
{
	for (int i = 0; i < nseen; i++)
		if (!strcmp(seen[i], p))
			return true;
	if (nseen < MAX_SEEN)
		snprintf(seen[nseen++], PATH_MAX, "%s", p);
	return false;
}

static void report_use(const char *p, const char *what, int r)
{
	printf("use %s %s: %s\n", p, what, r < 0 ? strerrorname_np(errno) : "ok");
}

static void use_dir(int fd, const char *p)
{
	char name[256];
	int r, f;
	DIR *d;

	snprintf(name, sizeof(name), "%s-d", mark);
	report_use(p, "mkdirat", mkdirat(fd, name, 0755));
	snprintf(name, sizeof(name), "%s-f", mark);
	f = openat(fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	report_use(p, "create", f);
	if (f >= 0)
		close(f);
	snprintf(name, sizeof(name), "%s-l", mark);
	report_use(p, "symlinkat", symlinkat("/", fd, name));
	f = openat(fd, "secret", O_RDONLY | O_CLOEXEC);
	report_use(p, "read-secret", f);
	if (f >= 0)
		close(f);
	f = openat(fd, "shared", O_WRONLY | O_APPEND | O_CLOEXEC);
	report_use(p, "write-shared", f < 0 ? -1 : (int)write(f, mark, strlen(mark)));
	if (f >= 0)
		close(f);
	if (fchdir(fd) == 0) {
		f = open("secret", O_RDONLY | O_CLOEXEC);
		report_use(p, "fchdir-read-secret", f);
		if (f >= 0)
			close(f);
		if (fchdir(cwd) < 0) {
			fprintf(stderr, "vt-dir-race: back to the cwd: %s\n", strerror(errno));
			exit(2);
		}
	} else {
		report_use(p, "fchdir", -1);
	}
	f = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = f < 0 ? NULL : fdopendir(f);
	r = d ? 0 : -1;
	report_use(p, "list", r);
	if (d)
		closedir(d);
	else if (f >= 0)
		close(f);
}

static void use_writable(int fd, const char *p)
{
	char link[64], name[256];

	report_use(p, "write", write(fd, mark, strlen(mark)) < 0 ? -1 : 0);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	snprintf(name, sizeof(name), "%s-t", mark);
	report_use(p, "link", linkat(AT_FDCWD, link, AT_FDCWD, name, AT_SYMLINK_FOLLOW));
}

/* fdinfo's mnt_id: which mount an fd is on */
static long fd_mnt_id(int fd)
{
	char path[64], line[256];
	long id = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "mnt_id:", 7))
			id = strtol(line + 7, NULL, 10);
	fclose(f);
	return id;
}

static void classify(int fd, const char *want)
{
	long mnt = fd_mnt_id(fd);
	char link[64], p[PATH_MAX];
	struct stat st;
	ssize_t n;
	int acc = fcntl(fd, F_GETFL);
	bool writable = acc >= 0 && (acc & O_ACCMODE) != O_RDONLY && !(acc & O_PATH);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, p, sizeof(p) - 1);
	if (n < 0)
		snprintf(p, sizeof(p), "?%s", strerrorname_np(errno));
	else
		p[n] = '\0';
	if (writable)
		n_writable++;
	if (!strcmp(p, want) && !writable) {
		n_benign++;
		return;
	}
	n_other++;
	if (seen_before(p) && !writable)
		return;
	/* the supervisor answers fstat of a view directory from the union,
	 * by the union's rules: it may refuse; the fd is tried all the same */
	if (fstat(fd, &st) < 0)
		st.st_mode = 0;
	printf("got %s mode=%s type=%c mount=%s\n", p,
	       (acc & O_ACCMODE) == O_RDONLY ? "r" : (acc & O_ACCMODE) == O_WRONLY ? "w" : "rw",
	       S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : 'o',
	       mnt == view_mnt ? "view" : "other");
	if (!S_ISREG(st.st_mode))
		use_dir(fd, p);
	if (writable)
		use_writable(fd, p);
}

static int one_try(const char *mode, const char *name)
{
	int fd;

	if (!strcmp(mode, "path"))
		fd = open(path_buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (!strcmp(mode, "chdir")) {
		/* where the kernel put the cwd, as an fd (cwd-relative O_PATH
		 * of ".": the supervisor checks nothing more for it) */
		if (chdir(path_buf) < 0) {
			fd = -1;
		} else {
			fd = open(".", O_PATH | O_CLOEXEC);
			if (fchdir(cwd) < 0) {
				fprintf(stderr, "vt-dir-race: back to the cwd: %s\n", strerror(errno));
				exit(2);
			}
		}
	} else if (!strcmp(mode, "opath"))
		fd = open(path_buf, O_PATH | O_CLOEXEC);
	else if (!strcmp(mode, "how"))
		fd = (int)syscall(SYS_openat2, AT_FDCWD, path_buf, &how_buf, sizeof(how_buf));
	else
		fd = openat(flip_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		n_failed++;
		if (errno > 0 && errno < 4096)
			failed_by_errno[errno]++;
		return 0;
	}
	classify(fd, benign);
	return close(fd);
}

static int set_how(const char *how)
{
	if (!strcmp(how, "creat"))
		how_attack = (struct open_how){ .flags = O_RDWR | O_CREAT | O_TRUNC, .mode = 0644 };
	else if (!strcmp(how, "tmpfile"))
		how_attack = (struct open_how){ .flags = O_TMPFILE | O_RDWR, .mode = 0600 };
	else if (!strcmp(how, "write"))
		how_attack = (struct open_how){ .flags = O_WRONLY };
	else if (!strcmp(how, "magic")) {
		how_benign.resolve = RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH;
		how_attack = (struct open_how){ .flags = O_RDONLY };
	} else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const char *extra = argc > 6 ? argv[6] : NULL;
	pthread_t t;
	long tries;
	int e;

	if (argc < 6 || argc > 7 ||
	    ((!strcmp(mode, "how") || !strcmp(mode, "dirfd")) && !extra)) {
		fprintf(stderr, "usage: vt-dir-race path|chdir|opath|how|dirfd TRIES MARK BENIGN ATTACK [HOW|NAME]\n");
		return 2;
	}
	tries = strtol(argv[2], NULL, 10);
	mark = argv[3];
	benign = argv[4];
	attack = argv[5];
	if (tries <= 0 || strlen(benign) >= BUFSZ || strlen(attack) >= BUFSZ ||
	    (!strcmp(mode, "how") && set_how(extra) < 0)) {
		fprintf(stderr, "vt-dir-race: bad arguments\n");
		return 2;
	}
	how_attack.flags |= O_CLOEXEC;
	how_benign.flags |= O_CLOEXEC;
	how_attack.flags &= ~(uint64_t)O_PATH;
	set_args(benign, &how_benign);
	e = open("/", O_PATH | O_CLOEXEC);
	view_mnt = e < 0 ? -1 : fd_mnt_id(e);
	if (view_mnt < 0) {
		fprintf(stderr, "vt-dir-race: the root's mount: %s\n", strerror(errno));
		return 2;
	}
	close(e);
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0) {
		fprintf(stderr, "vt-dir-race: open the cwd: %s\n", strerror(errno));
		return 2;
	}
	if (!strcmp(mode, "dirfd")) {
		fd_a = open(benign, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fd_b = open(attack, O_PATH | O_CLOEXEC);
		flip_fd = fd_a < 0 || fd_b < 0 ? -1 : dup(fd_a);
		if (flip_fd < 0) {
			fprintf(stderr, "vt-dir-race: open %s, %s: %s\n", benign, attack, strerror(errno));
			return 2;
		}
		/* what the kernel names BENIGN's fd: NAME below it */
		static char want[PATH_MAX];
		char link[64];
		ssize_t n;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd_a);
		n = readlink(link, want, sizeof(want) - 1);
		if (n < 0)
			return 2;
		want[n] = '\0';
		if (strcmp(extra, ".")) {
			size_t l = strlen(want);
			snprintf(want + l, sizeof(want) - l, "%s%s", l > 1 ? "/" : "", extra);
		}
		benign = want;
	}
	e = pthread_create(&t, NULL, !strcmp(mode, "dirfd") ? flip_fds : flip_args, NULL);
	if (e) {
		fprintf(stderr, "vt-dir-race: pthread_create: %s\n", strerror(e));
		return 2;
	}
	for (long i = 0; i < tries; i++)
		if (one_try(mode, extra) < 0) {
			fprintf(stderr, "vt-dir-race: close: %s\n", strerror(errno));
			return 2;
		}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("%s tries=%ld benign=%ld other=%ld writable=%ld failed=%ld", mode, tries, n_benign,
	       n_other, n_writable, n_failed);
	for (e = 1; e < 4096; e++)
		if (failed_by_errno[e])
			printf(" %s=%ld", strerrorname_np(e) ? strerrorname_np(e) : "?", failed_by_errno[e]);
	printf("\n");
	return 0;
}
