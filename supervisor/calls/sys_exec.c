/* SPDX-License-Identifier: Apache-2.0 */
/*
 * execve, execveat, chdir and chroot: render and continue.  The kernel resolves
 * the same path in the view, where the walk has just rendered every
 * directory and symlink on the way and a read-only bind of the binary.
 * The binary's ELF interpreter and "#!" interpreters (nested, up to the
 * kernel's depth) are resolved in the union and rendered too.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"

#define INTERP_DEPTH_MAX 5 /* BINPRM_MAX_RECURSION + 1 */

/* The interpreter a binary names: "#!" line or ELF PT_INTERP.  1: found,
 * 0: none (a static binary, or one we cannot read), -errno. */
static int binary_interpreter(int fd, char *interp, size_t size)
{
	unsigned char head[256 + 1]; /* BINPRM_BUF_SIZE */
	ssize_t n = pread(fd, head, sizeof(head) - 1, 0);

	if (n < 4)
		return 0;
	head[n] = '\0';
	if (head[0] == '#' && head[1] == '!') {
		char *p = (char *)head + 2;
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t\n");
		/* no newline in the kernel's buffer and the name runs to its
		 * end: truncated, the kernel says ENOEXEC (binfmt_script.c) */
		if (!memchr(head, '\n', (size_t)n) && p + len >= (char *)head + 255)
			return 0;
		if (len == 0 || len >= size)
			return 0;
		memcpy(interp, p, len);
		interp[len] = '\0';
		return 1;
	}
	if (memcmp(head, ELFMAG, SELFMAG) != 0 || head[EI_CLASS] != ELFCLASS64)
		return 0;
	{
		Elf64_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
			return 0;
		for (unsigned i = 0; i < eh.e_phnum && i < 128; i++) {
			Elf64_Phdr ph;

			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * eh.e_phentsize)) !=
			    (ssize_t)sizeof(ph))
				return 0;
			if (ph.p_type != PT_INTERP)
				continue;
			if (ph.p_filesz == 0 || ph.p_filesz >= size)
				return 0;
			if (pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
				return 0;
			interp[ph.p_filesz] = '\0';
			return 1;
		}
	}
	return 0;
}

static int render_executable(struct call *c, struct target_path *tp, int depth);

/* Render whatever `fd` (an executable) needs the kernel to find. */
static int render_interpreter_of(struct call *c, int fd, int depth)
{
	struct target_path interp;
	int r = binary_interpreter(fd, interp.raw, sizeof(interp.raw));

	if (r <= 0)
		return r;
	if (depth >= INTERP_DEPTH_MAX)
		return -ELOOP;
	/* The kernel opens interpreters relative to the caller's cwd. */
	r = target_resolve_string(c, AT_FDCWD, interp.raw, VN_FOLLOW | VN_RENDER, &interp);
	if (r < 0)
		return r;
	if (interp.kind != TARGET_UNION)
		return 0;
	if (interp.err == -ENOENT)
		return 0; /* the kernel will say ENOENT itself */
	if (interp.err < 0)
		return interp.err; /* ENOTDIR, ELOOP...: the view would say ENOENT */
	return render_executable(c, &interp, depth + 1);
}

static int render_executable(struct call *c, struct target_path *tp, int depth)
{
	int fd, r;

	if (!S_ISREG(tp->node.st.st_mode))
		return -EACCES;
	/* without a view, the kernel runs the layer's file at its real path
	 * and finds its interpreter on the host (docs/design.md) */
	if (c->ctx->view_prefix[0])
		return 0;
	r = vn_render_bind(c->ctx->u, &tp->node);
	if (r < 0)
		return r;
	/* not executable: the kernel says EACCES before it reads a "#!" line */
	if (vn_access(c->ctx->u, &tp->node, X_OK, 0) < 0)
		return 0;
	fd = vn_open_node(c->ctx->u, &tp->node, O_RDONLY);
	if (fd < 0)
		return 0; /* exec-only file: the kernel can run it, we cannot peek */
	r = render_interpreter_of(c, fd, depth);
	close(fd);
	return r;
}

/* A "#!" line's interpreter and optional argument (the rest of the line,
 * as binfmt_script takes it): 1, or 0 for no such line. */
