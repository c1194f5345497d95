/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The target's view of paths: its cwd and directory fds are directories of
 * the view, whose paths (as the kernel prints them for another mount
 * namespace) are union paths.  /proc/<pid>/{root,cwd,fd/N} mean the
 * target's objects, never the supervisor's, and are resolved in the union.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <linux/kcmp.h>
#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "target.h"

#define DELETED_SUFFIX " (deleted)"
#define VIEW_PATH_SLOTS 4096

/*
 * The union path of view inodes the target holds as cwd or fd, so that
 * mapping them costs one stat instead of a stat and a readlink.  A
 * re-rendered object gets a new inode; a view path that moves or goes
 * (the union renamed or removed it) bumps the view's generation, which
 * retires every entry made before.
 */
struct view_path_cache {
	pthread_mutex_t lock;
	struct {
		ino_t ino;
		int kind;
		uint64_t generation;
		char *path;
	} slots[VIEW_PATH_SLOTS];
};

int target_cache_new(struct call_ctx *ctx)
{
	ctx->view_paths = calloc(1, sizeof(*ctx->view_paths));
	if (!ctx->view_paths)
		return -ENOMEM;
	pthread_mutex_init(&ctx->view_paths->lock, NULL);
	return 0;
}

void target_cache_free(struct call_ctx *ctx)
{
	if (!ctx->view_paths)
		return;
	for (size_t i = 0; i < VIEW_PATH_SLOTS; i++)
		free(ctx->view_paths->slots[i].path);
	pthread_mutex_destroy(&ctx->view_paths->lock);
	free(ctx->view_paths);
	ctx->view_paths = NULL;
}

static int view_path_lookup(struct call_ctx *ctx, ino_t ino, char *out, size_t size)
{
	struct view_path_cache *cache = ctx->view_paths;
	int kind = 0;

	pthread_mutex_lock(&cache->lock);
	if (cache->slots[ino % VIEW_PATH_SLOTS].ino == ino && cache->slots[ino % VIEW_PATH_SLOTS].path &&
	    cache->slots[ino % VIEW_PATH_SLOTS].generation == vn_view_generation(ctx->u) &&
	    snprintf(out, size, "%s", cache->slots[ino % VIEW_PATH_SLOTS].path) < (int)size)
		kind = cache->slots[ino % VIEW_PATH_SLOTS].kind;
	pthread_mutex_unlock(&cache->lock);
	return kind;
}

static void view_path_remember(struct call_ctx *ctx, ino_t ino, int kind, uint64_t generation,
			       const char *path)
{
	struct view_path_cache *cache = ctx->view_paths;
	char *copy = strdup(path);

	if (!copy)
		return;
	pthread_mutex_lock(&cache->lock);
	free(cache->slots[ino % VIEW_PATH_SLOTS].path);
	cache->slots[ino % VIEW_PATH_SLOTS].ino = ino;
	cache->slots[ino % VIEW_PATH_SLOTS].kind = kind;
	cache->slots[ino % VIEW_PATH_SLOTS].generation = generation;
	cache->slots[ino % VIEW_PATH_SLOTS].path = copy;
	pthread_mutex_unlock(&cache->lock);
}

/* A view object's link text as the kernel prints it once the object is
 * unlinked: " (deleted)" appended, and no link left to it (a live
 * directory may be named "x (deleted)" too). */
static bool removed_from_view(const char *text, size_t len, const struct stat *st)
{
	return st->st_nlink == 0 && len > strlen(DELETED_SUFFIX) &&
	       strcmp(text + len - strlen(DELETED_SUFFIX), DELETED_SUFFIX) == 0;
}

/* Without a view: a real path in the skeleton as its union path (what
 * follows the skeleton's own), into out (which may be host itself). */
static bool skeleton_path_in_union(struct call *c, const char *host, char *out, size_t size)
{
	const char *prefix = c->ctx->view_prefix;
	size_t plen = strlen(prefix), len;

	if (!plen || strncmp(host, prefix, plen) != 0 || (host[plen] != '/' && host[plen] != '\0'))
		return false;
	if (host[plen] == '\0')
		host = "/"; /* the skeleton's own root */
	else
		host += plen;
	len = strlen(host);
	if (len >= size)
		return false;
	memmove(out, host, len + 1);
	return true;
}

/* The union path behind a /proc link of the target's (cwd or fd/N).
 * UNION_DIR or UNION_OTHER (a FIFO rendered in the view); 0: not a union
 * object (the kernel's); -errno. */
/* Without a view (notify-hostroot) the target's directories of the union
 * are the skeleton's, seen at their real path: the union path is what
 * follows the skeleton's own.  Not cached: the skeleton shares its file
 * system with files the kernel answers for. */
