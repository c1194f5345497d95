/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veneer diff [--lower DIR]... UPPER`: the changes an upper holds, one
 * line each, sorted by union path.  Only the upper is walked; a lower is
 * asked only for the paths the upper has (to tell A from C, and what of a
 * C changed).  A directory the upper holds only because something below
 * it changed (its copy-up) is not a change of its own, and is not listed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"
#include "layer_tools.h"
#include "veneer/union.h"

void cmd_diff_usage(FILE *out)
{
	fputs("Usage: veneer diff [--lower DIR]... [--include GLOB]... [--exclude GLOB]...\n"
	      "                   [--format text|json] UPPER\n"
	      "\n"
	      "List the changes the upper layer UPPER holds, one line each, sorted by\n"
	      "path (bytewise); paths are absolute paths of the union:\n"
	      "\n"
	      "  A TYPE MODE UID:GID PATH   added: no lower has PATH\n"
	      "  C TYPE MODE UID:GID PATH   changed: a lower has PATH too (copied up,\n"
	      "                             or replaced)\n"
	      "  D PATH                     deleted: a whiteout hides PATH\n"
	      "  O PATH                     opaque: the directory PATH (listed on the\n"
	      "                             line before) hides the lowers' contents\n"
	      "\n"
	      "A directory a lower has too is listed only when its own type, mode or\n"
	      "owner changed, or it became opaque: not when it is in the upper only\n"
	      "because something below it changed.\n"
	      "\n"
	      "TYPE is one of f d l p s c b (file, directory, symlink, FIFO, socket,\n"
	      "character and block device; a device's number follows: c1,3), MODE the\n"
	      "permission bits in octal, UID:GID the owner as the sandbox shows it\n"
	      "(veneer's owner store, else the real owner, your own ids as 0 when the\n"
	      "sandbox ran with kernel ids).  A\n"
	      "backslash or control character in PATH is written as a C escape (\\\\, \\n,\n"
	      "\\ooo).\n"
	      "\n"
	      "  --lower DIR   a lower layer; repeat, topmost first (default: /, as for\n"
	      "                `veneer run`).  A path counts as changed when any lower\n"
	      "                has it (a symlink on the way, or a directory you may not\n"
	      "                search, counts as not having it); the upper's own\n"
	      "                whiteouts and opaque directories are not applied\n"
	      "  --include GLOB  list only paths GLOB matches (fnmatch(3) on the union\n"
	      "                path, '*' matching '/' too; a directory matched takes\n"
	      "                everything below it); repeat for more\n"
	      "  --exclude GLOB  leave out paths GLOB matches, and what is below them;\n"
	      "                repeat for more (it wins over --include)\n"
	      "  --format json   one JSON object per line instead: \"path\", \"change\"\n"
	      "                (added, changed, deleted, opaque), and for added and\n"
	      "                changed objects \"type\" (file, directory, symlink, fifo,\n"
	      "                socket, char, block), \"mode\" (octal, as a string),\n"
	      "                \"uid\", \"gid\", \"size\", \"target\" (symlinks), \"device\"\n"
	      "                (\"MAJOR,MINOR\"), and for changed ones \"changed\": what\n"
	      "                differs from the topmost lower's (type, mode, owner,\n"
	      "                data: size or modification time, target, device); bytes\n"
	      "                of a path that are not UTF-8 are written as \\u00XX\n"
	      "  -h, --help    show this help\n"
	      "\n"
	      "The upper is read, not changed; while a sandbox holds it, this fails\n"
	      "(run it after the sandbox exits), and so does a directory that is not an\n"
	      "upper (no " VN_STATE_DIR " state directory, no whiteout, no opaque\n"
	      "directory).  Exit status: 0, or 125 with one line on stderr.\n",
	      out);
}

struct diff_options {
	const char **lowers; /* topmost first */
	size_t nlowers;
	const char **includes, **excludes;
	size_t nincludes, nexcludes;
	bool json;
	const char *upper;
};

/* What of a changed object differs from the topmost lower's. */
enum {
	CHANGED_TYPE = 1 << 0,
	CHANGED_MODE = 1 << 1,
	CHANGED_OWNER = 1 << 2,
	CHANGED_DATA = 1 << 3,
	CHANGED_TARGET = 1 << 4,
	CHANGED_DEVICE = 1 << 5,
};
static const char *const changed_names[] = { "type", "mode", "owner", "data", "target", "device" };

/* One line of the output. */
struct diff_line {
	char *path;      /* relative to the root ("" is the root) */
	int rank;        /* for one path: D, then A/C, then O */
	char change;     /* A C D O */
	struct stat st;  /* A, C: the upper's object */
	uid_t uid;       /* its owner as the sandbox shows it */
	gid_t gid;
	unsigned changed; /* C: CHANGED_* */
	char *target;    /* a symlink's */
};

struct diff {
	const struct diff_options *opt;
	const struct lt_upper *up;
	int *lower_fds;
	size_t nlowers;
	struct diff_line *lines;
	size_t n, cap;
	bool marked;     /* the upper holds a whiteout or an opaque directory */
};

enum { RANK_DELETED, RANK_OBJECT, RANK_OPAQUE };

/* ------------------------------------------------------------ options */

enum { OPT_LOWER = 256, OPT_INCLUDE, OPT_EXCLUDE, OPT_FORMAT };

/* 0: run; 1: help was asked; -1: bad input (err says). */
static int parse_diff_args(int argc, char **argv, struct diff_options *opt, struct vn_error *err)
{
	static const struct option options[] = {
		{ "lower", required_argument, NULL, OPT_LOWER },
		{ "include", required_argument, NULL, OPT_INCLUDE },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opt->lowers = calloc((size_t)argc + 1, sizeof(*opt->lowers));
	opt->includes = calloc((size_t)argc + 1, sizeof(*opt->includes));
	opt->excludes = calloc((size_t)argc + 1, sizeof(*opt->excludes));
	if (!opt->lowers || !opt->includes || !opt->excludes)
		return vn_fail(err, ENOMEM, "diff");
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (c == OPT_LOWER)
			opt->lowers[opt->nlowers++] = optarg;
		else if (c == OPT_INCLUDE || c == OPT_EXCLUDE) {
			if (optarg[0] != '/' && optarg[0] != '*')
				return vn_fail(err, 0, "diff: %s %s: a glob of union paths starts "
					       "with / (or *)", argv[optind - 1], optarg);
			if (c == OPT_INCLUDE)
				opt->includes[opt->nincludes++] = optarg;
			else
				opt->excludes[opt->nexcludes++] = optarg;
		} else if (c == OPT_FORMAT) {
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return vn_fail(err, 0, "diff: --format %s: give text or json", optarg);
			opt->json = strcmp(optarg, "json") == 0;
		} else if (c == 'h')
			return 1;
		else
			return cli_option_error("diff", c, argv, err);
	}
	if (optind >= argc)
		return vn_fail(err, 0, "diff: no UPPER given; use `veneer diff [--lower DIR]... UPPER`");
	if (optind + 1 < argc)
		return vn_fail(err, 0, "diff: one UPPER only, '%s' is one too many; "
			       "use `veneer diff [--lower DIR]... UPPER`", argv[optind + 1]);
	opt->upper = argv[optind];
	if (opt->nlowers == 0)
		opt->lowers[opt->nlowers++] = "/";
	return 0;
}

/* ------------------------------------------------------------- lowers */

static int open_lowers(struct diff *d, const struct diff_options *opt, struct vn_error *err)
{
	d->lower_fds = malloc(opt->nlowers * sizeof(*d->lower_fds));
	if (!d->lower_fds)
		return vn_fail(err, ENOMEM, "diff");
	for (size_t i = 0; i < opt->nlowers; i++) {
		int fd = open(opt->lowers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return vn_fail(err, 0, "diff: lower %s: %s; give a directory, as to `veneer run "
				       "--lower`", opt->lowers[i], strerror(errno));
		d->lower_fds[d->nlowers++] = fd;
	}
	return 0;
}

