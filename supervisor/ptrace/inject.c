/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Syscall injection (inject.h).  At a syscall-exit stop the tracee's
 * instruction pointer is just past its `syscall` instruction (the only
 * way in on x86-64: the filter's guard fails every other ABI), so moving
 * it back two bytes, with a number and arguments in the registers, runs
 * one more call when the tracee is resumed; PTRACE_SYSCALL stops it at
 * that call's entry and exit.  Signals are blocked meanwhile, so none is
 * delivered on the way back to that instruction; one that cannot be
 * blocked (SIGSTOP) is held back and sent again at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inject.h"
#include "redirect.h"

#define SYSCALL_INSN_LEN 2

int inject_begin(struct inject *in, pid_t tid)
{
	uint64_t all = ~0ull;

	memset(in, 0, sizeof(*in));
	in->tid = tid;
	if (ptrace(PTRACE_GETREGS, tid, NULL, &in->saved) < 0 ||
	    ptrace(PTRACE_GETSIGMASK, tid, sizeof(in->saved_mask), &in->saved_mask) < 0 ||
	    ptrace(PTRACE_SETSIGMASK, tid, sizeof(all), &all) < 0)
		return -errno;
	return 0;
}

/* Resume with PTRACE_SYSCALL until the next syscall stop of the tracee
 * (a seccomp stop of the injected call on the way is passed through):
 * 0, or -ESRCH when it died. */
static int next_syscall_stop(struct inject *in)
{
	int sig = 0;

	for (;;) {
		int status;

		if (ptrace(PTRACE_SYSCALL, in->tid, 0, sig) < 0)
			return -ESRCH;
		sig = 0;
		if (waitpid(in->tid, &status, __WALL) != in->tid) {
			in->gone = true;
			return -ESRCH;
		}
		if (!WIFSTOPPED(status)) {
			in->gone = true;
			in->exit_status = status;
			in->reaped = true;
			return -ESRCH;
		}
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			return 0;
		if (status >> 16)
			continue; /* the injected call's seccomp stop */
		/* a signal that blocking does not hold: sent again at the end */
		in->deferred_signal = WSTOPSIG(status);
	}
}

int64_t inject_syscall(struct inject *in, long nr, const uint64_t args[6])
{
	struct user_regs_struct regs = in->saved;

	if (in->gone)
		return -ESRCH;
	regs.rip -= SYSCALL_INSN_LEN;
	regs.rax = (unsigned long long)nr;
	regs.orig_rax = (unsigned long long)nr;
	regs.rdi = args[0];
	regs.rsi = args[1];
	regs.rdx = args[2];
	regs.r10 = args[3];
	regs.r8 = args[4];
	regs.r9 = args[5];
	if (ptrace(PTRACE_SETREGS, in->tid, NULL, &regs) < 0)
		return -errno;
	/* its entry, then its exit */
	if (next_syscall_stop(in) < 0 || next_syscall_stop(in) < 0)
		return -ESRCH;
	if (ptrace(PTRACE_GETREGS, in->tid, NULL, &regs) < 0)
		return -errno;
	return (int64_t)regs.rax;
}

uint64_t inject_string(struct inject *in, const char *s)
{
	struct ptrace_scratch scratch;

	ptrace_scratch_init(&scratch, in->tid, in->saved.rsp);
	return ptrace_scratch_put(&scratch, s, strlen(s) + 1);
}

void inject_end(struct inject *in)
{
	if (in->gone)
		return;
	(void)ptrace(PTRACE_SETREGS, in->tid, NULL, &in->saved);
	(void)ptrace(PTRACE_SETSIGMASK, in->tid, sizeof(in->saved_mask), &in->saved_mask);
	if (in->deferred_signal)
		(void)kill(in->tid, in->deferred_signal);
}
