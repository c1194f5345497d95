/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Probes of what the kernel allows this user (probe.h).  Ubuntu 23.10 and
 * later let unshare(CLONE_NEWUSER) succeed under AppArmor's restriction
 * but give the namespace no capabilities, so only writing the id map and
 * mounting tell whether a namespace is usable: the probe does both.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"
#include "veneer/landlock.h"

/* The first number in a /proc/sys file, or -1. */
static long read_sysctl(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void probe_userns_knob(char *out, size_t size)
{
	if (read_sysctl("/proc/sys/user/max_user_namespaces") == 0)
		snprintf(out, size, "user.max_user_namespaces is 0");
	else if (read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		snprintf(out, size, "kernel.unprivileged_userns_clone is 0");
	else if (read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		snprintf(out, size, "AppArmor restricts unprivileged user namespaces "
			 "(kernel.apparmor_restrict_unprivileged_userns=1)");
	else
		out[0] = '\0';
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The child's steps; its exit status is the step that failed (0: none),
 * and errno of that step goes back through the pipe. */
enum { STEP_UNSHARE = 1, STEP_UID_MAP, STEP_MOUNT };

static int probe_child(uid_t uid)
{
	char map[64];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return STEP_UNSHARE;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_text("/proc/self/uid_map", map) < 0)
		return STEP_UID_MAP;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("veneer-probe", "/tmp", "tmpfs", 0, NULL) < 0)
		return STEP_MOUNT;
	return 0;
}

int probe_user_namespace(char *why, size_t size)
{
	static const char *const step_name[] = {
		[STEP_UNSHARE] = "cannot create a user namespace",
		[STEP_UID_MAP] = "a new user namespace cannot map this user (uid_map)",
		[STEP_MOUNT] = "a new user namespace cannot mount a tmpfs",
	};
	char knob[160];
	int p[2], status, err = 0, step;
	uid_t uid = getuid();
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, size, "probe user namespaces: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, size, "probe user namespaces: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int r = probe_child(uid);

		if (r)
			(void)!write(p[1], &errno, sizeof(errno));
		_exit(r);
	}
	close(p[1]);
	if (read(p[0], &err, sizeof(err)) != (ssize_t)sizeof(err))
		err = 0;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		snprintf(why, size, "probe user namespaces: the probe died");
		return -1;
	}
	step = WEXITSTATUS(status);
	if (step == 0)
		return 0;
	if (step > STEP_MOUNT) {
		snprintf(why, size, "probe user namespaces: the probe failed (%d)", step);
		return -1;
	}
	probe_userns_knob(knob, sizeof(knob));
	snprintf(why, size, "%s (%s)%s%s", step_name[step], err ? strerror(err) : "no reason given",
		 knob[0] ? ": " : "", knob);
	return -1;
}

/* A throwaway child installs a listener: 0, or the errno it got. */
static int listener_errno(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return errno;
	if (pid == 0) {
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = { .len = 1, .filter = &allow };

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(errno);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			    &prog) < 0)
			_exit(errno);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return ECHILD;
	return WEXITSTATUS(status);
}

int probe_notify(bool always_probe, bool *nested, char *why, size_t size)
{
	char avail[256] = "";
	struct utsname un;
	int major = 0, minor = 0, err;
	FILE *f = fopen("/proc/sys/kernel/seccomp/actions_avail", "re");

	*nested = false;
	if (f) {
		if (!fgets(avail, sizeof(avail), f))
			avail[0] = '\0';
		fclose(f);
	}
	if (!strstr(avail, "user_notif")) {
		snprintf(why, size, "this kernel has no seccomp user notification "
			 "(SECCOMP_RET_USER_NOTIF)");
		return -1;
	}
	if (uname(&un) == 0 && sscanf(un.release, "%d.%d", &major, &minor) == 2 &&
	    (major < 5 || (major == 5 && minor < 14))) {
		snprintf(why, size, "kernel %s lacks SECCOMP_ADDFD_FLAG_SEND (Linux 5.14)",
			 un.release);
		return -1;
	}
	/* A listener hangs on a seccomp filter: with none on this process
	 * (mode 0) there is no listener to collide with, and the fork of a
	 * probe is not needed.  Under a filter of any kind, probe. */
	if (!always_probe && prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0)
		return 0;
	err = listener_errno();
	if (err == 0)
		return 0;
	*nested = err == EBUSY;
	if (*nested)
		snprintf(why, size, "this process already runs under a seccomp user-notification "
			 "listener (veneer inside veneer, or another notify-based runtime), and the "
			 "kernel allows only one");
	else
		snprintf(why, size, "this kernel refuses a seccomp user-notification listener (%s)",
			 strerror(err));
	return -1;
}

int probe_hostroot(bool unsafe_lowers, char *why, size_t size)
{
	long scope = read_sysctl("/proc/sys/kernel/yama/ptrace_scope");

	if (vn_landlock_abi() < 1 && !unsafe_lowers) {
		snprintf(why, size, "this kernel has no Landlock (5.13+, and enabled among the "
			 "LSMs), which keeps the lowers read-only there (--unsafe-lowers runs "
			 "without it, the lowers unprotected)");
		return -1;
	}
	if (scope >= 2) {
		snprintf(why, size, "Yama's kernel.yama.ptrace_scope is %ld: the supervisor may not "
			 "trace its own children", scope);
		return -1;
	}
	return 0;
}

/* The pid of this process's tracer, 0 for none. */
static long tracer_pid(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long pid = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %ld", &pid) == 1)
			break;
	if (f)
		fclose(f);
	return pid;
}

int probe_ptrace(bool unsafe_lowers, bool nested, char *why, size_t size)
{
	long tracer = tracer_pid();

	if (tracer) {
		snprintf(why, size, "this process is traced (by pid %ld: the ptrace rung of an outer "
			 "veneer, a debugger), and a process has only one tracer, which takes its "
			 "children too", tracer);
		return -1;
	}
	(void)nested; /* then its nested mode: SIGSYS, which beats USER_NOTIF */
	return probe_hostroot(unsafe_lowers, why, size);
}