static int script_line(int fd, char *interp, size_t isize, char *arg, size_t asize)
{
	char head[256 + 1], *p, *end;
	ssize_t n = pread(fd, head, sizeof(head) - 1, 0);
	size_t len;

	if (n < 3 || head[0] != '#' || head[1] != '!')
		return 0;
	head[n] = '\0';
	end = memchr(head, '\n', (size_t)n);
	if (end)
		*end = '\0';
	p = head + 2 + strspn(head + 2, " \t");
	len = strcspn(p, " \t");
	if (len == 0 || len >= isize)
		return 0;
	memcpy(interp, p, len);
	interp[len] = '\0';
	p += len;
	p += strspn(p, " \t");
	len = strlen(p);
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len >= asize)
		return 0;
	memcpy(arg, p, len);
	arg[len] = '\0';
	return 1;
}

/*
 * Without a view, the kernel would run a script's interpreter with the
 * script's real path (the upper's, say), which the union does not have:
 * the interpreter is run instead, resolved in the union, with the argv
 * binfmt_script makes (interpreter, optional argument, the script as the
 * caller named it, the caller's argv[1...]).  One level: an interpreter
 * that is a script itself runs as the kernel runs it.
 */
static int redirect_script(struct call *c, int dirfd, const struct target_path *tp)
{
	struct redirect *rd = c->redirect;
	struct target_path interp;
	char arg[PATH_MAX];
	int fd, r;

	/* not executable: the real path's exec says EACCES, as it should */
	if (vn_access(c->ctx->u, &tp->node, X_OK, 0) < 0)
		return 0;
	fd = vn_open_node(c->ctx->u, &tp->node, O_RDONLY);
	if (fd < 0)
		return 0; /* exec-only: the kernel reads it, as it can */
	r = script_line(fd, rd->script_argv[0], sizeof(rd->script_argv[0]), arg, sizeof(arg));
	close(fd);
	if (r <= 0)
		return 0;
	r = target_resolve_string(c, AT_FDCWD, rd->script_argv[0], VN_FOLLOW | VN_RENDER, &interp);
	if (r < 0)
		return r;
	if (interp.kind != TARGET_UNION)
		return 0; /* the host's own: the kernel finds it */
	if (interp.err < 0)
		return interp.err;
	r = vn_permission(&interp.node.st, VN_MAY_EXEC);
	if (r == 0 && !S_ISREG(interp.node.st.st_mode))
		r = -EACCES;
	if (r == 0)
		r = target_real_path(c, &interp.node, rd->path, sizeof(rd->path));
	if (r < 0)
		return r;
	rd->script_argc = 1;
	if (arg[0])
		snprintf(rd->script_argv[rd->script_argc++], sizeof(rd->script_argv[0]), "%s", arg);
	/* as binfmt_script names it: the path given, under /dev/fd for a dirfd */
	if (tp->raw[0] == '/' || dirfd == AT_FDCWD)
		r = snprintf(rd->script_argv[rd->script_argc], sizeof(rd->script_argv[0]), "%s", tp->raw);
	else
		r = snprintf(rd->script_argv[rd->script_argc], sizeof(rd->script_argv[0]), "/dev/fd/%d/%s",
			     dirfd, tp->raw);
	if (r < 0 || (size_t)r >= sizeof(rd->script_argv[0]))
		return -ENAMETOOLONG;
	rd->script_argc++;
	return 0;
}

static struct answer exec_path(struct call *c, int dirfd, int path_arg, int at_flags)
{
	uint64_t path = c->args[path_arg];
	struct target_path tp;
	int flags = (at_flags & AT_SYMLINK_NOFOLLOW) ? VN_RENDER : VN_FOLLOW | VN_RENDER;
	int r;

