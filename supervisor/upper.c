/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The upper layer's life: created when missing (or a throwaway tmpfs),
 * a hidden state directory at its root (format version, lock, work area),
 * and a lock so that only one sandbox holds an upper at a time.  The state
 * directory's name begins with ".wh..wh.", a name the union reserves, so
 * it is invisible inside and skipped by OCI tools.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "upper.h"
#include "veneer/cleanup.h"
#include "veneer/union.h"

#define STATE_FORMAT_VERSION "1\n"

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *slash = strchr(buf + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*slash = '/';
	}
	/* the upper itself is private: what the sandbox writes is nobody
	 * else's to read, nor to plant files in */
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* An upper other users can enter: they can read what the sandbox writes
 * and plant what its next run shows.  Said, not changed: it is the
 * user's directory. */
static void warn_if_shared(const struct upper *up)
{
	struct stat st;

	if (fstat(up->fd, &st) == 0 && (st.st_mode & (S_IXGRP | S_IXOTH)))
		fprintf(stderr, "veneer: warning: upper %s can be entered by other users (mode %04o); "
			"`chmod 700 %s` keeps what the sandbox writes private\n",
			up->path, (unsigned)(st.st_mode & 07777), up->path);
}

/* What messages call a throwaway upper: it has no path on the host. */
#define THROWAWAY_NAME "(throwaway, in memory)"

/* A throwaway upper is a tmpfs of the supervisor's own mount namespace:
 * nothing of it is on the host, so nothing is left there, whatever ends
 * the supervisor (SIGKILL included), and its files cost no disk
 * allocation to make nor to remove.  Its size is the kernel's default,
 * half of RAM; --upper DIR is on disk.  Detached: stage_layers attaches
 * it (a clone of a detached mount needs Linux 6.15). */
static int make_throwaway(struct upper *up, struct vn_error *err)
{
	cleanup_close int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);

	up->throwaway = true;
	up->path = strdup(THROWAWAY_NAME);
	if (!up->path)
		return vn_fail(err, 0, "out of memory");
	/* private, as an upper veneer makes on disk */
	if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return vn_fail(err, errno, "create the throwaway upper (a tmpfs; --upper DIR puts it "
			       "on disk)");
	up->tree = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (up->tree < 0)
		return vn_fail(err, errno, "mount the throwaway upper (a tmpfs)");
	up->fd = openat(up->tree, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (up->fd < 0)
		return vn_fail(err, errno, "open the throwaway upper");
	return 0;
}

static int write_version(int state_fd, struct vn_error *err)
{
	cleanup_close int fd = openat(state_fd, "version", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return errno == EEXIST ? 0 : vn_fail(err, errno, "write the upper's format version");
	if (write(fd, STATE_FORMAT_VERSION, strlen(STATE_FORMAT_VERSION)) < 0)
		return vn_fail(err, errno, "write the upper's format version");
	return 0;
}

/* The state directory of the upper whose root is root, made when
 * missing: its fd, or -1 with err set. */
static int open_state_dir(int root, const char *path, struct vn_error *err)
{
	int fd;

	/* EPERM for a name, not EACCES: a union refuses names it reserves */
	if (mkdirat(root, VN_STATE_DIR, 0700) < 0 && errno != EEXIST)
		return vn_fail(err, errno, "create the state directory of upper %s%s", path,
			       errno == EPERM ? " (inside another veneer, an upper in its union cannot "
						"hold veneer's reserved names: give one under /dev/shm)" : "");
	fd = openat(root, VN_STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vn_fail(err, errno, "open the state directory of upper %s", path);
	return fd;
}

static int make_work_dir(int state_fd, const char *path, struct vn_error *err)
{
	if (mkdirat(state_fd, "work", 0700) < 0 && errno != EEXIST)
		return vn_fail(err, errno, "create the work directory of upper %s", path);
	return 0;
}

static int take_lock(struct upper *up, int state_fd, struct vn_error *err)
{
	char pid[32];
	int fd = openat(state_fd, VN_STATE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return vn_fail(err, errno, "open the lock of upper %s", up->path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		n = pread(fd, pid, sizeof(pid) - 1, 0);
		close(fd);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (e == EWOULDBLOCK)
			return vn_fail(err, 0, "upper %s is in use by veneer pid %s; wait for it to "
				       "exit or give another --upper", up->path, pid[0] ? pid : "?");
		return vn_fail(err, e, "lock upper %s", up->path);
	}
	/* a holder that exits clears its pid: one left here crashed */
	n = pread(fd, pid, sizeof(pid) - 1, 0);
	pid[n > 0 ? n : 0] = '\0';
	pid[strcspn(pid, "\n")] = '\0';
	snprintf(up->stale_pid, sizeof(up->stale_pid), "%s", pid);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0) {
		close(fd);
		return vn_fail(err, errno, "record the lock holder of upper %s", up->path);
	}
	up->lock_fd = fd;
	return 0;
}

int upper_prepare(const char *path, struct upper *up, struct vn_error *err)
{
	cleanup_close int state_fd = -1;
	int r;

	up->fd = -1;
	up->tree = -1;
	up->lock_fd = -1;
	up->throwaway = false;
	up->created = !path || access(path, F_OK) < 0;
	up->path = NULL;
	if (!path) {
		if (make_throwaway(up, err) < 0)
			return -1;
	} else {
		up->path = strdup(path);
		if (!up->path)
			return vn_fail(err, 0, "out of memory");
		r = mkdir_p(path);
		if (r < 0)
			return vn_fail(err, -r, "create upper %s", path);
		up->fd = open(up->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (up->fd < 0)
			return vn_fail(err, errno, "open upper %s", up->path);
	}
	warn_if_shared(up);
	state_fd = open_state_dir(up->fd, up->path, err);
	if (state_fd < 0 || take_lock(up, state_fd, err) < 0 ||
	    make_work_dir(state_fd, up->path, err) < 0)
		return -1;
	/* The version is for a later run over this upper; a throwaway has
	 * none (no later run can read it). */
	if (up->throwaway)
		return 0;
	return write_version(state_fd, err);
}

int upper_init_state(int root, const char *path, struct vn_error *err)
{
	cleanup_close int state_fd = open_state_dir(root, path, err);

	if (state_fd < 0 || make_work_dir(state_fd, path, err) < 0)
		return -1;
	return write_version(state_fd, err);
}

void upper_release(struct upper *up)
{
	if (up->lock_fd >= 0) {
		/* on failure the next start reports a crash that was not */
		(void)!ftruncate(up->lock_fd, 0);
		close(up->lock_fd);
	}
	up->lock_fd = -1;
	if (up->fd >= 0)
		close(up->fd);
	up->fd = -1;
	if (up->tree >= 0)
		close(up->tree);
	up->tree = -1;
	free(up->path);
	up->path = NULL;
}
