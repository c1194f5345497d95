/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What sandbox.c needs of a backend: start answering the target's calls,
 * and stop.
 */
#ifndef VENEER_BACKEND_H
#define VENEER_BACKEND_H

#include "calls/calls.h"

struct backend_config {
	struct calls_config calls;  /* what the decoders share */
	int listener;            /* the seccomp listener (the caller keeps it); -1: none */
	int nworkers;            /* at most this many threads answer calls */
};

/* 0, or -errno with nothing left to stop. */
int backend_start(struct call_ctx *ctx, const struct backend_config *cfg);
/* Stop answering (init is gone: no call will come) and free what
 * backend_start set up; safe on a zeroed context. */
void backend_stop(struct call_ctx *ctx);

#endif