	r = target_resolve(c, dirfd, path, at_flags & AT_EMPTY_PATH, flags, &tp);
	if (r < 0)
		return answer_error(-r);
	if (tp.kind == TARGET_FD) {
		/* fexecve of a real file we injected: only its interpreter is ours */
		int fd = target_getfd(c, dirfd);

		if (fd < 0)
			return answer_error(-fd);
		r = render_interpreter_of(c, fd, 0);
		close(fd);
		if (r == 0 && c->ctx->presented)
			r = ident_exec(c, NULL); /* not a file whose set-id bits we present */
		return r < 0 ? answer_error(-r) : answer_continue();
	}
	if (tp.kind == TARGET_PASSTHROUGH) {
		r = c->ctx->presented ? ident_exec(c, NULL) : 0;
		return r < 0 ? answer_error(-r) : answer_continue();
	}
	if (tp.err < 0)
		return answer_error(-tp.err);
	if (S_ISLNK(tp.node.st.st_mode))
		return answer_error(ELOOP);
	r = vn_permission(&tp.node.st, VN_MAY_EXEC);
	if (r == 0)
		r = render_executable(c, &tp, 0);
	/* the kernel reads the path again: the identity changes only if the
	 * process then runs this very file (ident.c) */
	if (r == 0 && c->ctx->presented)
		r = ident_exec(c, &tp.node.st);
	if (r == 0)
		r = target_redirect(c, path_arg, &tp);
	if (r == 0 && c->ctx->view_prefix[0])
		r = redirect_script(c, dirfd, &tp);
	if (r < 0)
		return answer_error(-r);
	return answer_continue();
}

struct answer sys_execve(struct call *c)
{
	return exec_path(c, AT_FDCWD, 0, 0);
}

struct answer sys_execveat(struct call *c)
{
	const uint64_t *a = c->args;

	return exec_path(c, (int)a[0], 1, (int)a[4]);
}

/* chdir and chroot: the path must be a directory the caller may search. */
static int directory_to_enter(struct call *c, struct target_path *tp)
{
	int r = target_resolve(c, AT_FDCWD, c->args[0], false, VN_FOLLOW | VN_RENDER, tp);

	if (r < 0)
		return r;
	if (tp->kind != TARGET_UNION)
		return 0;
	if (tp->err < 0)
		return tp->err;
	if (!S_ISDIR(tp->node.st.st_mode))
		return -ENOTDIR;
	return vn_permission(&tp->node.st, VN_MAY_EXEC);
}

struct answer sys_chdir(struct call *c)
{
	struct target_path tp;
	int r = directory_to_enter(c, &tp);

	if (r == 0)
		r = target_redirect(c, 0, &tp);
	return r < 0 ? answer_error(-r) : answer_continue();
}

/* getcwd, trapped only without a view (notify-hostroot), where the
 * kernel's cwd is a directory of the skeleton: its union path.  A cwd
 * that is the kernel's (in /proc, say) is the kernel's to print. */
struct answer sys_getcwd(struct call *c)
{
	char path[PATH_MAX];
	int r = target_fd_union_path(c, AT_FDCWD, path, sizeof(path), NULL);
	size_t len;

	if (r < 0)
		return answer_error(-r);
	if (r != UNION_DIR)
		return answer_continue();
	len = strlen(path) + 1;
	if (len > c->args[1])
		return answer_error(ERANGE);
	if (target_write(c, c->args[0], path, len) < 0)
		return answer_error(EFAULT);
	return answer_value((int64_t)len);
}

/*
 * chroot: the kernel keeps the new root, so it is inherited across fork
 * and exec, shown in /proc/PID/root, and ".." stops at it in every walk
 * the kernel makes; the supervisor reads it back at each later call of
 * the process (target_root_union_path).  Whatever path the kernel finds
 * when it reads the argument again is a directory of the target's own
 * mount namespace, where a root only narrows what it reaches.  Who may
 * call it: the presented identity's CAP_SYS_CHROOT here, the real one
 * (the policy's capabilities) in the kernel.
 */
struct answer sys_chroot(struct call *c)
{
	struct target_path tp;
	int r = directory_to_enter(c, &tp);

	if (r < 0)
		return answer_error(-r);
	if (c->ctx->presented && !vn_capable(&c->cred, CAP_SYS_CHROOT))
		return answer_error(EPERM);
	/* without a user namespace no one here holds CAP_SYS_CHROOT */
	if (c->ctx->view_prefix[0])
		return answer_error(EPERM);
	/* before the kernel changes any root: from now on every call reads it */
	__atomic_store_n(&c->ctx->chrooted, true, __ATOMIC_RELEASE);
	return answer_continue();
}
