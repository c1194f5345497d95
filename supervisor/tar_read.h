/* SPDX-License-Identifier: Apache-2.0 */
/* A tar reader for `veneer import`: POSIX ustar and pax ('x', 'g'), GNU
 * tar's own format (long names 'L' and 'K', base-256 numbers) and every
 * sparse form GNU tar writes (old GNU 'S', pax 0.0, 0.1 and 1.0).  The
 * archive is hostile: every header's checksum is checked, every number
 * and length is bounded, and a stream that ends early is an error. */
#ifndef VENEER_TAR_READ_H
#define VENEER_TAR_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tar.h"
#include "veneer/error.h"

/* One member, its headers resolved (pax over GNU long names over
 * ustar).  Strings are malloc'd; tar_member_free frees them. */
struct tar_member {
	char *path;             /* as stored ("./a/b/", "a//b"...): the caller
				 * checks and normalises it */
	char *linkname;         /* TAR_HARDLINK, TAR_SYMLINK, else NULL */
	char type;              /* enum tar_type ('\0', '7' and sparse
				 * entries are TAR_REG); other types as
				 * they are */
	mode_t mode;            /* permission bits */
	uint64_t uid, gid;
	int64_t mtime;
	long mtime_nsec;
	uint64_t size;          /* TAR_REG: the file's size (sparse: the
				 * real size) */
	struct tar_segment *segments; /* sparse: the data, in order */
	size_t nsegments;       /* 0: not sparse */
	unsigned int devmajor, devminor;
	struct tar_xattr *xattrs; /* SCHILY.xattr.user.* */
	size_t nxattrs;
	unsigned long xattrs_skipped; /* of other namespaces (and ACLs) */
	char *xattr_skipped;    /* the first one's name */
};

struct tar_reader {
	int fd;
	void (*on_bytes)(void *arg, const void *buf, size_t n);
	void *arg;
	uint64_t offset;        /* bytes of the stream consumed */
	uint64_t left;          /* data of the current member unread */
	uint64_t pad;           /* and its padding to a whole block */
	size_t pos, have;       /* buf[pos..have) read, not consumed */
	bool eof;
	char *last;             /* the previous member's path, for messages */
	struct tar_pax *global; /* 'g' headers: defaults for what follows */
	unsigned char buf[TAR_BUFFER];
};

void tar_reader_init(struct tar_reader *r, int fd,
		     void (*on_bytes)(void *arg, const void *buf, size_t n), void *arg);
void tar_reader_free(struct tar_reader *r);
/* The next member (what is left of the previous one's data skipped):
 * 1, 0 at the end of the archive, -1 with err set (one line, naming the
 * member or the one before it). */
int tar_read_next(struct tar_reader *r, struct tar_member *m, struct vn_error *err);
/* The member's data (sparse: its segments' data, one after another):
 * bytes read into buf (0: no more), or -1 with err set. */
ssize_t tar_read_data(struct tar_reader *r, const struct tar_member *m, void *buf, size_t n,
		      struct vn_error *err);
/* What follows the end of the archive, read to the stream's end (and
 * shown to on_bytes): 0, or -1 with err set. */
int tar_read_drain(struct tar_reader *r, struct vn_error *err);
void tar_member_free(struct tar_member *m);

#endif