/* The lower's object at path, never following a symlink: an O_PATH fd,
 * or 0 when it has none (a symlink on the way, a directory one may not
 * search), or -errno. */
static int lower_object(int lower_fd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	int fd;

	do {
		fd = (int)syscall(SYS_openat2, lower_fd, path, &how, sizeof(how));
	} while (fd < 0 && errno == EAGAIN);
	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT: case ENOTDIR: case ELOOP: case EXDEV: case EACCES: case ENAMETOOLONG:
		return 0;
	default:
		return -errno;
	}
}

/* The topmost lower's object at path: as lower_object. */
static int topmost_lower_object(const struct diff *d, const char *path)
{
	for (size_t i = 0; i < d->nlowers; i++) {
		int fd = lower_object(d->lower_fds[i], path);

		if (fd != 0)
			return fd;
	}
	return 0;
}

/* A symlink's target (NULL: none, or out of memory). */
static char *link_target(int dirfd, const char *name)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* What of the upper's object e differs from the lower's at lower (an
 * O_PATH fd): CHANGED_*.  The lower's owner is shown inside as the
 * upper's unrecorded ones are (yours as 0). */
static unsigned changes_from(const struct diff *d, const struct lt_entry *e, int lower,
			     const char *target)
{
	struct lt_upper bare = *d->up;
	struct stat st;
	unsigned changed = 0;
	uid_t uid;
	gid_t gid;

	if (fstatat(lower, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return CHANGED_TYPE | CHANGED_MODE | CHANGED_OWNER;
	bare.store = NULL;
	lt_presented_owner(&bare, &st, &uid, &gid);
	if ((st.st_mode & S_IFMT) != (e->st.st_mode & S_IFMT))
		return CHANGED_TYPE;
	if ((st.st_mode & 07777) != (e->st.st_mode & 07777))
		changed |= CHANGED_MODE;
	if (uid != e->uid || gid != e->gid)
		changed |= CHANGED_OWNER;
	if (S_ISREG(st.st_mode) &&
	    (st.st_size != e->st.st_size || st.st_mtim.tv_sec != e->st.st_mtim.tv_sec ||
	     st.st_mtim.tv_nsec != e->st.st_mtim.tv_nsec))
		changed |= CHANGED_DATA;
	if (S_ISLNK(st.st_mode)) {
		char *theirs = link_target(lower, "");

		if (!theirs || !target || strcmp(theirs, target) != 0)
			changed |= CHANGED_TARGET;
		free(theirs);
	}
	if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && st.st_rdev != e->st.st_rdev)
		changed |= CHANGED_DEVICE;
	return changed;
}

/* --------------------------------------------------------- selection */

/* Whether glob matches path ("/" + rel) or a directory above it. */
static bool glob_takes(const char *glob, const char *rel)
{
	char path[PATH_MAX + 1];
	size_t len;

	if ((size_t)snprintf(path, sizeof(path), "/%s", rel) >= sizeof(path))
		return false;
	for (len = strlen(path); len > 0; len--) {
		if (len < strlen(path) && path[len] != '/')
			continue;
		path[len] = '\0';
		if (fnmatch(glob, path, 0) == 0)
			return true;
	}
	return false;
}

static bool selected(const struct diff_options *opt, const char *rel)
{
	bool in = opt->nincludes == 0;

	for (size_t i = 0; !in && i < opt->nincludes; i++)
		in = glob_takes(opt->includes[i], rel);
	for (size_t i = 0; in && i < opt->nexcludes; i++)
		in = !glob_takes(opt->excludes[i], rel);
	return in;
}

/* -------------------------------------------------------------- lines */

/* Add a line for path (taken): 0 or -ENOMEM. */
static int add_line(struct diff *d, char *path, int rank, const struct diff_line *what)
{
	if (!path)
		return -ENOMEM;
	if (!selected(d->opt, path)) {
		free(path);
		return 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 256;
		struct diff_line *grown = realloc(d->lines, cap * sizeof(*grown));

		if (!grown) {
			free(path);
			return -ENOMEM;
		}
		d->lines = grown;
		d->cap = cap;
	}
	d->lines[d->n] = *what;
	d->lines[d->n].path = path;
	d->lines[d->n].rank = rank;
	d->n++;
	return 0;
}

static int add_object(struct diff *d, const struct lt_entry *e, struct vn_error *err)
{
	struct diff_line line = { .change = 'A', .st = e->st, .uid = e->uid, .gid = e->gid };
	int lower, r;

	if (!selected(d->opt, e->path))
		return 0;
	lower = topmost_lower_object(d, e->path);
	if (lower < 0)
		return vn_fail(err, -lower, "diff: look up /%s in the lowers", e->path);
	if (S_ISLNK(e->st.st_mode))
		line.target = link_target(e->dirfd, e->name);
	if (lower > 0) {
		line.change = 'C';
		line.changed = changes_from(d, e, lower, line.target);
		close(lower);
	}
	r = add_line(d, strdup(e->path), RANK_OBJECT, &line);
	if (r < 0)
		free(line.target);
	return r < 0 ? vn_fail(err, -r, "diff") : 0;
}

static int diff_visit(void *arg, const struct lt_entry *e, struct vn_error *err)
{
	struct diff *d = arg;
	int r;

	switch (e->kind) {
	case LT_WHITEOUT:
		d->marked = true;
		r = add_line(d, lt_join(e->dir, e->hidden), RANK_DELETED,
			     &(struct diff_line){ .change = 'D' });
		break;
	case LT_OPAQUE:
		d->marked = true;
		r = add_line(d, strdup(e->dir), RANK_OPAQUE, &(struct diff_line){ .change = 'O' });
		break;
	default:
		return add_object(d, e, err);
	}
	return r < 0 ? vn_fail(err, -r, "diff") : 0;
}

static int compare_lines(const void *a, const void *b)
{
	const struct diff_line *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : x->rank - y->rank;
}

/* A directory of the lowers the upper holds only for what is below it:
 * nothing of its own changed, and it is not opaque (the next line). */
static bool only_a_parent(const struct diff *d, size_t i)
{
	const struct diff_line *l = &d->lines[i];

	return l->change == 'C' && S_ISDIR(l->st.st_mode) && l->changed == 0 &&
	       !(i + 1 < d->n && d->lines[i + 1].change == 'O' &&
		 strcmp(d->lines[i + 1].path, l->path) == 0);
}

/* The length of the UTF-8 sequence at p (1..4), or 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *p)
{
	size_t n = *p >= 0xf0 && *p <= 0xf4 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 ? 2 : 0;

	if (*p < 0x80)
		return 1;
	if (n == 0 || *p >= 0xf5)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* s as a JSON string: quoted, escaped, bytes that are not UTF-8 as
 * \u00XX. */
static void print_json_string(FILE *out, const char *prefix, const char *s)
{
	putc('"', out);
	fputs(prefix, out);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_sequence(p);

		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p < 0x20 || *p == 0x7f || n == 0)
			fprintf(out, "\\u%04x", *p);
		else
			fwrite(p, 1, n, out);
		p += n ? n : 1;
	}
	putc('"', out);
}

