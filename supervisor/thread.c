/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <time.h>

#include "thread.h"

bool thread_join_within(pthread_t t, long ms)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (ms % 1000) * 1000 * 1000;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(t, NULL, &deadline) == 0;
}
