/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "veneer/fdpass.h"

union fd_control {
	char buf[CMSG_SPACE(sizeof(int) * VN_FDS_MAX)];
	struct cmsghdr align;
};

static void fd_message(struct msghdr *msg, struct iovec *iov, void *data, size_t len,
		       union fd_control *control, size_t nfds)
{
	iov->iov_base = data;
	iov->iov_len = len;
	memset(msg, 0, sizeof(*msg));
	memset(control, 0, sizeof(*control));
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	if (nfds) {
		msg->msg_control = control->buf;
		msg->msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
	}
}

int vn_send_msg(int sock, const void *data, size_t len, const int *fds, size_t nfds)
{
	struct iovec iov;
	union fd_control control;
	struct msghdr msg;
	struct cmsghdr *cmsg;

	if (len == 0 || nfds > VN_FDS_MAX)
		return -EINVAL;
	fd_message(&msg, &iov, (void *)data, len, &control, nfds);
	if (nfds) {
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

ssize_t vn_recv_msg(int sock, void *buf, size_t size, int *fds, size_t *nfds)
{
	struct iovec iov;
	union fd_control control;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	ssize_t len;

	*nfds = 0;
	fd_message(&msg, &iov, buf, size, &control, VN_FDS_MAX);
	do {
		len = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (len < 0 && errno == EINTR);
	if (len < 0)
		return -errno;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
			*nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds, CMSG_DATA(cmsg), sizeof(int) * *nfds);
		}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		for (size_t i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		return -EBADMSG;
	}
	return len;
}

int vn_send_fds(int sock, const int *fds, size_t n)
{
	return n ? vn_send_msg(sock, "F", 1, fds, n) : -EINVAL;
}

int vn_recv_fds(int sock, int *fds, size_t n)
{
	int got[VN_FDS_MAX];
	size_t ngot;
	char data;
	ssize_t len = vn_recv_msg(sock, &data, 1, got, &ngot);

	if (len <= 0)
		return len == 0 ? 0 : (int)len;
	if (ngot != n) { /* not the message expected: none of its fds kept */
		for (size_t i = 0; i < ngot; i++)
			close(got[i]);
		return -EBADMSG;
	}
	memcpy(fds, got, sizeof(int) * n);
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