static const char *type_name(const struct stat *st)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symlink";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	case S_IFCHR: return "char";
	case S_IFBLK: return "block";
	default: return "unknown";
	}
}

static void print_json(FILE *out, const struct diff_line *l)
{
	static const char *const changes[] = { ['A'] = "added", ['C'] = "changed",
					       ['D'] = "deleted", ['O'] = "opaque" };

	fputs("{\"path\":", out);
	print_json_string(out, "/", l->path);
	fprintf(out, ",\"change\":\"%s\"", changes[(unsigned char)l->change]);
	if (l->change == 'A' || l->change == 'C') {
		fprintf(out, ",\"type\":\"%s\",\"mode\":\"%04o\",\"uid\":%u,\"gid\":%u", type_name(&l->st),
			(unsigned int)(l->st.st_mode & 07777), (unsigned int)l->uid,
			(unsigned int)l->gid);
		if (S_ISREG(l->st.st_mode))
			fprintf(out, ",\"size\":%lld", (long long)l->st.st_size);
		if (S_ISLNK(l->st.st_mode) && l->target) {
			fputs(",\"target\":", out);
			print_json_string(out, "", l->target);
		}
		if (S_ISCHR(l->st.st_mode) || S_ISBLK(l->st.st_mode))
			fprintf(out, ",\"device\":\"%u,%u\"", major(l->st.st_rdev), minor(l->st.st_rdev));
	}
	if (l->change == 'C') {
		const char *sep = "";

		fputs(",\"changed\":[", out);
		for (size_t b = 0; b < sizeof(changed_names) / sizeof(changed_names[0]); b++) {
			if (l->changed & (1u << b)) {
				fprintf(out, "%s\"%s\"", sep, changed_names[b]);
				sep = ",";
			}
		}
		putc(']', out);
	}
	fputs("}\n", out);
}

