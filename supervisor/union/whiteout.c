/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whiteouts and opaque directories, in both formats a layer may use:
 *  - OCI/AUFS: a file ".wh.NAME" hides NAME; ".wh..wh..opq" makes its
 *    directory opaque (the upper is always written this way);
 *  - overlayfs: a 0/0 character device named NAME hides NAME; the xattr
 *    trusted.overlay.opaque or user.overlay.opaque = "y" makes a
 *    directory opaque.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"

static const char *const opaque_xattrs[] = {
	"user.overlay.opaque",
	"trusted.overlay.opaque",
};

bool union_is_reserved_name(const char *name)
{
	return strncmp(name, VN_WH_PREFIX, strlen(VN_WH_PREFIX)) == 0;
}

bool union_is_whiteout_stat(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

int union_has_oci_whiteout(int dirfd, const char *name)
{
	char wh[NAME_MAX + 8];
	struct stat st;

	if (strlen(name) > NAME_MAX - strlen(VN_WH_PREFIX) ||
	    snprintf(wh, sizeof(wh), VN_WH_PREFIX "%s", name) >= (int)sizeof(wh))
		return 0; /* a name that long cannot have a whiteout */
	if (fstatat(dirfd, wh, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	return (errno == ENOENT || errno == ENOTDIR) ? 0 : -errno;
}

static ssize_t dir_getxattr(int dirfd, const char *name, char *value, size_t size)
{
	ssize_t n = fgetxattr(dirfd, name, value, size);
	char proc[64];

	if (n >= 0 || errno != EBADF)
		return n;
	/* An O_PATH fd (a directory we may search but not read). */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
	return getxattr(proc, name, value, size);
}

int union_dir_is_opaque(int dirfd)
{
	struct stat st;
	char value[4];

	if (fstatat(dirfd, VN_WH_OPAQUE, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	if (errno != ENOENT)
		return -errno;
	for (size_t i = 0; i < sizeof(opaque_xattrs) / sizeof(opaque_xattrs[0]); i++) {
		ssize_t n = dir_getxattr(dirfd, opaque_xattrs[i], value, sizeof(value));

		if (n == 1 && value[0] == 'y')
			return 1;
	}
	return 0;
}

/* A name too long for ".wh." + NAME to fit NAME_MAX is whited out the
 * overlayfs way: a 0/0 character device under the name itself (which a
 * user namespace may make since Linux 5.8). */
bool union_whiteout_is_inline(const char *name)
{
	return strlen(name) > NAME_MAX - strlen(VN_WH_PREFIX);
}

static int inline_whiteout_at(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	return union_is_whiteout_stat(&st);
}

int union_has_whiteout(int dirfd, const char *name)
{
	if (union_whiteout_is_inline(name))
		return inline_whiteout_at(dirfd, name);
	return union_has_oci_whiteout(dirfd, name);
}

/* For an inline whiteout the name must be free: the caller moved the
 * upper's entry away first. */
int union_whiteout_create(int dirfd, const char *name)
{
	char wh[NAME_MAX + 8];
	int fd;

	if (union_whiteout_is_inline(name)) {
		int r = inline_whiteout_at(dirfd, name);

		if (r != 0)
			return r < 0 ? r : 0;
		return mknodat(dirfd, name, S_IFCHR | 0000, makedev(0, 0)) < 0 ? -errno : 0;
	}
	snprintf(wh, sizeof(wh), VN_WH_PREFIX "%s", name);
	fd = openat(dirfd, wh, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	close(fd);
	return 0;
}

int union_whiteout_remove(int dirfd, const char *name)
{
	char wh[NAME_MAX + 8];

	if (union_whiteout_is_inline(name)) {
		int r = inline_whiteout_at(dirfd, name);

		if (r <= 0)
			return r;
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	}
	snprintf(wh, sizeof(wh), VN_WH_PREFIX "%s", name);
	if (unlinkat(dirfd, wh, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* The marker is the format's, not a change a user made: the directory
 * keeps its times. */
int union_opaque_mark(int dirfd)
{
	struct stat st;
	int fd;

	if (fstat(dirfd, &st) < 0)
		return -errno;
	fd = openat(dirfd, VN_WH_OPAQUE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	close(fd);
	if (utimensat(dirfd, "", (struct timespec[2]){ st.st_atim, st.st_mtim }, AT_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}
