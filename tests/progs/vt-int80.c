/* vt-int80: try file system calls through the other x86 ABIs from a
 * 64-bit process.
 *
 * usage: vt-int80 PATH MKDIR-PATH
 *
 * Prints one line per attempt, "NAME=RESULT", where RESULT is the
 * return value when it is >= 0 and "-ERRNO-NAME" otherwise:
 *   int80_open    open(PATH, O_RDONLY) through int $0x80 (i386 ABI)
 *   int80_mkdir   mkdir(MKDIR-PATH, 0755) through int $0x80
 *   int80_getpid  getpid() through int $0x80 (any i386 call)
 *   x32_open      open(PATH) with __X32_SYSCALL_BIT set
 *   x32_mkdir     mkdir(MKDIR-PATH) with __X32_SYSCALL_BIT set
 * int $0x80 only takes 32-bit pointers, so the strings are copied into
 * memory mapped below 4 GiB (MAP_32BIT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "vt-int80 is x86-64 only"
#endif

#define I386_NR_OPEN 5
#define I386_NR_GETPID 20
#define I386_NR_MKDIR 39
#define X32_BIT 0x40000000L

static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

static void report(const char *what, long ret)
{
	if (ret >= 0) {
		printf("%s=%ld\n", what, ret);
	} else {
		const char *name = strerrorname_np((int)-ret);

		printf("%s=-%s\n", what, name ? name : "UNKNOWN");
	}
}

static long raw_syscall(long nr, long a, long b, long c)
{
	long ret = syscall(nr, a, b, c);

	return ret < 0 ? -(long)errno : ret;
}

int main(int argc, char **argv)
{
	char *low;
	size_t l1, l2;

	if (argc != 3) {
		fprintf(stderr, "usage: vt-int80 PATH MKDIR-PATH\n");
		return 2;
	}
	l1 = strlen(argv[1]) + 1;
	l2 = strlen(argv[2]) + 1;
	if (l1 + l2 > 4096) {
		fprintf(stderr, "vt-int80: paths too long\n");
		return 2;
	}
	low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED) {
		perror("vt-int80: mmap");
		return 2;
	}
	memcpy(low, argv[1], l1);
	memcpy(low + l1, argv[2], l2);

	report("int80_open", int80(I386_NR_OPEN, (long)low, 0, 0));
	report("int80_mkdir", int80(I386_NR_MKDIR, (long)(low + l1), 0755, 0));
	report("int80_getpid", int80(I386_NR_GETPID, 0, 0, 0));
	report("x32_open", raw_syscall(X32_BIT | SYS_open, (long)low, 0, 0));
	report("x32_mkdir",
	       raw_syscall(X32_BIT | SYS_mkdir, (long)(low + l1), 0755, 0));
	return fflush(stdout) == 0 ? 0 : 1;
}
