/* vt-nolandlock: run a command as on a kernel without Landlock.
 *
 * usage: vt-nolandlock COMMAND [ARG...]
 *
 * Installs a seccomp filter under which landlock_create_ruleset,
 * landlock_add_rule and landlock_restrict_self fail with ENOSYS, as they
 * do where Landlock is not built or not among the enabled LSMs, then
 * execs COMMAND.  Filters are inherited and cannot be removed, so
 * COMMAND and everything it starts see no Landlock.  A filter that
 * answers with an errno is not a listener: veneer may still install its
 * own below it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "vt-nolandlock is x86-64 only"
#endif

#define NR_LANDLOCK_FIRST 444 /* landlock_create_ruleset */
#define NR_LANDLOCK_LAST 446  /* landlock_restrict_self */

int main(int argc, char **argv)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, NR_LANDLOCK_FIRST, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, NR_LANDLOCK_LAST, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	if (argc < 2) {
		fprintf(stderr, "usage: vt-nolandlock COMMAND [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		fprintf(stderr, "vt-nolandlock: install the filter: %s\n", strerror(errno));
		return 2;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "vt-nolandlock: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
