/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The janitor (janitor.h) waits on a pipe whose other end only the
 * supervisor holds (the sandbox's init is cloned before it, and
 * close-on-exec keeps it from any program run): end-of-file means the
 * supervisor is gone without its clean-up, and the janitor removes the
 * trees; a byte,
 * that the supervisor removed them itself.  Either way it then exits.
 * It ignores the signals a terminal or a group kill sends, so a Ctrl-C
 * that ends the run does not end it first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "janitor.h"
#include "veneer/union.h"

static _Noreturn void janitor_main(int pipe_fd, const int *parents, const char *const *names,
				   size_t n)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU };
	char byte;
	ssize_t got;

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	(void)prctl(PR_SET_NAME, "veneer-janitor");
	while ((got = read(pipe_fd, &byte, 1)) < 0 && errno == EINTR)
		;
	for (size_t i = 0; got != 1 && i < n; i++)
		vn_remove_tree(parents[i], names[i]);
	_exit(0);
}

int janitor_start(struct janitor *j, const int *parents, const char *const *names, size_t n,
		  struct vn_error *err)
{
	int p[2];
	pid_t pid;

	j->pid = 0;
	j->pipe_fd = -1;
	j->parents = parents;
	j->names = names;
	j->n = n;
	if (n == 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return vn_fail(err, errno, "start the process that removes the throwaway upper");
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return vn_fail(err, e, "start the process that removes the throwaway upper");
	}
	if (pid == 0) {
		close(p[1]);
		janitor_main(p[0], parents, names, n);
	}
	close(p[0]);
	j->pid = pid;
	j->pipe_fd = p[1];
	return 0;
}

/* The supervisor removes the trees itself, and does not wait for the
 * janitor's exit: a fork of the supervisor, its exit tears down a copy of
 * the supervisor's memory, which cost a run ~0.3 ms before it could
 * return.  The janitor is reaped by whoever inherits it. */
void janitor_finish(struct janitor *j)
{
	if (j->pid <= 0)
		return;
	for (size_t i = 0; i < j->n; i++)
		vn_remove_tree(j->parents[i], j->names[i]);
	while (write(j->pipe_fd, "x", 1) < 0 && errno == EINTR)
		;
	close(j->pipe_fd);
	j->pid = 0;
	j->pipe_fd = -1;
}
