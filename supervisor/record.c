/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record of a run (`veneer run --record FILE`), made in three places:
 *
 *  - the caller, before anything runs, opens a new file beside FILE (an
 *    error is said before the sandbox starts; the target never gets a
 *    way to name a host path for us to write);
 *  - the supervisor, once the command ended, sorts what the decoders
 *    counted as read (calls/record.c) and hashes each regular file once,
 *    opened in the layer it was read from through the union's own open
 *    (beneath the layer's root, no symlink followed), never again by a
 *    host path; the list goes to the reporter in a memfd;
 *  - the reporter (report.c), which reads the upper as the caller on the
 *    host, adds what the upper holds against the lowers (lt_diff, as the
 *    exit summary does) and writes the JSON lines, renamed over FILE.
 *
 * One line per path, sorted bytewise (docs/design.md, "The record").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "calls/calls.h"
#include "record.h"
#include "sha256.h"
#include "utf8.h"
#include "veneer/cleanup.h"
#include "veneer/grow.h"
#include "veneer/union.h"

/* The fields of one read in the supervisor's list, each NUL-terminated. */
enum { READ_PATH, READ_LAYER, READ_TYPE, READ_SHA256, READ_MISSING, READ_FIELDS };

/* ------------------------------------------------------------ the file */

int record_file_open(struct run_options *opt, struct vn_error *err)
{
	cleanup_free char *copy = strdup(opt->record);
	const char *dir = ".", *base;
	char *slash;
	struct stat st;

	if (!copy)
		return vn_fail(err, ENOMEM, "--record");
	slash = strrchr(copy, '/');
	base = copy;
	if (slash) {
		*slash = '\0';
		dir = copy[0] ? copy : "/";
		base = slash + 1;
	}
	if (!base[0] || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return vn_fail(err, EISDIR, "--record %s: not a file name", opt->record);
	opt->record_dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (opt->record_dir_fd < 0)
		return vn_fail(err, errno, "--record %s: open its directory %s", opt->record, dir);
	if (fstatat(opt->record_dir_fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		return vn_fail(err, EISDIR, "--record %s", opt->record);
	/* beside FILE, so that the rename at the end is atomic */
	for (int attempt = 0; attempt < 100; attempt++) {
		free(opt->record_tmp);
		if (asprintf(&opt->record_tmp, ".%s.veneer-%d-%d", base, (int)getpid(), attempt) < 0) {
			opt->record_tmp = NULL;
			return vn_fail(err, ENOMEM, "--record");
		}
		opt->record_tmp_fd = openat(opt->record_dir_fd, opt->record_tmp,
					    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (opt->record_tmp_fd >= 0 || errno != EEXIST)
			break;
	}
	if (opt->record_tmp_fd < 0) {
		int e = errno;

		free(opt->record_tmp);
		opt->record_tmp = NULL;
		return vn_fail(err, e, "--record %s: cannot write in %s", opt->record, dir);
	}
	return 0;
}

void record_file_drop(struct run_options *opt)
{
	if (!opt->record || !opt->record_tmp || opt->record_dir_fd < 0)
		return;
	/* renamed by the reporter: ENOENT, as it should */
	if (unlinkat(opt->record_dir_fd, opt->record_tmp, 0) < 0 && errno != ENOENT)
		fprintf(stderr, "veneer: --record: remove %s: %s\n", opt->record_tmp, strerror(errno));
}

/* ---------------------------------------------------- the supervisor */

static const char *type_word(mode_t type)
{
	switch (type) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "symlink";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	case S_IFCHR: return "char";
	case S_IFBLK: return "block";
	default: return "other";
	}
}

/* The hex digest of what fd holds from its start: 0, or -errno. */
static int hash_fd(int fd, char hex[SHA256_HEX_SIZE])
{
	char buf[1 << 16];
	struct sha256 s;
	uint8_t digest[SHA256_DIGEST_SIZE];
	ssize_t n;
	off_t off = 0;

	sha256_init(&s);
	while ((n = pread(fd, buf, sizeof(buf), off)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		sha256_update(&s, buf, (size_t)n);
		off += n;
	}
	sha256_final(&s, digest);
	sha256_hex(digest, hex);
	return 0;
}

/* The digest of the file e names, in the layer it was read from, when it
 * is still the file that was read (same device and inode): 1, 0 when it
 * is gone or another, or -errno. */
static int hash_read_file(struct vn_union *u, const struct record_entry *e,
			  char hex[SHA256_HEX_SIZE])
{
	struct vn_node node = { .layer = e->layer };
	struct stat st;
	int r;

	snprintf(node.path, sizeof(node.path), "%s", e->path);
	node.st.st_mode = S_IFREG;
	node.st.st_dev = e->dev;
	node.st.st_ino = e->ino;
	/* O_NONBLOCK: whatever is there now, a FIFO must not stop us */
	cleanup_close int fd = vn_open_node(u, &node, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return fd == -ENOENT || fd == -ELOOP ? 0 : fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	/* a presented lower file's (shadow.c) is made up: its inode is not
	 * the layer's, and its content is what the target read */
	if (!S_ISREG(st.st_mode))
		return 0;
	r = hash_fd(fd, hex);
	return r < 0 ? r : 1;
}

static int put_field(FILE *out, const char *text)
{
	return fwrite(text, 1, strlen(text) + 1, out) == strlen(text) + 1 ? 0 : -EIO;
}

/* The digests of the files read, taken by as many threads as there are
 * CPUs (the run is over: nothing else wants them), each taking the next
 * entry: one hash per file, the exit not kept waiting on one core. */
struct hashing {
	struct record *r;
	struct vn_union *u;
	size_t n;
	size_t next;                        /* the next entry to hash (atomic) */
	char (*hex)[SHA256_HEX_SIZE];       /* per entry; "" for none */
};

static void hash_entry(struct hashing *h, size_t i)
{
	const struct record_entry *e = record_entry_at(h->r, i);
	int r;

	if (e->layer < 0 || e->type != S_IFREG)
		return;
	r = hash_read_file(h->u, e, h->hex[i]);
	if (r <= 0)
		h->hex[i][0] = '\0';
	if (r < 0)
		fprintf(stderr, "veneer: --record: hash %s: %s\n", e->path, strerror(-r));
}

static void *hash_worker(void *arg)
{
	struct hashing *h = arg;
	size_t i;

	vn_union_read_lock(h->u);
	while ((i = __atomic_fetch_add(&h->next, 1, __ATOMIC_RELAXED)) < h->n)
		hash_entry(h, i);
	vn_union_unlock(h->u);
	return NULL;
}

#define HASH_THREADS_MAX 8

static void hash_all(struct hashing *h)
{
	pthread_t threads[HASH_THREADS_MAX];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int want = ncpu < 1 ? 1 : ncpu > HASH_THREADS_MAX ? HASH_THREADS_MAX : (int)ncpu;
	int started = 0;

	/* this thread is one of them; a thread that cannot start is no loss */
	while (started < want - 1 && pthread_create(&threads[started], NULL, hash_worker, h) == 0)
		started++;
	hash_worker(h);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}

static int export_entry(FILE *out, struct vn_union *u, const struct record_entry *e,
			const char *hex)
{
	const char *layer = "";

	if (e->layer >= 0)
		layer = e->layer == 0 ? "upper" : u->layers[e->layer].host_path;
	if (put_field(out, e->path) < 0 || put_field(out, layer) < 0 ||
	    put_field(out, e->layer >= 0 ? type_word(e->type) : "") < 0 ||
	    put_field(out, hex) < 0 || put_field(out, e->missing ? "1" : "0") < 0)
		return -EIO;
	return 0;
}

int record_reads_export(struct record *r, struct vn_union *u)
{
	struct hashing h = { .r = r, .u = u };
	bool incomplete;
	int fd = (int)syscall(SYS_memfd_create, "veneer-record", MFD_CLOEXEC);
	FILE *out;
	int e = 0;

	u->link_followed = NULL; /* the calls are over */
	if (fd < 0)
		return -errno;
	h.n = record_sorted(r, &incomplete);
	if (incomplete)
		fprintf(stderr, "veneer: --record: out of memory: the record misses paths read\n");
	h.hex = calloc(h.n ? h.n : 1, sizeof(*h.hex));
	out = h.hex ? fdopen(dup(fd), "w") : NULL;
	if (!out) {
		free(h.hex);
		close(fd);
		return -ENOMEM;
	}
	hash_all(&h);
	for (size_t i = 0; i < h.n && e == 0; i++)
		e = export_entry(out, u, record_entry_at(r, i), h.hex[i]);
	free(h.hex);
	if (fclose(out) != 0 || e < 0) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* ------------------------------------------------------- the reporter */

/* One line of the record: a path's read (fields of the supervisor's
 * list), its change (an lt_change), or both once merged. */
struct line {
	char *path;                    /* with its leading slash */
	const char *read[READ_FIELDS]; /* NULL: not read */
	char change;                   /* 'A', 'C', 'D'; 0: none */
	const struct lt_change *now;   /* A, C: the upper's object */
};

struct lines {
	struct line *v;
	size_t n, cap;
};

static struct line *line_add(struct lines *ls)
{
	struct line *v = vn_grow(ls->v, &ls->cap, ls->n, sizeof(*v), 256);

	if (!v)
		return NULL;
	ls->v = v;
	memset(&ls->v[ls->n], 0, sizeof(ls->v[0]));
	return &ls->v[ls->n++];
}

static void lines_free(struct lines *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->v[i].path);
	free(ls->v);
}

/* The supervisor's list (buf, len bytes) as lines; its text stays in buf. */
static int add_reads(struct lines *ls, char *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *f[READ_FIELDS];
		struct line *l;

		for (int i = 0; i < READ_FIELDS; i++) {
			char *end = memchr(buf + pos, '\0', len - pos);

			if (!end)
				return -EBADMSG;
			f[i] = buf + pos;
			pos = (size_t)(end - buf) + 1;
		}
		l = line_add(ls);
		if (!l || !(l->path = strdup(f[READ_PATH])))
			return -ENOMEM;
		memcpy(l->read, f, sizeof(f));
	}
	return 0;
}

/* The changes, one line per path: a path deleted then added again (its
 * type changed) is "changed"; an opaque mark adds nothing to its line. */
static int add_changes(struct lines *ls, const struct lt_diff *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct lt_change *c = &d->changes[i];
		struct line *l;

		if (c->change == 'O')
			continue;
		if (ls->n && ls->v[ls->n - 1].change && !ls->v[ls->n - 1].read[0] &&
		    strcmp(ls->v[ls->n - 1].path + 1, c->path) == 0) {
			ls->v[ls->n - 1].change = 'C';
			ls->v[ls->n - 1].now = c;
			continue;
		}
		l = line_add(ls);
		if (!l || asprintf(&l->path, "/%s", c->path) < 0) {
			if (l)
				l->path = NULL;
			return -ENOMEM;
		}
		l->change = c->change;
		l->now = c->change == 'D' ? NULL : c;
	}
	return 0;
}

static int by_path(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	int r = strcmp(x->path, y->path);

	/* a read before a change of the same path: merge keeps the read's */
	return r ? r : (x->read[0] ? -1 : 0) - (y->read[0] ? -1 : 0);
}

/* Sorted, and a path read and changed made one line. */
static void merge(struct lines *ls)
{
	size_t out = 0;

	qsort(ls->v, ls->n, sizeof(*ls->v), by_path);
	for (size_t i = 0; i < ls->n; i++) {
		if (out && strcmp(ls->v[out - 1].path, ls->v[i].path) == 0) {
			struct line *kept = &ls->v[out - 1];

			if (!kept->change) {
				kept->change = ls->v[i].change;
				kept->now = ls->v[i].now;
			}
			free(ls->v[i].path);
			continue;
		}
		ls->v[out++] = ls->v[i];
	}
	ls->n = out;
}

/* A JSON string: quote, backslash and control characters escaped; a
 * byte that is not UTF-8 as \u00XX (the code point of that number). */
static void put_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);

	putc('"', out);
	while (left) {
		size_t n = *p < 0x80 ? 1 : utf8_sequence(p, left);

		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || n == 0)
			fprintf(out, "\\u%04x", *p);
		else
			fwrite(p, 1, n, out);
		n = n ? n : 1;
		p += n;
		left -= n;
	}
	putc('"', out);
}

static void put_key(FILE *out, const char *key, const char *value)
{
	fprintf(out, ",\"%s\":", key);
	put_string(out, value);
}

/* The digest of the upper's object at path, opened beneath the upper's
 * root without following a symlink: 1, or 0 when it cannot be read. */
static int hash_upper_file(const struct lt_upper *up, const char *path, char hex[SHA256_HEX_SIZE])
{
	struct open_how how = {
		.flags = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	cleanup_close int fd = (int)syscall(SYS_openat2, up->fd, path, &how, sizeof(how));
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	return hash_fd(fd, hex) == 0;
}

static const char *change_word(char change)
{
	return change == 'A' ? "added" : change == 'D' ? "deleted" : "changed";
}

static void put_line(FILE *out, const struct line *l, const struct lt_upper *up)
{
	fputs("{\"path\":", out);
	put_string(out, l->path);
	if (l->read[0] && l->read[READ_LAYER][0]) {
		fputs(",\"read\":true", out);
		put_key(out, "layer", l->read[READ_LAYER]);
		put_key(out, "type", l->read[READ_TYPE]);
		if (l->read[READ_SHA256][0])
			put_key(out, "sha256", l->read[READ_SHA256]);
	}
	if (l->read[0] && l->read[READ_MISSING][0] == '1')
		fputs(",\"missing\":true", out);
	if (l->change) {
		put_key(out, "changed", change_word(l->change));
		if (l->now) {
			char hex[SHA256_HEX_SIZE];

			put_key(out, "new_type", type_word(l->now->st.st_mode & S_IFMT));
			if (S_ISREG(l->now->st.st_mode) && hash_upper_file(up, l->now->path, hex))
				put_key(out, "new_sha256", hex);
		}
	}
	fputs("}\n", out);
}

/* Every line into the new file, flushed to disk, renamed over FILE. */
static int write_lines(const struct run_options *opt, const struct lines *ls,
		       const struct lt_upper *up, struct vn_error *err)
{
	const char *base = strrchr(opt->record, '/') ? strrchr(opt->record, '/') + 1 : opt->record;
	int fd = dup(opt->record_tmp_fd);
	FILE *out = fd < 0 ? NULL : fdopen(fd, "w");

	if (!out) {
		if (fd >= 0)
			close(fd);
		return vn_fail(err, errno, "--record %s", opt->record);
	}
	for (size_t i = 0; i < ls->n; i++)
		put_line(out, &ls->v[i], up);
	if (fflush(out) != 0 || fsync(fileno(out)) < 0) {
		int e = errno;

		fclose(out);
		return vn_fail(err, e, "--record %s: write", opt->record);
	}
	if (fclose(out) != 0)
		return vn_fail(err, errno, "--record %s: write", opt->record);
	if (renameat(opt->record_dir_fd, opt->record_tmp, opt->record_dir_fd, base) < 0)
		return vn_fail(err, errno, "--record %s: rename %s over it", opt->record,
			       opt->record_tmp);
	return 0;
}

/* All of fd (a memfd, from its start) in a new buffer: its length. */
static ssize_t read_all(int fd, char **out)
{
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);

		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			free(buf);
			return -e;
		}
		got += (size_t)n;
	}
	*out = buf;
	return (ssize_t)got;
}

int record_write(const struct run_options *opt, int reads_fd, const struct lt_diff *d,
		 const struct lt_upper *up, struct vn_error *err)
{
	struct lines ls = { 0 };
	cleanup_free char *buf = NULL;
	ssize_t len = reads_fd >= 0 ? read_all(reads_fd, &buf) : -EBADF;
	int r;

	if (len < 0)
		return vn_fail(err, (int)-len, "--record %s: the paths read", opt->record);
	r = add_reads(&ls, buf, (size_t)len);
	if (r == 0)
		r = add_changes(&ls, d);
	if (r < 0) {
		lines_free(&ls);
		return vn_fail(err, -r, "--record %s", opt->record);
	}
	merge(&ls);
	r = write_lines(opt, &ls, up, err);
	lines_free(&ls);
	return r;
}
