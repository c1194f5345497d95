/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bad input is refused before anything is touched: every path is checked
 * and made canonical here, and each refusal is one line that names the
 * problem and the fix.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "build_user.h"
#include "cli.h"
#include "lexpath.h"
#include "network.h"
#include "probe.h"
#include "veneer/union.h"

static bool path_inside(const char *inner, const char *outer)
{
	size_t n = strlen(outer);

	if (strcmp(outer, "/") == 0)
		return true;
	return strncmp(inner, outer, n) == 0 && inner[n] == '/';
}

static int canonical_dir(const char *what, char **path, struct vn_error *err)
{
	char *real = realpath(*path, NULL);
	struct stat st;

	if (!real)
		return vn_fail(err, errno, "%s %s does not exist or cannot be reached; check the path",
			       what, *path);
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(real);
		return vn_fail(err, 0, "%s %s is not a directory; give a directory", what, *path);
	}
	free(*path);
	*path = real;
	return 0;
}

/* The union holds VN_MAX_LAYERS layers, the upper one of them. */
#define MAX_LOWERS (VN_MAX_LAYERS - 1)

static int check_lowers(struct run_options *opt, struct vn_error *err)
{
	if (opt->nlowers > MAX_LOWERS)
		return vn_fail(err, 0, "%zu lowers given; a union has at most %d lowers (and the "
			       "upper)", opt->nlowers, MAX_LOWERS);
	for (size_t i = 0; i < opt->nlowers; i++) {
		if (canonical_dir("--lower", &opt->lowers[i], err) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(opt->lowers[i], opt->lowers[j]) == 0)
				return vn_fail(err, 0, "--lower %s is given twice; give each layer once",
					       opt->lowers[i]);
	}
	return 0;
}

/* The upper may not exist yet: canonicalise the part that does. */
static int canonical_upper(char **upper, struct vn_error *err)
{
	char abs[PATH_MAX], probe[PATH_MAX], joined[PATH_MAX * 2], cwd[PATH_MAX];
	struct stat st;
	char *real;

	int n;

	if ((*upper)[0] == '/')
		n = snprintf(abs, sizeof(abs), "%s", *upper);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(abs, sizeof(abs), "%s/%s", cwd, *upper);
	else
		return vn_fail(err, errno, "--upper %s: the current directory is gone", *upper);
	if (n < 0 || (size_t)n >= sizeof(abs))
		return vn_fail(err, ENAMETOOLONG, "--upper %s", *upper);
	snprintf(probe, sizeof(probe), "%s", abs);
	while (stat(probe, &st) < 0) {
		char *slash = strrchr(probe, '/');

		if (errno != ENOENT)
			return vn_fail(err, errno, "--upper %s cannot be reached", *upper);
		if (slash == probe) {
			strcpy(probe, "/");
			break;
		}
		*slash = '\0';
	}
	if (stat(probe, &st) < 0 || !S_ISDIR(st.st_mode))
		return vn_fail(err, 0, "--upper %s: %s is not a directory; give a directory", *upper,
			       probe);
	real = realpath(probe, NULL);
	if (!real)
		return vn_fail(err, errno, "--upper %s cannot be reached", *upper);
	snprintf(joined, sizeof(joined), "%s%s", strcmp(real, "/") == 0 ? "" : real,
		 strcmp(probe, "/") == 0 ? abs : abs + strlen(probe));
	free(real);
	free(*upper);
	*upper = strdup(joined[0] ? joined : "/");
	if (!*upper)
		return vn_fail(err, 0, "out of memory");
	return 0;
}

