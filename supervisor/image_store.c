/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local image store (layout: image_store.h).  Everything is changed
 * under the store's lock held alone, and made where no reader looks
 * (layers/new-HEX, a ".tmp-" file) before it is renamed into place: a
 * crash leaves leftovers the next change removes, never half a layer or
 * half a reference under its name.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data_dir.h"
#include "image_store.h"
#include "veneer/cleanup.h"
#include "veneer/union.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
/* the name lt_import_tar builds a directory under, beside its place */
#define IMPORT_BESIDE ".veneer-import."

/* ---------------------------------------------------------- references */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Components of lowercase letters and digits, joined by one of . _ -
 * (or __), separated by single '/': so no "..", no empty component, and
 * '%' and ':' are free to encode a reference as a file name. */
static bool name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > IMAGE_NAME_MAX || name[len - 1] == '/' || name[0] == '/')
		return false;
	for (const char *p = name; *p; p++) {
		bool sep = *p == '.' || *p == '_' || *p == '-';

		if (*p == '/') {
			if (p[1] == '/' || !name_char(p[-1]) || p[-1] == '.' || p[-1] == '_' || p[-1] == '-')
				return false;
			continue;
		}
		if (!name_char(*p))
			return false;
		/* a component starts and ends with a letter or digit */
		if (sep && (p == name || p[-1] == '/' || p[1] == '\0' || p[1] == '/'))
			return false;
	}
	return true;
}

static bool tag_valid(const char *tag)
{
	size_t len = strlen(tag);

	if (len == 0 || len > IMAGE_TAG_MAX || tag[0] == '.' || tag[0] == '-')
		return false;
	for (const char *p = tag; *p; p++)
		if (!name_char(*p) && !(*p >= 'A' && *p <= 'Z'))
			return false;
	return true;
}

int image_ref_parse(const char *text, const char *default_tag, char name[IMAGE_NAME_MAX + 1],
		    char tag[IMAGE_TAG_MAX + 1], struct vn_error *err)
{
	const char *colon = strrchr(text, ':');
	size_t nlen = colon ? (size_t)(colon - text) : strlen(text);
	const char *t = colon ? colon + 1 : default_tag;

	if (nlen > IMAGE_NAME_MAX || strlen(t) > IMAGE_TAG_MAX)
		return vn_fail(err, 0, "image name '%.80s' is too long (at most %d for NAME, %d for "
			       "TAG)", text, IMAGE_NAME_MAX, IMAGE_TAG_MAX);
	memcpy(name, text, nlen);
	name[nlen] = '\0';
	strcpy(tag, t);
	if (!name_valid(name))
		return vn_fail(err, 0, "image name '%.80s' is not NAME[:TAG] with NAME of lowercase "
			       "letters, digits, '.', '_', '-' and '/' (as docker's)", text);
	if (!tag_valid(tag))
		return vn_fail(err, 0, "image tag '%.80s' is not letters, digits, '.', '_' and '-' "
			       "(at most %d)", tag, IMAGE_TAG_MAX);
	return 0;
}

/* refs/ holds NAME:TAG with each '/' of NAME as '%'. */
static void ref_file(const char *name, const char *tag, char *out, size_t size)
{
	size_t i;

	snprintf(out, size, "%s:%s", name, tag);
	for (i = 0; out[i] && out[i] != ':'; i++)
		if (out[i] == '/')
			out[i] = '%';
}

static bool ref_of_file(const char *file, struct image_ref *ref)
{
	char text[IMAGE_NAME_MAX + IMAGE_TAG_MAX + 2];
	struct vn_error ignored;

	if (strlen(file) >= sizeof(text) || !strchr(file, ':'))
		return false;
	strcpy(text, file);
	for (char *p = text; *p && *p != ':'; p++)
		if (*p == '%')
			*p = '/';
	return image_ref_parse(text, "", ref->name, ref->tag, &ignored) == 0;
}

/* --------------------------------------------------------------- paths */

static int make_store_dirs(int fd)
{
	static const char *const dirs[] = { "layers", "layers/sha256", "blobs", "blobs/sha256", "refs" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdirat(fd, dirs[i], 0700) < 0 && errno != EEXIST)
			return -errno;
	return 0;
}

