/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Calls that name a path inside another argument: AF_UNIX bind (the
 * socket file is made in the upper, bound to the target's socket),
 * connect (the socket file rendered in the view, the kernel connects;
 * without a view the supervisor connects the target's socket) and
 * inotify_add_watch (watch the real object of the union).
 *
 * Host sockets.  A pathname socket the sandbox did not bind itself is a
 * host service's (systemd --user, D-Bus, docker, ssh-agent, X11), and
 * many of them run code for whoever connects.  A socket of the upper was
 * bound by a sandbox over it (a lower socket copied up is a new inode,
 * which no host process listens on); any other socket is refused unless
 * the policy names it (host-sockets), and a refused socket is never
 * rendered into the view: the kernel resolves a continued call's path,
 * and the paths of sendto/sendmsg (not trapped), in the view, so what is
 * never rendered there cannot be reached.  A --bind is a host directory
 * the user shares: the kernel resolves in it itself (see docs/design.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lexpath.h"
#include "calls.h"

/* The sun_path of a pathname AF_UNIX address, or "" for anything else;
 * the address as read goes to *copy (when not NULL; zeroed past it). */
static int read_unix_path(struct call *c, char *path, size_t size, struct sockaddr_un *copy)
{
	const uint64_t *a = c->args;
	struct sockaddr_un own, *sun = copy ? copy : &own;
	size_t len = a[2];
	int r;

	path[0] = '\0';
	memset(sun, 0, sizeof(*sun));
	if (len > sizeof(*sun))
		return 0;
	r = target_read(c, a[1], sun, len);
	if (r < 0)
		return r;
	if (len <= offsetof(struct sockaddr_un, sun_path) || sun->sun_family != AF_UNIX ||
	    sun->sun_path[0] == '\0')
		return 0; /* abstract or not unix: nothing of the union */
	snprintf(path, size, "%.*s", (int)(len - offsetof(struct sockaddr_un, sun_path)),
		 sun->sun_path);
	if (c->ctx->verbose) /* only -v prints it */
		snprintf(c->detail, sizeof(c->detail), "\"%s\"", path);
	return 0;
}

static bool policy_names(const struct policy *p, const char *path)
{
	for (size_t i = 0; p && i < p->nhost_sockets; i++)
		if (strcmp(p->host_sockets[i], path) == 0)
			return true;
	return false;
}

bool socket_allowed(struct call *c, const struct vn_node *node)
{
	return node->layer == 0 || policy_names(c->ctx->policy, node->path);
}

void socket_log_refused(struct call *c, const char *path)
{
	if (!c->ctx->verbose)
		return;
	pthread_mutex_lock(&c->ctx->log_lock);
	fprintf(stderr,
		"veneer: [%d] %s: refused the host socket %s (not bound in this sandbox); "
		"to allow it, name it in the policy: host-sockets = %s\n",
		c->pid, c->name, path, path);
	pthread_mutex_unlock(&c->ctx->log_lock);
}

void socket_render_allowed(struct call_ctx *ctx)
{
	for (size_t i = 0; ctx->policy && i < ctx->policy->nhost_sockets; i++) {
		struct vn_node node;

		/* one missing now (its service not started yet) is rendered at
		 * its first connect */
		if (vn_resolve(ctx->u, "/", ctx->policy->host_sockets[i], VN_FOLLOW | VN_RENDER,
			       &node) == 0 &&
		    !node.passthrough && S_ISSOCK(node.st.st_mode) &&
		    strcmp(node.path, ctx->policy->host_sockets[i]) == 0 &&
		    vn_render_special(ctx->u, &node) < 0 && ctx->verbose)
			fprintf(stderr, "veneer: host-sockets: could not render %s\n", node.path);
	}
}

/* Refused: a client sees what it sees when nobody listens on a socket
 * file (a stale socket), and falls back as it does then (D-Bus
 * autolaunch, ssh without an agent, no display) instead of reporting a
 * permission problem; EACCES stays what it is natively, the socket
 * file's own permissions. */
static struct answer refuse(struct call *c, const char *path)
{
	socket_log_refused(c, path);
	return answer_error(ECONNREFUSED);
}

/* A connect through a passthrough mount: the sandbox's own /dev (its
 * /dev/shm) and /sys hold nothing of the host's to connect to; anything
 * else (a --bind, /proc's links to objects outside the union) is the
 * host's unless named. */
static struct answer connect_passthrough(struct call *c, const struct target_path *tp)
{
	const char *mnt = tp->node.mount ? tp->node.mount->path : "";
	char path[PATH_MAX], canon[PATH_MAX];

	/* without a view /dev and /sys are the host's: nothing there but
	 * what the policy names, and the string the kernel reads can be
	 * raced, so not even that */
	if (c->ctx->view_prefix[0])
		return refuse(c, tp->raw);
	if (strcmp(mnt, "/dev") == 0 || strcmp(mnt, "/sys") == 0)
		return answer_continue();
	if (snprintf(path, sizeof(path), "%s/%s", mnt, tp->node.rest) >= (int)sizeof(path) ||
	    lexpath_canonical(path, canon, sizeof(canon)) < 0)
		return answer_error(ENAMETOOLONG);
	if (!policy_names(c->ctx->policy, canon))
		return refuse(c, canon);
	return answer_continue();
}

/* Without a view there is no path the kernel could connect to for the
 * target: the supervisor connects the target's own socket (the same open
 * file, taken with pidfd_getfd) through /proc/self/fd/N of the socket
 * file, which also keeps any sun_path length in range.  The peer's
 * SO_PEERCRED then names the supervisor's pid (its uid is the caller's,
 * as the target's is). */
static struct answer connect_for_target(struct call *c, const struct target_path *tp)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int file = vn_open_node(c->ctx->u, &tp->node, O_PATH | O_NOFOLLOW);
	int sock, r = 0;

	if (file < 0)
		return answer_error(-file);
	sock = target_getfd(c, (int)c->args[0]);
	if (sock < 0) {
		close(file);
		return answer_error(sock == -EBADF ? EBADF : -sock);
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/proc/self/fd/%d", file);
	if (connect(sock, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		r = -errno;
	close(sock);
	close(file);
	return r < 0 ? answer_error(-r) : answer_value(0);
}

/* The kernel's order (unix_find_bsd): the lookup, write permission on the
 * file, then a socket or ECONNREFUSED. */
static struct answer connect_in_union(struct call *c, const struct target_path *tp)
{
	int r;

	if (tp->err < 0)
		return answer_error(-tp->err);
	r = vn_permission(&tp->node.st, VN_MAY_WRITE);
	if (r < 0)
		return answer_error(-r);
	if (!S_ISSOCK(tp->node.st.st_mode))
		return answer_error(ECONNREFUSED);
	if (!socket_allowed(c, &tp->node))
		return refuse(c, tp->node.path);
	if (c->ctx->view_prefix[0])
		return connect_for_target(c, tp);
	r = vn_render_special(c->ctx->u, &tp->node);
	if (r < 0)
		return answer_error(-r);
	/* the kernel connects to the socket file rendered in the view */
	return answer_continue();
}

/* A socket the sandbox bound is in the view at once: a datagram sendto
 * (not trapped) finds it there, as a connect would. */
static int render_bound(struct call *c, const char *path)
{
	struct vn_node node;
	int r = vn_resolve(c->ctx->u, "/", path, 0, &node);

	if (r < 0)
		return r;
	return vn_render_special(c->ctx->u, &node);
}

static struct answer bind_in_union(struct call *c, const struct target_path *tp)
{
	int mask, sock, r;

	if (tp->err == 0)
		return answer_error(EADDRINUSE);
	if (!tp->node.parent_exists)
		return answer_error(-tp->err);
	mask = target_umask(c);
	if (mask < 0)
		return answer_error(-mask);
	sock = target_getfd(c, (int)c->args[0]);
	if (sock < 0)
		return answer_error(sock == -EBADF ? EBADF : -sock);
	r = vn_bind_unix(c->ctx->u, &tp->node, sock, 0777 & ~(mode_t)mask);
	close(sock);
	if (r < 0)
		return answer_error(-r);
	/* bound: the call succeeded whatever the view says (without the
	 * render, only a datagram sent before a connect misses it) */
	r = render_bound(c, tp->node.path);
	if (r < 0 && c->ctx->verbose)
		fprintf(stderr, "veneer: [%d] bind: %s bound, not rendered: %s\n", c->pid,
			tp->node.path, strerror(-r));
	return answer_value(0);
}

/* Without a view, a connect of an AF_UNIX socket is never continued: the
 * kernel would read the address again, and another thread may have made
 * an abstract or foreign address a path to a host socket by then.  An
 * address that is no path is connected here, as read (another family:
 * AF_UNSPEC dissolves a datagram socket's peer, the rest is the kernel's
 * EINVAL), except an abstract name: ECONNREFUSED (the supervisor, outside
 * the sandbox's Landlock domain, would reach the host's abstract sockets
 * too). */
static struct answer connect_unix_without_view(struct call *c, const struct sockaddr_un *sun)
{
	int sock = target_getfd(c, (int)c->args[0]), domain = 0, r = 0;
	socklen_t len = sizeof(domain);
	bool abstract = sun->sun_family == AF_UNIX &&
			c->args[2] > offsetof(struct sockaddr_un, sun_path);

	if (sock < 0)
		return answer_error(sock == -EBADF ? EBADF : -sock);
	if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		r = -errno; /* ENOTSOCK */
	else if (domain == AF_UNIX && !abstract &&
		 connect(sock, (const struct sockaddr *)sun, (socklen_t)c->args[2]) < 0)
		r = -errno;
	close(sock);
	if (r < 0)
		return answer_error(-r);
	if (domain != AF_UNIX)
		return answer_continue(); /* the kernel takes no path for it */
	if (!abstract)
		return answer_value(0);
	socket_log_refused(c, "an abstract socket");
	return answer_error(ECONNREFUSED);
}

static struct answer socket_path_call(struct call *c, bool creates)
{
	struct target_path tp;
	struct sockaddr_un sun;
	int r = read_unix_path(c, tp.raw, sizeof(tp.raw), &sun);

	if (r < 0)
		return answer_error(-r);
	if (!tp.raw[0] && !creates && c->ctx->view_prefix[0])
		return connect_unix_without_view(c, &sun);
	if (!tp.raw[0])
		return answer_continue();
	r = target_resolve_string(c, AT_FDCWD, tp.raw, creates ? VN_RENDER : VN_FOLLOW | VN_RENDER,
				  &tp);
	if (r < 0)
		return answer_error(-r);
	if (creates && tp.kind != TARGET_UNION && c->ctx->view_prefix[0])
		return answer_error(EACCES); /* the host's (notify-hostroot) */
	if (creates)
		return tp.kind == TARGET_UNION ? bind_in_union(c, &tp) : answer_continue();
	return tp.kind == TARGET_UNION ? connect_in_union(c, &tp) : connect_passthrough(c, &tp);
}

struct answer sys_bind(struct call *c)
{
	return socket_path_call(c, true);
}

struct answer sys_connect(struct call *c)
{
	return socket_path_call(c, false);
}

struct answer sys_inotify_add_watch(struct call *c)
{
	const uint64_t *a = c->args;
	uint32_t mask = (uint32_t)a[2];
	struct target_path tp;
	char proc[64];
	int r, ifd, node_fd, wd;

	r = target_resolve(c, AT_FDCWD, a[1], false, (mask & IN_DONT_FOLLOW) ? 0 : VN_FOLLOW, &tp);
	if (r < 0)
		return answer_error(-r);
	if (tp.kind != TARGET_UNION) {
		r = target_render(c, &tp, (mask & IN_DONT_FOLLOW) ? 0 : VN_FOLLOW);
		return r < 0 && r != -ENOENT ? answer_error(-r) : answer_continue();
	}
	if (tp.err < 0)
		return answer_error(-tp.err);
	if ((mask & IN_ONLYDIR) && !S_ISDIR(tp.node.st.st_mode))
		return answer_error(ENOTDIR);
	ifd = target_getfd(c, (int)a[0]);
	if (ifd < 0)
		return answer_error(-ifd);
	node_fd = vn_open_node(c->ctx->u, &tp.node, O_PATH | O_NOFOLLOW);
	if (node_fd < 0) {
		close(ifd);
		return answer_error(-node_fd);
	}
	/* The magic link names exactly the object we resolved. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", node_fd);
	wd = inotify_add_watch(ifd, proc, mask & ~(uint32_t)IN_DONT_FOLLOW);
	r = wd < 0 ? -errno : wd;
	close(node_fd);
	close(ifd);
	return answer_result(r);
}
