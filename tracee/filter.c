/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp filter, installed last in the child:
 *  1. a guard: any ABI but x86-64 (i386 via int $0x80, x32) and any
 *     syscall number newer than the newest we know get ENOSYS, so a
 *     future path syscall can never bypass the union;
 *  2. the main filter (its rules here, compiled by bpf.c): the decoder
 *     table's syscalls go to the supervisor, bypasses are denied, the
 *     rest is allowed.
 * The listener is handed over with sendmsg, which the filter lets through.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/fscrypt.h>
#include <linux/fsverity.h>
#include <sched.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bpf.h"
#include "tracee.h"
#include "veneer/fdpass.h"

/* The newest x86-64 syscall number this filter was written against
 * (file_setattr, Linux 6.17).  Everything above answers ENOSYS. */
#define NEWEST_KNOWN_SYSCALL 469
#define X32_SYSCALL_BIT 0x40000000

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct denial {
	int nr;
	int err;
};

/* Bypasses of the union, and the newer forms of calls the union answers
 * in their older forms (callers fall back on ENOSYS). */
static const struct denial denials[] = {
	{ __NR_io_uring_setup, ENOSYS },
	{ __NR_io_uring_enter, ENOSYS },
	{ __NR_io_uring_register, ENOSYS },
	{ __NR_open_by_handle_at, EPERM },
	{ __NR_name_to_handle_at, EOPNOTSUPP },
	{ __NR_mount, EPERM },
	{ __NR_umount2, EPERM },
	{ __NR_pivot_root, EPERM },
	{ __NR_move_mount, EPERM },
	{ __NR_open_tree, EPERM },
	{ __NR_fsopen, EPERM },
	{ __NR_fsconfig, EPERM },
	{ __NR_fsmount, EPERM },
	{ __NR_fspick, EPERM },
	{ __NR_mount_setattr, EPERM },
	{ __NR_fanotify_mark, EPERM },
	{ __NR_uselib, ENOSYS },
	{ __NR_swapon, EPERM },
	{ __NR_swapoff, EPERM },
	{ __NR_acct, EPERM },
	{ __NR_quotactl, EPERM },
	/* a userfaultfd page could stall a worker reading target memory */
	{ __NR_userfaultfd, EPERM },
	/* the kernel's keyrings are the caller's: its session keyring (and
	 * what it holds: Kerberos tickets, fs keys) would be shared with the
	 * host session; answered as a kernel without CONFIG_KEYS */
	{ __NR_add_key, ENOSYS },
	{ __NR_request_key, ENOSYS },
	{ __NR_keyctl, ENOSYS },
	{ 457, ENOSYS }, /* statmount */
	{ 458, ENOSYS }, /* listmount */
	{ 463, ENOSYS }, /* setxattrat */
	{ 464, ENOSYS }, /* getxattrat */
	{ 465, ENOSYS }, /* listxattrat */
	{ 466, ENOSYS }, /* removexattrat */
	{ 467, EPERM },  /* open_tree_attr */
	{ 468, ENOSYS }, /* file_getattr */
	{ 469, ENOSYS }, /* file_setattr */
};

/* ioctls on a terminal that reach past the sandbox */
static const unsigned long tty_denials[] = { TIOCSTI, TIOCLINUX };

static int install_guard(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, NEWEST_KNOWN_SYSCALL, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(insns) / sizeof(insns[0]), .filter = insns };

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		fprintf(stderr, "veneer: install the seccomp guard filter: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Without a view (the calls that walk a path are traced): a process
 * that left the tracer (CLONE_UNTRACED) would walk the host with its own
 * strings, and clone3's flags are out of the filter's sight (glibc falls
 * back to clone on ENOSYS); file attribute ioctls (flags, version,
 * verity, encryption policy) on the layers' files the supervisor hands
 * out change what Landlock does not guard, with a read-only fd; and a
 * listener of the target's own would take the traced calls (USER_NOTIF
 * beats TRACE) and let the kernel run them on the host's paths: refused
 * as the kernel refuses a second listener (on notify-hostroot it does);
 * and a process that made itself non-dumpable could not have its memory
 * read by a supervisor without capabilities (every path call would be
 * EFAULT): PR_SET_DUMPABLE 0 is EPERM. */
