/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One call, whatever backend caught it: the decoder for its number, and
 * what every call needs around it — the union's lock (held until the
 * answer is given, so that a continued call finds the view as its answer
 * left it), the caller's fds that a copy-up left on the lower file, the
 * caller's presented identity, and the -v log line.  The backend reads
 * the call in and sends the answer out (c->ops).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "calls.h"

static void log_answer(struct call *c, const struct answer *ans)
{
	struct call_ctx *ctx = c->ctx;

	pthread_mutex_lock(&ctx->log_lock);
	switch (ans->kind) {
	case ANSWER_VALUE:
		fprintf(stderr, "veneer: [%d] %s(%s) = %lld\n", c->pid, c->name, c->detail,
			(long long)ans->val);
		break;
	case ANSWER_ERROR:
		fprintf(stderr, "veneer: [%d] %s(%s) = -1 %s\n", c->pid, c->name, c->detail,
			strerrorname_np((int)ans->val) ? strerrorname_np((int)ans->val) : "E?");
		break;
	case ANSWER_CONTINUE:
		fprintf(stderr, "veneer: [%d] %s(%s) -> kernel\n", c->pid, c->name, c->detail);
		break;
	case ANSWER_FD:
		fprintf(stderr, "veneer: [%d] %s(%s) = injected fd\n", c->pid, c->name, c->detail);
		break;
	case ANSWER_FD_LATER:
		fprintf(stderr, "veneer: [%d] %s(%s) = fd injected once the open returns\n", c->pid,
			c->name, c->detail);
		break;
	}
	pthread_mutex_unlock(&ctx->log_lock);
}

/* Whether the call changes the union, so takes its lock alone. */
static bool holds_alone(const struct syscall_entry *entry, const struct call *c)
{
	uint64_t flags;

	if (entry->hold != HOLD_BY_OPEN_FLAGS)
		return entry->hold == HOLD_ALONE;
	flags = c->args[entry->flags_arg];
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | __O_TMPFILE));
}

/* The decoder, as the caller's identity (presented, or the real one
 * without a view). */
static struct answer run_decoder(const struct syscall_entry *entry, struct call *c)
{
	struct call_ctx *ctx = c->ctx;
	struct answer ans;

	if (ctx->presented)
		ident_begin(c);
	else if (ctx->view_prefix[0])
		vn_set_cred(&ctx->caller);
	ans = entry->handler(c);
	if (ctx->presented)
		ident_end();
	else if (ctx->view_prefix[0])
		vn_set_cred(NULL);
	return ans;
}

/*
 * A copy-up long enough to hold every other call asked for its data to
 * be copied first, without the lock (vn_precopy_make): the call ran to
 * its copy-up, which changes nothing the target sees (parents copied up
 * keep their identity), and is run again with the copy offered.  A
 * backend whose thread must not make it (ptrace: one tracer for every
 * process) takes the call (ops->defer): true, and the lock is let go, the
 * answer still to come.  Else the copy is made here, and *ans is the
 * second run's.
 */
static bool precopy_then_again(const struct syscall_entry *entry, struct call *c,
			       struct answer *ans)
{
	struct vn_union *u = c->ctx->u;
	struct vn_precopy pc;

	if (!vn_precopy_asked(&pc) || ans->kind != ANSWER_ERROR || ans->val != EAGAIN)
		return false;
	if (c->ops->defer && c->ops->defer(c, &pc) == 0) {
		vn_union_unlock(u);
		return true;
	}
	vn_union_unlock(u);
	(void)vn_precopy_make(u, &pc); /* none: the second run copies as before */
	vn_union_write_lock(u);
	vn_precopy_offer(&pc);
	vn_precopy_allow(false);
	*ans = run_decoder(entry, c);
	vn_precopy_offer(NULL);
	vn_precopy_drop(&pc);
	return false;
}

void calls_dispatch(struct call *c)
{
	struct call_ctx *ctx = c->ctx;
	const struct syscall_entry *entry = calls_lookup(c->nr);
	struct answer ans;

	if (!entry) {
		/* The filter and the table agree, so this is a bug: fail closed. */
		c->name = "unknown";
		ans = answer_error(ENOSYS);
		if (ctx->verbose)
			log_answer(c, &ans);
		c->ops->reply(c, &ans);
		return;
	}
	c->name = entry->name;
	if (holds_alone(entry, c))
		vn_union_write_lock(ctx->u);
	else
		vn_union_read_lock(ctx->u);
	stale_swap_pending(c);
	vn_precopy_allow(true);
	ans = run_decoder(entry, c);
	if (precopy_then_again(entry, c, &ans))
		return; /* the backend runs it again once the copy is made */
	if (ctx->verbose)
		log_answer(c, &ans);
	c->ops->reply(c, &ans);
	vn_union_unlock(ctx->u);
}
