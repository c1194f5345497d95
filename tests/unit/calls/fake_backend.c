/* SPDX-License-Identifier: Apache-2.0 */
/* The decoders' fake backend (fake_backend.h). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fake_backend.h"

struct fake_backend fake;

static void fake_reply(struct call *c, const struct answer *ans)
{
	(void)c;
	fake.replies++;
	if (fake.last.kind == ANSWER_FD && fake.last.fd >= 0)
		close(fake.last.fd);
	fake.last = *ans;
}

static bool fake_valid(struct call *c)
{
	(void)c;
	return fake.valid;
}

static int fake_reserve_fd(struct call *c)
{
	(void)c;
	fake.reserves++;
	return fake.reserve_result;
}

/* As the kernel's ADDFD with SETFD: the file lands at the target's fd. */
static int fake_replace_fd(struct call *c, int fd, int file, bool cloexec)
{
	(void)c;
	return dup3(file, fd, cloexec ? O_CLOEXEC : 0) < 0 ? -errno : 0;
}

static const struct backend_ops fake_ops = {
	.reply = fake_reply,
	.valid = fake_valid,
	.reserve_fd = fake_reserve_fd,
	.replace_fd = fake_replace_fd,
};

void fake_start(struct vn_union *u, bool presented)
{
	struct calls_config cfg = {
		.u = u,
		.init_pid = getpid(),
		.tracee_proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC),
		.presented = presented,
		.root_caps = ~0ull,
		.policy = &fake.policy,
	};

	memset(&fake, 0, sizeof(fake));
	fake.valid = true;
	fake.last.fd = -1;
	cr_assert_geq(cfg.tracee_proc_fd, 0);
	cr_assert_eq(calls_ctx_init(&fake.ctx, &cfg), 0);
}

void fake_stop(void)
{
	int proc = fake.ctx.tracee_proc_fd;

	if (fake.last.kind == ANSWER_FD && fake.last.fd >= 0)
		close(fake.last.fd);
	calls_ctx_free(&fake.ctx);
	if (proc >= 0)
		close(proc);
}

struct answer fake_call(int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct call c = {
		.ctx = &fake.ctx,
		.ops = &fake_ops,
		.nr = nr,
		.args = { a0, a1, a2, a3, a4, 0 },
		.pid = getpid(),
	};
	int before = fake.replies;

	calls_dispatch(&c);
	cr_assert_eq(fake.replies, before + 1, "%d answers to one call", fake.replies - before);
	return fake.last;
}
