/* SPDX-License-Identifier: Apache-2.0 */
/* The tar reader (supervisor/tar_read.c) against the writer (tar.c) and
 * against headers made by hand: what the writer writes is read back,
 * field for field and byte for byte; a bad checksum, a truncation, a
 * malformed pax record, a sparse map that does not fit are errors; GNU
 * base-256 numbers are read; every byte of the stream is shown. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tar.h"
#include "tar_read.h"

static int new_memfd(void)
{
	int fd = memfd_create("tar", MFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	return fd;
}

static void write_entry(struct tar_writer *w, const struct tar_entry *e, const char *data,
			size_t n)
{
	cr_assert_eq(tar_write_header(w, e), 0, "write the header of %s", e->path);
	if (n)
		cr_assert_eq(tar_write_data(w, data, n), 0);
}

static void count_bytes(void *arg, const void *buf, size_t n)
{
	(void)buf;
	*(uint64_t *)arg += n;
}

/* The next member, which must be there. */
static void next(struct tar_reader *r, struct tar_member *m)
{
	struct vn_error err = { 0 };

	cr_assert_eq(tar_read_next(r, m, &err), 1, "read a member: %s", err.msg);
}

static void read_all(struct tar_reader *r, struct tar_member *m, char *buf, size_t size,
		     size_t *got)
{
	struct vn_error err = { 0 };
	ssize_t n;

	*got = 0;
	while ((n = tar_read_data(r, m, buf + *got, size - *got, &err)) > 0)
		*got += (size_t)n;
	cr_assert_eq(n, 0, "read data: %s", err.msg);
}

