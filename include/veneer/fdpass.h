/* SPDX-License-Identifier: Apache-2.0 */
/* Passing one fd over a unix socket (the seccomp listener, child to parent). */
#ifndef VENEER_FDPASS_H
#define VENEER_FDPASS_H

/* 0 on success, -errno on failure. */
int vn_send_fd(int sock, int fd);
/* The fd (close-on-exec), 0 when the peer closed without sending, -errno. */
int vn_recv_fd(int sock, int *fd);

#endif
