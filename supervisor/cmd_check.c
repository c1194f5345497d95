/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veneer check [--repair] UPPER`: what a crash or a hand edit left in an
 * upper, and with --repair what can be fixed, fixed as the next sandbox
 * would (an interrupted change completed, the work area emptied) or as
 * the union reads the upper anyway (a whiteout beside a real object of
 * its name hides nothing: the object shows).  Under the upper's lock,
 * shared to look and alone to repair: never beside a sandbox.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <search.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "layer_tools.h"
#include "veneer/cleanup.h"
#include "veneer/union.h"

#define WORK_DIR "work"
#define JOURNAL "journal"

void cmd_check_usage(FILE *out)
{
	fputs("Usage: veneer check [--repair] UPPER\n"
	      "\n"
	      "Look for what a crash or a hand edit left in the upper layer UPPER, one\n"
	      "line each on stdout:\n"
	      "\n"
	      "  work PATH       a leftover of an interrupted copy-up in the work area\n"
	      "  journal         a change (a rename, a directory's removal) a crash\n"
	      "                  interrupted, not completed yet\n"
	      "  lock PID        the pid a veneer that crashed left in the upper's lock\n"
	      "  whiteout PATH   a whiteout beside a real object of its name in the\n"
	      "                  upper (the object shows; the whiteout hides nothing)\n"
	      "  owners N INODE  N owner records of inodes the upper no longer has (the\n"
	      "                  first's number): a new file that gets the number would\n"
	      "                  show that owner\n"
	      "\n"
	      "or \"UPPER: clean\".  PATH is the union path.\n"
	      "\n"
	      "  --repair      fix each, as the next sandbox would or as the union reads\n"
	      "                the upper anyway: the change completed, the leftovers\n"
	      "                removed, the pid cleared, the whiteout removed, the\n"
	      "                records dropped; each line then starts with \"repaired \"\n"
	      "  -h, --help    show this help\n"
	      "\n"
	      "Refused while a sandbox holds the upper.  Exit status: 0 when nothing was\n"
	      "found or all of it was repaired, 1 when something was found and not\n"
	      "repaired, 125 with one line on stderr on an error.\n",
	      out);
}

struct check {
	struct lt_upper up;
	bool repair;
	int state_fd;
	int lock_fd;
	unsigned found, repaired;
	void *inodes;  /* tsearch set of the upper's inode numbers */
	int err;       /* a repair that failed: its errno */
};

/* 0: run; 1: help was asked; -1: bad input (err says). */
static int parse_check_args(int argc, char **argv, struct check *c, struct vn_error *err)
{
	static const struct option options[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		if (ch == 'r')
			c->repair = true;
		else if (ch == 'h')
			return 1;
		else
			return cli_option_error("check", ch, argv, err);
	}
	if (optind >= argc)
		return vn_fail(err, 0, "check: no UPPER given; use `veneer check [--repair] UPPER`");
	if (optind + 1 < argc)
		return vn_fail(err, 0, "check: one UPPER only, '%s' is one too many", argv[optind + 1]);
	c->up.path = argv[optind];
	return 0;
}

/* One finding: printed, and counted as repaired when fixed is 0. */
static void finding(struct check *c, int fixed, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void finding(struct check *c, int fixed, const char *fmt, ...)
{
	va_list ap;

	c->found++;
	if (c->repair && fixed == 0) {
		c->repaired++;
		fputs("repaired ", stdout);
	} else if (c->repair && fixed < 0 && !c->err) {
		c->err = -fixed;
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ------------------------------------------------------------ the upper */

static int open_upper(struct check *c, struct vn_error *err)
{
	struct lt_upper *up = &c->up;
	char pid[32];
	ssize_t n;

	up->fd = open(up->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (up->fd < 0)
		return vn_fail(err, 0, "check: upper %s: %s", up->path, strerror(errno));
	if (fstat(up->fd, &up->st) < 0)
		return vn_fail(err, errno, "check: stat %s", up->path);
	up->caller_uid = getuid();
	up->caller_gid = getgid();
	c->state_fd = openat(up->fd, VN_STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->state_fd < 0)
		return vn_fail(err, 0, errno == ENOENT ? "check: %s is not an upper (it has no "
			       VN_STATE_DIR ")" : "check: %s: open its state directory", up->path);
	c->lock_fd = openat(c->state_fd, VN_STATE_LOCK, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (c->lock_fd < 0 && errno != ENOENT)
		return vn_fail(err, errno, "check: %s: open its lock", up->path);
	if (c->lock_fd >= 0 && flock(c->lock_fd, (c->repair ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return vn_fail(err, errno, "check: %s: take its lock", up->path);
		n = pread(c->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		return vn_fail(err, 0, "check: upper %s is in use by veneer pid %s; run this again "
			       "after it exits", up->path, pid[0] ? pid : "?");
	}
	if (vn_owner_store_load(up->fd, &up->store) < 0)
		return vn_fail(err, errno, "check: %s: read its owner store", up->path);
	return 0;
}

/* A holder that exits clears its pid: one left here crashed. */
static void check_lock(struct check *c)
{
	char pid[32];
	ssize_t n = c->lock_fd < 0 ? 0 : pread(c->lock_fd, pid, sizeof(pid) - 1, 0);

	pid[n > 0 ? n : 0] = '\0';
	pid[strcspn(pid, "\n")] = '\0';
	if (!pid[0])
		return;
	finding(c, c->repair ? (ftruncate(c->lock_fd, 0) < 0 ? -errno : 0) : 1,
		"lock %s: a veneer that crashed holding the upper", pid);
}

/* The names of the work area (NULL-terminated, malloc'd), or NULL. */
static char **work_names(int state_fd, size_t *n)
{
	cleanup_close int work = openat(state_fd, WORK_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					O_CLOEXEC);
	DIR *d = work < 0 ? NULL : fdopendir(dup(work));
	char **names = NULL;
	struct dirent *de;

	*n = 0;
	while (d && (de = readdir(d))) {
		char **grown;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		grown = realloc(names, (*n + 2) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		if (!(names[*n] = strdup(de->d_name)))
			break;
		names[++*n] = NULL;
	}
	if (d)
		closedir(d);
	return names;
}

/* The journal and the work area, completed and emptied as a sandbox's
 * start does (vn_upper_recover), on a union of the upper alone. */
static void check_interrupted(struct check *c)
{
	struct stat st;
	bool journal = fstatat(c->state_fd, JOURNAL, &st, AT_SYMLINK_NOFOLLOW) == 0;
	size_t nwork;
	char **work = work_names(c->state_fd, &nwork);
	int fixed = 1;

	if (c->repair && (journal || nwork)) {
		struct vn_union u = { 0 };
		struct vn_recovery rep;
		int fd = dup(c->up.fd);

		fixed = fd < 0 || vn_union_add_layer(&u, fd, c->up.path, true) < 0 ? -errno
										: vn_upper_recover(&u, &rep);
		vn_union_release(&u);
	}
	if (journal)
		finding(c, fixed, "journal: an interrupted change%s",
			c->repair && fixed == 0 ? ", completed" : "");
	for (size_t i = 0; i < nwork; i++) {
		finding(c, fixed, "work /%s/%s/%s", VN_STATE_DIR, WORK_DIR, work[i]);
		free(work[i]);
	}
	free(work);
}

static int compare_inodes(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;

	return x < y ? -1 : x > y;
}

static bool inode_alive(void *arg, ino_t ino)
{
	struct check *c = arg;

	return tfind(&ino, &c->inodes, compare_inodes) != NULL;
}

static int check_visit(void *arg, const struct lt_entry *e, struct vn_error *err)
{
	struct check *c = arg;
	ino_t *ino;
	struct stat st;

	if (e->kind == LT_OBJECT) {
		ino = malloc(sizeof(*ino));
		if (!ino || (*ino = e->st.st_ino, !tsearch(ino, &c->inodes, compare_inodes))) {
			free(ino);
			return vn_fail(err, ENOMEM, "check");
		}
		return 0;
	}
	/* ".wh.NAME" beside NAME itself (the 0/0 device form is the name) */
	if (e->kind == LT_WHITEOUT && strcmp(e->name, e->hidden) != 0 &&
	    fstatat(e->dirfd, e->hidden, &st, AT_SYMLINK_NOFOLLOW) == 0)
		finding(c, c->repair ? (unlinkat(e->dirfd, e->name, 0) < 0 ? -errno : 0) : 1,
			"whiteout /%s: beside the upper's own %s, which shows", e->path, e->hidden);
	return 0;
}

static void check_owners(struct check *c)
{
	ino_t *root = malloc(sizeof(*root)), first = 0;
	size_t n;

	/* the root's own record (chown / inside) is the upper root's */
	if (!root || (*root = c->up.st.st_ino, !tsearch(root, &c->inodes, compare_inodes))) {
		free(root);
		return;
	}
	n = vn_owner_store_stale(c->up.store, inode_alive, c, &first, c->repair);
	if (n > 0)
		finding(c, c->repair ? vn_owner_store_rewrite(c->up.fd, c->up.store) : 1,
			"owners %zu %lu: records of inodes the upper no longer has", n,
			(unsigned long)first);
}

static int check_run(struct check *c, struct vn_error *err)
{
	if (open_upper(c, err) < 0)
		return -1;
	check_lock(c);
	check_interrupted(c);
	if (lt_walk(&c->up, check_visit, c, err) < 0)
		return -1;
	check_owners(c);
	if (c->found == 0)
		printf("%s: clean\n", c->up.path);
	if (fflush(stdout) != 0)
		return vn_fail(err, errno, "check: write the output");
	if (c->err)
		return vn_fail(err, c->err, "check: %s: not all of it could be repaired", c->up.path);
	return 0;
}

int cmd_check(int argc, char **argv)
{
	struct check c = { .up = { .fd = -1, .lock_fd = -1 }, .state_fd = -1, .lock_fd = -1 };
	struct vn_error err = { 0 };
	int r = parse_check_args(argc, argv, &c, &err);

	if (r > 0) {
		cmd_check_usage(stdout);
		return 0;
	}
	if (r == 0)
		r = check_run(&c, &err);
	tdestroy(c.inodes, free);
	vn_owner_store_free(c.up.store);
	if (c.lock_fd >= 0)
		close(c.lock_fd);
	if (c.state_fd >= 0)
		close(c.state_fd);
	if (c.up.fd >= 0)
		close(c.up.fd);
	if (r < 0) {
		vn_error_print(&err);
		return EXIT_VENEER_ERROR;
	}
	return c.found > c.repaired ? 1 : 0;
}
