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
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
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

int ptrace_arg_or(struct user_regs_struct *regs, int arg, uint64_t bits)
{
	unsigned long long *reg = arg_register(regs, arg);

	if (!reg)
		return -EINVAL;
	*reg |= bits;
	return 0;
}

void ptrace_scratch_init(struct ptrace_scratch *s, pid_t tid, uint64_t sp)
{
	s->tid = tid;
	s->top = sp - RED_ZONE;
}

uint64_t ptrace_scratch_put(struct ptrace_scratch *s, const void *data, size_t len)
{
	struct iovec local = { .iov_base = (void *)data, .iov_len = len };
	struct iovec remote;

	if (s->top < len + 4096) {
		errno = EFAULT;
		return 0;
	}
	s->top = (s->top - len) & ~(uint64_t)15;
	remote = (struct iovec){ .iov_base = (void *)(uintptr_t)s->top, .iov_len = len };
	if (process_vm_writev(s->tid, &local, 1, &remote, 1, 0) != (ssize_t)len) {
		errno = errno == ESRCH ? ESRCH : EFAULT;
		return 0;
	}
	return s->top;
}

int ptrace_redirect_path(pid_t tid, const struct user_regs_struct *at_stop, int arg, const char *path)
{
	struct user_regs_struct regs = *at_stop;
	struct ptrace_scratch s;
	unsigned long long *reg;
	uint64_t at;

	reg = arg_register(&regs, arg);
	if (!reg)
		return -EINVAL;
	ptrace_scratch_init(&s, tid, regs.rsp);
	at = ptrace_scratch_put(&s, path, strlen(path) + 1);
	if (!at)
		return -errno;
	*reg = at;
	if (ptrace(PTRACE_SETREGS, tid, NULL, &regs) < 0)
		return -errno;
	return 0;
}

int ptrace_redirect_open(pid_t tid, const struct user_regs_struct *at_stop, const char *path,
			 int flags, mode_t mode)
{
	struct user_regs_struct regs = *at_stop;
	struct ptrace_scratch s;
	uint64_t at;

	ptrace_scratch_init(&s, tid, regs.rsp);
	at = ptrace_scratch_put(&s, path, strlen(path) + 1);
	if (!at)
		return -errno;
	/* a changed number is run as the new call, after the filter has
	 * been asked again about it (Linux 4.8+): openat is traced too */
	regs.orig_rax = SYS_openat;
	regs.rdi = (unsigned long long)AT_FDCWD;
	regs.rsi = at;
	regs.rdx = (unsigned long long)flags;
	regs.r10 = mode;
	return ptrace(PTRACE_SETREGS, tid, NULL, &regs) < 0 ? -errno : 0;
}

#define ARGV_MAX 4096

int ptrace_redirect_exec(pid_t tid, const struct user_regs_struct *at_stop, int path_arg,
			 int argv_arg, const char *program, const char *const *prefix, size_t n)
{
	struct user_regs_struct regs = *at_stop;
	struct ptrace_scratch s;
	unsigned long long *path_reg, *argv_reg;
	uint64_t *argv = calloc(ARGV_MAX + 1, sizeof(*argv));
	size_t old = 0, total;
	uint64_t at;
	int r = 0;

	if (!argv)
		return -ENOMEM;
	path_reg = arg_register(&regs, path_arg);
	argv_reg = arg_register(&regs, argv_arg);
	if (!path_reg || !argv_reg || n > PTRACE_REDIRECT_PREFIX_MAX) {
		r = -EINVAL;
		goto out;
	}
	/* the caller's argv[1...], as pointers into its own memory */
	for (uint64_t p = *argv_reg; p; old++) {
		uint64_t v;
		struct iovec local = { .iov_base = &v, .iov_len = sizeof(v) };
		struct iovec remote = { .iov_base = (void *)(uintptr_t)(p + old * 8), .iov_len = 8 };

		if (n + old > ARGV_MAX) {
			r = -E2BIG;
			goto out;
		}
		if (process_vm_readv(tid, &local, 1, &remote, 1, 0) != 8) {
			r = -EFAULT;
			goto out;
		}
		if (!v)
			break;
		if (old > 0)
			argv[n + old - 1] = v;
	}
	total = n + (old > 0 ? old - 1 : 0);
	ptrace_scratch_init(&s, tid, regs.rsp);
	for (size_t i = 0; i < n; i++) {
		argv[i] = ptrace_scratch_put(&s, prefix[i], strlen(prefix[i]) + 1);
		if (!argv[i]) {
			r = -errno;
			goto out;
		}
	}
	argv[total] = 0;
	at = ptrace_scratch_put(&s, argv, (total + 1) * sizeof(*argv));
	if (at)
		*argv_reg = at;
	if (at)
		at = ptrace_scratch_put(&s, program, strlen(program) + 1);
	if (!at) {
		r = -errno;
		goto out;
	}
	*path_reg = at;
	if (ptrace(PTRACE_SETREGS, tid, NULL, &regs) < 0)
		r = -errno;
out:
	free(argv);
	return r;
}

#else
int ptrace_arg_or(struct user_regs_struct *regs, int arg, uint64_t bits)
{
	(void)regs, (void)arg, (void)bits;
	return -EINVAL;
}

void ptrace_scratch_init(struct ptrace_scratch *s, pid_t tid, uint64_t sp)
{
	s->tid = tid;
	s->top = sp;
}

uint64_t ptrace_scratch_put(struct ptrace_scratch *s, const void *data, size_t len)
{
	(void)s, (void)data, (void)len;
	errno = EINVAL;
	return 0;
}

int ptrace_redirect_open(pid_t tid, const struct user_regs_struct *at_stop, const char *path,
			 int flags, mode_t mode)
{
	(void)tid, (void)at_stop, (void)path, (void)flags, (void)mode;
	return -EINVAL;
}

int ptrace_redirect_path(pid_t tid, const struct user_regs_struct *at_stop, int arg, const char *path)
{
	(void)tid, (void)at_stop, (void)arg, (void)path;
	return -EINVAL; /* the filter already refuses other architectures */
}

int ptrace_redirect_exec(pid_t tid, const struct user_regs_struct *at_stop, int path_arg,
			 int argv_arg, const char *program, const char *const *prefix, size_t n)
{
	(void)tid, (void)at_stop, (void)path_arg, (void)argv_arg, (void)program, (void)prefix, (void)n;
	return -EINVAL;
}

#endif