int image_store_open(struct image_store *s, bool alone, bool create, struct vn_error *err)
{
	int r;

	s->fd = s->lock_fd = -1;
	s->path = data_dir_path("images", "the image store", err);
	if (!s->path)
		return -1;
	if (create && (r = data_dir_make(s->path)) < 0)
		return vn_fail(err, -r, "make the image store %s", s->path);
	s->fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->fd < 0 && errno == ENOENT && !create)
		return 0; /* no store yet: no image */
	if (s->fd < 0)
		return vn_fail(err, errno, "open the image store %s", s->path);
	if (create && (r = make_store_dirs(s->fd)) < 0)
		return vn_fail(err, -r, "make the image store %s", s->path);
	s->lock_fd = openat(s->fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock_fd < 0)
		return vn_fail(err, errno, "open the image store's lock %s/lock", s->path);
	while (flock(s->lock_fd, alone ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR)
			return vn_fail(err, errno, "lock the image store %s", s->path);
	return 0;
}

void image_store_close(struct image_store *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* the lock goes with it */
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	s->path = NULL;
	s->fd = s->lock_fd = -1;
}

void image_store_layer_path(const struct image_store *s, const char *hex, bool absolute,
			    char *path, size_t size)
{
	snprintf(path, size, "%s%slayers/sha256/%s", absolute ? s->path : "", absolute ? "/" : "", hex);
}

