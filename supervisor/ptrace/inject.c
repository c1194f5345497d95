/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Syscall injection (inject.h).  At a syscall-exit stop the tracee's
 * instruction pointer is just past its `syscall` instruction (the only
 * way in on x86-64: the filter's guard fails every other ABI), so moving
 * it back two bytes, with a number and arguments in the registers, runs
 * one more call when the tracee is resumed; PTRACE_SYSCALL stops it at
 * that call's entry and exit.  Signals are blocked meanwhile, so none is
 * delivered on the way back to that instruction.
 * The instruction there is the target's: another of its threads may have
 * rewritten it (a jump to a call of its own choosing), or unmapped it.
 * So the entry stop must show the very call injected, number and
 * arguments, and every stop must be the one expected; anything else (a
 * fault, an exec, a signal that blocking does not hold, no stop within
 * INJECT_DEADLINE_MS) kills the target: it is hostile or broken, and a
 * call let through would be one the union never answered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
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

#define INJECT_DEADLINE_MS 2000

/* The tracee is hostile or broken: it dies (its whole thread group), and
 * the injection is over.  Its exit is the tracer's to reap. */
static int64_t give_up(struct inject *in)
{
	(void)kill(in->tid, SIGKILL);
	in->gone = true;
	return -ESRCH;
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000L + (now.tv_nsec - since->tv_nsec) / 1000000L;
}

/* The tracee's next stop or exit, within the deadline (an injected call
 * takes microseconds: yield first, then sleep): 0, or -ESRCH (exited:
 * the status is kept for the tracer; or gone), -ETIMEDOUT. */
static int wait_stop(struct inject *in, int *status)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int i = 0;; i++) {
		pid_t r = waitpid(in->tid, status, __WALL | WNOHANG);

		if (r == in->tid) {
			if (WIFSTOPPED(*status))
				return 0;
			in->gone = in->reaped = true;
			in->exit_status = *status;
			return -ESRCH;
		}
		if (r < 0) {
			in->gone = true;
			return -ESRCH;
		}
		if (elapsed_ms(&start) > INJECT_DEADLINE_MS)
			return -ETIMEDOUT;
		if (i < 200)
			sched_yield();
		else
			usleep(i < 400 ? 20 : 1000);
	}
}

/* Whether the stop tid is in shows the call injected: at its entry or
 * its seccomp stop the number and arguments, at its exit just that. */
static bool is_injected_call(pid_t tid, int op, long nr, const uint64_t args[6])
{
	struct __ptrace_syscall_info info;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info) <= 0 || info.op != op)
		return false;
	if (op == PTRACE_SYSCALL_INFO_EXIT)
		return true;
	if (op == PTRACE_SYSCALL_INFO_ENTRY)
		return info.entry.nr == (uint64_t)nr && memcmp(info.entry.args, args, 6 * sizeof(*args)) == 0;
	return info.seccomp.nr == (uint64_t)nr && memcmp(info.seccomp.args, args, 6 * sizeof(*args)) == 0;
}

int64_t inject_syscall(struct inject *in, long nr, const uint64_t args[6])
{
	struct user_regs_struct regs = in->saved;
	int status, want = PTRACE_SYSCALL_INFO_ENTRY;

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
	/* its entry, maybe its seccomp stop (a traced call), its exit */
	for (;;) {
		int op;

		if (ptrace(PTRACE_SYSCALL, in->tid, 0, 0) < 0)
			return give_up(in);
		if (wait_stop(in, &status) < 0)
			return in->gone ? -ESRCH : give_up(in);
		op = WSTOPSIG(status) == (SIGTRAP | 0x80) ? want
		     : (status >> 16) == PTRACE_EVENT_SECCOMP && want == PTRACE_SYSCALL_INFO_EXIT
			     ? PTRACE_SYSCALL_INFO_SECCOMP
			     : -1;
		if (op < 0 || !is_injected_call(in->tid, op, nr, args))
			return give_up(in);
		if (op == PTRACE_SYSCALL_INFO_EXIT)
			break;
		want = PTRACE_SYSCALL_INFO_EXIT;
	}
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
}
