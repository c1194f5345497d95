/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tar reader (the other half of tar.c), for archives nobody vouches
 * for.  A member is a ustar header block, possibly preceded by headers
 * that say more about it: pax extended headers ('x': path, linkpath,
 * size, uid, gid, mtime, SCHILY.xattr.*, GNU.sparse.*), GNU long names
 * ('L', 'K'); 'g' headers give defaults to every member after them.
 * Its data follows in whole blocks.  Sparse members come in GNU tar's
 * four forms: old GNU ('S': the map in the header and in extension
 * blocks after it), pax 0.0 (GNU.sparse.offset/numbytes pairs), 0.1
 * (GNU.sparse.map) and 1.0 (the map at the head of the data).
 *
 * Every header's checksum is checked; numbers are octal (or GNU's
 * base-256) and must fit; metadata blocks are bounded; a sparse map must
 * fit the member's size and its data; a stream that ends before the
 * end-of-archive block is truncated.  Every byte read is shown to
 * on_bytes (a digest of the stream) as it is read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <linux/limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tar_read.h"
#include "veneer/grow.h"

#define BLOCK TAR_BLOCK
/* A pax header or a long name larger than this is refused (xattrs and
 * paths are far smaller; the bound keeps a hostile size from costing
 * memory). */
#define MAX_META (16u << 20)
/* Entries of a sparse map: each costs 16 bytes of memory, and no file
 * system keeps more extents than this in one file in practice. */
#define MAX_SEGMENTS (1u << 20)

/* Old GNU headers: where the sparse map, its continuation flag and the
 * real size are (GNU tar's struct oldgnu_header), and an extension
 * block's. */
#define OLDGNU_SPARSE     386
#define OLDGNU_NSPARSE    4
#define OLDGNU_EXTENDED   482
#define OLDGNU_REALSIZE   483
#define EXT_NSPARSE       21
#define EXT_EXTENDED      504

/* What pax headers ('x' for one member, 'g' for all after it) say. */
struct tar_pax {
	char *path, *linkpath;
	bool has_size, has_uid, has_gid, has_mtime;
	uint64_t size, uid, gid;
	int64_t mtime;
	long mtime_nsec;
	struct tar_xattr *xattrs;
	size_t nxattrs, xattrs_cap;
	unsigned long skipped;
	char *skipped_first;
	/* GNU.sparse.* */
	bool sparse;           /* any of them */
	long major, minor;     /* -1: not given */
	char *sparse_name;
	bool has_realsize;
	uint64_t realsize;
	struct tar_segment *segs;
	size_t nsegs, segs_cap;
	bool has_offset;       /* 0.0: an offset waits for its numbytes */
	uint64_t offset;
	bool has_numblocks;
	uint64_t numblocks;
};

/* What is known of the member being read: the headers before its own. */
struct pending {
	struct tar_pax pax;
	char *longname, *longlink;
};

/* ------------------------------------------------------------ input */

void tar_reader_init(struct tar_reader *r, int fd,
		     void (*on_bytes)(void *arg, const void *buf, size_t n), void *arg)
{
	memset(r, 0, offsetof(struct tar_reader, buf));
	r->fd = fd;
	r->on_bytes = on_bytes;
	r->arg = arg;
}

