/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's answer for ids our user namespace does not map.  The kernel
 * shows a file's owner through the user namespace of whoever asks, so a
 * small helper forked before the supervisor leaves the host's namespace
 * keeps asking from there: it gets an fd (a layer object, from our side)
 * and a name, stats it without following symlinks, and says who owns it.
 * It only ever stats what it is handed, and exits with the supervisor.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostids.h"

struct owner_reply {
	int32_t err;
	uint32_t uid, gid;
};

union fd_control {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

/* A directory's owners go in messages of at most this many entries (a
 * socket message must fit the socket's buffer); `more` says one follows. */
#define DIR_CHUNK 4096

struct dir_reply {
	int32_t err;
	uint32_t count;
	uint32_t more;
	struct vn_host_owner entries[DIR_CHUNK];
};

static void send_dir_chunk(int sock, struct dir_reply *reply)
{
	if (send(sock, reply, offsetof(struct dir_reply, entries) + reply->count * sizeof(reply->entries[0]),
		 MSG_NOSIGNAL) < 0)
		_exit(0);
	reply->count = 0;
}

/* "E" + NAME: the owner of fd/NAME ("" for fd itself). */
static void answer_entry(int sock, int fd, const char *name)
{
	struct owner_reply reply = { .err = EBADMSG };
	struct stat st;

	/* one name of the directory fd: never a path, never "." or ".." */
	if (fd >= 0 && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
		int flags = AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH);

		reply.err = fstatat(fd, name, &st, flags) < 0 ? errno : 0;
		reply.uid = st.st_uid;
		reply.gid = st.st_gid;
	}
	if (send(sock, &reply, sizeof(reply), MSG_NOSIGNAL) < 0)
		_exit(0);
}

/* "D": the owners of the entries of the directory fd. */
static void answer_dir(int sock, int fd, struct dir_reply *reply)
{
	int dup_fd = fd >= 0 ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *de;

	reply->err = d ? 0 : fd < 0 ? EBADMSG : errno;
	reply->count = 0;
	reply->more = 1;
	while (d && (de = readdir(d))) {
		struct vn_host_owner *e = &reply->entries[reply->count];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		*e = (struct vn_host_owner){ st.st_dev, st.st_ino, st.st_uid, st.st_gid };
		if (++reply->count == DIR_CHUNK)
			send_dir_chunk(sock, reply);
	}
	if (d)
		closedir(d);
	else if (dup_fd >= 0)
		close(dup_fd);
	reply->more = 0;
	send_dir_chunk(sock, reply);
}

static void serve(int sock)
{
	static struct dir_reply dir_reply;

	for (;;) {
		char req[NAME_MAX + 3];
		union fd_control control = { 0 };
		struct iovec iov = { req, sizeof(req) - 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
		struct cmsghdr *cmsg;
		ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		int fd = -1;

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			_exit(0); /* the supervisor is gone */
		}
		cmsg = CMSG_FIRSTHDR(&msg);
		if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
		req[n] = '\0';
		if (req[0] == 'D')
			answer_dir(sock, fd, &dir_reply);
		else
			answer_entry(sock, fd, req + 1);
		if (fd >= 0)
			close(fd);
	}
}

int host_ids_start(struct host_ids *h)
{
	int sv[2];
	pid_t parent = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	h->pid = fork();
	if (h->pid < 0) {
		int err = errno;

		close(sv[0]);
		close(sv[1]);
		return -err;
	}
	if (h->pid == 0) {
		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "veneer-ids");
		if (getppid() != parent)
			_exit(0);
		/* nothing of ours stays open in the helper but its socket */
		if (sv[1] > 3)
			syscall(SYS_close_range, 3, sv[1] - 1, 0);
		syscall(SYS_close_range, sv[1] + 1, ~0U, 0);
		serve(sv[1]);
	}
	close(sv[1]);
	h->sock = sv[0];
	h->cpu = -1;
	pthread_mutex_init(&h->lock, NULL);
	return 0;
}