Test(tar_read, what_the_writer_writes_is_read_back)
{
	char long_path[300], long_target[200], buf[64];
	struct tar_xattr xa[] = { { "user.a", "one", 3 }, { "user.bin", "\0\1\2", 3 } };
	struct tar_segment segs[] = { { 4096, 5 }, { 1 << 20, 4 } };
	struct tar_writer *w = calloc(1, sizeof(*w));
	struct tar_reader *r = calloc(1, sizeof(*r));
	struct vn_error err = { 0 };
	struct tar_member m;
	uint64_t seen = 0;
	size_t got;
	int fd = new_memfd();

	memset(long_path, 'p', sizeof(long_path));
	memcpy(long_path + 100, "/", 1);
	long_path[sizeof(long_path) - 1] = '\0';
	memset(long_target, 't', sizeof(long_target));
	long_target[sizeof(long_target) - 1] = '\0';
	tar_init(w, fd);
	write_entry(w, &(struct tar_entry){ .path = "d/", .type = TAR_DIR, .mode = 0755, .uid = 5,
					    .gid = 6, .mtime = 1700000000 }, NULL, 0);
	write_entry(w, &(struct tar_entry){ .path = "d/f", .type = TAR_REG, .mode = 04750,
					    .uid = 70000000000ull, .gid = 1, .mtime = -5, .size = 5,
					    .xattrs = xa, .nxattrs = 2 }, "hello", 5);
	write_entry(w, &(struct tar_entry){ .path = long_path, .type = TAR_SYMLINK, .mode = 0777,
					    .linkname = long_target }, NULL, 0);
	write_entry(w, &(struct tar_entry){ .path = "d/sparse", .type = TAR_REG, .mode = 0644,
					    .size = 2 << 20, .segments = segs, .nsegments = 2 },
		    NULL, 0);
	cr_assert_eq(tar_write_data(w, "abcde", 5), 0);
	cr_assert_eq(tar_write_data(w, "wxyz", 4), 0);
	write_entry(w, &(struct tar_entry){ .path = "d/h", .type = TAR_HARDLINK, .linkname = "d/f" },
		    NULL, 0);
	write_entry(w, &(struct tar_entry){ .path = "null", .type = TAR_CHR, .mode = 0666,
					    .devmajor = 1, .devminor = 3 }, NULL, 0);
	cr_assert_eq(tar_finish(w), 0);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);

	tar_reader_init(r, fd, count_bytes, &seen);
	next(r, &m);
	cr_assert_str_eq(m.path, "d/");
	cr_assert(m.type == TAR_DIR && m.mode == 0755 && m.uid == 5 && m.gid == 6 &&
		  m.mtime == 1700000000);
	tar_member_free(&m);

	next(r, &m);
	cr_assert_str_eq(m.path, "d/f");
	cr_assert(m.type == TAR_REG && m.mode == 04750 && m.uid == 70000000000ull && m.mtime == -5);
	cr_assert_eq(m.nxattrs, 2);
	cr_assert_str_eq(m.xattrs[0].name, "user.a");
	cr_assert(m.xattrs[1].size == 3 && memcmp(m.xattrs[1].value, "\0\1\2", 3) == 0);
	read_all(r, &m, buf, sizeof(buf), &got);
	cr_assert(got == 5 && memcmp(buf, "hello", 5) == 0);
	tar_member_free(&m);

	next(r, &m);
	cr_assert_str_eq(m.path, long_path);
	cr_assert_str_eq(m.linkname, long_target);
	cr_assert_eq(m.type, TAR_SYMLINK);
	tar_member_free(&m);

	next(r, &m);
	cr_assert_str_eq(m.path, "d/sparse", "GNU.sparse.name is the name");
	cr_assert_eq(m.size, 2 << 20);
	cr_assert_eq(m.nsegments, 3, "the segments and the empty one at the end");
	cr_assert(m.segments[0].offset == 4096 && m.segments[0].length == 5);
	cr_assert(m.segments[1].offset == 1 << 20 && m.segments[1].length == 4);
	read_all(r, &m, buf, sizeof(buf), &got);
	cr_assert(got == 9 && memcmp(buf, "abcdewxyz", 9) == 0);
	tar_member_free(&m);

	next(r, &m); /* its data skipped: the next read goes past it */
	cr_assert_eq(m.type, TAR_HARDLINK);
	cr_assert_str_eq(m.linkname, "d/f");
	tar_member_free(&m);

	next(r, &m);
	cr_assert(m.type == TAR_CHR && m.devmajor == 1 && m.devminor == 3);
	tar_member_free(&m);

	cr_assert_eq(tar_read_next(r, &m, &err), 0, "the end: %s", err.msg);
	cr_assert_eq(tar_read_drain(r, &err), 0);
	cr_assert_eq((off_t)seen, lseek(fd, 0, SEEK_END), "every byte shown");
	tar_reader_free(r);
	free(r);
	free(w);
	close(fd);
}

/* A one-member archive (file "f", data), its bytes in *len. */
static unsigned char *small_tar(const struct tar_entry *e, const char *data, size_t n, size_t *len)
{
	struct tar_writer *w = calloc(1, sizeof(*w));
	int fd = new_memfd();
	unsigned char *b;

	tar_init(w, fd);
	write_entry(w, e, data, n);
	cr_assert_eq(tar_finish(w), 0);
	*len = (size_t)lseek(fd, 0, SEEK_END);
	b = malloc(*len);
	cr_assert_eq(pread(fd, b, *len, 0), (ssize_t)*len);
	close(fd);
	free(w);
	return b;
}

/* Read every member of b[0..len): 0, or -1 and the error in err. */
static int read_bytes(const unsigned char *b, size_t len, struct vn_error *err)
{
	struct tar_reader *r = calloc(1, sizeof(*r));
	struct tar_member m;
	char buf[4096];
	int fd = new_memfd(), rc;

	cr_assert_eq(write(fd, b, len), (ssize_t)len);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	tar_reader_init(r, fd, NULL, NULL);
	while ((rc = tar_read_next(r, &m, err)) > 0) {
		ssize_t n;

		while ((n = tar_read_data(r, &m, buf, sizeof(buf), err)) > 0)
			;
		tar_member_free(&m);
		if (n < 0) {
			rc = -1;
			break;
		}
	}
	tar_reader_free(r);
	free(r);
	close(fd);
	return rc;
}

