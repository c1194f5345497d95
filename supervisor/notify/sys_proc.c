/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files of the sandbox's /proc that would show where the layers sit on
 * the host.  /proc/<pid>/mountinfo prints each mount's root within its
 * file system: for a rendered bind, the real file's path there (an upper
 * file's path under the user's home).  Opened for reading, it is answered
 * with a copy whose rendered binds name their mount point instead.
 * (maps, map_files and fd links show stage paths, which name no host
 * path: the layers are reached through mounts of the supervisor's own
 * staging tmpfs.)
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notify.h"
#include "veneer/cleanup.h"

#define MOUNTINFO_MAX (4u << 20)

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Whether rest (below /proc) names a process's mountinfo:
 * "<who>/mountinfo" or "<who>/task/<tid>/mountinfo", who being self,
 * thread-self or a pid of the sandbox. */
static bool names_mountinfo(struct notify_call *c, const char *rest)
{
	size_t who = strcspn(rest, "/");
	const char *p = rest + who;
	char pid[32];
	struct stat st;

	if (*p != '/')
		return false;
	if (strncmp(p, "/task/", 6) == 0) {
		size_t tid = strcspn(p + 6, "/");

		if (!all_digits(p + 6, tid))
			return false;
		p += 6 + tid;
	}
	if (strcmp(p, "/mountinfo") != 0)
		return false;
	if ((who == 4 && strncmp(rest, "self", 4) == 0) ||
	    (who == 11 && strncmp(rest, "thread-self", 11) == 0))
		return true;
	if (!all_digits(rest, who) || who >= sizeof(pid))
		return false;
	/* another process of the sandbox: all share one mount namespace and
	 * one root, so the caller's mountinfo reads the same */
	snprintf(pid, sizeof(pid), "%.*s", (int)who, rest);
	return c->ctx->tracee_proc_fd >= 0 &&
	       fstatat(c->ctx->tracee_proc_fd, pid, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...".  A mount
 * whose parent is the view's root mount and that is no passthrough mount
 * is a rendered bind: its root becomes its mount point. */
static void write_line(FILE *out, char *line, const char *view_id, struct vn_union *u)
{
	char *field[5];
	char *p = line;

	for (int i = 0; i < 5; i++) {
		field[i] = p;
		p = strchr(p, ' ');
		if (!p) {
			fputs(line, out);
			return;
		}
		*p++ = '\0';
	}
	if (strcmp(field[1], view_id) == 0 && !vn_union_passthrough_at(u, field[4]))
		field[3] = field[4];
	fprintf(out, "%s %s %s %s %s %s", field[0], field[1], field[2], field[3], field[4], p);
}

static int filtered_mountinfo(struct notify_call *c, FILE *in, int memfd)
{
	cleanup_free char *line = NULL;
	char view_id[32] = "";
	size_t cap = 0, total = 0;
	ssize_t n;
	FILE *out = fdopen(dup(memfd), "w");

	if (!out)
		return -errno;
	while ((n = getline(&line, &cap, in)) > 0 && (total += (size_t)n) <= MOUNTINFO_MAX) {
		/* the first line is the target's root, the view */
		if (!view_id[0])
			snprintf(view_id, sizeof(view_id), "%.*s", (int)strcspn(line, " "), line);
		write_line(out, line, view_id, c->ctx->u);
	}
	if (fclose(out) != 0)
		return -errno;
	return total > MOUNTINFO_MAX ? -EFBIG : 0;
}

int proc_open_filtered(struct notify_call *c, const struct target_path *tp, uint64_t flags,
		       int *fd)
{
	char path[64];
	cleanup_close int memfd = -1;
	FILE *in;
	int r;

	*fd = -1;
	/* a path relative to a passthrough cwd or dirfd has no node: the
	 * kernel's to open */
	if (tp->kind != TARGET_PASSTHROUGH || !tp->node.path[0] || !tp->node.mount ||
	    strcmp(tp->node.mount->path, "/proc") != 0)
		return 0;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_PATH | O_DIRECTORY | O_CREAT | O_TRUNC)))
		return 0; /* the kernel's answer: EACCES, ENOTDIR... */
	if (!names_mountinfo(c, tp->node.rest))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", c->pid);
	in = fopen(path, "re");
	if (!in)
		return errno == ENOENT ? -ESRCH : -errno;
	memfd = memfd_create("mountinfo", MFD_CLOEXEC);
	r = memfd < 0 ? -errno : filtered_mountinfo(c, in, memfd);
	fclose(in);
	if (r < 0)
		return r;
	/* read-only, as the kernel's file, and at offset 0 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	return 1;
}
