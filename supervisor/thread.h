/* SPDX-License-Identifier: Apache-2.0 */
/* The backends' threads: joined while being woken, since a wake-up signal
 * that lands just before a blocking call is lost. */
#ifndef VENEER_THREAD_H
#define VENEER_THREAD_H

#include <pthread.h>
#include <stdbool.h>

/* Join t if it ends within ms milliseconds: true when joined. */
bool thread_join_within(pthread_t t, long ms);

#endif
