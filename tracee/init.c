/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pid 1 of the sandbox.  The set-up reads top to bottom as the list of
 * steps; then init starts the target, reaps orphans, forwards signals
 * and exits with the target's status (128+N when signal N ended it).
 * pid 1 of a pid namespace cannot die of a signal sent from inside, so
 * before exiting init also tells the supervisor the target's wait
 * status: the supervisor then dies of the same signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracee.h"
#include "veneer/fdpass.h"

#define EXIT_SETUP_FAILED 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

static const int forwarded_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM,
};

static void forwarded_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded_signals) / sizeof(forwarded_signals[0]); i++)
		sigaddset(set, forwarded_signals[i]);
}

/* init is a fork of veneer: its command line (the layers' and binds'
 * host paths) and environment (the caller's variables) would be what
 * every process of the sandbox reads in /proc/1/cmdline and environ.
 * Where the kernel keeps them: /proc/self/stat's arg_start, arg_end,
 * env_start and env_end (fields 48 to 51). */
struct caller_text {
	unsigned long arg_start, arg_end, env_start, env_end;
};

static int caller_text_find(struct caller_text *t)
{
	char buf[4096], *p, *save = NULL;
	unsigned long field[4];
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	int k = 3, got = 0;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* the fields after the command's name, which may hold anything */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	for (char *tok = strtok_r(p + 1, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), k++)
		if (k >= 48 && k <= 51)
			field[got++] = strtoul(tok, NULL, 10);
	if (got != 4 || field[0] > field[1] || field[2] > field[3])
		return -EIO;
	*t = (struct caller_text){ field[0], field[1], field[2], field[3] };
	return 0;
}

/* Blank them (init's own copy: a child forked before keeps its own);
 * the command line reads "veneer". */
static void caller_text_forget(const struct caller_text *t)
{
	static const char name[] = "veneer";

	memset((void *)t->env_start, 0, t->env_end - t->env_start);
	memset((void *)t->arg_start, 0, t->arg_end - t->arg_start);
	if (t->arg_end - t->arg_start >= sizeof(name))
		memcpy((void *)t->arg_start, name, sizeof(name));
}

/* The command's arguments point into the caller's command line, which
 * init blanks before the target is forked: the target execs a copy. */
static char **copy_argv(char *const *argv)
{
	size_t n = 0;
	char **copy;

	while (argv[n])
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	for (size_t i = 0; copy && i < n; i++) {
		copy[i] = strdup(argv[i]);
		if (!copy[i])
			return NULL; /* init fails: what was copied goes with it */
	}
	return copy;
}

/* The launch travels as a memfd (an environment has no size bound a
 * socket message would keep): its strings one after another, each with
 * its NUL: the cwd, the command ("" for none), then the environment. */
static int launch_write(int fd, const char *s)
{
	size_t len = strlen(s) + 1;

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int tracee_send_launch(int sock, const struct tracee_launch *launch)
{
	int fd = memfd_create("veneer-launch", MFD_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = launch_write(fd, launch->cwd);
	if (r == 0)
		r = launch_write(fd, launch->command ? launch->command : "");
	for (char **e = launch->envp; r == 0 && *e; e++)
		r = launch_write(fd, *e);
	if (r == 0)
		r = vn_send_fd(sock, fd);
	close(fd);
	return r;
}

/* The whole memfd, read by offset (the supervisor's writes left the
 * shared file offset at its end); NULL and errno on failure. */
static char *launch_read(int fd, size_t *size)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	while (buf) {
		ssize_t n = pread(fd, buf + len, cap - len, (off_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			char *more = realloc(buf, cap * 2);

			if (!more)
				free(buf);
			buf = more;
			cap *= 2;
		}
	}
	*size = len;
	return buf;
}

/* The launch's strings: init keeps them until the target is forked
 * (never freed: init execs nothing and exits as the target does). */
static int receive_launch(int sock, struct tracee_launch *launch)
{
	size_t size, n = 0, k = 0;
	char *buf, *end;
	int fd, r = vn_recv_fd(sock, &fd);

	if (r <= 0) {
		/* 0: the supervisor closed the socket (it failed and said why) */
		if (r < 0)
			fprintf(stderr, "veneer: receive the command's launch: %s\n", strerror(-r));
		return -1;
	}
	buf = launch_read(fd, &size);
	close(fd);
	if (!buf) {
		fprintf(stderr, "veneer: read the command's launch: %s\n", strerror(errno));
		return -1;
	}
	end = buf + size;
	for (char *p = buf; p < end; p += strlen(p) + 1)
		n++;
	if (size == 0 || end[-1] != '\0' || n < 2) {
		fprintf(stderr, "veneer: the command's launch is malformed\n");
		return -1;
	}
	launch->envp = calloc(n - 1, sizeof(*launch->envp));
	if (!launch->envp) {
		fprintf(stderr, "veneer: read the command's launch: %s\n", strerror(ENOMEM));
		return -1;
	}
	launch->cwd = buf;
	launch->command = buf + strlen(buf) + 1;
	for (char *p = launch->command + strlen(launch->command) + 1; p < end; p += strlen(p) + 1)
		launch->envp[k++] = p;
	if (!launch->command[0])
		launch->command = NULL;
	return 0;
}

static _Noreturn void exec_target(const struct tracee_launch *launch, char *const *argv)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	/* execvp searches the command's PATH, not init's */
	environ = launch->envp;
	/* where the supervisor found it: one trapped execve, not one per
	 * PATH directory before it; on failure, execvp's own search */
	if (launch->command)
		execve(launch->command, argv, environ);
	execvp(argv[0], argv);
	if (errno == ENOENT) {
		fprintf(stderr, "veneer: %s: command not found\n", argv[0]);
		_exit(EXIT_NOT_FOUND);
	}
	fprintf(stderr, "veneer: %s: cannot execute: %s\n", argv[0], strerror(errno));
	_exit(EXIT_CANNOT_EXEC);
}

static int status_to_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_SETUP_FAILED;
}