static void print_text(FILE *out, const struct diff_line *l)
{
	putc(l->change, out);
	if (l->change == 'A' || l->change == 'C') {
		/* a device's number follows its letter: "c1,3" */
		fprintf(out, " %c", lt_type_letter(&l->st));
		if (S_ISCHR(l->st.st_mode) || S_ISBLK(l->st.st_mode))
			fprintf(out, "%u,%u", major(l->st.st_rdev), minor(l->st.st_rdev));
		fprintf(out, " %04o %u:%u", (unsigned int)(l->st.st_mode & 07777),
			(unsigned int)l->uid, (unsigned int)l->gid);
	}
	putc(' ', out);
	lt_print_path(out, l->path);
	putc('\n', out);
}

static int print_lines(struct diff *d, struct vn_error *err)
{
	if (d->n > 1)
		qsort(d->lines, d->n, sizeof(*d->lines), compare_lines);
	for (size_t i = 0; i < d->n; i++) {
		if (only_a_parent(d, i))
			continue;
		if (d->opt->json)
			print_json(stdout, &d->lines[i]);
		else
			print_text(stdout, &d->lines[i]);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return vn_fail(err, errno, "diff: write the output");
	return 0;
}

static void diff_free(struct diff *d)
{
	for (size_t i = 0; i < d->nlowers; i++)
		close(d->lower_fds[i]);
	free(d->lower_fds);
	for (size_t i = 0; i < d->n; i++) {
		free(d->lines[i].path);
		free(d->lines[i].target);
	}
	free(d->lines);
}

/* An upper has veneer's state directory, or a whiteout or an opaque
 * directory (another tool's upper: overlayfs, umoci): a directory with
 * none of them is not one, and listing all of it as added would say
 * nothing true. */
static int check_is_upper(const struct diff *d, const struct lt_upper *up, struct vn_error *err)
{
	struct stat st;

	if (d->marked || fstatat(up->fd, VN_STATE_DIR, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	return vn_fail(err, 0, "diff: %s is not an upper (no " VN_STATE_DIR ", no whiteout, no "
		       "opaque directory); give the directory a sandbox used as --upper", up->path);
}

/* ------------------------------------------------------------ command */

static int diff_run(const struct diff_options *opt, struct vn_error *err)
{
	struct lt_upper up;
	struct diff d = { .opt = opt, .up = &up };
	int r = lt_upper_open(opt->upper, &up, err);

	if (r == 0)
		r = open_lowers(&d, opt, err);
	if (r == 0)
		r = lt_walk(&up, diff_visit, &d, err);
	if (r == 0)
		r = check_is_upper(&d, &up, err);
	if (r == 0)
		r = print_lines(&d, err);
	lt_upper_close(&up);
	diff_free(&d);
	return r;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_options opt = { 0 };
	struct vn_error err = { 0 };
	int r = parse_diff_args(argc, argv, &opt, &err);

	if (r > 0)
		cmd_diff_usage(stdout);
	else if (r == 0)
		r = diff_run(&opt, &err);
	free(opt.lowers);
	free(opt.includes);
	free(opt.excludes);
	if (r < 0) {
		vn_error_print(&err);
		return EXIT_VENEER_ERROR;
	}
	return 0;
}
