/* SPDX-License-Identifier: Apache-2.0 */
/* Passing fds over a unix socket: the seccomp listener, child to parent;
 * the sandbox's layout (its upper and skeleton), parent to child; the
 * trees the janitor removes, supervisor to janitor. */
#ifndef VENEER_FDPASS_H
#define VENEER_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#define VN_FDS_MAX 4

/* One message: len (> 0) bytes of data and nfds (0 to VN_FDS_MAX) fds:
 * 0 on success, -errno on failure. */
int vn_send_msg(int sock, const void *data, size_t len, const int *fds, size_t nfds);
/* One message into buf (size bytes) and fds (room for VN_FDS_MAX, all
 * close-on-exec; *nfds of them): its length, 0 when the peer closed,
 * -EBADMSG for one cut short (whatever fds it had are closed), -errno. */
ssize_t vn_recv_msg(int sock, void *buf, size_t size, int *fds, size_t *nfds);

/* n fds (1 to VN_FDS_MAX) in one message: 0 on success, -errno. */
int vn_send_fds(int sock, const int *fds, size_t n);
/* One message of exactly n fds into fds: 1; 0 when the peer closed
 * without sending; -EBADMSG for a message of another count (whatever fds
 * it had are closed); -errno. */
int vn_recv_fds(int sock, int *fds, size_t n);
/* The same for one fd. */
int vn_send_fd(int sock, int fd);
int vn_recv_fd(int sock, int *fd);

#endif