static int skeleton_union_path(struct call *c, int base_fd, const char *link,
			       const struct stat *st, char *out, size_t size)
{
	ssize_t n = readlinkat(base_fd, link, out, size - 1);

	if (n < 0)
		return -errno;
	out[n] = '\0';
	if (removed_from_view(out, (size_t)n, st) || !skeleton_path_in_union(c, out, out, size))
		return 0;
	return S_ISDIR(st->st_mode) ? UNION_DIR : UNION_OTHER;
}

static int seen_union_path(struct call *c, int base_fd, const char *link,
			   const struct stat *st, char *out, size_t size)
{
	uint64_t generation;
	ssize_t n;
	size_t len;
	int kind;

	if (!vn_view_owns(c->ctx->u, st->st_dev))
		return 0;
	if (c->ctx->view_prefix[0])
		return skeleton_union_path(c, base_fd, link, st, out, size);
	kind = view_path_lookup(c->ctx, st->st_ino, out, size);
	if (kind)
		return kind;
	/* read before the link: a move in between leaves the entry stale-marked */
	generation = vn_view_generation(c->ctx->u);
	n = readlinkat(base_fd, link, out, size - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	len = (size_t)n;
	/* removed from the union (and so from the view): the kernel answers
	 * for a deleted directory as natively (empty, nothing can be made) */
	if (removed_from_view(out, len, st))
		return 0;
	if (out[0] != '/')
		return 0;
	kind = S_ISDIR(st->st_mode) ? UNION_DIR : UNION_OTHER;
	view_path_remember(c->ctx, st->st_ino, kind, generation, out);
	return kind;
}

static int link_union_path(struct call *c, int base_fd, const char *link, char *out,
			   size_t size, struct stat *seen)
{
	struct stat own, *st = seen ? seen : &own;

	if (fstatat(base_fd, link, st, 0) < 0)
		return errno == ENOENT ? -EBADF : -errno;
	return seen_union_path(c, base_fd, link, st, out, size);
}

/* The union path of a process's root (base + link: its /proc/<pid>/root):
 * "/" until some process of the sandbox has been let chroot, so that the
 * common case costs nothing; then what the kernel holds, read like a cwd.
 * UNION_DIR; 0 when the root is not a union directory (a chroot into a
 * passthrough mount, or one since removed): the kernel answers paths there. */
static int process_root(struct call *c, int base, const char *link, char *out, size_t size)
{
	int r;

	if (!__atomic_load_n(&c->ctx->chrooted, __ATOMIC_ACQUIRE)) {
		snprintf(out, size, "/");
		return UNION_DIR;
	}
	r = link_union_path(c, base, link, out, size, NULL);
	return r == UNION_OTHER ? 0 : r;
}

int target_root_union_path(struct call *c, char *out, size_t size)
{
	char link[64];

	snprintf(link, sizeof(link), "/proc/%d/root", c->pid);
	return process_root(c, AT_FDCWD, link, out, size);
}

int target_fd_union_path(struct call *c, int fd, char *out, size_t size,
			 struct stat *seen)
{
	char link[64];

	if (fd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", c->pid);
	else if (fd < 0)
		return -EBADF;
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->pid, fd);
	return link_union_path(c, AT_FDCWD, link, out, size, seen);
}

pid_t target_thread_group(pid_t tid)
{
	long tgid;
	const struct proc_field field = { "Tgid:", 10, &tgid };

	return proc_fields(tid, "status", &field, 1) == 0 ? (pid_t)tgid : tid;
}

int target_getfd(struct call *c, int fd)
{
	/* the caller may be any thread: before Linux 6.9 (no PIDFD_THREAD)
	 * only its thread group's leader has a pidfd */
	int pidfd = (int)syscall(SYS_pidfd_open, c->pid, PIDFD_THREAD);
	int copy;

	if (pidfd < 0 && errno == EINVAL)
		pidfd = (int)syscall(SYS_pidfd_open, target_thread_group(c->pid), 0);
	if (pidfd < 0)
		return -ESRCH;
	/* the copy is close-on-exec (pidfd_getfd(2)) */
	copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	copy = copy < 0 ? -errno : copy;
	close(pidfd);
	return copy;
}

int target_fd_copy(struct call *c, int fd, char *out, size_t size, int *file,
		   struct stat *st)
{
	char link[64];
	int copy, kind;

	if (fd < 0)
		return -EBADF;
	copy = target_getfd(c, fd);
	if (copy < 0)
		return copy;
	if (fstat(copy, st) < 0) {
		kind = -errno;
		close(copy);
		return kind;
	}
	/* the copy is the target's open file: its link reads the same */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", copy);
	kind = seen_union_path(c, AT_FDCWD, link, st, out, size);
	if (kind <= 0) {
		close(copy);
		return kind;
	}
	*file = copy;
	return kind;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Copy the next path component of *p into buf and step past it. */
static bool next_component(const char **p, char *buf, size_t size)
{
	size_t n = strcspn(*p, "/");

	if (n == 0 || n >= size)
		return false;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += n;
	while (**p == '/')
		(*p)++;
	return true;
}

/* The magic link is the path's last component and is not followed
 * (lstat, readlink, O_NOFOLLOW): it is the kernel's, as itself. */
static bool magic_link_itself(const char *rest, const char *p, int flags)
{
	size_t n = strlen(rest);

	return !*p && !(flags & VN_FOLLOW) && n && rest[n - 1] != '/';
}

/* The union path of a layer file the target holds at base/link (an fd we
 * injected: the kernel prints where the layer sits for us): LINK_LAYER;
 * LINK_IN_ROOT when the link is a path of the target's own root instead
 * (out is that path); 0 for anything else; -errno. */
enum { LINK_LAYER = 1, LINK_IN_ROOT = 2 };
static int injected_file_path(struct call *c, int base, const char *link, char *out,
			      size_t size)
{
	char host[PATH_MAX];
	ssize_t n = readlinkat(base, link, host, sizeof(host) - 1);

	if (n < 0)
		return errno == ENOENT ? -EBADF : -errno;
	host[n] = '\0';
	if (host[0] != '/')
		return 0;
	/* without a view: a FIFO of the skeleton, by its union name */
	if (skeleton_path_in_union(c, host, out, size) ||
	    vn_layer_path_to_union(c->ctx->u, host, out, size, NULL) == 1)
		return LINK_LAYER;
	return snprintf(out, size, "%s", host) < (int)size ? LINK_IN_ROOT : 0;
}

/* The same, resolved: 1 only while the union's name still leads to the
 * fd's object (not when it was renamed, replaced or removed since). */
static int injected_union_file(struct call *c, int base, const char *link,
			       struct vn_node *node)
{
	char path[PATH_MAX];
	struct stat st;
	int r = injected_file_path(c, base, link, path, sizeof(path));

	/* a path of the target's root is the union's object when it is the
	 * same object: an O_PATH fd on the bind of a layer file we rendered,
	 * or a FIFO of the view, which only the supervisor makes (the view is
	 * read-only to the target) and keeps at its union name */
	if (r <= 0)
		return r;
	if (fstatat(base, link, &st, 0) < 0 || vn_resolve(c->ctx->u, "/", path, 0, node) < 0)
		return 0;
	if (node->st.st_dev == st.st_dev && node->st.st_ino == st.st_ino)
		return 1;
	/* a character device the view shows as the host's node of its
	 * number (render.c: a layer's dev/null, a node made by mknod) */
	if (S_ISCHR(st.st_mode) && S_ISCHR(node->st.st_mode) && st.st_rdev == node->st.st_rdev)
		return 1;
	return S_ISFIFO(st.st_mode) && S_ISFIFO(node->st.st_mode) && vn_view_owns(c->ctx->u, st.st_dev);
}

/* /proc/<pid>/fd/N of a layer file we injected, as the start directory
 * and the name the union knows it by ("DIR\0NAME" in start, *tail on
 * NAME): so that reopening it for writing copies it up, as a write to the
 * union's file must. */
static bool layer_file_link(struct call *c, int base, const char *link, char *start,
			    size_t size, const char **tail)
{
	struct vn_node node;
	char *slash;

	if (injected_union_file(c, base, link, &node) <= 0)
		return false;
	slash = strrchr(node.path, '/');
	if (!slash || !slash[1] || strlen(node.path) + 2 > size)
		return false;
	*slash = '\0';
	snprintf(start, size, "%s", node.path[0] ? node.path : "/");
	memcpy(start + strlen(start) + 1, slash + 1, strlen(slash + 1) + 1);
	*tail = start + strlen(start) + 1;
	return true;
}

/* A magic link of the sandbox's /proc, "<who>/[task/<tid>/]<what>[/N]"
 * (who: self, thread-self or a pid of the sandbox; what: root, cwd, fd):
 * where to read it (base + link, "" for root) and where the path goes on
 * after it. */
struct proc_link {
	int base;
	char link[96];
	char what[16];
	pid_t pid;        /* whose link, as the sandbox numbers it */
	const char *after;
};

static bool proc_link_parse(struct call *c, const char *rest, struct proc_link *pl)
{
	char who[32];
	const char *p = rest;

	if (!next_component(&p, who, sizeof(who)) || !next_component(&p, pl->what, sizeof(pl->what)))
		return false;
	if (strcmp(pl->what, "task") == 0) {
		/* <who>/task/<tid>/...: the thread, by its id in the sandbox */
		if (!next_component(&p, who, sizeof(who)) || !all_digits(who) ||
		    !next_component(&p, pl->what, sizeof(pl->what)))
			return false;
	}
	pl->base = AT_FDCWD;
	if (strcmp(who, "self") == 0 || strcmp(who, "thread-self") == 0) {
		snprintf(pl->link, sizeof(pl->link), "/proc/%d/", c->pid);
		pl->pid = c->pid;
	} else if (all_digits(who) && c->ctx->tracee_proc_fd >= 0) {
		pl->base = c->ctx->tracee_proc_fd;
		snprintf(pl->link, sizeof(pl->link), "%s/", who);
		pl->pid = (pid_t)atoi(who);
	} else {
		return false;
	}
	if (strcmp(pl->what, "root") == 0 || strcmp(pl->what, "cwd") == 0 ||
	    strcmp(pl->what, "exe") == 0) {
		size_t len = strlen(pl->link);

		snprintf(pl->link + len, sizeof(pl->link) - len, "%s", pl->what);
	} else if (strcmp(pl->what, "fd") == 0) {
		char fd[16];

		if (!next_component(&p, fd, sizeof(fd)) || !all_digits(fd))
			return false;
		strncat(pl->link, "fd/", sizeof(pl->link) - strlen(pl->link) - 1);
		strncat(pl->link, fd, sizeof(pl->link) - strlen(pl->link) - 1);
	} else {
		return false;
	}
	pl->after = p;
	return true;
}

/*
 * "/proc" + rest: on a magic link of the target's, *start and *tail say
 * where to resolve again.  1: redirected; 0: leave it to the kernel.
 */
static int proc_magic(struct call *c, const char *rest, int flags, char *start,
		      size_t size, const char **tail)
{
	struct proc_link pl;
	const char *p;
	int r;

	/* exe is read as a link (target_fd_link_in_union), walked by the kernel */
	if (!proc_link_parse(c, rest, &pl) || strcmp(pl.what, "exe") == 0)
		return 0;
	p = pl.after;
	if (magic_link_itself(rest, p, flags))
		return 0;
	if (strcmp(pl.what, "root") == 0) {
		r = process_root(c, pl.base, pl.link, start, size);
		if (r <= 0)
			return r; /* a root in a passthrough mount: the kernel's */
		*tail = p;
		return 1;
	}
	r = link_union_path(c, pl.base, pl.link, start, size, NULL);
	if (r == 0 && !*p && strcmp(pl.what, "fd") == 0 &&
	    layer_file_link(c, pl.base, pl.link, start, size, tail))
		return 1; /* reopening a layer file we injected: the union's file */
	if (r <= 0)
		return r;
	if (r == UNION_OTHER) {
		if (*p)
			return -ENOTDIR;
		/* a FIFO of the view is the union's FIFO by its name: chmod
		 * and stat act on that (the view is read-only), an open still
		 * goes to the kernel through the view */
		return layer_file_link(c, pl.base, pl.link, start, size, tail) ? 1 : 0;
	}
	*tail = p;
	return 1;
}

/* /dev/fd, /dev/stdin, /dev/stdout and /dev/stderr are symlinks into
 * /proc/self/fd in the sandbox's /dev: rewrite "fd/3/x" to "self/fd/3/x". */
static bool dev_link_as_proc(const char *rest, char *out, size_t size)
{
	static const struct {
		const char *name, *proc;
	} links[] = {
		{ "fd", "self/fd" }, { "stdin", "self/fd/0" },
		{ "stdout", "self/fd/1" }, { "stderr", "self/fd/2" },
	};
	size_t n = strcspn(rest, "/");

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (strlen(links[i].name) == n && strncmp(rest, links[i].name, n) == 0)
			return snprintf(out, size, "%s%s", links[i].proc, rest + n) < (int)size;
	return false;
}

/* The caller's terminal is bound at /dev/console in the sandbox
 * (tracee/terminal.c): an fd on it reads as that name.  The kernel's text,
 * the host's /dev/pts/N, names nothing inside, or another pty of the
 * sandbox's own devpts with the same number (ttyname(3) and ps compare
 * only the device number). */
static bool sandbox_console(struct call *c, int base, const char *link)
{
	struct stat held, node;
	int root = vn_view_target_root(c->ctx->u);

	if (root < 0 || fstatat(base, link, &held, 0) < 0 || !S_ISCHR(held.st_mode))
		return false;
	/* the sandbox's root as init had it before the target ran (a process
	 * that ptraces init may chroot it since), its /dev read-only */
	if (fstatat(root, "dev/console", &node, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return node.st_dev == held.st_dev && node.st_ino == held.st_ino && node.st_rdev == held.st_rdev;
}

/* A union path as the kernel prints it for a reader whose root is root
 * (d_path): below the root, relative to it; elsewhere (a file opened
 * before a chroot), whole. */
static ssize_t path_seen_from_root(const char *root, char *path)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0 || strncmp(path, root, n) != 0 || (path[n] && path[n] != '/'))
		return (ssize_t)strlen(path);
	if (!path[n])
		return snprintf(path, 2, "/");
	memmove(path, path + n, strlen(path + n) + 1);
	return (ssize_t)strlen(path);
}

/* Without a view (notify-hostroot): a cwd or fd link to a skeleton
 * directory reads as its union path; one to a layer's file as its union
 * path too, and so does exe, which for a program run through a lower's
 * loader is the program (exe.c); anything else as the kernel prints it. */
static ssize_t skeleton_link_in_union(struct call *c, const struct proc_link *pl, char *out,
				      size_t size)
{
	char host[PATH_MAX];
	ssize_t n;

	if (strcmp(pl->what, "exe") == 0 && exe_lookup(c->ctx, pl->pid, out, size))
		return (ssize_t)strlen(out);
	n = readlinkat(pl->base, pl->link, host, sizeof(host) - 1);

	if (n < 0)
		return errno == ENOENT ? -EBADF : -errno;
	host[n] = '\0';
	if (skeleton_path_in_union(c, host, out, size))
		return (ssize_t)strlen(out);
	if (host[0] == '/' && vn_layer_path_to_union(c->ctx->u, host, out, size, NULL) == 1)
		return (ssize_t)strlen(out);
	return 0;
}

ssize_t target_fd_link_in_union(struct call *c, const struct target_path *tp, char *out,
				size_t size)
{
	char rest[PATH_MAX];
	struct proc_link pl;
	int r;

	if (tp->kind != TARGET_PASSTHROUGH || !tp->node.mount)
		return 0;
	if (strcmp(tp->node.mount->path, "/dev") == 0) {
		/* /dev/stdin and the like are symlinks read as themselves
		 * ("/proc/self/fd/0"); only /dev/fd/N leads on to an fd */
		if (strncmp(tp->node.rest, "fd/", 3) != 0 ||
		    !dev_link_as_proc(tp->node.rest, rest, sizeof(rest)))
			return 0;
	} else if (strcmp(tp->node.mount->path, "/proc") == 0) {
		snprintf(rest, sizeof(rest), "%s", tp->node.rest);
	} else {
		return 0;
	}
	if (!proc_link_parse(c, rest, &pl) || *pl.after)
		return 0;
	if (c->ctx->view_prefix[0] && strcmp(pl.what, "root") != 0)
		return skeleton_link_in_union(c, &pl, out, size);
	if (strcmp(pl.what, "fd") != 0)
		return 0;
	r = injected_file_path(c, pl.base, pl.link, out, size);
	if (r == LINK_IN_ROOT && sandbox_console(c, pl.base, pl.link))
		return snprintf(out, size, "/dev/console");
	if (r != LINK_LAYER)
		return r < 0 ? r : 0; /* a path of its own root: the kernel's text */
	return path_seen_from_root(tp->root, out);
}

ssize_t target_fd_magic_link_in_union(struct call *c, int fd, char *out, size_t size)
{
	struct target_path tp;
	char link[64];
	ssize_t n;

	if (!c->ctx->view_prefix[0])
		return 0; /* the view's links read as union paths already */
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->pid, fd);
	n = readlink(link, tp.raw, sizeof(tp.raw) - 1);
	if (n <= 0)
		return 0;
	tp.raw[n] = '\0';
	if (strncmp(tp.raw, "/proc/", 6) != 0 ||
	    target_resolve_string(c, AT_FDCWD, tp.raw, 0, &tp) < 0)
		return 0;
	return target_fd_link_in_union(c, &tp, out, size);
}

/* Symlinks the kernel follows on the way to a /proc magic link: /proc/self
 * and /proc/thread-self are symlinks themselves; /dev/fd, /dev/stdin...
 * are symlinks into /proc/self/fd. */
static int magic_hop_links(const char *mount, const char *rest)
{
	int n = 1; /* the magic link */

	if (strcmp(mount, "/dev") == 0)
		return 3;
	if (strncmp(rest, "self", 4) == 0 || strncmp(rest, "thread-self", 11) == 0)
		n++;
	return n;
}

/* Resolve in the union, following /proc/<pid>/{root,cwd,fd/N} into it.
 * start and path stay as they are (target_render walks them again). */
static int resolve_into(struct call *c, const char *start, const char *path, int flags,
			struct target_path *tp)
{
	const char *tail;
	char magic_start[PATH_MAX], proc_rest[PATH_MAX];
	char hop_start[PATH_MAX], hop_path[PATH_MAX];
	int links = 0;
	int r;

	for (int hops = 0; hops < 8; hops++) {
		tp->err = vn_resolve_counted(c->ctx->u, tp->root, start, path, flags, links, &tp->node);
		if (tp->err < 0 || !tp->node.passthrough) {
			tp->kind = TARGET_UNION;
			return 0;
		}
		tp->kind = TARGET_PASSTHROUGH;
		if (strcmp(tp->node.mount->path, "/dev") == 0) {
			if (!dev_link_as_proc(tp->node.rest, proc_rest, sizeof(proc_rest)))
				return 0;
		} else if (strcmp(tp->node.mount->path, "/proc") == 0) {
			snprintf(proc_rest, sizeof(proc_rest), "%s", tp->node.rest);
		} else {
			return 0;
		}
		r = proc_magic(c, proc_rest, flags, magic_start, sizeof(magic_start), &tail);
		if (r < 0)
			return r;
		if (r == 0)
			return 0;
		/* following a magic link, as the kernel's pick_link and
		 * nd_jump_link see it */
		if (flags & VN_NO_SYMLINKS)
			return -ELOOP;
		if (flags & VN_NO_MAGICLINKS)
			return -ELOOP;
		if (flags & (VN_BENEATH | VN_IN_ROOT))
			return -EXDEV;
		links = tp->node.links + magic_hop_links(tp->node.mount->path, tp->node.rest);
		if (links > 40)
			return -ELOOP;
		snprintf(hop_start, sizeof(hop_start), "%s", magic_start);
		/* tail points into proc_rest, which the next hop overwrites */
		snprintf(hop_path, sizeof(hop_path), "%s", tail[0] ? tail : ".");
		start = hop_start;
		path = hop_path;
	}
	return -ELOOP;
}

/* The parent of a view directory that was removed from the union (its cwd
 * or fd link reads "PATH (deleted)"), into out. */
static bool deleted_dir_parent(struct call *c, int fd, char *out, size_t size)
{
	char link[64], path[PATH_MAX];
	struct stat st;
	ssize_t n;
	size_t len;
	char *slash;

	if (fd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", c->pid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->pid, fd);
	/* a view directory: the link's target is on the view */
	if (stat(link, &st) < 0 || !vn_view_owns(c->ctx->u, st.st_dev))
		return false;
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return false;
	path[n] = '\0';
	len = (size_t)n;
	if (path[0] != '/' || !removed_from_view(path, len, &st))
		return false;
	path[len - strlen(DELETED_SUFFIX)] = '\0';
	/* without a view, the skeleton's directory at its real path */
	if (c->ctx->view_prefix[0] && !skeleton_path_in_union(c, path, path, sizeof(path)))
		return false;
	slash = strrchr(path, '/');
	if (!slash || slash[1] == '\0')
		return false; /* the root is never removed */
	if (slash == path)
		slash[1] = '\0';
	else
		*slash = '\0';
	return snprintf(out, size, "%s", path) < (int)size;
}

bool target_start_removed(struct call *c, int dirfd)
{
	char parent[PATH_MAX];

	return deleted_dir_parent(c, dirfd, parent, sizeof(parent));
}

/* The name, as a union path, of a directory in a passthrough mount
 * (/proc, /dev, /sys, a --bind) that the target holds as cwd or dirfd: the
 * kernel prints it from the target's root, where each mount sits at its
 * union path. */
static bool passthrough_dir_path(struct call *c, int fd, char *out, size_t size)
{
	char link[64];
	struct stat st;
	ssize_t n;

	if (fd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", c->pid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->pid, fd);
	if (stat(link, &st) < 0 || !S_ISDIR(st.st_mode) || vn_view_owns(c->ctx->u, st.st_dev))
		return false;
	n = readlink(link, out, size - 1);
	if (n <= 0)
		return false;
	out[n] = '\0';
	if (out[0] != '/' || removed_from_view(out, (size_t)n, &st))
		return false;
	return vn_union_passthrough_under(c->ctx->u, out) != NULL;
}

int target_resolve_string(struct call *c, int dirfd, const char *path, int flags,
			  struct target_path *tp)
{
	int r;

	tp->node.path[0] = '\0';
	tp->node.mount = NULL;
	/* a passthrough answer without a walk (a passthrough root, cwd or
	 * dirfd) has nothing below a mount: connect_passthrough reads it */
	tp->node.rest[0] = '\0';
	tp->empty = false;
	if (path != tp->raw)
		snprintf(tp->raw, sizeof(tp->raw), "%s", path);
	strcpy(tp->start, "/");
	strcpy(tp->root, "/");
	/* BENEATH and IN_ROOT walks never reach the process's root */
	if (!(flags & (VN_BENEATH | VN_IN_ROOT))) {
		r = target_root_union_path(c, tp->root, sizeof(tp->root));
		if (r < 0)
			return r;
		if (r == 0) {
			tp->kind = TARGET_PASSTHROUGH;
			tp->err = 0;
			return 0;
		}
	}
	if (tp->raw[0] != '/' || (flags & (VN_BENEATH | VN_IN_ROOT))) {
		r = target_fd_union_path(c, dirfd, tp->start, sizeof(tp->start), NULL);
		if (r < 0)
			return r;
		if (r == UNION_OTHER)
			return -ENOTDIR;
		if (r == 0 && strncmp(tp->raw, "..", 2) == 0 && (tp->raw[2] == '/' || !tp->raw[2]) &&
		    deleted_dir_parent(c, dirfd, tp->start, sizeof(tp->start))) {
			/* ".." of a removed directory is still its old parent */
			size_t skip = 2 + strspn(tp->raw + 2, "/");

			memmove(tp->raw, tp->raw + skip, strlen(tp->raw + skip) + 1);
			if (!tp->raw[0])
				strcpy(tp->raw, ".");
			return resolve_into(c, tp->start, tp->raw, flags, tp);
		}
		if (r == 0 && passthrough_dir_path(c, dirfd, tp->start, sizeof(tp->start))) {
			/* a directory of a passthrough mount: the path goes on
			 * from its name there, walked from the union's root
			 * (relative, so that the process's root still stops
			 * ".."): "../src" from a --bind's directory is the
			 * union's, as "/bind/../src" is, not the view's skeleton;
			 * "self/fd/3" from /proc is the target's object */
			char whole[PATH_MAX];

			if (snprintf(whole, sizeof(whole), "%s/%s", tp->start + 1, tp->raw) >= (int)sizeof(whole))
				return -ENAMETOOLONG;
			memcpy(tp->raw, whole, sizeof(tp->raw));
			strcpy(tp->start, "/");
			return resolve_into(c, tp->start, tp->raw, flags, tp);
		}
		if (r == 0) {
			if (dirfd != AT_FDCWD) {
				struct stat st;
				char link[64];

				snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->pid, dirfd);
				if (stat(link, &st) == 0 && !S_ISDIR(st.st_mode))
					return -ENOTDIR;
			}
			tp->kind = TARGET_PASSTHROUGH;
			tp->err = 0;
			return 0;
		}
	}
	return resolve_into(c, tp->start, tp->raw, flags, tp);
}

int target_resolve(struct call *c, int dirfd, uint64_t addr, bool empty_path_ok,
		   int flags, struct target_path *tp)
{
	int r = target_read_string(c, addr, tp->raw, sizeof(tp->raw));

	tp->node.path[0] = '\0';
	tp->empty = false;
	if (r < 0)
		return r;
	tp->empty = !tp->raw[0];
	if (c->ctx->verbose) /* only -v prints it */
		snprintf(c->detail, sizeof(c->detail), "\"%s\"", tp->raw);
	if (!tp->raw[0]) {
		if (!empty_path_ok)
			return -ENOENT;
		r = target_fd_union_path(c, dirfd, tp->start, sizeof(tp->start), &tp->fd_st);
		if (r < 0)
			return r;
		if (r == 0) {
			tp->kind = TARGET_FD;
			return 0;
		}
		/* the object behind the fd itself: its canonical path, unfollowed */
		if (c->ctx->verbose) /* only -v prints it */
			snprintf(c->detail, sizeof(c->detail), "fd %d \"%s\"", dirfd, tp->start);
		memcpy(tp->raw, tp->start, sizeof(tp->raw));
		strcpy(tp->start, "/");
		strcpy(tp->root, "/");
		return resolve_into(c, tp->start, tp->raw, flags & ~VN_FOLLOW, tp);
	}
	return target_resolve_string(c, dirfd, tp->raw, flags, tp);
}

int target_render(struct call *c, struct target_path *tp, int flags)
{
	if (tp->kind == TARGET_PASSTHROUGH && tp->node.path[0] == '\0')
		return 0; /* relative to a passthrough dirfd: nothing of ours on the way */
	if (tp->kind == TARGET_PASSTHROUGH && c->ctx->view_prefix[0])
		return 0; /* the host's own, and the skeleton's symlink to it */
	return resolve_into(c, tp->start, tp->raw, flags | VN_RENDER, tp) < 0 ? -EIO : tp->err;
}

int target_redirect(struct call *c, int arg, const struct target_path *tp)
{
	struct redirect *rd = c->redirect;

	if (!c->ctx->view_prefix[0] || tp->kind != TARGET_UNION)
		return 0; /* the view, or the kernel's own object: the same string */
	if (!rd)
		return -ENOSYS; /* without a view, only the tracer runs such calls */
	rd->arg = arg;
	if (S_ISDIR(tp->node.st.st_mode)) {
		if (snprintf(rd->path, sizeof(rd->path), "%s%s", c->ctx->view_prefix,
			     strcmp(tp->node.path, "/") == 0 ? "" : tp->node.path) >=
		    (int)sizeof(rd->path))
			return -ENAMETOOLONG;
		return 0;
	}
	return target_real_path(c, &tp->node, rd->path, sizeof(rd->path));
}

int target_real_path(struct call *c, const struct vn_node *node, char *out, size_t size)
{
	return vn_node_host_path(c->ctx->u, node, O_PATH, out, size);
}

int target_view_open(struct call *c, const struct target_path *tp, int flags)
{
	return target_view_open_object(c, tp, flags | O_DIRECTORY);
}

int target_view_open_object(struct call *c, const struct target_path *tp, int flags)
{
	const char *rel = tp->node.path + strspn(tp->node.path, "/");
	int fd = openat(vn_view_target_root(c->ctx->u), rel[0] ? rel : ".",
			flags | O_NOFOLLOW | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int target_umask(struct call *c)
{
	long mask;
	const struct proc_field field = { "Umask:", 8, &mask };
	int r = proc_fields(c->pid, "status", &field, 1);

	return r < 0 ? -ESRCH : (int)(mask & 0777);
}

int target_fd_object(struct call *c, int fd, struct vn_node *node, int *file)
{
	char link[64], path[PATH_MAX];
	int r;

	if (file)
		*file = -1;
	r = target_fd_union_path(c, fd, path, sizeof(path), NULL);
	/* a view directory, or a FIFO of the view: the union's object by name */
	if (r == UNION_DIR || r == UNION_OTHER)
		return vn_resolve(c->ctx->u, "/", path, 0, node) < 0 ? -ENOENT : TARGET_OBJ_VIEW;
	if (r != 0)
		return r < 0 ? r : 0;
	/* a file we injected, still the union's: anything else (renamed,
	 * replaced, removed since) is the kernel's */
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->pid, fd);
	r = injected_union_file(c, AT_FDCWD, link, node);
	if (r <= 0)
		return r;
	if (!file)
		return TARGET_OBJ_FILE;
	*file = target_getfd(c, fd);
	return *file < 0 ? *file : TARGET_OBJ_FILE;
}

/* fdinfo's "flags:" (octal) carries close-on-exec, which F_GETFL does not. */
static bool target_fd_cloexec(struct call *c, int fd)
{
	char file[32];
	long flags;
	const struct proc_field field = { "flags:", 8, &flags };

	snprintf(file, sizeof(file), "fdinfo/%d", fd);
	return proc_fields(c->pid, file, &field, 1) == 0 && (flags & O_CLOEXEC);
}

/* Put `replacement` in place of the target's fd (same number, same
 * close-on-exec), as dup2 would. */
static int target_replace_fd(struct call *c, int fd, int replacement)
{
	return c->ops->replace_fd(c, fd, replacement, target_fd_cloexec(c, fd));
}

int target_swap_file(struct call *c, int fd, int old_file, const struct vn_node *node)
{
	int flags = fcntl(old_file, F_GETFL);
	off_t offset = lseek(old_file, 0, SEEK_CUR);
	char dir[64];
	DIR *d;
	struct dirent *de;
	int fresh, r;

	if (flags < 0)
		return -errno;
	fresh = vn_open_node(c->ctx->u, node,
			     flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME |
				      O_LARGEFILE | O_SYNC | O_DSYNC));
	if (fresh < 0)
		return fresh;
	if (offset > 0 && lseek(fresh, offset, SEEK_SET) < 0) {
		r = -errno;
		close(fresh);
		return r;
	}
	r = target_replace_fd(c, fd, fresh);
	/* the process's other fds on the same open file description (dup)
	 * move with it, still sharing one */
	snprintf(dir, sizeof(dir), "/proc/%d/fd", c->pid);
	d = r < 0 ? NULL : opendir(dir);
	while (d && (de = readdir(d))) {
		int other = atoi(de->d_name);

		if (de->d_name[0] == '.' || other == fd)
			continue;
		if (syscall(SYS_kcmp, c->pid, getpid(), KCMP_FILE, other, old_file) == 0)
			target_replace_fd(c, other, fresh);
	}
	if (d)
		closedir(d);
	close(fresh);
	return r;
}
