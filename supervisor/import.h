/* SPDX-License-Identifier: Apache-2.0 */
/* Taking a layer in: a tar (an OCI layer) unpacked as a directory that
 * serves as a sandbox's --upper or --lower, whiteouts in the OCI form,
 * owners in the owner store.  `veneer import` and `veneer image import`
 * call it. */
#ifndef VENEER_IMPORT_H
#define VENEER_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "veneer/error.h"

struct lt_import_options {
	/* called with every byte of the (decompressed) tar stream as it is
	 * read, to its very end; may be NULL */
	void (*on_bytes)(void *arg, const void *buf, size_t n);
	/* called once the stream was read to its end, before DIR is put in
	 * place: -1 (err set) fails the import, and nothing is left (a
	 * digest that does not match, a decompressor that failed:
	 * lt_check_decompressed); may be NULL */
	int (*verify)(void *arg, struct vn_error *err);
	void *arg;
	bool progress; /* a progress line on stderr (the caller sets it when
			* stderr is a terminal) */
};

struct lt_import_stats {
	unsigned long files, dirs, symlinks, hardlinks, whiteouts, others;
	uint64_t bytes;              /* of regular files' data (sparse: their size) */
	unsigned long xattrs_skipped; /* not user.*: not kept (said on stderr) */
	unsigned long left_out;      /* members not kept: devices the union
				      * does not make, reserved names (said) */
};

/* Unpack the plain tar stream read from fd into a new directory `dir`
 * (which must not exist): built beside it (same directory, a hidden
 * temporary name), renamed into place when complete, and removed on any
 * error (nothing half-written).  0, or -1 with err set (one line, naming
 * the member). */
int lt_import_tar(int fd, const char *dir, const struct lt_import_options *opt,
		  struct lt_import_stats *stats, struct vn_error *err);

/* Open FILE ("-": standard input) for reading as a plain tar stream:
 * gzip and zstd (told by their magic bytes, not by the name) are
 * decompressed through Debian's own programs (`gzip -dc`, `zstd -dc`,
 * spawned; a missing one is a one-line error).  *child: the
 * decompressor to reap with lt_close_decompressed (-1: none), which also
 * reports its failure (a corrupt .gz) as an error.  0, or -1 with err
 * set.  One decompressed FILE at a time (what the decompressor said on
 * its stderr is kept for the message until it is closed). */
int lt_open_decompressed(const char *file, int *fd, pid_t *child, struct vn_error *err);
/* Whether the decompressor, its output read to its end, failed (0, or
 * -1 with err set), without reaping it: an import's verify calls it, so
 * that a corrupt archive leaves nothing. */
int lt_check_decompressed(pid_t child, struct vn_error *err);
int lt_close_decompressed(int fd, pid_t child, struct vn_error *err);

#endif
