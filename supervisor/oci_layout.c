/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An OCI image layout, read as untrusted input: every JSON document is
 * bounded in size and parsed strictly, every digest is sha256 (the only
 * one image-spec requires) of 64 lowercase hex digits — so a blob's name
 * is never a path — and every blob is checked against its descriptor's
 * size and digest before its bytes are used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "oci_layout.h"
#include "veneer/cleanup.h"

#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define REF_NAME "org.opencontainers.image.ref.name"
/* an index in an index in ... : deeper than this is a loop or an attack */
#define INDEX_DEPTH_MAX 4

/* ------------------------------------------------------------- digests */

int oci_digest_parse(const char *digest, char hex[SHA256_HEX_SIZE])
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest + 7) != 64 ||
	    strspn(digest + 7, "0123456789abcdef") != 64)
		return -1;
	memcpy(hex, digest + 7, SHA256_HEX_SIZE);
	return 0;
}

int oci_descriptor_parse(const struct json *d, const char *what, struct oci_blob *b,
			 struct vn_error *err)
{
	const char *digest = json_string(json_get(d, "digest"));

	if (!json_is(d, JSON_OBJECT))
		return vn_fail(err, 0, "%s is not a descriptor (a JSON object)", what);
	if (!digest)
		return vn_fail(err, 0, "%s has no digest", what);
	if (oci_digest_parse(digest, b->hex) < 0)
		return vn_fail(err, 0, "%s: digest '%.80s' is not sha256:<64 lowercase hex digits> "
			       "(the only algorithm veneer checks)", what, digest);
	if (!json_int64(json_get(d, "size"), &b->size) || b->size < 0)
		return vn_fail(err, 0, "%s (sha256:%.12s) has no size, or not a whole number", what,
			       b->hex);
	b->media_type = json_string(json_get(d, "mediaType"));
	if (!b->media_type)
		b->media_type = "";
	return 0;
}

void oci_blob_path(const struct oci_blob *b, char *path, size_t size)
{
	snprintf(path, size, "blobs/sha256/%s", b->hex);
}

/* --------------------------------------------------------------- files */

/* dirfd/name for reading: a regular file (a FIFO would block, a device
 * never end), or -errno. */
static int open_regular(int dirfd, const char *name, struct stat *st)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		int r = S_ISREG(st->st_mode) ? -errno : -EINVAL;

		close(fd);
		return r;
	}
	return fd;
}

/* len bytes from fd into buf: 0, -errno, or -ENODATA when it ends sooner. */
static int read_exactly(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		got += (size_t)n;
	}
	return 0;
}

/* A small file of the layout (oci-layout, index.json), whole. */
static int read_layout_file(struct oci_layout *l, const char *name, char **data, size_t *len,
			    struct vn_error *err)
{
	struct stat st;
	cleanup_close int fd = open_regular(l->fd, name, &st);
	int r;

	if (fd < 0)
		return vn_fail(err, fd == -EINVAL ? 0 : -fd, "%s/%s%s", l->path, name,
			       fd == -EINVAL ? " is not a regular file" : "");
	if (st.st_size > OCI_JSON_MAX)
		return vn_fail(err, 0, "%s/%s is %lld bytes, more than the %d veneer reads", l->path,
			       name, (long long)st.st_size, OCI_JSON_MAX);
	*len = (size_t)st.st_size;
	*data = malloc(*len + 1);
	if (!*data)
		return vn_fail(err, ENOMEM, "read %s/%s", l->path, name);
	r = read_exactly(fd, *data, *len);
	if (r < 0) {
		free(*data);
		return vn_fail(err, r == -ENODATA ? 0 : -r, "read %s/%s%s", l->path, name,
			       r == -ENODATA ? ": it shrank while read" : "");
	}
	return 0;
}

/* bytes as JSON, refusals naming where (what: the document). */
static struct json *parse_json(const char *data, size_t len, const char *what, struct vn_error *err)
{
	struct json_error je = { 0 };
	struct json *v = json_parse(data, len, &je);

	if (!v)
		vn_fail(err, 0, "%s is not valid JSON: %s at byte %zu", what, je.msg, je.offset);
	else if (!json_is(v, JSON_OBJECT)) {
		json_free(v);
		v = NULL;
		vn_fail(err, 0, "%s is not a JSON object", what);
	}
	return v;
}

/* --------------------------------------------------------------- blobs */

