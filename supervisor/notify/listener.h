/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp user-notification backend: the listener's workers receive
 * calls, hand them to the dispatcher and send its answers (replies, ADDFD).
 */
#ifndef VENEER_LISTENER_H
#define VENEER_LISTENER_H

#include <linux/seccomp.h>

#include "calls/call.h"

/* Debian 12's headers predate these (Linux 6.6). */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Answer the calls of `listener` (the caller keeps it open) with up to
 * nworkers workers: 0 or -errno. */
int notify_start(struct call_ctx *ctx, int listener, int nworkers);
/* Stop and join the workers (init is gone: no call will come). */
void notify_stop(struct call_ctx *ctx);

#endif
