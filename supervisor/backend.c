/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One start and one stop for sandbox.c: the state every decoder shares,
 * then the transport that feeds them calls: the seccomp listener, or
 * none where the ptrace rung's tracer does.
 */
#define _GNU_SOURCE

#include "backend.h"
#include "notify/listener.h"

int backend_start(struct call_ctx *ctx, const struct backend_config *cfg)
{
	int r = calls_ctx_init(ctx, &cfg->calls);

	if (r < 0)
		return r;
	if (cfg->listener < 0)
		return 0; /* the ptrace rung: its tracer feeds the decoders */
	r = notify_start(ctx, cfg->listener, cfg->nworkers);
	if (r < 0)
		calls_ctx_free(ctx);
	return r;
}

void backend_stop(struct call_ctx *ctx)
{
	if (ctx->transport)
		notify_stop(ctx);
	calls_ctx_free(ctx);
}
