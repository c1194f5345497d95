/* vt-without: run a command as on a kernel (or in a sandbox) without a
 * feature veneer's backends stand on.
 *
 * usage: vt-without landlock|listener COMMAND [ARG...]
 *
 * Installs a seccomp filter, then execs COMMAND.  Filters are inherited
 * and cannot be removed, so COMMAND and everything it starts lack the
 * feature.  The filter answers only with ALLOW or an errno: it is not a
 * listener (veneer may install its own below it), and a tracer's
 * SECCOMP_RET_TRACE below it is not shadowed.
 *   landlock  landlock_create_ruleset, landlock_add_rule and
 *             landlock_restrict_self fail with ENOSYS, as where Landlock
 *             is not built or not among the enabled LSMs;
 *   listener  seccomp(SECCOMP_SET_MODE_FILTER) with
 *             SECCOMP_FILTER_FLAG_NEW_LISTENER fails with EINVAL, as on a
 *             kernel that does not know the flag (before 5.0); filters
 *             without it still load.
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
#error "vt-without is x86-64 only"
#endif

#define NR_LANDLOCK_FIRST 444 /* landlock_create_ruleset */
#define NR_LANDLOCK_LAST 446  /* landlock_restrict_self */
/* the low 32 bits of an argument (x86-64 is little-endian) */
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (field))
#define RET(action) BPF_STMT(BPF_RET | BPF_K, (action))

int main(int argc, char **argv)
{
	struct sock_filter no_landlock[] = {
		LOAD(offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		RET(SECCOMP_RET_ALLOW),
		LOAD(offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, NR_LANDLOCK_FIRST, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, NR_LANDLOCK_LAST, 1, 0),
		RET(SECCOMP_RET_ERRNO | ENOSYS),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_filter no_listener[] = {
		LOAD(offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		RET(SECCOMP_RET_ALLOW),
		LOAD(offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 5),
		LOAD(ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_SET_MODE_FILTER, 0, 3),
		LOAD(ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0, 1),
		RET(SECCOMP_RET_ERRNO | EINVAL),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog;

	if (argc >= 3 && strcmp(argv[1], "landlock") == 0)
		prog = (struct sock_fprog){ sizeof(no_landlock) / sizeof(no_landlock[0]), no_landlock };
	else if (argc >= 3 && strcmp(argv[1], "listener") == 0)
		prog = (struct sock_fprog){ sizeof(no_listener) / sizeof(no_listener[0]), no_listener };
	else {
		fprintf(stderr, "usage: vt-without landlock|listener COMMAND [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		fprintf(stderr, "vt-without: install the filter: %s\n", strerror(errno));
		return 2;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "vt-without: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