static int open_blob(struct oci_layout *l, const struct oci_blob *b, struct vn_error *err)
{
	char path[96];
	struct stat st;
	int fd;

	oci_blob_path(b, path, sizeof(path));
	fd = open_regular(l->fd, path, &st);
	if (fd == -ENOENT)
		return vn_fail(err, 0, "%s: blob sha256:%s is missing (%s/%s); the layout is "
			       "incomplete, copy the image again", l->path, b->hex, l->path, path);
	if (fd < 0)
		return vn_fail(err, fd == -EINVAL ? 0 : -fd, "%s: blob %s%s", l->path, path,
			       fd == -EINVAL ? " is not a regular file" : "");
	if (st.st_size != b->size) {
		close(fd);
		return vn_fail(err, 0, "%s: blob sha256:%.12s is %lld bytes, its descriptor says %lld; "
			       "the layout is corrupt", l->path, b->hex, (long long)st.st_size,
			       (long long)b->size);
	}
	return fd;
}

static int digest_mismatch(struct oci_layout *l, const struct oci_blob *b, const char *hex,
			   struct vn_error *err)
{
	return vn_fail(err, 0, "%s: blob sha256:%.12s has digest sha256:%.12s; the layout is "
		       "corrupt, copy the image again", l->path, b->hex, hex);
}

int oci_blob_verify(struct oci_layout *l, const struct oci_blob *b, struct vn_error *err)
{
	cleanup_close int fd = open_blob(l, b, err);
	static char buf[1 << 16];
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	int64_t left = b->size;

	if (fd < 0)
		return -1;
	sha256_init(&s);
	while (left > 0) {
		ssize_t n = read(fd, buf, left < (int64_t)sizeof(buf) ? (size_t)left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return vn_fail(err, n < 0 ? errno : 0, "%s: read blob sha256:%.12s%s", l->path,
				       b->hex, n == 0 ? ": it shrank while read" : "");
		sha256_update(&s, buf, (size_t)n);
		left -= n;
	}
	sha256_final(&s, d);
	sha256_hex(d, hex);
	return strcmp(hex, b->hex) == 0 ? 0 : digest_mismatch(l, b, hex, err);
}

/* A JSON blob (an index, a manifest, a config), read whole and checked. */
static int read_json_blob(struct oci_layout *l, const struct oci_blob *b, const char *what,
			  char **data, size_t *len, struct json **json, struct vn_error *err)
{
	cleanup_close int fd = -1;
	char hex[SHA256_HEX_SIZE];
	int r;

	if (b->size > OCI_JSON_MAX)
		return vn_fail(err, 0, "%s: the %s (sha256:%.12s) is %lld bytes, more than the %d "
			       "veneer reads", l->path, what, b->hex, (long long)b->size, OCI_JSON_MAX);
	fd = open_blob(l, b, err);
	if (fd < 0)
		return -1;
	*len = (size_t)b->size;
	*data = malloc(*len + 1);
	if (!*data)
		return vn_fail(err, ENOMEM, "read the %s", what);
	r = read_exactly(fd, *data, *len);
	if (r == 0)
		sha256_hex_of(*data, *len, hex);
	if (r < 0 || strcmp(hex, b->hex) != 0) {
		free(*data);
		*data = NULL;
		if (r < 0)
			return vn_fail(err, r == -ENODATA ? 0 : -r, "%s: read blob sha256:%.12s", l->path,
				       b->hex);
		return digest_mismatch(l, b, hex, err);
	}
	*json = parse_json(*data, *len, what, err);
	if (!*json) {
		vn_wrap(err, "%s: blob sha256:%.12s", l->path, b->hex);
		free(*data);
		*data = NULL;
		return -1;
	}
	return 0;
}

/* -------------------------------------------------------------- layout */

int oci_layout_open(const char *path, struct oci_layout *l, struct vn_error *err)
{
	cleanup_free char *data = NULL;
	const char *version;
	struct json *v;
	size_t len;

	l->path = path;
	l->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->fd < 0)
		return vn_fail(err, errno, "%s: not an OCI image layout directory", path);
	if (faccessat(l->fd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		oci_layout_close(l);
		return vn_fail(err, 0, "%s is not an OCI image layout (it has no oci-layout file); "
			       "make one with `skopeo copy docker://IMAGE oci:DIR:TAG`", path);
	}
	if (read_layout_file(l, "oci-layout", &data, &len, err) < 0 ||
	    !(v = parse_json(data, len, "oci-layout", err))) {
		oci_layout_close(l);
		return vn_wrap(err, "%s", path);
	}
	version = json_string(json_get(v, "imageLayoutVersion"));
	if (!version || strcmp(version, "1.0.0") != 0) {
		vn_fail(err, 0, "%s: image layout version '%.20s' is not 1.0.0, the one veneer reads",
			path, version ? version : "(none)");
		json_free(v);
		oci_layout_close(l);
		return -1;
	}
	json_free(v);
	return 0;
}

void oci_layout_close(struct oci_layout *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* ------------------------------------------------------------ platform */

/* The host's architecture as image-spec names it (Go's GOARCH). */
static const char *host_architecture(void)
{
	static const struct {
		const char *machine, *arch;
	} names[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i686", "386" }, { "i386", "386" },
		{ "armv7l", "arm" },   { "armv6l", "arm" },    { "ppc64le", "ppc64le" },
		{ "s390x", "s390x" },  { "riscv64", "riscv64" }, { "mips64", "mips64" },
		{ "loongarch64", "loong64" },
	};
	static struct utsname u;

	if (uname(&u) < 0)
		return "unknown";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(u.machine, names[i].machine) == 0)
			return names[i].arch;
	return u.machine;
}

/* A descriptor without a platform is anyone's. */
static bool runs_here(const struct json *d)
{
	const struct json *p = json_get(d, "platform");
	const char *os = json_string(json_get(p, "os"));
	const char *arch = json_string(json_get(p, "architecture"));

	if (!p)
		return true;
	return os && arch && strcmp(os, "linux") == 0 && strcmp(arch, host_architecture()) == 0;
}

static bool is_index(const char *media_type)
{
	return strcmp(media_type, MT_INDEX) == 0 || strcmp(media_type, MT_DOCKER_LIST) == 0;
}

static bool is_manifest(const char *media_type)
{
	return strcmp(media_type, MT_MANIFEST) == 0 || strcmp(media_type, MT_DOCKER_MANIFEST) == 0;
}

static const char *tag_of(const struct json *d)
{
	return json_string(json_get(json_get(d, "annotations"), REF_NAME));
}

/* The tags index's manifests carry, for a message: "a, b" (or "none"). */
static void list_tags(const struct json *manifests, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < manifests->n && used + 1 < size; i++) {
		const char *t = tag_of(manifests->items[i]);

		if (t)
			used += (size_t)snprintf(out + used, size - used, "%s%.40s", used ? ", " : "", t);
	}
	if (!out[0])
		snprintf(out, size, "none");
}

