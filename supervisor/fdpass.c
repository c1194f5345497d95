/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "veneer/fdpass.h"

union fd_control {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

static void fd_message(struct msghdr *msg, struct iovec *iov, char *data, union fd_control *control)
{
	iov->iov_base = data;
	iov->iov_len = 1;
	memset(msg, 0, sizeof(*msg));
	memset(control, 0, sizeof(*control));
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	msg->msg_control = control->buf;
	msg->msg_controllen = sizeof(control->buf);
}

int vn_send_fd(int sock, int fd)
{
	char data = 'F';
	struct iovec iov;
	union fd_control control;
	struct msghdr msg;
	struct cmsghdr *cmsg;

	fd_message(&msg, &iov, &data, &control);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

int vn_recv_fd(int sock, int *fd)
{
	char data;
	struct iovec iov;
	union fd_control control;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	ssize_t n;

	fd_message(&msg, &iov, &data, &control);
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
	return 1;
}
