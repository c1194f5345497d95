/* SPDX-License-Identifier: Apache-2.0 */
/* Extended attributes of union objects, minus the layer format's own. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"

static bool is_format_xattr(const char *name)
{
	return strncmp(name, "trusted.overlay.", 16) == 0 ||
	       strncmp(name, "user.overlay.", 13) == 0;
}

/* xattr calls want a path or a readable fd; an O_PATH fd's /proc link
 * gives a path that cannot be swapped under us. */
static int node_proc_path(struct vn_union *u, const struct vn_node *node, char *proc,
			  size_t size)
{
	int fd = vn_open_node(u, node, O_PATH | O_NOFOLLOW);

	if (fd < 0)
		return fd;
	snprintf(proc, size, "/proc/self/fd/%d", fd);
	return fd;
}

ssize_t vn_getxattr(struct vn_union *u, const struct vn_node *node, const char *name,
		    void *value, size_t size)
{
	char proc[64];
	ssize_t n;
	int fd;

	if (is_format_xattr(name))
		return -ENODATA;
	n = union_getxattr_at(u, node, name, value, size);
	if (n != -ENOSYS)
		return n;
	fd = node_proc_path(u, node, proc, sizeof(proc));
	if (fd < 0)
		return fd;
	n = getxattr(proc, name, value, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

ssize_t vn_listxattr(struct vn_union *u, const struct vn_node *node, char *list, size_t size)
{
	char proc[64];
	char all[65536];
	ssize_t n, out = 0;
	int fd;

	fd = node_proc_path(u, node, proc, sizeof(proc));
	if (fd < 0)
		return fd;
	n = listxattr(proc, all, sizeof(all));
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(all + off) + 1) {
		size_t len = strlen(all + off) + 1;

		if (is_format_xattr(all + off))
			continue;
		if (size) {
			if ((size_t)out + len > size)
				return -ERANGE;
			memcpy(list + out, all + off, len);
		}
		out += (ssize_t)len;
	}
	return out;
}
