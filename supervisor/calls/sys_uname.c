/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uname(2), answered when the policy fixes what it reports (a build
 * policy's uname-release & co.): a build that records the kernel it ran
 * on records the policy's, not the host's.  Trapped only then.  The host
 * and domain names are the sandbox's own: the supervisor's threads share
 * the sandbox's UTS namespace (sandbox.c), so uname() here reads them as
 * the target set them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "calls.h"
#include "call.h"
#include "../target/target.h"
#include "veneer/policy.h"

/* value (at most POLICY_UNAME_MAX bytes: the policy checked) into a
 * field, the rest of it zeroed: no byte of the host's left behind. */
static void set_field(char *field, size_t size, const char *value)
{
	size_t n = strlen(value);

	if (!n)
		return;
	if (n > size - 1)
		n = size - 1;
	memset(field, 0, size);
	memcpy(field, value, n);
}

struct answer sys_uname(struct call *c)
{
	const struct policy *p = c->ctx->policy;
	struct utsname u;

	if (uname(&u) < 0)
		return answer_error(errno);
	set_field(u.release, sizeof(u.release), p->uname_release);
	set_field(u.version, sizeof(u.version), p->uname_version);
	set_field(u.machine, sizeof(u.machine), p->uname_machine);
	return answer_result(target_write(c, c->args[0], &u, sizeof(u)));
}
