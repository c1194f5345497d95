/* vt-cont-race: race a call that the supervisor answers by render and
 * continue against a second thread that rewrites the call's path (and
 * open_how, and sockaddr) in target memory, so that the kernel, which
 * reads the arguments again when the call is continued, may see another
 * path than the one the supervisor checked.
 *
 * usage: vt-cont-race CALL TRIES BENIGN ATTACK [SOURCE]
 *
 * CALL is one of
 *   mkdir mknod symlink unlink rename   (BENIGN in a passthrough mount;
 *                                        rename moves SOURCE to the buffer)
 *   chdir opath openfifo openat2        (openfifo: open(O_CREAT|O_NONBLOCK)
 *                                        of an existing FIFO BENIGN;
 *                                        openat2 flips open_how between
 *                                        {O_PATH, RESOLVE_NO_MAGICLINKS} and
 *                                        {O_CREAT|O_WRONLY, 0644, 0})
 *   execve execveat                     (a child per try; the program it
 *                                        runs is whatever the kernel found)
 *   connect                             (AF_UNIX; BENIGN is bound here,
 *                                        ATTACK is someone else's socket)
 * Each try makes the call once on the buffer while the flipper thread
 * alternates it between BENIGN and ATTACK; what the call made under
 * BENIGN is removed again so that the next try can make it anew.
 *
 * Prints one line: "CALL tries=N benign=N other=N failed=N" then the
 * errno names of the failures with their counts; "other" counts calls
 * that succeeded with nothing at BENIGN (the kernel used another path).
 * Exits 0 when it ran (the test judges the outcome), 2 on bad usage or a
 * set-up failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUFSZ 4096

/* what the flipper rewrites: the path, the open_how and a sockaddr */
static char path_buf[BUFSZ];
static struct open_how how_buf;
static struct sockaddr_un sun_buf;
static const char *benign, *attack;
static atomic_int stop;

static const struct open_how how_benign = { .flags = O_PATH, .resolve = RESOLVE_NO_MAGICLINKS };
static const struct open_how how_attack = { .flags = O_CREAT | O_WRONLY, .mode = 0644 };

static void set_args(const char *p, const struct open_how *how)
{
	size_t n = strlen(p) + 1;

	memcpy(path_buf, p, n);
	memcpy(&how_buf, how, sizeof(how_buf));
	memcpy(sun_buf.sun_path, p, n < sizeof(sun_buf.sun_path) ? n : sizeof(sun_buf.sun_path));
}

static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		set_args(attack, &how_attack);
		set_args(benign, &how_benign);
	}
	return NULL;
}

static int start_flipper(pthread_t *t)
{
	atomic_store(&stop, 0);
	set_args(benign, &how_benign);
	int e = pthread_create(t, NULL, flipper, NULL);
	if (e) {
		fprintf(stderr, "vt-cont-race: pthread_create: %s\n", strerror(e));
		return -1;
	}
	return 0;
}

static void stop_flipper(pthread_t t)
{
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	set_args(benign, &how_benign);
}

static long failed_by_errno[4096];
static long n_benign, n_other, n_failed;

static void count_failure(int e)
{
	n_failed++;
	if (e > 0 && e < 4096)
		failed_by_errno[e]++;
}

static int exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

/* the call succeeded: did it use BENIGN? remove what it made there */
static void count_success(const char *call)
{
	if (!strcmp(call, "chdir") || !strcmp(call, "opath") || !strcmp(call, "openat2") ||
	    !strcmp(call, "openfifo") || !strcmp(call, "connect")) {
		n_benign++; /* nothing is made: the test judges by what exists */
		return;
	}
	if (!strcmp(call, "unlink")) {
		if (exists(benign))
			n_other++;
		else
			n_benign++;
		return;
	}
	if (exists(benign)) {
		n_benign++;
		if ((!strcmp(call, "mkdir") ? rmdir(benign) : unlink(benign)) < 0)
			fprintf(stderr, "vt-cont-race: remove %s: %s\n", benign, strerror(errno));
	} else {
		n_other++;
	}
}

/* one exec try: a child flips its own buffer and execs it */
static int exec_try(int at)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		pthread_t t;
		char *argv[] = { path_buf, NULL }, *envp[] = { NULL };
		if (start_flipper(&t) < 0)
			_exit(120);
		if (at)
			syscall(SYS_execveat, AT_FDCWD, path_buf, argv, envp, 0);
		else
			execve(path_buf, argv, envp);
		_exit(errno < 100 ? 150 + errno : 149);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) >= 150)
		count_failure(WEXITSTATUS(status) - 150);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		n_benign++; /* BENIGN is a program that exits 0 */
	else
		n_other++;
	return 0;
}

