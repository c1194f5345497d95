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

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include "calls/calls.h"
#include "tracee/bpf.h"
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

/* ------------------------------------------------ against libseccomp */

/* The same rules compiled by libseccomp (what built the filter before
 * tracee/bpf.c), exported as BPF. */
static struct tracee_filter by_libseccomp(const struct bpf_rules *rules)
{
	scmp_filter_ctx ctx = seccomp_init(rules->default_action);
	struct tracee_filter f = { 0 };
	int memfd = memfd_create("reference", MFD_CLOEXEC);
	off_t size;

	cr_assert(ctx && memfd >= 0);
	cr_assert_eq(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, rules->badarch_action), 0);
	cr_assert_eq(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), 0);
	for (size_t i = 0; i < rules->n; i++) {
		const struct bpf_rule *r = &rules->rules[i];
		struct scmp_arg_cmp a[BPF_RULE_CMP_MAX];

		for (unsigned c = 0; c < r->ncmp; c++) {
			const struct bpf_cmp *b = &r->cmp[c];

			a[c] = (struct scmp_arg_cmp){ .arg = b->arg };
			if (b->op == BPF_CMP_MASKED_EQ) {
				a[c].op = SCMP_CMP_MASKED_EQ;
				a[c].datum_a = b->mask;
				a[c].datum_b = b->value;
			} else {
				a[c].op = b->op == BPF_CMP_EQ ? SCMP_CMP_EQ : SCMP_CMP_NE;
				a[c].datum_a = b->value;
			}
		}
		cr_assert_eq(seccomp_rule_add_array(ctx, r->action, r->nr, r->ncmp, a), 0,
			     "libseccomp refused rule %zu (nr %d)", i, r->nr);
	}
	cr_assert_eq(seccomp_export_bpf(ctx, memfd), 0);
	size = lseek(memfd, 0, SEEK_END);
	f.insns = malloc((size_t)size);
	cr_assert(f.insns && pread(memfd, f.insns, (size_t)size, 0) == size);
	f.len = (unsigned short)((size_t)size / sizeof(*f.insns));
	close(memfd);
	seccomp_release(ctx);
	return f;
}

/* Every value a rule compares with, and its halves and neighbours:
 * what tells two programs apart. */
static size_t interesting_values(const struct bpf_rules *rules, uint64_t *out, size_t max)
{
	static const uint64_t fixed[] = { 0, 1, 2, 0xffffffffull, 0x100000000ull, ~0ull,
					  0x8000000000000000ull, 0xffffffff00000000ull };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]) && n < max; i++)
		out[n++] = fixed[i];
	for (size_t i = 0; i < rules->n; i++)
		for (unsigned c = 0; c < rules->rules[i].ncmp && n + 8 <= max; c++) {
			uint64_t v = rules->rules[i].cmp[c].value, m = rules->rules[i].cmp[c].mask;

			out[n++] = v;
			out[n++] = v + 1;
			out[n++] = v ^ 1;
			out[n++] = v & 0xffffffffull;
			out[n++] = v | 0xffffffff00000000ull;
			out[n++] = v | ~m;
			out[n++] = v & ~(m & (0 - m)); /* the mask's lowest bit cleared */
			out[n++] = m;
		}
	return n;
}

/* What the rules answer (bpf.h): the reference the compiled program is
 * held to. */
static uint32_t expected(const struct bpf_rules *rules, const struct seccomp_data *d)
{
	uint32_t best = rules->default_action;
	bool any = false;

	if (d->arch != AUDIT_ARCH_X86_64 || (d->nr & 0x40000000))
		return rules->badarch_action;
	for (size_t i = 0; i < rules->n; i++) {
		const struct bpf_rule *r = &rules->rules[i];
		bool holds = r->nr == d->nr;

		for (unsigned c = 0; holds && c < r->ncmp; c++) {
			uint64_t a = d->args[r->cmp[c].arg];

			holds = r->cmp[c].op == BPF_CMP_EQ ? a == r->cmp[c].value :
				r->cmp[c].op == BPF_CMP_NE ? a != r->cmp[c].value :
				(a & r->cmp[c].mask) == r->cmp[c].value;
		}
		if (holds && (!any || (int32_t)(r->action & SECCOMP_RET_ACTION_FULL) <
					     (int32_t)(best & SECCOMP_RET_ACTION_FULL)))
			best = r->action;
		any = any || holds;
	}
	return best;
}

