/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-call latency of the calls a union answers, for tools/bench.
 *
 *   bench-calls FILE DIR ITERATIONS
 *
 * Times each of ITERATIONS calls of:
 *   stat        stat(FILE)
 *   open+close  open(FILE, O_RDONLY) and close of what it gave
 *   fstat       fstat of an fd of FILE opened once
 *   getdents    lseek(0) and one getdents64 of DIR (small enough that
 *               one call lists it whole) opened once
 * and prints one line per call:
 *   CALL median MICROSECONDS p10 MICROSECONDS p90 MICROSECONDS mean MICROSECONDS
 * (the mean shows the share of slow calls that a median hides: a traced
 * call whose tracer and tracee are woken on different CPUs costs several
 * times one that stays on one)
 * The clock is the vDSO's, which no supervisor sees.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

static const char *file, *dir;
static int file_fd = -1, dir_fd = -1;
static char dents[32768];

static void die(const char *what, const char *path)
{
	fprintf(stderr, "bench-calls: %s %s: %s\n", what, path, strerror(errno));
	exit(2);
}

static void call_stat(void)
{
	struct stat st;

	if (stat(file, &st) < 0)
		die("stat", file);
}

static void call_open_close(void)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open", file);
	if (close(fd) < 0)
		die("close", file);
}

static void call_fstat(void)
{
	struct stat st;

	if (fstat(file_fd, &st) < 0)
		die("fstat", file);
}

static void call_getdents(void)
{
	long n;

	if (lseek(dir_fd, 0, SEEK_SET) < 0)
		die("lseek", dir);
	n = syscall(SYS_getdents64, dir_fd, dents, sizeof(dents));
	if (n <= 0) {
		if (n == 0)
			errno = ENOENT;
		die("getdents64", dir);
	}
}

static void measure(const char *name, void (*call)(void), double *t, long n)
{
	/* a few untimed calls: whatever a first call fills in (caches, the
	 * supervisor's tables) is not what is measured */
	for (int i = 0; i < 10; i++)
		call();
	double sum = 0;

	for (long i = 0; i < n; i++) {
		double t0 = now_us();

		call();
		t[i] = now_us() - t0;
		sum += t[i];
	}
	qsort(t, (size_t)n, sizeof(*t), by_value);
	printf("%s median %.2f p10 %.2f p90 %.2f mean %.2f\n", name, t[n / 2], t[n / 10],
	       t[n * 9 / 10], sum / (double)n);
}

int main(int argc, char **argv)
{
	long n;
	double *t;

	if (argc != 4 || (n = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: bench-calls FILE DIR ITERATIONS\n");
		return 2;
	}
	file = argv[1];
	dir = argv[2];
	t = malloc((size_t)n * sizeof(*t));
	if (!t)
		die("malloc", "");
	file_fd = open(file, O_RDONLY | O_CLOEXEC);
	if (file_fd < 0)
		die("open", file);
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		die("open", dir);
	measure("stat", call_stat, t, n);
	measure("open+close", call_open_close, t, n);
	measure("fstat", call_fstat, t, n);
	measure("getdents", call_getdents, t, n);
	return 0;
}