static int one_try(const char *call, const char *source, int listener)
{
	int r = -1, fd;

	if (!strcmp(call, "mkdir"))
		r = mkdir(path_buf, 0755);
	else if (!strcmp(call, "mknod"))
		r = mknod(path_buf, S_IFIFO | 0644, 0);
	else if (!strcmp(call, "symlink"))
		r = symlink("/PWNED", path_buf);
	else if (!strcmp(call, "unlink"))
		r = unlink(path_buf);
	else if (!strcmp(call, "rename"))
		r = rename(source, path_buf);
	else if (!strcmp(call, "chdir")) {
		r = chdir(path_buf);
		if (r == 0 && chdir("/") < 0)
			return -1;
	} else if (!strcmp(call, "opath") || !strcmp(call, "openfifo")) {
		int flags = !strcmp(call, "opath") ? O_PATH : O_RDONLY | O_NONBLOCK | O_CREAT;
		fd = open(path_buf, flags, 0644);
		r = fd < 0 ? -1 : close(fd);
	} else if (!strcmp(call, "openat2")) {
		fd = (int)syscall(SYS_openat2, AT_FDCWD, path_buf, &how_buf, sizeof(how_buf));
		r = fd < 0 ? -1 : close(fd);
	} else if (!strcmp(call, "connect")) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -1;
		sun_buf.sun_family = AF_UNIX;
		r = connect(fd, (struct sockaddr *)&sun_buf, sizeof(sun_buf));
		int e = errno;
		close(fd);
		int c;
		while ((c = accept(listener, NULL, NULL)) >= 0)
			close(c);
		errno = e;
	}
	if (r < 0)
		count_failure(errno);
	else
		count_success(call);
	return 0;
}

/* make what each try needs at BENIGN or SOURCE before the call */
static int prepare_try(const char *call, const char *source)
{
	int fd = -1;

	if (!strcmp(call, "unlink"))
		fd = open(benign, O_CREAT | O_WRONLY, 0644);
	else if (!strcmp(call, "rename") && !exists(source))
		fd = open(source, O_CREAT | O_WRONLY, 0644);
	else
		return 0;
	if (fd < 0) {
		fprintf(stderr, "vt-cont-race: create %s: %s\n",
			!strcmp(call, "unlink") ? benign : source, strerror(errno));
		return -1;
	}
	return close(fd);
}

static int bind_listener(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (fd < 0)
		return -1;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", benign);
	unlink(benign);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0) {
		fprintf(stderr, "vt-cont-race: bind %s: %s\n", benign, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: vt-cont-race CALL TRIES BENIGN ATTACK [SOURCE]\n");
		return 2;
	}
	const char *call = argv[1], *source = argc == 6 ? argv[5] : NULL;
	long tries = strtol(argv[2], NULL, 10);
	benign = argv[3];
	attack = argv[4];
	if (strlen(benign) >= sizeof(sun_buf.sun_path) || strlen(attack) >= sizeof(sun_buf.sun_path) ||
	    tries <= 0 || (!strcmp(call, "rename") && !source)) {
		fprintf(stderr, "vt-cont-race: bad arguments\n");
		return 2;
	}
	int listener = -1;
	if (!strcmp(call, "connect") && (listener = bind_listener()) < 0)
		return 2;
	if (!strcmp(call, "openfifo") && !exists(benign) && mkfifo(benign, 0644) < 0) {
		fprintf(stderr, "vt-cont-race: mkfifo %s: %s\n", benign, strerror(errno));
		return 2;
	}
	int is_exec = !strcmp(call, "execve") || !strcmp(call, "execveat");
	pthread_t t;
	if (!is_exec && start_flipper(&t) < 0)
		return 2;
	for (long i = 0; i < tries; i++) {
		int r = is_exec ? exec_try(!strcmp(call, "execveat")) : prepare_try(call, source) < 0 ? -1 : one_try(call, source, listener);
		if (r < 0) {
			fprintf(stderr, "vt-cont-race: try %ld: %s\n", i, strerror(errno));
			return 2;
		}
	}
	if (!is_exec)
		stop_flipper(t);
	printf("%s tries=%ld benign=%ld other=%ld failed=%ld", call, tries, n_benign, n_other, n_failed);
	for (int e = 1; e < 4096; e++)
		if (failed_by_errno[e])
			printf(" %s=%ld", strerrorname_np(e) ? strerrorname_np(e) : "?", failed_by_errno[e]);
	printf("\n");
	return 0;
}
