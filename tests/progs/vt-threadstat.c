/* vt-threadstat: the per-call cost of stat(2) with many threads alive.
 *
 * usage: vt-threadstat [--setgid] THREADS CALLS PATH
 *
 * Starts THREADS threads (small stacks), each of which waits until all
 * are up, then stat()s PATH CALLS times and checks every answer (a
 * regular file or directory, the same inode as the main thread's
 * stat).  The clock runs from the release of the threads to the last
 * join, so thread creation is not counted.  --setgid first calls
 * setgid(getgid()), which changes nothing but makes a supervisor with
 * presented ownership keep a table of identities (every thread is then
 * looked up in it).
 *
 * Prints "threads=N calls=N ns_per_call=N total_ms=N" and exits 0, or
 * says what went wrong and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *path;
static long calls;
static struct stat expected;
static atomic_long failures;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cond = PTHREAD_COND_INITIALIZER;
static int started;
static long ready;

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&start_lock);
	ready++;
	pthread_cond_broadcast(&start_cond);
	while (!started)
		pthread_cond_wait(&start_cond, &start_lock);
	pthread_mutex_unlock(&start_lock);
	for (long i = 0; i < calls; i++) {
		struct stat st;

		if (stat(path, &st) < 0 || st.st_ino != expected.st_ino ||
		    st.st_dev != expected.st_dev) {
			if (atomic_fetch_add(&failures, 1) < 5)
				fprintf(stderr, "vt-threadstat: stat %s: %s\n", path,
					strerror(errno));
		}
	}
	return NULL;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t *threads;
	long nthreads, made = 0;
	long long t0, t1;
	int argi = 1;

	if (argc > 1 && strcmp(argv[1], "--setgid") == 0) {
		if (setgid(getgid()) < 0) {
			perror("vt-threadstat: setgid");
			return 1;
		}
		argi++;
	}
	if (argc - argi != 3) {
		fprintf(stderr, "usage: vt-threadstat [--setgid] THREADS CALLS PATH\n");
		return 2;
	}
	nthreads = atol(argv[argi]);
	calls = atol(argv[argi + 1]);
	path = argv[argi + 2];
	if (nthreads < 1 || calls < 1) {
		fprintf(stderr, "vt-threadstat: THREADS and CALLS must be positive\n");
		return 2;
	}
	if (stat(path, &expected) < 0) {
		fprintf(stderr, "vt-threadstat: stat %s: %s\n", path, strerror(errno));
		return 1;
	}
	threads = calloc((size_t)nthreads, sizeof(*threads));
	if (!threads) {
		perror("vt-threadstat: calloc");
		return 1;
	}
	pthread_attr_init(&attr);
	/* 10,000 threads in a bounded amount of memory */
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN > 65536 ? PTHREAD_STACK_MIN : 65536);
	for (; made < nthreads; made++) {
		int r = pthread_create(&threads[made], &attr, worker, NULL);

		if (r) {
			fprintf(stderr, "vt-threadstat: thread %ld: %s\n", made, strerror(r));
			break;
		}
	}
	pthread_mutex_lock(&start_lock);
	while (ready < made)
		pthread_cond_wait(&start_cond, &start_lock);
	t0 = now_ns();
	started = 1;
	pthread_cond_broadcast(&start_cond);
	pthread_mutex_unlock(&start_lock);
	for (long i = 0; i < made; i++)
		pthread_join(threads[i], NULL);
	t1 = now_ns();
	if (made < nthreads) {
		/* the release above let the ones made finish */
		return 1;
	}
	printf("threads=%ld calls=%ld ns_per_call=%lld total_ms=%lld\n", made, made * calls,
	       (t1 - t0) / (made * calls), (t1 - t0) / 1000000);
	if (atomic_load(&failures)) {
		fprintf(stderr, "vt-threadstat: %ld stats failed or disagreed\n",
			atomic_load(&failures));
		return 1;
	}
	return 0;
}
