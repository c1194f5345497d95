/* vt-read: print the contents of files, or the errno name of the failure.
 *
 * usage: vt-read [-l] [-C DIR] [-a DIR] PATH...
 *   -l      label: print "PATH => " before each file's output
 *   -C DIR  chdir(DIR) first (so relative PATHs with ".." start there)
 *   -a DIR  open DIR and resolve each PATH with openat() relative to it;
 *           "@FD@" in a PATH is replaced by that descriptor's number
 *           (for paths like /proc/self/fd/@FD@/name)
 *
 * For each PATH the output is the file's bytes as they are, or one line
 * "ERR:<ERRNO-NAME>" (for example "ERR:ENOENT").  The exit status is 0
 * unless the arguments are wrong, so the caller judges the output.
 *
 * Built static so that it runs inside a union whose only layers are the
 * ones a test built (no libc, no loader in them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_err(int err)
{
	const char *name = strerrorname_np(err);

	printf("ERR:%s\n", name ? name : "UNKNOWN");
}

static void dump(int dirfd, const char *arg, int label)
{
	char buf[65536], path[4096];
	const char *at;
	ssize_t n;
	int fd;

	at = strstr(arg, "@FD@");
	if (at && dirfd != AT_FDCWD)
		snprintf(path, sizeof(path), "%.*s%d%s", (int)(at - arg), arg,
			 dirfd, at + 4);
	else
		snprintf(path, sizeof(path), "%s", arg);
	if (label)
		printf("%s => ", arg);
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		print_err(errno);
		return;
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fflush(stdout);
			print_err(errno);
			break;
		}
		if (n == 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	int dirfd = AT_FDCWD;
	int label = 0;
	int opt;

	while ((opt = getopt(argc, argv, "+lC:a:")) != -1) {
		switch (opt) {
		case 'l':
			label = 1;
			break;
		case 'C':
			if (chdir(optarg) != 0) {
				printf("chdir:");
				print_err(errno);
				return 1;
			}
			break;
		case 'a':
			dirfd = open(optarg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dirfd < 0) {
				printf("opendir:");
				print_err(errno);
				return 1;
			}
			break;
		default:
			fprintf(stderr, "usage: vt-read [-l] [-C DIR] [-a DIR] PATH...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: vt-read [-l] [-C DIR] [-a DIR] PATH...\n");
		return 2;
	}
	for (int i = optind; i < argc; i++)
		dump(dirfd, argv[i], label);
	return fflush(stdout) == 0 ? 0 : 1;
}
