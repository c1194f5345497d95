/* SPDX-License-Identifier: Apache-2.0 */
/* The main seccomp filter, built in the supervisor before init exists:
 * run through a classic-BPF interpreter, it answers each kind of call as
 * init's filter always has (trapped, denied with its errno, allowed), and
 * the same rules always give the same program. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <criterion/criterion.h>
#include <sys/prctl.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "tracee/tracee.h"

static const int trapped[] = { __NR_openat, __NR_newfstatat, __NR_execve, __NR_getdents64 };

static struct tracee_filter built(void)
{
	struct tracee_filter f;

	cr_assert_eq(tracee_build_filter(&(struct tracee_filter_spec){ .trapped = trapped, .ntrapped = sizeof(trapped) / sizeof(trapped[0]) }, &f), 0);
	cr_assert(f.insns && f.len > 0 && f.len <= BPF_MAXINSNS);
	return f;
}

/* The subset of classic BPF a seccomp program may use. */
static uint32_t run(const struct tracee_filter *f, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	unsigned pc = 0;

	for (unsigned steps = 0; steps < 4096; steps++) {
		const struct sock_filter *i;
		uint32_t src;

		cr_assert_lt(pc, f->len, "ran off the end of the program");
		i = &f->insns[pc++];
		src = BPF_SRC(i->code) == BPF_X ? x : i->k;
		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
			if (BPF_MODE(i->code) == BPF_ABS) {
				cr_assert(i->k % 4 == 0 && i->k + 4 <= sizeof(*d), "bad load at %u", pc - 1);
				memcpy(&a, (const char *)d + i->k, 4);
			} else if (BPF_MODE(i->code) == BPF_MEM) {
				a = mem[i->k];
			} else if (BPF_MODE(i->code) == BPF_IMM) {
				a = i->k;
			} else {
				cr_assert_fail("load mode %#x", i->code);
			}
			break;
		case BPF_LDX:
			x = BPF_MODE(i->code) == BPF_MEM ? mem[i->k] : i->k;
			break;
		case BPF_ST:
			mem[i->k] = a;
			break;
		case BPF_STX:
			mem[i->k] = x;
			break;
		case BPF_ALU:
			switch (BPF_OP(i->code)) {
			case BPF_AND: a &= src; break;
			case BPF_OR: a |= src; break;
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_RSH: a >>= src; break;
			case BPF_LSH: a <<= src; break;
			default: cr_assert_fail("alu op %#x", i->code);
			}
			break;
		case BPF_JMP:
			if (BPF_OP(i->code) == BPF_JA) {
				pc += i->k;
				break;
			}
			{
				bool taken = BPF_OP(i->code) == BPF_JEQ ? a == src :
					     BPF_OP(i->code) == BPF_JGT ? a > src :
					     BPF_OP(i->code) == BPF_JGE ? a >= src :
					     BPF_OP(i->code) == BPF_JSET ? (a & src) != 0 : false;

				cr_assert(BPF_OP(i->code) == BPF_JEQ || BPF_OP(i->code) == BPF_JGT ||
					  BPF_OP(i->code) == BPF_JGE || BPF_OP(i->code) == BPF_JSET,
					  "jump op %#x", i->code);
				pc += taken ? i->jt : i->jf;
			}
			break;
		case BPF_RET:
			return BPF_RVAL(i->code) == BPF_A ? a : i->k;
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			cr_assert_fail("instruction %#x", i->code);
		}
	}
	cr_assert_fail("the program loops");
	return 0;
}

static uint32_t verdict(const struct tracee_filter *f, uint32_t arch, int nr, uint64_t arg1)
{
	struct seccomp_data d = { .nr = nr, .arch = arch };

	d.args[1] = arg1;
	return run(f, &d);
}

static uint32_t verdict0(const struct tracee_filter *f, int nr, uint64_t arg0, uint64_t arg1)
{
	struct seccomp_data d = { .nr = nr, .arch = AUDIT_ARCH_X86_64 };

	d.args[0] = arg0;
	d.args[1] = arg1;
	return run(f, &d);
}

