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
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"

#define INTERP_DEPTH_MAX 5 /* BINPRM_MAX_RECURSION + 1 */

/* What an exec's walk renders: with a view, everything on the way, for
 * the kernel walks the same path there; without one the call runs at
 * the layer's real path and the host's loader path (redirect_without_view),
 * and nothing the kernel walks is the skeleton's (an exec rendered ~25
 * skeleton entries for nothing). */
static int exec_walk_flags(const struct call *c, int flags)
{
	return c->ctx->view_prefix[0] ? flags & ~VN_RENDER : flags;
}

/* The loader an ELF binary names (PT_INTERP).  1: found, 0: none (not
 * ELF, a static binary, or one we cannot read). */
static int elf_interpreter(int fd, char *interp, size_t size)
{
	Elf64_Ehdr eh;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
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
	return 0;
}

/* The interpreter a binary names: "#!" line or ELF PT_INTERP.  1: found,
 * 0: none (a static binary, or one we cannot read), -errno. */
static int binary_interpreter(int fd, char *interp, size_t size)
{
	char head[256 + 1]; /* BINPRM_BUF_SIZE */
	ssize_t n = pread(fd, head, sizeof(head) - 1, 0);
	char *p = head + 2;
	size_t len;

	if (n < 4)
		return 0;
	head[n] = '\0';
	if (head[0] != '#' || head[1] != '!')
		return elf_interpreter(fd, interp, size);
	p += strspn(p, " \t");
	len = strcspn(p, " \t\n");
	/* no newline in the kernel's buffer and the name runs to its end:
	 * truncated, the kernel says ENOEXEC (binfmt_script.c) */
	if (!memchr(head, '\n', (size_t)n) && p + len >= head + 255)
		return 0;
	if (len == 0 || len >= size)
		return 0;
	memcpy(interp, p, len);
	interp[len] = '\0';
	return 1;
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
	r = target_resolve_string(c, AT_FDCWD, interp.raw, exec_walk_flags(c, VN_FOLLOW | VN_RENDER),
				  &interp);
	if (r < 0)
		return r;
	record_read(c, &interp); /* the kernel reads it: an input too */
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

/* A chain of "#!" scripts in the union longer than the kernel follows
 * (a script that names itself) is the kernel's ELOOP: without a view the
 * kernel walks only the first interpreter's real path, and would say
 * ENOENT for the next, a union path. */
static int script_chain_fits(struct call *c, const struct vn_node *script, int depth)
{
	struct target_path interp;
	char arg[PATH_MAX];
	int fd, r;

	if (depth >= INTERP_DEPTH_MAX)
		return -ELOOP;
	fd = vn_open_node(c->ctx->u, script, O_RDONLY);
	if (fd < 0)
		return 0;
	r = script_line(fd, interp.raw, sizeof(interp.raw), arg, sizeof(arg));
	close(fd);
	if (r <= 0)
		return 0;
	r = target_resolve_string(c, AT_FDCWD, interp.raw, VN_FOLLOW, &interp);
	if (r < 0 || interp.kind != TARGET_UNION || interp.err < 0 ||
	    !S_ISREG(interp.node.st.st_mode))
		return 0;
	return script_chain_fits(c, &interp.node, depth + 1);
}

/* The name the kernel gives an exec (AT_EXECFN, a script's argv): the
 * path given, under /dev/fd for a dirfd. */
static int exec_name(int dirfd, const struct target_path *tp, char *out, size_t size)
{
	int r;

	if (tp->raw[0] == '/' || dirfd == AT_FDCWD)
		r = snprintf(out, size, "%s", tp->raw);
	else
		r = snprintf(out, size, "/dev/fd/%d/%s", dirfd, tp->raw);
	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
}

/*
 * Without a view, the kernel would run a script's interpreter with the
 * script's real path (the upper's, say), which the union does not have:
 * the interpreter is run instead, resolved in the union, with the argv
 * binfmt_script makes (interpreter, optional argument, the script as the
 * caller named it, the caller's argv[1...]).  One level: an interpreter
 * that is a script itself runs as the kernel runs it.  fd is the script
 * open for reading; 1: redirected (*interp_out is the interpreter), 0: no
 * "#!" line of the union's.
 */
static int redirect_script(struct call *c, int fd, int dirfd, const struct target_path *tp,
			   struct target_path *interp_out)
{
	struct redirect *rd = c->redirect;
	struct target_path interp;
	char arg[PATH_MAX];
	int r = script_line(fd, rd->script_argv[0], sizeof(rd->script_argv[0]), arg, sizeof(arg));

	if (r <= 0)
		return 0;
	r = target_resolve_string(c, AT_FDCWD, rd->script_argv[0],
				  exec_walk_flags(c, VN_FOLLOW | VN_RENDER), &interp);
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
		r = script_chain_fits(c, &interp.node, 1);
	if (r == 0)
		r = target_real_path(c, &interp.node, rd->path, sizeof(rd->path));
	if (r < 0)
		return r;
	rd->script_argc = 1;
	if (arg[0])
		snprintf(rd->script_argv[rd->script_argc++], sizeof(rd->script_argv[0]), "%s", arg);
	r = exec_name(dirfd, tp, rd->script_argv[rd->script_argc], sizeof(rd->script_argv[0]));
	if (r < 0)
		return r;
	rd->script_argc++;
	*interp_out = interp;
	return 1;
}

/* Whether a glibc loader takes --argv0 (2.33 and later): its usage text
 * names the option.  Read, not mapped: the file may be the upper's, which
 * the target can shrink under a mapping (SIGBUS in the supervisor). */
static bool loader_takes_argv0(const char *real)
{
	static const char option[] = "--argv0";
	const size_t keep = sizeof(option) - 2; /* an option split across reads */
	char buf[65536];
	size_t have = 0;
	off_t at = 0;
	bool found = false;
	int fd = open(real, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while (!found && at < (64 << 20)) {
		ssize_t n = pread(fd, buf + have, sizeof(buf) - have, at);

		if (n <= 0)
			break;
		at += n;
		have += (size_t)n;
		found = memmem(buf, have, option, sizeof(option) - 1) != NULL;
		if (have > keep) {
			memmove(buf, buf + have - keep, keep);
			have = keep;
		}
	}
	close(fd);
	return found;
}

/* The ELF loader the program open at fd names, when it is a lower's (or the upper's)
 * and not the file the host has at that path: its name in interp and its
 * real path in real.  1: such a loader; 0: none, or the host's own. */
static int foreign_loader(struct call *c, int fd, char *interp, size_t isize, char *real,
			  size_t rsize)
{
	struct target_path loader;
	struct stat ours, host;
	int r = elf_interpreter(fd, interp, isize);

	if (r <= 0)
		return r;
	r = target_resolve_string(c, AT_FDCWD, interp, exec_walk_flags(c, VN_FOLLOW | VN_RENDER),
				  &loader);
	if (r < 0)
		return r;
	record_read(c, &loader); /* the kernel reads it: an input too */
	if (loader.kind != TARGET_UNION || loader.err < 0 || !S_ISREG(loader.node.st.st_mode))
		return 0; /* the kernel finds it, or says why not */
	r = target_real_path(c, &loader.node, real, rsize);
	if (r < 0)
		return r;
	if (stat(real, &ours) < 0)
		return -errno;
	if (stat(interp, &host) == 0 && host.st_dev == ours.st_dev && host.st_ino == ours.st_ino)
		return 0; /* the same file: the kernel's own walk finds it */
	return 1;
}

/* The caller's argv[0] (argv is the argument after the path), "" for an
 * empty argv, as the kernel makes it. */
static int caller_argv0(struct call *c, char *out, size_t size)
{
	uint64_t argv = c->args[c->redirect->arg + 1], first = 0;

	out[0] = '\0';
	if (!argv)
		return 0;
	if (target_read(c, argv, &first, sizeof(first)) < 0)
		return -EFAULT;
	return first ? target_read_string(c, first, out, size) : 0;
}

/* argv entry i of the redirect; every string here is shorter than PATH_MAX */
static void set_arg(struct redirect *rd, size_t i, const char *text)
{
	size_t len = strnlen(text, sizeof(rd->script_argv[0]) - 1);

	memcpy(rd->script_argv[i], text, len);
	rd->script_argv[i][len] = '\0';
}

/* The name the loader is to open the program by: the caller's, which
 * glibc's loader also makes AT_EXECFN, as the kernel would; "./" before
 * a bare name (the loader would search a library path for it; a name
 * with a '/' is never one of its options, which it matches whole); the
 * union path where the caller's would not outlive the exec (/dev/fd/N of
 * a close-on-exec dirfd) or for a script's interpreter. */
static int loader_program_name(const struct redirect *rd, const struct vn_node *program,
			       const char *execfn, char *out, size_t size)
{
	int n;

	if (rd->script_argc || strncmp(execfn, "/dev/fd/", 8) == 0)
		n = snprintf(out, size, "%s", program->path);
	else if (!strchr(execfn, '/'))
		n = snprintf(out, size, "./%s", execfn);
	else
		n = snprintf(out, size, "%s", execfn);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/*
 * Without a view, the kernel would load the program's PT_INTERP from the
 * host, whose C library may not match the lower's: the lower's loader is
 * run instead, on the program (its own opens are the union's), with
 * --argv0 where the loader takes it.  The kernel's /proc/<pid>/exe then
 * names the loader, so the caller notes the program for that link
 * (exe.c).  fd is the program open for reading; rd->script_argv may
 * already hold a script's interpreter line, whose program this is.
 * 1: redirected, 0: not such a program.
 */
static int redirect_loader(struct call *c, int fd, const struct vn_node *program,
			   const char *execfn)
{
	struct redirect *rd = c->redirect;
	char interp[PATH_MAX], real[PATH_MAX], argv0[PATH_MAX], name[PATH_MAX], tail[2][PATH_MAX];
	size_t ntail = 0, n = 0;
	int r = foreign_loader(c, fd, interp, sizeof(interp), real, sizeof(real));

	if (r <= 0)
		return r;
	r = loader_program_name(rd, program, execfn, name, sizeof(name));
	if (r < 0)
		return r;
	if (rd->script_argc) {
		/* a script: argv[0] is its "#!" name, then its argument and path */
		memcpy(argv0, rd->script_argv[0], sizeof(argv0));
		for (size_t i = 1; i < rd->script_argc && ntail < 2; i++)
			memcpy(tail[ntail++], rd->script_argv[i], sizeof(tail[0]));
	} else if (caller_argv0(c, argv0, sizeof(argv0)) < 0) {
		return -EFAULT;
	}
	set_arg(rd, n++, interp);
	if (loader_takes_argv0(real)) {
		set_arg(rd, n++, "--argv0");
		set_arg(rd, n++, argv0);
	}
	set_arg(rd, n++, name);
	for (size_t i = 0; i < ntail; i++)
		set_arg(rd, n++, tail[i]);
	rd->script_argc = n;
	memcpy(rd->path, real, sizeof(rd->path));
	return 1;
}

/* Without a view: a script runs as its interpreter, and a program (or
 * interpreter) whose loader is a lower's through that loader. */
static int redirect_without_view(struct call *c, int dirfd, const struct target_path *tp)
{
	const struct vn_node *program = &tp->node;
	struct target_path interp;
	char execfn[PATH_MAX];
	int r = exec_name(dirfd, tp, execfn, sizeof(execfn));
	/* read once for both: a "#!" line, else an ELF loader.  Not
	 * executable: the real path's exec says EACCES, as it should;
	 * exec-only: the kernel reads it, as it can */
	int fd = r == 0 && vn_access(c->ctx->u, program, X_OK, 0) == 0
			 ? vn_open_node(c->ctx->u, program, O_RDONLY) : -1;

	if (fd >= 0)
		r = redirect_script(c, fd, dirfd, tp, &interp);
	if (r == 1) {
		/* a script: its interpreter may be what a lower's loader runs */
		close(fd);
		program = &interp.node;
		fd = vn_open_node(c->ctx->u, program, O_RDONLY);
		r = 0;
	}
	if (r == 0 && fd >= 0)
		r = redirect_loader(c, fd, program, execfn);
	if (fd >= 0)
		close(fd);
	/* the program behind the loader, for /proc/<pid>/exe (exe.c); none:
	 * what an earlier exec of this thread's noted is dropped */
	if (r >= 0)
		r = exe_note_pending(c->ctx, c->pid, r ? program->path : NULL);
	return r < 0 ? r : 0;
}

static struct answer exec_path(struct call *c, int dirfd, int path_arg, int at_flags)
{
	uint64_t path = c->args[path_arg];
	struct target_path tp;
	int flags = exec_walk_flags(c, (at_flags & AT_SYMLINK_NOFOLLOW) ? VN_RENDER
								       : VN_FOLLOW | VN_RENDER);
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
	record_read(c, &tp);
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
		r = redirect_without_view(c, dirfd, &tp);
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
	record_read(c, tp);
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
