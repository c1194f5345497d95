/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decoder table: syscall number -> a small decoder that calls the
 * union core.  The seccomp filter traps exactly the syscalls listed here,
 * so what the filter covers and what the supervisor answers cannot drift.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/syscall.h>

#include "calls.h"

/* Newer than Debian 12's headers (x86-64 numbers, from the kernel's table). */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

/* [__NR_x] = { "x", handler }: the name is the macro's text less "__NR_" */
#define ENTRY(nr, fn) [nr] = { #nr + 5, fn, HOLD_SHARED, 0, TRAP_ALWAYS, false }
#define CHANGE(nr, fn) [nr] = { #nr + 5, fn, HOLD_ALONE, 0, TRAP_ALWAYS, false }
#define OPEN(nr, fn, arg) [nr] = { #nr + 5, fn, HOLD_BY_OPEN_FLAGS, arg, TRAP_ALWAYS, false }
#define IDENT(nr, fn) [nr] = { #nr + 5, fn, HOLD_SHARED, 0, TRAP_PRESENTED, false }
/* the kernel walks the path: without a view, the call is redirected */
#define WALK(nr, fn) [nr] = { #nr + 5, fn, HOLD_SHARED, 0, TRAP_ALWAYS, true }
#define HOSTROOT(nr, fn) [nr] = { #nr + 5, fn, HOLD_SHARED, 0, TRAP_HOSTROOT, false }
#define UNAME(nr, fn) [nr] = { #nr + 5, fn, HOLD_SHARED, 0, TRAP_UNAME, false }

static const struct syscall_entry table[] = {
	/* inject (after a copy-up when the open may write) */
	OPEN(__NR_open, sys_open, 1),
	OPEN(__NR_openat, sys_openat, 2),
	CHANGE(__NR_openat2, sys_openat2), /* its flags are in target memory */
	CHANGE(__NR_creat, sys_creat),
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
	/* render and continue (without a view: redirect) */
	WALK(__NR_chdir, sys_chdir),
	ENTRY(__NR_chroot, sys_chroot),
	WALK(__NR_execve, sys_execve),
	WALK(__NR_execveat, sys_execveat),
	/* without a view the kernel's cwd is a skeleton directory */
	HOSTROOT(__NR_getcwd, sys_getcwd),
	CHANGE(__NR_bind, sys_bind),
	ENTRY(__NR_connect, sys_connect),
	/* emulate: changes */
	CHANGE(__NR_mkdir, sys_mkdir),
	CHANGE(__NR_mkdirat, sys_mkdirat),
	CHANGE(__NR_mknod, sys_mknod),
	CHANGE(__NR_mknodat, sys_mknodat),
	CHANGE(__NR_rmdir, sys_rmdir),
	CHANGE(__NR_unlink, sys_unlink),
	CHANGE(__NR_unlinkat, sys_unlinkat),
	CHANGE(__NR_rename, sys_rename),
	CHANGE(__NR_renameat, sys_renameat),
	CHANGE(__NR_renameat2, sys_renameat2),
	CHANGE(__NR_link, sys_link),
	CHANGE(__NR_linkat, sys_linkat),
	CHANGE(__NR_symlink, sys_symlink),
	CHANGE(__NR_symlinkat, sys_symlinkat),
	CHANGE(__NR_chmod, sys_chmod),
	CHANGE(__NR_fchmodat, sys_fchmodat),
	CHANGE(__NR_fchmodat2, sys_fchmodat2),
	CHANGE(__NR_fchmod, sys_fchmod),
	CHANGE(__NR_chown, sys_chown),
	CHANGE(__NR_lchown, sys_lchown),
	CHANGE(__NR_fchownat, sys_fchownat),
	CHANGE(__NR_fchown, sys_fchown),
	CHANGE(__NR_utime, sys_utime),
	CHANGE(__NR_utimes, sys_utimes),
	CHANGE(__NR_futimesat, sys_futimesat),
	CHANGE(__NR_utimensat, sys_utimensat),
	CHANGE(__NR_truncate, sys_truncate),
	CHANGE(__NR_setxattr, sys_setxattr),
	CHANGE(__NR_lsetxattr, sys_lsetxattr),
	CHANGE(__NR_fsetxattr, sys_fsetxattr),
	CHANGE(__NR_removexattr, sys_removexattr),
	CHANGE(__NR_lremovexattr, sys_lremovexattr),
	CHANGE(__NR_fremovexattr, sys_fremovexattr),
	/* presented identities: emulated, and only then trapped */
	UNAME(__NR_uname, sys_uname),
	IDENT(__NR_setuid, sys_setuid),
	IDENT(__NR_setgid, sys_setgid),
	IDENT(__NR_setreuid, sys_setreuid),
	IDENT(__NR_setregid, sys_setregid),
	IDENT(__NR_setresuid, sys_setresuid),
	IDENT(__NR_setresgid, sys_setresgid),
	IDENT(__NR_setfsuid, sys_setfsuid),
	IDENT(__NR_setfsgid, sys_setfsgid),
	IDENT(__NR_setgroups, sys_setgroups),
	IDENT(__NR_getuid, sys_getuid),
	IDENT(__NR_geteuid, sys_geteuid),
	IDENT(__NR_getgid, sys_getgid),
	IDENT(__NR_getegid, sys_getegid),
	IDENT(__NR_getresuid, sys_getresuid),
	IDENT(__NR_getresgid, sys_getresgid),
	IDENT(__NR_getgroups, sys_getgroups),
	IDENT(__NR_prctl, sys_prctl),
	IDENT(__NR_capset, sys_capset),
};

