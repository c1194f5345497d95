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
#include <sys/syscall.h>
#include <unistd.h>

#include "calls.h"
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

/* Whether rest (below /proc, canonical) names a process's mountinfo:
 * "<who>/mountinfo" or "<who>/task/<tid>/mountinfo", who being self,
 * thread-self or a pid of the sandbox. */
static bool plain_mountinfo(struct call *c, const char *rest)
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

static bool is_name(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncmp(p, name, n) == 0;
}

/* rest (below /proc) without "", "." and "..", as the kernel walks it:
 * /proc's own symlinks lead on (thread-self to self/task/<tid>, mounts
 * and net below self), so "self/task/../mountinfo" and
 * "thread-self/../../mountinfo" read as "self/mountinfo".  false when the
 * walk passes a magic link (a process's root, cwd, fd/N... may lead
 * anywhere, /proc included), leaves /proc or does not fit. */
static bool proc_rest_canonical(const char *rest, char *out, size_t size)
{
	static const char *const magic[] = { "root", "cwd", "exe", "fd", "map_files", "ns" };
	struct {
		const char *name;
		size_t len;
	} stack[64];
	size_t n = 0, used = 0;

#define PUSH(p, l) (stack[n].name = (p), stack[n].len = (l), n++)
	for (const char *p = rest; *p; p += strspn(p, "/")) {
		size_t l = strcspn(p, "/");
		const char *name = p;

		p += l;
		if (l == 0 || is_name(name, l, "."))
			continue;
		if (is_name(name, l, "..")) {
			if (n == 0)
				return false;
			n--;
			continue;
		}
		for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
			if (is_name(name, l, magic[i]))
				return false;
		if (n + 3 > sizeof(stack) / sizeof(stack[0]))
			return false;
		if (n == 0 && is_name(name, l, "thread-self")) {
			PUSH("self", 4);
			PUSH("task", 4);
			PUSH("0", 1); /* a thread of the caller's */
			continue;
		}
		if (n == 0 && (is_name(name, l, "mounts") || is_name(name, l, "net")))
			PUSH("self", 4);
		PUSH(name, l);
	}
#undef PUSH
	for (size_t i = 0; i < n; i++) {
		if (used + stack[i].len + 2 > size)
			return false;
		if (i)
			out[used++] = '/';
		memcpy(out + used, stack[i].name, stack[i].len);
		used += stack[i].len;
	}
	if (used >= size)
		return false;
	out[used] = '\0';
	return true;
}

/* Whether rest (below /proc, as the target wrote it) names a mountinfo.
 * A path the walk cannot be followed along (a magic link on the way)
 * counts when it ends in "mountinfo": filtering a file that is not one
 * shows mount points; not filtering one shows host paths. */
