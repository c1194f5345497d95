/* vt-sigstorm: loop over file system calls while a child process floods
 * us with SIGUSR1 (handled, SA_RESTART), and check every result.
 *
 * usage: vt-sigstorm MIN-ITER MIN-SIGNALS FILE DIR MISSING MKDIR-PATH ERRNO
 *
 * Each iteration: open+read+close FILE (same bytes as the first time),
 * stat FILE and DIR (same type, size and inode as the first time),
 * open MISSING (must fail ENOENT), mkdir MKDIR-PATH (must fail with the
 * errno named ERRNO, e.g. EROFS), access FILE, and list DIR (same number
 * of entries as the first time).  Runs until at least MIN-ITER iterations
 * are done and MIN-SIGNALS signals have been handled (60 s at most).
 *
 * Prints "iterations=N signals=N failures=N" last; the first failures
 * are described before it.  Exit 0 only if nothing misbehaved and
 * enough signals arrived.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t signals_seen;
static long failures;
static long iteration;

static void on_usr1(int sig)
{
	(void)sig;
	signals_seen++;
}

static void fail(const char *what, const char *detail, int err)
{
	const char *name = strerrorname_np(err);

	failures++;
	if (failures <= 20)
		printf("FAIL iteration %ld: %s: %s (errno %s)\n", iteration,
		       what, detail, err ? (name ? name : "?") : "0");
}

static ssize_t read_all(const char *path, char *buf, size_t size, int *err)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0) {
			*err = errno;
			close(fd);
			return -2;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

static long count_entries(const char *path, int *err)
{
	struct dirent *de;
	long n = 0;
	DIR *d;

	d = opendir(path);
	if (!d) {
		*err = errno;
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL)
		n++;
	if (errno != 0) {
		*err = errno;
		n = -2;
	}
	closedir(d);
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char ref[65536], buf[65536];
	struct stat ref_file, ref_dir, st;
	struct sigaction sa;
	long min_iter, min_signals, ref_entries, n;
	const char *file, *dir, *missing, *mkpath, *want;
	ssize_t ref_len, len;
	double deadline;
	pid_t parent, child;
	int err = 0;

	if (argc != 8) {
		fprintf(stderr, "usage: vt-sigstorm MIN-ITER MIN-SIGNALS FILE "
				"DIR MISSING MKDIR-PATH ERRNO\n");
		return 2;
	}
	min_iter = atol(argv[1]);
	min_signals = atol(argv[2]);
	file = argv[3];
	dir = argv[4];
	missing = argv[5];
	mkpath = argv[6];
	want = argv[7];

	ref_len = read_all(file, ref, sizeof(ref), &err);
	if (ref_len < 0 || stat(file, &ref_file) != 0 ||
	    stat(dir, &ref_dir) != 0 ||
	    (ref_entries = count_entries(dir, &err)) < 0) {
		printf("set-up failed: %s\n", strerror(errno ? errno : err));
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0) {
		perror("sigaction");
		return 2;
	}

	parent = getpid();
	child = fork();
	if (child < 0) {
		perror("fork");
		return 2;
	}
	if (child == 0) {
		for (;;) {
			if (kill(parent, SIGUSR1) != 0 || getppid() != parent)
				_exit(0);
		}
	}

	deadline = now() + 60.0;
	for (iteration = 0;
	     iteration < min_iter || signals_seen < min_signals; iteration++) {
		if (now() > deadline)
			break;

		err = 0;
		len = read_all(file, buf, sizeof(buf), &err);
		if (len < 0)
			fail("open/read FILE", len == -1 ? "open" : "read", err);
		else if (len != ref_len || memcmp(buf, ref, (size_t)len) != 0)
			fail("open/read FILE", "content differs", 0);

		if (stat(file, &st) != 0)
			fail("stat FILE", "failed", errno);
		else if (st.st_size != ref_file.st_size ||
			 st.st_ino != ref_file.st_ino ||
			 st.st_dev != ref_file.st_dev ||
			 st.st_mode != ref_file.st_mode)
			fail("stat FILE", "size/inode/mode changed", 0);

		if (stat(dir, &st) != 0)
			fail("stat DIR", "failed", errno);
		else if (!S_ISDIR(st.st_mode) || st.st_ino != ref_dir.st_ino)
			fail("stat DIR", "type/inode changed", 0);

		errno = 0;
		n = open(missing, O_RDONLY | O_CLOEXEC);
		if (n >= 0) {
			close((int)n);
			fail("open MISSING", "succeeded", 0);
		} else if (errno != ENOENT) {
			fail("open MISSING", "wrong errno (want ENOENT)", errno);
		}

		if (mkdir(mkpath, 0755) == 0) {
			fail("mkdir", "succeeded", 0);
		} else {
			const char *got = strerrorname_np(errno);

			if (!got || strcmp(got, want) != 0)
				fail("mkdir", "wrong errno", errno);
		}

		if (access(file, R_OK) != 0)
			fail("access FILE", "failed", errno);

		err = 0;
		n = count_entries(dir, &err);
		if (n < 0)
			fail("readdir DIR", "failed", err);
		else if (n != ref_entries)
			fail("readdir DIR", "entry count changed", 0);
	}

	kill(child, SIGKILL);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	if (signals_seen < min_signals)
		printf("FAIL: only %ld signals arrived in 60 s (wanted %ld)\n",
		       (long)signals_seen, min_signals);
	if (iteration < min_iter)
		printf("FAIL: only %ld iterations in 60 s (wanted %ld)\n",
		       iteration, min_iter);
	printf("iterations=%ld signals=%ld failures=%ld\n", iteration,
	       (long)signals_seen, failures);
	fflush(stdout);
	return (failures == 0 && signals_seen >= min_signals &&
		iteration >= min_iter) ? 0 : 1;
}
