/* vt-setid-race: race an exec of a set-user-ID file against a rewrite of
 * the path, so that the kernel runs other code than the file checked.
 *
 * usage: vt-setid-race [--execveat] SETID-FILE TARGET TRIES
 *        vt-setid-race --payload TARGET
 *        vt-setid-race --failed-exec SETID-FILE
 *
 * The payload is this program itself, copied into a memfd.  Each try
 * forks a child whose second thread flips a path buffer between
 * SETID-FILE and /proc/self/fd/N of the memfd (with --execveat: between
 * SETID-FILE and "", the call being execveat(memfd, buf, AT_EMPTY_PATH)),
 * while its main thread loops exec on the buffer.  Whichever program the
 * kernel ends up running ends the try.
 *
 * The payload (--payload) checks its effective uid and tries to open
 * TARGET (a file its identity may not write) for writing, without
 * writing; it exits 40 + 1 (euid 0) + 2 (the open succeeded), and says
 * which on fd 9.
 *
 * Prints "tries=N payload=N setid=N payload_euid0=N payload_open=N
 * no_exec=N"; exits 0 when no payload ran with euid 0 or opened TARGET,
 * 1 otherwise, 2 on bad usage or a failed set-up.
 *
 * --failed-exec execs SETID-FILE with an argument longer than the kernel
 * takes (E2BIG, after any check of the file) and exits 0 when the
 * effective uid is still what it was, 1 when the failed exec changed it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAYLOAD_BASE 40
#define NO_EXEC 50
#define CHILD_SETUP 51
#define EXEC_ATTEMPTS 5000
#define DIAG_FD 9

static char path_buf[128];
static char path_a[128], path_b[128];
static volatile unsigned long flips;

static int payload(const char *target)
{
	uid_t euid = geteuid();
	int fd = open(target, O_WRONLY | O_CLOEXEC);
	int code = PAYLOAD_BASE + (euid == 0 ? 1 : 0) + (fd >= 0 ? 2 : 0);

	if (euid == 0 || fd >= 0)
		dprintf(DIAG_FD, "vt-setid-race: payload ran with euid %u; open %s for writing: %s\n",
			(unsigned)euid, target, fd >= 0 ? "succeeded" : strerror(errno));
	return code;
}

/* Flip the buffer for as long as the process lives (exec ends it). */
static void *flipper(void *arg)
{
	volatile char *buf = path_buf;

	(void)arg;
	for (;;) {
		for (size_t i = 0; i < sizeof(path_buf); i++)
			buf[i] = path_a[i];
		for (size_t i = 0; i < sizeof(path_buf); i++)
			buf[i] = path_b[i];
		flips++;
	}
	return NULL;
}

static int payload_memfd(void)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int mfd = (int)syscall(SYS_memfd_create, "payload", 0);
	struct stat st;
	off_t off = 0;

	if (self < 0 || mfd < 0 || fstat(self, &st) < 0) {
		perror("vt-setid-race: memfd set-up");
		return -1;
	}
	while (off < st.st_size)
		if (sendfile(mfd, self, &off, (size_t)(st.st_size - off)) <= 0) {
			perror("vt-setid-race: copy into the memfd");
			return -1;
		}
	close(self);
	return mfd;
}

static int failed_exec(const char *setid)
{
	static char huge[256 * 1024]; /* past MAX_ARG_STRLEN */
	char *argv[] = { "x", huge, NULL };
	char *envp[] = { NULL };
	uid_t before = geteuid(), after;

	memset(huge, 'x', sizeof(huge) - 1);
	execve(setid, argv, envp);
	if (errno != E2BIG) {
		fprintf(stderr, "vt-setid-race: exec %s: %s (expected E2BIG)\n", setid, strerror(errno));
		return 2;
	}
	after = geteuid();
	printf("failed-exec euid before=%u after=%u\n", (unsigned)before, (unsigned)after);
	return after == before ? 0 : 1;
}

static void child(bool use_execveat, int mfd, const char *target)
{
	char *argv[] = { "vt-setid-race", "--payload", (char *)target, NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	pthread_t t;
	int devnull = open("/dev/null", O_RDWR);

	/* the set-id file's chatter (a usage message) goes nowhere; the
	 * payload reports on DIAG_FD */
	if (devnull < 0 || dup2(STDERR_FILENO, DIAG_FD) < 0 || dup2(devnull, STDIN_FILENO) < 0 ||
	    dup2(devnull, STDOUT_FILENO) < 0 || dup2(devnull, STDERR_FILENO) < 0)
		_exit(CHILD_SETUP);
	memcpy(path_buf, path_a, sizeof(path_buf));
	if (pthread_create(&t, NULL, flipper, NULL) != 0)
		_exit(CHILD_SETUP);
	/* racing only once the flipper runs */
	while (flips < 1000)
		;
	for (int i = 0; i < EXEC_ATTEMPTS; i++) {
		if (use_execveat)
			syscall(SYS_execveat, mfd, path_buf, argv, envp, AT_EMPTY_PATH);
		else
			execve(path_buf, argv, envp);
	}
	_exit(NO_EXEC);
}

int main(int argc, char **argv)
{
	bool use_execveat = false;
	long tries, payloads = 0, setids = 0, euid0 = 0, opened = 0, no_exec = 0;
	const char *setid, *target;
	int argi = 1, mfd;

	if (argc == 3 && strcmp(argv[1], "--payload") == 0)
		return payload(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--failed-exec") == 0)
		return failed_exec(argv[2]);
	if (argc > 1 && strcmp(argv[1], "--execveat") == 0) {
		use_execveat = true;
		argi++;
	}
	if (argc - argi != 3) {
		fprintf(stderr, "usage: vt-setid-race [--execveat] SETID-FILE TARGET TRIES\n"
				"       vt-setid-race --payload TARGET\n");
		return 2;
	}
	setid = argv[argi];
	target = argv[argi + 1];
	tries = atol(argv[argi + 2]);
	mfd = payload_memfd();
	if (mfd < 0 || tries < 1)
		return 2;
	snprintf(path_a, sizeof(path_a), "%s", setid);
	if (use_execveat)
		path_b[0] = '\0';
	else
		snprintf(path_b, sizeof(path_b), "/proc/self/fd/%d", mfd);

	for (long i = 0; i < tries; i++) {
		pid_t pid = fork();
		int status;

		if (pid < 0) {
			perror("vt-setid-race: fork");
			return 2;
		}
		if (pid == 0)
			child(use_execveat, mfd, target);
		if (waitpid(pid, &status, 0) < 0) {
			perror("vt-setid-race: waitpid");
			return 2;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) >= PAYLOAD_BASE &&
		    WEXITSTATUS(status) <= PAYLOAD_BASE + 3) {
			int code = WEXITSTATUS(status) - PAYLOAD_BASE;

			payloads++;
			euid0 += code & 1;
			opened += (code >> 1) & 1;
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == NO_EXEC) {
			no_exec++;
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_SETUP) {
			fprintf(stderr, "vt-setid-race: a child could not set up\n");
			return 2;
		} else {
			setids++;
		}
	}
	printf("tries=%ld payload=%ld setid=%ld payload_euid0=%ld payload_open=%ld no_exec=%ld\n",
	       tries, payloads, setids, euid0, opened, no_exec);
	return euid0 || opened ? 1 : 0;
}