static int check_writable_dir(const char *upper, struct vn_error *err)
{
	char probe[PATH_MAX];
	struct statvfs vfs;

	snprintf(probe, sizeof(probe), "%s", upper);
	while (access(probe, F_OK) < 0) {
		char *slash = strrchr(probe, '/');

		if (!slash || slash == probe) {
			strcpy(probe, "/");
			break;
		}
		*slash = '\0';
	}
	if (statvfs(probe, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
		return vn_fail(err, 0, "--upper %s is on a read-only file system; put the upper on a "
			       "writable one", upper);
	if (access(probe, W_OK) < 0)
		return vn_fail(err, errno, "--upper %s is not writable (%s); choose a directory you "
			       "can write", upper, probe);
	return 0;
}

static int check_upper(struct run_options *opt, struct vn_error *err)
{
	struct stat st;

	if (!opt->upper)
		return 0;
	if (canonical_upper(&opt->upper, err) < 0)
		return -1;
	if (stat(opt->upper, &st) == 0 && !S_ISDIR(st.st_mode))
		return vn_fail(err, 0, "--upper %s is not a directory; give a directory", opt->upper);
	for (size_t i = 0; i < opt->nlowers; i++) {
		const char *lower = opt->lowers[i];

		if (strcmp(lower, opt->upper) == 0)
			return vn_fail(err, 0, "--upper %s is also a --lower; give each layer once",
				       opt->upper);
		/* lower "/" holds everything: there the upper is hidden from the union */
		if (strcmp(lower, "/") != 0 && path_inside(opt->upper, lower))
			return vn_fail(err, 0, "--upper %s is inside --lower %s; put the upper "
				       "outside every lower", opt->upper, lower);
		if (path_inside(lower, opt->upper))
			return vn_fail(err, 0, "--lower %s is inside --upper %s; put the lower "
				       "outside the upper", lower, opt->upper);
	}
	return check_writable_dir(opt->upper, err);
}

static bool is_passthrough_root(const char *dest)
{
	static const char *const reserved[] = { "/proc", "/dev", "/sys" };

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(dest, reserved[i]) == 0 || path_inside(dest, reserved[i]))
			return true;
	return false;
}

/* The destination as the union will resolve it, checked in that form:
 * "/usr/../proc" is "/proc", "/." is the root, "/a//b/" is "/a/b". */
static int canonical_bind_dest(struct bind_option *b, struct vn_error *err)
{
	char canon[PATH_MAX];
	char *copy;
	int r;

	if (b->dest[0] != '/')
		return vn_fail(err, 0, "--bind %s: DEST must be absolute", b->source);
	r = lexpath_canonical(b->dest, canon, sizeof(canon));
	if (r < 0)
		return vn_fail(err, -r, "--bind destination %.256s", b->dest);
	if (strcmp(canon, "/") == 0 || is_passthrough_root(canon))
		return vn_fail(err, 0, "--bind destination %s%s%s%s is reserved (/, /proc, /dev, "
			       "/sys and below); choose another", b->dest,
			       strcmp(canon, b->dest) ? " (" : "", strcmp(canon, b->dest) ? canon : "",
			       strcmp(canon, b->dest) ? ")" : "");
	copy = strdup(canon);
	if (!copy)
		return vn_fail(err, 0, "out of memory");
	free(b->dest);
	b->dest = copy;
	return 0;
}

static int check_binds(struct run_options *opt, struct vn_error *err)
{
	for (size_t i = 0; i < opt->nbinds; i++) {
		struct bind_option *b = &opt->binds[i];
		char *real = realpath(b->source, NULL);

		if (!real)
			return vn_fail(err, errno, "--bind source %s does not exist; create it or fix "
				       "the path", b->source);
		free(b->source);
		b->source = real;
		if (canonical_bind_dest(b, err) < 0)
			return -1;
	}
	return 0;
}

/* An inherited directory fd is a handle on the host's tree: openat(0,
 * "..") from it would walk the host, not the union. */
static int check_std_fds(struct vn_error *err)
{
	static const char *const names[] = { "standard input", "standard output",
					     "standard error" };

	for (int fd = 0; fd < 3; fd++) {
		char link[64], target[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (fstat(fd, &st) < 0) {
			if (errno == EBADF)
				continue;
			return vn_fail(err, errno, "%s (fd %d)", names[fd], fd);
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		return vn_fail(err, 0, "%s is a directory (fd %d%s%.256s); give a file or a "
			       "terminal", names[fd], fd, n > 0 ? ": " : "", target);
	}
	return 0;
}

int validate_layers(struct run_options *opt, struct vn_error *err)
{
	return check_lowers(opt, err) < 0 || check_upper(opt, err) < 0 ? -1 : 0;
}

/* --env NAME=VALUE, --unsetenv NAME and --hostname NAME */
static int check_env_and_hostname(const struct run_options *opt, struct vn_error *err)
{
	const char *problem;

	for (size_t i = 0; i < opt->nenv; i++) {
		const struct env_option *e = &opt->env[i];
		char *eq = e->unset ? NULL : strchr(e->text, '=');

		if (e->unset) {
			problem = policy_env_name_problem(e->text, true);
			if (problem)
				return vn_fail(err, 0, "--unsetenv '%s': %s; give a variable's NAME",
					       e->text, problem);
			continue;
		}
		if (!eq && !*e->text)
			return vn_fail(err, 0, "--env '': an empty name; give NAME=VALUE");
		if (!eq)
			return vn_fail(err, 0, "--env '%s': give NAME=VALUE (your own value: --env "
				       "\"%s=$%s\")", e->text, e->text, e->text);
		*eq = '\0';
		problem = policy_env_name_problem(e->text, false);
		*eq = '=';
		if (problem)
			return vn_fail(err, 0, "--env '%s': %s; give NAME=VALUE", e->text, problem);
	}
	if (opt->hostname && (problem = policy_hostname_problem(opt->hostname)))
		return vn_fail(err, 0, "--hostname '%s': %s", opt->hostname, problem);
	return 0;
}

/* pasta is the host's, found now, before anything is touched. */
static int check_network(const struct run_options *opt, struct vn_error *err)
{
	char pasta[PATH_MAX];

	if (opt->policy.network != POLICY_NETWORK_PRIVATE)
		return 0;
	return network_check(pasta, sizeof(pasta), err);
}

/* The rungs without a view: mounts, namespaces and identities other than
 * the caller's are not theirs. */
static bool runs_without_view(const struct run_options *opt)
{
	return opt->backend == BACKEND_HOSTROOT || opt->backend == BACKEND_PTRACE;
}

static const char *backend_name(enum backend b)
{
	return b == BACKEND_PTRACE ? "ptrace" : b == BACKEND_HOSTROOT ? "notify-hostroot" : "notify";
}

/* What the rung without a user namespace cannot give: mounts (--bind), a
 * network or UTS namespace, identities other than the caller's.  Where
 * auto chose the rung, the line says why there was no other. */
static int check_hostroot(const struct run_options *opt, struct vn_error *err)
{
	static const char *const network_name[] = {
		[POLICY_NETWORK_HOST] = "host",
		[POLICY_NETWORK_NONE] = "none",
		[POLICY_NETWORK_PRIVATE] = "private",
	};
	const char *rung = backend_name(opt->backend), *why = opt->backend_why;

	if (opt->nbinds)
		return vn_fail(err, 0, "--bind needs a mount, and %s (%s) runs without a user "
			       "namespace, so without mounts", rung, why);
	if (opt->ids == IDS_PRESENTED)
		return vn_fail(err, 0, "--ids presented is not built for %s (%s) yet; there the "
			       "kernel's ids are the host's (--ids kernel)", rung, why);
	if (opt->build_user)
		return vn_fail(err, 0, "--build-user %s is an identity %s (%s) cannot give (the "
			       "command runs as you); not run", opt->build_user, rung, why);
	if (opt->image_user)
		return vn_fail(err, 0, "image %s runs as user '%.64s', an identity %s (%s) cannot "
			       "give (the command runs as you); not run", opt->image, opt->image_user,
			       rung, why);
	if (opt->policy.network != POLICY_NETWORK_HOST)
		return vn_fail(err, 0, "policy %s asks network = %s, a network namespace, which "
			       "%s (%s) cannot make; use a policy with network = host",
			       opt->policy.path, network_name[opt->policy.network], rung, why);
	if (opt->hostname || opt->policy.hostname[0])
		return vn_fail(err, 0, "a host name inside needs a UTS namespace, which %s (%s) "
			       "cannot make", rung, why);
	return 0;
}

/* auto: notify where a user namespace really works (a tmpfs mounted and
 * uid_map written in one, not only unshare(2): Ubuntu's AppArmor lets that
 * succeed), else notify-hostroot; where no listener can be installed at
 * all, ptrace.  A rung that is asked for still needs what it stands on. */
static int choose_backend(struct run_options *opt, struct vn_error *err)
{
	char userns[512], notify[512], rung[512];
	bool nested;
	bool notify_ok = probe_notify(false, &nested, notify, sizeof(notify)) == 0;

	if (opt->unsafe_lowers && !runs_without_view(opt))
		return vn_fail(err, 0, "--unsafe-lowers is for --backend notify-hostroot or ptrace "
			       "only, and must be asked together with one of them");
	if (opt->backend == BACKEND_NOTIFY || opt->backend == BACKEND_HOSTROOT) {
		if (!notify_ok)
			return vn_fail(err, 0, "--backend %s cannot run here: %s%s",
				       backend_name(opt->backend), notify,
				       nested ? "" : "; --backend ptrace runs without it");
		if (opt->backend == BACKEND_HOSTROOT &&
		    probe_hostroot(opt->unsafe_lowers, rung, sizeof(rung)) < 0)
			return vn_fail(err, 0, "--backend notify-hostroot cannot run here: %s", rung);
		snprintf(opt->backend_why, sizeof(opt->backend_why), "--backend %s",
			 backend_name(opt->backend));
		return 0;
	}
	opt->ptrace_nested = nested;
	if (opt->backend == BACKEND_PTRACE) {
		if (probe_ptrace(opt->unsafe_lowers, nested, rung, sizeof(rung)) < 0)
			return vn_fail(err, 0, "--backend ptrace cannot run here: %s", rung);
		snprintf(opt->backend_why, sizeof(opt->backend_why), "--backend ptrace%s",
			 nested ? ", nested under another listener" : "");
		return 0;
	}
	if (!notify_ok) {
		if (probe_ptrace(false, nested, rung, sizeof(rung)) < 0)
			return vn_fail(err, 0, "no backend can run here: %s; and ptrace: %s", notify, rung);
		opt->backend = BACKEND_PTRACE;
		snprintf(opt->backend_why, sizeof(opt->backend_why), "auto's choice, no listener%s: %s",
			 nested ? " (nested)" : "", notify);
		return 0;
	}
	if (probe_user_namespace(userns, sizeof(userns)) == 0) {
		opt->backend = BACKEND_NOTIFY;
		snprintf(opt->backend_why, sizeof(opt->backend_why),
			 "auto's choice: a user namespace works here");
		return 0;
	}
	if (probe_hostroot(false, rung, sizeof(rung)) < 0)
		return vn_fail(err, 0, "no backend can run here: %s; and notify-hostroot: %s",
			       userns, rung);
	opt->backend = BACKEND_HOSTROOT;
	snprintf(opt->backend_why, sizeof(opt->backend_why),
		 "auto's choice, no usable user namespace: %s", userns);
	return 0;
}

/* --keep and --commit act on the throwaway upper, --commit on one lower. */
static int check_keep_and_commit(const struct run_options *opt, struct vn_error *err)
{
	if ((opt->keep || opt->commit) && opt->upper)
		return vn_fail(err, 0, "%s acts on the throwaway upper, and --upper %s is kept "
			       "already; use `veneer commit %s --into DIR` to apply it",
			       opt->keep ? "--keep" : "--commit", opt->upper, opt->upper);
	if (opt->commit && opt->nlowers != 1)
		return vn_fail(err, 0, "--commit applies the changes to the lower the command ran "
			       "over, and there are %zu; give one --lower", opt->nlowers);
	return 0;
}

int validate_kept_upper(struct run_options *opt, struct vn_error *err)
{
	return check_upper(opt, err);
}

int validate_run_options(struct run_options *opt, struct vn_error *err)
{
	if (check_std_fds(err) < 0 || check_keep_and_commit(opt, err) < 0)
		return -1;
	/* the kernel's ids would neither show nor keep the owners it holds:
	 * its store would go stale under changes made without it */
	if (opt->ids == IDS_KERNEL && ids_upper_keeps_owners(opt))
		return vn_fail(err, 0, "upper %s keeps presented owners (%s/%s); run it with "
			       "--ids presented or auto", opt->upper, VN_STATE_DIR, VN_OWNER_STORE);
	if (opt->chdir && opt->chdir[0] != '/')
		return vn_fail(err, 0, "--chdir %s: give an absolute path inside the sandbox",
			       opt->chdir);
	/* only presented ownership has identities other than root's */
	if (opt->build_user && build_user_name_problem(opt->build_user))
		return vn_fail(err, 0, "--build-user '%.64s': %s", opt->build_user,
			       build_user_name_problem(opt->build_user));
	if (opt->build_user && opt->ids == IDS_KERNEL)
		return vn_fail(err, 0, "--build-user %s needs --ids presented or auto; not run as "
			       "root instead", opt->build_user);
	if (opt->image_user && opt->ids == IDS_KERNEL)
		return vn_fail(err, 0, "image %s runs as user '%.64s', which needs --ids presented "
			       "or auto; not run as root instead", opt->image, opt->image_user);
	if (check_env_and_hostname(opt, err) < 0)
		return -1;
	if (validate_layers(opt, err) < 0 || check_binds(opt, err) < 0)
		return -1;
	if (policy_load(opt->policy_name ? opt->policy_name : "default", &opt->policy, err) < 0 ||
	    source_date_epoch_settle(opt, err) < 0)
		return -1;
	if (choose_backend(opt, err) < 0)
		return -1;
	if (runs_without_view(opt) && check_hostroot(opt, err) < 0)
		return -1;
	return check_network(opt, err);
}