static uint32_t verdict_args(const struct tracee_filter *f, int nr, int arg, uint64_t value)
{
	struct seccomp_data d = { .nr = nr, .arch = AUDIT_ARCH_X86_64 };

	d.args[arg] = value;
	return run(f, &d);
}

Test(filter, traps_exactly_the_decoders_calls)
{
	struct tracee_filter f = built();

	for (size_t i = 0; i < sizeof(trapped) / sizeof(trapped[0]); i++)
		cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, trapped[i], 0), SECCOMP_RET_USER_NOTIF,
			     "syscall %d is not trapped", trapped[i]);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_getpid, 0), SECCOMP_RET_ALLOW);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_read, 0), SECCOMP_RET_ALLOW);
	tracee_filter_free(&f);
	cr_assert_null(f.insns);
}

Test(filter, denies_bypasses_with_their_errno)
{
	struct tracee_filter f = built();

	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_io_uring_setup, 0), SECCOMP_RET_ERRNO | ENOSYS);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_open_by_handle_at, 0), SECCOMP_RET_ERRNO | EPERM);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_name_to_handle_at, 0),
		     SECCOMP_RET_ERRNO | EOPNOTSUPP);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_mount, 0), SECCOMP_RET_ERRNO | EPERM);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_keyctl, 0), SECCOMP_RET_ERRNO | ENOSYS);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, 464 /* getxattrat */, 0), SECCOMP_RET_ERRNO | ENOSYS);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, 467 /* open_tree_attr */, 0), SECCOMP_RET_ERRNO | EPERM);
	/* an ioctl's command compares as 32 bits */
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_ioctl, TIOCSTI), SECCOMP_RET_ERRNO | EPERM);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_ioctl, 0xffffffff00000000ull | TIOCSTI),
		     SECCOMP_RET_ERRNO | EPERM);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_ioctl, TIOCLINUX), SECCOMP_RET_ERRNO | EPERM);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_ioctl, TCGETS), SECCOMP_RET_ALLOW);
	/* another architecture: ENOSYS, not allowed */
	cr_assert_eq(verdict(&f, AUDIT_ARCH_I386, __NR_getpid, 0), SECCOMP_RET_ERRNO | ENOSYS);
	tracee_filter_free(&f);
}

Test(filter, same_rules_same_program)
{
	struct tracee_filter a = built(), b = built();

	cr_assert_eq(a.len, b.len);
	cr_assert_eq(memcmp(a.insns, b.insns, a.len * sizeof(*a.insns)), 0);
	tracee_filter_free(&a);
	tracee_filter_free(&b);
}

/* Without a view (notify-hostroot), the calls the kernel walks a path for
 * go to the tracer; the rest are notified as ever. */
Test(filter, redirected_calls_go_to_the_tracer)
{
	static const int notified[] = { __NR_stat, __NR_getcwd };
	static const int traced[] = { __NR_execve, __NR_chdir };
	static const struct tracee_split split[] = { { __NR_openat, 2, O_PATH } };
	struct tracee_filter f;

	cr_assert_eq(tracee_build_filter(&(struct tracee_filter_spec){ .trapped = notified, .ntrapped = 2, .traced = traced, .ntraced = 2, .split = split, .nsplit = 1 }, &f), 0);
	/* an O_PATH open is the tracer's, any other the listener's */
	cr_assert_eq(verdict_args(&f, __NR_openat, 2, O_PATH | O_NOFOLLOW), SECCOMP_RET_TRACE);
	cr_assert_eq(verdict_args(&f, __NR_openat, 2, O_RDONLY | O_CLOEXEC), SECCOMP_RET_USER_NOTIF);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_execve, 0), SECCOMP_RET_TRACE);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_chdir, 0), SECCOMP_RET_TRACE);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_getcwd, 0), SECCOMP_RET_USER_NOTIF);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_getpid, 0), SECCOMP_RET_ALLOW);
	/* and nothing leaves the tracer or changes file attributes by ioctl */
	cr_assert_eq(verdict0(&f, __NR_clone, CLONE_UNTRACED | SIGCHLD, 0), SECCOMP_RET_ERRNO | EPERM);
	cr_assert_eq(verdict0(&f, __NR_clone, SIGCHLD, 0), SECCOMP_RET_ALLOW);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_clone3, 0), SECCOMP_RET_ERRNO | ENOSYS);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_ioctl, FS_IOC_SETFLAGS), SECCOMP_RET_ERRNO | EPERM);
	tracee_filter_free(&f);
}

