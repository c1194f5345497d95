/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Landlock confinement of the rung without a view (tracee/confine.c):
 * beneath a writable path everything may change; elsewhere nothing may
 * (create, write, truncate, remove, rename, link), while reading still
 * works; and a file opened for writing before the confinement (as the
 * supervisor's injected fds are) keeps writing; beneath a path whose
 * files alone are writable (the ptrace backend's upper), files may be
 * written and truncated but no name made, removed or moved.  Each test confines a
 * child and looks at the directories afterwards from outside.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tracee/tracee.h"
#include "veneer/landlock.h"

static char root[PATH_MAX], ro[PATH_MAX + 8], rw[PATH_MAX + 8], fw[PATH_MAX + 8];

static void put(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f, "%s: %s", p, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* The lower's file holds `want`, and nothing else came into the lower. */
static void expect_lower(const char *want)
{
	char p[PATH_MAX * 2], buf[16] = "";
	int fd, n = 0;
	DIR *d = opendir(ro);
	struct dirent *de;

	snprintf(p, sizeof(p), "%s/f", ro);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_geq(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	cr_assert_str_eq(buf, want);
	cr_assert_not_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	cr_assert_eq(n, 1, "the lower holds %d names, not 1", n);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	if (vn_landlock_abi() < 1)
		cr_skip_test("no Landlock in this kernel");
	snprintf(root, sizeof(root), "%s/vn-confine-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(root));
	snprintf(ro, sizeof(ro), "%s/lower", root);
	snprintf(rw, sizeof(rw), "%s/scratch", root);
	snprintf(fw, sizeof(fw), "%s/files", root);
	cr_assert_eq(mkdir(ro, 0755), 0);
	cr_assert_eq(mkdir(rw, 0755), 0);
	cr_assert_eq(mkdir(fw, 0755), 0);
	put(ro, "f", "lower");
	put(rw, "g", "scratch");
	put(fw, "h", "upper");
}

static void rm_tree(const char *dir)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void teardown(void)
{
	if (root[0])
		rm_tree(root);
}

static int at(const char *dir, const char *name, int flags)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return open(p, flags | O_CLOEXEC, 0644);
}

/* A check in the confined child: the line of the first that fails, with
 * errno, goes back to the test (criterion's asserts work in its process
 * only, and the test's process must stay free to clean up). */
#define CHECK(cond)                                                   \
	do {                                                          \
		if (!(cond)) {                                        \
			int failed[2] = { __LINE__, errno };          \
			(void)!write(report, failed, sizeof(failed)); \
			_exit(1);                                     \
		}                                                     \
	} while (0)

/* Run body in a child confined to writing beneath rw (and a path that
 * does not exist); fail the test with the line of a check that failed. */
static void confined(void (*body)(int report, int before), int before)
{
	const char *writable[] = { rw, "/nonexistent/veneer" };
	int files[] = { open(fw, O_PATH | O_DIRECTORY | O_CLOEXEC) };
	int p[2], failed[2] = { 0, 0 }, status;
	pid_t pid;

	cr_assert_geq(files[0], 0);
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int report = p[1];

		close(p[0]);
		int ruleset = tracee_writes_ruleset(writable, 2);

		CHECK(ruleset >= 0);
		CHECK(tracee_confine_writes(ruleset, files, 1) == 0);
		body(report, before);
		_exit(0);
	}
	close(p[1]);
	close(files[0]);
	if (read(p[0], failed, sizeof(failed)) != (ssize_t)sizeof(failed))
		failed[0] = 0;
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(failed[0] == 0, "the check at line %d failed (errno %s)", failed[0],
		  strerror(failed[1]));
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the confined child died");
}

static void writes_only_beneath(int report, int before)
{
	char p[PATH_MAX * 2], q[PATH_MAX * 2], buf[16] = "";
	int fd;

	(void)before;
	fd = at(rw, "new", O_WRONLY | O_CREAT);
	CHECK(fd >= 0); /* beneath the writable path */
	close(fd);
	CHECK(at(ro, "new", O_WRONLY | O_CREAT) < 0 && errno == EACCES);
	CHECK(at(ro, "f", O_WRONLY) < 0);
	CHECK(at(ro, "f", O_RDONLY | O_TRUNC) < 0);
	snprintf(p, sizeof(p), "%s/f", ro);
	CHECK(truncate(p, 0) < 0);
	CHECK(unlink(p) < 0);
	snprintf(q, sizeof(q), "%s/moved", rw);
	CHECK(rename(p, q) < 0);
	CHECK(link(p, q) < 0);
	snprintf(q, sizeof(q), "%s/d", ro);
	CHECK(mkdir(q, 0755) < 0);
	CHECK(symlink("x", q) < 0);
	fd = at(ro, "f", O_RDONLY); /* reading stays allowed */
	CHECK(fd >= 0);
	CHECK(read(fd, buf, sizeof(buf) - 1) == 5 && strcmp(buf, "lower") == 0);
	close(fd);
}

Test(confine, writes_only_beneath_the_writable_path, .init = setup, .fini = teardown)
{
	confined(writes_only_beneath, -1);
	expect_lower("lower");
}

static void writes_files_not_names(int report, int before)
{
	char p[PATH_MAX * 2], q[PATH_MAX * 2];
	int fd;

	(void)before;
	fd = at(fw, "h", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK(write(fd, "UPPER", 5) == 5);
	close(fd);
	CHECK(at(fw, "new", O_WRONLY | O_CREAT) < 0 && errno == EACCES);
	snprintf(p, sizeof(p), "%s/h", fw);
	snprintf(q, sizeof(q), "%s/moved", fw);
	CHECK(rename(p, q) < 0);
	CHECK(link(p, q) < 0);
	CHECK(unlink(p) < 0);
	CHECK(mkdir(q, 0755) < 0);
	CHECK(symlink("x", q) < 0);
}

Test(confine, beneath_a_files_path_files_change_and_names_do_not, .init = setup, .fini = teardown)
{
	char p[PATH_MAX * 2], buf[16] = "";
	int fd, n = 0;
	DIR *d;
	struct dirent *de;

	confined(writes_files_not_names, -1);
	snprintf(p, sizeof(p), "%s/h", fw);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read(fd, buf, sizeof(buf) - 1), 5);
	close(fd);
	cr_assert_str_eq(buf, "UPPER");
	d = opendir(fw);
	cr_assert_not_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	cr_assert_eq(n, 1, "the directory holds %d names, not 1", n);
	expect_lower("lower");
}

static void writes_through_an_earlier_fd(int report, int before)
{
	CHECK(write(before, "LOWER", 5) == 5);
	CHECK(ftruncate(before, 5) == 0);
}

Test(confine, a_file_opened_before_keeps_writing, .init = setup, .fini = teardown)
{
	int fd = at(ro, "f", O_WRONLY);

	cr_assert_geq(fd, 0);
	confined(writes_through_an_earlier_fd, fd);
	close(fd);
	expect_lower("LOWER");
}

static void child_confined_too(int report, int before)
{
	pid_t pid = fork();
	int status;

	(void)before;
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(at(ro, "child", O_WRONLY | O_CREAT) < 0 && errno == EACCES ? 0 : 1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

Test(confine, a_child_is_confined_too, .init = setup, .fini = teardown)
{
	confined(child_confined_too, -1);
	cr_assert_neq(access(ro, F_OK), -1);
}
