/* SPDX-License-Identifier: Apache-2.0 */
/* The policy's steps on the child side: loopback in a new network
 * namespace, waiting for pasta to connect it, and the capabilities root keeps inside. */
#define _GNU_SOURCE
#include <cap-ng.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tracee.h"

int tracee_loopback_up(const struct tracee_config *cfg)
{
	struct ifreq ifr;
	int fd, r = 0;

	if (cfg->policy->network == POLICY_NETWORK_HOST)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "veneer: bring up loopback: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		r = -1;
	} else {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = -1;
	}
	if (r < 0)
		fprintf(stderr, "veneer: bring up loopback: %s\n", strerror(errno));
	close(fd);
	return r;
}

/* Under `network = private` the supervisor starts pasta on our network
 * namespace once we exist, and sends one byte when pasta has configured
 * it: nothing of the command may run before its network is there. */
int tracee_wait_for_network(const struct tracee_config *cfg)
{
	char ready;
	ssize_t n;

	if (cfg->policy->network != POLICY_NETWORK_PRIVATE)
		return 0;
	do
		n = recv(cfg->sock, &ready, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		return 0;
	/* the supervisor said why, or died: quietly */
	if (n < 0)
		fprintf(stderr, "veneer: wait for the sandbox's network: %s\n", strerror(errno));
	return -1;
}

int tracee_drop_capabilities(const struct tracee_config *cfg)
{
	const struct policy *p = cfg->policy;

	if (p->all_capabilities)
		return 0;
	capng_clear(CAPNG_SELECT_BOTH);
	for (int cap = 0; cap <= CAP_LAST_CAP && cap < 64; cap++)
		if ((p->capabilities & (1ull << cap)) &&
		    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE |
				 CAPNG_BOUNDING_SET, (unsigned)cap) < 0) {
			fprintf(stderr, "veneer: keep capability %s: refused\n",
				capng_capability_to_name((unsigned)cap));
			return -1;
		}
	if (capng_apply(CAPNG_SELECT_BOTH) < 0) {
		fprintf(stderr, "veneer: drop capabilities (policy %s): refused\n", p->path);
		return -1;
	}
	return 0;
}
