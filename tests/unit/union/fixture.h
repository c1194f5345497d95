/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixture of the union core's unit tests: every test builds its own
 * layer stack in a fresh directory under $TMPDIR (or /tmp): <root>/L0 is
 * the upper (with its state directory), L1.. the lowers, topmost first.
 * Criterion runs each test in its own process; the fixture removes the
 * directory afterwards, whatever the outcome.  The tests are split by the
 * core's concerns, a file each (lookup.c, whiteout.c, ...).
 */
#ifndef VENEER_UNIT_UNION_FIXTURE_H
#define VENEER_UNIT_UNION_FIXTURE_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "veneer/union.h"

extern char g_root[PATH_MAX];
extern struct vn_union g_u;

/* cr_skip_test does not run .fini: clean up first. */
#define skip_test(...)                   \
	do {                             \
		teardown();              \
		cr_skip_test(__VA_ARGS__); \
	} while (0)

#define UT(suite, name) Test(suite, name, .init = setup, .fini = teardown)

void setup(void);
void teardown(void);
char *lpath(char *buf, int l, const char *rel);
void mkd(int l, const char *rel);
void put(int l, const char *rel, const char *content);
void lnk(int l, const char *rel, const char *target);
void wh_oci(int l, const char *rel);
void wh_ovl(int l, const char *rel);
void opq_oci(int l, const char *rel);
void opq_xattr(int l, const char *rel, const char *xname);
int rm_rf_layer_dir(int l, const char *rel);
void layers(int n);
void present_owners(void);
int res_at(const char *start, const char *path, int flags, struct vn_node *n);
int res(const char *path, int flags, struct vn_node *n);
void expect_file(const char *path, int flags, const char *canon, int layer, const char *want);
void expect_err(const char *start, const char *path, int flags, int err);
void expect_dir(const char *start, const char *path, int flags, const char *canon, uint32_t dir_layers);
char *list_names(const char *path, struct vn_listing *out);
void expect_listing(const char *path, const char *want);
const struct vn_dirent *entry(const struct vn_listing *l, const char *name);
nlink_t presented_nlink(const char *path);
void lstat_layer(int l, const char *rel, struct stat *st);

#endif