/* More of the stream into buf: 0, or -errno. */
static int fill(struct tar_reader *r)
{
	ssize_t n;

	if (r->pos < r->have || r->eof)
		return 0;
	do
		n = read(r->fd, r->buf, sizeof(r->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	r->pos = 0;
	r->have = (size_t)n;
	r->eof = n == 0;
	if (n > 0 && r->on_bytes)
		r->on_bytes(r->arg, r->buf, (size_t)n);
	return 0;
}

/* Up to n bytes (dst NULL: dropped): how many (fewer at the stream's
 * end), or -errno. */
static ssize_t take(struct tar_reader *r, void *dst, size_t n)
{
	size_t got = 0;

	while (got < n) {
		size_t k;
		int e = fill(r);

		if (e < 0)
			return e;
		if (r->eof)
			break;
		k = r->have - r->pos < n - got ? r->have - r->pos : n - got;
		if (dst)
			memcpy((char *)dst + got, r->buf + r->pos, k);
		r->pos += k;
		got += k;
	}
	r->offset += got;
	return (ssize_t)got;
}

/* The member whose header or data is being read, for messages. */
static const char *after(const struct tar_reader *r)
{
	return r->last ? r->last : "";
}

static int truncated(struct tar_reader *r, const char *what, struct vn_error *err)
{
	if (r->last)
		return vn_fail(err, 0, "member '%s': the archive ends in %s (truncated)", after(r), what);
	return vn_fail(err, 0, "the archive ends in %s (truncated)", what);
}

static int read_failed(struct tar_reader *r, int e, struct vn_error *err)
{
	return vn_fail(err, -e, "read the archive at byte %" PRIu64, r->offset);
}

/* Exactly n bytes, or -1 with err set (what: for a truncation). */
static int take_all(struct tar_reader *r, void *dst, uint64_t n, const char *what,
		    struct vn_error *err)
{
	while (n > 0) {
		size_t k = n < (1u << 30) ? (size_t)n : (1u << 30);
		ssize_t got = take(r, dst, k);

		if (got < 0)
			return read_failed(r, (int)got, err);
		if ((size_t)got < k)
			return truncated(r, what, err);
		n -= k;
		if (dst)
			dst = (char *)dst + k;
	}
	return 0;
}

/* -------------------------------------------------------- numbers */

/* A numeric header field: octal digits (spaces before, a space or NUL
 * after), or GNU's base-256 (the high bit of the first byte set).
 * false when it is neither, or does not fit 63 bits. */
static bool parse_field(const char *f, size_t width, uint64_t *v)
{
	const unsigned char *u = (const unsigned char *)f;
	size_t i = 0;

	*v = 0;
	if (u[0] & 0x80) {
		if (u[0] != 0x80)
			return false; /* negative, or above 63 bits */
		for (i = 1; i < width; i++) {
			if (*v >> 55)
				return false;
			*v = *v << 8 | u[i];
		}
		return true;
	}
	while (i < width && u[i] == ' ')
		i++;
	for (; i < width && u[i] >= '0' && u[i] <= '7'; i++) {
		if (*v >> 60)
			return false;
		*v = *v << 3 | (uint64_t)(u[i] - '0');
	}
	for (; i < width; i++)
		if (u[i] != ' ' && u[i] != '\0')
			return false;
	return true;
}

/* A decimal pax value (no sign, no space): false when it is not. */
static bool parse_decimal(const char *s, size_t n, uint64_t *v)
{
	*v = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || *v > (UINT64_MAX - 9) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return *v <= INT64_MAX;
}

/* A pax time: [-]SECONDS[.FRACTION]. */
static bool parse_time(const char *s, size_t n, int64_t *sec, long *nsec)
{
	bool neg = n > 0 && s[0] == '-';
	const char *dot = memchr(s, '.', n);
	size_t whole = dot ? (size_t)(dot - s) : n;
	uint64_t v;

	if (!parse_decimal(s + neg, whole - neg, &v))
		return false;
	*nsec = 0;
	if (dot) {
		size_t digits = n - whole - 1;
		long scale = 100000000;

		for (size_t i = 0; i < digits; i++) {
			if (dot[1 + i] < '0' || dot[1 + i] > '9')
				return false;
			*nsec += (dot[1 + i] - '0') * scale;
			scale /= 10;
		}
	}
	*sec = neg ? -(int64_t)v : (int64_t)v;
	if (neg && *nsec) {
		(*sec)--;
		*nsec = 1000000000 - *nsec;
	}
	return true;
}

/* ------------------------------------------------------------- pax */

static void pax_free(struct tar_pax *p)
{
	free(p->path);
	free(p->linkpath);
	tar_xattrs_free(p->xattrs, p->nxattrs);
	free(p->skipped_first);
	free(p->sparse_name);
	free(p->segs);
	memset(p, 0, sizeof(*p));
	p->major = p->minor = -1;
}

/* A string value: NULs inside are refused (a path cut short is another
 * path). */
static int set_string(char **field, const char *v, size_t n)
{
	if (memchr(v, '\0', n))
		return -EINVAL;
	free(*field);
	*field = strndup(v, n);
	return *field ? 0 : -ENOMEM;
}

static int add_segment(struct tar_segment **v, size_t *n, size_t *cap, uint64_t offset,
		       uint64_t length)
{
	struct tar_segment *grown;

	if (*n == MAX_SEGMENTS)
		return -E2BIG;
	grown = vn_grow(*v, cap, *n, sizeof(*grown), 16);
	if (!grown)
		return -ENOMEM;
	*v = grown;
	(*v)[(*n)++] = (struct tar_segment){ offset, length };
	return 0;
}

/* Appended as it comes; a name given again is settled by
 * pax_settle_xattrs once the header is read (a scan for it at every
 * record made a header of 500,000 records cost minutes). */
static int add_xattr(struct tar_pax *p, const char *name, const char *v, size_t n)
{
	struct tar_xattr *x = vn_grow(p->xattrs, &p->xattrs_cap, p->nxattrs, sizeof(*x), 8);

	if (!x)
		return -ENOMEM;
	p->xattrs = x;
	x = &p->xattrs[p->nxattrs];
	x->name = strdup(name);
	x->value = malloc(n ? n : 1);
	if (!x->name || !x->value) {
		free(x->name);
		free(x->value);
		return -ENOMEM;
	}
	memcpy(x->value, v, n);
	x->size = n;
	p->nxattrs++;
	return 0;
}

/* An xattr and where it came: sorted by name, then by place. */
struct xattr_at {
	struct tar_xattr x;
	size_t at;
};

static int compare_by_name(const void *a, const void *b)
{
	const struct xattr_at *x = a, *y = b;
	int c = strcmp(x->x.name, y->x.name);

	return c ? c : x->at < y->at ? -1 : x->at > y->at;
}

static int compare_by_place(const void *a, const void *b)
{
	const struct xattr_at *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* A later record of a name is its value (pax): one xattr a name, in the
 * order of their last records.  The names together may not be longer
 * than a file can hold (XATTR_LIST_MAX): more is no layer's, and would
 * cost memory header after header.  0 or -errno. */
static int pax_settle_xattrs(struct tar_pax *p)
{
	struct xattr_at *v;
	size_t kept = 0, names = 0;

	if (p->nxattrs < 2)
		return p->nxattrs && strlen(p->xattrs[0].name) + 1 > XATTR_LIST_MAX ? -E2BIG : 0;
	v = calloc(p->nxattrs, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < p->nxattrs; i++)
		v[i] = (struct xattr_at){ p->xattrs[i], i };
	qsort(v, p->nxattrs, sizeof(*v), compare_by_name);
	for (size_t i = 0; i < p->nxattrs; i++) {
		if (i + 1 < p->nxattrs && strcmp(v[i].x.name, v[i + 1].x.name) == 0) {
			/* a later record follows */
			free(v[i].x.name);
			free(v[i].x.value);
			continue;
		}
		names += strlen(v[i].x.name) + 1;
		v[kept++] = v[i];
	}
	qsort(v, kept, sizeof(*v), compare_by_place);
	for (size_t i = 0; i < kept; i++)
		p->xattrs[i] = v[i].x;
	p->nxattrs = kept;
	free(v);
	return names > XATTR_LIST_MAX ? -E2BIG : 0;
}

/* An xattr (or ACL) record that is not set: counted, the first named. */
static int skip_xattr(struct tar_pax *p, const char *key)
{
	if (p->skipped++ == 0 && !(p->skipped_first = strdup(key)))
		return -ENOMEM;
	return 0;
}

/* GNU.sparse.map (0.1): "OFFSET,LENGTH,OFFSET,LENGTH...". */
static int parse_sparse_map(struct tar_pax *p, const char *v, size_t n)
{
	uint64_t pair[2];
	size_t i = 0, k = 0;

	p->nsegs = 0;
	while (i < n) {
		const char *comma = memchr(v + i, ',', n - i);
		size_t len = comma ? (size_t)(comma - (v + i)) : n - i;
		int r;

		if (!parse_decimal(v + i, len, &pair[k]))
			return -EINVAL;
		if (k == 1 && (r = add_segment(&p->segs, &p->nsegs, &p->segs_cap, pair[0], pair[1])) < 0)
			return r;
		k ^= 1;
		i += len + (comma ? 1 : 0);
		if (comma && i == n)
			return -EINVAL;
	}
	return k == 0 ? 0 : -EINVAL;
}

static int pax_sparse(struct tar_pax *p, const char *key, const char *v, size_t n)
{
	uint64_t num = 0;
	bool numeric = strcmp(key, "name") != 0 && strcmp(key, "map") != 0;

	p->sparse = true;
	if (numeric && !parse_decimal(v, n, &num))
		return -EINVAL;
	if (strcmp(key, "major") == 0)
		p->major = (long)(num > 1000 ? 1000 : num);
	else if (strcmp(key, "minor") == 0)
		p->minor = (long)(num > 1000 ? 1000 : num);
	else if (strcmp(key, "name") == 0)
		return set_string(&p->sparse_name, v, n);
	else if (strcmp(key, "realsize") == 0 || strcmp(key, "size") == 0) {
		p->has_realsize = true;
		p->realsize = num;
	} else if (strcmp(key, "numblocks") == 0) {
		p->has_numblocks = true;
		p->numblocks = num;
	} else if (strcmp(key, "offset") == 0) {
		p->has_offset = true;
		p->offset = num;
	} else if (strcmp(key, "numbytes") == 0) {
		/* 0.0: the pairs in order, each offset before its length */
		if (!p->has_offset)
			return -EINVAL;
		p->has_offset = false;
		return add_segment(&p->segs, &p->nsegs, &p->segs_cap, p->offset, num);
	} else if (strcmp(key, "map") == 0)
		return parse_sparse_map(p, v, n);
	return 0;
}

/* One record "KEY=VALUE" (value n bytes): 0 or -errno. */
static int pax_apply(struct tar_pax *p, const char *key, const char *v, size_t n)
{
	if (strcmp(key, "path") == 0)
		return set_string(&p->path, v, n);
	if (strcmp(key, "linkpath") == 0)
		return set_string(&p->linkpath, v, n);
	if (strcmp(key, "size") == 0)
		return (p->has_size = parse_decimal(v, n, &p->size)) ? 0 : -EINVAL;
	if (strcmp(key, "uid") == 0)
		return (p->has_uid = parse_decimal(v, n, &p->uid)) ? 0 : -EINVAL;
	if (strcmp(key, "gid") == 0)
		return (p->has_gid = parse_decimal(v, n, &p->gid)) ? 0 : -EINVAL;
	if (strcmp(key, "mtime") == 0)
		return (p->has_mtime = parse_time(v, n, &p->mtime, &p->mtime_nsec)) ? 0 : -EINVAL;
	if (strncmp(key, "SCHILY.xattr.user.", 18) == 0)
		return add_xattr(p, key + 13, v, n);
	if (strncmp(key, "SCHILY.xattr.", 13) == 0)
		return skip_xattr(p, key + 13);
	if (strncmp(key, "LIBARCHIVE.xattr.", 17) == 0 ||
	    strncmp(key, "SCHILY.acl.", 11) == 0)
		return skip_xattr(p, key);
	if (strncmp(key, "GNU.sparse.", 11) == 0)
		return pax_sparse(p, key + 11, v, n);
	return 0; /* atime, ctime, uname, gname, comment, charset...: not kept */
}

/* The records of a pax header: "LENGTH KEY=VALUE\n", LENGTH counting
 * the whole record. */
static int pax_parse(struct tar_pax *p, char *data, size_t size)
{
	size_t at = 0;

	while (at < size) {
		uint64_t len;
		char *space = memchr(data + at, ' ', size - at), *key, *eq, *end;
		int r;

		if (data[at] == '\0')
			break; /* padding some writers leave */
		if (!space || !parse_decimal(data + at, (size_t)(space - (data + at)), &len) ||
		    len > size - at || len < (uint64_t)(space - (data + at)) + 3)
			return -EINVAL;
		end = data + at + len - 1;
		key = space + 1;
		eq = memchr(key, '=', (size_t)(end - key));
		if (*end != '\n' || !eq || eq == key)
			return -EINVAL;
		*eq = '\0';
		if (memchr(key, '\0', (size_t)(eq - key)))
			return -EINVAL;
		r = pax_apply(p, key, eq + 1, (size_t)(end - (eq + 1)));
		if (r < 0)
			return r;
		at += len;
	}
	return 0;
}

/* --------------------------------------------------------- headers */

static bool is_zero_block(const unsigned char *b)
{
	for (size_t i = 0; i < BLOCK; i++)
		if (b[i])
			return false;
	return true;
}

/* The unsigned sum, or the signed one some old tars wrote. */
static bool checksum_ok(const struct tar_ustar *h)
{
	const signed char *b = (const signed char *)h;
	size_t at = offsetof(struct tar_ustar, chksum);
	int ssum = ' ' * (int)sizeof(h->chksum);
	uint64_t stored;

	if (!parse_field(h->chksum, sizeof(h->chksum), &stored))
		return false;
	for (size_t i = 0; i < sizeof(*h); i++)
		if (i < at || i >= at + sizeof(h->chksum))
			ssum += b[i];
	return stored == tar_header_sum(h) || (int64_t)stored == ssum;
}

/* A header field as a string (not always NUL-terminated). */
static char *field_string(const char *f, size_t width)
{
	return strndup(f, strnlen(f, width));
}

/* The path of a ustar header: prefix/name (POSIX ustar; in GNU's own
 * format the prefix's bytes are other fields). */
static char *header_path(const struct tar_ustar *h)
{
	char *path;

	if (memcmp(h->magic, "ustar", 6) != 0 || !h->prefix[0])
		return field_string(h->name, sizeof(h->name));
	if (asprintf(&path, "%.*s/%.*s", (int)strnlen(h->prefix, sizeof(h->prefix)), h->prefix,
		     (int)strnlen(h->name, sizeof(h->name)), h->name) < 0)
		return NULL;
	return path;
}

/* The data of a metadata header ('x', 'g', 'L', 'K'), NUL-terminated. */
static int read_meta(struct tar_reader *r, uint64_t size, char **out, struct vn_error *err)
{
	uint64_t padded = (size + BLOCK - 1) / BLOCK * BLOCK;

	if (size > MAX_META)
		return vn_fail(err, 0, "%s%s%sa pax header or long name of %" PRIu64 " bytes: too "
			       "large", r->last ? "after member '" : "", after(r),
			       r->last ? "': " : "", size);
	*out = malloc(size + 1);
	if (!*out)
		return vn_fail(err, ENOMEM, "read the archive");
	if (take_all(r, *out, size, "a pax header or long name", err) < 0 ||
	    take_all(r, NULL, padded - size, "a pax header or long name", err) < 0)
		return -1;
	(*out)[size] = '\0';
	return 0;
}

static int bad_header(struct tar_reader *r, const char *what, struct vn_error *err)
{
	if (r->last)
		return vn_fail(err, 0, "the header after member '%s' %s", after(r), what);
	return vn_fail(err, 0, "the first header %s", what);
}

/* ---------------------------------------------------------- sparse */

/* Old GNU ('S'): up to n entries of (offset, length) at map, 24 bytes
 * each; an empty offset field ends the map. */
static int old_gnu_entries(const unsigned char *map, size_t n, struct tar_member *m,
			   size_t *cap)
{
	for (size_t i = 0; i < n; i++) {
		const char *e = (const char *)map + 24 * i;
		uint64_t off, len;
		int r;

		if (!e[0])
			return 0;
		if (!parse_field(e, 12, &off) || !parse_field(e + 12, 12, &len))
			return -EINVAL;
		r = add_segment(&m->segments, &m->nsegments, cap, off, len);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_old_gnu_sparse(struct tar_reader *r, const unsigned char *h, struct tar_member *m,
			       struct vn_error *err)
{
	unsigned char ext[BLOCK];
	size_t cap = 0;
	bool more = h[OLDGNU_EXTENDED] != 0;
	int e = old_gnu_entries(h + OLDGNU_SPARSE, OLDGNU_NSPARSE, m, &cap);

	if (e == 0 && !parse_field((const char *)h + OLDGNU_REALSIZE, 12, &m->size))
		e = -EINVAL;
	while (e == 0 && more) {
		if (take_all(r, ext, BLOCK, "a sparse map", err) < 0)
			return -1;
		e = old_gnu_entries(ext, EXT_NSPARSE, m, &cap);
		more = ext[EXT_EXTENDED] != 0;
	}
	if (e < 0)
		return vn_fail(err, e == -EINVAL ? 0 : -e, "member '%s': its sparse map %s", m->path,
			       e == -EINVAL ? "is not made of numbers" : "cannot be read");
	return 0;
}

/* Pax 1.0: the map at the head of the data, decimal numbers one a line
 * (the count, then offset and length of each segment), padded to a
 * whole block.  Read a block at a time. */
struct map_reader {
	char block[BLOCK];
	size_t at;
	uint64_t blocks;
};

static int map_number(struct tar_reader *r, struct map_reader *mr, uint64_t *v,
		      struct vn_error *err)
{
	char digits[24];
	size_t n = 0;

	for (;;) {
		if (mr->at == BLOCK || mr->blocks == 0) {
			if (r->left < BLOCK)
				return -EINVAL;
			if (take_all(r, mr->block, BLOCK, "a sparse map", err) < 0)
				return -1;
			r->left -= BLOCK;
			mr->blocks++;
			mr->at = 0;
		}
		char c = mr->block[mr->at++];

		if (c == '\n')
			break;
		if (n == sizeof(digits))
			return -EINVAL;
		digits[n++] = c;
	}
	return parse_decimal(digits, n, v) ? 0 : -EINVAL;
}

static int read_pax1_map(struct tar_reader *r, struct tar_member *m, struct vn_error *err)
{
	struct map_reader mr = { .at = 0 };
	uint64_t count, off, len;
	size_t cap = 0;
	int e = map_number(r, &mr, &count, err);

	/* each entry takes at least 4 bytes of the data: a count that does
	 * not fit is refused before anything is allocated for it */
	if (e == 0 && count > r->left / 4 + BLOCK)
		e = -EINVAL;
	for (uint64_t i = 0; e == 0 && i < count; i++) {
		e = map_number(r, &mr, &off, err);
		if (e == 0)
			e = map_number(r, &mr, &len, err);
		if (e == 0)
			e = add_segment(&m->segments, &m->nsegments, &cap, off, len);
	}
	if (e == -1)
		return -1;
	if (e < 0)
		return vn_fail(err, e == -EINVAL ? 0 : -e, "member '%s': its sparse map %s", m->path,
			       e == -EINVAL ? "is not made of numbers that fit its size"
					    : "cannot be read");
	return 0;
}

/* The segments in order, apart, inside the file, their data all the
 * member holds. */
static int check_segments(const struct tar_reader *r, const struct tar_member *m,
			  struct vn_error *err)
{
	uint64_t end = 0, data = 0;

	for (size_t i = 0; i < m->nsegments; i++) {
		const struct tar_segment *s = &m->segments[i];

		if (s->offset < end || s->length > m->size || s->offset > m->size - s->length)
			return vn_fail(err, 0, "member '%s': its sparse map does not fit its size of %"
				       PRIu64 " bytes", m->path, m->size);
		end = s->offset + s->length;
		data += s->length;
	}
	if (data != r->left)
		return vn_fail(err, 0, "member '%s': its sparse map holds %" PRIu64 " bytes, its "
			       "data %" PRIu64, m->path, data, r->left);
	return 0;
}

/* A sparse member of pax 0.0, 0.1 (the map in the header) or 1.0 (in
 * the data). */
static int pax_sparse_member(struct tar_reader *r, struct tar_pax *p, struct tar_member *m,
			     struct vn_error *err)
{
	if (!p->has_realsize)
		return vn_fail(err, 0, "member '%s': a sparse member without its size", m->path);
	m->size = p->realsize;
	if (p->major == 1 && p->minor == 0)
		return read_pax1_map(r, m, err);
	if (p->major > 0 || (p->has_numblocks && p->numblocks != p->nsegs))
		return vn_fail(err, 0, "member '%s': a sparse member of a format not known "
			       "(GNU.sparse %ld.%ld)", m->path, p->major, p->minor);
	m->segments = p->segs;
	m->nsegments = p->nsegs;
	p->segs = NULL;
	p->nsegs = p->segs_cap = 0;
	return 0;
}

/* ---------------------------------------------------------- members */

static char member_type(char flag)
{
	return flag == '\0' || flag == '7' || flag == 'S' ? TAR_REG : flag;
}

static int take_string(char **dst, char **src)
{
	*dst = *src;
	*src = NULL;
	return 0;
}

/* Path and link target: pax over GNU long names over the header. */
static int member_names(const struct tar_ustar *h, struct pending *pd, struct tar_member *m)
{
	if (pd->pax.sparse_name)
		take_string(&m->path, &pd->pax.sparse_name);
	else if (pd->pax.path)
		take_string(&m->path, &pd->pax.path);
	else if (pd->longname)
		take_string(&m->path, &pd->longname);
	else
		m->path = header_path(h);
	if (m->type == TAR_HARDLINK || m->type == TAR_SYMLINK) {
		if (pd->pax.linkpath)
			take_string(&m->linkname, &pd->pax.linkpath);
		else if (pd->longlink)
			take_string(&m->linkname, &pd->longlink);
		else
			m->linkname = field_string(h->linkname, sizeof(h->linkname));
		if (!m->linkname)
			return -ENOMEM;
	}
	return m->path ? 0 : -ENOMEM;
}

/* Numbers: a member's pax records, else the 'g' ones, else its header. */
static int member_numbers(const struct tar_reader *r, const struct tar_ustar *h,
			  const struct tar_pax *p, struct tar_member *m, uint64_t *stored)
{
	const struct tar_pax *g = r->global;
	uint64_t mode, mtime = 0, major = 0, minor = 0;

	if (!parse_field(h->mode, sizeof(h->mode), &mode) ||
	    (!p->has_uid && !parse_field(h->uid, sizeof(h->uid), &m->uid)) ||
	    (!p->has_gid && !parse_field(h->gid, sizeof(h->gid), &m->gid)) ||
	    (!p->has_size && !parse_field(h->size, sizeof(h->size), stored)) ||
	    (!p->has_mtime && !parse_field(h->mtime, sizeof(h->mtime), &mtime)))
		return -EINVAL;
	if ((m->type == TAR_CHR || m->type == TAR_BLK) &&
	    (!parse_field(h->devmajor, sizeof(h->devmajor), &major) ||
	     !parse_field(h->devminor, sizeof(h->devminor), &minor) || major > 0xfff ||
	     minor > 0xfffff))
		return -EINVAL;
	m->mode = (mode_t)(mode & 07777);
	m->uid = p->has_uid ? p->uid : g && g->has_uid ? g->uid : m->uid;
	m->gid = p->has_gid ? p->gid : g && g->has_gid ? g->gid : m->gid;
	m->mtime = p->has_mtime ? p->mtime : g && g->has_mtime ? g->mtime : (int64_t)mtime;
	m->mtime_nsec = p->has_mtime ? p->mtime_nsec : g && g->has_mtime ? g->mtime_nsec : 0;
	if (p->has_size)
		*stored = p->size;
	m->devmajor = (unsigned int)major;
	m->devminor = (unsigned int)minor;
	return 0;
}

static int member_xattrs(struct tar_pax *p, struct tar_member *m)
{
	m->xattrs = p->xattrs;
	m->nxattrs = p->nxattrs;
	m->xattrs_skipped = p->skipped;
	m->xattr_skipped = p->skipped_first;
	p->xattrs = NULL;
	p->nxattrs = p->xattrs_cap = 0;
	p->skipped_first = NULL;
	return 0;
}

/* The member of header h, what came before it in pd. */
static int make_member(struct tar_reader *r, const unsigned char *block, struct pending *pd,
		       struct tar_member *m, struct vn_error *err)
{
	const struct tar_ustar *h = (const struct tar_ustar *)block;
	uint64_t stored = 0;
	int e;

	m->type = member_type(h->typeflag);
	e = member_names(h, pd, m);
	if (e < 0)
		return vn_fail(err, -e, "read the archive");
	/* old tars mark a directory by a slash only */
	if (m->type == TAR_REG && h->typeflag != 'S' && m->path[0] &&
	    m->path[strlen(m->path) - 1] == '/')
		m->type = TAR_DIR;
	if (member_numbers(r, h, &pd->pax, m, &stored) < 0)
		return vn_fail(err, 0, "member '%s': a number of its header is not one, or does not "
			       "fit", m->path);
	if (stored > INT64_MAX)
		return vn_fail(err, 0, "member '%s': its size does not fit", m->path);
	member_xattrs(&pd->pax, m);
	r->left = stored;
	r->pad = (BLOCK - stored % BLOCK) % BLOCK;
	m->size = m->type == TAR_REG ? stored : 0;
	if (h->typeflag == 'S')
		e = read_old_gnu_sparse(r, block, m, err);
	else if (m->type == TAR_REG && pd->pax.sparse)
		e = pax_sparse_member(r, &pd->pax, m, err);
	if (e == 0 && m->nsegments)
		e = check_segments(r, m, err);
	return e;
}

/* A metadata header: its data into pd.  0, or -1 with err set. */
static int read_metadata(struct tar_reader *r, const struct tar_ustar *h, struct pending *pd,
			 struct vn_error *err)
{
	uint64_t size;
	char *data = NULL;
	int e = 0;

	if (!parse_field(h->size, sizeof(h->size), &size))
		return bad_header(r, "has a size that is not a number", err);
	if (read_meta(r, size, &data, err) < 0) {
		free(data);
		return -1;
	}
	if (h->typeflag == 'x') {
		e = pax_parse(&pd->pax, data, size);
		if (e == 0)
			e = pax_settle_xattrs(&pd->pax);
	} else if (h->typeflag == 'g') {
		if (!r->global && !(r->global = calloc(1, sizeof(*r->global))))
			e = -ENOMEM;
		if (e == 0)
			e = pax_parse(r->global, data, size);
		if (e == 0)
			e = pax_settle_xattrs(r->global);
	} else if (strlen(data) == 0) {
		e = -EINVAL;
	} else {
		char **dst = h->typeflag == 'L' ? &pd->longname : &pd->longlink;

		free(*dst);
		*dst = data; /* up to its NUL */
		data = NULL;
	}
	free(data);
	if (e == -ENOMEM)
		return vn_fail(err, ENOMEM, "read the archive");
	if (e == -E2BIG)
		return bad_header(r, "is a pax header of more xattrs than a file can hold", err);
	if (e < 0)
		return bad_header(r, h->typeflag == 'x' || h->typeflag == 'g'
					     ? "is a pax header that cannot be read"
					     : "is an empty long name", err);
	return 0;
}

static void pending_free(struct pending *pd)
{
	pax_free(&pd->pax);
	free(pd->longname);
	free(pd->longlink);
}

/* The rest of the current member: data and padding. */
static int skip_rest(struct tar_reader *r, struct vn_error *err)
{
	uint64_t n = r->left + r->pad;

	r->left = r->pad = 0;
	return take_all(r, NULL, n, "a member's data", err);
}

/* A volume label ('V'): no member, its data (if any) skipped. */
static int skip_label(struct tar_reader *r, const struct tar_ustar *h, struct vn_error *err)
{
	if (!parse_field(h->size, sizeof(h->size), &r->left) || r->left > INT64_MAX)
		return bad_header(r, "has a size that is not a number", err);
	r->pad = (BLOCK - r->left % BLOCK) % BLOCK;
	return skip_rest(r, err);
}

static int remember(struct tar_reader *r, const char *path)
{
	free(r->last);
	r->last = strdup(path);
	return r->last ? 0 : -ENOMEM;
}

int tar_read_next(struct tar_reader *r, struct tar_member *m, struct vn_error *err)
{
	struct pending pd = { .pax = { .major = -1, .minor = -1 } };
	unsigned char block[BLOCK];
	int e = 0;

	memset(m, 0, sizeof(*m));
	if (skip_rest(r, err) < 0)
		return -1;
	for (;;) {
		ssize_t got = take(r, block, BLOCK);

		if (got < 0)
			e = read_failed(r, (int)got, err);
		else if (got == 0 && !r->last)
			e = vn_fail(err, 0, "the archive is empty, or not a tar");
		else if (got < BLOCK)
			e = truncated(r, got ? "a header" : "no end-of-archive block", err);
		else if (is_zero_block(block))
			break;
		else if (!checksum_ok((const struct tar_ustar *)block))
			e = bad_header(r, "has a bad checksum (not a tar, or damaged)", err);
		else if (strchr("xgLK", block[offsetof(struct tar_ustar, typeflag)]) &&
			 block[offsetof(struct tar_ustar, typeflag)])
			e = read_metadata(r, (const struct tar_ustar *)block, &pd, err);
		else if (block[offsetof(struct tar_ustar, typeflag)] == 'V')
			e = skip_label(r, (const struct tar_ustar *)block, err);
		else {
			e = make_member(r, block, &pd, m, err);
			if (e == 0 && remember(r, m->path) < 0)
				e = vn_fail(err, ENOMEM, "read the archive");
			pending_free(&pd);
			if (e < 0) {
				tar_member_free(m);
				return -1;
			}
			return 1;
		}
		if (e < 0)
			break;
	}
	pending_free(&pd);
	return e < 0 ? -1 : 0;
}

ssize_t tar_read_data(struct tar_reader *r, const struct tar_member *m, void *buf, size_t n,
		      struct vn_error *err)
{
	ssize_t got;

	if (n > r->left)
		n = (size_t)r->left;
	if (n == 0)
		return 0;
	got = take(r, buf, n);
	if (got < 0)
		return read_failed(r, (int)got, err);
	if (got == 0)
		return vn_fail(err, 0, "member '%s': the archive ends in its data (truncated)", m->path);
	r->left -= (uint64_t)got;
	return got;
}

int tar_read_drain(struct tar_reader *r, struct vn_error *err)
{
	ssize_t got;

	r->left = r->pad = 0;
	do
		got = take(r, NULL, sizeof(r->buf));
	while (got > 0);
	return got < 0 ? read_failed(r, (int)got, err) : 0;
}

void tar_member_free(struct tar_member *m)
{
	free(m->path);
	free(m->linkname);
	free(m->segments);
	tar_xattrs_free(m->xattrs, m->nxattrs);
	free(m->xattr_skipped);
	memset(m, 0, sizeof(*m));
}

void tar_reader_free(struct tar_reader *r)
{
	free(r->last);
	r->last = NULL;
	if (r->global) {
		pax_free(r->global);
		free(r->global);
		r->global = NULL;
	}
}
