/* SPDX-License-Identifier: Apache-2.0 */
/* Landlock, as far as veneer uses it: the ABI version, and a ruleset that
 * scopes abstract AF_UNIX sockets (Linux 6.12).  Debian 12's headers
 * predate scoping, so the attribute is spelled out here. */
#ifndef VENEER_LANDLOCK_H
#define VENEER_LANDLOCK_H

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

#define VN_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define VN_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define VN_LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#define VN_LANDLOCK_ABI_SCOPE 6 /* the first ABI with `scoped` */

struct vn_landlock_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

/* The kernel's Landlock ABI version; 0 when it has no Landlock (or it is
 * not enabled among the LSMs). */
static inline int vn_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, VN_LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : (int)abi;
}

#endif
