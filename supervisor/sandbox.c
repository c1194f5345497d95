/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The story of a sandbox, top to bottom: check the kernel, enter a user
 * and mount namespace of our own, prepare the upper, clone the lowers
 * read-only, stage them with the view, start init in new pid and mount
 * namespaces (and network: its own, connected by pasta, under `network =
 * private`), take its seccomp listener, answer calls until it exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cli.h"
#include "env.h"
#include "hostids.h"
#include "image.h"
#include "janitor.h"
#include "network.h"
#include "probe.h"
#include "ptrace/tracer.h"
#include "backend.h"
#include "veneer/landlock.h"
#include "tracee/tracee.h"
#include "build_user.h"
#include "record.h"
#include "report.h"
#include "upper.h"
#include "veneer/cleanup.h"
#include "veneer/fdpass.h"
#include "veneer/union.h"

/* Where the supervisor stages lowers, binds and the view, in its own
 * private mount namespace (nothing of it is visible on the host). */
static const char *const stage_candidates[] = { "/tmp", "/run", "/mnt", "/var/tmp" };

#define FILTER_CALLS_MAX 512

struct filter_calls {
	int trapped[FILTER_CALLS_MAX], traced[FILTER_CALLS_MAX], reissuable[FILTER_CALLS_MAX];
	struct tracee_split split[4];
	struct tracee_trap trap;
	struct tracee_filter_spec spec;
};

struct sandbox {
	struct run_options *opt;
	struct host_ids host_ids;
	struct upper upper;
	struct vn_union u;
	int *lower_clones;
	int *bind_clones;
	char stage[64];
	char view[PATH_MAX];      /* as the supervisor sees it (notify-hostroot: as all do) */
	struct tracee_bind *binds;
	uid_t caller_uid;
	gid_t caller_gid;
	char caller_cwd[PATH_MAX];
	char cwd[PATH_MAX];
	char command[PATH_MAX]; /* where PATH first has argv[0] in the union, or "" */
	char **envp;
	bool has_start_cred;       /* an image's User: every process starts as */
	struct vn_cred start_cred; /* this, not as the root inside */
	pid_t init;
	pid_t pasta;          /* network = private: its network's relay */
	int sock[2];
	int listener;
	struct call_ctx ctx;
	struct filter_calls filter_calls;
	int tracee_proc_fd;      /* the sandbox's /proc, for the decoders */
	/* notify-hostroot: no user namespace, so no mounts and no view as
	 * the target's root; a skeleton of union directories instead */
	bool hostroot;
	/* the ptrace backend: the same layout, every call traced, no listener */
	bool traced;
	/* its nested mode: calls trapped with SIGSYS; the tracer runs one
	 * again past the filter with this in its sixth argument */
	bool trap;
	uint64_t cookie;
	struct tracer *tracer;   /* its tracer of redirected calls */
	char scratch_upper[PATH_MAX]; /* a throwaway upper made on disk ("": none) */
	struct janitor janitor;       /* removes it and the skeleton, whatever ends us */
	struct reporter reporter;     /* says what the upper holds at the end */
	struct record *record;        /* --record: what the command read */
};

static const int supervisor_signals[] = {
	SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM,
};

static int write_file(const char *path, const char *text)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -errno;
	return 0;
}

/* Settle --ids auto; presented ownership needs the host's helper, forked
 * while we are still in the host's user namespace. */
static int choose_ids(struct sandbox *sb, struct vn_error *err)
{
	char why[PATH_MAX + 128];
	int r;

	/* an image's user is an identity only presented ownership has
	 * (validate.c refused it on the rungs without one) */
	if (sb->opt->ids == IDS_AUTO && (sb->opt->image_user || sb->opt->build_user) &&
	    !sb->hostroot)
		sb->opt->ids = IDS_PRESENTED;
	if (sb->opt->ids == IDS_AUTO)
		sb->opt->ids = sb->hostroot ? IDS_KERNEL : ids_choose(sb->opt, why, sizeof(why));
	if (sb->opt->ids != IDS_PRESENTED || geteuid() == 0)
		return 0;
	r = host_ids_start(&sb->host_ids);
	if (r < 0)
		return vn_fail(err, -r, "start the helper that reads real owners");
	return 0;
}

/* What a root-owned base keeps from the caller but every tool that adds
 * a user or a group must read and rewrite (0640 root:shadow): shown made
 * up, passwords locked, where the caller cannot read them (union/shadow.c). */
static const struct vn_synth_file made_up_files[] = {
	{ "/etc/shadow", "/etc/passwd", VN_SYNTH_SHADOW },
	{ "/etc/gshadow", "/etc/group", VN_SYNTH_GSHADOW },
};

static int present_ownership(struct sandbox *sb, struct vn_error *err)
{
	struct vn_owner_config cfg = {
		.caller_uid = sb->caller_uid,
		.caller_gid = sb->caller_gid,
		.host_owner = host_ids_owner,
		.host_dir_owners = host_ids_dir_owners,
		.host_arg = &sb->host_ids,
	};
	int r;

	if (sb->opt->ids != IDS_PRESENTED)
		return 0;
	r = vn_owners_enable(&sb->u, &cfg);
	if (r < 0)
		return vn_fail(err, -r, "read the owners kept in upper %s (%s/owners)",
			       sb->upper.path, VN_STATE_DIR);
	r = vn_shadow_enable(&sb->u, made_up_files,
			     sizeof(made_up_files) / sizeof(made_up_files[0]));
	if (r < 0)
		return vn_fail(err, -r, "set up the made-up shadow files");
	return 0;
}

/* Root's namespace maps every id to itself.  Only a process with
 * CAP_SETUID in the parent namespace may write such a map, which we lose
 * by entering ours: a child forked before does it, once we are in. */
