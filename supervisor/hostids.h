/* SPDX-License-Identifier: Apache-2.0 */
/* A helper left in the host's user namespace that tells real owners. */
#ifndef VENEER_HOSTIDS_H
#define VENEER_HOSTIDS_H

#include <pthread.h>
#include <sys/types.h>

#include "veneer/union.h"

struct host_ids {
	pid_t pid;
	int sock;
	pthread_mutex_t lock;
	int cpu;              /* where the helper is kept: the asker's last CPU, or -1 */
};

/* Fork the helper; call while still in the host's user namespace. */
int host_ids_start(struct host_ids *h);
void host_ids_stop(struct host_ids *h);
/* vn_host_owner_fn: the host's owner of dirfd/name ("" for dirfd). */
int host_ids_owner(void *arg, int dirfd, const char *name, uid_t *uid, gid_t *gid);
/* vn_host_dir_owners_fn: the host's owners of every entry of dirfd. */
int host_ids_dir_owners(void *arg, int dirfd, struct vn_host_owner **out);

#endif