static void fix_checksum(unsigned char *block)
{
	struct tar_ustar *h = (struct tar_ustar *)block;

	snprintf(h->chksum, sizeof(h->chksum) - 1, "%06o", tar_header_sum(h));
	h->chksum[7] = ' ';
}

Test(tar_read, damage_is_one_error_naming_the_member)
{
	struct tar_entry e = { .path = "dir/f", .type = TAR_REG, .mode = 0644, .size = 600 };
	char data[600];
	struct vn_error err = { 0 };
	size_t len;
	unsigned char *b;

	memset(data, 'x', sizeof(data));
	b = small_tar(&e, data, sizeof(data), &len);
	cr_assert_eq(read_bytes(b, len, &err), 0, "the tar itself: %s", err.msg);

	b[0] ^= 1; /* the name, its checksum not */
	cr_assert_eq(read_bytes(b, len, &err), -1);
	cr_assert(strstr(err.msg, "bad checksum"), "%s", err.msg);
	b[0] ^= 1;

	cr_assert_eq(read_bytes(b, 512 + 300, &err), -1, "cut in the data");
	cr_assert(strstr(err.msg, "member 'dir/f'") && strstr(err.msg, "truncated"), "%s", err.msg);
	cr_assert_eq(read_bytes(b, 512 + 1024, &err), -1, "no end-of-archive block");
	cr_assert(strstr(err.msg, "truncated"), "%s", err.msg);
	cr_assert_eq(read_bytes(b, 0, &err), -1, "nothing at all");

	/* a size field that is no number */
	memcpy(((struct tar_ustar *)b)->size, "0000000x000", 11);
	fix_checksum(b);
	cr_assert_eq(read_bytes(b, len, &err), -1);
	cr_assert(strstr(err.msg, "member 'dir/f'") && strstr(err.msg, "number"), "%s", err.msg);
	free(b);
}

Test(tar_read, base_256_numbers_are_read)
{
	struct tar_entry e = { .path = "f", .type = TAR_REG, .mode = 0644, .size = 3 };
	struct tar_ustar *h;
	struct tar_reader *r = calloc(1, sizeof(*r));
	struct vn_error err = { 0 };
	struct tar_member m;
	size_t len;
	unsigned char *b = small_tar(&e, "abc", 3, &len);
	int fd = new_memfd();

	h = (struct tar_ustar *)b;
	memset(h->uid, 0, sizeof(h->uid));
	h->uid[0] = (char)0x80;
	h->uid[6] = 0x01;
	h->uid[7] = 0x02; /* 258 */
	memset(h->size, 0, sizeof(h->size));
	h->size[0] = (char)0x80;
	h->size[11] = 3;
	fix_checksum(b);
	cr_assert_eq(write(fd, b, len), (ssize_t)len);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	tar_reader_init(r, fd, NULL, NULL);
	cr_assert_eq(tar_read_next(r, &m, &err), 1, "%s", err.msg);
	cr_assert_eq(m.uid, 258);
	cr_assert_eq(m.size, 3);
	tar_member_free(&m);
	cr_assert_eq(tar_read_next(r, &m, &err), 0, "%s", err.msg);
	tar_reader_free(r);
	free(r);
	free(b);
	close(fd);
}