/* Whether nr has a rule for every call and others with comparisons:
 * libseccomp then lets the first win, whatever the others answer
 * (prctl, trapped with presented owners, lost its PR_SET_DUMPABLE 0
 * denial on the rungs without a view); bpf.c keeps the least permissive. */
static bool mixed(const struct bpf_rules *rules, int nr)
{
	bool whole = false, compared = false;

	for (size_t i = 0; i < rules->n; i++)
		if (rules->rules[i].nr == nr) {
			whole = whole || rules->rules[i].ncmp == 0;
			compared = compared || rules->rules[i].ncmp > 0;
		}
	return whole && compared;
}

/* The rung's spec, as the supervisor chooses it (sandbox.c,
 * choose_filtered_calls), from the decoder table. */
struct rung_spec {
	int trapped[512], traced[512], reissuable[512];
	struct tracee_split split[4];
	struct tracee_trap trap;
	struct tracee_filter_spec spec;
};

static void rung_spec(struct rung_spec *r, const char *rung, bool presented)
{
	int opens[4], flags_args[4];
	size_t nsplit = 0;

	memset(r, 0, sizeof(*r));
	r->spec = (struct tracee_filter_spec){ .trapped = r->trapped, .traced = r->traced,
					       .split = r->split };
	r->trap = (struct tracee_trap){ .cookie = 0x0123456789abcdefull, .reissuable = r->reissuable };
	if (strncmp(rung, "ptrace", 6) == 0) {
		r->spec.ntraced = calls_traced(r->traced, 512,
					       &(struct trap_choice){ .presented = presented, .hostroot = true });
		for (size_t i = 0; i < r->spec.ntraced; i++)
			if (calls_reissuable(r->traced[i]))
				r->reissuable[r->trap.nreissuable++] = r->traced[i];
		if (strcmp(rung, "ptrace-nested") == 0)
			r->spec.trap = &r->trap;
		return;
	}
	r->spec.ntrapped = calls_trapped(r->trapped, 512,
					 &(struct trap_choice){ .presented = presented,
								.hostroot = strcmp(rung, "notify") != 0 });
	if (strcmp(rung, "notify-hostroot") == 0) {
		r->spec.ntraced = calls_redirected(r->traced, 512);
		nsplit = calls_split_on_opath(opens, flags_args, 4);
	}
	for (size_t i = 0; i < nsplit; i++)
		r->split[i] = (struct tracee_split){ .nr = opens[i], .arg = flags_args[i], .mask = O_PATH };
	r->spec.nsplit = nsplit;
}

/* For every rung (and presented ownership or not), the filter veneer
 * compiles answers every syscall number, on every argument value its
 * rules compare, as the rules say, and as libseccomp's program of the
 * same rules does wherever libseccomp keeps every rule (mixed). */