static pid_t fork_id_mapper(int *go)
{
	int p[2];
	pid_t parent = getpid(), pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char byte, path[64];
		bool ok;

		close(p[1]);
		if (read(p[0], &byte, 1) != 1)
			_exit(1);
		snprintf(path, sizeof(path), "/proc/%d/uid_map", parent);
		ok = write_file(path, "0 0 4294967295") == 0;
		snprintf(path, sizeof(path), "/proc/%d/gid_map", parent);
		ok = ok && write_file(path, "0 0 4294967295") == 0;
		_exit(ok ? 0 : 1);
	}
	close(p[0]);
	if (pid < 0)
		close(p[1]);
	*go = p[1];
	return pid;
}

static int map_ids(bool root, pid_t mapper, int go, uid_t uid, gid_t gid, struct vn_error *err)
{
	char map[64];
	int status;

	if (root) {
		bool ok = write(go, "g", 1) == 1;

		close(go);
		if (waitpid(mapper, &status, 0) != mapper || !ok || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			return vn_fail(err, 0, "map every id into the user namespace (as root)");
		return 0;
	}
	/* a process may map only its own ids into a namespace it has just
	 * entered: the caller becomes root inside */
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_file("/proc/self/uid_map", map) < 0)
		return vn_fail(err, errno, "write the user namespace's uid map");
	if (write_file("/proc/self/setgroups", "deny") < 0)
		return vn_fail(err, errno, "deny setgroups in the user namespace");
	snprintf(map, sizeof(map), "0 %u 1", gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		return vn_fail(err, errno, "write the user namespace's gid map");
	return 0;
}

/* The notify backend needs a user namespace: say which knob refused it. */
static int userns_refused(struct vn_error *err, int code, const char *what)
{
	char knob[160];

	probe_userns_knob(knob, sizeof(knob));
	return vn_fail(err, 0, "%s (%s): %s; the notify backend needs one (--backend "
		       "notify-hostroot runs without, experimental: veneer doctor)", what, strerror(code),
		       knob[0] ? knob : "unprivileged user namespaces are disabled here (sysctl "
				       "user.max_user_namespaces, kernel.unprivileged_userns_clone or "
				       "kernel.apparmor_restrict_unprivileged_userns)");
}

static int enter_user_namespace(struct sandbox *sb, struct vn_error *err)
{
	bool root = geteuid() == 0; /* before the namespace makes us 0 */
	pid_t mapper = -1;
	int go = -1;

	sb->caller_uid = getuid();
	sb->caller_gid = getgid();
	if (root && (mapper = fork_id_mapper(&go)) < 0)
		return vn_fail(err, errno, "start the process that maps ids");
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		int e = errno;

		if (root) {
			close(go);
			waitpid(mapper, NULL, 0);
		}
		return userns_refused(err, e, "cannot create a user namespace");
	}
	if (map_ids(root, mapper, go, sb->caller_uid, sb->caller_gid, err) < 0) {
		char knob[160];

		/* Ubuntu's AppArmor lets the unshare succeed, then refuses this */
		probe_userns_knob(knob, sizeof(knob));
		return knob[0] ? userns_refused(err, err->code, "a new user namespace cannot map ids")
			       : -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vn_fail(err, errno, "make the supervisor's mounts private");
	return 0;
}

static int clone_tree(const char *path, bool read_only, struct vn_error *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

	if (fd < 0)
		return vn_fail(err, errno, "clone the mounts of %s", path);
	if (read_only &&
	    syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		close(fd);
		return vn_fail(err, errno, "make %s read-only", path);
	}
	return fd;
}

/* Lowers are reached only through read-only mounts: the kernel, not our
 * logic, keeps them unmodified. */
static int clone_layers_and_binds(struct sandbox *sb, struct vn_error *err)
{
	struct run_options *opt = sb->opt;

	sb->lower_clones = calloc(opt->nlowers, sizeof(int));
	sb->bind_clones = calloc(opt->nbinds + 1, sizeof(int));
	if (!sb->lower_clones || !sb->bind_clones)
		return vn_fail(err, 0, "out of memory");
	for (size_t i = 0; i < opt->nlowers; i++)
		sb->lower_clones[i] = -1;
	for (size_t i = 0; i < opt->nbinds; i++)
		sb->bind_clones[i] = -1;
	for (size_t i = 0; i < opt->nlowers; i++) {
		sb->lower_clones[i] = clone_tree(opt->lowers[i], true, err);
		if (sb->lower_clones[i] < 0)
			return -1;
	}
	for (size_t i = 0; i < opt->nbinds; i++) {
		sb->bind_clones[i] = clone_tree(opt->binds[i].source, opt->binds[i].read_only, err);
		if (sb->bind_clones[i] < 0)
			return -1;
	}
	return 0;
}

static int mount_stage(struct sandbox *sb, struct vn_error *err)
{
	struct stat st;

	for (size_t i = 0; i < sizeof(stage_candidates) / sizeof(stage_candidates[0]); i++) {
		if (stat(stage_candidates[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(sb->stage, sizeof(sb->stage), "%s", stage_candidates[i]);
			break;
		}
	}
	if (!sb->stage[0])
		return vn_fail(err, 0, "no directory to stage mounts on (tried /tmp, /run, /mnt, /var/tmp)");
	if (mount("veneer-stage", sb->stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return vn_fail(err, errno, "mount the staging tmpfs on %s", sb->stage);
	return 0;
}

/* Attach a detached mount tree at path; the tree's fd is closed. */
static int attach(int *tree, const char *path, bool is_dir, struct vn_error *err)
{
	int r = 0;

	if (is_dir ? mkdir(path, 0700) < 0 : mknod(path, S_IFREG | 0600, 0) < 0)
		r = vn_fail(err, errno, "create mount point %s", path);
	else if (syscall(SYS_move_mount, *tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = vn_fail(err, errno, "attach %s", path);
	close(*tree);
	*tree = -1;
	return r;
}

static int stage_layers(struct sandbox *sb, struct vn_error *err)
{
	struct run_options *opt = sb->opt;
	char path[PATH_MAX];
	int fd, tree;

	/* The upper is staged too: an fd the target holds names a neutral
	 * stage path (in /proc/PID/maps, map_files, fd links), never where
	 * the upper sits on the host.  A throwaway's tmpfs is staged itself. */
	tree = sb->upper.tree;
	sb->upper.tree = -1;
	if (tree < 0)
		tree = (int)syscall(SYS_open_tree, sb->upper.fd, "",
				    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return vn_fail(err, errno, "clone upper %s", sb->upper.path);
	snprintf(path, sizeof(path), "%s/upper", sb->stage);
	if (attach(&tree, path, true, err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || vn_union_add_layer(&sb->u, fd, sb->upper.path, true) < 0)
		return vn_fail(err, errno, "add upper %s", sb->upper.path);
	snprintf(path, sizeof(path), "%s/lower", sb->stage);
	if (mkdir(path, 0700) < 0)
		return vn_fail(err, errno, "create %s", path);
	for (size_t i = 0; i < opt->nlowers; i++) {
		snprintf(path, sizeof(path), "%s/lower/%zu", sb->stage, i);
		if (attach(&sb->lower_clones[i], path, true, err) < 0)
			return -1;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || vn_union_add_layer(&sb->u, fd, opt->lowers[i], false) < 0)
			return vn_fail(err, errno, "open lower %s", opt->lowers[i]);
		/* lower "/" contains an upper on disk: hide it from the union */
		if (!sb->upper.throwaway && strcmp(opt->lowers[i], "/") == 0) {
			sb->u.layers[sb->u.nlayers - 1].masked = strdup(vn_rel(sb->upper.path));
			if (!sb->u.layers[sb->u.nlayers - 1].masked)
				return vn_fail(err, 0, "out of memory");
		}
	}
	return 0;
}

/* An upper left by a crash: finish or undo what was interrupted, and say so. */
static int recover_upper(struct sandbox *sb, struct vn_error *err)
{
	struct vn_recovery rep;
	int r = vn_upper_recover(&sb->u, &rep);

	if (r == 0)
		r = vn_root_mode_load(&sb->u);
	if (r < 0)
		return vn_fail(err, -r, "recover upper %s (its state directory %s is damaged)",
			       sb->upper.path, VN_STATE_DIR);
	if (rep.journals || rep.work_entries || sb->upper.stale_pid[0])
		fprintf(stderr,
			"veneer: upper %s was left by a crash%s%s: completed %u interrupted change%s, "
			"removed %u leftover%s\n",
			sb->upper.path, sb->upper.stale_pid[0] ? " of veneer pid " : "",
			sb->upper.stale_pid, rep.journals,
			rep.journals == 1 ? "" : "s", rep.work_entries,
			rep.work_entries == 1 ? "" : "s");
	return 0;
}

static int stage_binds(struct sandbox *sb, struct vn_error *err)
{
	struct run_options *opt = sb->opt;
	char path[PATH_MAX];

	sb->binds = calloc(opt->nbinds + 1, sizeof(*sb->binds));
	if (!sb->binds)
		return vn_fail(err, 0, "out of memory");
	snprintf(path, sizeof(path), "%s/bind", sb->stage);
	if (opt->nbinds && mkdir(path, 0700) < 0)
		return vn_fail(err, errno, "create %s", path);
	for (size_t i = 0; i < opt->nbinds; i++) {
		struct stat st;

		if (fstat(sb->bind_clones[i], &st) < 0)
			return vn_fail(err, errno, "--bind %s", opt->binds[i].source);
		snprintf(path, sizeof(path), "%s/bind/%zu", sb->stage, i);
		if (attach(&sb->bind_clones[i], path, S_ISDIR(st.st_mode), err) < 0)
			return -1;
		sb->binds[i].source = strdup(path);
		sb->binds[i].dest = opt->binds[i].dest;
		sb->binds[i].read_only = opt->binds[i].read_only;
		if (!sb->binds[i].source)
			return vn_fail(err, 0, "out of memory");
		if (vn_union_add_passthrough(&sb->u, opt->binds[i].dest) < 0)
			return vn_fail(err, 0, "out of memory");
		/* the mount point in the view: a file for a file, else a directory */
		if (vn_render_mountpoint(&sb->u, opt->binds[i].dest, S_ISDIR(st.st_mode)) < 0)
			return vn_fail(err, errno, "make the mount point %s", opt->binds[i].dest);
	}
	return 0;
}

/* The view: a tmpfs, shared so that the binds we render later propagate
 * into the sandbox's slave copy. */
static int mount_view(struct sandbox *sb, struct vn_error *err)
{
	static const char *const system_mounts[] = { "/proc", "/dev", "/sys" };
	int fd;

	snprintf(sb->view, sizeof(sb->view), "%s/view", sb->stage);
	if (mkdir(sb->view, 0755) < 0)
		return vn_fail(err, errno, "create %s", sb->view);
	if (mount("veneer-view", sb->view, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return vn_fail(err, errno, "mount the view tmpfs");
	if (mount(NULL, sb->view, NULL, MS_SHARED, NULL) < 0)
		return vn_fail(err, errno, "make the view shared");
	fd = open(sb->view, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vn_fail(err, errno, "open the view");
	if (vn_view_open(&sb->u, sb->view, fd) < 0) {
		close(fd);
		return vn_fail(err, ENOMEM, "open the view");
	}
	for (size_t i = 0; i < sizeof(system_mounts) / sizeof(system_mounts[0]); i++) {
		if (vn_union_add_passthrough(&sb->u, system_mounts[i]) < 0)
			return vn_fail(err, 0, "out of memory");
		if (vn_render_dir(&sb->u, system_mounts[i]) < 0)
			return vn_fail(err, errno, "make the mount point %s", system_mounts[i]);
	}
	return 0;
}

/* ---------------------------------------------- without a user namespace
 *
 * notify-hostroot: the supervisor and the target stay in the host's
 * namespaces, as the caller.  The layers are opened where they are (the
 * target's Landlock domain, not a read-only mount, keeps the lowers
 * unchanged); a throwaway upper is a directory on disk, removed at exit;
 * the view is a skeleton of union directories in the upper's state
 * directory, which the union hides, reached by the target at its real
 * path (docs/design.md, "notify-hostroot").
 */

static bool is_tmpfs(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

/* The tree at path, by its parent's fd and its name. */
static void remove_dir_at(char *path)
{
	char *slash = strrchr(path, '/');
	int fd;

	if (!slash || !slash[1])
		return;
	*slash = '\0';
	fd = open(slash == path ? "/" : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		vn_remove_tree(fd, slash + 1);
		close(fd);
	}
	*slash = '/';
}

/* A throwaway upper is kept in memory, as the notify rung's tmpfs is: in
 * $TMPDIR when that is a tmpfs, else in /dev/shm, else on disk in
 * $TMPDIR (or /tmp).  On a tmpfs its files cost no disk allocation to
 * make nor to free (on ext4 the upper's making and removal were ~0.7 ms
 * of a `veneer run -- true`), and nested under another veneer (ptrace's
 * nested mode) /dev/shm is the outer sandbox's own tmpfs: an upper inside
 * the outer union could not hold the state directory, whose name is one
 * of the outer's reserved ones. */
static const char *throwaway_parent(void)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	if (!is_tmpfs(tmp) && is_tmpfs("/dev/shm"))
		return "/dev/shm";
	return tmp;
}

/* The janitor has path from now on; one it could not be handed goes now. */
static int hand_to_janitor(struct sandbox *sb, char *path, struct vn_error *err)
{
	if (janitor_add(&sb->janitor, path, err) == 0)
		return 0;
	remove_dir_at(path);
	path[0] = '\0';
	return -1;
}

static int hostroot_upper(struct sandbox *sb, struct vn_error *err)
{
	const char *parent;

	if (sb->opt->upper)
		return upper_prepare(sb->opt->upper, &sb->upper, err);
	parent = throwaway_parent();
	snprintf(sb->scratch_upper, sizeof(sb->scratch_upper), "%s/veneer-upper-XXXXXX", parent);
	if (janitor_mkdtemp(&sb->janitor, sb->scratch_upper, err) < 0) {
		sb->scratch_upper[0] = '\0';
		return vn_fail(err, err->code, "create the throwaway upper in %s (--upper DIR puts "
			       "it elsewhere)", parent);
	}
	return upper_prepare(sb->scratch_upper, &sb->upper, err);
}

static int hostroot_layers(struct sandbox *sb, struct vn_error *err)
{
	struct run_options *opt = sb->opt;
	int fd = dup(sb->upper.fd);

	if (fd < 0 || vn_union_add_layer(&sb->u, fd, sb->upper.path, true) < 0)
		return vn_fail(err, errno, "add upper %s", sb->upper.path);
	for (size_t i = 0; i < opt->nlowers; i++) {
		fd = open(opt->lowers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || vn_union_add_layer(&sb->u, fd, opt->lowers[i], false) < 0)
			return vn_fail(err, errno, "open lower %s", opt->lowers[i]);
		if (strcmp(opt->lowers[i], "/") == 0) {
			sb->u.layers[sb->u.nlayers - 1].masked = strdup(vn_rel(sb->upper.path));
			if (!sb->u.layers[sb->u.nlayers - 1].masked)
				return vn_fail(err, 0, "out of memory");
		}
	}
	return 0;
}

/* The skeleton: directories the kernel walks for the target (a cwd, a
 * directory fd), made on demand like the view's; /proc, /dev and /sys
 * are the host's, reached through symlinks so that relative walks from
 * a skeleton directory find them too. */
/* Where the skeleton goes: a private directory on /dev/shm, a tmpfs (each
 * directory the target opens is made there, and a mkdir on a disk file
 * system such as ext4 costs tens of microseconds), else the upper's state
 * directory.  Into sb->view, as its real path. */
static int skeleton_place(struct sandbox *sb, struct vn_error *err)
{
	char state[PATH_MAX], real[PATH_MAX];
	int state_fd;

	snprintf(sb->view, sizeof(sb->view), "/dev/shm/veneer-view-XXXXXX");
	if (is_tmpfs("/dev/shm"))
		/* mode 0700: the caller's alone */
		return janitor_mkdtemp(&sb->janitor, sb->view, err);
	snprintf(state, sizeof(state), "%s/%s", sb->upper.path, VN_STATE_DIR);
	state_fd = open(state, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (state_fd < 0)
		return vn_fail(err, errno, "open %s", state);
	vn_remove_tree(state_fd, "view"); /* a crashed run's */
	if (mkdirat(state_fd, "view", 0755) < 0) {
		close(state_fd);
		return vn_fail(err, errno, "create the skeleton in %s", state);
	}
	close(state_fd);
	snprintf(state + strlen(state), sizeof(state) - strlen(state), "/view");
	if (!realpath(state, real) || strlen(real) >= sizeof(sb->view))
		return vn_fail(err, errno, "resolve %s", state);
	snprintf(sb->view, sizeof(sb->view), "%s", real);
	return hand_to_janitor(sb, sb->view, err);
}

static int hostroot_skeleton(struct sandbox *sb, struct vn_error *err)
{
	static const char *const system_dirs[] = { "/proc", "/dev", "/sys" };
	char real[PATH_MAX];
	int fd;

	if (skeleton_place(sb, err) < 0)
		return -1;
	fd = open(sb->view, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || vn_view_open(&sb->u, sb->view, fd) < 0)
		return vn_fail(err, fd < 0 ? errno : ENOMEM, "open the skeleton %s", sb->view);
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++) {
		snprintf(real, sizeof(real), "%s%s", sb->view, system_dirs[i]);
		if (vn_union_add_passthrough(&sb->u, system_dirs[i]) < 0)
			return vn_fail(err, 0, "out of memory");
		if (symlink(system_dirs[i], real) < 0)
			return vn_fail(err, errno, "create %s", real);
	}
	fd = open(sb->view, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vn_fail(err, errno, "open the skeleton %s", sb->view);
	vn_view_set_target_root(&sb->u, fd);
	return 0;
}

static int prepare_hostroot(struct sandbox *sb, struct vn_error *err)
{
	sb->caller_uid = getuid();
	sb->caller_gid = getgid();
	/* init becomes the target (no pid namespace, no pid 1 to be): the
	 * sandbox's orphans come to us, where the tracer reaps them and the
	 * scan for stale fds finds them */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return vn_fail(err, errno, "become the sandbox's reaper");
	/* What this run makes on disk for itself alone (a throwaway upper
	 * whole, a given upper's skeleton) goes at its end, or when the
	 * supervisor is killed: the janitor (started first, sandbox_run)
	 * has each tree as soon as it is made. */
	if (hostroot_upper(sb, err) < 0 || hostroot_layers(sb, err) < 0 ||
	    recover_upper(sb, err) < 0 || hostroot_skeleton(sb, err) < 0)
		return -1;
	return 0;
}


/* What the supervisor made on disk for this run only, handed to the
 * janitor as it was made: removed now, and the janitor let go. */
static void hostroot_cleanup(struct sandbox *sb)
{
	janitor_finish(&sb->janitor);
}

static int choose_cwd(struct sandbox *sb, struct vn_error *err)
{
	struct vn_node node;
	/* an image's WorkingDir stands for --chdir (docker's -w) */
	const char *chosen = sb->opt->chdir ? sb->opt->chdir : sb->opt->image_workdir;
	const char *want = chosen ? chosen : sb->caller_cwd;
	int r = want[0] ? vn_resolve(&sb->u, "/", want, VN_FOLLOW, &node) : -ENOENT;

	if (r == 0 && !node.passthrough && !S_ISDIR(node.st.st_mode))
		r = -ENOTDIR;
	if (r < 0 && sb->opt->chdir)
		return vn_fail(err, -r, "--chdir %s is not a directory of the union; give one that is",
			       sb->opt->chdir);
	if (r < 0 && chosen)
		return vn_fail(err, -r, "image %s: its WorkingDir %s is not a directory of the union; "
			       "give --chdir", sb->opt->image, chosen);
	snprintf(sb->cwd, sizeof(sb->cwd), "%s", r == 0 ? want : "/");
	return 0;
}

/* --build-user's (made when the base has none), else an image's User,
 * found in the union (build_user.c, image_user.c). */
static int settle_user(struct sandbox *sb, struct vn_error *err)
{
	uint64_t caps = sb->opt->policy.all_capabilities ? ~0ull : sb->opt->policy.capabilities;
	const char *user = sb->opt->build_user ? sb->opt->build_user : sb->opt->image_user;

	if (!user)
		return 0;
	if (sb->opt->build_user && build_user_make(&sb->u, user, err) < 0)
		return -1;
	if (image_user_resolve(&sb->u, sb->opt->build_user ? "(--build-user)" : sb->opt->image,
			       user, caps, &sb->start_cred, err) < 0)
		return -1;
	sb->has_start_cred = true;
	return 0;
}

/* The command starts as root (uid 0 of the union's /etc/passwd), or an
 * image's user, but without a user namespace as the caller. */
static int build_environment(struct sandbox *sb, struct vn_error *err)
{
	/* notify-hostroot: the caller, as the kernel knows them */
	uid_t uid = sb->has_start_cred ? sb->start_cred.ruid : sb->hostroot ? sb->caller_uid : 0;

	sb->envp = env_build(&sb->u, uid, sb->opt, environ, err);
	return sb->envp ? 0 : -1;
}

/* The target's execvp tries each PATH directory in turn, each try a
 * trapped execve (three misses before /usr/bin with the default PATH).
 * The union can tell where the command is first found; the target
 * execs that first and falls back to execvp's full search, so every
 * outcome (ENOEXEC's shell, EACCES, not found) stays execvp's.  No
 * guess for a name with a slash, a relative PATH entry or one that
 * leads into a passthrough mount. */
static void find_command(struct sandbox *sb)
{
	const char *cmd = sb->opt->argv[0], *path = NULL;

	for (char **e = sb->envp; *e && !path; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	if (!path || !cmd[0] || strchr(cmd, '/'))
		return;
	for (const char *dir = path;; dir += strcspn(dir, ":") + 1) {
		size_t len = strcspn(dir, ":");
		char candidate[PATH_MAX];
		struct vn_node node;
		int r;

		if (dir[0] != '/' ||
		    snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)len, dir, cmd) >=
			    (int)sizeof(candidate))
			return;
		r = vn_resolve(&sb->u, "/", candidate, 0, &node);
		if (r == 0 && !node.passthrough)
			snprintf(sb->command, sizeof(sb->command), "%s", candidate);
		if ((r != -ENOENT && r != -ENOTDIR) || !dir[len])
			return;
	}
}

/* What init's filter sends where (init builds it, beside the
 * supervisor's own work on the launch).  In sb, which init's copy of our
 * memory has. */
static void choose_filtered_calls(struct sandbox *sb)
{
	struct filter_calls *fc = &sb->filter_calls;
	int opens[4], flags_args[4];
	struct trap_choice choice = {
		.presented = sb->opt->ids == IDS_PRESENTED,
		.hostroot = sb->hostroot,
		.uname = policy_fixes_uname(&sb->opt->policy),
	};
	size_t nsplit = 0;

	fc->spec = (struct tracee_filter_spec){ .trapped = fc->trapped, .traced = fc->traced,
						.split = fc->split };
	fc->trap = (struct tracee_trap){ .cookie = sb->cookie, .reissuable = fc->reissuable };
	if (sb->traced) {
		fc->spec.ntraced = calls_traced(fc->traced, FILTER_CALLS_MAX, &choice);
		for (size_t i = 0; i < fc->spec.ntraced; i++)
			if (calls_reissuable(fc->traced[i]))
				fc->reissuable[fc->trap.nreissuable++] = fc->traced[i];
	} else {
		fc->spec.ntrapped = calls_trapped(fc->trapped, FILTER_CALLS_MAX, &choice);
		if (sb->hostroot) {
			fc->spec.ntraced = calls_redirected(fc->traced, FILTER_CALLS_MAX);
			nsplit = calls_split_on_opath(opens, flags_args, 4);
		}
	}
	for (size_t i = 0; i < nsplit; i++)
		fc->split[i] = (struct tracee_split){ .nr = opens[i], .arg = flags_args[i],
						      .mask = O_PATH };
	fc->spec.nsplit = nsplit;
	if (sb->trap)
		fc->spec.trap = &fc->trap;
}

static int start_init(struct sandbox *sb, struct vn_error *err)
{
	struct tracee_config cfg;
	/* its own IPC namespace always: no host SysV object or POSIX queue;
	 * its own UTS namespace: a host name set inside stays inside */
	int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
	const struct policy *p = &sb->opt->policy;
	pid_t pid;

	choose_filtered_calls(sb);
	cfg = (struct tracee_config){
		.view = sb->view,
		.binds = sb->binds,
		.nbinds = sb->opt->nbinds,
		.argv = sb->opt->argv,
		.filter = &sb->filter_calls.spec,
		.policy = p,
		.hostname = sb->opt->hostname ? sb->opt->hostname : p->hostname[0] ? p->hostname : NULL,
		.hostroot = sb->hostroot,
		.traced = sb->traced,
		.unsafe_lowers = sb->opt->unsafe_lowers,
	};

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sb->sock) < 0)
		return vn_fail(err, errno, "create the listener socket");
	cfg.sock = sb->sock[1];
	fflush(NULL);
	if (sb->opt->policy.network != POLICY_NETWORK_HOST)
		flags |= CLONE_NEWNET;
	if (sb->hostroot)
		flags = SIGCHLD; /* no namespace can be made */
	pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
	if (pid < 0)
		return vn_fail(err, errno, "start the sandbox's init");
	if (pid == 0) {
		close(sb->sock[0]);
		tracee_main(&cfg);
	}
	close(sb->sock[1]);
	sb->sock[1] = -1;
	sb->init = pid;
	return 0;
}

/* Without a view: init was started first, and waits for the upper's and
 * the skeleton's paths, which are made meanwhile (prepare_hostroot); the
 * tracer thread seizes it meanwhile too (its start and the seize were
 * ~0.2 ms of a run's set-up), so it is traced before it has them, and
 * before its filter. */
static int start_hostroot(struct sandbox *sb, struct vn_error *err)
{
	int r = tracer_start(sb->init, sb->trap, sb->cookie, &sb->tracer);

	if (r < 0)
		return vn_fail(err, -r, "start the thread that traces the sandbox");
	if (prepare_hostroot(sb, err) < 0)
		return -1;
	r = tracer_seized(sb->tracer);
	if (r < 0)
		return vn_fail(err, -r, "trace the sandbox's init (ptrace; Yama's "
			       "kernel.yama.ptrace_scope must be 0 or 1)");
	r = tracee_send_layout(sb->sock[0], vn_view_target_root(&sb->u), sb->upper.fd);
	/* EPIPE: init exited first and said why; its status is ours */
	if (r < 0 && r != -EPIPE)
		return vn_fail(err, -r, "send the sandbox its layout");
	return 0;
}

/* Under `network = private`, pasta connects init's network namespace to
 * the host's; init waits for our word that it is ready. */
static int connect_network(struct sandbox *sb, struct vn_error *err)
{
	char pasta[PATH_MAX];

	if (sb->opt->policy.network != POLICY_NETWORK_PRIVATE)
		return 0;
	if (network_check(pasta, sizeof(pasta), err) < 0)
		return -1;
	sb->pasta = network_start(pasta, sb->init, sb->stage, err);
	if (sb->pasta < 0)
		return -1;
	/* EPIPE: init exited first and said why; its status is ours */
	if (send(sb->sock[0], "n", 1, MSG_NOSIGNAL) != 1 && errno != EPIPE)
		return vn_fail(err, errno, "tell the sandbox its network is ready");
	return 0;
}

/* What only the target needs (its owners' view of the union, cwd,
 * environment, command) is settled while init sets up its mounts: the
 * two run side by side from init's clone to the listener. */
static int prepare_launch(struct sandbox *sb, struct vn_error *err)
{
	sb->u.sorted_listings = sb->opt->policy.sorted_readdir;
	if (present_ownership(sb, err) < 0 ||
	    settle_user(sb, err) < 0 ||
	    choose_cwd(sb, err) < 0 ||
	    build_environment(sb, err) < 0)
		return -1;
	find_command(sb);
	return 0;
}

/* Queued for init, which takes it after it has handed over the listener. */
static int send_launch(struct sandbox *sb, struct vn_error *err)
{
	struct tracee_launch launch = {
		.cwd = sb->cwd,
		.command = sb->command[0] ? sb->command : NULL,
		.envp = sb->envp,
	};
	int r = tracee_send_launch(sb->sock[0], &launch);

	/* EPIPE: init exited first and said why; its status is ours */
	if (r < 0 && r != -EPIPE)
		return vn_fail(err, -r, "send the command's launch to the sandbox");
	return 0;
}

/* 1: got it; 0: init exited first (it said why); -1: error. */
static int receive_listener(struct sandbox *sb, struct vn_error *err)
{
	int r = vn_recv_fd(sb->sock[0], &sb->listener);

	if (r < 0)
		return vn_fail(err, -r, "receive the seccomp listener");
	return r;
}

/* When uname is answered (the policy fixes its release & co.), it is
 * answered from the sandbox's UTS namespace: its host and domain names
 * as the target set them.  The threads that answer are made after this,
 * by this thread, and share it; nothing else of the supervisor reads
 * those names. */
static int join_sandbox_uts(struct sandbox *sb, struct vn_error *err)
{
	char path[64];
	int fd, r;

	if (sb->hostroot || !policy_fixes_uname(&sb->opt->policy))
		return 0; /* without namespaces the host's names are the sandbox's */
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)sb->init);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vn_fail(err, errno, "open the sandbox's UTS namespace (%s)", path);
	r = setns(fd, CLONE_NEWUTS);
	close(fd);
	return r < 0 ? vn_fail(err, errno, "join the sandbox's UTS namespace") : 0;
}

static int start_workers(struct sandbox *sb, struct vn_error *err)
{
	char proc[64];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct backend_config cfg = {
		.calls = {
			.u = &sb->u,
			.init_pid = sb->init,
			.supervisor_reaps = sb->hostroot,
			.verbose = sb->opt->verbose,
			.presented = sb->opt->ids == IDS_PRESENTED,
			.root_caps = sb->opt->policy.all_capabilities ? ~0ull
								     : sb->opt->policy.capabilities,
			.start_cred = sb->has_start_cred ? &sb->start_cred : NULL,
			.policy = &sb->opt->policy,
			.record = sb->record,
		},
		.listener = sb->listener,
		.nworkers = ncpu > 0 ? (int)ncpu : 1,
	};
	int fd, r;

	if (sb->hostroot) {
		/* the skeleton is the target's view of union directories */
		snprintf(proc, sizeof(proc), "/proc");
		cfg.calls.view_prefix = sb->view;
	} else {
		snprintf(proc, sizeof(proc), "/proc/%d/root", sb->init);
		fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return vn_fail(err, errno, "open the sandbox's root");
		vn_view_set_target_root(&sb->u, fd);
		snprintf(proc, sizeof(proc), "/proc/%d/root/proc", sb->init);
	}
	sb->tracee_proc_fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cfg.calls.tracee_proc_fd = sb->tracee_proc_fd;
	/* what we create for the target gets the target's umask, applied by
	 * the decoders; ours would apply on top (init has its own by now) */
	umask(0);
	if (sb->record)
		record_attach(sb->record, &sb->u);
	r = backend_start(&sb->ctx, &cfg);
	if (r < 0)
		return vn_fail(err, -r, "start the notification workers");
	if (sb->tracer)
		tracer_ready(sb->tracer, &sb->ctx);
	return 0;
}

/* init exits with 128+N both when the command exited so and when signal
 * N ended it; its report of the command's wait status tells which.
 * Without a view init was the command, and its status is the command's. */
static int init_exit_status(struct sandbox *sb, int status)
{
	int reported;

	if (!WIFEXITED(status)) {
		if (sb->hostroot) /* init was the target */
			sb->opt->died_of = WTERMSIG(status);
		return 128 + WTERMSIG(status);
	}
	if (recv(sb->sock[0], &reported, sizeof(reported), MSG_DONTWAIT) == (ssize_t)sizeof(reported) &&
	    WIFSIGNALED(reported) && 128 + WTERMSIG(reported) == WEXITSTATUS(status))
		sb->opt->died_of = WTERMSIG(reported);
	return WEXITSTATUS(status);
}

static int wait_for_init(struct sandbox *sb, int sigfd)
{
	for (;;) {
		struct signalfd_siginfo si;
		int status;

		if (read(sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			/* A terminal's signals already reached the target. */
			if (si.ssi_code != SI_KERNEL)
				kill(sb->init, (int)si.ssi_signo);
			continue;
		}
		/* a tracer in our thread group (notify-hostroot) sees init's
		 * stops and reaps it: it keeps the status and wakes us */
		if (sb->tracer ? tracer_init_exited(sb->tracer, &status)
			       : waitpid(sb->init, &status, WNOHANG) == sb->init)
			return init_exit_status(sb, status);
	}
}

static int block_signals(void)
{
	/* no SIGCHLD for a child's stops: a tracer's thread group gets one
	 * for every ptrace stop, and each woke this thread from its read of
	 * the signalfd (a cross-CPU wake-up per traced call); exits still
	 * come */
	struct sigaction chld = { .sa_handler = SIG_DFL, .sa_flags = SA_NOCLDSTOP };
	sigset_t set;

	sigemptyset(&chld.sa_mask);
	if (sigaction(SIGCHLD, &chld, NULL) < 0)
		return -1;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(supervisor_signals) / sizeof(supervisor_signals[0]); i++)
		sigaddset(&set, supervisor_signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	/* the target shares our terminal and may take its foreground and set
	 * TOSTOP: a line we write then must not stop the supervisor */
	signal(SIGTTOU, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Nothing of the target's is answered any more, nor left running. */
static void stop_serving(struct sandbox *sb)
{
	network_stop(sb->pasta);
	sb->pasta = 0;
	tracer_stop(sb->tracer); /* kills what it still traces */
	sb->tracer = NULL;
	backend_stop(&sb->ctx);
}

/* The command ran and ended: what its upper holds is said (and, with
 * --commit, applied) by the reporter, the upper's lock let go first.
 * The status for veneer. */
static int report_changes(struct sandbox *sb, int status)
{
	cleanup_close int reads = -1;

	stop_serving(sb);
	upper_unlock(&sb->upper);
	/* the digests of what was read: now, off every call's answer */
	if (sb->record) {
		reads = record_reads_export(sb->record, &sb->u);
		if (reads < 0)
			fprintf(stderr, "veneer: --record: the paths read: %s\n", strerror(-reads));
	}
	switch (reporter_report(&sb->reporter, sb->opt, sb->upper.fd, reads, status)) {
	case REPORT_NOT_APPLIED:
	case REPORT_FAILED:
		break;
	default:
		if (reads >= 0 || !sb->record)
			return status;
	}
	sb->opt->died_of = 0;
	return EXIT_VENEER_ERROR;
}

static void sandbox_release(struct sandbox *sb)
{
	stop_serving(sb);
	if (sb->hostroot)
		hostroot_cleanup(sb);
	upper_release(&sb->upper);
	vn_union_release(&sb->u);
	record_free(sb->record);
	sb->record = NULL;
	host_ids_stop(&sb->host_ids);
	for (size_t i = 0; sb->binds && i < sb->opt->nbinds; i++)
		free(sb->binds[i].source);
	free(sb->binds);
	env_free(sb->envp);
	for (size_t i = 0; sb->lower_clones && i < sb->opt->nlowers; i++)
		if (sb->lower_clones[i] >= 0)
			close(sb->lower_clones[i]);
	for (size_t i = 0; sb->bind_clones && i < sb->opt->nbinds; i++)
		if (sb->bind_clones[i] >= 0)
			close(sb->bind_clones[i]);
	free(sb->lower_clones);
	free(sb->bind_clones);
	for (size_t i = 0; i < 2; i++)
		if (sb->sock[i] >= 0)
			close(sb->sock[i]);
	if (sb->listener >= 0)
		close(sb->listener);
	if (sb->tracee_proc_fd >= 0)
		close(sb->tracee_proc_fd);
}

/* The notify rung: the supervisor's own user and mount namespace, the
 * layers staged read-only, and the view. */
static int prepare_namespaced(struct sandbox *sb, struct vn_error *err)
{
	if (enter_user_namespace(sb, err) < 0 ||
	    upper_prepare(sb->opt->upper, &sb->upper, err) < 0 ||
	    clone_layers_and_binds(sb, err) < 0 ||
	    mount_stage(sb, err) < 0 ||
	    stage_layers(sb, err) < 0 ||
	    recover_upper(sb, err) < 0 ||
	    mount_view(sb, err) < 0 ||
	    stage_binds(sb, err) < 0)
		return -1;
	return 0;
}

int sandbox_run(struct run_options *opt, struct vn_error *err)
{
	struct sandbox *sb = calloc(1, sizeof(*sb));
	int sigfd = -1, status = -1, r;

	if (!sb)
		return vn_fail(err, 0, "out of memory");
	sb->opt = opt;
	sb->upper.fd = sb->upper.lock_fd = sb->upper.tree = -1;
	sb->sock[0] = sb->sock[1] = sb->listener = -1;
	sb->tracee_proc_fd = -1;
	sb->host_ids.sock = -1;
	sb->janitor.sock = -1;
	sb->reporter.sock = -1;
	if (!getcwd(sb->caller_cwd, sizeof(sb->caller_cwd)))
		sb->caller_cwd[0] = '\0';

	sb->traced = opt->backend == BACKEND_PTRACE;
	sb->trap = sb->traced && opt->ptrace_nested;
	if (sb->trap && getrandom(&sb->cookie, sizeof(sb->cookie), 0) != (ssize_t)sizeof(sb->cookie)) {
		vn_fail(err, errno, "draw the nested mode's cookie");
		goto out;
	}
	sb->hostroot = opt->backend == BACKEND_HOSTROOT || sb->traced;
	if (choose_ids(sb, err) < 0)
		goto out;
	if (opt->record && record_new(&sb->record) < 0) {
		vn_fail(err, ENOMEM, "--record");
		goto out;
	}
	/* before any namespace: it reads and writes as the caller on the host */
	if ((report_wanted(opt) || opt->record) && reporter_start(&sb->reporter, opt, err) < 0)
		goto out;
	if (opt->verbose)
		fprintf(stderr, "veneer: backend %s (%s)\n",
			sb->trap ? "ptrace, nested: no user namespace and no listener; the host's "
				   "root, with the union's paths answered at SIGSYS stops"
			: sb->traced ? "ptrace: no user namespace and no listener; the host's root, "
				       "with the union's paths answered at seccomp stops"
			: sb->hostroot ? "notify-hostroot: no user namespace; the host's root, with the "
					 "union's paths answered"
				       : "notify: a user namespace, the union mounted as its root",
			opt->backend_why);
	if (sb->hostroot && opt->unsafe_lowers && vn_landlock_abi() < 1)
		fprintf(stderr, "veneer: warning: --unsafe-lowers: this kernel has no Landlock; only "
			"veneer's answers keep the target from writing to the lowers and the host\n");
	if (!sb->hostroot && prepare_namespaced(sb, err) < 0)
		goto out;
	sigfd = block_signals();
	if (sigfd < 0) {
		vn_fail(err, errno, "set up signal handling");
		goto out;
	}
	/* Before init and the tracer thread: a fork of a process that has
	 * neither copies less (it took ~0.4 ms after them, ~0.1 before) */
	if (sb->hostroot && janitor_start(&sb->janitor, err) < 0)
		goto out;
	if (start_init(sb, err) < 0)
		goto out;
	if (sb->hostroot && start_hostroot(sb, err) < 0) {
		/* not traced (yet), or traced: either way ours to reap */
		kill(sb->init, SIGKILL);
		if (!sb->tracer || tracer_seized(sb->tracer) < 0)
			(void)waitpid(sb->init, NULL, 0);
		goto out;
	}
	r = connect_network(sb, err);
	if (r == 0)
		r = prepare_launch(sb, err);
	if (r == 0)
		r = send_launch(sb, err);
	if (r == 0)
		r = sb->traced ? 1 : receive_listener(sb, err);
	if (r > 0 && (join_sandbox_uts(sb, err) < 0 || start_workers(sb, err) < 0))
		r = -1;
	if (r < 0)
		kill(sb->init, SIGKILL);
	/* r == 0: init failed before the filter and said why; its status is ours */
	status = wait_for_init(sb, sigfd);
	if (r < 0) {
		status = -1;
		opt->died_of = 0;
	}
	if (status >= 0 && sb->reporter.pid > 0)
		status = report_changes(sb, status);
out:
	if (sigfd >= 0)
		close(sigfd);
	sandbox_release(sb);
	reporter_finish(&sb->reporter);
	free(sb);
	return status;
}