Test(tar_read, a_sparse_map_that_does_not_fit_is_refused)
{
	struct tar_segment beyond[] = { { 200, 10 } }, overlapping[] = { { 0, 10 }, { 5, 10 } };
	struct tar_entry e = { .path = "s", .type = TAR_REG, .mode = 0644, .size = 100,
			       .segments = beyond, .nsegments = 1 };
	struct vn_error err = { 0 };
	size_t len;
	unsigned char *b = small_tar(&e, "0123456789", 10, &len);

	cr_assert_eq(read_bytes(b, len, &err), -1);
	cr_assert(strstr(err.msg, "member 's'") && strstr(err.msg, "sparse map"), "%s", err.msg);
	free(b);
	e.segments = overlapping;
	e.nsegments = 2;
	b = small_tar(&e, "0123456789abcdefghij", 20, &len);
	cr_assert_eq(read_bytes(b, len, &err), -1, "overlapping segments");
	free(b);
}

Test(tar_read, a_malformed_pax_record_is_refused)
{
	struct tar_entry e = { .path = "f", .type = TAR_REG, .mode = 0644, .uid = 1ull << 40 };
	struct vn_error err = { 0 };
	size_t len;
	unsigned char *b = small_tar(&e, NULL, 0, &len);
	char *rec = (char *)b + 512;

	/* the writer put "NN uid=1099511627776\n" in a pax header: its
	 * length made larger than the header holds */
	cr_assert_eq(((struct tar_ustar *)b)->typeflag, 'x');
	cr_assert(rec[0] >= '1' && rec[0] <= '9');
	rec[0] = '9';
	rec[1] = '9';
	cr_assert_eq(read_bytes(b, len, &err), -1);
	cr_assert(strstr(err.msg, "pax header"), "%s", err.msg);
	free(b);
}

/* The xattrs of the member after a pax header: a name given twice is
 * its last record's, in the order of the last records. */
Test(tar_read, a_later_xattr_record_of_a_name_is_its_value)
{
	struct tar_xattr x[] = {
		{ .name = "user.a", .value = "1", .size = 1 },
		{ .name = "user.b", .value = "2", .size = 1 },
		{ .name = "user.a", .value = "3", .size = 1 },
	};
	struct tar_entry e = { .path = "f", .type = TAR_REG, .mode = 0644, .xattrs = x,
			       .nxattrs = 3 };
	struct tar_reader r = { 0 };
	struct tar_member m;
	size_t len;
	unsigned char *b = small_tar(&e, NULL, 0, &len);
	int fd = new_memfd();

	cr_assert_eq(write(fd, b, len), (ssize_t)len);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	tar_reader_init(&r, fd, NULL, NULL);
	next(&r, &m);
	cr_assert_eq(m.nxattrs, 2);
	cr_assert_str_eq(m.xattrs[0].name, "user.b");
	cr_assert_str_eq(m.xattrs[1].name, "user.a");
	cr_assert_eq(m.xattrs[1].size, 1);
	cr_assert_eq(((const char *)m.xattrs[1].value)[0], '3');
	tar_member_free(&m);
	tar_reader_free(&r);
	close(fd);
	free(b);
}

/* A hostile pax header of 200,000 xattrs: refused at once (names no
 * file can hold together), not read with a scan of every earlier name
 * at each record (minutes: the import hung). */
Test(tar_read, a_pax_header_of_more_xattrs_than_a_file_holds_is_refused, .timeout = 20)
{
	enum { N = 200000 };
	struct tar_xattr *x = calloc(N, sizeof(*x));
	char (*names)[24] = calloc(N, sizeof(*names));
	struct tar_entry e = { .path = "f", .type = TAR_REG, .mode = 0644, .xattrs = x, .nxattrs = N };
	struct vn_error err = { 0 };
	size_t len;
	unsigned char *b;

	cr_assert(x && names);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "user.x%zu", i);
		x[i] = (struct tar_xattr){ .name = names[i], .value = "v", .size = 1 };
	}
	b = small_tar(&e, NULL, 0, &len);
	cr_assert_eq(read_bytes(b, len, &err), -1);
	cr_assert(strstr(err.msg, "more xattrs than a file can hold"), "%s", err.msg);
	free(b);
	free(names);
	free(x);
}
