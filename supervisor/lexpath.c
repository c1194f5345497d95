/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lexical canonicalisation, for names that are compared or checked before
 * anything is looked up (--bind destinations against the reserved mount
 * points, a policy's host-sockets against the paths a target connects to):
 * "/usr/../proc" must be refused as "/proc" is, and "/a//b/" must be the
 * "/a/b" that the union resolves.
 */
#include <errno.h>
#include <string.h>

#include "lexpath.h"

/* Drop the last component of out[0..*len) ("/a/b" -> "/a", "/a" -> ""). */
static void drop_last(const char *out, size_t *len)
{
	while (*len > 0 && out[*len - 1] != '/')
		(*len)--;
	if (*len > 0)
		(*len)--;
}

int lexpath_canonical(const char *path, char *out, size_t size)
{
	size_t len = 0; /* out[0..len) is "/name/name", "" for the root */
	const char *p = path;

	if (path[0] != '/')
		return -EINVAL;
	if (size < 2)
		return -ENAMETOOLONG;
	while (*p) {
		const char *name;
		size_t n;

		while (*p == '/')
			p++;
		name = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - name);
		if (n == 0 || (n == 1 && name[0] == '.'))
			continue;
		if (n == 2 && name[0] == '.' && name[1] == '.') {
			drop_last(out, &len);
			continue;
		}
		if (len + 1 + n >= size)
			return -ENAMETOOLONG;
		out[len++] = '/';
		memcpy(out + len, name, n);
		len += n;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}