static bool names_mountinfo(struct call *c, const char *rest)
{
	char canonical[PATH_MAX];
	const char *last = strrchr(rest, '/');

	/* ("mountinfo/" and "mountinfo/." are the kernel's ENOTDIR) */
	if (strcmp(last ? last + 1 : rest, "mountinfo") != 0)
		return false;
	if (proc_rest_canonical(rest, canonical, sizeof(canonical)))
		return plain_mountinfo(c, canonical);
	return true;
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...".  A mount
 * whose parent is the view's root mount and that is no passthrough mount
 * is a rendered bind: its root becomes its mount point.  Mount points
 * are printed from the reader's root (root: its union path, "" for the
 * view's own). */
static void write_line(FILE *out, char *line, const char *view_id, const char *root,
		       struct vn_union *u)
{
	char *field[5], mount_point[PATH_MAX];
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
	snprintf(mount_point, sizeof(mount_point), "%s%s", root, field[4]);
	if (strcmp(field[1], view_id) == 0 && !vn_union_passthrough_at(u, mount_point))
		field[3] = field[4];
	fprintf(out, "%s %s %s %s %s %s", field[0], field[1], field[2], field[3], field[4], p);
}

/* The id of the mount that holds the caller's root, as mountinfo numbers
 * it: the view's for a root that is the view's or a directory of it (a
 * chroot), which then shows no line of its own. */
static bool root_mount_id(struct call *c, char *out, size_t size)
{
	char link[64];
	struct statx stx;

	snprintf(link, sizeof(link), "/proc/%d/root", c->pid);
	if (statx(AT_FDCWD, link, 0, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		return false;
	snprintf(out, size, "%llu", (unsigned long long)stx.stx_mnt_id);
	return true;
}

static int filtered_mountinfo(struct call *c, FILE *in, int memfd)
{
	cleanup_free char *line = NULL;
	char view_id[32] = "", root[PATH_MAX];
	size_t cap = 0, total = 0;
	ssize_t n;
	FILE *out;

	if (target_root_union_path(c, root, sizeof(root)) != UNION_DIR || strcmp(root, "/") == 0)
		root[0] = '\0';
	if (!root_mount_id(c, view_id, sizeof(view_id)))
		view_id[0] = '\0';
	out = fdopen(dup(memfd), "w");
	if (!out)
		return -errno;
	while ((n = getline(&line, &cap, in)) > 0 && (total += (size_t)n) <= MOUNTINFO_MAX) {
		/* without statx's mount id: the first line is the target's
		 * root, the view (unless the reader is chrooted) */
		if (!view_id[0])
			snprintf(view_id, sizeof(view_id), "%.*s", (int)strcspn(line, " "), line);
		write_line(out, line, view_id, root, c->ctx->u);
	}
	if (fclose(out) != 0)
		return -errno;
	return total > MOUNTINFO_MAX ? -EFBIG : 0;
}

/* A path the kernel resolves from a directory of the sandbox's /proc (a
 * passthrough cwd or dirfd, or a root chrooted into /proc): that
 * directory's path below /proc, then the path, into rest. */
static bool proc_relative_rest(struct call *c, const struct target_path *tp, char *rest,
			       size_t size)
{
	const uint64_t *a = c->args;
	int nr = c->nr;
	int dirfd = nr == __NR_openat || nr == __NR_openat2 ? (int)a[0] : AT_FDCWD;
	char link[64], base[PATH_MAX];
	struct stat st, proc;
	const char *below = "";
	ssize_t n;

	if (c->ctx->tracee_proc_fd < 0 || fstat(c->ctx->tracee_proc_fd, &proc) < 0)
		return false;
	if (tp->raw[0] == '/')
		snprintf(link, sizeof(link), "/proc/%d/root", c->pid);
	else if (dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", c->pid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->pid, dirfd);
	if (stat(link, &st) < 0 || st.st_dev != proc.st_dev)
		return false;
	/* read as "/proc/..." from here; anything else is still in /proc:
	 * the path alone decides */
	n = readlink(link, base, sizeof(base) - 1);
	if (n > 0) {
		base[n] = '\0';
		if (strncmp(base, "/proc/", 6) == 0)
			below = base + 6;
	}
	return snprintf(rest, size, "%s/%s", below, tp->raw) < (int)size;
}

int proc_open_filtered(struct call *c, const struct target_path *tp, uint64_t flags,
		       int *fd)
{
	char path[64], rest[PATH_MAX];
	cleanup_close int memfd = -1;
	FILE *in;
	int r;

	*fd = -1;
	if (tp->kind != TARGET_PASSTHROUGH)
		return 0;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_PATH | O_DIRECTORY | O_CREAT | O_TRUNC)))
		return 0; /* the kernel's answer: EACCES, ENOTDIR... */
	/* a path relative to a passthrough cwd or dirfd, or under a root
	 * in a passthrough mount, has no node: where it starts decides */
	if (tp->node.path[0]) {
		if (!tp->node.mount || strcmp(tp->node.mount->path, "/proc") != 0)
			return 0;
		snprintf(rest, sizeof(rest), "%s", tp->node.rest);
	} else if (!proc_relative_rest(c, tp, rest, sizeof(rest))) {
		return 0;
	}
	if (!names_mountinfo(c, rest))
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