static int deny_without_view(struct bpf_rules *rules)
{
	static const unsigned long attr_ioctls[] = {
		FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS, FS_IOC_FSSETXATTR,
		FS_IOC_SETVERSION, FS_IOC32_SETVERSION, /* ext4's too: the same numbers */
		FS_IOC_ENABLE_VERITY, FS_IOC_SET_ENCRYPTION_POLICY,
	};
	const struct bpf_cmp untraced = { 0, BPF_CMP_MASKED_EQ, CLONE_UNTRACED, CLONE_UNTRACED };
	const struct bpf_cmp listener[] = {
		{ 0, BPF_CMP_EQ, 0, SECCOMP_SET_MODE_FILTER },
		{ 1, BPF_CMP_MASKED_EQ, SECCOMP_FILTER_FLAG_NEW_LISTENER,
		  SECCOMP_FILTER_FLAG_NEW_LISTENER },
	};
	const struct bpf_cmp undumpable[] = { { 0, BPF_CMP_EQ, 0, PR_SET_DUMPABLE },
					      { 1, BPF_CMP_EQ, 0, 0 } };
	int r = bpf_rule_add(rules, SECCOMP_RET_ERRNO | EPERM, __NR_clone, 1, &untraced);

	if (r == 0)
		r = bpf_rule_add(rules, SECCOMP_RET_ERRNO | ENOSYS, __NR_clone3, 0, NULL);
	if (r == 0)
		r = bpf_rule_add(rules, SECCOMP_RET_ERRNO | EBUSY, __NR_seccomp, 2, listener);
	if (r == 0)
		r = bpf_rule_add(rules, SECCOMP_RET_ERRNO | EPERM, __NR_prctl, 2, undumpable);
	for (size_t i = 0; r == 0 && i < sizeof(attr_ioctls) / sizeof(attr_ioctls[0]); i++) {
		/* the kernel compares an ioctl's command as 32 bits: so do we */
		const struct bpf_cmp cmd = { 1, BPF_CMP_MASKED_EQ, 0xffffffffu, attr_ioctls[i] };

		r = bpf_rule_add(rules, SECCOMP_RET_ERRNO | EPERM, __NR_ioctl, 1, &cmd);
	}
	return r;
}

static int add_split(struct bpf_rules *rules, const struct tracee_split *sp)
{
	struct bpf_cmp clear = { (unsigned)sp->arg, BPF_CMP_MASKED_EQ, sp->mask, 0 };
	struct bpf_cmp set = clear;
	int r;

	set.value = sp->mask;
	r = bpf_rule_add(rules, SECCOMP_RET_USER_NOTIF, sp->nr, 1, &clear);
	if (r == 0)
		r = bpf_rule_add(rules, SECCOMP_RET_TRACE, sp->nr, 1, &set);
	return r;
}

/* The flags of an open that may write or make a file. */
static const unsigned long open_write_bits[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC,
						 O_TMPFILE & ~O_DIRECTORY };

/* A traced call, trapped with SIGSYS (nested mode: see tracee_trap): a
 * call the tracer may run again carries the cookie then, and passes --
 * an open only when it can neither write nor make a file: the outer
 * listener answers a rerun open with a file it opened itself, out of
 * this sandbox's Landlock domain, and the path a rerun names is in the
 * target's memory, which another of its threads can rewrite. */
static int add_trapped(struct bpf_rules *rules, int nr, const struct tracee_trap *trap)
{
	int flags_arg = nr == __NR_open ? 1 : nr == __NR_openat ? 2 : -1;
	const struct bpf_cmp no_cookie = { 5, BPF_CMP_NE, 0, trap->cookie };
	int r;

	for (size_t i = 0; i < trap->nreissuable; i++) {
		if (trap->reissuable[i] != nr)
			continue;
		r = bpf_rule_add(rules, SECCOMP_RET_TRAP, nr, 1, &no_cookie);
		for (size_t b = 0; r == 0 && flags_arg >= 0 &&
				   b < sizeof(open_write_bits) / sizeof(open_write_bits[0]); b++) {
			const struct bpf_cmp set = { (unsigned)flags_arg, BPF_CMP_MASKED_EQ,
						     open_write_bits[b], open_write_bits[b] };

			r = bpf_rule_add(rules, SECCOMP_RET_TRAP, nr, 1, &set);
		}
		return r;
	}
	return bpf_rule_add(rules, SECCOMP_RET_TRAP, nr, 0, NULL);
}

