/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veneer image import OCI-LAYOUT-DIR[:TAG] [--name NAME[:TAG]]`, in
 * phases: choose the image (index, nested index, platform) and check its
 * manifest and config; check every layer blob (digest, size) — all of
 * this before the store is touched; then, under the store's lock, unpack
 * each layer the store lacks (its content checked against the config's
 * diff_id as it streams, before the unpacker puts it in place), keep the
 * manifest and config, and name the image last.  A failure after the store was touched takes back what
 * this import added (what no reference uses).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "import.h"
#include "veneer/cleanup.h"
#include "veneer/union.h"

struct import_args {
	char layout[PATH_MAX];  /* the layout's directory */
	const char *layout_tag; /* NULL: its one image */
	const char *name_arg;   /* --name, or NULL */
	char name[IMAGE_NAME_MAX + 1];
	char tag[IMAGE_TAG_MAX + 1];
};

/* What one import did: for its last line, and to take back. */
struct import_counts {
	size_t unpacked, shared;
	bool made[OCI_LAYERS_MAX]; /* layer i was unpacked by this import */
};

/* ------------------------------------------------------------ options */

/* DIR[:TAG]: TAG is what follows the first ':' of the last component
 * (a layout's tags may hold ':' themselves, as skopeo's oci:DIR:TAG),
 * unless DIR:TAG is itself a directory. */
static int split_layout(const char *arg, struct import_args *a, struct vn_error *err)
{
	const char *slash = strrchr(arg, '/');
	const char *colon = strchr(slash ? slash : arg, ':');
	struct stat st;

	if (strlen(arg) >= sizeof(a->layout))
		return vn_fail(err, 0, "the layout path is too long");
	strcpy(a->layout, arg);
	if (!colon || (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)))
		return 0;
	a->layout[colon - arg] = '\0';
	a->layout_tag = colon + 1;
	if (!a->layout_tag[0] || !a->layout[0])
		return vn_fail(err, 0, "'%s' is not OCI-LAYOUT-DIR[:TAG]", arg);
	return 0;
}

/* The layout's tag of the image, when it can be the store's ("base:top"
 * cannot), else latest. */
static const char *default_tag(const char *layout_tag)
{
	char name[IMAGE_NAME_MAX + 1], tag[IMAGE_TAG_MAX + 1], text[IMAGE_TAG_MAX + 3];
	struct vn_error ignored;

	if (!layout_tag[0] || strlen(layout_tag) > IMAGE_TAG_MAX)
		return "latest";
	snprintf(text, sizeof(text), "x:%s", layout_tag);
	return image_ref_parse(text, "", name, tag, &ignored) == 0 ? layout_tag : "latest";
}

/* --name, else the layout directory's own name; the tag of --name, else
 * the layout's (layout_tag). */
static int settle_name(struct import_args *a, const char *layout_tag, struct vn_error *err)
{
	char base[PATH_MAX];
	size_t len;
	char *slash;

	if (a->name_arg)
		return image_ref_parse(a->name_arg, default_tag(layout_tag), a->name, a->tag, err) < 0 ?
			       vn_wrap(err, "--name") : 0;
	strcpy(base, a->layout);
	while ((len = strlen(base)) > 1 && base[len - 1] == '/')
		base[len - 1] = '\0';
	slash = strrchr(base, '/');
	if (image_ref_parse(slash ? slash + 1 : base, default_tag(layout_tag), a->name, a->tag, err) < 0)
		return vn_fail(err, 0, "the layout's directory name '%.80s' is no image "
			       "name; give --name NAME[:TAG]", slash ? slash + 1 : base);
	return 0;
}

/* 0: import; 1: help; -1: bad input (err says). */
static int parse_import_args(int argc, char **argv, struct import_args *a, struct vn_error *err)
{
	static const struct option options[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (c == 'n')
			a->name_arg = optarg;
		else if (c == 'h')
			return 1;
		else if (c == ':')
			return vn_fail(err, 0, "%s needs a value; see `veneer image --help`",
				       argv[optind - 1]);
		else
			return vn_fail(err, 0, "unknown option %s; see `veneer image --help`",
				       argv[optind - 1]);
	}
	if (optind + 1 != argc)
		return vn_fail(err, 0, "give one OCI-LAYOUT-DIR[:TAG]; use `veneer image "
			       "import OCI-LAYOUT-DIR[:TAG] [--name NAME[:TAG]]`");
	if (split_layout(argv[optind], a, err) < 0)
		return -1;
	/* a bad --name is refused before the layout is read */
	return a->name_arg ? settle_name(a, a->layout_tag ? a->layout_tag : "", err) : 0;
}

