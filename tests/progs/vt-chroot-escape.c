/* vt-chroot-escape: the classic escape from a chroot with a kept
 * directory fd, step by step, so that the same run natively and inside
 * veneer can be compared line by line.
 *
 * usage: vt-chroot-escape [--pivot NEWROOT] START JAIL MARKER
 *   --pivot NEWROOT  first make NEWROOT the root of a fresh mount
 *                    namespace's tree (bind, pivot_root, detach the old
 *                    root): run under `unshare -rm`, this gives a native
 *                    process the kind of root veneer's view is, which no
 *                    chroot escape can leave
 *   START            chdir here and keep an fd on it
 *   JAIL             chroot here (a directory below START), then chdir /
 *   MARKER           an absolute path, read at each step
 *
 * Prints, one line each: MARKER inside the jail, getcwd after fchdir to
 * the kept fd, getcwd after 64 chdir(".."), MARKER read relative to that
 * cwd, then after chroot(".") and chdir("/") getcwd and MARKER again.
 * When /proc is there at the start, also what readlink of
 * proc/self/fd/N (relative to an fd on "/" kept from before the chroot)
 * says of MARKER opened before the chroot and of MARKER opened in the
 * jail, in the jail and after the escape: the kernel prints a path
 * relative to the reader's root, whole when the file lies outside it.
 * A file's content is printed as its first line, a failure as
 * "ERR:<ERRNO-NAME>".  A step that must not fail (chdir, open, chroot,
 * fchdir) ends the program with its error and exit status 1.
 *
 * Built static so that it runs inside a chroot holding nothing else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *err_name(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "UNKNOWN";
}

static void die(const char *what, const char *arg)
{
	printf("FAILED: %s %s: ERR:%s\n", what, arg, err_name(errno));
	exit(1);
}

/* the first line of path (or its errno name) after label */
static void show_file(const char *label, const char *path)
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		printf("%s: ERR:%s\n", label, err_name(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		printf("%s: ERR:%s\n", label, err_name(errno));
	} else {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		printf("%s: %s\n", label, buf);
	}
	close(fd);
}

static void show_cwd(const char *label)
{
	char cwd[PATH_MAX];

	/* the kernel prefixes "(unreachable)" to a cwd outside the root */
	if (syscall(SYS_getcwd, cwd, sizeof(cwd)) < 0)
		printf("%s: ERR:%s\n", label, err_name(errno));
	else
		printf("%s: %s\n", label, cwd);
}

/* an fd on path, or -errno */
static int open_or_errno(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* readlink of proc/self/fd/FD from the fd on the old root (FD: what
 * open_or_errno gave) */
static void show_fd_path(const char *label, int old_root, int fd)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	if (old_root < 0)
		return;
	if (fd < 0) {
		printf("%s: ERR:%s\n", label, err_name(-fd));
		return;
	}
	snprintf(link, sizeof(link), "proc/self/fd/%d", fd);
	n = readlinkat(old_root, link, target, sizeof(target) - 1);
	if (n < 0) {
		printf("%s: ERR:%s\n", label, err_name(errno));
		return;
	}
	target[n] = '\0';
	printf("%s: %s\n", label, target);
}

/* NEWROOT becomes the root of this mount namespace (pivot_root(2)'s
 * "pivot_root(".", ".")" recipe), so that ".." stops there for good */
static void pivot_into(const char *newroot)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("mount --make-rprivate", "/");
	if (mount(newroot, newroot, NULL, MS_BIND | MS_REC, NULL) < 0)
		die("mount --rbind", newroot);
	/* its /proc (when it has the directory), as veneer's sandbox has one */
	if (chdir(newroot) < 0)
		die("chdir", newroot);
	if (access("proc", F_OK) == 0 && mount("/proc", "proc", NULL, MS_BIND | MS_REC, NULL) < 0)
		die("mount --rbind /proc", "proc");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root", newroot);
	if (umount2(".", MNT_DETACH) < 0)
		die("umount the old root", ".");
	if (chdir("/") < 0)
		die("chdir", "/");
}

int main(int argc, char **argv)
{
	const char *start, *jail, *marker;
	int kept, old_root = -1, before = -1, inside = -1;

	if (argc == 6 && strcmp(argv[1], "--pivot") == 0) {
		pivot_into(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 4 || argv[3][0] != '/') {
		fprintf(stderr, "usage: vt-chroot-escape [--pivot NEWROOT] START JAIL /MARKER\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	start = argv[1];
	jail = argv[2];
	marker = argv[3];

	if (chdir(start) < 0)
		die("chdir", start);
	kept = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (kept < 0)
		die("open", ".");
	if (access("/proc/self/fd", F_OK) == 0) {
		old_root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (old_root < 0)
			die("open", "/");
		before = open_or_errno(marker);
	}
	if (chroot(jail) < 0)
		die("chroot", jail);
	if (chdir("/") < 0)
		die("chdir", "/");
	show_file("in the jail", marker);
	if (old_root >= 0)
		inside = open_or_errno(marker);
	show_fd_path("fd opened before the chroot", old_root, before);
	show_fd_path("fd opened in the jail", old_root, inside);
	if (fchdir(kept) < 0)
		die("fchdir", "the kept fd");
	show_cwd("cwd at the kept fd");
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			die("chdir", "..");
	show_cwd("cwd after climbing");
	show_file("relative after climbing", marker + 1);
	if (chroot(".") < 0)
		die("chroot", ".");
	if (chdir("/") < 0)
		die("chdir", "/");
	show_cwd("cwd after chroot(.)");
	show_file("escaped", marker);
	show_fd_path("fd opened in the jail, after the escape", old_root, inside);
	return 0;
}
