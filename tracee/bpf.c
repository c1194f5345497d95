/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rules' compiler (bpf.h).  The program, top to bottom:
 *
 *   the architecture: not x86-64 -> bad-arch action
 *   the number: an x32 call (bit 30) -> bad-arch action
 *   a binary tree of the numbers that have rules (JGE splits, then a
 *     few JEQs) -> that number's block; none -> default action
 *   each number's block: its rules, least permissive first, each its
 *     comparisons (a failing one goes to the next rule) then its
 *     action; the default action last
 *
 * A tree, not a list: at load the kernel runs the program for every
 * syscall number (its cache of calls always allowed), and a list made
 * that load ~2x longer.  Every conditional jump is written as a jump
 * over one unconditional `ja` (jt 0 / jf 1, or the other way round),
 * whose 32-bit offset reaches any label: the 8-bit offsets of
 * conditional jumps never limit the program's size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bpf.h"
#include "tracee.h"

#define X32_SYSCALL_BIT 0x40000000u
#define LEAF_MAX 4 /* numbers compared one by one at a tree's leaf */

int bpf_rule_add(struct bpf_rules *r, uint32_t action, int nr, unsigned ncmp,
		 const struct bpf_cmp *cmp)
{
	struct bpf_rule *rule;

	if (nr < 0 || ncmp > BPF_RULE_CMP_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < ncmp; i++)
		if (cmp[i].arg > 5)
			return -EINVAL;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct bpf_rule *grown = realloc(r->rules, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		r->rules = grown;
		r->cap = cap;
	}
	rule = &r->rules[r->n++];
	*rule = (struct bpf_rule){ .nr = nr, .action = action, .ncmp = ncmp };
	if (ncmp)
		memcpy(rule->cmp, cmp, ncmp * sizeof(*cmp));
	return 0;
}

void bpf_rules_free(struct bpf_rules *r)
{
	free(r->rules);
	r->rules = NULL;
	r->n = r->cap = 0;
}

/* ------------------------------------------------------------ emitting */

struct prog {
	struct sock_filter *insns;
	bool *to_label;          /* insns[i] is a `ja` whose k is a label yet */
	size_t n, cap;
	size_t *labels;          /* each label's instruction */
	size_t nlabels, label_cap;
	int err;
};

static void emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k, bool to_label)
{
	if (p->err)
		return;
	if (p->n == BPF_MAXINSNS) {
		p->err = -E2BIG;
		return;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 512;
		struct sock_filter *insns = realloc(p->insns, cap * sizeof(*insns));
		bool *marks = insns ? realloc(p->to_label, cap * sizeof(*marks)) : NULL;

		if (insns)
			p->insns = insns;
		if (!marks) {
			p->err = -ENOMEM;
			return;
		}
		p->to_label = marks;
		p->cap = cap;
	}
	p->insns[p->n] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
	p->to_label[p->n++] = to_label;
}

static size_t new_label(struct prog *p)
{
	if (p->err)
		return 0;
	if (p->nlabels == p->label_cap) {
		size_t cap = p->label_cap ? p->label_cap * 2 : 256;
		size_t *labels = realloc(p->labels, cap * sizeof(*labels));

		if (!labels) {
			p->err = -ENOMEM;
			return 0;
		}
		p->labels = labels;
		p->label_cap = cap;
	}
	p->labels[p->nlabels] = SIZE_MAX;
	return p->nlabels++;
}

static void place(struct prog *p, size_t label)
{
	if (!p->err)
		p->labels[label] = p->n;
}

static void load(struct prog *p, uint32_t offset)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offset, false);
}

static void ret(struct prog *p, uint32_t action)
{
	emit(p, BPF_RET | BPF_K, 0, 0, action, false);
}

static void jump(struct prog *p, size_t label)
{
	emit(p, BPF_JMP | BPF_JA, 0, 0, (uint32_t)label, true);
}

/* To label when (A op k) is `when`; on otherwise. */
static void jump_when(struct prog *p, uint16_t op, uint32_t k, bool when, size_t label)
{
	emit(p, BPF_JMP | op | BPF_K, when ? 0 : 1, when ? 1 : 0, k, false);
	jump(p, label);
}

/* Every `ja` pointed at its label (all forward): 0, or -EINVAL. */
static int resolve(struct prog *p)
{
	for (size_t i = 0; i < p->n; i++) {
		size_t at;

		if (!p->to_label[i])
			continue;
		at = p->labels[p->insns[i].k];
		if (at == SIZE_MAX || at <= i)
			return -EINVAL;
		p->insns[i].k = (uint32_t)(at - i - 1);
	}
	return 0;
}

/* ------------------------------------------------------------ compiling */

/* The kernel's order of actions: the lower, the less permissive. */
static int32_t strictness(uint32_t action)
{
	return (int32_t)(action & SECCOMP_RET_ACTION_FULL);
}

static int by_nr_then_strictness(const void *a, const void *b)
{
	const struct bpf_rule *x = *(const struct bpf_rule *const *)a;
	const struct bpf_rule *y = *(const struct bpf_rule *const *)b;

	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	if (strictness(x->action) != strictness(y->action))
		return strictness(x->action) < strictness(y->action) ? -1 : 1;
	return x < y ? -1 : x > y; /* as added: the sort is stable */
}

