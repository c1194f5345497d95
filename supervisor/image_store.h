/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local image store (docs/design.md, "The image store"), under
 * ${XDG_DATA_HOME:-$HOME/.local/share}/veneer/images:
 *   lock                     flock'd: alone to change, shared to read
 *   inuse                    flock'd shared by every sandbox running an image
 *   layers/sha256/HEX/       a layer unpacked (HEX: its diff_id, the
 *                            digest of the uncompressed tar), shared by
 *                            every image that has it
 *   layers/new-HEX, layers/old-HEX   one being unpacked or removed
 *   blobs/sha256/HEX         manifests and configs, as imported
 *   refs/NAME:TAG            the manifest's "sha256:HEX" ('/' of NAME as '%')
 */
#ifndef VENEER_IMAGE_STORE_H
#define VENEER_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "oci_layout.h"
#include "veneer/error.h"

#define IMAGE_NAME_MAX 128
#define IMAGE_TAG_MAX 128

struct image_store {
	char *path;  /* the store's directory */
	int fd;      /* it, opened */
	int lock_fd; /* its lock, held */
};

/* NAME[:TAG] (TAG: default_tag when absent), checked: NAME is lowercase
 * letters, digits and . _ - / (as registries' names), TAG letters,
 * digits, . _ - (at most 128). */
int image_ref_parse(const char *text, const char *default_tag, char name[IMAGE_NAME_MAX + 1],
		    char tag[IMAGE_TAG_MAX + 1], struct vn_error *err);

/* Open the store, taking its lock shared or alone; create: make it
 * when missing (else a missing store is an empty one: fd -1). */
int image_store_open(struct image_store *s, bool alone, bool create, struct vn_error *err);
void image_store_close(struct image_store *s);

/* An image of the store by reference: its manifest and config read
 * (and checked against their digests), its layers and diff_ids. */
int image_store_load(struct image_store *s, const char *name, const char *tag,
		     struct oci_image *img, struct vn_error *err);
/* refs/NAME:TAG points at the manifest hex: written beside, renamed. */
int image_store_ref_write(struct image_store *s, const char *name, const char *tag,
			  const char *manifest_hex, struct vn_error *err);
/* Remove refs/NAME:TAG: 0, or -1 (err: not there, or why). */
int image_store_ref_remove(struct image_store *s, const char *name, const char *tag,
			   struct vn_error *err);
/* Keep len bytes whose sha256 is hex as blobs/sha256/HEX (once). */
int image_store_blob_write(struct image_store *s, const char *hex, const char *data, size_t len,
			   struct vn_error *err);
/* The directory of the layer with diff_id hex ("layers/sha256/HEX"),
 * relative to the store or absolute (path, size). */
void image_store_layer_path(const struct image_store *s, const char *hex, bool absolute,
			    char *path, size_t size);
bool image_store_has_layer(const struct image_store *s, const char *hex);

/* Every reference, sorted: name and tag of each (NAME with its '/'). */
struct image_ref {
	char name[IMAGE_NAME_MAX + 1];
	char tag[IMAGE_TAG_MAX + 1];
};
int image_store_refs(struct image_store *s, struct image_ref **refs, size_t *n,
		     struct vn_error *err);

/* Remove every layer and blob no reference uses, and what an import or
 * removal cut short left, under the lock held alone: the layers removed,
 * and those kept because a sandbox runs over the store (image_store_hold;
 * the next collection takes them).  Either may be NULL. */
int image_store_collect(struct image_store *s, size_t *removed, size_t *kept,
			struct vn_error *err);
/* Remove the layer with diff_id hex (one an import made and cannot use). */
int image_store_remove_layer(struct image_store *s, const char *hex, struct vn_error *err);
/* For a sandbox running an image, under the store's lock: an fd that
 * keeps the store's layers (collections keep them while it is open). */
int image_store_hold(struct image_store *s, struct vn_error *err);

#endif
