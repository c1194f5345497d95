/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Let the kernel run a stopped tracee's call at a path of the supervisor's
 * choosing: the path argument is pointed at a copy written into the
 * tracee's scratch memory, below its stack's red zone, and the target's
 * own string is never written.  For the rungs where no view holds the
 * union's paths (notify-hostroot's ptrace assist, the ptrace backend).
 */
#ifndef VENEER_PTRACE_REDIRECT_H
#define VENEER_PTRACE_REDIRECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* Scratch memory of a stopped tracee, below the red zone under its stack
 * pointer sp, filled downwards. */
struct ptrace_scratch {
	pid_t tid;
	uint64_t top;
};
void ptrace_scratch_init(struct ptrace_scratch *s, pid_t tid, uint64_t sp);
/* Copy len bytes below what is already there (aligned to 16): the
 * address, or 0 when there is no room or the write fails (errno). */
uint64_t ptrace_scratch_put(struct ptrace_scratch *s, const void *data, size_t len);

/* Set bits in argument arg (0-5) of a call's registers: 0, or -EINVAL
 * (not x86-64, or a bad arg). */
int ptrace_arg_or(struct user_regs_struct *regs, int arg, uint64_t bits);

/* tid is in a seccomp stop (or any syscall-entry stop) of a call whose
 * argument `arg` (0-5) is a path: point it at a copy of `path`.
 * at_stop is its registers as read at the stop (one ptrace request
 * fewer per call than reading them again); the call's are set from them.
 * 0, -EINVAL (not x86-64 or a bad arg), -EFAULT (no stack room), -ESRCH
 * (the tracee is gone) or another -errno. */
int ptrace_redirect_path(pid_t tid, const struct user_regs_struct *at_stop, int arg,
			 const char *path);

/* tid is in a seccomp stop of a call that is to open a file: make it
 * openat(AT_FDCWD, path, flags, mode) instead (a copy of path, as above).
 * 0 or -errno, as above. */
int ptrace_redirect_open(pid_t tid, const struct user_regs_struct *at_stop, const char *path,
			 int flags, mode_t mode);

/* The same for an exec run as another program -- a "#!" script's
 * interpreter, a lower's ELF loader: the call runs `program` (a real
 * path) with argv[0..n-1] = prefix (for a script: the name its "#!" line
 * gives, the line's optional argument, the script's path as the caller
 * named it, as binfmt_script makes it; for a loader: its options and the
 * program) followed by the caller's argv[1...].  argv_arg is the argument
 * that holds argv.  0 or -errno, as above (-E2BIG for an argv past 4096
 * entries, -EINVAL for n over PTRACE_REDIRECT_PREFIX_MAX). */
#define PTRACE_REDIRECT_PREFIX_MAX 8
int ptrace_redirect_exec(pid_t tid, const struct user_regs_struct *at_stop, int path_arg,
			 int argv_arg, const char *program, const char *const *prefix, size_t n);

#endif
