/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state every decoder of one sandbox shares, whatever backend feeds
 * them calls: listing cursors, the view's paths, fds left on copied-up
 * lower files, presented identities, and the sockets the policy names.
 */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "calls.h"

/* The caller as the kernel knows it: the supervisor runs as the caller. */
static void caller_cred(struct vn_cred *c)
{
	int n = getgroups(VN_NGROUPS, c->groups);

	c->ruid = c->euid = c->suid = c->fsuid = getuid();
	c->rgid = c->egid = c->sgid = c->fsgid = getgid();
	c->ngroups = n < 0 ? 0 : n;
	c->cap_effective = c->cap_permitted = c->cap_bounding = 0;
	c->keepcaps = false;
}

int calls_ctx_init(struct call_ctx *ctx, const struct calls_config *cfg)
{
	int r;

	memset(ctx, 0, sizeof(*ctx));
	pthread_mutex_init(&ctx->log_lock, NULL);
	ctx->u = cfg->u;
	ctx->init_pid = cfg->init_pid;
	ctx->supervisor_reaps = cfg->supervisor_reaps;
	ctx->tracee_proc_fd = cfg->tracee_proc_fd;
	ctx->verbose = cfg->verbose;
	ctx->presented = cfg->presented;
	ctx->root_caps = cfg->root_caps;
	if (cfg->start_cred) {
		ctx->has_start_cred = true;
		ctx->start_cred = *cfg->start_cred;
	}
	ctx->policy = cfg->policy;
	ctx->record = cfg->record; /* the sandbox's: it reads it after the calls */
	ctx->view_prefix = cfg->view_prefix ? cfg->view_prefix : "";
	if (ctx->view_prefix[0])
		caller_cred(&ctx->caller);
	r = dirstream_cache_new(&ctx->dirs);
	if (r == 0)
		r = target_cache_new(ctx);
	if (r == 0)
		r = stale_table_new(ctx);
	if (r == 0 && ctx->presented)
		r = ident_table_new(ctx);
	if (r == 0 && ctx->view_prefix[0])
		r = exe_table_new(ctx);
	if (r < 0) {
		calls_ctx_free(ctx);
		return r;
	}
	socket_render_allowed(ctx);
	return 0;
}

void calls_ctx_free(struct call_ctx *ctx)
{
	if (!ctx->u)
		return; /* never set up */
	dirstream_cache_free(ctx->dirs);
	target_cache_free(ctx);
	stale_table_free(ctx);
	ident_table_free(ctx);
	exe_table_free(ctx);
	pthread_mutex_destroy(&ctx->log_lock);
	memset(ctx, 0, sizeof(*ctx));
}
