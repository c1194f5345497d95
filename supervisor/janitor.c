/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The janitor (janitor.h) is forked before the trees it removes are made,
 * and is handed each one (its parent directory's fd and its name) over a
 * socket whose other end only the supervisor holds (init, cloned after
 * it, closes its copy first thing, and close-on-exec keeps it from any
 * program run):
 * end-of-file means the supervisor is gone without its clean-up, and the
 * janitor removes the trees; a message without an fd, that the supervisor
 * removed them itself.  Either way it then exits.  It ignores the signals
 * a terminal or a group kill sends, so a Ctrl-C that ends the run does
 * not end it first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "janitor.h"
#include "veneer/fdpass.h"
#include "veneer/union.h"

#define DONE "x"

static _Noreturn void janitor_main(int sock)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU };
	int parents[JANITOR_MAX];
	char names[JANITOR_MAX][NAME_MAX + 1];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	(void)prctl(PR_SET_NAME, "veneer-janitor");
	for (;;) {
		char name[NAME_MAX + 1];
		int fds[VN_FDS_MAX];
		size_t nfds;
		ssize_t len = vn_recv_msg(sock, name, sizeof(name) - 1, fds, &nfds);

		if (len == 0)
			break; /* the supervisor is gone: ours to remove */
		if (len == -EBADMSG)
			continue; /* a message cut short: none of ours */
		if (len < 0)
			_exit(1); /* cannot tell: removing under a live supervisor would be worse */
		if (nfds == 0)
			_exit(0); /* DONE: the supervisor removed them */
		name[len] = '\0';
		if (nfds == 1 && n < JANITOR_MAX && !strchr(name, '/') && strcmp(name, ".") &&
		    strcmp(name, "..")) {
			parents[n] = fds[0];
			memcpy(names[n++], name, (size_t)len + 1);
			continue;
		}
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
	}
	for (size_t i = 0; i < n; i++)
		vn_remove_tree(parents[i], names[i]);
	_exit(0);
}

int janitor_start(struct janitor *j, struct vn_error *err)
{
	int s[2];
	pid_t pid;

	j->pid = 0;
	j->sock = -1;
	j->n = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s) < 0)
		return vn_fail(err, errno, "start the process that removes the throwaway upper");
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(s[0]);
		close(s[1]);
		return vn_fail(err, e, "start the process that removes the throwaway upper");
	}
	if (pid == 0) {
		close(s[0]);
		janitor_main(s[1]);
	}
	close(s[1]);
	j->pid = pid;
	j->sock = s[0];
	return 0;
}

/* The directory that holds path, opened: the fd, or -1 with err set. */
static int open_parent(struct janitor *j, const char *path, struct vn_error *err)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (j->n == JANITOR_MAX || !slash || !slash[1] || strlen(slash + 1) > NAME_MAX)
		return vn_fail(err, EINVAL, "remove %s at exit", path);
	snprintf(parent, sizeof(parent), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? vn_fail(err, errno, "open %s", parent) : fd;
}

/* Send path (made, in the directory open at parent) and record it: 0;
 * or -1 with err set, nothing recorded and parent closed. */
static int hand_over(struct janitor *j, int parent, const char *path, struct vn_error *err)
{
	const char *name = strrchr(path, '/') + 1;
	size_t len = strlen(name);
	int r = vn_send_msg(j->sock, name, len, &parent, 1);

	if (r < 0) {
		close(parent);
		return vn_fail(err, -r, "hand %s to the process that removes it", path);
	}
	j->parents[j->n] = parent;
	memcpy(j->names[j->n++], name, len + 1);
	return 0;
}

int janitor_mkdtemp(struct janitor *j, char *template, struct vn_error *err)
{
	int parent = open_parent(j, template, err);

	if (parent < 0)
		return -1;
	/* the parent is open first: from the mkdir to the janitor's
	 * having it, only the send */
	if (!mkdtemp(template)) {
		int e = errno;

		close(parent);
		return vn_fail(err, e, "create %s", template);
	}
	if (hand_over(j, parent, template, err) < 0) {
		(void)rmdir(template); /* empty yet */
		return -1;
	}
	return 0;
}

int janitor_add(struct janitor *j, const char *path, struct vn_error *err)
{
	int parent = open_parent(j, path, err);

	return parent < 0 ? -1 : hand_over(j, parent, path, err);
}

/* The supervisor removes the trees itself, and does not wait for the
 * janitor's exit: a fork of the supervisor, its exit tears down a copy of
 * the supervisor's memory, which cost a run ~0.3 ms before it could
 * return.  The janitor is reaped by whoever inherits it. */
void janitor_finish(struct janitor *j)
{
	for (size_t i = 0; i < j->n; i++)
		vn_remove_tree(j->parents[i], j->names[i]);
	if (j->sock >= 0)
		(void)vn_send_msg(j->sock, DONE, 1, NULL, 0);
	janitor_release(j);
}

void janitor_release(struct janitor *j)
{
	for (size_t i = 0; i < j->n; i++)
		close(j->parents[i]);
	j->n = 0;
	if (j->sock >= 0)
		close(j->sock);
	j->sock = -1;
	j->pid = 0;
}
