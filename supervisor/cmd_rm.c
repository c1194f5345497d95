/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veneer rm UPPER...`: remove uppers.  A sandbox may leave directories
 * of an upper read-only (a `chmod 555` inside is a chmod of the upper's
 * copy), where `rm -rf` stops; this removes them all the same, as their
 * owner.  Only a directory with veneer's state directory in it is an
 * upper; one a sandbox holds (its lock) is refused, and nothing of it is
 * removed.  The upper is first renamed beside itself (NAME.veneer-rm-PID),
 * atomically, under its lock: a sandbox started on NAME meanwhile gets a
 * new, empty upper, never a half-removed one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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

void cmd_rm_usage(FILE *out)
{
	fputs("Usage: veneer rm [--force] UPPER...\n"
	      "\n"
	      "Remove each upper layer UPPER (a directory a sandbox used as --upper):\n"
	      "everything in it, directories and files the sandbox made read-only or\n"
	      "unreadable included (rm -rf stops at those), then UPPER itself.\n"
	      "\n"
	      "  -f, --force   remove UPPER even when it is not an upper (it has no\n"
	      "                state directory: what an rm -rf that stopped half-way\n"
	      "                leaves of one)\n"
	      "  -h, --help    show this help\n"
	      "\n"
	      "A directory without veneer's state directory (" VN_STATE_DIR ") is not an\n"
	      "upper and is left alone (unless --force); so is an upper a sandbox holds\n"
	      "(run this after it exits), and nothing of it is removed.  Symbolic links are removed,\n"
	      "never followed, and nothing on another file system is entered.  Exit\n"
	      "status: 0 when every UPPER is gone; else 125, with one line on stderr for\n"
	      "each UPPER left (the others are removed all the same).\n",
	      out);
}

/* 0: run; 1: help was asked; -1: bad input (err says). */
static int parse_rm_args(int argc, char **argv, bool *force, struct vn_error *err)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:fh", options, NULL)) != -1) {
		if (c == 'f') {
			*force = true;
			continue;
		}
		if (c == 'h')
			return 1;
		return cli_option_error("rm", c, argv, err);
	}
	if (optind >= argc)
		return vn_fail(err, 0, "rm: no UPPER given; use `veneer rm UPPER...`");
	return 0;
}

/* The directory that holds path and path's last name, with the parent
 * opened: its fd, or -1 with err set. */
static int open_parent(const char *path, char *name, size_t size, struct vn_error *err)
{
	char dir[PATH_MAX];
	size_t len = strlen(path);
	const char *slash;
	int fd;

	while (len > 1 && path[len - 1] == '/')
		len--; /* "up/" names up */
	if (len >= sizeof(dir))
		return vn_fail(err, ENAMETOOLONG, "rm: %s", path);
	memcpy(dir, path, len);
	dir[len] = '\0';
	slash = strrchr(dir, '/');
	if (snprintf(name, size, "%s", slash ? slash + 1 : dir) >= (int)size)
		return vn_fail(err, ENAMETOOLONG, "rm: %s", path);
	if (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return vn_fail(err, 0, "rm: %s: name the upper itself (not /, . or ..); nothing "
			       "removed", path);
	if (slash)
		dir[slash == dir ? 1 : slash - dir] = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? vn_fail(err, errno, "rm: open the directory that holds %s", path) : fd;
}

/* The upper's lock, held alone: its fd (-1 when it has none: no sandbox
 * ever held it, or --force and no state directory), or -2 with err set. */
static int lock_upper(const char *path, int upper, bool force, struct vn_error *err)
{
	cleanup_close int state = openat(upper, VN_STATE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC);
	char pid[32];
	ssize_t n;
	int fd;

	if (state < 0 && errno == ENOENT && force)
		return -1;
	if (state < 0 && errno == ENOENT) {
		vn_fail(err, 0, "rm: %s is not an upper (it has no " VN_STATE_DIR "); nothing removed "
			"(--force removes it all the same)", path);
		return -2;
	}
	if (state < 0) {
		vn_fail(err, 0, "rm: %s: open its state directory: %s; nothing removed", path,
			strerror(errno));
		return -2;
	}
	fd = openat(state, VN_STATE_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return -1;
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	if (fd < 0 || errno != EWOULDBLOCK) {
		vn_fail(err, errno, "rm: %s: take its lock", path);
		if (fd >= 0)
			close(fd);
		return -2;
	}
	n = pread(fd, pid, sizeof(pid) - 1, 0);
	close(fd);
	pid[n > 0 ? n : 0] = '\0';
	pid[strcspn(pid, "\n")] = '\0';
	vn_fail(err, 0, "rm: upper %s is in use by veneer pid %s; nothing removed (run this again "
		"after it exits)", path, pid[0] ? pid : "?");
	return -2;
}

/* Something vn_remove_tree left below dirfd/name: its path (relative to
 * dirfd) in out and why it stays, as the kernel says when it is removed
 * or entered again; 0 when nothing is left. */
static int first_left(int dirfd, const char *name, char *out, size_t size)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	size_t len = strlen(out);
	int e = 0;
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? errno : 0;
	d = fdopendir(dup(fd));
	if (!d)
		return errno;
	while (!e && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(out + len, size - len, "/%s", de->d_name);
		e = first_left(fd, de->d_name, out, size);
		if (!e)
			out[len] = '\0';
	}
	closedir(d);
	if (!e && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		e = errno;
	return e;
}

/* Remove one upper: 0, or -1 with err set. */
static int remove_upper(const char *path, bool force, struct vn_error *err)
{
	char name[NAME_MAX + 1], moved[NAME_MAX + 1], left[PATH_MAX] = "";
	cleanup_close int parent = open_parent(path, name, sizeof(name), err);
	cleanup_close int upper = -1, lock = -1;
	struct stat st;
	int e;

	if (parent < 0)
		return -1;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return vn_fail(err, 0, "rm: %s: %s; nothing removed", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return vn_fail(err, 0, "rm: %s is %s, not an upper; nothing removed", path,
			       S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
	upper = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (upper < 0)
		return vn_fail(err, 0, "rm: %s: %s; nothing removed", path, strerror(errno));
	lock = lock_upper(path, upper, force, err);
	if (lock == -2)
		return -1;
	if ((size_t)snprintf(moved, sizeof(moved), "%.*s.veneer-rm-%d", NAME_MAX - 24, name,
			     (int)getpid()) >= sizeof(moved))
		return vn_fail(err, ENAMETOOLONG, "rm: %s", path);
	if (renameat2(parent, name, parent, moved, RENAME_NOREPLACE) < 0)
		return vn_fail(err, 0, "rm: cannot remove %s: %s; nothing removed", path,
			       strerror(errno));
	vn_remove_tree(parent, moved);
	if (fstatat(parent, moved, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return 0;
	e = first_left(parent, moved, left, sizeof(left));
	return vn_fail(err, 0, "rm: %s: not all of it could be removed (%s%s: %s); what is left is "
		       "in %s beside it", path, moved, left, strerror(e ? e : EBUSY), moved);
}

int cmd_rm(int argc, char **argv)
{
	struct vn_error err = { 0 };
	bool force = false;
	int r = parse_rm_args(argc, argv, &force, &err), status = 0;

	if (r != 0) {
		if (r > 0) {
			cmd_rm_usage(stdout);
			return 0;
		}
		vn_error_print(&err);
		return EXIT_VENEER_ERROR;
	}
	for (int i = optind; i < argc; i++) {
		err = (struct vn_error){ 0 };
		if (remove_upper(argv[i], force, &err) < 0) {
			vn_error_print(&err);
			status = EXIT_VENEER_ERROR;
		}
	}
	return status;
}
