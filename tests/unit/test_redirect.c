/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ptrace assist's path redirect (supervisor/ptrace/redirect.c), on a real
 * tracee: a child whose filter sends chdir and execve to its tracer (the
 * test, with SECCOMP_RET_TRACE) names paths that do not exist; the test
 * points the argument at a real directory and a real program, and the
 * kernel runs the calls there — while the child's own strings stay as
 * they were.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace/redirect.h"

#define MISSING_DIR "/nonexistent/veneer-dir"
#define MISSING_PROG "/nonexistent/veneer-true"

/* chdir and execve go to the tracer; everything else runs. */
static int trace_chdir_and_execve(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_chdir, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execve, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* The child: chdir to a directory that does not exist, report where it
 * is and whether its string is intact, then exec a program that does not
 * exist (127 if that fails as it would untraced). */
static void child(int report)
{
	char where[PATH_MAX] = "", dir[] = MISSING_DIR, prog[] = MISSING_PROG;
	char *argv[] = { prog, NULL };

	if (trace_chdir_and_execve() < 0)
		_exit(2);
	raise(SIGSTOP); /* the tracer seizes, then lets it go on */
	if (chdir(dir) < 0)
		_exit(3);
	if (!getcwd(where, sizeof(where)))
		_exit(4);
	dprintf(report, "%s\n%s\n", where, dir);
	close(report);
	execve(prog, argv, (char *[]){ NULL });
	_exit(127);
}

/* Run the tracee to its next seccomp stop and check it is syscall nr. */
static void next_seccomp_stop(pid_t pid, int nr)
{
	struct __ptrace_syscall_info info;
	int status;

	for (;;) {
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFSTOPPED(status), "the tracee ended (status %#x)", status);
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8)))
			break;
		/* a group stop or a signal: pass it on */
		cr_assert_eq(ptrace(PTRACE_CONT, pid, 0,
				    status >> 16 ? 0 : WSTOPSIG(status) == SIGSTOP ? 0 : WSTOPSIG(status)),
			     0);
	}
	cr_assert_gt(ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), &info), 0);
	cr_assert_eq(info.op, PTRACE_SYSCALL_INFO_SECCOMP);
	cr_assert_eq((int)info.seccomp.nr, nr);
}

Test(redirect, chdir_and_execve_run_at_the_supervisors_path)
{
	char tmpl[] = "/tmp/vn-redirect-XXXXXX", report[2 * PATH_MAX] = "", want[3 * PATH_MAX];
	const char *dir = mkdtemp(tmpl);
	int p[2], status;
	struct user_regs_struct regs;
	ssize_t n;
	pid_t pid;

	FILE *yama = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = 0;

	if (yama) {
		if (fscanf(yama, "%d", &scope) != 1)
			scope = 0;
		fclose(yama);
	}
	if (scope >= 2)
		cr_skip_test("Yama's ptrace_scope %d forbids tracing a child", scope);
	cr_assert_not_null(dir);
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		child(p[1]);
	}
	close(p[1]);
	cr_assert_eq(waitpid(pid, &status, WSTOPPED), pid);
	cr_assert(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	cr_assert_eq(ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL), 0,
		     "seize: %s", strerror(errno));
	cr_assert_eq(kill(pid, SIGCONT), 0);

	next_seccomp_stop(pid, __NR_chdir);
	cr_assert_eq(ptrace(PTRACE_GETREGS, pid, NULL, &regs), 0);
	cr_assert_eq(ptrace_redirect_path(pid, &regs, 0, dir), 0);
	cr_assert_eq(ptrace(PTRACE_CONT, pid, 0, 0), 0);

	next_seccomp_stop(pid, __NR_execve);
	cr_assert_eq(ptrace(PTRACE_GETREGS, pid, NULL, &regs), 0);
	cr_assert_eq(ptrace_redirect_path(pid, &regs, 0, "/bin/true"), 0);
	cr_assert_eq(ptrace(PTRACE_CONT, pid, 0, 0), 0);

	n = read(p[0], report, sizeof(report) - 1);
	cr_assert_gt(n, 0, "the child reported nothing");
	snprintf(want, sizeof(want), "%s\n%s\n", dir, MISSING_DIR);
	cr_assert_str_eq(report, want, "cwd and the child's own string");
	for (;;) {
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		if (!WIFSTOPPED(status))
			break;
		cr_assert_eq(ptrace(PTRACE_CONT, pid, 0, 0), 0);
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the redirected exec did not run /bin/true (status %#x)", status);
	rmdir(dir);
}
