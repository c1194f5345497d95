/* vt-bypass: probe kernel interfaces that reach files without passing a
 * path through the usual calls.
 *
 * usage: vt-bypass io_uring
 *          prints "io_uring_setup=FD" or "io_uring_setup=-ERRNO-NAME"
 *        vt-bypass handle PATH
 *          prints the file handle of PATH as "TYPE:HEX" (for use later)
 *          or "name_to_handle_at=-ERRNO-NAME"
 *        vt-bypass open-handle MOUNT-PATH TYPE:HEX
 *          open_by_handle_at(open(MOUNT-PATH), handle, O_RDONLY); prints
 *          "open_by_handle_at=-ERRNO-NAME", or on success
 *          "open_by_handle_at=OK:" followed by the first line read
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report_err(const char *what, int err)
{
	const char *name = strerrorname_np(err);

	printf("%s=-%s\n", what, name ? name : "UNKNOWN");
}

static int probe_io_uring(void)
{
	struct io_uring_params params;
	long fd;

	memset(&params, 0, sizeof(params));
	fd = syscall(SYS_io_uring_setup, 4, &params);
	if (fd < 0)
		report_err("io_uring_setup", errno);
	else
		printf("io_uring_setup=%ld\n", fd);
	return 0;
}

static int get_handle(const char *path)
{
	struct file_handle *fh;
	int mount_id;

	fh = calloc(1, sizeof(*fh) + MAX_HANDLE_SZ);
	if (!fh)
		return 2;
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, fh, &mount_id, 0) != 0) {
		report_err("name_to_handle_at", errno);
		free(fh);
		return 0;
	}
	printf("%d:", fh->handle_type);
	for (unsigned int i = 0; i < fh->handle_bytes; i++)
		printf("%02x", fh->f_handle[i]);
	printf("\n");
	free(fh);
	return 0;
}

static int open_handle(const char *mount_path, const char *spec)
{
	struct file_handle *fh;
	const char *hex;
	char *end;
	char line[256];
	ssize_t n;
	size_t len;
	int mfd, fd;
	long type;

	type = strtol(spec, &end, 10);
	if (*end != ':')
		return 2;
	hex = end + 1;
	len = strlen(hex);
	if (len % 2 != 0 || len / 2 > MAX_HANDLE_SZ)
		return 2;
	fh = calloc(1, sizeof(*fh) + MAX_HANDLE_SZ);
	if (!fh)
		return 2;
	fh->handle_type = (int)type;
	fh->handle_bytes = (unsigned int)(len / 2);
	for (size_t i = 0; i < len / 2; i++) {
		char byte[3] = { hex[2 * i], hex[2 * i + 1], 0 };

		fh->f_handle[i] = (unsigned char)strtoul(byte, NULL, 16);
	}
	mfd = open(mount_path, O_RDONLY | O_CLOEXEC);
	if (mfd < 0) {
		report_err("open_mount_path", errno);
		free(fh);
		return 0;
	}
	fd = open_by_handle_at(mfd, fh, O_RDONLY);
	if (fd < 0) {
		report_err("open_by_handle_at", errno);
	} else {
		n = read(fd, line, sizeof(line) - 1);
		line[n > 0 ? n : 0] = 0;
		line[strcspn(line, "\n")] = 0;
		printf("open_by_handle_at=OK:%s\n", line);
		close(fd);
	}
	close(mfd);
	free(fh);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	if (argc == 2 && strcmp(argv[1], "io_uring") == 0)
		rc = probe_io_uring();
	else if (argc == 3 && strcmp(argv[1], "handle") == 0)
		rc = get_handle(argv[2]);
	else if (argc == 4 && strcmp(argv[1], "open-handle") == 0)
		rc = open_handle(argv[2], argv[3]);
	if (rc == 2)
		fprintf(stderr, "usage: vt-bypass io_uring | handle PATH | "
				"open-handle MOUNT-PATH TYPE:HEX\n");
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