#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

const struct syscall_entry *calls_lookup(int nr)
{
	if (nr < 0 || (size_t)nr >= TABLE_SIZE || !table[nr].handler)
		return NULL;
	return &table[nr];
}

static bool trapped_here(const struct syscall_entry *e, const struct trap_choice *t,
			 bool hostroot)
{
	return e->handler && (e->when == TRAP_ALWAYS || (e->when == TRAP_PRESENTED && t->presented) ||
			      (e->when == TRAP_HOSTROOT && hostroot) ||
			      (e->when == TRAP_UNAME && t->uname));
}

size_t calls_trapped(int *out, size_t max, const struct trap_choice *t)
{
	bool hostroot = t->hostroot;
	size_t n = 0;

	for (size_t nr = 0; nr < TABLE_SIZE && n < max; nr++)
		if (trapped_here(&table[nr], t, hostroot) && !(hostroot && table[nr].kernel_walks) &&
		    !(hostroot && table[nr].hold == HOLD_BY_OPEN_FLAGS))
			out[n++] = (int)nr;
	return n;
}

size_t calls_traced(int *out, size_t max, const struct trap_choice *t)
{
	size_t n = 0;

	for (size_t nr = 0; nr < TABLE_SIZE && n < max; nr++)
		if (trapped_here(&table[nr], t, true))
			out[n++] = (int)nr;
	return n;
}

/* A call that only reads, walks or opens: what the kernel then does for
 * the target is bounded by its Landlock domain (opens, exec, chdir) or
 * changes nothing (stat, readlink, listings).  Not a change (metadata is
 * not Landlock's), and not connect, which the supervisor makes itself so
 * that a host socket's name is never reached. */
bool calls_reissuable(int nr)
{
	const struct syscall_entry *e = calls_lookup(nr);

	return e && e->hold != HOLD_ALONE && nr != __NR_connect;
}

int calls_open_flags_arg(int nr)
{
	const struct syscall_entry *e = calls_lookup(nr);

	return e && e->hold == HOLD_BY_OPEN_FLAGS ? e->flags_arg : -1;
}

size_t calls_split_on_opath(int *nrs, int *flags_args, size_t max)
{
	size_t n = 0;

	for (size_t nr = 0; nr < TABLE_SIZE && n < max; nr++) {
		if (table[nr].handler && table[nr].hold == HOLD_BY_OPEN_FLAGS) {
			nrs[n] = (int)nr;
			flags_args[n++] = table[nr].flags_arg;
		}
	}
	return n;
}

size_t calls_redirected(int *out, size_t max)
{
	size_t n = 0;

	for (size_t nr = 0; nr < TABLE_SIZE && n < max; nr++)
		if (table[nr].handler && table[nr].kernel_walks)
			out[n++] = (int)nr;
	return n;
}
