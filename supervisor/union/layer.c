/* SPDX-License-Identifier: Apache-2.0 */
/* The layer stack: adding layers and passthrough mounts, and the one safe
 * way into a layer. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* An open of a file (not O_PATH, not a directory) must not block or have
 * a side effect in the supervisor: a layer can change under the union (a
 * --bind inside lower / writes it), so what was a regular file when it was
 * looked up may be a FIFO, which would stall the worker and every call
 * waiting on the union lock, or a terminal, which would become our
 * controlling one.  Opened non-blocking and without a controlling tty,
 * anything but a file or directory is refused (ESTALE: the union changed
 * under the call), and O_NONBLOCK is taken back off unless asked for. */
static int opened_file_check(int fd, int flags)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		close(fd);
		return -ESTALE;
	}
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK & ~O_ACCMODE) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

int union_openat_beneath(int dirfd, const char *rel, int flags)
{
	bool file = !(flags & (O_PATH | O_DIRECTORY));
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | (file ? O_NONBLOCK | O_NOCTTY : 0)),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	int fd;

	do {
		fd = (int)syscall(SYS_openat2, dirfd, rel[0] ? rel : ".", &how, sizeof(how));
	} while (fd < 0 && errno == EAGAIN);
	if (fd < 0)
		return -errno;
	return file ? opened_file_check(fd, flags) : fd;
}

int vn_openat_beneath(int dirfd, const char *rel, int flags)
{
	return union_openat_beneath(dirfd, rel, flags);
}

/* FNV-1a: names and paths into hash tables. */
uint64_t union_hash_n(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

uint64_t union_hash(const char *s)
{
	return union_hash_n(s, strlen(s));
}

const char *vn_rel(const char *union_path)
{
	while (*union_path == '/')
		union_path++;
	return union_path;
}

int union_join(char *out, size_t size, const char *dir, const char *name)
{
	int n;

	if (strcmp(dir, "/") == 0)
		n = snprintf(out, size, "/%s", name);
	else
		n = snprintf(out, size, "%s/%s", dir, name);
	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

bool union_layer_masks(const struct vn_layer *layer, const char *union_path)
{
	return layer->masked && strcmp(layer->masked, vn_rel(union_path)) == 0;
}

int vn_fd_path(int fd, char *out, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return (int)n;
}

int vn_union_add_layer(struct vn_union *u, int root_fd, const char *host_path, bool writable)
{
	char real[PATH_MAX];
	struct stat st;
	struct vn_layer *layer;
	int r;

	if (u->nlayers >= VN_MAX_LAYERS)
		return -E2BIG;
	if (fstat(root_fd, &st) < 0)
		return -errno;
	layer = &u->layers[u->nlayers];
	layer->root_fd = root_fd;
	r = vn_fd_path(root_fd, real, sizeof(real));
	if (r < 0)
		return r;
	layer->host_path = strdup(host_path);
	layer->real_root = strdup(real);
	if (!layer->host_path || !layer->real_root) {
		free(layer->host_path);
		free(layer->real_root);
		return -ENOMEM;
	}
	layer->writable = writable;
	layer->dev = st.st_dev;
	layer->masked = NULL;
	u->nlayers++;
	return 0;
}

int vn_union_add_passthrough(struct vn_union *u, const char *path)
{
	struct vn_passthrough *grown;

	grown = realloc(u->passthrough, (u->npassthrough + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	u->passthrough = grown;
	grown[u->npassthrough].path = strdup(path);
	if (!grown[u->npassthrough].path)
		return -ENOMEM;
	u->npassthrough++;
	return 0;
}

const struct vn_passthrough *vn_union_passthrough_at(const struct vn_union *u, const char *path)
{
	for (size_t i = 0; i < u->npassthrough; i++)
		if (strcmp(u->passthrough[i].path, path) == 0)
			return &u->passthrough[i];
	return NULL;
}

const struct vn_passthrough *vn_union_passthrough_under(const struct vn_union *u, const char *path)
{
	for (size_t i = 0; i < u->npassthrough; i++) {
		size_t n = strlen(u->passthrough[i].path);

		if (strncmp(u->passthrough[i].path, path, n) == 0 && (path[n] == '/' || !path[n]))
			return &u->passthrough[i];
	}
	return NULL;
}

void vn_union_release(struct vn_union *u)
{
	union_dircache_free(u);
	union_precopies_free(u);
	vn_shadow_release(u); /* before the owners: it forgets its records */
	vn_owners_release(u);
	union_state_close(u);
	for (size_t i = 0; i < u->nlayers; i++) {
		if (u->layers[i].root_fd >= 0)
			close(u->layers[i].root_fd);
		free(u->layers[i].host_path);
		free(u->layers[i].real_root);
		free(u->layers[i].masked);
	}
	u->nlayers = 0;
	for (size_t i = 0; i < u->npassthrough; i++)
		free(u->passthrough[i].path);
	free(u->passthrough);
	u->passthrough = NULL;
	u->npassthrough = 0;
	vn_view_close(u);
}

void vn_union_read_lock(struct vn_union *u)
{
	pthread_rwlock_rdlock(&u->lock);
}

void vn_union_write_lock(struct vn_union *u)
{
	pthread_rwlock_wrlock(&u->lock);
}

void vn_union_unlock(struct vn_union *u)
{
	pthread_rwlock_unlock(&u->lock);
}

int vn_layer_path_to_union(struct vn_union *u, const char *host_path, char *out, size_t size,
			   int *layer)
{
	for (size_t i = 0; i < u->nlayers; i++) {
		char root[PATH_MAX];
		/* read again: a namespaced supervisor's stage may move */
		int n = vn_fd_path(u->layers[i].root_fd, root, sizeof(root));
		size_t len;

		if (n <= 0)
			continue;
		len = (size_t)n;
		if (strcmp(root, "/") == 0)
			len = 0;
		if (strncmp(host_path, root, len) != 0 || (host_path[len] != '/' && host_path[len] != '\0'))
			continue;
		if (snprintf(out, size, "%s", host_path[len] ? host_path + len : "/") >= (int)size)
			return -ENAMETOOLONG;
		if (layer)
			*layer = (int)i;
		return 1;
	}
	return 0;
}
