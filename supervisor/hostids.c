/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's answer for ids our user namespace does not map.  The kernel
 * shows a file's owner through the user namespace of whoever asks, so a
 * small helper forked before the supervisor leaves the host's namespace
 * keeps asking from there: it gets an fd (a layer object, from our side)
 * and a name, stats it without following symlinks, and says who owns it.
 * It only ever stats what it is handed, and exits with the supervisor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostids.h"

struct owner_reply {
	int32_t err;
	uint32_t uid, gid;
};

union fd_control {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

static void serve(int sock)
{
	for (;;) {
		char name[NAME_MAX + 2];
		union fd_control control = { 0 };
		struct iovec iov = { name, sizeof(name) - 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
		struct owner_reply reply = { .err = EBADMSG };
		struct cmsghdr *cmsg;
		struct stat st;
		ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		int fd = -1;

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			_exit(0); /* the supervisor is gone */
		}
		cmsg = CMSG_FIRSTHDR(&msg);
		if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
		name[n] = '\0';
		/* one byte "\0": the fd itself; a name never holds a slash */
		if (fd >= 0 && !strchr(name, '/')) {
			int flags = AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH);

			reply.err = fstatat(fd, name, &st, flags) < 0 ? errno : 0;
			reply.uid = st.st_uid;
			reply.gid = st.st_gid;
		}
		if (fd >= 0)
			close(fd);
		if (send(sock, &reply, sizeof(reply), MSG_NOSIGNAL) < 0)
			_exit(0);
	}
}

int host_ids_start(struct host_ids *h)
{
	int sv[2];
	pid_t parent = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	h->pid = fork();
	if (h->pid < 0) {
		int err = errno;

		close(sv[0]);
		close(sv[1]);
		return -err;
	}
	if (h->pid == 0) {
		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "veneer-ids");
		if (getppid() != parent)
			_exit(0);
		/* nothing of ours stays open in the helper but its socket */
		if (sv[1] > 3)
			syscall(SYS_close_range, 3, sv[1] - 1, 0);
		syscall(SYS_close_range, sv[1] + 1, ~0U, 0);
		serve(sv[1]);
	}
	close(sv[1]);
	h->sock = sv[0];
	pthread_mutex_init(&h->lock, NULL);
	return 0;
}

void host_ids_stop(struct host_ids *h)
{
	if (h->sock < 0)
		return;
	close(h->sock);
	h->sock = -1;
	waitpid(h->pid, NULL, 0);
	pthread_mutex_destroy(&h->lock);
}

static int ask(struct host_ids *h, int dirfd, const char *name, struct owner_reply *reply)
{
	union fd_control control = { 0 };
	struct iovec iov = { (void *)(name[0] ? name : ""), name[0] ? strlen(name) : 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &dirfd, sizeof(int));
	if (sendmsg(h->sock, &msg, MSG_NOSIGNAL) < 0)
		return -errno;
	if (recv(h->sock, reply, sizeof(*reply), 0) != (ssize_t)sizeof(*reply))
		return -EIO;
	return 0;
}

int host_ids_owner(void *arg, int dirfd, const char *name, uid_t *uid, gid_t *gid)
{
	struct host_ids *h = arg;
	struct owner_reply reply;
	int r;

	pthread_mutex_lock(&h->lock);
	r = ask(h, dirfd, name, &reply);
	pthread_mutex_unlock(&h->lock);
	if (r < 0)
		return r;
	if (reply.err)
		return -reply.err;
	*uid = reply.uid;
	*gid = reply.gid;
	return 0;
}
