/* vt-killinflight: die by SIGKILL while other threads are inside file
 * system calls.
 *
 * usage: vt-killinflight DELAY-MS STAMP-FILE PATH [FIFO]
 *
 * Starts four threads looping over open/stat/readdir of PATH (a file in
 * the union) and, if FIFO is given, one more that opens FIFO for reading
 * (which blocks for good: nobody writes).  After DELAY-MS milliseconds it
 * writes the CLOCK_REALTIME time as "SECONDS.NANOSECONDS\n" to STAMP-FILE
 * (on a writable bind mount) and sends itself SIGKILL.  The caller
 * measures how long the sandbox takes to exit after that moment.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *target_path;
static const char *fifo_path;

static void *churn(void *arg)
{
	struct stat st;
	int fd;

	(void)arg;
	for (;;) {
		fd = open(target_path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		(void)stat(target_path, &st);
		(void)access("/veneer-test-missing", F_OK);
		DIR *d = opendir("/");
		if (d) {
			while (readdir(d) != NULL)
				;
			closedir(d);
		}
	}
	return NULL;
}

static void *block_on_fifo(void *arg)
{
	int fd;

	(void)arg;
	fd = open(fifo_path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec delay, ts;
	pthread_t tid;
	char stamp[64];
	long ms;
	int fd, len;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: vt-killinflight DELAY-MS STAMP-FILE "
				"PATH [FIFO]\n");
		return 2;
	}
	ms = atol(argv[1]);
	target_path = argv[3];
	fifo_path = argc == 5 ? argv[4] : NULL;

	for (int i = 0; i < 4; i++) {
		if (pthread_create(&tid, NULL, churn, NULL) != 0) {
			fprintf(stderr, "vt-killinflight: pthread_create\n");
			return 2;
		}
	}
	if (fifo_path && pthread_create(&tid, NULL, block_on_fifo, NULL) != 0) {
		fprintf(stderr, "vt-killinflight: pthread_create\n");
		return 2;
	}

	delay.tv_sec = ms / 1000;
	delay.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&delay, &delay) != 0 && errno == EINTR)
		;

	clock_gettime(CLOCK_REALTIME, &ts);
	len = snprintf(stamp, sizeof(stamp), "%lld.%09ld\n",
		       (long long)ts.tv_sec, ts.tv_nsec);
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, stamp, (size_t)len) != len) {
		fprintf(stderr, "vt-killinflight: %s: %s\n", argv[2],
			strerror(errno));
		return 2;
	}
	close(fd);
	kill(getpid(), SIGKILL);
	return 3;
}
