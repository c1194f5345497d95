/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veneer export [-o FILE] UPPER`: the upper as an OCI layer tarball.
 * Every object of the upper but its state directory, with the owner the
 * sandbox shows; whiteouts as ".wh.NAME" files (an overlayfs-style 0/0
 * character device NAME too), the opaque marker as ".wh..wh..opq".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli.h"
#include "layer_tools.h"
#include "tar.h"
#include "veneer/cleanup.h"

void cmd_export_usage(FILE *out)
{
	fputs("Usage: veneer export [-o FILE] [--mtime EPOCH] [--compress gzip|zstd] UPPER\n"
	      "\n"
	      "Write the upper layer UPPER as an OCI layer tarball (POSIX pax format,\n"
	      "read by GNU tar and every OCI tool): every object of the upper but its\n"
	      "state directory and its root, names sorted, paths relative (\"etc/hosts\",\n"
	      "directories \"etc/\"); modes, times, data, symlinks, FIFOs, devices, hard\n"
	      "links, user.* xattrs; numeric owners as the sandbox shows them (veneer's\n"
	      "owner store, else the real owner, your own ids as 0 when the sandbox ran\n"
	      "with kernel ids), no user or group names.  Whiteouts are \".wh.NAME\"\n"
	      "files, also for a name too long for that prefix (which the upper holds as\n"
	      "a 0/0 character device), opaque directories hold \".wh..wh..opq\".\n"
	      "Sockets cannot be in a tar: each is left out with a warning.  Objects\n"
	      "the sandbox left unreadable to their owner (mode 000) are opened up for\n"
	      "the time they are read and given their mode back (their ctime changes).\n"
	      "\n"
	      "  -o, --output FILE   write to FILE (default, or \"-\": stdout, which must\n"
	      "                      not be a terminal); FILE may not be in the upper\n"
	      "  --mtime EPOCH       clamp every time to EPOCH (seconds since 1970):\n"
	      "                      a later one is written as EPOCH, as reproducible\n"
	      "                      builds do (default: $SOURCE_DATE_EPOCH, when set)\n"
	      "  --compress gzip|zstd  compress through Debian's gzip (-n: no name nor\n"
	      "                      time in it) or zstd programs\n"
	      "  -h, --help          show this help\n"
	      "\n"
	      "The upper is read, not changed; while a sandbox holds it, this fails\n"
	      "(run it after the sandbox exits).  Exit status: 0, or 125 with one line\n"
	      "on stderr (a FILE left unfinished is removed).\n",
	      out);
}

struct export_options {
	const char *output; /* NULL: stdout */
	const char *upper;
	bool clamp;         /* --mtime or SOURCE_DATE_EPOCH: times no later */
	int64_t mtime;      /* than this */
	const char *compress; /* NULL, "gzip" or "zstd" */
};

struct export {
	const struct export_options *opt;
	struct lt_upper *up;
	void *seen;  /* hard links (lt_first_link) */
	struct tar_writer tar;
};

/* ------------------------------------------------------------ options */

enum { OPT_MTIME = 256, OPT_COMPRESS };

/* EPOCH as seconds since 1970: 0, or -1 with err set (what says where
 * it came from). */
static int parse_epoch(const char *text, const char *what, int64_t *out, struct vn_error *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < 0 || text[0] == '+' || text[0] == ' ')
		return vn_fail(err, 0, "export: %s '%s' is not a time in seconds since 1970 (a "
			       "number such as 1700000000)", what, text);
	*out = v;
	return 0;
}

/* 0: run; 1: help was asked; -1: bad input (err says). */
static int parse_export_args(int argc, char **argv, struct export_options *opt,
			     struct vn_error *err)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "mtime", required_argument, NULL, OPT_MTIME },
		{ "compress", required_argument, NULL, OPT_COMPRESS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":ho:", options, NULL)) != -1) {
		if (c == 'o')
			opt->output = strcmp(optarg, "-") == 0 ? NULL : optarg;
		else if (c == OPT_MTIME) {
			if (parse_epoch(optarg, "--mtime", &opt->mtime, err) < 0)
				return -1;
			opt->clamp = true;
		} else if (c == OPT_COMPRESS) {
			if (strcmp(optarg, "gzip") != 0 && strcmp(optarg, "zstd") != 0)
				return vn_fail(err, 0, "export: --compress %s: give gzip or zstd", optarg);
			opt->compress = optarg;
		} else if (c == 'h')
			return 1;
		else
			return cli_option_error("export", c, argv, err);
	}
	if (!opt->clamp && epoch && epoch[0]) {
		if (parse_epoch(epoch, "SOURCE_DATE_EPOCH", &opt->mtime, err) < 0)
			return -1;
		opt->clamp = true;
	}
	if (optind >= argc)
		return vn_fail(err, 0, "export: no UPPER given; use `veneer export [-o FILE] UPPER`");
	if (optind + 1 < argc)
		return vn_fail(err, 0, "export: one UPPER only, '%s' is one too many; "
			       "use `veneer export [-o FILE] UPPER`", argv[optind + 1]);
	opt->upper = argv[optind];
	return 0;
}

/* ------------------------------------------------------------- output */

/* The directory FILE would be in (FILE's own when it is a symlink). */
static int output_dir(const char *file)
{
	cleanup_free char *real = realpath(file, NULL);
	cleanup_free char *copy = strdup(real ? real : file);
	char *slash;

	if (!copy)
		return -ENOMEM;
	slash = strrchr(copy, '/');
	if (slash == copy)
		return open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (slash)
		*slash = '\0';
	return open(slash ? copy : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int refuse_output_in_upper(const struct lt_upper *up, const char *file,
				  struct vn_error *err)
{
	cleanup_close int dirfd = output_dir(file);
	int r;

	if (dirfd < 0)
		return 0; /* opening FILE will say what is wrong */
	r = lt_dir_inside(dirfd, &up->st);
	if (r < 0)
		return vn_fail(err, -r, "export: check where %s is", file);
	if (r > 0)
		return vn_fail(err, 0, "export: %s is inside upper %s; write the tar elsewhere",
			       file, up->path);
	return 0;
}

/* stdout or -o FILE; *regular: FILE is a regular file (removed when the
 * export fails). */
static int open_output(const struct export_options *opt, const struct lt_upper *up,
		       bool *regular, struct vn_error *err)
{
	struct stat st;
	int fd = STDOUT_FILENO;

	*regular = false;
	if (opt->output) {
		if (refuse_output_in_upper(up, opt->output, err) < 0)
			return -1;
		fd = open(opt->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
		if (fd < 0)
			return vn_fail(err, 0, "export: %s: %s; give -o a file you may write",
				       opt->output, strerror(errno));
		*regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	}
	if (isatty(fd)) {
		if (fd != STDOUT_FILENO)
			close(fd);
		return vn_fail(err, 0, "export: refusing to write a tar to a terminal; use -o FILE "
			       "or redirect stdout");
	}
	return fd;
}

/* --compress: the program compressing what is written to the fd
 * returned (a pipe) into out.  The fd, or -1 with err set. */
static int start_compressor(const char *name, int out, pid_t *pid, struct vn_error *err)
{
	/* -n: no file name nor time in the gzip header (the same bytes twice) */
	char *const gzip[] = { "gzip", "-n", "-c", NULL };
	char *const zstd[] = { "zstd", "-q", "-c", NULL };
	char what[64];
	int p[2], r;

	snprintf(what, sizeof(what), "export: --compress %s", name);
	if (pipe2(p, O_CLOEXEC) < 0)
		return vn_fail(err, errno, "export: start %s", name);
	r = lt_spawn_filter(strcmp(name, "gzip") == 0 ? gzip : zstd, p[0], out, -1, pid, what,
			    err);
	close(p[0]);
	if (r < 0) {
		close(p[1]);
		return -1;
	}
	return p[1];
}

/* ------------------------------------------------------------- xattrs */

struct xattrs {
	struct tar_xattr *v;
	size_t n;
};

static void xattrs_free(struct xattrs *x)
{
	tar_xattrs_free(x->v, x->n);
	x->v = NULL;
	x->n = 0;
}

static int compare_xattrs(const void *a, const void *b)
{
	return strcmp(((const struct tar_xattr *)a)->name, ((const struct tar_xattr *)b)->name);
}

/* The value of fd's xattr name into x (one more): 0 or -errno. */
static int read_xattr(int fd, const char *name, struct xattrs *x)
{
	struct tar_xattr *a = &x->v[x->n];
	ssize_t n = fgetxattr(fd, name, NULL, 0);

	if (n < 0)
		return errno == ENODATA ? 0 : -errno; /* removed meanwhile */
	a->name = strdup(name);
	a->value = malloc((size_t)n + 1);
	if (!a->name || !a->value) {
		free(a->name);
		free(a->value);
		return -ENOMEM;
	}
	n = fgetxattr(fd, name, a->value, (size_t)n);
	if (n < 0) {
		int r = errno == ENODATA ? 0 : -errno;

		free(a->name);
		free(a->value);
		return r; /* ERANGE: it grew meanwhile, an error as any */
	}
	a->size = (size_t)n;
	x->n++;
	return 0;
}

/* Names in a list from flistxattr, one after another. */
static size_t count_names(const char *list, ssize_t len)
{
	size_t n = 0;

	for (const char *p = list; p < list + len; p += strlen(p) + 1)
		n++;
	return n;
}

/* fd's user.* xattrs, sorted by name: 0 or -errno. */
static int read_user_xattrs(int fd, struct xattrs *x)
{
	ssize_t len = flistxattr(fd, NULL, 0);
	cleanup_free char *list = NULL;
	int r = 0;

	if (len < 0)
		return errno == ENOTSUP ? 0 : -errno;
	if (len == 0)
		return 0;
	list = malloc((size_t)len);
	if (!list)
		return -ENOMEM;
	len = flistxattr(fd, list, (size_t)len);
	if (len < 0)
		return -errno;
	x->v = calloc(count_names(list, len), sizeof(*x->v));
	if (!x->v)
		return -ENOMEM;
	for (const char *p = list; r == 0 && p < list + len; p += strlen(p) + 1)
		if (strncmp(p, "user.", 5) == 0)
			r = read_xattr(fd, p, x);
	if (x->n > 1)
		qsort(x->v, x->n, sizeof(*x->v), compare_xattrs);
	return r;
}

/* ------------------------------------------------------------ entries */

static struct tar_entry entry_of(const struct export *x, const struct lt_entry *e,
				 const char *path, char type)
{
	int64_t mtime = e->st.st_mtim.tv_sec;

	if (x->opt->clamp && mtime > x->opt->mtime)
		mtime = x->opt->mtime;
	return (struct tar_entry){
		.path = path,
		.type = type,
		.mode = e->st.st_mode & 07777,
		.uid = e->uid,
		.gid = e->gid,
		.mtime = mtime,
	};
}

static int put_header(struct export *x, const struct tar_entry *t, struct vn_error *err)
{
	int r = tar_write_header(&x->tar, t);

	return r < 0 ? vn_fail(err, -r, "export: write the entry of %s", t->path) : 0;
}

/* A whiteout or opaque marker: an empty regular file named path. */
static int export_marker(struct export *x, const struct lt_entry *e, const char *path,
			 struct vn_error *err)
{
	struct tar_entry t = entry_of(x, e, path, TAR_REG);

	return put_header(x, &t, err);
}

/* The file's data segments (SEEK_DATA/SEEK_HOLE), when it has a hole:
 * 1 (*segs malloc'd), 0 (no hole, or a file system that cannot say), or
 * -errno. */
static int data_segments(int fd, off_t size, struct tar_segment **segs, size_t *n)
{
	size_t cap = 0;
	uint64_t data = 0;
	off_t at = 0;

	*segs = NULL;
	*n = 0;
	while (at < size) {
		off_t start = lseek(fd, at, SEEK_DATA), end;

		if (start < 0 && errno == ENXIO)
			break; /* a hole to the end */
		if (start < 0)
			goto whole;
		end = lseek(fd, start, SEEK_HOLE);
		if (end < 0)
			goto whole;
		if (end > size)
			end = size;
		if (*n == cap) {
			struct tar_segment *grown;

			cap = cap ? 2 * cap : 16;
			grown = realloc(*segs, cap * sizeof(*grown));
			if (!grown) {
				free(*segs);
				*segs = NULL;
				return -ENOMEM;
			}
			*segs = grown;
		}
		(*segs)[(*n)++] = (struct tar_segment){ (uint64_t)start, (uint64_t)(end - start) };
		data += (uint64_t)(end - start);
		at = end;
	}
	if (data < (uint64_t)size && *n > 0)
		return lseek(fd, 0, SEEK_SET) < 0 ? -errno : 1;
	if (data < (uint64_t)size) {
		/* all of it a hole: one empty segment at its end */
		free(*segs);
		*segs = malloc(sizeof(**segs));
		if (!*segs)
			return -ENOMEM;
		(*segs)[0] = (struct tar_segment){ (uint64_t)size, 0 };
		*n = 1;
		return 1;
	}
whole:
	free(*segs);
	*segs = NULL;
	*n = 0;
	return lseek(fd, 0, SEEK_SET) < 0 ? -errno : 0;
}

/* length bytes of the file from offset into the tar. */
static int copy_range(struct export *x, int fd, const struct lt_entry *e, uint64_t offset,
		      uint64_t length, struct vn_error *err)
{
	static char buf[TAR_BUFFER];
	uint64_t left = length;

	while (left > 0) {
		ssize_t n = pread(fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf),
				  (off_t)(offset + length - left));
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vn_fail(err, errno, "export: read %s/%s", x->up->path, e->path);
		if (n == 0)
			return vn_fail(err, 0, "export: %s/%s shrank while it was read; run export "
				       "again", x->up->path, e->path);
		r = tar_write_data(&x->tar, buf, (size_t)n);
		if (r < 0)
			return vn_fail(err, -r, "export: write the data of %s", e->path);
		left -= (uint64_t)n;
	}
	return 0;
}

static int copy_data(struct export *x, int fd, const struct lt_entry *e,
		     const struct tar_segment *segs, size_t nsegs, struct vn_error *err)
{
	if (nsegs == 0)
		return copy_range(x, fd, e, 0, (uint64_t)e->st.st_size, err);
	for (size_t i = 0; i < nsegs; i++)
		if (copy_range(x, fd, e, segs[i].offset, segs[i].length, err) < 0)
			return -1;
	return 0;
}

/* The regular file e, which the walk stat'ed (never a symlink), opened
 * up for its owner if it must be (and its mode given back at once). */
static int open_file(const struct lt_entry *e)
{
	bool opened_up;
	int fd = lt_open_as_owner(e->dirfd, e->name, &e->st, O_RDONLY | O_NOCTTY, &opened_up);
	struct stat st;
	int r = 0;

	if (fd < 0)
		return fd;
	if (opened_up)
		r = lt_close_up(fd, &e->st);
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r == 0 && (!S_ISREG(st.st_mode) || st.st_ino != e->st.st_ino || st.st_dev != e->st.st_dev))
		r = -ESTALE;
	if (r < 0)
		close(fd);
	return r < 0 ? r : fd;
}

static int export_file(struct export *x, const struct lt_entry *e, struct vn_error *err)
{
	struct tar_entry t = entry_of(x, e, e->path, TAR_REG);
	struct xattrs xa = { 0 };
	cleanup_free struct tar_segment *segs = NULL;
	cleanup_close int fd = open_file(e);
	size_t nsegs = 0;
	int r;

	if (fd < 0)
		return vn_fail(err, -fd, "export: open %s/%s", x->up->path, e->path);
	r = read_user_xattrs(fd, &xa);
	if (r < 0) {
		xattrs_free(&xa);
		return vn_fail(err, -r, "export: read the xattrs of %s/%s", x->up->path, e->path);
	}
	/* holes stay holes: a sparse entry (a 16 TB file of one block is a
	 * block of the tar, not 16 TB of zeros) */
	r = data_segments(fd, e->st.st_size, &segs, &nsegs);
	if (r < 0) {
		xattrs_free(&xa);
		return vn_fail(err, -r, "export: find the data of %s/%s", x->up->path, e->path);
	}
	t.size = (uint64_t)e->st.st_size;
	t.segments = segs;
	t.nsegments = nsegs;
	t.xattrs = xa.v;
	t.nxattrs = xa.n;
	r = put_header(x, &t, err);
	xattrs_free(&xa);
	return r < 0 ? r : copy_data(x, fd, e, segs, nsegs, err);
}

static int export_dir(struct export *x, const struct lt_entry *e, struct vn_error *err)
{
	cleanup_free char *path = NULL;
	struct xattrs xa = { 0 };
	struct tar_entry t;
	int r;

	if (asprintf(&path, "%s/", e->path) < 0)
		return vn_fail(err, ENOMEM, "export");
	r = read_user_xattrs(e->fd, &xa);
	if (r < 0) {
		xattrs_free(&xa);
		return vn_fail(err, -r, "export: read the xattrs of %s/%s", x->up->path, e->path);
	}
	t = entry_of(x, e, path, TAR_DIR);
	t.xattrs = xa.v;
	t.nxattrs = xa.n;
	r = put_header(x, &t, err);
	xattrs_free(&xa);
	return r;
}

static int export_symlink(struct export *x, const struct lt_entry *e, struct vn_error *err)
{
	size_t size = (size_t)e->st.st_size + 1;
	struct tar_entry t = entry_of(x, e, e->path, TAR_SYMLINK);

	for (;;) {
		cleanup_free char *target = malloc(size);
		ssize_t n = target ? readlinkat(e->dirfd, e->name, target, size) : -1;

		if (n < 0)
			return vn_fail(err, target ? errno : ENOMEM, "export: read symlink %s/%s",
				       x->up->path, e->path);
		if ((size_t)n < size) {
			target[n] = '\0';
			t.linkname = target;
			return put_header(x, &t, err);
		}
		size *= 2; /* it grew since the stat */
	}
}

static int export_special(struct export *x, const struct lt_entry *e, struct vn_error *err)
{
	char type = S_ISFIFO(e->st.st_mode) ? TAR_FIFO : S_ISCHR(e->st.st_mode) ? TAR_CHR : TAR_BLK;
	struct tar_entry t = entry_of(x, e, e->path, type);

	t.devmajor = major(e->st.st_rdev);
	t.devminor = minor(e->st.st_rdev);
	return put_header(x, &t, err);
}

static int export_hardlink(struct export *x, const struct lt_entry *e, const char *first,
			   struct vn_error *err)
{
	struct tar_entry t = entry_of(x, e, e->path, TAR_HARDLINK);

	t.linkname = first;
	return put_header(x, &t, err);
}

static int export_object(struct export *x, const struct lt_entry *e, struct vn_error *err)
{
	const char *first = NULL;

	if (S_ISDIR(e->st.st_mode))
		return export_dir(x, e, err);
	if (S_ISSOCK(e->st.st_mode)) {
		fprintf(stderr, "veneer: export: %s/%s is a socket, which a tar cannot hold; "
			"left out\n", x->up->path, e->path);
		return 0;
	}
	if (e->st.st_nlink > 1 && lt_first_link(&x->seen, e, &first) < 0)
		return vn_fail(err, ENOMEM, "export");
	if (first)
		return export_hardlink(x, e, first, err);
	if (S_ISREG(e->st.st_mode))
		return export_file(x, e, err);
	if (S_ISLNK(e->st.st_mode))
		return export_symlink(x, e, err);
	return export_special(x, e, err);
}

static int export_visit(void *arg, const struct lt_entry *e, struct vn_error *err)
{
	struct export *x = arg;
	cleanup_free char *marker = NULL;

	switch (e->kind) {
	case LT_WHITEOUT:
		/* ".wh.NAME" as it is, or NAME the overlayfs way */
		if (asprintf(&marker, "%s%s.wh.%s", e->dir, e->dir[0] ? "/" : "", e->hidden) < 0)
			return vn_fail(err, ENOMEM, "export");
		return export_marker(x, e, marker, err);
	case LT_OPAQUE:
		return export_marker(x, e, e->path, err);
	default:
		return export_object(x, e, err);
	}
}

/* ------------------------------------------------------------ command */

static int export_to(struct export *x, int fd, struct vn_error *err)
{
	int r;

	tar_init(&x->tar, fd);
	if (lt_walk(x->up, export_visit, x, err) < 0)
		return -1;
	r = tar_finish(&x->tar);
	if (r < 0)
		return vn_fail(err, -r, "export: write the tar");
	return 0;
}

static int export_run(const struct export_options *opt, struct vn_error *err)
{
	struct lt_upper up;
	struct export *x = NULL;
	bool regular = false;
	int fd = -1, tar_fd = -1;
	pid_t compressor = -1;
	int r = lt_upper_open(opt->upper, &up, err);

	if (r == 0 && (fd = open_output(opt, &up, &regular, err)) < 0)
		r = -1;
	tar_fd = fd;
	if (r == 0 && opt->compress &&
	    (tar_fd = start_compressor(opt->compress, fd, &compressor, err)) < 0)
		r = -1;
	if (r == 0 && !(x = calloc(1, sizeof(*x))))
		r = vn_fail(err, ENOMEM, "export");
	if (r == 0) {
		x->opt = opt;
		x->up = &up;
		r = export_to(x, tar_fd, err);
		lt_links_free(&x->seen);
	}
	if (compressor > 0) {
		/* its input's end, then its own: a failed one is the export's */
		close(tar_fd);
		if (lt_reap_filter(opt->compress, compressor, "export",
				   r == 0 ? err : &(struct vn_error){ 0 }) < 0)
			r = -1;
	}
	if (fd > STDOUT_FILENO && close(fd) < 0 && r == 0)
		r = vn_fail(err, errno, "export: write %s", opt->output);
	if (r < 0 && regular)
		(void)unlink(opt->output); /* half a tar */
	free(x);
	lt_upper_close(&up);
	return r;
}

int cmd_export(int argc, char **argv)
{
	struct export_options opt = { 0 };
	struct vn_error err = { 0 };
	int r = parse_export_args(argc, argv, &opt, &err);

	/* a compressor that dies: EPIPE from the write, said in one line */
	signal(SIGPIPE, SIG_IGN);
	if (r > 0)
		cmd_export_usage(stdout);
	else if (r == 0)
		r = export_run(&opt, &err);
	if (r < 0) {
		vn_error_print(&err);
		return EXIT_VENEER_ERROR;
	}
	return 0;
}
