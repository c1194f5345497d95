/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp filter, installed last in the child:
 *  1. a guard: any ABI but x86-64 (i386 via int $0x80, x32) and any
 *     syscall number newer than the newest we know get ENOSYS, so a
 *     future path syscall can never bypass the union;
 *  2. the main filter (libseccomp): the decoder table's syscalls go to
 *     the supervisor, bypasses are denied, the rest is allowed.
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
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <unistd.h>

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
static int deny_without_view(scmp_filter_ctx ctx)
{
	static const unsigned long attr_ioctls[] = {
		FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS, FS_IOC_FSSETXATTR,
		FS_IOC_SETVERSION, FS_IOC32_SETVERSION, /* ext4's too: the same numbers */
		FS_IOC_ENABLE_VERITY, FS_IOC_SET_ENCRYPTION_POLICY,
	};
	int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				 SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_UNTRACED, CLONE_UNTRACED));

	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EBUSY), SCMP_SYS(seccomp), 2,
				     SCMP_A0(SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER),
				     SCMP_A1(SCMP_CMP_MASKED_EQ, SECCOMP_FILTER_FLAG_NEW_LISTENER,
					     SECCOMP_FILTER_FLAG_NEW_LISTENER));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(prctl), 2,
				     SCMP_A0(SCMP_CMP_EQ, PR_SET_DUMPABLE), SCMP_A1(SCMP_CMP_EQ, 0));
	for (size_t i = 0; r == 0 && i < sizeof(attr_ioctls) / sizeof(attr_ioctls[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, attr_ioctls[i]));
	return r;
}

static int add_split(scmp_filter_ctx ctx, const struct tracee_split *sp)
{
	struct scmp_arg_cmp clear = { .arg = (unsigned)sp->arg, .op = SCMP_CMP_MASKED_EQ,
				      .datum_a = sp->mask, .datum_b = 0 };
	struct scmp_arg_cmp set = clear;
	int r;

	set.datum_b = sp->mask;
	r = seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, sp->nr, 1, &clear);
	if (r == 0)
		r = seccomp_rule_add_array(ctx, SCMP_ACT_TRACE(0), sp->nr, 1, &set);
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
static int add_trapped(scmp_filter_ctx ctx, int nr, const struct tracee_trap *trap)
{
	int flags_arg = nr == SCMP_SYS(open) ? 1 : nr == SCMP_SYS(openat) ? 2 : -1;
	int r;

	for (size_t i = 0; i < trap->nreissuable; i++) {
		if (trap->reissuable[i] != nr)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_TRAP, nr, 1, SCMP_A5_64(SCMP_CMP_NE, trap->cookie));
		for (size_t b = 0; r == 0 && flags_arg >= 0 &&
				   b < sizeof(open_write_bits) / sizeof(open_write_bits[0]); b++) {
			struct scmp_arg_cmp set = { .arg = (unsigned)flags_arg, .op = SCMP_CMP_MASKED_EQ,
						    .datum_a = open_write_bits[b],
						    .datum_b = open_write_bits[b] };

			r = seccomp_rule_add_array(ctx, SCMP_ACT_TRAP, nr, 1, &set);
		}
		return r;
	}
	return seccomp_rule_add(ctx, SCMP_ACT_TRAP, nr, 0);
}

static scmp_filter_ctx build_main_filter(const struct tracee_filter_spec *spec)
{
	const struct tracee_trap *trap = spec->trap;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = 0;

	if (!ctx)
		return NULL;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS));
	/* a binary tree of syscall numbers, not a list: the kernel runs the
	 * filter for every syscall number when it loads it (the cache of
	 * calls always allowed), which took ~150 us for a list, ~70 for this */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; r == 0 && i < spec->ntrapped; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, spec->trapped[i], 0);
	/* without a view: the calls the kernel must walk a real path for go
	 * to the supervisor's tracer, which points them at one */
	for (size_t i = 0; r == 0 && i < spec->ntraced; i++)
		r = trap ? add_trapped(ctx, spec->traced[i], trap)
			 : seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), spec->traced[i], 0);
	for (size_t i = 0; r == 0 && i < spec->nsplit; i++)
		r = add_split(ctx, &spec->split[i]);
	if (r == 0 && spec->ntraced)
		r = deny_without_view(ctx);
	for (size_t i = 0; r == 0 && i < sizeof(denials) / sizeof(denials[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(denials[i].err), denials[i].nr, 0);
	/* The caller's terminal is shared: TIOCSTI would type into the host's
	 * shell once the sandbox exits, TIOCLINUX paste from the console.
	 * The kernel compares an ioctl's command as 32 bits: so do we. */
	for (size_t i = 0; r == 0 && i < sizeof(tty_denials) / sizeof(tty_denials[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, tty_denials[i]));
	if (r < 0) {
		seccomp_release(ctx);
		errno = -r;
		return NULL;
	}
	return ctx;
}

/* libseccomp 2.5 cannot ask for WAIT_KILLABLE_RECV (nor export to
 * memory), so its BPF goes through a memfd and init loads it itself. */
static int export_program(scmp_filter_ctx ctx, struct tracee_filter *out)
{
	int memfd = memfd_create("veneer-filter", MFD_CLOEXEC);
	struct sock_filter *insns;
	off_t size;
	int r;

	if (memfd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, memfd);
	if (r < 0) {
		close(memfd);
		return r;
	}
	size = lseek(memfd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
	    size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		close(memfd);
		return -EIO;
	}
	insns = malloc((size_t)size);
	if (!insns || pread(memfd, insns, (size_t)size, 0) != size) {
		free(insns);
		close(memfd);
		return -EIO;
	}
	close(memfd);
	out->insns = insns;
	out->len = (unsigned short)((size_t)size / sizeof(struct sock_filter));
	return 0;
}

int tracee_build_filter(const struct tracee_filter_spec *spec, struct tracee_filter *out)
{
	scmp_filter_ctx ctx = build_main_filter(spec);
	int r;

	out->insns = NULL;
	out->len = 0;
	if (!ctx)
		return errno ? -errno : -ENOMEM;
	r = export_program(ctx, out);
	seccomp_release(ctx);
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
