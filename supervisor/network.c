/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `network = private`: init is cloned into a new network namespace and
 * pasta connects it to the outside. pasta runs as the supervisor's child
 * in the host's network namespace and in the supervisor's user namespace,
 * which owns init's network namespace: it joins only that (--netns, no
 * --userns: setns into one's own user namespace fails with EINVAL), opens
 * the tap device there and carries the sandbox's TCP and UDP through
 * sockets of its own on the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "network.h"
#include "veneer/cleanup.h"

/* pasta needs well under a second; a minute means it is stuck */
#define PASTA_READY_TIMEOUT_MS 60000

static int find_pasta(char *path, size_t size, struct vn_error *err)
{
	const char *dirs = getenv("PATH");
	const char *p = dirs && dirs[0] ? dirs : "/usr/local/bin:/usr/bin:/bin";

	for (;;) {
		const char *end = strchrnul(p, ':');
		int n = (int)(end - p);

		/* an empty or relative entry would be the caller's cwd: never */
		if (n > 0 && p[0] == '/' &&
		    snprintf(path, size, "%.*s/pasta", n, p) < (int)size && access(path, X_OK) == 0)
			return 0;
		if (!*end)
			break;
		p = end + 1;
	}
	return vn_fail(err, 0, "network = private needs pasta, which is not installed (or not in "
		       "PATH); install it: apt-get install passt");
}

/* pasta opens the tap device as the caller (root of a user namespace
 * owns no device): Debian's udev makes it 0666, a bare devtmpfs 0600. */
static int check_tun(struct vn_error *err)
{
	struct stat st;

	if (access("/dev/net/tun", R_OK | W_OK) == 0)
		return 0;
	if (errno == EACCES && stat("/dev/net/tun", &st) == 0)
		return vn_fail(err, 0, "network = private needs /dev/net/tun readable and writable "
			       "by you (it is mode %04o; Debian's udev makes it 0666): as root, "
			       "chmod 0666 /dev/net/tun", (unsigned)(st.st_mode & 07777));
	return vn_fail(err, errno, "network = private needs /dev/net/tun (the tun module)");
}

int network_check(char *pasta, size_t size, struct vn_error *err)
{
	if (find_pasta(pasta, size, err) < 0)
		return -1;
	return check_tun(err);
}

/*
 * pasta's options, each for a reason:
 *  --config-net: addresses and routes copied from the host, tap up;
 *  -t none -u none: no host port reaches the sandbox (by default pasta
 *    would forward every port the sandbox binds from the host's
 *    addresses, where two sandboxes would collide and anyone could
 *    connect);
 *  -T none -U none: no port of the host's loopback is forwarded into the
 *    sandbox's (by default pasta binds, inside, every port the host has
 *    bound and forwards it to the host's loopback): 127.0.0.1 inside is
 *    the sandbox's alone;
 *  --no-map-gw: connections to the gateway's address are not turned into
 *    connections to the host's loopback, which would reach the host's
 *    loopback services through the back door;
 *  --runas 0:0: stay the supervisor's user namespace's root, which owns
 *    init's network namespace (as root with every id mapped, pasta would
 *    otherwise become nobody and lose that);
 *  --foreground: our child, killed with the sandbox, not a daemon;
 *  --pid FIFO: pasta writes its pid once the namespace is configured,
 *    which is the readiness we wait for.
 */
static _Noreturn void exec_pasta(const char *pasta, const char *netns, const char *fifo,
				 pid_t parent)
{
	sigset_t none;

	/* if the supervisor dies, pasta dies with it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	/* the supervisor's blocked signals (its signalfd's) are not pasta's;
	 * nor its ignored SIGPIPE: Debian 12's pasta takes the old action
	 * SIG_IGN that signal() returns for a failure and refuses to start */
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0 || signal(SIGPIPE, SIG_DFL) == SIG_ERR)
		_exit(127);
	execl(pasta, "pasta", "--config-net", "--quiet", "--foreground", "-t", "none", "-u", "none",
	      "-T", "none", "-U", "none", "--no-map-gw", "--runas", "0:0", "--pid", fifo,
	      "--netns", netns, (char *)NULL);
	fprintf(stderr, "veneer: start %s: %s\n", pasta, strerror(errno));
	_exit(127);
}

static int pasta_failed(pid_t pid, struct vn_error *err)
{
	int status;

	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return vn_fail(err, 0, "pasta could not set up the sandbox's network (it exited "
			       "with %d)", WEXITSTATUS(status));
	return vn_fail(err, 0, "pasta could not set up the sandbox's network");
}

/* 0 once pasta has written its pid to the FIFO; -1 if it exited, closed
 * it empty or took too long. */
static int wait_until_ready(int fifo, pid_t pid)
{
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd fds[2] = { { .fd = fifo, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
	char buf[32];

	if (pidfd < 0)
		return -1;
	for (;;) {
		int r = poll(fds, 2, PASTA_READY_TIMEOUT_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (fds[1].revents & POLLIN))
			return -1;
		if (fds[0].revents & (POLLIN | POLLHUP))
			return read(fifo, buf, sizeof(buf)) > 0 ? 0 : -1;
	}
}

/*
 * pasta cannot open /proc/INIT/ns/net: init, like the supervisor, is not
 * dumpable (entering the user namespace made it so), which leaves the
 * namespace to CAP_SYS_PTRACE, a capability pasta drops. We can: a bind
 * mount of it in the stage (our private mount namespace, which pasta
 * shares) is a plain path for pasta.
 */
static int bind_netns(pid_t init, const char *path, struct vn_error *err)
{
	char proc[64];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return vn_fail(err, errno, "create %s", path);
	close(fd);
	snprintf(proc, sizeof(proc), "/proc/%d/ns/net", init);
	if (mount(proc, path, NULL, MS_BIND, NULL) < 0)
		return vn_fail(err, errno, "bind the sandbox's network namespace on %s", path);
	return 0;
}

pid_t network_start(const char *pasta, pid_t init, const char *stage, struct vn_error *err)
{
	char fifo_path[128], netns[128];
	cleanup_close int fifo = -1;
	pid_t parent = getpid(), pid;

	snprintf(netns, sizeof(netns), "%s/netns", stage);
	if (bind_netns(init, netns, err) < 0)
		return -1;
	snprintf(fifo_path, sizeof(fifo_path), "%s/pasta-ready", stage);
	if (mkfifo(fifo_path, 0600) < 0)
		return vn_fail(err, errno, "create %s", fifo_path);
	/* opened first, so that pasta's open for writing does not block */
	fifo = open(fifo_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0)
		return vn_fail(err, errno, "open %s", fifo_path);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return vn_fail(err, errno, "start pasta");
	if (pid == 0)
		exec_pasta(pasta, netns, fifo_path, parent);
	if (wait_until_ready(fifo, pid) < 0)
		return pasta_failed(pid, err);
	unlink(fifo_path);
	return pid;
}

void network_stop(pid_t pasta)
{
	if (pasta <= 0)
		return;
	/* nothing of pasta's needs saving: it only relays */
	kill(pasta, SIGKILL);
	while (waitpid(pasta, NULL, 0) < 0 && errno == EINTR)
		;
}