/* From an index's manifests, the one for tag (NULL: any) and this
 * platform: its index in the array, or -1 with err set. */
static int choose_descriptor(struct oci_layout *l, const struct json *manifests, const char *tag,
			     struct vn_error *err)
{
	int found = -1, tagged = 0;
	char tags[256];

	for (size_t i = 0; i < manifests->n; i++) {
		const struct json *d = manifests->items[i];
		const char *t = tag_of(d);

		if (tag && (!t || strcmp(t, tag) != 0))
			continue;
		tagged++;
		if (runs_here(d) && found < 0)
			found = (int)i;
	}
	if (found >= 0)
		return found;
	list_tags(manifests, tags, sizeof(tags));
	if (tag && tagged == 0)
		return vn_fail(err, 0, "%s has no image tagged '%s' (its tags: %s)", l->path, tag, tags);
	if (manifests->n == 0)
		return vn_fail(err, 0, "%s holds no image (its index is empty)", l->path);
	return vn_fail(err, 0, "%s has no image%s%s for linux/%s", l->path, tag ? " tagged " : "",
		       tag ? tag : "", host_architecture());
}

/* The manifest descriptor index (an index's JSON) leads to, for tag and
 * this platform, through nested indexes (*held: the JSON of the last
 * index read, which the descriptor points into; tag_out: the tag of the
 * descriptor chosen in index.json). */
static int find_manifest(struct oci_layout *l, struct json *index, const char *tag, int depth,
			 struct oci_blob *out, char *tag_out, struct json **held, struct vn_error *err)
{
	const struct json *manifests = json_get(index, "manifests");
	const struct json *d;
	cleanup_free char *data = NULL;
	struct json *nested;
	size_t len;
	int i;

	if (!json_is(manifests, JSON_ARRAY))
		return vn_fail(err, 0, "%s: an index without a manifests array", l->path);
	if (!tag && depth == 0 && manifests->n > 1) {
		char tags[256];

		list_tags(manifests, tags, sizeof(tags));
		return vn_fail(err, 0, "%s holds %zu images; give one as %s:TAG (its tags: %s)",
			       l->path, manifests->n, l->path, tags);
	}
	i = choose_descriptor(l, manifests, tag, err);
	if (i < 0)
		return -1;
	d = manifests->items[i];
	if (depth == 0 && tag_of(d))
		snprintf(tag_out, 129, "%s", tag_of(d));
	if (oci_descriptor_parse(d, "a manifest's descriptor", out, err) < 0)
		return vn_wrap(err, "%s", l->path);
	if (is_manifest(out->media_type) || !out->media_type[0])
		return 0;
	if (!is_index(out->media_type))
		return vn_fail(err, 0, "%s: sha256:%.12s is a '%.80s', not an image manifest or "
			       "index", l->path, out->hex, out->media_type);
	if (depth >= INDEX_DEPTH_MAX)
		return vn_fail(err, 0, "%s: indexes nested deeper than %d", l->path, INDEX_DEPTH_MAX);
	if (read_json_blob(l, out, "image index", &data, &len, &nested, err) < 0)
		return -1;
	json_free(*held);
	*held = nested;
	/* below the tagged entry, the platform alone chooses */
	return find_manifest(l, nested, NULL, depth + 1, out, tag_out, held, err);
}

