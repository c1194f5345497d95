/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decoders through the dispatcher, on a fake backend (fake_backend.h):
 * each test makes the calls a target would make and checks the answer and
 * the layers afterwards — the lower never changes, the upper holds what
 * the call made, and a backend that says no leaves the union as it was.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>

#include "../union/fixture.h"
#include "fake_backend.h"

#define U(p) ((uint64_t)(uintptr_t)(p))
#define CWD ((uint64_t)(int64_t)AT_FDCWD)

static void calls_setup(void)
{
	setup();
	layers(2);
	put(1, "dir/f", "lower");
	put(1, "gone", "x");
	wh_oci(0, "gone");
	lnk(1, "link", "dir/f");
	fake_start(&g_u, false);
}

static void calls_teardown(void)
{
	fake_stop();
	teardown();
}

#define CT(name) Test(calls, name, .init = calls_setup, .fini = calls_teardown)

static void expect_error(struct answer a, int err)
{
	cr_assert_eq(a.kind, ANSWER_ERROR, "answer kind %d, want an error", a.kind);
	cr_assert_eq(a.val, err, "errno %lld, want %d", (long long)a.val, err);
}

static void expect_value(struct answer a, int64_t v)
{
	cr_assert_eq(a.kind, ANSWER_VALUE, "answer kind %d (val %lld), want a value", a.kind,
		     (long long)a.val);
	cr_assert_eq(a.val, v, "value %lld, want %lld", (long long)a.val, (long long)v);
}