int tracee_filter_rules(const struct tracee_filter_spec *spec, struct bpf_rules *rules)
{
	const struct tracee_trap *trap = spec->trap;
	int r = 0;

	*rules = (struct bpf_rules){ .default_action = SECCOMP_RET_ALLOW,
				     .badarch_action = SECCOMP_RET_ERRNO | ENOSYS };
	for (size_t i = 0; r == 0 && i < spec->ntrapped; i++)
		r = bpf_rule_add(rules, SECCOMP_RET_USER_NOTIF, spec->trapped[i], 0, NULL);
	/* without a view: the calls the kernel must walk a real path for go
	 * to the supervisor's tracer, which points them at one */
	for (size_t i = 0; r == 0 && i < spec->ntraced; i++)
		r = trap ? add_trapped(rules, spec->traced[i], trap)
			 : bpf_rule_add(rules, SECCOMP_RET_TRACE, spec->traced[i], 0, NULL);
	for (size_t i = 0; r == 0 && i < spec->nsplit; i++)
		r = add_split(rules, &spec->split[i]);
	if (r == 0 && spec->ntraced)
		r = deny_without_view(rules);
	for (size_t i = 0; r == 0 && i < sizeof(denials) / sizeof(denials[0]); i++)
		r = bpf_rule_add(rules, SECCOMP_RET_ERRNO | (uint32_t)denials[i].err, denials[i].nr, 0,
				 NULL);
	/* The caller's terminal is shared: TIOCSTI would type into the host's
	 * shell once the sandbox exits, TIOCLINUX paste from the console.
	 * The kernel compares an ioctl's command as 32 bits: so do we. */
	for (size_t i = 0; r == 0 && i < sizeof(tty_denials) / sizeof(tty_denials[0]); i++) {
		const struct bpf_cmp cmd = { 1, BPF_CMP_MASKED_EQ, 0xffffffffu, tty_denials[i] };

		r = bpf_rule_add(rules, SECCOMP_RET_ERRNO | EPERM, __NR_ioctl, 1, &cmd);
	}
	if (r < 0)
		bpf_rules_free(rules);
	return r;
}

int tracee_build_filter(const struct tracee_filter_spec *spec, struct tracee_filter *out)
{
	struct bpf_rules rules;
	int r = tracee_filter_rules(spec, &rules);

	out->insns = NULL;
	out->len = 0;
	if (r < 0)
		return r;
	r = bpf_rules_compile(&rules, out);
	bpf_rules_free(&rules);
	return r;
}

void tracee_filter_free(struct tracee_filter *f)
{
	free(f->insns);
	f->insns = NULL;
	f->len = 0;
}

/* With the flags this kernel has: WAIT_KILLABLE_RECV from 5.19. */
static int load_with_listener(const struct tracee_filter *f, int *listener)
{
	struct sock_fprog prog = { .len = f->len, .filter = f->insns };
	int fd;

	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			  &prog);
	if (fd < 0 && errno == EINVAL) /* before 5.19: every handler is idempotent */
		fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0)
		return -errno;
	*listener = fd;
	return 0;
}

/* The ptrace backend's: its tracer seized init before init got here. */
static int load_traced(const struct tracee_filter *f)
{
	struct sock_fprog prog = { .len = f->len, .filter = f->insns };

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? -errno : 0;
}

int tracee_prepare_filter(const struct tracee_config *cfg, struct tracee_filter *out)
{
	int r = tracee_build_filter(cfg->filter, out);

	if (r < 0)
		fprintf(stderr, "veneer: build the seccomp filter: %s\n", strerror(-r));
	return r;
}

int tracee_install_filter(const struct tracee_config *cfg, const struct tracee_filter *filter,
			  int *listener)
{
	int r = install_guard();

	*listener = -1;
	if (r == 0)
		r = cfg->traced ? load_traced(filter) : load_with_listener(filter, listener);
	if (r == -EBUSY)
		fprintf(stderr, "veneer: this process already runs under a seccomp user-notification "
				"listener (veneer inside veneer, or another notify-based runtime), and "
				"the kernel allows only one: the notify backends cannot run nested\n");
	else if (r < 0)
		fprintf(stderr, "veneer: install the seccomp filter: %s\n", strerror(-r));
	return r;
}

int tracee_send_listener(int sock, int listener)
{
	int r = vn_send_fd(sock, listener);

	if (r < 0)
		fprintf(stderr, "veneer: hand the listener to the supervisor: %s\n", strerror(-r));
	return r;
}
