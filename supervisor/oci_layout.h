/* SPDX-License-Identifier: Apache-2.0 */
/* Reading an OCI image layout (image-spec's image-layout.md: `oci-layout`,
 * `index.json`, `blobs/sha256/HEX`), as skopeo and umoci write it: an
 * image chosen by tag and the host's platform, every blob it needs
 * checked against its descriptor's digest and size. */
#ifndef VENEER_OCI_LAYOUT_H
#define VENEER_OCI_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "sha256.h"
#include "veneer/error.h"

/* Manifests, indexes and configs larger than this are refused (image-spec
 * asks registries to accept 4 MB manifests; configs are smaller). */
#define OCI_JSON_MAX (4 << 20)
/* What `veneer run` can stack (one lower is one layer). */
#define OCI_LAYERS_MAX 31

/* A content descriptor: what a blob is, its digest and size. */
struct oci_blob {
	char hex[SHA256_HEX_SIZE]; /* the sha256 digest's hex: the blob's file name */
	int64_t size;
	const char *media_type;    /* borrowed from the JSON it came from */
};

struct oci_layout {
	const char *path; /* as given, for messages */
	int fd;           /* its directory */
};

/* An image chosen from a layout, every JSON blob checked. */
struct oci_image {
	struct oci_blob manifest, config;
	char tag[129];                     /* the layout's tag of it ("" when none) */
	char *manifest_data, *config_data; /* their bytes, as stored */
	size_t manifest_len, config_len;
	struct json *manifest_json, *config_json;
	struct oci_blob layers[OCI_LAYERS_MAX]; /* bottom first */
	char diff_ids[OCI_LAYERS_MAX][SHA256_HEX_SIZE]; /* each layer's uncompressed digest */
	size_t nlayers;
};

/* Open the layout at path: a directory with an oci-layout file of
 * version 1.0.0 (-1 with err set otherwise). */
int oci_layout_open(const char *path, struct oci_layout *l, struct vn_error *err);
void oci_layout_close(struct oci_layout *l);
/* The image of tag (NULL: the layout's one image) for this host's
 * platform: its manifest and config read and checked, its layers listed
 * (not yet checked: oci_blob_verify each). */
int oci_image_resolve(struct oci_layout *l, const char *tag, struct oci_image *img,
		      struct vn_error *err);
void oci_image_free(struct oci_image *img);
/* Read blob b whole and check its size and digest. */
int oci_blob_verify(struct oci_layout *l, const struct oci_blob *b, struct vn_error *err);
/* "blobs/sha256/HEX" of b, relative to the layout. */
void oci_blob_path(const struct oci_blob *b, char *path, size_t size);

/* The parts of image-spec a store shares. */
/* "sha256:HEX" (64 lowercase hex digits) into hex: 0, or -1. */
int oci_digest_parse(const char *digest, char hex[SHA256_HEX_SIZE]);
/* A descriptor (mediaType, digest, size) into b: 0, or -1 with err set
 * (what names the descriptor for the message). */
int oci_descriptor_parse(const struct json *d, const char *what, struct oci_blob *b,
			 struct vn_error *err);
/* The image whose manifest descriptor img->manifest holds (the rest of
 * img zeroed): its manifest and config read and checked, its layers and
 * diff_ids listed (img freed on failure). */
int oci_image_read(struct oci_layout *l, struct oci_image *img, struct vn_error *err);

#endif
