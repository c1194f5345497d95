/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VENEER_DEVICES_H
#define VENEER_DEVICES_H

#include <stddef.h>

/* The host's device nodes the sandbox may open: its /dev binds them
 * (tracee/mounts.c), and a layer's node of the same number is rendered as
 * the host's (union/render.c), so a chroot's own dev/null works. */
static const char *const vn_sandbox_devices[] = { "null", "zero", "full", "random", "urandom", "tty" };
#define VN_SANDBOX_DEVICES (sizeof(vn_sandbox_devices) / sizeof(vn_sandbox_devices[0]))

#endif