static uint32_t arg_low(unsigned arg)
{
	return (uint32_t)offsetof(struct seccomp_data, args[arg]); /* little-endian */
}

/* One comparison; to fail when it does not hold. */
static void compare(struct prog *p, const struct bpf_cmp *c, size_t fail)
{
	uint32_t lo = (uint32_t)c->value, hi = (uint32_t)(c->value >> 32);

	switch (c->op) {
	case BPF_CMP_EQ:
		load(p, arg_low(c->arg));
		jump_when(p, BPF_JEQ, lo, false, fail);
		load(p, arg_low(c->arg) + 4);
		jump_when(p, BPF_JEQ, hi, false, fail);
		break;
	case BPF_CMP_NE: {
		size_t holds = new_label(p);

		load(p, arg_low(c->arg));
		jump_when(p, BPF_JEQ, lo, false, holds);
		load(p, arg_low(c->arg) + 4);
		jump_when(p, BPF_JEQ, hi, true, fail);
		place(p, holds);
		break;
	}
	case BPF_CMP_MASKED_EQ: {
		uint32_t mlo = (uint32_t)c->mask, mhi = (uint32_t)(c->mask >> 32);

		if (c->value & ~c->mask) {
			jump(p, fail); /* bits outside the mask: never */
			break;
		}
		if (mlo) {
			load(p, arg_low(c->arg));
			if (mlo != 0xffffffffu)
				emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, mlo, false);
			jump_when(p, BPF_JEQ, lo, false, fail);
		}
		if (mhi) {
			load(p, arg_low(c->arg) + 4);
			if (mhi != 0xffffffffu)
				emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, mhi, false);
			jump_when(p, BPF_JEQ, hi, false, fail);
		}
		break;
	}
	}
}

/* The rules of one number (sorted), then the default action. */
static void block(struct prog *p, struct bpf_rule *const *rules, size_t n, uint32_t default_action)
{
	for (size_t i = 0; i < n; i++) {
		size_t next = new_label(p);

		for (unsigned c = 0; c < rules[i]->ncmp; c++)
			compare(p, &rules[i]->cmp[c], next);
		ret(p, rules[i]->action);
		place(p, next);
	}
	ret(p, default_action);
}

/* The tree over nrs[lo, hi) (sorted, distinct), with A the number. */
static void tree(struct prog *p, const int *nrs, const size_t *blocks, size_t lo, size_t hi,
		 uint32_t default_action)
{
	if (hi - lo <= LEAF_MAX) {
		for (size_t i = lo; i < hi; i++)
			jump_when(p, BPF_JEQ, (uint32_t)nrs[i], true, blocks[i]);
		ret(p, default_action);
		return;
	}
	{
		size_t mid = lo + (hi - lo) / 2, upper = new_label(p);

		jump_when(p, BPF_JGE, (uint32_t)nrs[mid], true, upper);
		tree(p, nrs, blocks, lo, mid, default_action);
		place(p, upper);
		tree(p, nrs, blocks, mid, hi, default_action);
	}
}

int bpf_rules_compile(const struct bpf_rules *r, struct tracee_filter *out)
{
	struct prog p = { 0 };
	struct bpf_rule **sorted = malloc((r->n ? r->n : 1) * sizeof(*sorted));
	int *nrs = malloc((r->n ? r->n : 1) * sizeof(*nrs));
	size_t *blocks = malloc((r->n ? r->n : 1) * sizeof(*blocks)), *firsts = NULL;
	size_t nnrs = 0, badarch;

	out->insns = NULL;
	out->len = 0;
	firsts = malloc((r->n + 1) * sizeof(*firsts));
	if (!sorted || !nrs || !blocks || !firsts)
		p.err = -ENOMEM;
	for (size_t i = 0; !p.err && i < r->n; i++)
		sorted[i] = &r->rules[i];
	if (!p.err)
		qsort(sorted, r->n, sizeof(*sorted), by_nr_then_strictness);
	for (size_t i = 0; !p.err && i < r->n; i++) {
		if (i > 0 && sorted[i]->nr == sorted[i - 1]->nr)
			continue;
		firsts[nnrs] = i;
		nrs[nnrs] = sorted[i]->nr;
		blocks[nnrs++] = new_label(&p);
	}
	if (!p.err)
		firsts[nnrs] = r->n;
	badarch = new_label(&p);
	load(&p, offsetof(struct seccomp_data, arch));
	jump_when(&p, BPF_JEQ, AUDIT_ARCH_X86_64, false, badarch);
	load(&p, offsetof(struct seccomp_data, nr));
	jump_when(&p, BPF_JGE, X32_SYSCALL_BIT, true, badarch);
	if (!p.err)
		tree(&p, nrs, blocks, 0, nnrs, r->default_action);
	place(&p, badarch);
	ret(&p, r->badarch_action);
	for (size_t i = 0; !p.err && i < nnrs; i++) {
		place(&p, blocks[i]);
		block(&p, sorted + firsts[i], firsts[i + 1] - firsts[i], r->default_action);
	}
	if (!p.err)
		p.err = resolve(&p);
	free(sorted);
	free(nrs);
	free(blocks);
	free(firsts);
	free(p.to_label);
	free(p.labels);
	if (p.err) {
		free(p.insns);
		return p.err;
	}
	out->insns = p.insns;
	out->len = (unsigned short)p.n;
	return 0;
}
