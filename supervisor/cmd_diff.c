/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veneer diff [--lower DIR]... UPPER`: the changes an upper holds, one
 * line each, sorted by union path.  Only the upper is walked; a lower is
 * asked only whether it has a path the upper has (to tell A from C).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

void cmd_diff_usage(FILE *out)
{
	fputs("Usage: veneer diff [--lower DIR]... UPPER\n"
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
	      "  -h, --help    show this help\n"
	      "\n"
	      "The upper is read, not changed; while a sandbox holds it, this fails\n"
	      "(run it after the sandbox exits).  Exit status: 0, or 125 with one line\n"
	      "on stderr.\n",
	      out);
}

struct diff_options {
	const char **lowers; /* topmost first */
	size_t nlowers;
	const char *upper;
};

/* One line of the output: HEAD, then the union path. */
struct diff_line {
	char *path;  /* relative to the root ("" is the root) */
	int rank;    /* for one path: D, then A/C, then O */
	char head[64];
};

struct diff {
	int *lower_fds;
	size_t nlowers;
	struct diff_line *lines;
	size_t n, cap;
};

enum { RANK_DELETED, RANK_OBJECT, RANK_OPAQUE };

/* ------------------------------------------------------------ options */

enum { OPT_LOWER = 256 };

/* 0: run; 1: help was asked; -1: bad input (err says). */
static int parse_diff_args(int argc, char **argv, struct diff_options *opt, struct vn_error *err)
{
	static const struct option options[] = {
		{ "lower", required_argument, NULL, OPT_LOWER },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opt->lowers = calloc((size_t)argc + 1, sizeof(*opt->lowers));
	if (!opt->lowers)
		return vn_fail(err, ENOMEM, "diff");
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (c == OPT_LOWER)
			opt->lowers[opt->nlowers++] = optarg;
		else if (c == 'h')
			return 1;
		else if (c == ':')
			return vn_fail(err, 0, "diff: %s needs a value; see `veneer diff --help`",
				       argv[optind - 1]);
		else if (optopt)
			return vn_fail(err, 0, "diff: unknown option -%c; see `veneer diff --help`",
				       optopt);
		else
			return vn_fail(err, 0, "diff: unknown option %s; see `veneer diff --help`",
				       argv[optind - 1]);
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

/* Whether the lower has path, never following a symlink: 1, 0 or -errno. */
static int lower_has(int lower_fd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	int fd;

	do {
		fd = (int)syscall(SYS_openat2, lower_fd, path, &how, sizeof(how));
	} while (fd < 0 && errno == EAGAIN);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	switch (errno) {
	case ENOENT: case ENOTDIR: case ELOOP: case EXDEV: case EACCES: case ENAMETOOLONG:
		return 0;
	default:
		return -errno;
	}
}

static int any_lower_has(const struct diff *d, const char *path)
{
	for (size_t i = 0; i < d->nlowers; i++) {
		int r = lower_has(d->lower_fds[i], path);

		if (r != 0)
			return r;
	}
	return 0;
}

/* -------------------------------------------------------------- lines */

static int add_line(struct diff *d, char *path, int rank, const char *head)
{
	if (!path)
		return -ENOMEM;
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
	d->lines[d->n].path = path;
	d->lines[d->n].rank = rank;
	snprintf(d->lines[d->n].head, sizeof(d->lines[d->n].head), "%s", head);
	d->n++;
	return 0;
}

static int add_object(struct diff *d, const struct lt_entry *e, struct vn_error *err)
{
	char head[64], number[32] = "";
	int r = any_lower_has(d, e->path);

	if (r < 0)
		return vn_fail(err, -r, "diff: look up /%s in the lowers", e->path);
	/* a device's number follows its letter: "c1,3" */
	if (S_ISCHR(e->st.st_mode) || S_ISBLK(e->st.st_mode))
		snprintf(number, sizeof(number), "%u,%u", major(e->st.st_rdev), minor(e->st.st_rdev));
	snprintf(head, sizeof(head), "%c %c%s %04o %u:%u", r ? 'C' : 'A', lt_type_letter(&e->st),
		 number, (unsigned int)(e->st.st_mode & 07777), (unsigned int)e->uid,
		 (unsigned int)e->gid);
	return add_line(d, strdup(e->path), RANK_OBJECT, head);
}

static int diff_visit(void *arg, const struct lt_entry *e, struct vn_error *err)
{
	struct diff *d = arg;
	int r;

	switch (e->kind) {
	case LT_WHITEOUT:
		r = add_line(d, lt_join(e->dir, e->hidden), RANK_DELETED, "D");
		break;
	case LT_OPAQUE:
		r = add_line(d, strdup(e->dir), RANK_OPAQUE, "O");
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

/* "/" + path, with backslashes and control characters escaped. */
static void print_path(FILE *out, const char *path)
{
	putc('/', out);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", out);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\%03o", *p);
		else
			putc(*p, out);
	}
}

static int print_lines(struct diff *d, struct vn_error *err)
{
	if (d->n > 1)
		qsort(d->lines, d->n, sizeof(*d->lines), compare_lines);
	for (size_t i = 0; i < d->n; i++) {
		fputs(d->lines[i].head, stdout);
		putc(' ', stdout);
		print_path(stdout, d->lines[i].path);
		putc('\n', stdout);
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
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i].path);
	free(d->lines);
}

/* ------------------------------------------------------------ command */

static int diff_run(const struct diff_options *opt, struct vn_error *err)
{
	struct lt_upper up;
	struct diff d = { 0 };
	int r = lt_upper_open(opt->upper, &up, err);

	if (r == 0)
		r = open_lowers(&d, opt, err);
	if (r == 0)
		r = lt_walk(&up, diff_visit, &d, err);
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
	if (r < 0) {
		vn_error_print(&err);
		return EXIT_VENEER_ERROR;
	}
	return 0;
}
