/* vt-openfull: one open-family call made when its fd cannot be handed
 * over, for tests/security/no-side-effect-emfile.sh.
 *
 * usage: vt-openfull full SYSCALL FLAGS PATH
 *        vt-openfull kill SYSCALL FLAGS PATH [MS]
 *   SYSCALL  open | openat | openat2 | creat (creat ignores FLAGS)
 *   FLAGS    comma-separated: rdonly wronly rdwr creat excl trunc append
 *            tmpfile (PATH is then a directory)
 *   full     RLIMIT_NOFILE is lowered to 64 and every free fd below it
 *            filled (dups of a pipe end), then the call is made; prints
 *            "ok FD" or the error's name ("EMFILE") and exits 0.
 *   kill     a second thread watches the lowest free fd number; as soon
 *            as anything sits there while the call is in flight, it
 *            sends the process SIGKILL.  Natively the number is taken
 *            when the call returns; veneer reserves it before it changes
 *            the union for a call.  With MS, it also sends it MS
 *            milliseconds after the call began: a long copy-up's data is
 *            copied before the number is reserved (calls_dispatch), and
 *            the kill then lands while it is.  Exits by that signal.
 * Mode 0644 for whatever is created.  Made with raw syscalls so that the
 * C library's own handling (creat as open, openat2 fallbacks) is not in
 * the way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
	const char *name;
	int flag;
} flag_names[] = {
	{ "rdonly", O_RDONLY }, { "wronly", O_WRONLY }, { "rdwr", O_RDWR },
	{ "creat", O_CREAT },   { "excl", O_EXCL },     { "trunc", O_TRUNC },
	{ "append", O_APPEND }, { "tmpfile", O_TMPFILE },
};

static int parse_flags(const char *s)
{
	char *copy = strdup(s), *save = NULL;
	int flags = 0;

	if (!copy) {
		perror("vt-openfull: strdup");
		exit(2);
	}
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
			if (strcmp(tok, flag_names[i].name) == 0)
				break;
		if (i == sizeof(flag_names) / sizeof(flag_names[0])) {
			fprintf(stderr, "vt-openfull: unknown flag %s\n", tok);
			exit(2);
		}
		flags |= flag_names[i].flag;
	}
	free(copy);
	return flags;
}

static long do_open(const char *sys, int flags, const char *path)
{
	if (strcmp(sys, "open") == 0)
		return syscall(SYS_open, path, flags, 0644);
	if (strcmp(sys, "openat") == 0)
		return syscall(SYS_openat, AT_FDCWD, path, flags, 0644);
	if (strcmp(sys, "creat") == 0)
		return syscall(SYS_creat, path, 0644);
	if (strcmp(sys, "openat2") == 0) {
		struct open_how how = {
			.flags = (unsigned long long)flags,
			.mode = (flags & (O_CREAT | O_TMPFILE)) ? 0644 : 0,
		};

		return syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	}
	fprintf(stderr, "vt-openfull: unknown syscall %s\n", sys);
	exit(2);
}

static void fill_fd_table(void)
{
	struct rlimit rl = { .rlim_cur = 64, .rlim_max = 64 };
	int p[2];

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || (rl.rlim_cur = 64, setrlimit(RLIMIT_NOFILE, &rl) < 0)) {
		perror("vt-openfull: RLIMIT_NOFILE");
		exit(2);
	}
	if (pipe(p) < 0) {
		perror("vt-openfull: pipe");
		exit(2);
	}
	while (dup(p[0]) >= 0)
		;
	if (errno != EMFILE) {
		perror("vt-openfull: dup");
		exit(2);
	}
}

static volatile int watched_fd = -1;
static long kill_after_ms = -1;
static struct timespec call_began;

static void *watch(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec now;

		if (fcntl(watched_fd, F_GETFD) >= 0)
			kill(getpid(), SIGKILL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (kill_after_ms >= 0 && __atomic_load_n(&call_began.tv_sec, __ATOMIC_ACQUIRE) &&
		    (now.tv_sec - call_began.tv_sec) * 1000 + (now.tv_nsec - call_began.tv_nsec) / 1000000 >=
			    kill_after_ms)
			kill(getpid(), SIGKILL);
	}
	return NULL;
}

static void arm_killer(void)
{
	pthread_t t;
	int fd = dup(2);

	if (fd < 0) {
		perror("vt-openfull: dup");
		exit(2);
	}
	close(fd); /* the number the call will get */
	watched_fd = fd;
	if (pthread_create(&t, NULL, watch, NULL) != 0) {
		fprintf(stderr, "vt-openfull: pthread_create failed\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	long r;
	int flags;

	if ((argc != 5 && !(argc == 6 && strcmp(argv[1], "kill") == 0)) ||
	    (strcmp(argv[1], "full") != 0 && strcmp(argv[1], "kill") != 0)) {
		fprintf(stderr, "usage: vt-openfull full|kill SYSCALL FLAGS PATH [MS]\n");
		return 2;
	}
	flags = parse_flags(argv[3]);
	if (argc == 6)
		kill_after_ms = atol(argv[5]);
	if (strcmp(argv[1], "full") == 0)
		fill_fd_table();
	else
		arm_killer();
	if (kill_after_ms >= 0) {
		struct timespec t;

		clock_gettime(CLOCK_MONOTONIC, &t);
		call_began.tv_nsec = t.tv_nsec;
		__atomic_store_n(&call_began.tv_sec, t.tv_sec, __ATOMIC_RELEASE);
	}
	r = do_open(argv[2], flags, argv[4]);
	if (strcmp(argv[1], "kill") == 0) {
		/* the call returned before the watcher saw its fd: the test
		 * cannot say anything, and says so */
		printf("returned %s\n", r < 0 ? strerrorname_np(errno) : "fd");
		return 3;
	}
	if (r < 0)
		printf("%s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	else
		printf("ok %ld\n", r);
	return 0;
}
