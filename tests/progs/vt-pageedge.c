/* vt-pageedge: pass a path that ends exactly at the end of a mapped page
 * whose next page is unmapped.
 *
 * usage: vt-pageedge PATH
 *
 * Prints:
 *   open=FIRST-LINE     open(PATH) with the NUL as the page's last byte,
 *                       then the first line of the file (or -ERRNO-NAME)
 *   stat=SIZE           stat(PATH) from the same place (or -ERRNO-NAME)
 *   nonul=-ERRNO-NAME   the same bytes without the NUL, so the string
 *                       runs into the unmapped page (the kernel: EFAULT)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void report_err(const char *what, int err)
{
	const char *name = strerrorname_np(err);

	printf("%s=-%s\n", what, name ? name : "UNKNOWN");
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	char line[512];
	struct stat st;
	size_t len;
	char *map, *p;
	ssize_t n;
	int fd;

	if (argc != 2 || page <= 0) {
		fprintf(stderr, "usage: vt-pageedge PATH\n");
		return 2;
	}
	len = strlen(argv[1]);
	if (len + 1 > (size_t)page) {
		fprintf(stderr, "vt-pageedge: path too long\n");
		return 2;
	}
	map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || munmap(map + page, (size_t)page) != 0) {
		perror("vt-pageedge: mmap");
		return 2;
	}

	/* "PATH\0" with the NUL on the last byte of the mapped page */
	p = map + page - (long)(len + 1);
	memcpy(p, argv[1], len + 1);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		report_err("open", errno);
	} else {
		n = read(fd, line, sizeof(line) - 1);
		line[n > 0 ? n : 0] = 0;
		line[strcspn(line, "\n")] = 0;
		printf("open=%s\n", line);
		close(fd);
	}
	if (stat(p, &st) != 0)
		report_err("stat", errno);
	else
		printf("stat=%lld\n", (long long)st.st_size);

	/* "PATH" with its last byte on the last mapped byte: no NUL */
	p = map + page - (long)len;
	memmove(p, argv[1], len);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		report_err("nonul", errno);
	} else {
		printf("nonul=%d\n", fd);
		close(fd);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
