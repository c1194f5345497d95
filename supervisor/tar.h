/* SPDX-License-Identifier: Apache-2.0 */
/* A small tar writer: POSIX ustar headers, with a pax extended header in
 * front of an entry whose name, link target, size, ids or time do not fit,
 * or that carries xattrs (SCHILY.xattr.NAME, as GNU tar reads them), or
 * that is sparse (GNU tar's pax format 1.0: GNU.sparse.* records, the map
 * of data segments at the head of the entry's data, then the segments). */
#ifndef VENEER_TAR_H
#define VENEER_TAR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum tar_type {
	TAR_REG = '0',
	TAR_HARDLINK = '1',
	TAR_SYMLINK = '2',
	TAR_CHR = '3',
	TAR_BLK = '4',
	TAR_DIR = '5',
	TAR_FIFO = '6',
};

struct tar_xattr {
	char *name;
	char *value;
	size_t size;
};

/* A data segment of a sparse file. */
struct tar_segment {
	uint64_t offset, length;
};

struct tar_entry {
	const char *path;       /* as stored: "a/b", directories "a/" */
	char type;              /* enum tar_type */
	mode_t mode;            /* permission bits */
	uint64_t uid, gid;      /* numeric; user and group names stay empty */
	int64_t mtime;
	uint64_t size;          /* TAR_REG: the data that follows (sparse: the
				 * file's size, its segments' data follows) */
	const struct tar_segment *segments; /* TAR_REG, sparse: the data */
	size_t nsegments;       /* 0: not sparse */
	const char *linkname;   /* TAR_HARDLINK, TAR_SYMLINK */
	unsigned int devmajor, devminor; /* TAR_CHR, TAR_BLK */
	const struct tar_xattr *xattrs;
	size_t nxattrs;
};

#define TAR_BLOCK 512u

/* A ustar header block (the reader finds old GNU's sparse map where
 * prefix is, at its byte offsets). */
struct tar_ustar {
	char name[100];
	char mode[8];
	char uid[8];
	char gid[8];
	char size[12];
	char mtime[12];
	char chksum[8];
	char typeflag;
	char linkname[100];
	char magic[6];
	char version[2];
	char uname[32];
	char gname[32];
	char devmajor[8];
	char devminor[8];
	char prefix[155];
	char pad[12];
};
_Static_assert(sizeof(struct tar_ustar) == TAR_BLOCK, "a ustar header is one block");

#define TAR_BUFFER (64 * 1024)

struct tar_writer {
	int fd;
	uint64_t written;  /* bytes of the archive so far */
	uint64_t left;     /* data the current entry still owes */
	size_t used;
	unsigned char buf[TAR_BUFFER];
};

/* The header's checksum: the sum of its bytes, its chksum field counted
 * as spaces. */
unsigned int tar_header_sum(const struct tar_ustar *h);

/* Every function returns 0 or -errno. */
void tar_init(struct tar_writer *w, int fd);
int tar_write_header(struct tar_writer *w, const struct tar_entry *e);
/* The entry's data, in pieces; padded when the last byte is written. */
int tar_write_data(struct tar_writer *w, const void *data, size_t n);
/* n xattrs of malloc'd names and values, and the array. */
void tar_xattrs_free(struct tar_xattr *v, size_t n);
/* The end-of-archive blocks, the last record filled; flushed. */
int tar_finish(struct tar_writer *w);

#endif
