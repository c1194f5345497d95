/* vt-fdswap: change a file's metadata through an fd number another thread
 * keeps swapping between a pipe and that file (the red team's race on an
 * fd call the supervisor checked, then let the kernel run).
 *
 * usage: vt-fdswap DIR COUNT chmod|xattr|times
 *
 * For each of DIR/0 .. DIR/COUNT-1: open it read-only, then 20 times
 * fchmod(0604), fsetxattr("user.vt-swap") or futimens(7 s) on fd 50
 * while a second thread dup2()s the pipe and the file onto 50 in a loop.
 * Prints "done N" (N: calls that succeeded); the caller checks the files.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define SWAPPED_FD 50

static volatile int file_fd = -1;
static volatile int stop;
static int pipe_fds[2];

static void *swapper(void *arg)
{
	(void)arg;
	while (!stop) {
		int f = file_fd;

		dup2(pipe_fds[0], SWAPPED_FD);
		if (f >= 0)
			dup2(f, SWAPPED_FD);
	}
	return NULL;
}

static int change(const char *op)
{
	struct timespec times[2] = { { 7, 0 }, { 7, 0 } };

	if (strcmp(op, "chmod") == 0)
		return fchmod(SWAPPED_FD, 0604);
	if (strcmp(op, "xattr") == 0)
		return fsetxattr(SWAPPED_FD, "user.vt-swap", "1", 1, 0);
	return futimens(SWAPPED_FD, times);
}

int main(int argc, char **argv)
{
	pthread_t thread;
	int count, ok = 0;

	if (argc != 4 || (count = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: vt-fdswap DIR COUNT chmod|xattr|times\n");
		return 2;
	}
	if (pipe(pipe_fds) < 0 || pthread_create(&thread, NULL, swapper, NULL) != 0) {
		perror("vt-fdswap");
		return 2;
	}
	for (int i = 0; i < count; i++) {
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s/%d", argv[1], i);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			perror(path);
			continue;
		}
		file_fd = fd;
		for (int k = 0; k < 20; k++)
			ok += change(argv[3]) == 0;
		file_fd = -1;
		usleep(100);
		close(fd);
	}
	stop = 1;
	pthread_join(thread, NULL);
	printf("done %d\n", ok);
	return 0;
}
