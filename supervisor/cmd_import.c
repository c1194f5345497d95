/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veneer import [--quiet] FILE -o DIR`: an OCI layer tarball (plain,
 * gzip or zstd) unpacked as a new directory a sandbox takes as --upper
 * or --lower (import.c does the work).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "import.h"
#include "layer_tools.h"

void cmd_import_usage(FILE *out)
{
	fputs("Usage: veneer import [--quiet] FILE -o DIR\n"
	      "\n"
	      "Unpack the layer tarball FILE (an OCI layer, a `veneer export`: tar,\n"
	      "gzip'd or zstd'd, told by its first bytes; \"-\": stdin) into the new\n"
	      "directory DIR, which a sandbox then takes as its --upper or a --lower.\n"
	      "POSIX ustar and pax, GNU tar's format and its sparse files are read.\n"
	      "Whiteouts stay in the OCI form (\".wh.NAME\", \".wh..wh..opq\"); the tar's\n"
	      "numeric owners become the owners the sandbox shows (veneer's owner store:\n"
	      "the files are yours); character devices a sandbox may make (null, zero,\n"
	      "tty...) become what a mknod inside makes.  Modes (set-user-ID and\n"
	      "set-group-ID bits only when root imports), times, hard links, symlinks,\n"
	      "FIFOs and user.* xattrs are kept; other xattrs and other devices are\n"
	      "not, and a line says how many.\n"
	      "\n"
	      "  -o, --output DIR   the directory to make (it must not exist)\n"
	      "  -q, --quiet        no progress, no final line\n"
	      "  -h, --help         show this help\n"
	      "\n"
	      "The archive is not trusted: absolute paths, \"..\", a path through a\n"
	      "symlink of the archive, a hard link to no earlier member, a relative\n"
	      "symlink above the root, veneer's state directory, a bad checksum or a\n"
	      "truncated archive are refused, naming the member.  DIR is built beside\n"
	      "itself under a hidden name and renamed into place whole: on any error\n"
	      "nothing is left.  Exit status: 0, or 125 with one line on stderr.\n",
	      out);
}

struct import_options {
	const char *file;
	const char *output;
	bool quiet;
};

/* 0: run; 1: help was asked; -1: bad input (err says). */
static int parse_import_args(int argc, char **argv, struct import_options *opt,
			     struct vn_error *err)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":ho:q", options, NULL)) != -1) {
		if (c == 'o')
			opt->output = optarg;
		else if (c == 'q')
			opt->quiet = true;
		else if (c == 'h')
			return 1;
		else
			return cli_option_error("import", c, argv, err);
	}
	if (optind >= argc)
		return vn_fail(err, 0, "import: no FILE given; use `veneer import FILE -o DIR`");
	if (optind + 1 < argc)
		return vn_fail(err, 0, "import: one FILE only, '%s' is one too many; use `veneer "
			       "import FILE -o DIR`", argv[optind + 1]);
	if (!opt->output)
		return vn_fail(err, 0, "import: no -o DIR given; use `veneer import FILE -o DIR`");
	opt->file = argv[optind];
	return 0;
}

/* The decompressor's failure fails the import before DIR is in place. */
static int check_decompressor(void *arg, struct vn_error *err)
{
	return lt_check_decompressed(*(pid_t *)arg, err);
}

static void print_summary(const struct import_options *opt, const struct lt_import_stats *s)
{
	unsigned long n = s->files + s->dirs + s->symlinks + s->hardlinks + s->whiteouts + s->others;

	fprintf(stderr, "veneer: imported %lu entries (%lu files, %lu directories, %lu symlinks, "
		"%lu hard links, %lu whiteouts, %lu others; %" PRIu64 " bytes) into %s\n", n,
		s->files, s->dirs, s->symlinks, s->hardlinks, s->whiteouts, s->others, s->bytes,
		opt->output);
}

static int import_run(const struct import_options *opt, struct vn_error *err)
{
	struct lt_import_stats stats;
	pid_t child = -1;
	struct lt_import_options io = {
		.verify = check_decompressor,
		.arg = &child,
		.progress = !opt->quiet && isatty(STDERR_FILENO),
	};
	int fd, r;

	if (lt_open_decompressed(opt->file, &fd, &child, err) < 0)
		return -1;
	r = lt_import_tar(fd, opt->output, &io, &stats, err);
	/* its failure is told by the import's verify already */
	if (lt_close_decompressed(fd, child, r == 0 ? err : &(struct vn_error){ 0 }) < 0)
		r = -1;
	if (r == 0 && !opt->quiet)
		print_summary(opt, &stats);
	return r;
}

int cmd_import(int argc, char **argv)
{
	struct import_options opt = { 0 };
	struct vn_error err = { 0 };
	int r = parse_import_args(argc, argv, &opt, &err);

	if (r > 0) {
		cmd_import_usage(stdout);
		return 0;
	}
	if (r == 0)
		r = import_run(&opt, &err);
	if (r < 0) {
		vn_error_print(&err);
		return EXIT_VENEER_ERROR;
	}
	return 0;
}