Test(filter, the_compiler_agrees_with_libseccomp)
{
	static const char *const rungs[] = { "notify", "notify-hostroot", "ptrace", "ptrace-nested" };
	static uint64_t values[4096];
	static struct rung_spec r;

	for (size_t g = 0; g < 4; g++) {
		for (int presented = 0; presented < 2; presented++) {
			struct tracee_filter ours, theirs;
			struct bpf_rules rules;
			size_t nvalues, compared = 0;

			rung_spec(&r, rungs[g], presented);
			cr_assert_eq(tracee_filter_rules(&r.spec, &rules), 0);
			cr_assert_eq(bpf_rules_compile(&rules, &ours), 0);
			theirs = by_libseccomp(&rules);
			nvalues = interesting_values(&rules, values, sizeof(values) / sizeof(values[0]));
			for (uint32_t nr = 0; nr < 520; nr++) {
				/* each argument alone over the values, the others 0 */
				for (unsigned arg = 0; arg < 6; arg++) {
					for (size_t v = 0; v < nvalues; v++) {
						struct seccomp_data d = { .nr = (int)nr, .arch = AUDIT_ARCH_X86_64 };

						d.args[arg] = values[v];
						uint32_t want = expected(&rules, &d), a = run(&ours, &d);

						cr_assert_eq(a, want, "%s%s: nr %u, arg %u = %#llx: %#x, not %#x",
							     rungs[g], presented ? " (presented)" : "", nr, arg,
							     (unsigned long long)values[v], a, want);
						if (!mixed(&rules, (int)nr))
							cr_assert_eq(run(&theirs, &d), want,
								     "libseccomp: %s: nr %u, arg %u = %#llx",
								     rungs[g], nr, arg,
								     (unsigned long long)values[v]);
						compared++;
					}
				}
			}
			/* the rules with two comparisons, both made to hold */
			for (size_t i = 0; i < rules.n; i++) {
				const struct bpf_rule *rule = &rules.rules[i];
				struct seccomp_data d = { .nr = rule->nr, .arch = AUDIT_ARCH_X86_64 };

				for (unsigned c = 0; c < rule->ncmp; c++)
					d.args[rule->cmp[c].arg] = rule->cmp[c].op == BPF_CMP_NE
						? ~rule->cmp[c].value : rule->cmp[c].value;
				cr_assert_eq(run(&ours, &d), expected(&rules, &d), "%s: rule %zu", rungs[g], i);
				if (!mixed(&rules, rule->nr))
					cr_assert_eq(run(&theirs, &d), expected(&rules, &d), "%s: rule %zu",
						     rungs[g], i);
			}
			/* other architectures, x32 */
			for (uint32_t nr = 0; nr < 520; nr += 7) {
				struct seccomp_data d = { .nr = (int)nr, .arch = AUDIT_ARCH_I386 };

				cr_assert_eq(run(&ours, &d), expected(&rules, &d), "i386 nr %u", nr);
				cr_assert_eq(run(&theirs, &d), expected(&rules, &d), "i386 nr %u", nr);
				d.arch = AUDIT_ARCH_X86_64;
				d.nr = (int)(nr | 0x40000000u);
				cr_assert_eq(run(&ours, &d), expected(&rules, &d), "x32 nr %u", nr);
				cr_assert_eq(run(&theirs, &d), expected(&rules, &d), "x32 nr %u", nr);
			}
			cr_assert_geq(compared, 520 * 6 * 8);
			tracee_filter_free(&ours);
			tracee_filter_free(&theirs);
			bpf_rules_free(&rules);
		}
	}
}

/* The compiler keeps the least permissive action of the rules that hold,
 * whatever order they came in, and refuses what it cannot express. */
Test(filter, the_least_permissive_rule_wins)
{
	struct bpf_rules rules = { .default_action = SECCOMP_RET_ALLOW,
				   .badarch_action = SECCOMP_RET_KILL_PROCESS };
	const struct bpf_cmp one = { 0, BPF_CMP_EQ, 0, 1 };
	struct tracee_filter f;

	cr_assert_eq(bpf_rule_add(&rules, SECCOMP_RET_TRACE, 7, 0, NULL), 0);
	cr_assert_eq(bpf_rule_add(&rules, SECCOMP_RET_ERRNO | EPERM, 7, 1, &one), 0);
	cr_assert_eq(bpf_rule_add(&rules, SECCOMP_RET_USER_NOTIF, 7, 1, &one), 0);
	cr_assert_eq(bpf_rule_add(&rules, SECCOMP_RET_ERRNO | EPERM, -1, 0, NULL), -EINVAL);
	cr_assert_eq(bpf_rule_add(&rules, SECCOMP_RET_ERRNO | EPERM, 7, 3, NULL), -EINVAL);
	cr_assert_eq(bpf_rules_compile(&rules, &f), 0);
	cr_assert_eq(verdict0(&f, 7, 1, 0), SECCOMP_RET_ERRNO | EPERM);
	cr_assert_eq(verdict0(&f, 7, 2, 0), SECCOMP_RET_TRACE);
	cr_assert_eq(verdict0(&f, 8, 1, 0), SECCOMP_RET_ALLOW);
	cr_assert_eq(verdict(&f, AUDIT_ARCH_I386, 7, 0), SECCOMP_RET_KILL_PROCESS);
	tracee_filter_free(&f);
	bpf_rules_free(&rules);
}
