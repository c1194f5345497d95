/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Landlock for a rung without a view: where no read-only mount keeps the
 * lowers unchanged (no user namespace, so no mounts), the kernel still
 * must.  The domain handles every access that changes the file system
 * and grants it only beneath the given paths (the terminal and /dev, say);
 * reading and executing are not handled, so stay the kernel's usual.
 * Where the kernel can (Landlock ABI 6), signals to processes outside
 * the domain are refused too.
 * Files the supervisor opens outside the domain and injects keep the
 * access they were opened with: Landlock checks at open, not at write.
 * The ptrace backend cannot inject: the kernel opens the layer's file for
 * the target, so files beneath the upper (and the skeleton's FIFOs) may
 * be written, never made, removed or renamed: names stay the union's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracee.h"
#include "veneer/landlock.h"

#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3, Linux 6.2 */
#endif

/* What changes the file system, as far as this kernel's ABI can say. */
static uint64_t write_accesses(int abi)
{
	uint64_t a = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		     LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		     LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		     LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (abi >= 2)
		a |= LANDLOCK_ACCESS_FS_REFER; /* rename/link across directories */
	if (abi >= 3)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return a;
}

/* Only these apply to a file (the rest are about directory entries). */
#define FILE_ACCESSES (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

/* Writes allowed beneath path (only to files, when it is not a
 * directory); nothing when there is nothing there. */
static int allow_path(int ruleset, const char *path, uint64_t handled)
{
	struct landlock_path_beneath_attr rule = { .allowed_access = handled };
	struct stat st;
	int r = 0;

	rule.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (rule.parent_fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(rule.parent_fd, &st) < 0)
		r = -errno;
	else if (!S_ISDIR(st.st_mode))
		rule.allowed_access &= FILE_ACCESSES;
	if (r == 0 && syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0)
		r = -errno;
	close(rule.parent_fd);
	return r;
}

int tracee_writes_ruleset(const char *const *writable, size_t n)
{
	int abi = vn_landlock_abi();
	struct vn_landlock_ruleset_attr attr = { 0 };
	int ruleset, r = 0;

	if (abi < 1)
		return -ENOSYS;
	attr.handled_access_fs = write_accesses(abi);
	/* and, where the ABI has it (6), no signal to a process outside */
	if (abi >= VN_LANDLOCK_ABI_SCOPE)
		attr.scoped = VN_LANDLOCK_SCOPE_SIGNAL;
	/* the attribute's size is the ABI's: a 6.1 kernel knows only the
	 * first field, and refuses a larger struct with non-zero tail */
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
			       abi >= VN_LANDLOCK_ABI_SCOPE ? sizeof(attr) : sizeof(attr.handled_access_fs), 0);
	if (ruleset < 0)
		return -errno;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = allow_path(ruleset, writable[i], attr.handled_access_fs);
	if (r < 0) {
		close(ruleset);
		return r;
	}
	return ruleset;
}

int tracee_confine_writes(int ruleset, const int *file_writable, size_t nfile)
{
	struct landlock_path_beneath_attr rule = {
		.allowed_access = write_accesses(vn_landlock_abi()) & FILE_ACCESSES,
	};
	int r = 0;

	for (size_t i = 0; r == 0 && i < nfile; i++) {
		rule.parent_fd = file_writable[i];
		if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0)
			r = -errno;
	}
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = -errno;
	if (r == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		r = -errno;
	close(ruleset);
	return r;
}
