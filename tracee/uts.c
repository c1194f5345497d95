/* SPDX-License-Identifier: Apache-2.0 */
/* The sandbox has a UTS namespace of its own: the host's name and NIS
 * domain name, copied in by the kernel, unless --hostname or the policy
 * gives others. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tracee.h"

int tracee_set_hostname(const struct tracee_config *cfg)
{
	const char *domain = cfg->policy->domainname;

	if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0) {
		fprintf(stderr, "veneer: set the host name %s: %s\n", cfg->hostname, strerror(errno));
		return -1;
	}
	if (domain[0] && setdomainname(domain, strlen(domain)) < 0) {
		fprintf(stderr, "veneer: set the domain name %s: %s\n", domain, strerror(errno));
		return -1;
	}
	return 0;
}
