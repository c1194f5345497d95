/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Syscalls a stopped tracee runs on the tracer's behalf, between its own
 * call's end (a syscall-exit stop) and its return to its code: what only
 * a call of the target's own can do -- put a file at one of its fd
 * numbers -- with the call's result and registers kept.
 */
#ifndef VENEER_PTRACE_INJECT_H
#define VENEER_PTRACE_INJECT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

struct inject {
	pid_t tid;
	struct user_regs_struct saved; /* at the exit stop: the call's result */
	uint64_t saved_mask;           /* its signal mask, all blocked meanwhile */
	bool gone;                     /* the tracee died meanwhile, or was killed */
	bool reaped;                   /* and its wait status was taken here: */
	int exit_status;
};

/* tid is at a syscall-exit stop: keep its registers and block its
 * signals.  0 or -errno. */
int inject_begin(struct inject *in, pid_t tid);
/* Run syscall nr with args in the tracee: its result (-errno as the
 * kernel gives it), or -ESRCH when the tracee is gone -- killed, when any
 * stop but the call's own came, or none in time. */
int64_t inject_syscall(struct inject *in, long nr, const uint64_t args[6]);
/* A copy of the string s in the tracee's scratch memory (below its
 * stack's red zone): the address, or 0. */
uint64_t inject_string(struct inject *in, const char *s);
/* Put the registers and the mask back: the tracee returns from its call
 * as if nothing ran. */
void inject_end(struct inject *in);

#endif
