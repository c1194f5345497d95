/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Calls that name a path inside another argument: AF_UNIX bind (the
 * socket file is made in the upper, bound to the target's socket),
 * connect (the socket file rendered in the view, the kernel connects)
 * and inotify_add_watch (watch the real object of the union).
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

#include "notify.h"

/* The sun_path of a pathname AF_UNIX address, or "" for anything else. */
static int read_unix_path(struct notify_call *c, char *path, size_t size)
{
	const __u64 *a = c->req->data.args;
	struct sockaddr_un sun;
	size_t len = a[2];
	int r;

	path[0] = '\0';
	if (len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof(sun))
		return 0;
	memset(&sun, 0, sizeof(sun));
	r = notify_read(c, a[1], &sun, len);
	if (r < 0)
		return r;
	if (sun.sun_family != AF_UNIX || sun.sun_path[0] == '\0')
		return 0; /* abstract or not unix: nothing of the union */
	snprintf(path, size, "%.*s", (int)(len - offsetof(struct sockaddr_un, sun_path)),
		 sun.sun_path);
	snprintf(c->detail, sizeof(c->detail), "\"%s\"", path);
	return 0;
}

static struct answer bind_in_union(struct notify_call *c, const struct target_path *tp)
{
	int mask, sock, r;

	if (tp->err == 0)
		return answer_error(EADDRINUSE);
	if (!tp->node.parent_exists)
		return answer_error(-tp->err);
	mask = target_umask(c);
	if (mask < 0)
		return answer_error(-mask);
	sock = target_getfd(c, (int)c->req->data.args[0]);
	if (sock < 0)
		return answer_error(sock == -EBADF ? EBADF : -sock);
	r = vn_bind_unix(c->ctx->u, &tp->node, sock, 0777 & ~(mode_t)mask);
	close(sock);
	return answer_result(r);
}

static struct answer socket_path_call(struct notify_call *c, bool creates)
{
	struct target_path tp;
	int r = read_unix_path(c, tp.raw, sizeof(tp.raw));

	if (r < 0)
		return answer_error(-r);
	if (!tp.raw[0])
		return answer_continue();
	r = target_resolve_string(c, AT_FDCWD, tp.raw, creates ? VN_RENDER : VN_FOLLOW | VN_RENDER,
				  &tp);
	if (r < 0)
		return answer_error(-r);
	if (tp.kind != TARGET_UNION)
		return answer_continue();
	if (creates)
		return bind_in_union(c, &tp);
	if (tp.err == 0 && S_ISSOCK(tp.node.st.st_mode)) {
		r = vn_render_special(c->ctx->u, &tp.node);
		if (r < 0)
			return answer_error(-r);
	}
	/* the kernel connects to the socket file rendered in the view (or
	 * answers ENOENT/ECONNREFUSED) */
	return answer_continue();
}

struct answer sys_bind(struct notify_call *c)
{
	return socket_path_call(c, true);
}

struct answer sys_connect(struct notify_call *c)
{
	return socket_path_call(c, false);
}

struct answer sys_inotify_add_watch(struct notify_call *c)
{
	const __u64 *a = c->req->data.args;
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
