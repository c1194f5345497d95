/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the tar reader (supervisor/tar_read.c), which
 * reads the untrusted archives of `veneer import` and image layers: any
 * bytes are read as a tar stream through a pipe-like memfd, member after
 * member, data and all, as the importer reads them.  The sanitizers
 * catch crashes, leaks and reads out of bounds; the invariants below are
 * what the reader promises the importer.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tar_read.h"

static void broken(const char *what)
{
	fprintf(stderr, "fuzz-tar: invariant broken: %s\n", what);
	abort();
}

static void count(void *arg, const void *buf, size_t n)
{
	(void)buf;
	*(uint64_t *)arg += n;
}

/* A member as the importer relies on it. */
static void check_member(const struct tar_member *m)
{
	uint64_t end = 0;

	if (!m->path)
		broken("a member without a path");
	if ((m->type == TAR_HARDLINK || m->type == TAR_SYMLINK) && !m->linkname)
		broken("a link without its target");
	for (size_t i = 0; i < m->nsegments; i++) {
		if (m->segments[i].offset < end)
			broken("sparse segments out of order or overlapping");
		end = m->segments[i].offset + m->segments[i].length;
		if (end > m->size || end < m->segments[i].offset)
			broken("a sparse segment past the file's size");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tar_reader r;
	struct tar_member m;
	struct vn_error err = { 0 };
	uint64_t seen = 0;
	char buf[4096];
	int fd = memfd_create("fuzz-tar", MFD_CLOEXEC), next;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	tar_reader_init(&r, fd, count, &seen);
	while ((next = tar_read_next(&r, &m, &err)) == 1) {
		ssize_t n;

		check_member(&m);
		while ((n = tar_read_data(&r, &m, buf, sizeof(buf), &err)) > 0)
			;
		tar_member_free(&m);
		if (n < 0)
			break;
	}
	if (next == 0 && tar_read_drain(&r, &err) == 0 && seen != size)
		broken("a stream read to its end but not every byte shown to on_bytes");
	if (next < 0 && !err.msg[0])
		broken("a refusal without a message");
	tar_reader_free(&r);
	close(fd);
	return 0;
}