/* ------------------------------------------------- manifest and config */

static int manifest_layers(struct oci_image *img, const char *what, struct vn_error *err)
{
	const struct json *layers = json_get(img->manifest_json, "layers");

	if (!json_is(layers, JSON_ARRAY))
		return vn_fail(err, 0, "%s: the manifest has no layers array", what);
	if (layers->n > OCI_LAYERS_MAX)
		return vn_fail(err, 0, "%s: the image has %zu layers; veneer stacks at most %d", what,
			       layers->n, OCI_LAYERS_MAX);
	for (size_t i = 0; i < layers->n; i++) {
		char which[64];

		snprintf(which, sizeof(which), "layer %zu of the manifest", i + 1);
		if (oci_descriptor_parse(layers->items[i], which, &img->layers[i], err) < 0)
			return vn_wrap(err, "%s", what);
	}
	img->nlayers = layers->n;
	return 0;
}

static int config_diff_ids(struct oci_image *img, const char *what, struct vn_error *err)
{
	const struct json *rootfs = json_get(img->config_json, "rootfs");
	const struct json *ids = json_get(rootfs, "diff_ids");
	const char *type = json_string(json_get(rootfs, "type"));

	if (!type || strcmp(type, "layers") != 0 || !json_is(ids, JSON_ARRAY))
		return vn_fail(err, 0, "%s: the config has no rootfs of type layers with diff_ids",
			       what);
	if (ids->n != img->nlayers)
		return vn_fail(err, 0, "%s: the manifest has %zu layers, the config %zu diff_ids", what,
			       img->nlayers, ids->n);
	for (size_t i = 0; i < ids->n; i++)
		if (oci_digest_parse(json_string(ids->items[i]), img->diff_ids[i]) < 0)
			return vn_fail(err, 0, "%s: diff_id %zu of the config is not a sha256 digest",
				       what, i + 1);
	return 0;
}

static int read_manifest_and_config(struct oci_layout *l, struct oci_image *img,
				    struct vn_error *err)
{
	const struct json *config;

	if (read_json_blob(l, &img->manifest, "image manifest", &img->manifest_data,
			   &img->manifest_len, &img->manifest_json, err) < 0)
		return -1;
	config = json_get(img->manifest_json, "config");
	if (!config)
		return vn_fail(err, 0, "%s: manifest sha256:%.12s has no config", l->path,
			       img->manifest.hex);
	if (oci_descriptor_parse(config, "the manifest's config", &img->config, err) < 0)
		return vn_wrap(err, "%s", l->path);
	if (manifest_layers(img, l->path, err) < 0)
		return -1;
	if (read_json_blob(l, &img->config, "image config", &img->config_data, &img->config_len,
			   &img->config_json, err) < 0)
		return -1;
	return config_diff_ids(img, l->path, err);
}

int oci_image_read(struct oci_layout *l, struct oci_image *img, struct vn_error *err)
{
	int r = read_manifest_and_config(l, img, err);

	if (r < 0)
		oci_image_free(img);
	return r;
}

int oci_image_resolve(struct oci_layout *l, const char *tag, struct oci_image *img,
		      struct vn_error *err)
{
	cleanup_free char *data = NULL;
	struct json *index, *held = NULL;
	size_t len;
	int r;

	memset(img, 0, sizeof(*img));
	if (read_layout_file(l, "index.json", &data, &len, err) < 0)
		return -1;
	index = parse_json(data, len, "index.json", err);
	if (!index)
		return vn_wrap(err, "%s", l->path);
	r = find_manifest(l, index, tag, 0, &img->manifest, img->tag, &held, err);
	/* the descriptor's media type points into the JSON it came from */
	img->manifest.media_type = "";
	json_free(held);
	json_free(index);
	if (r < 0)
		return -1;
	return oci_image_read(l, img, err);
}

void oci_image_free(struct oci_image *img)
{
	json_free(img->manifest_json);
	json_free(img->config_json);
	free(img->manifest_data);
	free(img->config_data);
	memset(img, 0, sizeof(*img));
}
