/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The floor of a seccomp-notify supervisor: one bare round trip.
 *
 *   bench-echo [--no-sync] ITERATIONS
 *
 * A seccomp filter sends getppid (which nothing else here calls) to a
 * listener; a supervisor answers each notification with a constant at
 * once, doing no other work.  The target times each getppid and prints
 * the median, the 10th and the 90th percentile in microseconds:
 *
 *   echo-us median P50 p10 P10 p90 P90 sync-wake-up on|off|unavailable
 *
 * The supervisor is a thread of this process, started before the filter
 * is installed (a filter applies to the thread that installs it and to
 * the threads it creates later, so the supervisor is not filtered).  With
 * --no-sync the listener is left without SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
 * (Linux 6.6), which otherwise asks the kernel to wake the supervisor and
 * then the target on the CPU that notified.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define ECHO_VALUE 4242

static int listener = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;

static void die(const char *what)
{
	fprintf(stderr, "bench-echo: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int wait_for_listener(void)
{
	int fd;

	pthread_mutex_lock(&lock);
	while (listener < 0)
		pthread_cond_wait(&ready, &lock);
	fd = listener;
	pthread_mutex_unlock(&lock);
	return fd;
}

/* answers every notification with ECHO_VALUE until the target exits */
static void *supervise(void *arg)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int fd = wait_for_listener();

	(void)arg;
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR)
				continue;
			die("SECCOMP_IOCTL_NOTIF_RECV");
		}
		resp = (struct seccomp_notif_resp){ .id = req.id, .val = ECHO_VALUE };
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
			die("SECCOMP_IOCTL_NOTIF_SEND");
	}
	return NULL;
}

static int install_filter(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(insns) / sizeof(insns[0]), .filter = insns };
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("PR_SET_NO_NEW_PRIVS");
	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0)
		die("seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER)");
	return fd;
}

static const char *set_sync_wake_up(int fd)
{
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0)
		return "on";
	if (errno == EINVAL || errno == ENOTTY)
		return "unavailable";
	die("SECCOMP_IOCTL_NOTIF_SET_FLAGS");
	return NULL;
}

int main(int argc, char **argv)
{
	int sync = 1;
	long n = 0;
	const char *sync_state = "off";
	pthread_t sup;
	double *t;
	int fd, r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-sync") == 0)
			sync = 0;
		else
			n = strtol(argv[i], NULL, 10);
	}
	if (n <= 0) {
		fprintf(stderr, "usage: bench-echo [--no-sync] ITERATIONS\n");
		return 2;
	}
	t = malloc((size_t)n * sizeof(*t));
	if (!t)
		die("malloc");
	r = pthread_create(&sup, NULL, supervise, NULL);
	if (r != 0) {
		errno = r;
		die("pthread_create");
	}
	fd = install_filter();
	if (sync)
		sync_state = set_sync_wake_up(fd);
	pthread_mutex_lock(&lock);
	listener = fd;
	pthread_cond_signal(&ready);
	pthread_mutex_unlock(&lock);

	for (long i = 0; i < n; i++) {
		double t0 = now_us();
		long v = syscall(__NR_getppid);
		double t1 = now_us();

		if (v != ECHO_VALUE) {
			fprintf(stderr, "bench-echo: getppid answered %ld, not the supervisor's %d\n", v, ECHO_VALUE);
			return 1;
		}
		t[i] = t1 - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), by_value);
	printf("echo-us median %.2f p10 %.2f p90 %.2f sync-wake-up %s\n",
	       t[n / 2], t[n / 10], t[n * 9 / 10], sync_state);
	/* the supervisor blocks in RECV for good: leave without joining it */
	fflush(stdout);
	_exit(0);
}
