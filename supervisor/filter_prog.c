/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compressors the layer tools pipe a tar through: Debian's own gzip
 * and zstd programs, spawned, never a library of ours (one less parser
 * of hostile input in veneer).  `veneer export --compress` writes through
 * one, `veneer import` reads through one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layer_tools.h"

int lt_spawn_filter(char *const argv[], int in, int out, int errfd, pid_t *pid,
		    const char *what, struct vn_error *err)
{
	posix_spawn_file_actions_t fa;
	int r = posix_spawn_file_actions_init(&fa);

	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
	if (r == 0 && errfd >= 0)
		r = posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
	if (r == 0)
		r = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r == ENOENT)
		return vn_fail(err, 0, "%s: no %s program on PATH (on Debian: apt-get install %s)", what,
			       argv[0], argv[0]);
	if (r != 0)
		return vn_fail(err, r, "%s: start %s", what, argv[0]);
	return 0;
}

/* What the status of a filter that ended says: 0, or -1 with err set. */
static int filter_status(const char *name, int status, const char *what, struct vn_error *err)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return vn_fail(err, 0, "%s: %s failed (exit status %d)", what, name,
			       WEXITSTATUS(status));
	return vn_fail(err, 0, "%s: %s was killed by signal %d", what, name, WTERMSIG(status));
}

int lt_reap_filter(const char *name, pid_t pid, const char *what, struct vn_error *err)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vn_fail(err, errno, "%s: wait for %s", what, name);
	return filter_status(name, status, what, err);
}

int lt_check_filter(const char *name, pid_t pid, const char *what, struct vn_error *err)
{
	siginfo_t info = { 0 };
	int status;

	/* WNOWAIT: told, not reaped (lt_reap_filter reaps it) */
	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR)
			return vn_fail(err, errno, "%s: wait for %s", what, name);
	status = info.si_code == CLD_EXITED ? W_EXITCODE(info.si_status, 0) : info.si_status;
	return filter_status(name, status, what, err);
}
