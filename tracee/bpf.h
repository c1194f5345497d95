/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp rules as data, and their compiler to classic BPF (bpf.c).
 * filter.c says which calls get which action; this turns that into a
 * program.  libseccomp did it before, in ~0.3 ms of every run's start
 * (its rule database and optimiser, in a freshly forked init); the
 * unit tests compile the same rules with libseccomp and compare the two
 * programs' verdicts call by call.
 *
 * What a program answers, for a call of number nr: on another
 * architecture (or an x32 call), the rules' bad-arch action; else the
 * least permissive action of the rules for nr whose comparisons all hold
 * (the kernel's order: kill, trap, errno, user-notif, trace, log, allow),
 * and the default action when none does.
 */
#ifndef VENEER_TRACEE_BPF_H
#define VENEER_TRACEE_BPF_H

#include <stddef.h>
#include <stdint.h>

struct tracee_filter;

enum bpf_cmp_op {
	BPF_CMP_EQ,             /* arg == value (all 64 bits) */
	BPF_CMP_NE,             /* arg != value (either half differs) */
	BPF_CMP_MASKED_EQ,      /* (arg & mask) == value */
};

struct bpf_cmp {
	unsigned arg;           /* 0..5 */
	enum bpf_cmp_op op;
	uint64_t mask;          /* BPF_CMP_MASKED_EQ's */
	uint64_t value;
};

#define BPF_RULE_CMP_MAX 2

struct bpf_rule {
	int nr;
	uint32_t action;        /* SECCOMP_RET_* with its data */
	unsigned ncmp;          /* 0: every call of nr */
	struct bpf_cmp cmp[BPF_RULE_CMP_MAX];
};

struct bpf_rules {
	uint32_t default_action;
	uint32_t badarch_action;
	struct bpf_rule *rules;
	size_t n, cap;
};

/* Add a rule: 0, or -ENOMEM, or -EINVAL (ncmp or an argument out of
 * range, a negative nr). */
int bpf_rule_add(struct bpf_rules *r, uint32_t action, int nr, unsigned ncmp,
		 const struct bpf_cmp *cmp);
void bpf_rules_free(struct bpf_rules *r);
/* The x86-64 program: 0 (out->insns malloc'd), or -ENOMEM, -E2BIG. */
int bpf_rules_compile(const struct bpf_rules *r, struct tracee_filter *out);

#endif