void host_ids_stop(struct host_ids *h)
{
	if (h->sock < 0)
		return;
	close(h->sock);
	h->sock = -1;
	waitpid(h->pid, NULL, 0);
	pthread_mutex_destroy(&h->lock);
}

/* Keep the helper on the asking worker's CPU.  Woken anywhere, the
 * scheduler puts it on the idle CPU if there is one, and waking an idle
 * CPU (and the asker again on the way back) costs tens of microseconds in
 * a VM: a presented walk's first getdents took 320 us against 84 us with
 * the other CPU kept busy.  On the asker's CPU the helper runs as soon as
 * the asker waits for it.  Called with the lock held; a failure only
 * leaves the helper where the scheduler puts it. */
static void keep_helper_near(struct host_ids *h)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0 || cpu == h->cpu)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(h->pid, sizeof(set), &set) == 0)
		h->cpu = cpu;
}

/* Send a request ("E" + name, or "D") with the fd; the reply goes to buf. */
static int send_request(struct host_ids *h, int dirfd, const char *req)
{
	union fd_control control = { 0 };
	struct iovec iov = { (void *)req, strlen(req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &dirfd, sizeof(int));
	keep_helper_near(h);
	return sendmsg(h->sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static ssize_t ask(struct host_ids *h, int dirfd, const char *req, void *buf, size_t size)
{
	int r = send_request(h, dirfd, req);
	ssize_t n;

	if (r < 0)
		return r;
	n = recv(h->sock, buf, size, 0);
	return n < 0 ? -errno : n;
}

int host_ids_owner(void *arg, int dirfd, const char *name, uid_t *uid, gid_t *gid)
{
	struct host_ids *h = arg;
	struct owner_reply reply;
	char req[NAME_MAX + 2];
	ssize_t n;

	if (snprintf(req, sizeof(req), "E%s", name) >= (int)sizeof(req))
		return -ENAMETOOLONG;
	pthread_mutex_lock(&h->lock);
	n = ask(h, dirfd, req, &reply, sizeof(reply));
	pthread_mutex_unlock(&h->lock);
	if (n < 0)
		return (int)n;
	if (n != (ssize_t)sizeof(reply))
		return -EIO;
	if (reply.err)
		return -reply.err;
	*uid = reply.uid;
	*gid = reply.gid;
	return 0;
}

/* Append one message of a directory's owners to *out; 1 when another
 * follows, 0 after the last, -errno. */
static int take_dir_chunk(struct host_ids *h, struct dir_reply *reply, struct vn_host_owner **out,
			  size_t *n)
{
	ssize_t got = recv(h->sock, reply, sizeof(*reply), 0);
	struct vn_host_owner *grown;

	if (got < (ssize_t)offsetof(struct dir_reply, entries))
		return got < 0 ? -errno : -EIO;
	if (reply->err)
		return -reply->err;
	if (reply->count > DIR_CHUNK ||
	    (size_t)got != offsetof(struct dir_reply, entries) + reply->count * sizeof(**out))
		return -EIO;
	grown = realloc(*out, (*n + reply->count) * sizeof(**out) + 1);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + *n, reply->entries, reply->count * sizeof(**out));
	*out = grown;
	*n += reply->count;
	return reply->more ? 1 : 0;
}

int host_ids_dir_owners(void *arg, int dirfd, struct vn_host_owner **out)
{
	struct host_ids *h = arg;
	struct dir_reply *reply = malloc(sizeof(*reply));
	size_t n = 0;
	int r;

	*out = NULL;
	if (!reply)
		return -ENOMEM;
	pthread_mutex_lock(&h->lock);
	/* the request, then every message of the answer, under one lock */
	r = send_request(h, dirfd, "D");
	if (r == 0)
		r = 1;
	while (r == 1)
		r = take_dir_chunk(h, reply, out, &n);
	/* out of memory mid-answer: the rest of it must not meet the next ask */
	while (r == -ENOMEM && reply->more && recv(h->sock, reply, sizeof(*reply), 0) > 0)
		;
	pthread_mutex_unlock(&h->lock);
	free(reply);
	if (r < 0) {
		free(*out);
		*out = NULL;
		return r;
	}
	return (int)n;
}
