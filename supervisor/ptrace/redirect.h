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

#include <sys/types.h>

/* tid is in a seccomp stop (or any syscall-entry stop) of a call whose
 * argument `arg` (0-5) is a path: point it at a copy of `path`.
 * 0, -EINVAL (not x86-64 or a bad arg), -EFAULT (no stack room), -ESRCH
 * (the tracee is gone) or another -errno. */
int ptrace_redirect_path(pid_t tid, int arg, const char *path);

#endif
