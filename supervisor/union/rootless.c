/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Owners kept in user.rootlesscontainers, the convention of umoci's
 * rootless unpack (and of runc and buildah rootless): every file of the
 * tree is the unpacking user's, and a file whose owner in the image is
 * not root carries the image's owner in this xattr, a protobuf message
 * `Resource { uint32 uid = 1; uint32 gid = 2; }` (an absent field is 0;
 * 2^32-1, "noop", keeps the file's own).  A layer unpacked so shows its
 * owners inside as the image has them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"

#define ROOTLESS_XATTR "user.rootlesscontainers"
#define ROOTLESS_NOOP UINT32_MAX

/* A protobuf varint at *p (below end): 0, or -EINVAL. */
static int read_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p == end)
			return -EINVAL;
		*v |= (uint64_t)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80))
			return 0;
	}
	return -EINVAL;
}

int vn_rootless_parse(const void *buf, size_t n, uint32_t *uid, uint32_t *gid)
{
	const unsigned char *p = buf, *end = p + n;

	*uid = *gid = 0;
	while (p < end) {
		uint64_t key, value;

		if (read_varint(&p, end, &key) < 0)
			return -EINVAL;
		/* fields 1 and 2 are varints; anything else is skipped as its
		 * wire type says (a newer message may add fields) */
		switch (key & 7) {
		case 0:
			if (read_varint(&p, end, &value) < 0)
				return -EINVAL;
			if (key >> 3 == 1)
				*uid = (uint32_t)value;
			else if (key >> 3 == 2)
				*gid = (uint32_t)value;
			break;
		case 1:
			if (end - p < 8)
				return -EINVAL;
			p += 8;
			break;
		case 2:
			if (read_varint(&p, end, &value) < 0 || value > (uint64_t)(end - p))
				return -EINVAL;
			p += value;
			break;
		case 5:
			if (end - p < 4)
				return -EINVAL;
			p += 4;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/* The xattr of dirfd/name ("" for dirfd itself), never following a
 * symlink: its length, or -errno (-ENODATA: none). */
static ssize_t read_rootless_xattr(int dirfd, const char *name, void *buf, size_t size)
{
	char path[64 + NAME_MAX];
	ssize_t n;

	/* dirfd may be O_PATH (no fgetxattr): the kernel's name of it */
	if ((size_t)snprintf(path, sizeof(path), "/proc/self/fd/%d%s%s", dirfd, name[0] ? "/" : "",
			     name) >= sizeof(path))
		return -ENAMETOOLONG;
	n = name[0] ? lgetxattr(path, ROOTLESS_XATTR, buf, size)
		    : getxattr(path, ROOTLESS_XATTR, buf, size);
	return n < 0 ? -errno : n;
}

/* A value longer than the usual message (a newer one with fields of
 * its own, or anyone's bytes): read whole, into *big (freed by the
 * caller).  Its length, or -errno. */
static ssize_t read_long_rootless_xattr(int dirfd, const char *name, unsigned char **big)
{
	ssize_t size = read_rootless_xattr(dirfd, name, NULL, 0), n;

	if (size < 0)
		return size;
	*big = malloc((size_t)size + 1);
	if (!*big)
		return -ENOMEM;
	n = read_rootless_xattr(dirfd, name, *big, (size_t)size + 1);
	return n == -ERANGE ? -EAGAIN : n; /* grown meanwhile: ask again */
}

int vn_rootless_owner_at(int dirfd, const char *name, const struct stat *st, uid_t *uid,
			 gid_t *gid)
{
	unsigned char buf[64], *big = NULL;
	uint32_t u, g;
	ssize_t n;
	int r;

	/* only files and directories carry user xattrs; and a symlink's
	 * name through /proc ("" for an fd of it) must not be followed */
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return 0;
	n = read_rootless_xattr(dirfd, name, buf, sizeof(buf));

	/* over 64 bytes was ERANGE, and the object's stat failed with it */
	for (int tries = 0; n == -ERANGE && tries < 3; tries++) {
		free(big);
		big = NULL;
		n = read_long_rootless_xattr(dirfd, name, &big);
		if (n == -EAGAIN)
			n = -ERANGE;
	}
	if (n == -ENODATA || n == -ENOTSUP || n == -EOPNOTSUPP || n == -EPERM || n == -ERANGE) {
		free(big);
		return 0; /* none (symlinks, FIFOs: no user xattrs at all) */
	}
	if (n < 0) {
		free(big);
		return (int)n;
	}
	r = vn_rootless_parse(big ? big : buf, (size_t)n, &u, &g);
	free(big);
	if (r < 0)
		return 0; /* not the message: not an owner of ours to show */
	if (u != ROOTLESS_NOOP)
		*uid = u;
	if (g != ROOTLESS_NOOP)
		*gid = g;
	return 1;
}

/* Whether a name of directory dirfd (at most `budget` of them, counted
 * down) carries the xattr. */
static bool dir_has_rootless(int dirfd, int *budget)
{
	DIR *d = fdopendir(openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && *budget > 0 && (de = readdir(d))) {
		unsigned char buf[64];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		(*budget)--;
		found = read_rootless_xattr(dirfd, de->d_name, buf, sizeof(buf)) >= 0;
	}
	closedir(d);
	return found;
}

bool vn_layer_keeps_rootless_owners(int root_fd)
{
	/* not a whole walk: the root, its names and /etc's (a Debian or
	 * Fedora root has a non-root group there: shadow, /etc/gshadow) */
	static const char *const dirs[] = { "", "etc" };
	int budget = 4096;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		int fd = vn_openat_beneath(root_fd, dirs[i], O_PATH | O_DIRECTORY);
		bool found;

		if (fd < 0)
			continue;
		found = (!dirs[i][0] && read_rootless_xattr(fd, "", (unsigned char[64]){ 0 }, 64) >= 0) ||
			dir_has_rootless(fd, &budget);
		close(fd);
		if (found)
			return true;
	}
	return false;
}
