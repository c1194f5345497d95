/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the policy parser (docs/fuzz.md, "The policy
 * parser"): any bytes go through policy_parse_bytes, the entry point of a
 * policy file's contents (size bound, UTF-8 and control checks, then the
 * key = value parser).  The sanitizers catch crashes, leaks and reads out
 * of bounds; the invariants below are what a parsed policy promises the
 * rest of veneer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexpath.h"
#include "veneer/policy.h"

static void broken(const char *what, size_t i)
{
	fprintf(stderr, "fuzz-policy: invariant broken: %s (host socket %zu)\n", what, i);
	abort();
}

static void check_host_sockets(const struct policy *p)
{
	if (p->nhost_sockets > POLICY_HOST_SOCKETS_MAX)
		broken("more host sockets than POLICY_HOST_SOCKETS_MAX", p->nhost_sockets);
	for (size_t i = 0; i < p->nhost_sockets; i++) {
		const char *path = p->host_sockets[i];
		char canon[POLICY_SOCKET_PATH_MAX];

		if (!memchr(path, '\0', POLICY_SOCKET_PATH_MAX))
			broken("a path without its NUL", i);
		if (path[0] != '/' || strcmp(path, "/") == 0)
			broken("a path that is not absolute, or the root", i);
		if (lexpath_canonical(path, canon, sizeof(canon)) < 0 || strcmp(canon, path) != 0)
			broken("a path that is not canonical", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->host_sockets[j], path) == 0)
				broken("a path stored twice", i);
	}
}

static void check_policy(const struct policy *p)
{
	if (p->network != POLICY_NETWORK_HOST && p->network != POLICY_NETWORK_NONE &&
	    p->network != POLICY_NETWORK_PRIVATE)
		broken("network out of range", 0);
	if (p->sys != POLICY_SYS_READ_ONLY && p->sys != POLICY_SYS_NONE)
		broken("sys out of range", 0);
	if (p->all_capabilities && p->capabilities != 0)
		broken("all capabilities and a list", 0);
	check_host_sockets(p);
}

/* One line, naming where: what veneer prints for any refusal. */
static void check_error(const struct vn_error *err)
{
	if (!err->msg[0] || strchr(err->msg, '\n') || strncmp(err->msg, "fuzz", 4) != 0)
		broken("an error message that is empty, not one line or does not name the input",
		       0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p;
	struct vn_error err = { 0 };

	memset(&p, 0xa5, sizeof(p));
	if (policy_parse_bytes((const char *)data, size, "fuzz", &p, &err) == 0)
		check_policy(&p);
	else
		check_error(&err);
	return 0;
}
