/* SPDX-License-Identifier: Apache-2.0 */
/* Passing fds over a unix socket: the seccomp listener, child to parent;
 * the sandbox's layout (its upper and skeleton), parent to child. */
#ifndef VENEER_FDPASS_H
#define VENEER_FDPASS_H

#include <stddef.h>

/* n fds (1 to 4) in one message: 0 on success, -errno on failure. */
int vn_send_fds(int sock, const int *fds, size_t n);
/* One message of exactly n fds (close-on-exec) into fds: 1; 0 when the
 * peer closed without sending; -EBADMSG for a message of another count
 * (whatever fds it had are closed); -errno. */
int vn_recv_fds(int sock, int *fds, size_t n);
/* The same for one fd. */
int vn_send_fd(int sock, int fd);
int vn_recv_fd(int sock, int *fd);

#endif
