/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Abstract AF_UNIX sockets belong to the network namespace, not to the
 * file system: under `network = host` the host's (X11's
 * @/tmp/.X11-unix/X0, some D-Bus buses) would be one connect away, and
 * the union never sees them.  A Landlock domain scoped to abstract
 * sockets (Linux 6.12, Landlock ABI 6) lets the sandbox's processes reach
 * only abstract sockets made inside it.  It needs no privilege and
 * handles no file access: the union stays the supervisor's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracee.h"
#include "veneer/landlock.h"

int tracee_scope_abstract_sockets(void)
{
	struct vn_landlock_ruleset_attr attr = { .scoped = VN_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET };
	int fd;

	if (vn_landlock_abi() < VN_LANDLOCK_ABI_SCOPE)
		return 0; /* said by `veneer doctor`; nothing to scope with */
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0) {
		fprintf(stderr, "veneer: scope abstract sockets (Landlock): %s\n", strerror(errno));
		return -errno;
	}
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		int err = errno;

		close(fd);
		fprintf(stderr, "veneer: scope abstract sockets (Landlock): %s\n", strerror(err));
		return -err;
	}
	close(fd);
	return 0;
}
