/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tar writer (POSIX.1-2001 pax interchange format): each entry is a
 * ustar header, preceded by a pax extended header ('x') holding what the
 * ustar fields cannot: a path or link target over 100 bytes, a size, id
 * or time too large for its octal field, and xattrs.  Blocks are 512
 * bytes; the archive ends with two zero blocks and is filled to a whole
 * 10240-byte record, as GNU tar writes it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tar.h"

#define BLOCK  TAR_BLOCK
#define RECORD (20u * BLOCK)


/* The records of a pax extended header. */
struct pax {
	char *buf;
	size_t len, cap;
};

/* ----------------------------------------------------------- output */

static int flush(struct tar_writer *w)
{
	size_t off = 0;

	while (off < w->used) {
		ssize_t n = write(w->fd, w->buf + off, w->used - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	w->used = 0;
	return 0;
}

static int put(struct tar_writer *w, const void *data, size_t n)
{
	const unsigned char *p = data;

	while (n > 0) {
		size_t room = sizeof(w->buf) - w->used;
		size_t take = n < room ? n : room;
		int r;

		memcpy(w->buf + w->used, p, take);
		w->used += take;
		w->written += take;
		p += take;
		n -= take;
		if (w->used == sizeof(w->buf) && (r = flush(w)) < 0)
			return r;
	}
	return 0;
}

/* Zeros up to the next multiple of unit. */
static int pad_to(struct tar_writer *w, uint64_t unit)
{
	static const unsigned char zeros[BLOCK];
	uint64_t gap = (unit - w->written % unit) % unit;

	while (gap > 0) {
		size_t n = gap < sizeof(zeros) ? (size_t)gap : sizeof(zeros);
		int r = put(w, zeros, n);

		if (r < 0)
			return r;
		gap -= n;
	}
	return 0;
}

void tar_init(struct tar_writer *w, int fd)
{
	w->fd = fd;
	w->written = 0;
	w->left = 0;
	w->used = 0;
}

/* ------------------------------------------------------- pax records */

static size_t decimal_digits(size_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* "LEN KEY=VALUE\n", LEN counting itself. */
static int pax_add(struct pax *p, const char *key, const char *value, size_t vlen)
{
	size_t body = 1 + strlen(key) + 1 + vlen + 1;
	size_t len = body + decimal_digits(body);
	int n;

	if (decimal_digits(len) != decimal_digits(body))
		len++;
	if (p->len + len + 1 > p->cap) {
		size_t cap = (p->len + len + 1) * 2;
		char *grown = realloc(p->buf, cap);

		if (!grown)
			return -ENOMEM;
		p->buf = grown;
		p->cap = cap;
	}
	n = sprintf(p->buf + p->len, "%zu %s=", len, key);
	memcpy(p->buf + p->len + n, value, vlen);
	p->buf[p->len + len - 1] = '\n';
	p->len += len;
	return 0;
}

static int pax_add_number(struct pax *p, const char *key, int64_t v)
{
	char s[32];
	int n = snprintf(s, sizeof(s), "%" PRId64, v);

	return pax_add(p, key, s, (size_t)n);
}

static int pax_add_xattrs(struct pax *p, const struct tar_entry *e)
{
	for (size_t i = 0; i < e->nxattrs; i++) {
		char key[300];
		int r;

		if (snprintf(key, sizeof(key), "SCHILY.xattr.%s", e->xattrs[i].name) >= (int)sizeof(key))
			return -ENAMETOOLONG;
		r = pax_add(p, key, e->xattrs[i].value, e->xattrs[i].size);
		if (r < 0)
			return r;
	}
	return 0;
}

/* width-1 octal digits and a NUL; false when v needs more. */
static bool put_octal(char *field, size_t width, uint64_t v)
{
	if (v >> (3 * (width - 1)) != 0)
		return false;
	snprintf(field, width, "%0*" PRIo64, (int)(width - 1), v);
	return true;
}

static int fill_string(char *field, size_t width, const char *s, const char *key, struct pax *p)
{
	size_t n = strlen(s);

	memcpy(field, s, n < width ? n : width);
	return n <= width ? 0 : pax_add(p, key, s, n);
}

static int fill_number(char *field, size_t width, uint64_t v, const char *key, struct pax *p)
{
	if (put_octal(field, width, v))
		return 0;
	put_octal(field, width, 0);
	return v > INT64_MAX ? -EOVERFLOW : pax_add_number(p, key, (int64_t)v);
}

static int fill_mtime(char *field, size_t width, int64_t t, struct pax *p)
{
	if (t >= 0 && put_octal(field, width, (uint64_t)t))
		return 0;
	put_octal(field, width, 0);
	return pax_add_number(p, "mtime", t);
}

static int fill_device(struct tar_ustar *h, const struct tar_entry *e)
{
	if (e->type != TAR_CHR && e->type != TAR_BLK)
		return 0;
	if (!put_octal(h->devmajor, sizeof(h->devmajor), e->devmajor) ||
	    !put_octal(h->devminor, sizeof(h->devminor), e->devminor))
		return -EOVERFLOW;
	return 0;
}

unsigned int tar_header_sum(const struct tar_ustar *h)
{
	const unsigned char *b = (const unsigned char *)h;
	size_t at = offsetof(struct tar_ustar, chksum);
	unsigned int sum = ' ' * sizeof(h->chksum);

	for (size_t i = 0; i < sizeof(*h); i++)
		if (i < at || i >= at + sizeof(h->chksum))
			sum += b[i];
	return sum;
}

static void finish_header(struct tar_ustar *h)
{
	memcpy(h->magic, "ustar", 6);
	memcpy(h->version, "00", 2);
	snprintf(h->chksum, sizeof(h->chksum) - 1, "%06o", tar_header_sum(h));
	h->chksum[7] = ' ';
}

/* ----------------------------------------------------------- sparse */

static bool is_sparse(const struct tar_entry *e)
{
	return e->type == TAR_REG && e->nsegments > 0;
}

static uint64_t segments_data(const struct tar_entry *e)
{
	uint64_t n = 0;

	for (size_t i = 0; i < e->nsegments; i++)
		n += e->segments[i].length;
	return n;
}

/* The map at the head of a sparse entry's data: "N\n", then "OFFSET\n
 * LENGTH\n" per segment, and a last empty one at the file's end when it
 * ends in a hole (as GNU tar writes it).  Malloc'd, *len its length. */
static char *sparse_map(const struct tar_entry *e, size_t *len)
{
	const struct tar_segment *last = &e->segments[e->nsegments - 1];
	bool tail = last->offset + last->length < e->size;
	size_t cap = 24 + (e->nsegments + 1) * 44, n;
	char *map = malloc(cap);

	if (!map)
		return NULL;
	n = (size_t)snprintf(map, cap, "%zu\n", e->nsegments + (tail ? 1 : 0));
	for (size_t i = 0; i < e->nsegments; i++)
		n += (size_t)snprintf(map + n, cap - n, "%" PRIu64 "\n%" PRIu64 "\n",
				      e->segments[i].offset, e->segments[i].length);
	if (tail)
		n += (size_t)snprintf(map + n, cap - n, "%" PRIu64 "\n0\n", e->size);
	*len = n;
	return map;
}

/* "DIR/GNUSparseFile.0/NAME", the name GNU tar gives a sparse entry's
 * ustar header (GNU.sparse.name holds the real one). */
static char *sparse_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *name;

	if (asprintf(&name, "%.*s%sGNUSparseFile.0/%s", slash ? (int)(slash - path) : 0, path,
		     slash ? "/" : "", slash ? slash + 1 : path) < 0)
		return NULL;
	return name;
}

static int pax_add_sparse(struct pax *p, const struct tar_entry *e)
{
	int r = pax_add_number(p, "GNU.sparse.major", 1);

	if (r == 0)
		r = pax_add_number(p, "GNU.sparse.minor", 0);
	if (r == 0)
		r = pax_add(p, "GNU.sparse.name", e->path, strlen(e->path));
	if (r == 0)
		r = e->size > INT64_MAX ? -EOVERFLOW
					: pax_add_number(p, "GNU.sparse.realsize", (int64_t)e->size);
	return r;
}

/* ----------------------------------------------------------- headers */

/* The ustar header of e; what does not fit goes into p.  A sparse entry's
 * stored size is its map's blocks and its segments' data. */
static int fill_header(struct tar_ustar *h, const struct tar_entry *e, struct pax *p,
		       uint64_t map_blocks)
{
	uint64_t size = !is_sparse(e) ? (e->type == TAR_REG ? e->size : 0)
				      : map_blocks * BLOCK + segments_data(e);
	char *sparse = is_sparse(e) ? sparse_name(e->path) : NULL;
	int r;

	if (is_sparse(e) && !sparse)
		return -ENOMEM;
	memset(h, 0, sizeof(*h));
	h->typeflag = e->type;
	put_octal(h->mode, sizeof(h->mode), e->mode & 07777);
	r = fill_string(h->name, sizeof(h->name), sparse ? sparse : e->path, "path", p);
	free(sparse);
	if (r == 0 && is_sparse(e))
		r = pax_add_sparse(p, e);
	if (r < 0 ||
	    (r = fill_string(h->linkname, sizeof(h->linkname), e->linkname ? e->linkname : "",
			     "linkpath", p)) < 0 ||
	    (r = fill_number(h->uid, sizeof(h->uid), e->uid, "uid", p)) < 0 ||
	    (r = fill_number(h->gid, sizeof(h->gid), e->gid, "gid", p)) < 0 ||
	    (r = fill_number(h->size, sizeof(h->size), size, "size", p)) < 0 ||
	    (r = fill_mtime(h->mtime, sizeof(h->mtime), e->mtime, p)) < 0 ||
	    (r = fill_device(h, e)) < 0)
		return r;
	return pax_add_xattrs(p, e);
}

/* "PaxHeaders/BASENAME" (GNU tar's %d/PaxHeaders/%f, without %d). */
static void pax_header_name(char *name, size_t size, const char *path)
{
	size_t len = strlen(path);
	const char *base;

	while (len > 1 && path[len - 1] == '/')
		len--;
	base = memrchr(path, '/', len - 1);
	base = base ? base + 1 : path;
	snprintf(name, size, "PaxHeaders/%.*s", (int)(len - (size_t)(base - path)), base);
}

static int write_pax(struct tar_writer *w, const struct tar_entry *e, const struct pax *p)
{
	struct tar_ustar h;
	char name[sizeof(h.name) + 1];
	int64_t mtime = e->mtime < 0 ? 0 : e->mtime > 077777777777 ? 077777777777 : e->mtime;
	int r;

	memset(&h, 0, sizeof(h));
	pax_header_name(name, sizeof(name), e->path);
	memcpy(h.name, name, strlen(name));
	h.typeflag = 'x';
	put_octal(h.mode, sizeof(h.mode), 0644);
	put_octal(h.uid, sizeof(h.uid), 0);
	put_octal(h.gid, sizeof(h.gid), 0);
	if (!put_octal(h.size, sizeof(h.size), p->len))
		return -EOVERFLOW;
	put_octal(h.mtime, sizeof(h.mtime), (uint64_t)mtime);
	finish_header(&h);
	if ((r = put(w, &h, sizeof(h))) < 0 || (r = put(w, p->buf, p->len)) < 0)
		return r;
	return pad_to(w, BLOCK);
}

int tar_write_header(struct tar_writer *w, const struct tar_entry *e)
{
	struct pax p = { 0 };
	struct tar_ustar h;
	size_t map_len = 0;
	char *map = NULL;
	int r = 0;

	if (w->left)
		return -EINVAL; /* the previous entry's data is missing */
	if (is_sparse(e) && !(map = sparse_map(e, &map_len)))
		return -ENOMEM;
	r = fill_header(&h, e, &p, (map_len + BLOCK - 1) / BLOCK);
	if (r == 0 && p.len)
		r = write_pax(w, e, &p);
	free(p.buf);
	if (r == 0) {
		finish_header(&h);
		r = put(w, &h, sizeof(h));
	}
	if (r == 0 && map && (r = put(w, map, map_len)) == 0)
		r = pad_to(w, BLOCK);
	free(map);
	if (r == 0)
		w->left = e->type != TAR_REG ? 0 : is_sparse(e) ? segments_data(e) : e->size;
	return r;
}

int tar_write_data(struct tar_writer *w, const void *data, size_t n)
{
	int r;

	if (n > w->left)
		return -EINVAL;
	r = put(w, data, n);
	if (r < 0)
		return r;
	w->left -= n;
	return w->left == 0 ? pad_to(w, BLOCK) : 0;
}

void tar_xattrs_free(struct tar_xattr *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

int tar_finish(struct tar_writer *w)
{
	static const unsigned char end[2 * BLOCK];
	int r;

	if (w->left)
		return -EINVAL;
	if ((r = put(w, end, sizeof(end))) < 0 || (r = pad_to(w, RECORD)) < 0)
		return r;
	return flush(w);
}