/* The exit code says 128+N for both `exit 130` and a death by SIGINT:
 * the wait status itself goes to the supervisor (best effort; without
 * it the supervisor exits with the code). */
static _Noreturn void exit_as_target(int sock, int status)
{
	if (send(sock, &status, sizeof(status), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		fprintf(stderr, "veneer: report the command's status: %s\n", strerror(errno));
	_exit(status_to_exit_code(status));
}

/* Reap everything; exits as the target did once it is gone. */
static _Noreturn void reap_and_forward(pid_t target, int sock)
{
	sigset_t set;

	forwarded_set(&set);
	for (;;) {
		siginfo_t info;
		int sig = sigwaitinfo(&set, &info);

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			/* A terminal's signals reach the target directly (same
			 * process group); forward only what was sent to us. */
			if (info.si_code != SI_KERNEL)
				kill(target, sig);
			continue;
		}
		for (;;) {
			int status;
			pid_t pid = waitpid(-1, &status, WNOHANG);

			if (pid <= 0)
				break;
			if (pid == target)
				exit_as_target(sock, status);
		}
	}
}

static int close_fds_except(int keep)
{
	if ((keep > 3 && close_range(3, (unsigned)keep - 1, 0) < 0) ||
	    close_range((unsigned)keep + 1, ~0U, 0) < 0) {
		fprintf(stderr, "veneer: close the supervisor's fds: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static _Noreturn void setup_failed(void)
{
	_exit(EXIT_SETUP_FAILED);
}

/* The namespaces' side: network, host name, mounts, the view. */
static int enter_sandbox(const struct tracee_config *cfg)
{
	if (tracee_loopback_up(cfg) < 0 ||
	    tracee_wait_for_network(cfg) < 0 ||
	    tracee_set_hostname(cfg) < 0 ||
	    tracee_make_mounts_slave() < 0 ||
	    tracee_mount_proc(cfg) < 0 ||
	    tracee_mount_dev(cfg) < 0 ||
	    tracee_mount_sys(cfg) < 0 ||
	    tracee_mount_binds(cfg) < 0 ||
	    tracee_enter_view(cfg) < 0 ||
	    tracee_scope_abstract_sockets() < 0)
		return -1;
	return 0;
}

int tracee_send_layout(int sock, int skeleton, int upper)
{
	const int fds[2] = { skeleton, upper };

	return vn_send_fds(sock, fds, 2);
}

/* The skeleton and the upper (tracee_send_layout): 0, or -1 said. */
static int receive_layout(int sock, int fds[2])
{
	int r = vn_recv_fds(sock, fds, 2);

	/* 0: the supervisor closed the socket (it failed and said why) */
	if (r < 0)
		fprintf(stderr, "veneer: receive the sandbox's layout: %s\n", strerror(-r));
	return r > 0 ? 0 : -1;
}

/* Without namespaces (notify-hostroot, ptrace): nothing but the terminal
 * and the harmless devices (and on the ptrace rung the files beneath the
 * upper and the skeleton) may be written by the kernel for the target
 * (not /proc: the host's processes are there): every other write is the
 * supervisor's, through the union.  The filter goes in first, while the
 * supervisor still makes the upper and the skeleton (its load was ~0.2
 * ms of a run's start, after them), so what the Landlock rules need of
 * the file system is done before it (it would trap the opens and fstat):
 * the ruleset is made, then the upper and the skeleton are added from the
 * fds sent.  The target's first instruction runs under both. */
static int enter_hostroot(const struct tracee_config *cfg, const struct tracee_filter *filter,
			  int *listener)
{
	static const char *const devices[] = {
		"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
		"/dev/tty", "/dev/ptmx", "/dev/pts",
	};
	int ruleset = tracee_writes_ruleset(devices, sizeof(devices) / sizeof(devices[0]));
	int layout[2] = { -1, -1 }, r = ruleset < 0 ? ruleset : 0;

	/* the filter's load needs it, without CAP_SYS_ADMIN */
	if ((r == 0 || r == -ENOSYS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = -errno;
	/* the supervisor warned: the caller chose to run without */
	if (r == -ENOSYS && cfg->unsafe_lowers)
		r = 1;
	if (r < 0) {
		fprintf(stderr, "veneer: keep the file system read-only (Landlock): %s\n",
			r == -ENOSYS ? "this kernel has no Landlock" : strerror(-r));
		return -1;
	}
	if (tracee_install_filter(cfg, filter, listener) < 0 ||
	    receive_layout(cfg->sock, layout) < 0) {
		if (ruleset >= 0)
			close(ruleset);
		return -1;
	}
	if (r == 0) {
		/* the ptrace backend: the kernel opens the layers' files for the target */
		r = tracee_confine_writes(ruleset, layout, cfg->traced ? 2 : 0);
		if (r < 0)
			fprintf(stderr, "veneer: keep the file system read-only (Landlock): %s\n",
				strerror(-r));
	}
	close(layout[0]);
	close(layout[1]);
	return r < 0 ? -1 : tracee_scope_abstract_sockets();
}

_Noreturn void tracee_main(const struct tracee_config *cfg)
{
	struct caller_text caller = { 0 };
	struct tracee_launch launch;
	struct tracee_filter filter;
	int listener = -1;
	char **argv;
	pid_t target;

	/* If the supervisor dies, the whole sandbox dies with us. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		setup_failed();
	/* Nothing of the supervisor's (layer roots, the view) may stay open in
	 * the sandbox, not even in init, which the target could ptrace. */
	if (close_fds_except(cfg->sock) < 0)
		setup_failed();
	if (caller_text_find(&caller) < 0) {
		fprintf(stderr, "veneer: find init's command line in /proc/self/stat\n");
		setup_failed();
	}
	/* first: its ~0.3 ms overlaps the supervisor's work (without a view,
	 * the upper, the skeleton and the launch; else the launch) */
	if (tracee_prepare_filter(cfg, &filter) < 0)
		setup_failed();
	/* Last (without a view: before the Landlock domain, whose rules are
	 * fds): from here on every file system call goes to the supervisor. */
	if (cfg->hostroot ? enter_hostroot(cfg, &filter, &listener) < 0
			  : enter_sandbox(cfg) < 0 ||
				    tracee_install_filter(cfg, &filter, &listener) < 0)
		setup_failed();
	if (listener >= 0 && tracee_send_listener(cfg->sock, listener) < 0)
		setup_failed();
	tracee_filter_free(&filter);
	if (listener >= 0)
		close(listener);
	/* after the filter, which needs CAP_SYS_ADMIN to be installed */
	if ((!cfg->hostroot && tracee_drop_capabilities(cfg) < 0) ||
	    receive_launch(cfg->sock, &launch) < 0)
		setup_failed();
	/* the policy's (a build's files are 644 whoever runs it) */
	if (cfg->policy->umask >= 0)
		umask((mode_t)cfg->policy->umask);
	if (chdir(launch.cwd) < 0) {
		fprintf(stderr, "veneer: enter the working directory %s: %s\n", launch.cwd,
			strerror(errno));
		setup_failed();
	}
	argv = copy_argv(cfg->argv);
	if (!argv) {
		fprintf(stderr, "veneer: start the target: %s\n", strerror(ENOMEM));
		setup_failed();
	}
	/* Without a pid namespace there is no pid 1 to be: init becomes the
	 * target, which saves a traced fork and an exit (~0.5 ms of a run);
	 * the supervisor is the sandbox's reaper and has its status.  The
	 * tracer's PTRACE_O_EXITKILL, not a death signal of init's, ends it
	 * with the supervisor. */
	if (cfg->hostroot) {
		if (prctl(PR_SET_PDEATHSIG, 0) < 0)
			setup_failed();
		exec_target(&launch, argv);
	}
	/* no code of the target's runs before init forgot the caller: the
	 * target is forked from an init that already has */
	caller_text_forget(&caller);
	target = fork();
	if (target < 0) {
		fprintf(stderr, "veneer: start the target: %s\n", strerror(errno));
		setup_failed();
	}
	if (target == 0)
		exec_target(&launch, argv);
	reap_and_forward(target, cfg->sock);
}
