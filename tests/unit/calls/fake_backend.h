/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake backend for the decoders' unit tests: the test process is its own
 * target (its memory is read with process_vm_readv like any target's, its
 * fds are the ones answers land in), and the backend's four operations
 * are recorded, so that a test can make one say no (the caller has left
 * the call, no fd number is free) and see what the decoders did with it.
 */
#ifndef VENEER_UNIT_FAKE_BACKEND_H
#define VENEER_UNIT_FAKE_BACKEND_H

#include "calls/calls.h"

struct fake_backend {
	struct call_ctx ctx;
	struct policy policy;
	bool valid;            /* what ops->valid says */
	int reserve_result;    /* what ops->reserve_fd says */
	int reserves;          /* calls of ops->reserve_fd */
	int replies;           /* calls of ops->reply */
	struct answer last;    /* the last answer (an fd answer's fd is kept) */
};

extern struct fake_backend fake;

/* The decoders' context over union u, answering through the fake. */
void fake_start(struct vn_union *u, bool presented);
void fake_stop(void);
/* Dispatch syscall nr with these arguments as the test process's call;
 * asserts that exactly one answer was given, and returns it. */
struct answer fake_call(int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
			uint64_t a4);

#endif