bool image_store_has_layer(const struct image_store *s, const char *hex)
{
	char path[128];
	struct stat st;

	image_store_layer_path(s, hex, false, path, sizeof(path));
	return s->fd >= 0 && fstatat(s->fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* ------------------------------------------------------------- writing */

/* dir/name holds data: written beside (".tmp-NAME"), synced, renamed. */
static int write_beside(int dirfd, const char *name, const char *data, size_t len)
{
	char tmp[NAME_MAX + 1];
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), ".tmp-%.200s", name);
	unlinkat(dirfd, tmp, 0); /* a crash's; we hold the lock */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	for (size_t done = 0; r == 0 && done < len;) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			done += (size_t)n;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	/* the name too is on disk before the next step relies on it */
	if (r == 0 && fsync(dirfd) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

static int open_subdir(const struct image_store *s, const char *sub)
{
	return openat(s->fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

int image_store_blob_write(struct image_store *s, const char *hex, const char *data, size_t len,
			   struct vn_error *err)
{
	cleanup_close int dir = open_subdir(s, "blobs/sha256");
	int r;

	if (dir < 0)
		return vn_fail(err, errno, "open %s/blobs/sha256", s->path);
	if (faccessat(dir, hex, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	r = write_beside(dir, hex, data, len);
	return r < 0 ? vn_fail(err, -r, "write %s/blobs/sha256/%s", s->path, hex) : 0;
}

int image_store_ref_write(struct image_store *s, const char *name, const char *tag,
			  const char *manifest_hex, struct vn_error *err)
{
	cleanup_close int dir = open_subdir(s, "refs");
	char file[IMAGE_NAME_MAX + IMAGE_TAG_MAX + 2], blob[96], *text = NULL;
	struct stat st;
	int r;

	if (dir < 0)
		return vn_fail(err, errno, "open %s/refs", s->path);
	/* the manifest's size, for its descriptor */
	snprintf(blob, sizeof(blob), "blobs/sha256/%.64s", manifest_hex);
	if (fstatat(s->fd, blob, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return vn_fail(err, errno, "stat %s/%s", s->path, blob);
	if (asprintf(&text, "{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"sha256:%s\",\"size\":%lld}\n",
		     manifest_hex, (long long)st.st_size) < 0)
		return vn_fail(err, ENOMEM, "write the reference");
	ref_file(name, tag, file, sizeof(file));
	r = write_beside(dir, file, text, strlen(text));
	free(text);
	return r < 0 ? vn_fail(err, -r, "write %s/refs/%s", s->path, file) : 0;
}

int image_store_ref_remove(struct image_store *s, const char *name, const char *tag,
			   struct vn_error *err)
{
	cleanup_close int dir = s->fd >= 0 ? open_subdir(s, "refs") : -1;
	char file[IMAGE_NAME_MAX + IMAGE_TAG_MAX + 2];

	ref_file(name, tag, file, sizeof(file));
	if (dir < 0 || unlinkat(dir, file, 0) < 0) {
		if (dir < 0 || errno == ENOENT)
			return vn_fail(err, 0, "no image %s:%s in the store; see `veneer image ls`", name,
				       tag);
		return vn_fail(err, errno, "remove %s/refs/%s", s->path, file);
	}
	if (fsync(dir) < 0)
		return vn_fail(err, errno, "sync %s/refs", s->path);
	return 0;
}

/* ------------------------------------------------------------- reading */

int image_store_load(struct image_store *s, const char *name, const char *tag,
		     struct oci_image *img, struct vn_error *err)
{
	struct oci_layout store = { .path = s->path, .fd = s->fd };
	char file[IMAGE_NAME_MAX + IMAGE_TAG_MAX + 8];
	cleanup_free char *text = NULL;
	struct json_error je = { 0 };
	struct json *ref;
	cleanup_close int fd = -1;
	ssize_t n;

	memset(img, 0, sizeof(*img));
	strcpy(file, "refs/");
	ref_file(name, tag, file + 5, sizeof(file) - 5);
	fd = s->fd >= 0 ? openat(s->fd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
	if (fd < 0 && (s->fd < 0 || errno == ENOENT))
		return vn_fail(err, 0, "no image %s:%s in the store; import one with `veneer image "
			       "import`, see `veneer image ls`", name, tag);
	if (fd < 0)
		return vn_fail(err, errno, "read %s/%s", s->path, file);
	text = malloc(512);
	n = text ? read(fd, text, 511) : -1;
	if (n < 0)
		return vn_fail(err, text ? errno : ENOMEM, "read %s/%s", s->path, file);
	ref = json_parse(text, (size_t)n, &je);
	if (!ref || oci_descriptor_parse(ref, "the reference", &img->manifest, err) < 0) {
		if (!ref)
			vn_fail(err, 0, "%s at byte %zu", je.msg, je.offset);
		json_free(ref);
		return vn_wrap(err, "image %s:%s: %s/%s is corrupt", name, tag, s->path, file);
	}
	img->manifest.media_type = "";
	json_free(ref);
	if (oci_image_read(&store, img, err) < 0)
		return vn_wrap(err, "image %s:%s in the store", name, tag);
	return 0;
}

static int compare_refs(const void *a, const void *b)
{
	const struct image_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->tag, y->tag);
}

int image_store_refs(struct image_store *s, struct image_ref **refs, size_t *n,
		     struct vn_error *err)
{
	int fd = s->fd >= 0 ? open_subdir(s, "refs") : -1;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	*refs = NULL;
	*n = 0;
	if (fd < 0 && (s->fd < 0 || errno == ENOENT))
		return 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return vn_fail(err, errno, "list %s/refs", s->path);
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			struct image_ref *grown = realloc(*refs, (cap = cap ? 2 * cap : 16) * sizeof(**refs));

			if (!grown) {
				closedir(d);
				return vn_fail(err, ENOMEM, "list the images");
			}
			*refs = grown;
		}
		if (ref_of_file(de->d_name, &(*refs)[*n]))
			(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(*refs, *n, sizeof(**refs), compare_refs);
	return 0;
}

/* ----------------------------------------------------------- collecting */

/* The digests every reference uses (layers' diff_ids, manifests and
 * configs): one string of "HEX\n" lines. */
struct live {
	char *hexes;
	size_t len;
};

static int live_add(struct live *l, const char *hex)
{
	char *grown = realloc(l->hexes, l->len + SHA256_HEX_SIZE + 1);

	if (!grown)
		return -1;
	l->hexes = grown;
	memcpy(l->hexes + l->len, hex, SHA256_HEX_SIZE - 1);
	l->hexes[l->len + SHA256_HEX_SIZE - 1] = '\n';
	l->len += SHA256_HEX_SIZE;
	l->hexes[l->len] = '\0';
	return 0;
}

static bool live_has(const struct live *l, const char *hex)
{
	for (size_t at = 0; at < l->len; at += SHA256_HEX_SIZE)
		if (strncmp(l->hexes + at, hex, SHA256_HEX_SIZE - 1) == 0)
			return true;
	return false;
}

/* A reference the store cannot read stops the collection: its layers
 * would be taken for garbage. */
static int live_of_refs(struct image_store *s, struct live *live, struct vn_error *err)
{
	cleanup_free struct image_ref *refs = NULL;
	size_t n;
	int r = image_store_refs(s, &refs, &n, err);

	for (size_t i = 0; r == 0 && i < n; i++) {
		struct oci_image img;

		if (image_store_load(s, refs[i].name, refs[i].tag, &img, err) < 0)
			return vn_wrap(err, "nothing removed from the store");
		r = live_add(live, img.manifest.hex) < 0 || live_add(live, img.config.hex) < 0 ? -1 : 0;
		for (size_t j = 0; r == 0 && j < img.nlayers; j++)
			r = live_add(live, img.diff_ids[j]);
		oci_image_free(&img);
		if (r < 0)
			return vn_fail(err, ENOMEM, "collect the image store");
	}
	return r;
}

static bool is_hex_name(const char *name)
{
	return strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64;
}

/* A layer no reference uses: renamed out of its place first, so that a
 * crash while it is removed leaves an "old-" leftover, not half a layer. */
static int remove_layer(int layers, int sha, const char *hex)
{
	char old[80];

	snprintf(old, sizeof(old), "old-%.64s", hex);
	if (renameat(sha, hex, layers, old) < 0)
		return -errno;
	vn_remove_tree(layers, old);
	return 0;
}

int image_store_remove_layer(struct image_store *s, const char *hex, struct vn_error *err)
{
	cleanup_close int layers = open_subdir(s, "layers");
	cleanup_close int sha = open_subdir(s, "layers/sha256");
	int r = layers < 0 || sha < 0 ? -errno : remove_layer(layers, sha, hex);

	return r < 0 ? vn_fail(err, -r, "remove layer %s/layers/sha256/%.64s", s->path, hex) : 0;
}

/* Whether a sandbox runs over the store's layers (holds "inuse" shared:
 * image_store_hold).  Asked under the store's lock held alone, so that
 * no run can start meanwhile (a run takes its hold under the lock). */
static bool store_in_use(struct image_store *s)
{
	cleanup_close int fd = openat(s->fd, "inuse", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

int image_store_hold(struct image_store *s, struct vn_error *err)
{
	int fd = openat(s->fd, "inuse", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return vn_fail(err, errno, "open %s/inuse", s->path);
	while (flock(fd, LOCK_SH) < 0)
		if (errno != EINTR) {
			vn_fail(err, errno, "hold %s/inuse", s->path);
			close(fd);
			return -1;
		}
	return fd;
}

/* The layers no reference uses: removed, or kept (*kept) while a
 * sandbox may run over them. */
static int collect_layers(struct image_store *s, const struct live *live, size_t *removed,
			  size_t *kept, struct vn_error *err)
{
	bool in_use = store_in_use(s);
	cleanup_close int layers = open_subdir(s, "layers");
	cleanup_close int sha = open_subdir(s, "layers/sha256");
	struct dirent *de;
	DIR *d;

	if (layers < 0 || sha < 0)
		return vn_fail(err, errno, "open %s/layers", s->path);
	/* leftovers of a removal cut short: ours, we hold the lock */
	d = fdopendir(dup(layers));
	while (d && (de = readdir(d)))
		if (strncmp(de->d_name, "old-", 4) == 0)
			vn_remove_tree(layers, de->d_name);
	if (d)
		closedir(d);
	d = fdopendir(dup(sha));
	if (!d)
		return vn_fail(err, errno, "list %s/layers/sha256", s->path);
	while ((de = readdir(d))) {
		int r;

		/* and of an unpacking cut short (import.c builds beside) */
		if (strncmp(de->d_name, IMPORT_BESIDE, strlen(IMPORT_BESIDE)) == 0)
			vn_remove_tree(sha, de->d_name);
		if (!is_hex_name(de->d_name) || live_has(live, de->d_name))
			continue;
		if (in_use) {
			(*kept)++;
			continue;
		}
		r = remove_layer(layers, sha, de->d_name);
		if (r < 0) {
			closedir(d);
			return vn_fail(err, -r, "remove layer %s/layers/sha256/%s", s->path, de->d_name);
		}
		(*removed)++;
	}
	closedir(d);
	return 0;
}

static int collect_blobs(struct image_store *s, const struct live *live, struct vn_error *err)
{
	cleanup_close int sha = open_subdir(s, "blobs/sha256");
	struct dirent *de;
	DIR *d = sha >= 0 ? fdopendir(dup(sha)) : NULL;

	if (!d)
		return vn_fail(err, errno, "list %s/blobs/sha256", s->path);
	while ((de = readdir(d))) {
		bool leftover = strncmp(de->d_name, ".tmp-", 5) == 0;

		if (!leftover && (!is_hex_name(de->d_name) || live_has(live, de->d_name)))
			continue;
		if (unlinkat(sha, de->d_name, 0) < 0 && errno != ENOENT) {
			closedir(d);
			return vn_fail(err, errno, "remove %s/blobs/sha256/%s", s->path, de->d_name);
		}
	}
	closedir(d);
	return 0;
}

int image_store_collect(struct image_store *s, size_t *removed, size_t *kept,
			struct vn_error *err)
{
	struct live live = { 0 };
	size_t nr = 0, nk = 0;
	int r = live_of_refs(s, &live, err);

	if (r == 0)
		r = collect_layers(s, &live, &nr, &nk, err);
	/* a running sandbox needs no manifest nor config */
	if (r == 0)
		r = collect_blobs(s, &live, err);
	free(live.hexes);
	if (removed)
		*removed = nr;
	if (kept)
		*kept = nk;
	return r;
}
