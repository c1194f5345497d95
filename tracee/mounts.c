/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's mounts, made in its own mount namespace (a slave of the
 * supervisor's view, so binds the supervisor renders later appear here):
 * a fresh /proc for the new pid namespace, a minimal /dev, /sys read-only,
 * the user's --bind mounts, then pivot_root into the view.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracee.h"
#include "veneer/devices.h"

static const struct {
	const char *name, *target;
} dev_links[] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
};

static void view_path(const struct tracee_config *cfg, const char *rel, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", cfg->view, rel);
}

static int fail(const char *step, const char *what)
{
	int err = errno;

	fprintf(stderr, "veneer: %s: %s: %s\n", step, what, strerror(err));
	return -err;
}

static int make_read_only(const char *path)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

	if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return fail("read-only remount", path);
	return 0;
}

int tracee_make_mounts_slave(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return fail("mount namespace", "make / a slave");
	return 0;
}

/* The kernel's global knobs under /proc are not the pid namespace's: run
 * as root (every id mapped to itself), the target's uid 0 is the owner of
 * /proc/sys/kernel/core_pattern or /proc/sysrq-trigger, and a write there
 * runs code or reboots on the host.  Read-only, as container runtimes
 * make them, whoever runs veneer. */
static const char *const proc_read_only[] = { "sys", "sysrq-trigger", "irq", "bus", "fs" };

static int proc_protect(const char *proc)
{
	char path[4096 + 32];
	struct stat st;

	for (size_t i = 0; i < sizeof(proc_read_only) / sizeof(proc_read_only[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", proc, proc_read_only[i]);
		if (lstat(path, &st) < 0) {
			if (errno == ENOENT)
				continue; /* not built into this kernel */
			return fail("read-only /proc", path);
		}
		if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
			return fail("read-only /proc", path);
		if (make_read_only(path) < 0)
			return -1;
	}
	return 0;
}

int tracee_mount_proc(const struct tracee_config *cfg)
{
	char path[4096];

	view_path(cfg, "proc", path, sizeof(path));
	if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fail("mount /proc", path);
	return proc_protect(path);
}

int tracee_mount_dev(const struct tracee_config *cfg)
{
	char dev[4096], path[4096 + 64], host[64];

	view_path(cfg, "dev", dev, sizeof(dev));
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0)
		return fail("mount /dev", dev);
	for (size_t i = 0; i < VN_SANDBOX_DEVICES; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dev, vn_sandbox_devices[i]);
		snprintf(host, sizeof(host), "/dev/%s", vn_sandbox_devices[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0)
			return fail("create /dev node", path);
		close(fd);
		/* read-only: a device opens for writing all the same, but
		 * run as root the target could chmod or chown the host's own
		 * /dev/null through a writable bind */
		if (mount(host, path, NULL, MS_BIND, NULL) < 0)
			return fail("bind /dev node", host);
		if (make_read_only(path) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dev, dev_links[i].name);
		if (symlink(dev_links[i].target, path) < 0)
			return fail("create /dev link", path);
	}
	snprintf(path, sizeof(path), "%s/pts", dev);
	if (mkdir(path, 0755) < 0 ||
	    mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620") < 0)
		return fail("mount /dev/pts", path);
	snprintf(path, sizeof(path), "%s/shm", dev);
	if (mkdir(path, 01777) < 0 ||
	    mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		return fail("mount /dev/shm", path);
	if (tracee_bind_terminal(dev) < 0)
		return -1;
	if (mount(NULL, dev, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC | MS_RDONLY, NULL) < 0)
		return fail("remount /dev read-only", dev);
	return 0;
}

int tracee_mount_sys(const struct tracee_config *cfg)
{
	char path[4096];

	view_path(cfg, "sys", path, sizeof(path));
	if (cfg->policy->sys == POLICY_SYS_NONE) {
		if (mount("sys", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=0555,size=4k") < 0)
			return fail("mount an empty /sys", path);
		return 0;
	}
	if (mount("/sys", path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail("bind /sys", path);
	return make_read_only(path);
}

int tracee_mount_binds(const struct tracee_config *cfg)
{
	for (size_t i = 0; i < cfg->nbinds; i++) {
		const struct tracee_bind *b = &cfg->binds[i];
		char path[8192];

		snprintf(path, sizeof(path), "%s%s", cfg->view, b->dest);
		if (mount(b->source, path, NULL, MS_BIND | MS_REC, NULL) < 0)
			return fail("--bind", b->dest);
		if (b->read_only && make_read_only(path) < 0)
			return -1;
	}
	return 0;
}

int tracee_enter_view(const struct tracee_config *cfg)
{
	if (chdir(cfg->view) < 0)
		return fail("enter the view", cfg->view);
	/* pivot_root(".", "."): the old root stacks under the new one and is
	 * detached right away, so nothing of the host stays reachable. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail("pivot_root", cfg->view);
	if (umount2(".", MNT_DETACH) < 0)
		return fail("detach the old root", "/");
	if (chdir("/") < 0)
		return fail("enter the view", "/");
	/* The view is the supervisor's to write, through its own mount: here
	 * it is read-only, so nothing the kernel resolves for the target
	 * (a `..` out of /proc, a continued call's re-read path) can make a
	 * name in it.  Only this mount: what propagates in later (the
	 * supervisor's read-only binds) and /dev/shm, /dev/pts keep theirs. */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return fail("make the view read-only", "/");
	return 0;
}
