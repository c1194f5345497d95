/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the union core: directory cache. */
#define _GNU_SOURCE
#include "fixture.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

/* After a change, forgetting the path (or an ancestor) shows the new state. */
UT(cache, forget_shows_changes)
{
	struct vn_node n;

	layers(2);
	put(1, "d/x", "L");
	put(1, "a/b/x", "L");
	put(1, "lowonly", "L");
	expect_file("/d/x", 0, "/d/x", 1, "L");
	expect_dir("/", "/d", 0, "/d", 0x2);
	expect_file("/a/b/x", 0, "/a/b/x", 1, "L");

	/* a copy-up of d/x */
	put(0, "d/x", "U");
	vn_dircache_forget(&g_u, "/d");
	expect_file("/d/x", 0, "/d/x", 0, "U");
	expect_dir("/", "/d", 0, "/d", 0x3);

	/* forgetting a parent drops its descendants too */
	put(0, "a/b/x", "U");
	vn_dircache_forget(&g_u, "/a");
	expect_file("/a/b/x", 0, "/a/b/x", 0, "U");
	expect_dir("/", "/a/b", 0, "/a/b", 0x3);

	/* rmdir of a merged directory: a whiteout in the upper */
	wh_oci(0, "a");
	cr_assert_eq(rm_rf_layer_dir(0, "a"), 0);
	vn_dircache_forget(&g_u, "/a");
	cr_assert_eq(res("/a/b/x", 0, &n), -ENOENT);
	cr_assert_not(n.parent_exists);
	expect_err("/", "/a", 0, ENOENT);

	/* the root made opaque */
	opq_oci(0, "");
	vn_dircache_forget(&g_u, "/");
	expect_err("/", "/lowonly", 0, ENOENT);
	expect_dir("/", "/", 0, "/", 0x1);
	expect_dir("/", "/d", 0, "/d", 0x1);
}

/* The cache stays within its fd budget and gives every fd back. */
UT(cache, fds_bounded_and_released)
{
	struct rlimit rl;
	int base, peak = 0;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 256;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	base = count_fds();
	layers(3);
	for (int i = 0; i < 400; i++) {
		char rel[32];

		snprintf(rel, sizeof(rel), "d%03d/x", i);
		put(i % 3, rel, "x");
		snprintf(rel, sizeof(rel), "d%03d", i);
		mkd((i + 1) % 3, rel);
	}
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 400; i++) {
			char path[32];
			struct vn_node n;
			int r, fds;

			snprintf(path, sizeof(path), "/d%03d/x", i);
			r = res(path, 0, &n);
			cr_assert_eq(r, 0, "resolve %s: %s", path, strerror(-r));
			cr_assert_eq(n.layer, i % 3, "resolve %s: layer %d", path, n.layer);
			fds = count_fds();
			if (fds > peak)
				peak = fds;
		}
	cr_assert_lt(peak, 256 * 3 / 4, "the cache held %d fds (limit 256)", peak - base);
	vn_union_release(&g_u);
	cr_assert_eq(count_fds(), base, "fds left open after vn_union_release");
}

struct stress {
	pthread_t tid;
	unsigned seed;
	int errors;
	int done;
	bool forgetter;
	atomic_bool *stop;
};

#define STRESS_DIRS 120

static void *stress_run(void *arg)
{
	struct stress *st = arg;

	while (!atomic_load(st->stop)) {
		if (st->forgetter) {
			static const char *const paths[] = { "/", "/t", "/t/d0", "/t/d1" };

			vn_dircache_forget(&g_u, paths[rand_r(&st->seed) % 4]);
			st->done++;
			continue;
		}
		for (int k = 0; k < 200; k++) {
			int i = (int)(rand_r(&st->seed) % STRESS_DIRS);
			int j = (int)(rand_r(&st->seed) % STRESS_DIRS);
			char path[64], want[32];
			struct vn_node n;

			if (k % 2)
				snprintf(path, sizeof(path), "/t/d%d/sub/../x", i);
			else
				snprintf(path, sizeof(path), "/t/d%d/../d%d/sub/../x", j, i);
			snprintf(want, sizeof(want), "/t/d%d/x", i);
			if (vn_resolve(&g_u, "/", path, 0, &n) != 0 || n.layer != i % 3 ||
			    strcmp(n.path, want) != 0 || !S_ISREG(n.st.st_mode))
				st->errors++;
			if (vn_resolve(&g_u, "/t", "nope/x", 0, &n) != -ENOENT || n.parent_exists)
				st->errors++;
			st->done++;
		}
	}
	return NULL;
}

/* Workers resolve concurrently while the cache evicts and is forgotten. */
UT(cache, concurrent_resolve_evict_forget)
{
	struct rlimit rl;
	struct stress st[9];
	atomic_bool stop = false;
	int base, errors = 0;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 256;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	base = count_fds();
	layers(3);
	for (int i = 0; i < STRESS_DIRS; i++) {
		char rel[32];

		snprintf(rel, sizeof(rel), "t/d%d/x", i);
		put(i % 3, rel, "x");
		snprintf(rel, sizeof(rel), "t/d%d/sub", i);
		mkd((i + 1) % 3, rel);
	}
	for (int t = 0; t < 9; t++) {
		st[t] = (struct stress){ .seed = (unsigned)t + 1, .forgetter = t == 8,
					 .stop = &stop };
		cr_assert_eq(pthread_create(&st[t].tid, NULL, stress_run, &st[t]), 0);
	}
	usleep(1500 * 1000);
	atomic_store(&stop, true);
	for (int t = 0; t < 9; t++) {
		pthread_join(st[t].tid, NULL);
		errors += st[t].errors;
		cr_assert_gt(st[t].done, 0);
	}
	cr_assert_eq(errors, 0, "%d wrong answers under concurrency", errors);
	vn_union_release(&g_u);
	cr_assert_eq(count_fds(), base, "fds left open after vn_union_release");
}