static void expect_layer_file(int l, const char *rel, const char *want)
{
	char p[PATH_MAX], buf[64] = "";
	int fd = open(lpath(p, l, rel), O_RDONLY | O_CLOEXEC);

	cr_assert_geq(fd, 0, "%s: %s", p, strerror(errno));
	cr_assert_geq(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	cr_assert_str_eq(buf, want, "%s", p);
}

static bool layer_has(int l, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	return lstat(lpath(p, l, rel), &st) == 0;
}

CT(stat_answers_from_the_lower)
{
	struct stat st;

	memset(&st, 0xff, sizeof(st));
	expect_value(fake_call(__NR_newfstatat, CWD, U("/dir/f"), U(&st), 0, 0), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_size, 5);
}

CT(stat_of_a_whiteout_is_enoent)
{
	struct stat st;

	expect_error(fake_call(__NR_newfstatat, CWD, U("/gone"), U(&st), 0, 0), ENOENT);
	cr_assert(layer_has(1, "gone"), "the lower lost its file");
}

CT(read_open_injects_the_lower_file_and_reserves_nothing)
{
	struct answer a = fake_call(__NR_openat, CWD, U("/dir/f"), O_RDONLY, 0, 0);
	char buf[16] = "";

	cr_assert_eq(a.kind, ANSWER_FD);
	cr_assert_eq(read(a.fd, buf, sizeof(buf) - 1), 5);
	cr_assert_str_eq(buf, "lower");
	cr_assert_eq(fake.reserves, 0, "a read-only open changes nothing: no fd held first");
	cr_assert(!layer_has(0, "dir/f"), "a read-only open copied up");
}

CT(write_open_copies_up_and_leaves_the_lower)
{
	struct answer a = fake_call(__NR_openat, CWD, U("/dir/f"), O_WRONLY | O_TRUNC, 0, 0);

	cr_assert_eq(a.kind, ANSWER_FD);
	cr_assert_eq(fake.reserves, 1, "the fd number is held before the union changes");
	cr_assert_eq(write(a.fd, "upper", 5), 5);
	expect_layer_file(0, "dir/f", "upper");
	expect_layer_file(1, "dir/f", "lower");
}

CT(create_without_a_free_fd_changes_nothing)
{
	fake.reserve_result = -EMFILE;
	expect_error(fake_call(__NR_openat, CWD, U("/dir/new"), O_WRONLY | O_CREAT, 0644, 0),
		     EMFILE);
	cr_assert(!layer_has(0, "dir/new") && !layer_has(0, "dir"),
		  "a refused create left something in the upper");
}

CT(unlink_of_a_lower_file_leaves_a_whiteout)
{
	struct stat st;

	expect_value(fake_call(__NR_unlinkat, CWD, U("/dir/f"), 0, 0, 0), 0);
	expect_error(fake_call(__NR_newfstatat, CWD, U("/dir/f"), U(&st), 0, 0), ENOENT);
	expect_layer_file(1, "dir/f", "lower");
	cr_assert(layer_has(0, "dir/f") || layer_has(0, "dir/.wh.f"), "no whiteout in the upper");
}

CT(rename_of_a_lower_file)
{
	struct answer a;
	char buf[16] = "";

	expect_value(fake_call(__NR_renameat2, CWD, U("/dir/f"), CWD, U("/dir/g"), 0), 0);
	a = fake_call(__NR_openat, CWD, U("/dir/g"), O_RDONLY, 0, 0);
	cr_assert_eq(a.kind, ANSWER_FD);
	cr_assert_eq(read(a.fd, buf, sizeof(buf) - 1), 5);
	cr_assert_str_eq(buf, "lower");
	expect_error(fake_call(__NR_openat, CWD, U("/dir/f"), O_RDONLY, 0, 0), ENOENT);
	expect_layer_file(1, "dir/f", "lower");
	cr_assert(!layer_has(1, "dir/g"));
}

CT(readlink_writes_into_the_callers_buffer)
{
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	expect_value(fake_call(__NR_readlinkat, CWD, U("/link"), U(buf), sizeof(buf), 0), 5);
	cr_assert(!memcmp(buf, "dir/f", 5));
	cr_assert_eq(buf[5], 'x', "readlink wrote past its length");
}

CT(a_call_the_caller_left_changes_nothing)
{
	struct answer a;

	fake.valid = false; /* the task left the call: what was read may be another's */
	a = fake_call(__NR_mkdirat, CWD, U("/made"), 0755, 0, 0);
	cr_assert(a.kind == ANSWER_ERROR, "answer kind %d", a.kind);
	cr_assert(!layer_has(0, "made"), "a call whose caller left made a directory");
}

CT(a_number_without_a_decoder_fails_closed)
{
	expect_error(fake_call(__NR_getpid, 0, 0, 0, 0, 0), ENOSYS);
}

CT(fchmod_of_an_injected_lower_file_moves_the_fd_to_the_copy)
{
	struct answer a = fake_call(__NR_openat, CWD, U("/dir/f"), O_RDONLY, 0, 0);
	struct stat st, lower;
	char p[PATH_MAX];
	int fd;

	cr_assert_eq(a.kind, ANSWER_FD);
	fd = dup(a.fd); /* the target's fd */
	cr_assert_geq(fd, 0);
	expect_value(fake_call(__NR_fchmod, (uint64_t)fd, 0600, 0, 0, 0), 0);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "the fd still shows mode %o", st.st_mode & 07777);
	cr_assert_eq(lstat(lpath(p, 1, "dir/f"), &lower), 0);
	cr_assert_neq(lower.st_mode & 07777, 0600, "the lower changed");
	cr_assert(layer_has(0, "dir/f"), "no copy in the upper");
	close(fd);
}

/* Presented ownership: set*id is the decoders' to emulate, and what the
 * caller then makes belongs to who it became. */
static void presented_setup(void)
{
	setup();
	layers(2);
	char p[PATH_MAX];

	mkd(1, "dir");
	mkd(1, "pub");
	cr_assert_eq(chmod(lpath(p, 1, "pub"), 01777), 0);
	present_owners();
	fake_start(&g_u, true);
}

Test(calls, presented_identity_follows_setresuid, .init = presented_setup, .fini = calls_teardown)
{
	struct stat st;

	expect_value(fake_call(__NR_getuid, 0, 0, 0, 0, 0), 0);
	expect_value(fake_call(__NR_setresuid, 1000, 1000, 1000, 0, 0), 0);
	expect_value(fake_call(__NR_geteuid, 0, 0, 0, 0, 0), 1000);
	expect_error(fake_call(__NR_setuid, 0, 0, 0, 0, 0), EPERM);
	expect_error(fake_call(__NR_mkdirat, CWD, U("/dir/mine"), 0755, 0, 0), EACCES);
	expect_value(fake_call(__NR_mkdirat, CWD, U("/pub/mine"), 0755, 0, 0), 0);
	expect_value(fake_call(__NR_newfstatat, CWD, U("/pub/mine"), U(&st), 0, 0), 0);
	cr_assert_eq(st.st_uid, 1000, "made by uid 1000, owned by %u", st.st_uid);
}
