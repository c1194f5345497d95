/* vt-sysnr: issue system calls by number, including ones newer than the
 * C library and libseccomp of Debian 12 know.
 *
 * usage: vt-sysnr nr N...
 *          syscall(N) with all-zero arguments, for each N;
 *          prints "N=RESULT"
 *        vt-sysnr fchmodat2 PATH OCTAL-MODE
 *          fchmodat2(AT_FDCWD, PATH, MODE, 0)   (Linux 6.6, nr 452)
 *        vt-sysnr setxattrat PATH
 *          setxattrat(AT_FDCWD, PATH, 0, "user.veneer-test", {"x", 1})
 *                                               (Linux 6.13, nr 463)
 * RESULT is the return value when >= 0, else "-ERRNO-NAME".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NR_FCHMODAT2 452L
#define NR_SETXATTRAT 463L

struct vt_xattr_args {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

static void report(const char *what, long ret, int err)
{
	if (ret >= 0) {
		printf("%s=%ld\n", what, ret);
	} else {
		const char *name = strerrorname_np(err);

		printf("%s=-%s\n", what, name ? name : "UNKNOWN");
	}
}

int main(int argc, char **argv)
{
	long ret;

	if (argc >= 3 && strcmp(argv[1], "nr") == 0) {
		for (int i = 2; i < argc; i++) {
			char *end;
			long nr = strtol(argv[i], &end, 0);

			if (*end != 0 || nr < 0) {
				fprintf(stderr, "vt-sysnr: bad number %s\n",
					argv[i]);
				return 2;
			}
			ret = syscall(nr, 0L, 0L, 0L, 0L, 0L, 0L);
			report(argv[i], ret, errno);
		}
	} else if (argc == 4 && strcmp(argv[1], "fchmodat2") == 0) {
		long mode = strtol(argv[3], NULL, 8);

		ret = syscall(NR_FCHMODAT2, (long)AT_FDCWD, argv[2], mode, 0L);
		report("fchmodat2", ret, errno);
	} else if (argc == 3 && strcmp(argv[1], "setxattrat") == 0) {
		static const char value[] = "x";
		struct vt_xattr_args args = {
			.value = (uint64_t)(uintptr_t)value,
			.size = 1,
			.flags = 0,
		};

		ret = syscall(NR_SETXATTRAT, (long)AT_FDCWD, argv[2], 0L,
			      "user.veneer-test", &args, (long)sizeof(args));
		report("setxattrat", ret, errno);
	} else {
		fprintf(stderr, "usage: vt-sysnr nr N... | fchmodat2 PATH MODE"
				" | setxattrat PATH\n");
		return 2;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