/* ------------------------------------------------------ checking blobs */

/* The layer media types of image-spec and docker's, in any compression
 * the unpacker knows (it goes by the data's magic). */
static bool layer_media_type(const char *mt)
{
	return mt[0] == '\0' || strncmp(mt, "application/vnd.oci.image.layer.v1.tar", 38) == 0 ||
	       strncmp(mt, "application/vnd.docker.image.rootfs.", 36) == 0;
}

static int check_layer_blobs(struct oci_layout *l, const struct oci_image *img,
			     struct vn_error *err)
{
	for (size_t i = 0; i < img->nlayers; i++) {
		if (!layer_media_type(img->layers[i].media_type))
			return vn_fail(err, 0, "%s: layer %zu (sha256:%.12s) is a '%.80s', not a layer "
				       "veneer can unpack", l->path, i + 1, img->layers[i].hex,
				       img->layers[i].media_type);
		if (oci_blob_verify(l, &img->layers[i], err) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------- unpacking layers */

/* A layer being unpacked: its content's digest as it streams, checked
 * against the config's diff_id before the unpacker puts it in place. */
struct layer_check {
	struct sha256 sha;
	const char *want;   /* the diff_id's hex */
	pid_t decompressor; /* -1: none */
};

static void hash_bytes(void *arg, const void *buf, size_t n)
{
	struct layer_check *c = arg;

	sha256_update(&c->sha, buf, n);
}

static int verify_layer(void *arg, struct vn_error *err)
{
	struct layer_check *c = arg;
	uint8_t d[SHA256_DIGEST_SIZE];
	char got[SHA256_HEX_SIZE];

	/* a decompressor that failed gave a stream cut short */
	if (lt_check_decompressed(c->decompressor, err) < 0)
		return -1;
	sha256_final(&c->sha, d);
	sha256_hex(d, got);
	if (strcmp(got, c->want) != 0)
		return vn_fail(err, 0, "it unpacks to content sha256:%.12s, the config's diff_id says "
			       "sha256:%.12s; the layout is corrupt", got, c->want);
	return 0;
}

/* Layer i into layers/sha256/DIFF_ID: the unpacker builds it beside its
 * place and renames it there only once verify_layer passed. */
static int unpack_layer(struct image_store *s, struct oci_layout *l, const struct oci_image *img,
			size_t i, struct vn_error *err)
{
	const struct oci_blob *b = &img->layers[i];
	struct layer_check c = { .want = img->diff_ids[i] };
	struct lt_import_options o = { .on_bytes = hash_bytes, .verify = verify_layer, .arg = &c,
				       .progress = isatty(STDERR_FILENO) };
	struct lt_import_stats stats = { 0 };
	char file[PATH_MAX], dir[PATH_MAX];
	int fd, r;

	snprintf(file, sizeof(file), "%s/blobs/sha256/%s", l->path, b->hex);
	image_store_layer_path(s, c.want, true, dir, sizeof(dir));
	if (lt_open_decompressed(file, &fd, &c.decompressor, err) < 0)
		return vn_wrap(err, "%s: layer %zu (sha256:%.12s)", l->path, i + 1, b->hex);
	sha256_init(&c.sha);
	r = lt_import_tar(fd, dir, &o, &stats, err);
	if (lt_close_decompressed(fd, c.decompressor, r < 0 ? &(struct vn_error){ 0 } : err) < 0)
		r = -1;
	if (r < 0) {
		/* put in place before the decompressor's end failed: not a layer */
		if (image_store_has_layer(s, c.want))
			vn_remove_tree(s->fd, dir + strlen(s->path) + 1);
		return vn_wrap(err, "%s: layer %zu (sha256:%.12s)", l->path, i + 1, b->hex);
	}
	printf("layer %zu/%zu sha256:%.12s: unpacked (%lu files, %lu directories, %lu symlinks, "
	       "%lu whiteouts, %llu bytes)\n", i + 1, img->nlayers, c.want, stats.files, stats.dirs,
	       stats.symlinks, stats.whiteouts, (unsigned long long)stats.bytes);
	return 0;
}

static int take_layers(struct image_store *s, struct oci_layout *l, const struct oci_image *img,
		       struct import_counts *n, struct vn_error *err)
{
	for (size_t i = 0; i < img->nlayers; i++) {
		if (image_store_has_layer(s, img->diff_ids[i])) {
			printf("layer %zu/%zu sha256:%.12s: in the store already, shared\n", i + 1,
			       img->nlayers, img->diff_ids[i]);
			n->shared++;
			continue;
		}
		if (unpack_layer(s, l, img, i, err) < 0)
			return -1;
		n->made[i] = true;
		n->unpacked++;
	}
	return 0;
}

/* ------------------------------------------------------------ command */

static int import_into_store(const struct import_args *a, struct oci_layout *l,
			     const struct oci_image *img, struct vn_error *err)
{
	struct import_counts n = { 0 };
	struct image_store s;
	struct vn_error ignored;
	int r;

	if (image_store_open(&s, true, true, err) < 0) {
		image_store_close(&s);
		return -1;
	}
	r = take_layers(&s, l, img, &n, err);
	if (r == 0)
		r = image_store_blob_write(&s, img->manifest.hex, img->manifest_data,
					   img->manifest_len, err);
	if (r == 0)
		r = image_store_blob_write(&s, img->config.hex, img->config_data, img->config_len, err);
	/* the name last: until it is written, no one sees the image */
	if (r == 0)
		r = image_store_ref_write(&s, a->name, a->tag, img->manifest.hex, err);
	/* failed: what it unpacked goes (no sandbox can run over a layer
	 * made under the lock it still holds); else what no reference uses,
	 * such as the image a re-used name pointed at before */
	for (size_t i = 0; r < 0 && i < img->nlayers; i++)
		if (n.made[i])
			(void)image_store_remove_layer(&s, img->diff_ids[i], &ignored);
	if (image_store_collect(&s, NULL, NULL, &ignored) < 0 && r == 0)
		fprintf(stderr, "veneer: warning: image import: %s\n", ignored.msg);
	if (r == 0)
		printf("imported %s:%s (ID %.12s, %zu layers: %zu unpacked, %zu shared)\n", a->name,
		       a->tag, img->config.hex, img->nlayers, n.unpacked, n.shared);
	image_store_close(&s);
	return r;
}

static int import_run(struct import_args *a, struct vn_error *err)
{
	struct oci_layout l;
	struct oci_image img;
	int r = oci_layout_open(a->layout, &l, err);

	if (r < 0)
		return -1;
	r = oci_image_resolve(&l, a->layout_tag, &img, err);
	if (r == 0) {
		r = settle_name(a, img.tag, err);
		if (r == 0)
			r = check_layer_blobs(&l, &img, err);
		if (r == 0)
			r = import_into_store(a, &l, &img, err);
		oci_image_free(&img);
	}
	oci_layout_close(&l);
	return r;
}

int image_import(int argc, char **argv)
{
	struct import_args a = { 0 };
	struct vn_error err = { 0 };
	int r = parse_import_args(argc, argv, &a, &err);

	if (r > 0) {
		cmd_image_usage(stdout);
		return 0;
	}
	if (r == 0)
		r = import_run(&a, &err);
	if (r < 0) {
		vn_wrap(&err, "image import");
		vn_error_print(&err);
		return EXIT_VENEER_ERROR;
	}
	return 0;
}