/* The ptrace backend traces every call; nested under another listener it
 * traps them with SIGSYS instead, and lets a reissuable one pass only
 * with the cookie in its sixth argument (a change never). */
Test(filter, nested_mode_traps_and_lets_the_cookie_pass)
{
	static const int traced[] = { __NR_openat, __NR_execve, __NR_chmod };
	static const int reissuable[] = { __NR_openat, __NR_execve };
	const uint64_t cookie = 0x1234567890abcdefull;
	struct tracee_trap trap = { .cookie = cookie, .reissuable = reissuable, .nreissuable = 2 };
	struct tracee_filter f;

	cr_assert_eq(tracee_build_filter(&(struct tracee_filter_spec){ .traced = traced, .ntraced = 3 }, &f), 0);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_openat, 0), SECCOMP_RET_TRACE);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_getpid, 0), SECCOMP_RET_ALLOW);
	tracee_filter_free(&f);

	cr_assert_eq(tracee_build_filter(&(struct tracee_filter_spec){ .traced = traced, .ntraced = 3, .trap = &trap }, &f), 0);
	cr_assert_eq(verdict_args(&f, __NR_openat, 5, 0), SECCOMP_RET_TRAP);
	cr_assert_eq(verdict_args(&f, __NR_openat, 5, cookie), SECCOMP_RET_ALLOW);
	/* both halves are compared */
	cr_assert_eq(verdict_args(&f, __NR_openat, 5, cookie & 0xffffffffull), SECCOMP_RET_TRAP);
	cr_assert_eq(verdict_args(&f, __NR_openat, 5, cookie & ~0xffffffffull), SECCOMP_RET_TRAP);
	cr_assert_eq(verdict_args(&f, __NR_execve, 5, cookie), SECCOMP_RET_ALLOW);
	/* a rerun open passes only when it can neither write nor make a file */
	{
		struct seccomp_data d = { .nr = __NR_openat, .arch = AUDIT_ARCH_X86_64 };

		d.args[5] = cookie;
		d.args[2] = O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW;
		cr_assert_eq(run(&f, &d), SECCOMP_RET_ALLOW);
		for (int fl = 0; fl < 5; fl++) {
			static const int writes[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_TMPFILE | O_RDWR };

			d.args[2] = (uint64_t)writes[fl];
			cr_assert_eq(run(&f, &d), SECCOMP_RET_TRAP, "openat flags %#x passed", writes[fl]);
		}
	}
	cr_assert_eq(verdict_args(&f, __NR_chmod, 5, cookie), SECCOMP_RET_TRAP);
	cr_assert_eq(verdict_args(&f, __NR_chmod, 5, 0), SECCOMP_RET_TRAP);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_X86_64, __NR_getpid, 0), SECCOMP_RET_ALLOW);
	cr_assert_eq(verdict0(&f, __NR_clone, CLONE_UNTRACED | SIGCHLD, 0), SECCOMP_RET_ERRNO | EPERM);
	/* no listener of the target's own, which would take the traced calls */
	cr_assert_eq(verdict0(&f, __NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER),
		     SECCOMP_RET_ERRNO | EBUSY);
	cr_assert_eq(verdict0(&f, __NR_seccomp, SECCOMP_SET_MODE_FILTER, 0), SECCOMP_RET_ALLOW);
	/* nor a process its supervisor could not read */
	cr_assert_eq(verdict0(&f, __NR_prctl, PR_SET_DUMPABLE, 0), SECCOMP_RET_ERRNO | EPERM);
	cr_assert_eq(verdict0(&f, __NR_prctl, PR_SET_DUMPABLE, 1), SECCOMP_RET_ALLOW);
	tracee_filter_free(&f);
}
