/* SPDX-License-Identifier: Apache-2.0 */
/* `network = private`: the sandbox's own network namespace, connected to
 * the outside by pasta (Debian's passt), a user-mode network stack
 * running in the host's network namespace as the supervisor's child. */
#ifndef VENEER_NETWORK_H
#define VENEER_NETWORK_H

#include <stddef.h>
#include <sys/types.h>

#include "veneer/error.h"

/* What `network = private` needs, checked before anything is touched:
 * the host's pasta (the first executable `pasta` in the caller's PATH,
 * never one of a layer's), put in `pasta`, and a tap device the caller
 * may open. */
int network_check(char *pasta, size_t size, struct vn_error *err);

/* Start pasta on the network namespace of `init` and wait until it has
 * configured it (addresses, routes, the interface up). `stage` is a
 * directory of the supervisor's own for the readiness FIFO. Returns
 * pasta's pid. */
pid_t network_start(const char *pasta, pid_t init, const char *stage, struct vn_error *err);

/* pasta ends with the sandbox: killed and reaped. */
void network_stop(pid_t pasta);

#endif
