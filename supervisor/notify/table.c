/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decoder table: syscall number -> a small decoder that calls the
 * union core.  The seccomp filter traps exactly the syscalls listed here,
 * so what the filter covers and what the supervisor answers cannot drift.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/syscall.h>

#include "notify.h"

/* Newer than Debian 12's headers (x86-64 numbers, from the kernel's table). */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

/* [__NR_x] = { "x", handler }: the name is the macro's text less "__NR_" */
#define ENTRY(nr, fn) [nr] = { #nr + 5, fn }

static const struct syscall_entry table[] = {
	/* inject */
	ENTRY(__NR_open, sys_open),
	ENTRY(__NR_openat, sys_openat),
	ENTRY(__NR_openat2, sys_openat2),
	ENTRY(__NR_creat, sys_creat),
	/* emulate: readers */
	ENTRY(__NR_stat, sys_stat),
	ENTRY(__NR_lstat, sys_lstat),
	ENTRY(__NR_fstat, sys_fstat),
	ENTRY(__NR_newfstatat, sys_newfstatat),
	ENTRY(__NR_statx, sys_statx),
	ENTRY(__NR_statfs, sys_statfs),
	ENTRY(__NR_fstatfs, sys_fstatfs),
	ENTRY(__NR_access, sys_access),
	ENTRY(__NR_faccessat, sys_faccessat),
	ENTRY(__NR_faccessat2, sys_faccessat2),
	ENTRY(__NR_readlink, sys_readlink),
	ENTRY(__NR_readlinkat, sys_readlinkat),
	ENTRY(__NR_getxattr, sys_getxattr),
	ENTRY(__NR_lgetxattr, sys_lgetxattr),
	ENTRY(__NR_fgetxattr, sys_fgetxattr),
	ENTRY(__NR_listxattr, sys_listxattr),
	ENTRY(__NR_llistxattr, sys_llistxattr),
	ENTRY(__NR_flistxattr, sys_flistxattr),
	ENTRY(__NR_getdents64, sys_getdents64),
	ENTRY(__NR_getdents, sys_getdents),
	ENTRY(__NR_inotify_add_watch, sys_inotify_add_watch),
	/* render and continue */
	ENTRY(__NR_chdir, sys_chdir),
	ENTRY(__NR_execve, sys_execve),
	ENTRY(__NR_execveat, sys_execveat),
	ENTRY(__NR_bind, sys_bind),
	ENTRY(__NR_connect, sys_connect),
	/* emulate: mutations */
	ENTRY(__NR_mkdir, sys_mutate_path),
	ENTRY(__NR_mkdirat, sys_mutate_at),
	ENTRY(__NR_mknod, sys_mutate_path),
	ENTRY(__NR_mknodat, sys_mutate_at),
	ENTRY(__NR_rmdir, sys_mutate_lpath),
	ENTRY(__NR_unlink, sys_mutate_lpath),
	ENTRY(__NR_unlinkat, sys_mutate_at_lpath),
	ENTRY(__NR_rename, sys_rename),
	ENTRY(__NR_renameat, sys_renameat),
	ENTRY(__NR_renameat2, sys_renameat),
	ENTRY(__NR_link, sys_link),
	ENTRY(__NR_linkat, sys_linkat),
	ENTRY(__NR_symlink, sys_symlink),
	ENTRY(__NR_symlinkat, sys_symlinkat),
	ENTRY(__NR_chmod, sys_mutate_path),
	ENTRY(__NR_fchmodat, sys_mutate_at),
	ENTRY(__NR_fchmodat2, sys_mutate_at_flags3),
	ENTRY(__NR_chown, sys_mutate_path),
	ENTRY(__NR_lchown, sys_mutate_lpath),
	ENTRY(__NR_fchownat, sys_mutate_at_flags4),
	ENTRY(__NR_utime, sys_mutate_path),
	ENTRY(__NR_utimes, sys_mutate_path),
	ENTRY(__NR_futimesat, sys_mutate_at),
	ENTRY(__NR_utimensat, sys_utimensat),
	ENTRY(__NR_truncate, sys_mutate_path),
	ENTRY(__NR_setxattr, sys_mutate_path),
	ENTRY(__NR_lsetxattr, sys_mutate_lpath),
	ENTRY(__NR_removexattr, sys_mutate_path),
	ENTRY(__NR_lremovexattr, sys_mutate_lpath),
};

#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

const struct syscall_entry *notify_lookup(int nr)
{
	if (nr < 0 || (size_t)nr >= TABLE_SIZE || !table[nr].handler)
		return NULL;
	return &table[nr];
}

size_t notify_trapped_syscalls(int *out, size_t max)
{
	size_t n = 0;

	for (size_t nr = 0; nr < TABLE_SIZE && n < max; nr++)
		if (table[nr].handler)
			out[n++] = (int)nr;
	return n;
}
