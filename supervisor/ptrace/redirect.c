/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The path redirect of ptrace assist (redirect.h).  The copy goes below
 * the red zone (the 128 bytes under the stack pointer that the x86-64 ABI
 * lets leaf functions use without moving it), aligned, so nothing the
 * thread has stored is overwritten.  The kernel copies a path argument in
 * when the call starts, before any signal handler could run on that
 * stack.  Another thread of the target can still rewrite the copy before
 * the kernel reads it: what the kernel then resolves is bounded by what
 * the rung confines (Landlock), as for any call the kernel runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "redirect.h"

#define RED_ZONE 128

#if defined(__x86_64__)
static unsigned long long *arg_register(struct user_regs_struct *regs, int arg)
{
	switch (arg) {
	case 0: return &regs->rdi;
	case 1: return &regs->rsi;
	case 2: return &regs->rdx;
	case 3: return &regs->r10;
	case 4: return &regs->r8;
	case 5: return &regs->r9;
	default: return NULL;
	}
}

int ptrace_redirect_path(pid_t tid, int arg, const char *path)
{
	struct user_regs_struct regs;
	struct iovec local, remote;
	unsigned long long *reg;
	size_t len = strlen(path) + 1;
	uint64_t at;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) < 0)
		return -errno;
	reg = arg_register(&regs, arg);
	if (!reg)
		return -EINVAL;
	if (regs.rsp < RED_ZONE + len + 16)
		return -EFAULT;
	at = (regs.rsp - RED_ZONE - len) & ~(uint64_t)15;
	local = (struct iovec){ .iov_base = (void *)path, .iov_len = len };
	remote = (struct iovec){ .iov_base = (void *)(uintptr_t)at, .iov_len = len };
	if (process_vm_writev(tid, &local, 1, &remote, 1, 0) != (ssize_t)len)
		return errno == ESRCH ? -ESRCH : -EFAULT;
	*reg = at;
	if (ptrace(PTRACE_SETREGS, tid, NULL, &regs) < 0)
		return -errno;
	return 0;
}
#else
int ptrace_redirect_path(pid_t tid, int arg, const char *path)
{
	(void)tid, (void)arg, (void)path;
	return -EINVAL; /* the filter already refuses other architectures */
}
#endif
