/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "veneer/fdpass.h"

/* a message carries up to FDS_MAX fds (the sandbox's layout: two) */
#define FDS_MAX 4

union fd_control {
	char buf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
	struct cmsghdr align;
};

static void fd_message(struct msghdr *msg, struct iovec *iov, char *data, union fd_control *control,
		       size_t n)
{
	iov->iov_base = data;
	iov->iov_len = 1;
	memset(msg, 0, sizeof(*msg));
	memset(control, 0, sizeof(*control));
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	msg->msg_control = control->buf;
	msg->msg_controllen = CMSG_SPACE(sizeof(int) * n);
}

int vn_send_fds(int sock, const int *fds, size_t n)
{
	char data = 'F';
	struct iovec iov;
	union fd_control control;
	struct msghdr msg;
	struct cmsghdr *cmsg;

	if (n == 0 || n > FDS_MAX)
		return -EINVAL;
	fd_message(&msg, &iov, &data, &control, n);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n);
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

int vn_recv_fds(int sock, int *fds, size_t n)
{
	char data;
	struct iovec iov;
	union fd_control control;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	size_t got;
	ssize_t len;

	if (n == 0 || n > FDS_MAX)
		return -EINVAL;
	fd_message(&msg, &iov, &data, &control, FDS_MAX);
	do {
		len = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (len < 0 && errno == EINTR);
	if (len <= 0)
		return len == 0 ? 0 : -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	got = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	if (got != n) { /* not the message expected: none of its fds kept */
		int extra[FDS_MAX];

		memcpy(extra, CMSG_DATA(cmsg), sizeof(int) * (got < FDS_MAX ? got : FDS_MAX));
		for (size_t i = 0; i < got && i < FDS_MAX; i++)
			close(extra[i]);
		return -EBADMSG;
	}
	memcpy(fds, CMSG_DATA(cmsg), sizeof(int) * n);
	return 1;
}

int vn_send_fd(int sock, int fd)
{
	return vn_send_fds(sock, &fd, 1);
}

int vn_recv_fd(int sock, int *fd)
{
	return vn_recv_fds(sock, fd, 1);
}
