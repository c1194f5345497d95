/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The child side: everything between the clone into new pid and mount
 * namespaces and the exec of the target, as an ordered list of steps.
 */
#ifndef VENEER_TRACEE_H
#define VENEER_TRACEE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "veneer/policy.h"

struct tracee_bind {
	char *source;      /* where the supervisor staged it (its namespace) */
	char *dest;        /* absolute path inside the sandbox */
	bool read_only;
};

struct sock_filter;

/* The main filter as BPF, built by init (filter.c) from a spec. */
struct tracee_filter {
	struct sock_filter *insns;
	unsigned short len;
};

struct tracee_split;
struct tracee_trap;

/* What the main filter sends where: trapped, the syscalls the listener
 * answers; traced, those the tracer runs (trapped with SIGSYS instead
 * when trap is not NULL); split, the opens that go to the tracer only
 * with a flag. */
struct tracee_filter_spec {
	const int *trapped;
	size_t ntrapped;
	const int *traced;
	size_t ntraced;
	const struct tracee_split *split;
	size_t nsplit;
	const struct tracee_trap *trap;
};

struct tracee_config {
	const char *view;              /* the view, as the supervisor sees it */
	const struct tracee_bind *binds;
	size_t nbinds;
	char *const *argv;
	int sock;                      /* the listener goes back over this */
	/* traps the syscalls the supervisor answers: init builds it while
	 * the supervisor settles the launch (libseccomp takes ~0.3 ms) */
	const struct tracee_filter_spec *filter;
	const struct policy *policy;
	const char *hostname;          /* NULL: the host's, as the UTS namespace copied it */
	/* notify-hostroot: no namespaces, so no mounts; the file system is
	 * kept read-only by Landlock instead, and init execs the target
	 * itself (the supervisor is the sandbox's reaper) */
	bool hostroot;
	/* the ptrace backend: the filter traces, no listener is handed over,
	 * and the kernel opens the files beneath the upper and the skeleton
	 * for the target (their fds: tracee_send_layout) */
	bool traced;
	/* --unsafe-lowers: where the kernel has no Landlock, run unconfined */
	bool unsafe_lowers;
};

/* What only the target needs: settled by the supervisor while init sets
 * up its mounts (the two run side by side), queued for init with
 * tracee_send_launch, and read by init once it has handed over the
 * listener. */
struct tracee_launch {
	char *cwd;                     /* union path to start in */
	char *command;                 /* argv[0] found along PATH in the union, or NULL */
	char **envp;                   /* the command's environment */
};

/* mounts.c */
int tracee_make_mounts_slave(void);
int tracee_mount_proc(const struct tracee_config *cfg);
int tracee_mount_dev(const struct tracee_config *cfg);
int tracee_mount_sys(const struct tracee_config *cfg);
int tracee_mount_binds(const struct tracee_config *cfg);
int tracee_enter_view(const struct tracee_config *cfg);

/* terminal.c: the caller's terminal (stdin) at /dev/console under dev */
int tracee_bind_terminal(const char *dev);

/* policy.c */
int tracee_loopback_up(const struct tracee_config *cfg);
int tracee_wait_for_network(const struct tracee_config *cfg);
int tracee_drop_capabilities(const struct tracee_config *cfg);

/* confine.c, in two steps: the file system read-only to this process
 * and what it starts, but beneath the `writable` paths (Landlock; a path
 * that does not exist is left out, a file is writable but not its name):
 * the ruleset, or -ENOSYS without Landlock, or -errno; */
int tracee_writes_ruleset(const char *const *writable, size_t n);
/* then the files (not the names) beneath the `file_writable` directories
 * (open fds: without a view init has the upper and the skeleton sent,
 * since its filter, installed before, would trap the opens), and the
 * domain entered (ruleset closed): 0 or -errno. */
int tracee_confine_writes(int ruleset, const int *file_writable, size_t nfile);

/* scope.c: only abstract sockets made inside can be reached */
int tracee_scope_abstract_sockets(void);

/* uts.c: the sandbox's own host name */
int tracee_set_hostname(const struct tracee_config *cfg);

/* A syscall notified, except when its flags argument `arg` has all of
 * `mask` set: then traced (notify-hostroot sends O_PATH opens to the
 * tracer, which lets the kernel open the real object). */
struct tracee_split {
	int nr;
	int arg;
	unsigned long mask;
};

/* The ptrace backend's nested mode (under another listener, whose
 * USER_NOTIF beats TRACE): the traced syscalls get SECCOMP_RET_TRAP
 * instead, but for a call of a reissuable one whose sixth argument is
 * the cookie, which the tracer runs again past the filter. */
struct tracee_trap {
	uint64_t cookie;
	const int *reissuable;
	size_t nreissuable;
};

/* filter.c: built and installed by init; tracee_build_filter is the
 * unit tests' way in, and tracee_filter_rules gives them the rules it
 * compiles (bpf.h), to compile with libseccomp and compare: 0 or
 * -errno (nothing to free then). */
struct bpf_rules;
int tracee_filter_rules(const struct tracee_filter_spec *spec, struct bpf_rules *rules);
int tracee_build_filter(const struct tracee_filter_spec *spec, struct tracee_filter *out);
void tracee_filter_free(struct tracee_filter *f);
/* Build cfg's filter (saying why it failed on stderr). */
int tracee_prepare_filter(const struct tracee_config *cfg, struct tracee_filter *out);
/* With cfg->traced, no listener: *listener is -1. */
int tracee_install_filter(const struct tracee_config *cfg, const struct tracee_filter *filter,
			  int *listener);
int tracee_send_listener(int sock, int listener);

/* init.c: the supervisor's side of the launch; 0 or -errno (-EPIPE:
 * init has exited, and its status says why) */
int tracee_send_launch(int sock, const struct tracee_launch *launch);
/* Without a view: init starts before the supervisor has made the upper
 * and the skeleton (it builds and installs its filter meanwhile), and
 * waits for them, open (any fd on each: init's Landlock rules are made
 * from them); 0 or -errno. */
int tracee_send_layout(int sock, int skeleton, int upper);
/* init.c: pid 1 of the sandbox; never returns */
_Noreturn void tracee_main(const struct tracee_config *cfg);

#endif
